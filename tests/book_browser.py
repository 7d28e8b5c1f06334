"""What the browser tests share: the built book, the skip markers, a server and a browser.

Both ``test_browser.py`` and ``test_search_browser.py`` open the built handbook in Debian's
Chromium through Playwright (``tools/book_probe.py``). Skipped, with the reason, unless
``MATREF_BOOK_TESTS=1``, Chromium and Playwright are present and the book is built:
``make test-browser`` sees to all of it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("MATREF_BOOK_HTML", ROOT / "_build" / "html"))
sys.path.insert(0, str(ROOT / "tools"))
import book_probe as probe  # noqa: E402

MARKS = [
    pytest.mark.skipif(os.environ.get("MATREF_BOOK_TESTS") != "1",
                       reason="opens the built book in Chromium: run `make test-browser`"),
    pytest.mark.skipif(probe.CHROMIUM is None,
                       reason="Chromium is not installed (Debian: `apt-get install chromium`; "
                              "`make test-browser` does it when run as root)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="Playwright is not installed: `make test-browser` installs it (extra 'browser')"),
    pytest.mark.skipif(not (HTML / "index.html").exists(), reason=f"no built handbook in {HTML}: run `make book`"),
]


@pytest.fixture(scope="module")
def server():
    """The built book over HTTP on 127.0.0.1."""
    s = probe.Server(HTML)
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module (and per xdist worker)."""
    with probe.browser() as b:
        yield b
