"""The built handbook as a reader sees it, measured in headless Chromium (through Playwright).

Used by ``tests/test_browser.py`` (what must hold: nothing clipped, math typeset in the HTML,
compact entries, a working filter) and ``benchmarks/bench_book.py`` (figures: load time, first
paint, px per identity, formulas that scroll inside their box). Chromium is Debian's
(``/usr/bin/chromium``); Playwright only drives it, so no browser is downloaded. Every host name
is unresolvable: a page that needed the network would show it.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

WIDTHS = (1280, 1920, 400)
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]

# Every typeset formula of the article against the boxes around it. "clipped": part of it lies
# outside an ancestor that hides overflow, or outside the window (the page scrolls sideways);
# "scrolls": it is wider than a box that scrolls sideways (reachable, but not all in view).
MEASURE = """() => {
  const vw = document.documentElement.clientWidth;
  const out = {formulas: 0, clipped: [], scrolls: [], pageScroll: document.documentElement.scrollWidth > vw + 1,
               height: document.documentElement.scrollHeight,
               entries: document.querySelectorAll('article section[id] > h2').length,
               errors: document.querySelectorAll('.katex-error, .matref-tex-error').length};
  for (const k of document.querySelectorAll('article .katex')) {
    if (k.parentElement.closest('.katex')) continue;
    const r = k.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;  // not displayed: a closed disclosure, a hidden row
    let left = Infinity, right = -Infinity;
    for (const b of k.querySelectorAll('.katex-html > .base, .katex-html > .tag')) {
      const br = b.getBoundingClientRect(); left = Math.min(left, br.left); right = Math.max(right, br.right);
    }
    if (right === -Infinity) { left = r.left; right = r.right; }
    out.formulas++;
    const labelled = k.closest('[aria-label]');
    const tex = (k.querySelector('annotation') || {}).textContent || (labelled ? labelled.getAttribute('aria-label') : '');
    let verdict = null;
    for (let a = k.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'visible') continue;
      const ar = a.getBoundingClientRect();
      const inside = left >= ar.left - 1 && right <= ar.right + 1;
      if (inside) continue;  // this box shows it whole; an outer box may still cut it
      verdict = (cs.overflowX === 'auto' || cs.overflowX === 'scroll') ? 'scrolls' : 'clipped';
      break;
    }
    if (!verdict && (right > vw + 1 || left < -1)) verdict = 'clipped';
    if (verdict) out[verdict === 'clipped' ? 'clipped' : 'scrolls'].push(tex.slice(0, 100));
  }
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
  out.load = nav ? nav.loadEventEnd : null;
  out.firstPaint = paint ? paint.startTime : null;
  return out;
}"""


@dataclass
class PageMeasure:
    page: str
    width: int
    formulas: int
    clipped: list[str]
    scrolls: list[str]
    page_scroll: bool
    height: int
    entries: int
    errors: int
    load_ms: float | None
    first_paint_ms: float | None
    console: list[str] = field(default_factory=list)

    @property
    def px_per_entry(self) -> float | None:
        return self.height / self.entries if self.entries else None


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A page closed mid-transfer (the browser moved on) is not an error of the book.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class Server:
    """The built book over HTTP on 127.0.0.1 (what a reader of the hosted handbook gets)."""

    def __init__(self, root: Path):
        handler = functools.partial(QuietHandler, directory=str(root))
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def browser():
    """A Playwright Chromium (Debian's binary) for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def measure(b, url: str, page: str, width: int, height: int = 900) -> PageMeasure:
    """Open ``url`` at ``width`` px and measure it (after the load event)."""
    return measure_widths(b, url, page, (width,), height)[0]


def measure_widths(b, url: str, page: str, widths=WIDTHS, height: int = 900) -> list[PageMeasure]:
    """Open ``url`` once at the first width, measure it, then resize the window to each other width.

    Load times are those of the first width. Errors are uncaught exceptions and files that failed
    to load (the theme's own console chatter, e.g. about a colour mode it resets, is not one)."""
    pg = b.new_page(viewport={"width": widths[0], "height": height})
    console: list[str] = []
    pg.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    def on_console(m) -> None:
        where = (m.location or {}).get("url", "")
        # the browser's own request for /favicon.ico (the book has none) is not the page's
        if m.type == "error" and "Failed to load" in m.text and not where.endswith("favicon.ico"):
            console.append(f"{m.text}: {where}")

    pg.on("console", on_console)
    pg.on("requestfailed", lambda r: console.append(f"failed to load {r.url}"))
    out = []
    try:
        pg.goto(url, wait_until="load")
        for width in widths:
            if width != widths[0]:
                pg.set_viewport_size({"width": width, "height": height})
            r = pg.evaluate(MEASURE)
            out.append(PageMeasure(page, width, r["formulas"], r["clipped"], r["scrolls"], r["pageScroll"],
                                   r["height"], r["entries"], r["errors"], r["load"], r["firstPaint"], console))
    finally:
        pg.close()
    return out


def pages(html: Path) -> list[str]:
    """The hand-written pages and every generated page of the built book."""
    own = ["index.html", "introduction.html", "conventions.html", "check.html", "derive.html", "testing.html",
           "errata.html"]
    return [p for p in own if (html / p).exists()] + sorted(
        p.relative_to(html).as_posix() for p in (html / "identities").glob("*.html"))


def family_pages(html: Path) -> list[str]:
    return [p for p in pages(html) if p.startswith("identities/") and p not in
            ("identities/index.html", "identities/quick-reference.html")]
