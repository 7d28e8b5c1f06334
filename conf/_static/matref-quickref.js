// The quick reference's filter: by family, by assumption and by text (id or title).
// Each row carries an empty <span class="matref-row family-<f> assume-<p> ..."> (the
// {matref:row} role); a section whose rows are all hidden is hidden with them.
(function () {
  "use strict";
  function setup() {
    const form = document.querySelector("form.matref-filter");
    if (!form) return;
    const rows = [];
    for (const tag of document.querySelectorAll("span.matref-row")) {
      const tr = tag.closest("tr");
      if (!tr) continue;
      const family = [...tag.classList].find((c) => c.startsWith("family-")).slice(7);
      const assume = [...tag.classList].filter((c) => c.startsWith("assume-")).map((c) => c.slice(7));
      rows.push({ tr, family, assume, text: tr.cells[0].textContent.toLowerCase() });
    }
    function apply() {
      const family = form.elements.family.value;
      const assume = form.elements.assume.value;
      const words = form.elements.text.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const r of rows) {
        const ok = (!family || r.family === family) && (!assume || r.assume.includes(assume)) &&
          words.every((w) => r.text.includes(w));
        r.tr.hidden = !ok;
        shown += ok;
      }
      for (const box of document.querySelectorAll(".matref-quickref")) {
        const section = box.closest("section");
        const any = [...box.querySelectorAll("tbody tr")].some((tr) => !tr.hidden);
        if (section) section.hidden = !any;
      }
      form.elements.count.value = `${shown} of ${rows.length} entries`;
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
