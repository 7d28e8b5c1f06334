"""Search in the built handbook, in headless Chromium: the right identity among the first three results.

Every query of :data:`QUERIES` is typed into the real search page (``search.html?q=...``) of the
built book, served over HTTP on localhost; the first three result links on the page (the
identities listed by ``matref-search.js``, then Sphinx's own results) must include one of the ids
expected. The queries are of three classes: Matrix Cookbook equation numbers and ids, words, and
formulas typed in matref's syntax, in LaTeX or as people type math.

Chromium is Debian's, driven by Playwright (``tools/book_probe.py``), one tab for every query.
Skipped (with the reason) like ``tests/test_browser.py``: run ``make test-browser``. The ranks are
written to ``_build/search-queries/<class>.txt``.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass

import pytest
from book_browser import HTML, MARKS, ROOT, browser, probe, server  # noqa: F401 (fixtures)

import matref

pytestmark = MARKS


@dataclass(frozen=True)
class Query:
    text: str
    expect: tuple[str, ...]  # at least one of these ids among the first three results
    what: str  # "number" (a Cookbook number or an id), "words" or "formula"


def q(text: str, *expect: str, what: str) -> Query:
    return Query(text, expect, what)


KRONECKER_ALGEBRA = ("vec.kron_associative", "vec.kron_mixed_product", "vec.kron_transpose", "vec.kron_inverse",
                     "vec.kron_distributive", "vec.kron_distributive_left", "vec.kron_scalar_multiples",
                     "vec.kron_pinv", "vec.kron_mpow", "vec.trace_kron", "vec.det_kron")
PSEUDO_INVERSE = ("inverse.pinv_full_column_rank", "inverse.pinv_full_row_rank", "inverse.pinv_transpose",
                  "inverse.pinv_penrose_aga", "inverse.pinv_penrose_gag", "inverse.pinv_penrose_symmetric_projector")
GAUSSIAN = tuple(i.id for i in matref.catalog() if i.family == "gaussian") + (
    "structured.grad_sym_logdet", "structured.grad_sym_inverse_quadratic")  # the family, and notes on it

def _with(family: str, text: str) -> tuple[str, ...]:
    """The ids of a family whose statement uses ``text`` (expected results of a query about it)."""
    return tuple(i.id for i in matref.catalog() if i.family == family
                 and any(text in t for t in i.statement.values() if isinstance(t, str)))


QUERIES: list[Query] = [
    # -- Matrix Cookbook numbers, ids, former ids, titles --------------------------------------------
    q("mc2012:101", "trace.grad_axb", what="number"),
    q("(57)", "determinant.grad_logdet", what="number"),
    q("156", "inverse.woodbury", what="number"),
    q("eq. 69", "linear.grad_xta", "linear.grad_atx", what="number"),
    q("Matrix Cookbook (40)", "inverse.diff_inv", what="number"),
    q("trace.grad_axb", "trace.grad_axb", what="number"),
    q("norms.grad_trace_xxt", "trace.grad_xxt", what="number"),  # a former id (alias)
    # -- words ----------------------------------------------------------------------------------------
    q("derivative of log det", "determinant.grad_logdet", "determinant.diff_logdet", what="words"),
    q("woodbury", "inverse.woodbury", what="words"),
    q("gaussian", *GAUSSIAN, what="words"),
    q("gausian", *GAUSSIAN, what="words"),  # a typo
    q("inverse derivative", "inverse.diff_inv", "inverse.jac_inv", what="words"),
    q("frobenius norm gradient", "norms.grad_frobenius", "norms.grad_frobenius_squared", what="words"),
    q("chain rule", "quadratic.grad_chain_bilinear", "structured.chain_tr_symmetric_sum",
      "structured.chain_logdet_symmetric_sum", what="words"),  # the entries titled "Chain rule ..."
    q("kronecker", *KRONECKER_ALGEBRA, what="words"),
    q("softmax", "elementwise.jac_softmax", "elementwise.grad_logsumexp", what="words"),
    q("determinant", "determinant.product", "determinant.transpose", "determinant.inverse",
      "determinant.grad_det", "determinant.diff_det", what="words"),
    q("gradient of the determinant", "determinant.grad_det", what="words"),
    q("sherman morrison", "inverse.sherman_morrison", what="words"),
    q("jacobi's formula", "determinant.diff_det", what="words"),
    q("matrix determinant lemma", "determinant.rank_one_update", what="words"),
    q("matrix inversion lemma", "inverse.woodbury", what="words"),
    q("hessian of log det", "hessian.logdet", what="words"),
    q("least squares gradient", "norms.grad_least_squares_vector", "norms.grad_least_squares_matrix",
      "regression.grad_least_squares", what="words"),
    q("cross entropy gradient", "elementwise.grad_cross_entropy_softmax", what="words"),
    q("logistic regression", "chain.grad_logistic_regression", what="words"),
    q("commutation matrix", "linear.jac_transpose", "vec.vec_transpose_commutation", what="words"),
    q("rayleigh quotient", "quadratic.grad_rayleigh_quotient", "eigen.grad_rayleigh_quotient",
      "eigen.rayleigh_at_eigenvector", what="words"),
    q("pseudo-inverse", *PSEUDO_INVERSE, what="words"),
    q("Kalman gain", "inverse.posdef_gain", what="words"),
    q("matrix exponential", *_with("matfunc", "expm("), what="words"),
    q("cholesky", *_with("spectral", "chol("), what="words"),
    q("nuclear norm", *_with("nonsmooth", "nucnorm("), *_with("spectral", "nucnorm("), what="words"),
    q("schur complement", *_with("block", "inv("), *_with("block", "det("), what="words"),
    q("relu", *_with("nonsmooth", "relu("), what="words"),
    q("attention", "learning.grad_attention_values", "learning.grad_attention_queries",
      "learning.grad_attention_keys", what="words"),
    q("non-symmetric eigenvalue", *_with("eigen", "eigvalg("), what="words"),
    q("duplication matrix", *_with("vec", "duplication("), what="words"),
    # -- formulas: matref syntax, LaTeX, and as people type them -------------------------------------
    q("tr(X^T A X)", "trace.grad_xtbx", "hessian.trace_xtax", what="formula"),
    q(r"\operatorname{tr}(X^\top A X)", "trace.grad_xtbx", "hessian.trace_xtax", what="formula"),
    q("x'Ax", "quadratic.grad_xtbx", "hessian.quadratic_form", what="formula"),
    q("x^T A x", "quadratic.grad_xtbx", "hessian.quadratic_form", what="formula"),
    q("x.T @ A @ x", "quadratic.grad_xtbx", "hessian.quadratic_form", what="formula"),
    q("log det X", "determinant.grad_logdet", what="formula"),
    q("logdet(X)", "determinant.grad_logdet", what="formula"),
    q("log|det X|", "determinant.grad_logdet", what="formula"),
    q(r"\log\det X", "determinant.grad_logdet", what="formula"),
    q("d log det X", "determinant.diff_logdet", "determinant.grad_logdet", what="formula"),
    q("inv(X)", "inverse.diff_inv", "inverse.jac_inv", what="formula"),
    q("X^-1", "inverse.diff_inv", "inverse.jac_inv", what="formula"),
    q("X^{-1}", "inverse.diff_inv", "inverse.jac_inv", what="formula"),
    q("d(X^-1)", "inverse.diff_inv", what="formula"),
    q("a^T X b", "linear.grad_atxb", what="formula"),
    q("a'X'b", "linear.grad_atxtb", what="formula"),
    q("tr(AXB)", "trace.grad_axb", what="formula"),
    q("tr(A @ X @ B)", "trace.grad_axb", what="formula"),
    q("d/dX tr(AXB)", "trace.grad_axb", what="formula"),
    q("det(X)", "determinant.grad_det", what="formula"),
    q("det(X^T A X)", "determinant.grad_det_xtax_square", "determinant.grad_det_xtax_symmetric",
      "determinant.grad_det_xtax_general", what="formula"),
    q("||Ax-b||^2", "norms.grad_least_squares_vector", "hessian.least_squares", what="formula"),
    q("norm(A @ x - b) ** 2", "norms.grad_least_squares_vector", "hessian.least_squares", what="formula"),
    q("||X||_F", "norms.grad_frobenius", what="formula"),
    q("||x||^2", "norms.grad_norm_squared_vector", what="formula"),
    q("tr(X^-1)", "inverse.grad_trace_inv", what="formula"),
    q("tr(X^2)", "trace.grad_x2", what="formula"),
    q("tr(X^T X)", "trace.grad_xtx", what="formula"),
    q("XᵀAX", "quadratic.diff_xtbx", what="formula"),
    q("x^T A x + b^T x", "quadratic.grad_quadratic_plus_linear", what="formula"),
    q("(A + UBV)^{-1}", "inverse.woodbury_general", what="formula"),
    q("(A + bc^T)^-1", "inverse.sherman_morrison", what="formula"),
    q("det(A + uv^T)", "determinant.rank_one_update", what="formula"),
    q("(AB)^-1", "inverse.product", what="formula"),
    q("tr(AB) = tr(BA)", "trace.product_commutes", what="formula"),
    q("vec(AXB)", "vec.vec_axb", what="formula"),
    q("(A ⊗ B)^T", "vec.kron_transpose", what="formula"),
    q("softmax(x)", "elementwise.jac_softmax", what="formula"),
    q("logsumexp(x)", "elementwise.grad_logsumexp", what="formula"),
]

# Queries that must list no identity (Sphinx's results only).
NOTHING = ["qwertyuiop"]

# The result links of the page, in the order a reader sees them: the identities listed by
# matref-search.js, then Sphinx's own results.
LINKS = """() => [...document.querySelectorAll(
  '#matref-identity-results ul.search > li > a, #search-results ul.search > li > a')].map(a => a.getAttribute('href'))"""
# The first three links are known once three identities are listed (they come first), or else
# once Sphinx's search has finished (its results follow). Sphinx then goes on fetching every
# result's page for a summary, which is slow and not what is tested here.
READY = """() => document.querySelectorAll('#matref-identity-results ul.search > li').length >= 3
  || /Search finished|did not match/.test((document.getElementById('search-results') || {}).innerText || '')"""





def run_queries(browser, server, queries: list[str]) -> tuple[dict, list[str], float]:
    """Every query on the search page, one after the other in one tab:
    (by query: the first ten links and the number of identities listed; page errors; seconds)."""
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    results = {}
    started = time.perf_counter()
    try:
        for query in queries:
            pg.goto(f"{server.base}/search.html?q=" + urllib.parse.quote(query), wait_until="domcontentloaded")
            pg.wait_for_function(READY, timeout=20000)
            results[query] = {
                "links": pg.evaluate(LINKS)[:10],
                "identities": pg.eval_on_selector_all("#matref-identity-results ul.search > li", "l => l.length"),
                "first": pg.evaluate("() => !!document.querySelector('#matref-identity-results + #search-results')"),
            }
    finally:
        pg.close()
    return results, errors, time.perf_counter() - started


def ids(links: list[str]) -> list[str]:
    return [urllib.parse.unquote(link.split("#", 1)[1]) if "#" in link else link for link in links]


def rank(query: Query, found: list[str]) -> int | None:
    """The place (1, 2, ...) of the first expected id among ``found``, or None."""
    places = [found.index(i) + 1 for i in query.expect if i in found]
    return min(places) if places else None


def misses(queries: list[Query], results: dict) -> list[str]:
    """What is wrong: a query whose first three results hold none of the expected ids."""
    wrong = []
    for query in queries:
        found = ids(results.get(query.text, {}).get("links", []))
        place = rank(query, found)
        if place is None or place > 3:
            wrong.append(f"{query.text!r} ({query.what}): expected one of {list(query.expect)} in the first "
                         f"three, got {found[:5]}")
    return wrong


def test_the_query_table_names_real_identities_and_covers_three_classes():
    known = set(matref.catalog().ids)
    for query in QUERIES:
        assert query.expect and set(query.expect) <= known, query
    counts = {what: sum(1 for query in QUERIES if query.what == what) for what in CLASSES}
    assert len(QUERIES) >= 30 and min(counts.values()) >= 5, counts
    assert len({query.text for query in QUERIES}) == len(QUERIES)


CLASSES = ("number", "words", "formula")


@pytest.mark.parametrize("what", CLASSES)
def test_search_finds_the_right_identity_in_the_first_three(browser, server, what):
    """The queries of one class (three tests, so that ``pytest -n 2`` runs them side by side)."""
    queries = [query for query in QUERIES if query.what == what]
    extra = NOTHING if what == "words" else []
    results, errors, seconds = run_queries(browser, server, [query.text for query in queries] + extra)
    lines = [f"{len(queries)} {what} queries on search.html, one after the other in one tab: {seconds:.1f} s"]
    for query in queries:
        found = ids(results[query.text]["links"])
        place = rank(query, found)
        lines.append(f"{'ok  ' if place and place <= 3 else 'MISS'} {place or '-':>2}  {query.what:8} "
                     f"{query.text:38} {' '.join(found[:3])}")
    report = ROOT / "_build" / "search-queries" / f"{what}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert errors == [], errors
    for query in queries:
        r = results[query.text]
        assert r["identities"] > 0 and r["first"], f"{query.text!r}: no identities listed above Sphinx's results"
    for text in extra:
        assert results[text]["identities"] == 0, (text, results[text])
    wrong = misses(queries, results)
    assert wrong == [], "\n".join(wrong)

    if what == "words":  # the check is real: a wrong expected id, or a right one ranked fourth, is reported
        woodbury = ids(results["woodbury"]["links"])
        assert misses([q("woodbury", "trace.grad_axb", what="words")], results), woodbury
        beyond = [i for i in woodbury[3:] if i not in woodbury[:3]]
        assert beyond, f"'woodbury' lists fewer than four results: {woodbury}"
        assert misses([q("woodbury", beyond[0], what="words")], results)


def test_the_search_page_lists_identities_above_sphinx_results_without_errors(browser, server):
    """One query as a reader opens it: the identities first, then Sphinx's results, no script error,
    no file missing."""
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"uncaught: {e}"))
    pg.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))
    try:
        pg.goto(f"{server.base}/search.html?q=" + urllib.parse.quote("x'Ax"), wait_until="load")
        pg.wait_for_function("() => /Search finished/.test(document.getElementById('search-results').innerText)",
                             timeout=20000)
        order = pg.evaluate("""() => {
          const ours = document.getElementById('matref-identity-results');
          const theirs = document.getElementById('search-results');
          return ours && (ours.compareDocumentPosition(theirs) & Node.DOCUMENT_POSITION_FOLLOWING) ? 'ours first' : 'no';
        }""")
        first = pg.evaluate(LINKS)[:3]
        sphinx = pg.eval_on_selector_all("#search-results ul.search > li", "l => l.length")
    finally:
        pg.close()
    assert [p for p in problems if not p.endswith("favicon.ico")] == []
    assert order == "ours first"
    assert sphinx > 0, "Sphinx's own results are gone"
    assert any(link.endswith(("#quadratic.grad_xtbx", "#hessian.quadratic_form")) for link in first), first


def test_the_built_book_carries_the_index_of_every_identity():
    """The index written at build time lists every identity, at an address where its anchor is."""
    script = (HTML / "_static" / "matref-search-index.js").read_text(encoding="utf-8")
    index = json.loads(script.split("window.MATREF_SEARCH_INDEX = ", 1)[1].rstrip().rstrip(";"))
    records = index["identities"]
    assert [r["id"] for r in records] == matref.catalog().ids
    pages: dict[str, str] = {}
    for r in records:
        page, anchor = r["url"].split("#")
        text = pages.setdefault(page, (HTML / page).read_text(encoding="utf-8"))
        assert f'id="{anchor}"' in text, r["url"]
    search_page = (HTML / "search.html").read_text(encoding="utf-8")
    assert "_static/matref-search-index.js" in search_page and "_static/matref-search.js" in search_page
    assert "matref-search" not in (HTML / "index.html").read_text(encoding="utf-8")  # the search page only
