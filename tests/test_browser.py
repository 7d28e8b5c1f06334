"""The built handbook in headless Chromium, as a reader at 1280, 1920 and 400 px sees it.

Every page: its math is typeset in the HTML (KaTeX at build time, nothing left for the browser),
no formula is clipped at any of the three widths, no JavaScript error; the family pages are
compact (px per identity); the quick reference's filter works; the search finds identities by id,
title and Cookbook number. Chromium is Debian's, driven by Playwright (``tools/book_probe.py``),
with every host name unresolvable, so a page that needed the network would show it.

Skipped (with the reason) unless ``MATREF_BOOK_TESTS=1``, Chromium and Playwright are present and
the book is built: ``make test-browser`` sees to all of it. Screenshots are left in
``_build/screenshots`` for a human look.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest
from book_browser import HTML, MARKS, ROOT, browser, probe, server  # noqa: F401 (fixtures)

import matref

pytestmark = MARKS

PAGES = probe.pages(HTML) if (HTML / "index.html").exists() else []
PX_PER_IDENTITY = 450  # at 1280 px, over every family page (issue 10)





# -- math rendered in the HTML, not by the browser -------------------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_every_formula_is_typeset_in_the_html(page):
    text = (HTML / page).read_text(encoding="utf-8")
    boxes = len(re.findall(r'<(?:span|div) class="math notranslate', text))
    typeset = len(re.findall(r'<span class="katex">', text))
    assert typeset >= boxes, f"{page}: {typeset} KaTeX formulas for {boxes} math boxes"
    # every formula is readable by a screen reader: MathML, or its TeX as a label
    readable = text.count('<span class="katex-mathml">') + len(re.findall(r'role="math" aria-label="[^"]+"><span class="katex">', text))
    assert readable == typeset, f"{page}: {typeset - readable} formulas with neither MathML nor a label"
    assert "katex-error" not in text and "matref-tex-error" not in text, page
    assert "mathjax" not in text.lower().replace("mathjax_ignore", ""), f"{page} still loads MathJax"
    visible = re.sub(r"<(script|style|pre|code|annotation|textarea)\b.*?</\1>", " ", text, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", visible)
    for raw in ("$$", "\\(", "\\[", "\\frac", "\\operatorname", "\\mathbb"):
        assert raw not in visible, f"{page}: raw TeX {raw!r} on the page"
    ascii_math = re.findall(r".{0,30}(?:\^T\b|\^-1\b|\^\{|_\{).{0,30}", visible)
    assert not ascii_math, f"{page}: ASCII math outside math: {ascii_math[:3]}"


# -- nothing clipped at three widths; no JavaScript error -----------------------------------------
@pytest.mark.parametrize("page", PAGES)
def test_no_formula_is_clipped_at_1280_1920_or_400_px(browser, server, page):
    for m in probe.measure_widths(browser, f"{server.base}/{page}", page):
        assert m.formulas > 0 or page in ("index.html", "identities/index.html"), f"{page}: no formula measured"
        assert m.clipped == [], f"{page} at {m.width} px: {len(m.clipped)} formulas clipped, e.g. {m.clipped[:3]}"
        assert not m.page_scroll, f"{page} at {m.width} px: the page scrolls sideways"
        assert m.errors == 0
        assert m.console == [], f"{page} at {m.width} px: {m.console}"


def test_the_clipping_probe_sees_a_clipped_formula(browser, server, tmp_path):
    """The probe is real: the same page with formulas forced into a box that hides overflow."""
    pg = browser.new_page(viewport={"width": 400, "height": 900})
    try:
        pg.goto(f"{server.base}/identities/trace.html", wait_until="load")
        pg.add_style_tag(content=".bd-article div.math { overflow: hidden !important; max-width: 120px; }")
        result = pg.evaluate(probe.MEASURE)
    finally:
        pg.close()
    assert len(result["clipped"]) > 10


def test_family_pages_are_compact(browser, server):
    heights = entries = 0
    for page in probe.family_pages(HTML):
        m = probe.measure(browser, f"{server.base}/{page}", page, 1280)
        heights, entries = heights + m.height, entries + m.entries
    assert entries >= len(matref.catalog())
    assert heights / entries <= PX_PER_IDENTITY, f"{heights / entries:.0f} px per identity at 1280 px"


# -- the quick reference ---------------------------------------------------------------------------
def test_quick_reference_filter_by_family_assumption_and_text(browser, server):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        pg.goto(f"{server.base}/identities/quick-reference.html", wait_until="load")
        total = len(matref.catalog())
        assert pg.locator("form.matref-filter output").text_content() == f"{total} of {total} entries"
        pg.select_option("form.matref-filter select[name=family]", "determinant")
        shown = pg.eval_on_selector_all("tr:has(span.matref-row)", "rs => rs.filter(r => !r.hidden).map(r => "
                                        "r.querySelector('span.matref-row').className)")
        assert len(shown) == len(matref.catalog().family("determinant"))
        assert all("family-determinant" in c for c in shown)
        pg.select_option("form.matref-filter select[name=family]", "")
        pg.select_option("form.matref-filter select[name=assume]", "symmetric")
        shown = pg.eval_on_selector_all("tr:has(span.matref-row)", "rs => rs.filter(r => !r.hidden).map(r => "
                                        "r.querySelector('span.matref-row').className)")
        assert shown and all("assume-symmetric" in c for c in shown)
        pg.select_option("form.matref-filter select[name=assume]", "")
        pg.fill("form.matref-filter input[name=text]", "trace.grad_axb")
        shown = pg.eval_on_selector_all("tr:has(span.matref-row)", "rs => rs.filter(r => !r.hidden).length")
        assert shown >= 1 and pg.locator("section:has(> .matref-quickref):visible").count() >= 1
        # the sections follow Wikipedia's grouping and each has a jump link
        for anchor in ("quick-scalar-by-vector", "quick-scalar-by-matrix", "quick-equalities"):
            assert pg.locator(f'p.matref-jumps a[href="#{anchor}"]').count() == 1
    finally:
        pg.close()


def test_copy_buttons_copy_a_formulas_latex_and_an_entrys_numpy_code(browser, server):
    from matref.faces.numpy_source import statement_source

    family = matref.catalog().family("trace")
    context = browser.new_context(viewport={"width": 1280, "height": 900},
                                  permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    try:
        pg.goto(f"{server.base}/identities/trace.html", wait_until="load")
        displays = pg.locator("div.math").count()
        assert displays >= len(family) and pg.locator("div.math > button.matref-copy-tex").count() == displays
        assert pg.locator("button.matref-copy-numpy").count() == len(family)
        section = pg.locator('section[id="trace.grad_axb"]')
        section.locator("div.math").first.hover()
        section.locator("button.matref-copy-tex").first.click()
        assert pg.evaluate("navigator.clipboard.readText()") == matref.get("trace.grad_axb").latex
        section.locator("button.matref-copy-numpy").click()
        copied = pg.evaluate("navigator.clipboard.readText()")
        assert copied == statement_source(matref.get("trace.grad_axb"))
        namespace = {}
        exec(copied.replace("import numpy as np", "import numpy as np\nA = X = B = np.eye(3)"), namespace)
        assert namespace["f"] == 3.0
        # the quick reference's formulas carry their TeX as a label: they get buttons too
        pg.goto(f"{server.base}/identities/quick-reference.html", wait_until="load")
        assert pg.locator("button.matref-copy-tex").count() >= len(matref.catalog())
    finally:
        context.close()


def test_the_notebook_page_shows_an_identity_a_report_and_offers_the_exports(browser, server):
    import json

    pg = browser.new_page(viewport={"width": 1280, "height": 1400})
    try:
        pg.goto(f"{server.base}/notebook.html", wait_until="load")
        assert pg.locator("table.matref-report").count() == 2  # a proof that holds and one that fails
        failed = pg.locator("details.matref-proof-failed")
        assert failed.count() == 1 and failed.get_attribute("open") is not None
        assert "counterexample" in failed.inner_text()
        assert pg.locator("details.matref-proof-ok").count() == 1
        links = pg.eval_on_selector_all("a.download", "as => as.map(a => a.getAttribute('href'))")
        names = sorted(link.rsplit("/", 1)[-1] for link in links)
        assert names == ["matref-catalog.json", "matref-catalog.schema.json", "matref-catalog.tex"]
        catalog = json.loads(pg.request.get(f"{server.base}/" + next(x for x in links if x.endswith("catalog.json"))).text())
        assert catalog["count"] == len(matref.catalog())
        schema = json.loads(pg.request.get(f"{server.base}/" + next(x for x in links if x.endswith("schema.json"))).text())
        assert schema["title"] == "matref catalog export"
        # the notebook itself, as Jupyter opens it
        notebook = pg.request.get(f"{server.base}/" + pg.get_attribute("a[download][href$='notebook.ipynb']", "href"))
        assert json.loads(notebook.text())["nbformat"] == 4
        shots = ROOT / "_build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(shots / "notebook-1280.png"), full_page=True)
    finally:
        pg.close()


def test_screenshots_for_a_human_look(browser, server):
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, page, width in (("trace-1280", "identities/trace.html", 1280),
                              ("quick-reference-1280", "identities/quick-reference.html", 1280),
                              ("quick-reference-400", "identities/quick-reference.html", 400),
                              ("errata-400", "identities/errata.html", 400)):
        pg = browser.new_page(viewport={"width": width, "height": 1400})
        try:
            pg.goto(f"{server.base}/{page}", wait_until="load")
            pg.screenshot(path=str(shots / f"{name}.png"))
        finally:
            pg.close()
        assert (shots / f"{name}.png").stat().st_size > 50_000  # a rendered page, not a blank one


# -- search ----------------------------------------------------------------------------------------
def search(browser, server, query: str) -> list[str]:
    pg = browser.new_page()
    try:
        pg.goto(f"{server.base}/search.html?q=" + urllib.parse.quote(query), wait_until="load")
        pg.wait_for_function("() => /Search finished|did not match/.test(document.body.innerText)", timeout=20000)
        return pg.eval_on_selector_all("#search-results li a", "as => as.map(a => a.getAttribute('href'))")
    finally:
        pg.close()


@pytest.mark.parametrize("ident_id", ["trace.grad_axb", "inverse.diff_inv", "vec.jac_axb"])
@pytest.mark.parametrize("by", ["id", "title"])
def test_search_finds_an_identity_by_id_and_by_title(browser, server, ident_id, by):
    ident = matref.get(ident_id)
    query = ident.id if by == "id" else ident.title
    results = search(browser, server, query)
    target = f"identities/{ident.family}.html#{ident.id}"
    assert target in results[:3], f"{query!r}: {target} not among the first results {results[:5]}"


@pytest.mark.parametrize("number", [101, 57, 69])
@pytest.mark.parametrize("form", ["mc2012:{n}", "({n})", "{n}"])
def test_search_finds_a_cookbook_equation_by_its_number(browser, server, number, form):
    from matref.data.catalog import cited_equations

    citing = cited_equations(matref.catalog())[number]
    query = form.format(n=number)
    results = search(browser, server, query)
    found = [r.split("#")[-1] for r in results[:3]]
    assert any(i in found for i in citing), f"{query!r}: none of {citing} among the first results {results[:5]}"


def test_the_printed_quick_reference_shows_every_formula_whole(browser, server):
    """`make cheatsheet` prints the quick reference on A4 (about 718 px of width at 96 dpi): in
    print nothing can scroll, so every formula must fit its cell."""
    pg = browser.new_page(viewport={"width": 718, "height": 1000})
    try:
        pg.goto(f"{server.base}/identities/quick-reference.html", wait_until="load")
        pg.emulate_media(media="print")
        r = pg.evaluate(probe.MEASURE)
        hidden = pg.evaluate("() => ['form.matref-filter', '#every-row-proved-in-this-build']"
                             ".map(s => getComputedStyle(document.querySelector(s)).display)")
    finally:
        pg.close()
    assert r["formulas"] >= len(matref.catalog()) and r["clipped"] == [] and r["scrolls"] == [], r["scrolls"][:3]
    assert not r["pageScroll"] and hidden == ["none", "none"]
