"""The built handbook in headless Chromium: every formula is typeset by the bundled MathJax.

Chromium runs with every host name unresolvable, so a page that needed a CDN would show raw TeX
and fail. Skipped (with the reason) when Chromium is absent or the book is not built;
``make test-browser`` builds the book and, as root, installs Debian's ``chromium`` first.
Screenshots of two pages are left in ``_build/screenshots`` for a human look.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
import urllib.parse
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

# The hand-written pages, and every generated page of the book that was built.
PAGES = (["index.html", "introduction.html", "conventions.html", "check.html", "errata.html"]
         + sorted(p.relative_to(HTML).as_posix() for p in (HTML / "identities").glob("*.html")))
MATH = re.compile(r'<(?:span|div) class="math notranslate nohighlight"')


def run_chromium(url: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", f"--user-data-dir={profile}",
               "--virtual-time-budget=20000", *args, url]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def chromium(url: str, *args: str) -> str:
    result = run_chromium(url, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def visible_text_outside_math(dom: str) -> str:
    for tag in ("script", "style", "mjx-container", "pre", "code", "textarea"):
        dom = re.sub(rf"<{tag}\b.*?</{tag}>", " ", dom, flags=re.S)
    return re.sub(r"<[^>]+>", " ", dom)


def assert_typeset(page: str, dom: str) -> None:
    expected = len(MATH.findall((HTML / page).read_text()))
    typeset = dom.count("<mjx-container")
    assert typeset >= expected, f"{page}: {typeset} of {expected} formulas typeset"
    assert "data-mjx-error" not in dom and "<mjx-merror" not in dom and 'fill="red"' not in dom, page
    text = visible_text_outside_math(dom)
    for raw in ("$$", "\\(", "\\[", "\\frac", "\\operatorname"):
        assert raw not in text, f"{page}: raw TeX {raw!r} left on the page"


@pytest.mark.parametrize("page", PAGES)
def test_formulas_are_typeset_from_file(page):
    assert_typeset(page, chromium((HTML / page).resolve().as_uri(), "--dump-dom"))


def test_formulas_are_typeset_over_http_and_pages_have_content():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        dom = chromium(f"{base}/identities/trace.html", "--dump-dom")
        assert_typeset("identities/trace.html", dom)
        assert 'id="trace.grad_axb"' in dom and "trace.grad_axb: ok (" in dom
        shots = ROOT / "_build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        for name, url in (("trace", f"{base}/identities/trace.html"),
                          ("quick-reference", f"{base}/identities/quick-reference.html")):
            chromium(url, "--hide-scrollbars", "--window-size=1400,1800", f"--screenshot={shots / name}.png")
            assert (shots / f"{name}.png").stat().st_size > 50_000  # a rendered page, not a blank one
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("ident_id", ["trace.grad_axb", "inverse.diff_inv", "vec.jac_axb"])
@pytest.mark.parametrize("by", ["id", "title"])
def test_search_finds_an_identity_by_id_and_by_title(ident_id, by):
    ident = matref.get(ident_id)
    query = ident.id if by == "id" else ident.title
    url = (HTML / "search.html").resolve().as_uri() + "?q=" + urllib.parse.quote(query)
    dom = chromium(url, "--dump-dom")
    assert "Search finished" in dom, "the search did not run"
    results = re.findall(r'<li[^>]*><a href="([^"]+)"', dom)
    target = f"identities/{ident.family}.html#{ident.id}"
    assert target in results[:3], f"{query!r}: {target} not among the first results {results[:5]}"


def console_errors(url: str) -> list[str]:
    """Uncaught JavaScript errors Chromium logs while loading ``url``."""
    result = run_chromium(url, "--enable-logging=stderr", "--v=0", "--dump-dom")
    return [line for line in result.stderr.splitlines() if "CONSOLE" in line and "Uncaught" in line]


@pytest.mark.parametrize("page", ["index.html", "identities/quick-reference.html", "identities/trace.html",
                                  "testing.html", "conventions.html"])
def test_pages_raise_no_javascript_errors(page):
    # the quick reference used the theme's full-width class without a secondary sidebar, which
    # made sphinx-book-theme.js throw on every load
    assert console_errors((HTML / page).resolve().as_uri()) == []


@pytest.mark.parametrize("number", [101, 57, 69])
@pytest.mark.parametrize("form", ["mc2012:{n}", "({n})", "{n}"])
def test_search_finds_a_cookbook_equation_by_its_number(number, form):
    from matref.data.catalog import cited_equations

    citing = cited_equations(matref.catalog())[number]
    query = form.format(n=number)
    url = (HTML / "search.html").resolve().as_uri() + "?q=" + urllib.parse.quote(query)
    dom = chromium(url, "--dump-dom")
    results = re.findall(r'<li[^>]*><a href="([^"]+)"', dom)
    found = [r.split("#")[-1] for r in results[:3]]
    assert any(i in found for i in citing), f"{query!r}: none of {citing} among the first results {results[:5]}"
