// Copy buttons: every display formula gets one that copies its LaTeX (read from the MathML
// annotation KaTeX leaves in the page, or from the TeX label of the quick reference's formulas);
// every entry's "numpy" button (rendered with the page) copies its statement as numpy code.
(function () {
  "use strict";
  function texOf(box) {
    const annotation = box.querySelector('annotation[encoding="application/x-tex"]');
    if (annotation) return annotation.textContent;
    const labelled = box.querySelector('[role="math"][aria-label]');
    return labelled ? labelled.getAttribute("aria-label").replace(/^\\displaystyle\s*/, "") : null;
  }
  function fallbackCopy(text) {
    // file:// pages and older browsers have no asynchronous clipboard
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    return ok;
  }
  function copy(text, button) {
    const done = (ok) => {
      const label = button.textContent;
      button.textContent = ok ? "copied" : "copy failed";
      button.classList.add("matref-copied");
      setTimeout(() => { button.textContent = label; button.classList.remove("matref-copied"); }, 1200);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => done(true), () => done(fallbackCopy(text)));
    } else {
      done(fallbackCopy(text));
    }
  }
  function texButton(tex) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "matref-copy matref-copy-tex";
    button.textContent = "TeX";
    button.title = "Copy the LaTeX of this formula";
    button.setAttribute("aria-label", "Copy the LaTeX of this formula");
    button.dataset.copy = tex.trim();
    return button;
  }
  function setup() {
    for (const box of document.querySelectorAll("div.math")) {
      const tex = texOf(box);
      if (!tex) continue;
      box.classList.add("matref-copyable");
      box.appendChild(texButton(tex));
    }
    // the quick reference: a button in each cell that holds a formula (shown when the row is hovered)
    for (const cell of document.querySelectorAll(".matref-quickref td")) {
      const box = cell.querySelector("span.math");
      const tex = box && texOf(box);
      if (!tex) continue;
      cell.classList.add("matref-copycell");
      box.after(texButton(tex));
    }
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button.matref-copy[data-copy]");
      if (button) copy(button.dataset.copy, button);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
