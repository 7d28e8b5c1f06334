"""The handbook generator (fast, no Sphinx) and, with MATREF_BOOK_TESTS=1, real book builds.

The slow tests run Sphinx: ``make test-book`` (and CI) runs them; ``make test`` skips them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matref.kinds import KINDS

import matref
import matref_pages as book
from matref.data.catalog import DEFAULT_DIR, cited_equations, load_catalog

ROOT = Path(__file__).resolve().parent.parent
SLOW = os.environ.get("MATREF_BOOK_TESTS") == "1"
slow = pytest.mark.skipif(not SLOW, reason="builds the book with Sphinx: run `make test-book`")

CAT = matref.catalog()


def first_code_cell(text: str) -> str:
    return re.search(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S).group(1)


def code_cells(text: str) -> list[str]:
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, re.S)


# -- pages: one per family, every identity with everything the issue asks for ------------------------
def test_one_page_per_family_plus_index_and_quick_reference():
    pages = book.pages(CAT)
    assert set(pages) == {"index.md", "quick-reference.md"} | {f"{f.name}.md" for f in CAT.families}
    index = pages["index.md"]
    for fam in CAT.families:
        assert f"\n{fam.name}\n" in index  # in the toctree, in catalog order
    order = [index.index(f"\n{f.name}\n") for f in CAT.families]
    assert order == sorted(order)


@pytest.mark.parametrize("family", CAT.families, ids=lambda f: f.name)
def test_family_page_has_every_identity_with_anchor_formula_and_proof(family):
    page = book.family_page(family, CAT)
    assert page.startswith("---\nfile_format: mystnb\nkernelspec:\n  name: python3")
    assert f"# {book.title(family.title)}\n" in page
    for ident in family:
        section = page[page.index(f"({ident.id})=\n"):]
        section = section[:section.index("\n```\n", section.index("```{code-cell}")) + 5]
        assert f"```{{matref:identity}} {ident.id}\n```" in section
        assert f"## {book.title(ident.title)}\n" in section
        assert f"$$\n{ident.latex}\n$$" in section  # the formula is the verified expression's LaTeX
        shown = ident.corrected if book.is_erratum(ident) else ident
        if shown is not ident:  # an erratum: the printed form marked false, the corrected one proved
            assert ":::{admonition} As printed: false" in section
            assert f"$$\n{shown.latex}\n$$" in section
        for layout, tex in shown.layouts.items():  # the stated one in the formula, the other on a line
            assert book.table_math(tex) in section or tex in section, layout
        for name, props in shown.assumptions.items():
            assert all(book.escape_markdown(book.assumption_words(p)) in section for p in props)
        for source in ident.sources:
            assert book.escape_markdown(book.source_text(source)) in section
        for role, text in ident.statement.items():
            assert f"`{role} = {text}`" in section
        cell = code_cells(section)[-1]
        assert f'matref.get("{ident.id}").verify(trials={book.TRIALS}, seed={book.seed_for(ident.id)}, method="all")' in cell
        assert ":tags: [remove-input]" in cell and "assert report.ok" in cell
        assert cell.rstrip().endswith("\nreport")  # the one-line proof with its trials behind a disclosure


def test_first_cell_embeds_the_family_state_and_imports_matref():
    fam = CAT.family("trace")
    state = book.family_state("trace")
    cell = first_code_cell(book.family_page(fam, CAT))
    assert state in cell and "import matref" in cell and len(state) == 16


def test_state_changes_with_the_yaml_and_with_the_library(tmp_path, monkeypatch):
    copy = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, copy)
    before = {f: book.family_state(f, copy) for f in ("trace", "vec")}
    path = copy / "trace.yaml"
    path.write_text(path.read_text().replace("grad: A.T @ B.T", "grad: B @ A", 1))
    assert book.family_state("trace", copy) != before["trace"]
    assert book.family_state("vec", copy) == before["vec"]  # other families keep their cache
    monkeypatch.setattr(book, "library_state", lambda: "another library")
    assert book.family_state("vec", copy) != before["vec"]  # a library change re-runs everything


def test_verification_cells_prove_what_the_page_says():
    """Run the generated proof cells of one family for real (without a kernel)."""
    page = book.family_page(CAT.family("inverse"), CAT)
    namespace: dict = {}
    for cell in code_cells(page):
        source = "\n".join(line for line in cell.splitlines() if not line.startswith(":tags:"))
        exec(compile(source, "<cell>", "exec"), namespace)  # an assertion error would fail here
    assert namespace["report"].ok and len(namespace["report"].trials) == book.TRIALS


def test_quick_reference_lists_every_identity_once_with_both_layouts():
    page = book.quick_reference_page(CAT)
    rows = [line for line in page.splitlines() if line.startswith("| {ref}")]
    assert len(rows) == len(CAT)
    proved = [i for i in CAT if not book.is_erratum(i)]
    errata = [i for i in CAT if book.is_erratum(i)]
    grouped = [i for key, _, _ in book.QUICKREF_GROUPS for i in proved if book.quickref_group(i) == key]
    assert sorted(i.id for i in grouped) == sorted(i.id for i in proved)  # every entry in one section
    for row, ident in zip(rows, grouped + errata):  # sections in Wikipedia's order, then the errata
        assert row.startswith("| {ref}`") and f" <{ident.id}>` " in row
        assert f"{{matref:row}}`{ident.id} {ident.family} " in row
        section = [i for i in grouped if book.quickref_group(i) == book.quickref_group(ident)]
        layouts = book.is_erratum(ident) or any(KINDS[i.kind].layouts is not None for i in section)
        assert row.count(" | ") == (3 if layouts else 2)  # no pipe leaked from the LaTeX
        shown = ident.corrected if book.is_erratum(ident) else ident
        assert book.table_math(shown.latex) in row or book.table_math(shown.lhs_latex) in row
        if shown.kind == "gradient":
            assert book.table_math(shown.layouts["numerator"]) in row or book.is_erratum(ident)
            assert book.table_math(shown.layouts["gradient"]) in row
        if shown.kind == "jacobian" and not book.is_erratum(ident):
            assert book.table_math(shown.layouts["denominator"]) in row
    assert "assert not failed" in page and book.catalog_state(CAT) in page


@pytest.mark.parametrize("ident_id, group", [
    ("linear.grad_xta", "scalar-by-vector"), ("trace.grad_axb", "scalar-by-matrix"),
    ("linear.jac_ax_vector", "vector-by-vector"), ("linear.jac_atx_row", "scalar-by-vector"), ("vec.jac_axb", "matrix-by-matrix"),
    ("inverse.diff_inv", "differentials"), ("trace.cyclic_bca", "equalities")])
def test_quick_reference_groups_like_wikipedia(ident_id, group):
    assert book.quickref_group(CAT.get(ident_id)) == group


def test_quick_reference_has_jump_links_and_a_filter():
    page = book.quick_reference_page(CAT)
    for key, head, _ in book.QUICKREF_GROUPS:
        assert f"(quick-{key})=\n## {head}" in page and f"](#quick-{key})" in page
    assert '<form class="matref-filter"' in page
    for fam in CAT.families:
        assert f'<option value="{fam.name}">' in page


def test_every_entry_has_a_numpy_button_with_its_statement_as_numpy_code():
    import html
    import re

    from matref.faces.numpy_source import statement_source

    for family in CAT.families:
        page = book.family_page(family, CAT)
        copied = [html.unescape(m) for m in re.findall(r'class="matref-copy matref-copy-numpy" data-copy="([^"]*)"', page)]
        assert len(copied) == len(family), family.name
        for ident, text in zip(family, copied):
            assert text == statement_source(ident), ident.id
            assert "<" not in text.split("\n", 1)[0] and "matref" not in text.split("\n", 1)[0]


def test_the_exports_are_written_beside_the_pages_and_validate(tmp_path):
    import json

    from matref.faces import export
    from test_jsonschema import _validate

    book.write_downloads(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == sorted(export.FILES.values())
    doc = json.loads((tmp_path / export.FILES["json"]).read_text())
    assert not _validate(doc, json.loads((tmp_path / export.FILES["schema"]).read_text()))
    assert doc["count"] == len(CAT)
    assert (tmp_path / export.FILES["latex"]).read_text().startswith("\\documentclass")
    before = (tmp_path / export.FILES["json"]).stat().st_mtime_ns
    book.write_downloads(tmp_path)  # unchanged: not rewritten (no rebuild of the pages that link it)
    assert (tmp_path / export.FILES["json"]).stat().st_mtime_ns == before


def test_table_math_removes_bare_pipes():
    tex = CAT.get("determinant.grad_logdet").latex
    assert "|" in tex and "|" not in book.table_math(tex)
    assert book.table_math(r"\|x\|") == r"\Vert x\Vert "


def test_prose_escapes_markdown_and_links_identity_ids():
    text = "See trace.cyclic_cab; d(X * Y) = dX * Y and X_ij, not_an.id here."
    out = book.prose(text, CAT)
    assert "{ref}`trace.cyclic_cab <trace.cyclic_bca>`" in out  # a merged id links to its entry
    assert r"X \* Y" in out and "Xᵢⱼ" in out and "not\\_an.id" in out  # X_ij is typeset, not_an.id escaped


def test_derivation_steps_keep_prose_as_prose():
    assert book.derivation_step(r"d(x x^\top) = dx\, x^\top") == r"$\displaystyle d(x x^\top) = dx\, x^\top$"
    mixed = book.derivation_step(r"taking determinants of both factorisations gives \det(A) = \det(B)")
    assert mixed == r"taking determinants of both factorisations gives $\det(A) = \det(B)$"


def test_sources_and_symbols_are_readable():
    assert book.source_text("mc2012:101") == "Matrix Cookbook (2012), eq. (101)"
    assert book.short_source("mc2012:101") == "MC (101)"
    assert book.source_text("Magnus & Neudecker (2019)") == "Magnus & Neudecker (2019)"
    ident = CAT.get("trace.grad_axb")
    spaces = [book.symbol_space(ident, n) for n in ident.names]
    assert all(re.fullmatch(r"[A-Za-z] \\in \\mathbb\{R\}(\^\{\w( \\times \w)?\})?", s) for s in spaces), spaces
    assert book.symbol_space(CAT.get("linear.grad_atx"), "x") == r"x \in \mathbb{R}^{n}"


def test_a_hand_written_page_depends_on_the_entries_it_names(tmp_path):
    text = 'matref.get("trace.grad_axb") and {ref}`inverse.diff_inv`'
    assert book.identities_used(text, CAT) == ["trace.grad_axb", "inverse.diff_inv"]
    assert book.identities_used("for ident in matref.catalog(): ...", CAT) == CAT.ids
    assert book.identities_used("numpy.linalg.inv and np.random", CAT) == []
    copy = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, copy)
    path = copy / "trace.yaml"
    path.write_text(path.read_text().replace("grad: A.T @ B.T", "grad: B @ A", 1))
    edited = load_catalog(copy)
    assert book.text_state(text, edited) != book.text_state(text, CAT)  # the entry it proves changed
    other = 'matref.get("inverse.diff_inv")'
    assert book.text_state(other, edited) == book.text_state(other, CAT)  # an entry it does not name


def test_write_pages_touches_only_what_changed(tmp_path):
    out = tmp_path / "identities"
    first = book.write_pages(out, CAT)
    assert {p.name for p in first} == set(book.pages(CAT))
    stale = out / "gone.md"
    stale.write_text("an old family")
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.md")}
    second = book.write_pages(out, CAT)
    assert second == [stale] and not stale.exists()
    assert all(p.stat().st_mtime_ns == mtimes[p.name] for p in out.glob("*.md"))


def test_an_unchanged_catalog_is_not_even_loaded_again(tmp_path, monkeypatch):
    copy = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, copy)
    monkeypatch.setenv("MATREF_CATALOG", str(copy))
    out = tmp_path / "identities"
    assert book.write_pages(out)  # first time: every page
    real_pages = book.pages
    monkeypatch.setattr(book, "pages", lambda cat=None: pytest.fail("rendered although nothing changed"))
    assert book.write_pages(out) == []
    path = copy / "trace.yaml"
    path.write_text(path.read_text().replace("grad: A.T @ B.T", "grad: B @ A", 1))
    monkeypatch.setattr(book, "pages", real_pages)
    changed = book.write_pages(out)
    assert {p.name for p in changed} == {"trace.md", "quick-reference.md"}  # the family and the table
    (out / "vec.md").unlink()
    assert [p.name for p in book.write_pages(out)] == ["vec.md"]  # a missing page is written again


def test_a_new_family_gets_a_page(tmp_path):
    copy = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, copy)
    (copy / "norms.yaml").write_text(
        "family: norms\ntitle: Norms\nidentities:\n"
        "  - id: norms.grad_frobenius_squared\n    title: Gradient of the squared Frobenius norm\n"
        "    kind: gradient\n    f: sum(X * X)\n    wrt: X\n    grad: 2 * X\n    sources: [mc2012:128]\n")
    cat = load_catalog(copy)
    pages = book.pages(cat)
    assert "norms.md" in pages and "\nnorms\n" in pages["index.md"]
    assert "(norms.grad_frobenius_squared)=" in pages["norms.md"]


def test_generated_pages_parse_as_notebooks():
    read = pytest.importorskip("myst_nb.core.read")
    for name, text in book.pages(CAT).items():
        if name == "index.md":
            continue
        nb = read.read_myst_markdown_notebook(text)
        assert nb.metadata["kernelspec"]["name"] == "python3"
        assert sum(c.cell_type == "code" for c in nb.cells) >= 1


# -- slow: real Sphinx builds ----------------------------------------------------------------------
def sphinx_build(src: Path, out: Path, env: dict | None = None, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "sphinx", "-j", "2", "-W", "--keep-going", "-c", str(ROOT / "conf"),
           "-d", str(out / "doctrees"), "-D", "nb_execution_mode=force", *extra, str(src), str(out / "html")]
    return subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=900)


def broken_copy(tmp_path: Path, old: str, new: str, family: str = "trace") -> tuple[Path, Path]:
    """A copy of the catalog with one formula changed, and a copy of the book's sources."""
    catalog = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, catalog)
    path = catalog / f"{family}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    src = tmp_path / "book"
    shutil.copytree(ROOT / "book", src, ignore=shutil.ignore_patterns("identities"))
    return catalog, src


@slow
def test_a_wrong_formula_fails_the_build_and_names_the_identity(tmp_path):
    catalog, src = broken_copy(tmp_path, "grad: A.T @ B.T", "grad: 2 * A.T @ B.T")
    result = sphinx_build(src, tmp_path / "out", {"MATREF_CATALOG": str(catalog)})
    log = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode != 0, log[-3000:]
    assert "AssertionError: trace.grad_axb: FAILED" in log, log[-3000:]
    failed = set(re.findall(r"(\S+)\.md: WARNING: Executing notebook failed", log))
    assert any(p.endswith("identities/trace") for p in failed), failed
    # only pages that prove trace.grad_axb fail; the other families still build
    assert not any(p.endswith(("identities/vec", "identities/linear", "identities/inverse")) for p in failed)


@slow
def test_a_catalog_that_does_not_load_fails_the_build_with_file_line_and_id(tmp_path):
    catalog, src = broken_copy(tmp_path, "grad: A.T @ B.T", "grad: A.T @ B.T)")
    result = sphinx_build(src, tmp_path / "out", {"MATREF_CATALOG": str(catalog)})
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "trace.grad_axb" in log and re.search(r"trace\.yaml:\d+", log), log[-3000:]


def built_html() -> Path:
    """The built handbook: $MATREF_BOOK_HTML (set by `make test-book`) or _build/html."""
    html = Path(os.environ.get("MATREF_BOOK_HTML", ROOT / "_build" / "html"))
    if not (html / "identities" / "trace.html").exists():
        pytest.skip(f"no built handbook in {html}: run `make book` first")
    return html


@slow
def test_every_identity_has_its_id_as_anchor_and_is_searchable():
    html = built_html()
    index = (html / "searchindex.js").read_text()
    for fam in CAT.families:
        page = (html / "identities" / f"{fam.name}.html").read_text()
        for ident in fam:
            assert f'<section id="{ident.id}">' in page, ident.id
            prefix, name = ident.id.split(".", 1)
            assert f'"{name}"' in index, ident.id  # a search object named by its id ...
            assert re.search(rf'[\[,]\[\d+,"{re.escape(ident.id)}"\]', index), ident.id  # ... and its title's anchor
    quick = (html / "identities" / "quick-reference.html").read_text()
    assert quick.count('href="trace.html#trace.') == len(CAT.family("trace"))


@slow
def test_the_book_typesets_math_at_build_time_with_bundled_katex():
    html = built_html()
    page = (html / "identities" / "trace.html").read_text()
    assert 'href="../_static/katex.min.css' in page and 'class="katex"' in page
    assert "cdn" not in page.lower() and "mathjax" not in page.lower().replace("mathjax_ignore", "")
    fonts = list((html / "_static" / "fonts").glob("KaTeX_*.woff2"))
    assert len(fonts) >= 15
    css = (html / "_static" / "katex.min.css").read_text()
    assert "fonts/KaTeX_Main-Regular.woff2" in css and ".woff)" not in css and ".ttf)" not in css


@slow
def test_the_general_index_lists_every_identity_and_its_cookbook_numbers():
    html = built_html()
    index = (html / "genindex.html").read_text()
    for ident in CAT:
        assert f"#{ident.id}" in index, ident.id
    cited = cited_equations(CAT)
    assert "Matrix Cookbook (2012)" in index
    for number in sorted(cited)[:20]:
        assert re.search(rf"eq\. \({number}[a-z]?\)", index), number


NO_ADDRESS = ("derived", "Seed tutorial", "Matrix-calculus cheat sheets")


def test_every_cited_work_links_out():
    for ident in CAT:
        for source in ident.sources:
            if source.startswith(NO_ADDRESS):
                assert book.source_link(source) is None
                continue
            assert book.source_link(source), f"{ident.id}: no address for {source!r} (matref/data/sources.yaml)"
    page = book.family_page(CAT.family("trace"), CAT)
    assert "[Matrix Cookbook (2012), eq. (" in page and "](https://www.math.uwaterloo.ca/~hwolkowi/matrixcookbook.pdf)" in page


@slow
def test_a_rebuild_with_nothing_changed_reads_and_writes_nothing(tmp_path):
    """The second build neither re-reads nor says the configuration changed (the theme and the
    KaTeX extension complete html_* options after the environment's comparison)."""
    src = tmp_path / "book"
    shutil.copytree(ROOT / "book", src, ignore=shutil.ignore_patterns("identities"))
    first = sphinx_build(src, tmp_path / "out", None, "-D", "nb_execution_mode=off")
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    second = sphinx_build(src, tmp_path / "out", None, "-D", "nb_execution_mode=off")
    log = second.stdout + second.stderr
    assert second.returncode == 0, log[-3000:]
    assert "configuration has changed" not in log, log[-3000:]
    assert "reading sources" not in log and "none found" in log, log[-3000:]
