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
    """Base class of every error matref reports to a user.

    Bad input to :func:`matref.check`, :func:`matref.derive`, :func:`matref.verify` and
    :mod:`matref.testing` (a parse error with its column, a shape mismatch, an unknown
    assumption or identity, a request over a limit) is raised as this class or a subclass, with
    a message meant to be shown as it is; catch this one class to handle them all.

    Examples
    --------
    >>> import matref
    >>> try:
    ...     matref.check(f="tr(A @ X", wrt="X", grad="A.T")
    ... except matref.MatrefError as e:
    ...     print(e)
    f: column 3: '(' was never closed
      tr(A @ X
        ^
    """


class ExprError(MatrefError):
    """An expression that cannot be parsed or typed, with the position in the source string.

    The message shows the expression with a caret under the offending part. :func:`matref.check`
    and :func:`matref.derive` report such a problem as a :class:`MatrefError` carrying this
    message (prefixed with the role, ``f:``), and the catalog as a :class:`~matref.CatalogError`;
    the subclass :class:`ShapeError` reaches the caller from the numpy callables of an identity
    (:attr:`matref.Identity.numpy`).

    Parameters
    ----------
    message : str
        What is wrong.
    source : str, default ""
        The expression text; without it the message is ``message`` alone.
    span : tuple of int, optional
        ``(start, end)`` character offsets of the offending part (0-based, end exclusive);
        without it the whole expression is shown, with no caret.

    Examples
    --------
    >>> import matref
    >>> e = matref.ExprError("unknown function 'trace'", "trace(X)", (0, 5))
    >>> print(e)
    column 1: unknown function 'trace'
      trace(X)
      ^^^^^
    >>> e.column, e.span
    (1, (0, 5))
    """

    def __init__(self, message: str, source: str = "", span: tuple[int, int] | None = None):
        self.message = message
        self.source = source
        self.span = span
        super().__init__(self._render())

    @property
    def column(self) -> int | None:
        """1-based column of the offending part, or None without a span.

        Examples
        --------
        >>> import matref
        >>> matref.ExprError("bad", "A @ @ B", (4, 5)).column
        5
        >>> print(matref.ExprError("bad").column)
        None
        """
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
    """Shapes that do not fit, naming the sub-expression.

    Parameters
    ----------
    message : str
        What does not fit (the shapes involved).
    source : str, default ""
        The expression text.
    span : tuple of int, optional
        ``(start, end)`` offsets of the sub-expression whose shapes do not fit.

    Examples
    --------
    >>> import matref
    >>> e = matref.ShapeError("@ needs the columns of A to match the rows of x", "A @ x", (0, 5))
    >>> isinstance(e, matref.ExprError), e.column
    (True, 1)
    """
