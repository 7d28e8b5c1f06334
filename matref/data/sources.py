"""The works the catalog cites: their text for a reader and their public addresses
(``matref/data/sources.yaml``)."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from matref.data.prose_math import escape_markdown, unicode_math

SOURCES_FILE = Path(__file__).resolve().parent / "sources.yaml"
_MC = re.compile(r"mc2012:(\d+)([a-z]?)\Z")


@functools.lru_cache(maxsize=1)
def source_links() -> dict[str, str]:
    """Source prefix -> address (``matref/data/sources.yaml``)."""
    from matref.data.loader import load_yaml

    return {str(k): str(v) for k, v in load_yaml(SOURCES_FILE).items()}


def source_link(source: str) -> str | None:
    """The address of a cited work, or None (derived results, tutorials without an address)."""
    for prefix, url in source_links().items():
        if source.startswith(prefix):
            return url
    return None


def source_text(source: str) -> str:
    """``mc2012:101`` -> ``Matrix Cookbook (2012), eq. (101)``; other sources as written, their
    ASCII math in Unicode (``x^T`` -> ``xᵀ``).

    Examples
    --------
    >>> source_text("mc2012:101")
    'Matrix Cookbook (2012), eq. (101)'
    """
    m = _MC.match(source)
    if m:
        return f"Matrix Cookbook (2012), eq. ({m.group(1)}{m.group(2)})"
    if source == "derived":
        return "derived here (see the derivation)"
    if source == "user":
        return "your own formula"
    return unicode_math(source)


def source_markdown(source: str) -> str:
    """A source as Markdown: its text, linked to the work where it has a public address.

    Examples
    --------
    >>> source_markdown("mc2012:101")
    '[Matrix Cookbook (2012), eq. (101)](https://www.math.uwaterloo.ca/~hwolkowi/matrixcookbook.pdf)'
    """
    text = escape_markdown(source_text(source))
    url = source_link(source)
    return f"[{text}]({url})" if url else text
