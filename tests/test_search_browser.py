"""Search in the built handbook, in headless Chromium: the right identity among the first three results.

Every query of :data:`QUERIES` is typed into the real search page (``search.html?q=...``) of the
built book, served over HTTP on localhost; the first three result links on the page (the
identities listed by ``matref-search.js``, then Sphinx's own results) must include one of the ids
expected. The queries are of three classes: Matrix Cookbook equation numbers and ids, words, and
formulas typed in matref's syntax, in LaTeX or as people type math.

One Chromium start runs them all: a harness page (served next to the book, so same-origin) opens
the search page in frames, a few at a time, and writes the links it finds. Skipped (with the
reason) like ``tests/test_browser.py``: run ``make test-browser``. The ranks are written to
``_build/search-queries.txt``.
"""

from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest

import matref

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("MATREF_BOOK_HTML", ROOT / "_build" / "html"))
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)

pytestmark = [
    pytest.mark.skipif(os.environ.get("MATREF_BOOK_TESTS") != "1",
                       reason="opens the built book in Chromium: run `make test-browser`"),
    pytest.mark.skipif(CHROMIUM is None,
                       reason="Chromium is not installed (Debian: `apt-get install chromium`; "
                              "`make test-browser` does it when run as root)"),
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason=f"no built handbook in {HTML}: run `make book`"),
]


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
GAUSSIAN = ("structured.grad_sym_logdet", "structured.grad_sym_inverse_quadratic")  # their notes: the Gaussian's covariance

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
    q("least squares gradient", "norms.grad_least_squares_vector", "norms.grad_least_squares_matrix", what="words"),
    q("cross entropy gradient", "elementwise.grad_cross_entropy_softmax", what="words"),
    q("logistic regression", "chain.grad_logistic_regression", what="words"),
    q("commutation matrix", "linear.jac_transpose", "vec.vec_transpose_commutation", what="words"),
    q("rayleigh quotient", "quadratic.grad_rayleigh_quotient", "eigen.grad_rayleigh_quotient",
      "eigen.rayleigh_at_eigenvector", what="words"),
    q("pseudo-inverse", *PSEUDO_INVERSE, what="words"),
    q("Kalman gain", "inverse.posdef_gain", what="words"),
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
    q("d log det X", "determinant.diff_logdet", what="formula"),
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

HARNESS = "__matref_search_harness.html"
HARNESS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>search harness</title></head>
<body><pre id="results">running</pre>
<script>
// Each query in a frame of the real search page. The first three links are known once three
// identities are listed (they come first), or else once Sphinx's own search has finished (its
// results follow): Sphinx goes on fetching every result's page for a summary, which is slow and
// not what is tested here.
const QUERIES = %(queries)s;
const results = {};
const one = (query) => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.style.width = "1280px";
  frame.style.height = "900px";
  const started = performance.now();
  const poll = () => {
    const doc = frame.contentDocument && frame.contentDocument.URL.includes("search.html") ? frame.contentDocument : null;
    const status = doc && doc.querySelector("#search-results .search-summary");
    const finished = status && status.textContent.trim() !== "";
    const listed = doc ? doc.querySelectorAll("#matref-identity-results ul.search > li").length : 0;
    if (listed >= 3 || finished || performance.now() - started > 20000) {
      const links = doc ? [...doc.querySelectorAll(
        "#matref-identity-results ul.search > li > a, #search-results ul.search > li > a")] : [];
      results[query] = {
        links: links.slice(0, 10).map((a) => a.getAttribute("href")),
        identities: listed,
        identitiesFirst: !!(doc && doc.querySelector("#matref-identity-results + #search-results")),
        done: listed >= 3 || !!finished,
      };
      frame.remove();
      resolve();
    } else setTimeout(poll, 25);
  };
  frame.src = "search.html?q=" + encodeURIComponent(query);
  document.body.appendChild(frame);
  poll();  // from the start: the identities are listed when the page's DOM is ready
});
(async () => {
  for (let i = 0; i < QUERIES.length; i += 6) await Promise.all(QUERIES.slice(i, i + 6).map(one));
  document.getElementById("results").textContent = JSON.stringify(results);
})();
</script></body></html>
"""


def chromium_command(url: str, profile: str, *args: str) -> list[str]:
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--user-data-dir={profile}",
            *args, url]


def serve(page: bytes):
    """A server on localhost for the built book, with the harness page next to it."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(HTML), **k)

        def do_GET(self):
            if self.path.split("?")[0] == "/" + HARNESS:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)
            else:
                super().do_GET()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def open_page(path: str, page: bytes = b"", budget: int = 20000) -> subprocess.CompletedProcess:
    """``path`` of the book over HTTP in headless Chromium: its DOM (stdout) and log (stderr)."""
    server = serve(page)
    try:
        with tempfile.TemporaryDirectory() as profile:
            url = f"http://127.0.0.1:{server.server_address[1]}/{path}"
            cmd = chromium_command(url, profile, f"--virtual-time-budget={budget}", "--enable-logging=stderr",
                                   "--v=0", "--dump-dom")
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def console_errors(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]


def run_harness(queries: list[str]) -> tuple[dict, list[str], float]:
    """Every query on the search page; (results by query, uncaught JavaScript errors, seconds)."""
    started = time.perf_counter()
    result = open_page(HARNESS, (HARNESS_PAGE % {"queries": json.dumps(queries)}).encode(), budget=600000)
    seconds = time.perf_counter() - started
    found = re.search(r'<pre id="results">(.*?)</pre>', result.stdout, re.S)
    assert found and found.group(1) != "running", "the harness did not finish: " + result.stdout[-1000:]
    return json.loads(html.unescape(found.group(1))), console_errors(result), seconds


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
    counts = {what: sum(1 for query in QUERIES if query.what == what) for what in ("number", "words", "formula")}
    assert len(QUERIES) >= 30 and min(counts.values()) >= 5, counts
    assert len({query.text for query in QUERIES}) == len(QUERIES)


@functools.lru_cache(maxsize=None)
def harness_results():
    return run_harness([query.text for query in QUERIES] + NOTHING)


def test_search_finds_the_right_identity_in_the_first_three():
    results, errors, seconds = harness_results()
    lines = [f"{len(QUERIES)} queries on search.html in one Chromium run: {seconds:.1f} s", ""]
    for query in QUERIES:
        found = ids(results[query.text]["links"])
        place = rank(query, found)
        lines.append(f"{'ok  ' if place and place <= 3 else 'MISS'} {place or '-':>2}  {query.what:8} "
                     f"{query.text:38} {' '.join(found[:3])}")
    report = ROOT / "_build" / "search-queries.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert errors == [], errors
    for query in QUERIES:
        r = results[query.text]
        assert r["done"], f"{query.text!r}: the search page did not list results within 20 s"
        assert r["identities"] > 0 and r["identitiesFirst"], f"{query.text!r}: no identities listed above Sphinx's results"
    for text in NOTHING:
        assert results[text]["identities"] == 0, (text, results[text])
    wrong = misses(QUERIES, results)
    assert wrong == [], "\n".join(wrong)

    # The check is real: a wrong expected id, or a right one ranked fourth or lower, is reported.
    woodbury = ids(results["woodbury"]["links"])
    assert misses([q("woodbury", "trace.grad_axb", what="words")], results), woodbury
    beyond = [i for i in woodbury[3:] if i not in woodbury[:3]]
    assert beyond, f"'woodbury' lists fewer than four results: {woodbury}"
    assert misses([q("woodbury", beyond[0], what="words")], results)


def test_the_search_page_lists_identities_above_sphinx_results_without_errors():
    """One query as a reader opens it: the identities first, then Sphinx's results, no script error.
    (Over HTTP: on a file:// page Sphinx's own summaries fail to fetch, an error of Sphinx's.)"""
    result = open_page("search.html?q=" + urllib.parse.quote("x'Ax"))
    dom = result.stdout
    assert console_errors(result) == []
    assert "Search finished" in dom, "Sphinx's own search did not finish"
    ours, theirs = dom.find('id="matref-identity-results"'), dom.find('id="search-results"')
    assert 0 <= ours < theirs, "the identities are not listed above Sphinx's results"
    first = re.findall(r'<li[^>]*><a href="([^"]+)"', dom)[:3]
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
