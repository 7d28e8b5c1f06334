"""Errors of the expression language, with the position in the source string.

The root of matref's error types lives here because the expression language imports nothing else
from matref; :mod:`matref.errors` re-exports these beside the catalog's errors.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """``text`` with terminal control characters shown as escapes (``\\x1b``), newlines kept."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


class MatrefError(Exception):
    """Base class of every error matref reports to a user."""


class ExprError(MatrefError):
    """An expression that cannot be parsed or typed, with the position in the source string.

    Parameters
    ----------
    message : str
        What is wrong.
    source : str
        The expression text.
    span : tuple of int
        ``(start, end)`` character offsets of the offending part (0-based, end exclusive).
    """

    def __init__(self, message: str, source: str = "", span: tuple[int, int] | None = None):
        self.message = message
        self.source = source
        self.span = span
        super().__init__(self._render())

    @property
    def column(self) -> int | None:
        """1-based column of the offending part, or None."""
        return None if self.span is None else self.span[0] + 1

    def _render(self) -> str:
        if not self.source:
            return self.message
        if self.span is None:
            return f"{self.message}\n  in: {self.source}"
        start, end = self.span
        # Escaped control characters are wider than one column: place the caret by the escaped text.
        lead, part = len(safe(self.source[:start])), len(safe(self.source[start:end]))
        caret = " " * lead + "^" * max(1, part)
        return f"column {start + 1}: {self.message}\n  {safe(self.source)}\n  {caret}"


class ShapeError(ExprError):
    """Shapes that do not fit, naming the sub-expression."""
