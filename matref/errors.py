"""Error types: every user mistake becomes one of these, never a bare traceback."""

from __future__ import annotations

from matref.expr.errors import ExprError, MatrefError, ShapeError, safe

__all__ = ["CatalogError", "ExprError", "MatrefError", "ShapeError", "safe"]


class CatalogError(MatrefError):
    """A problem in a catalog file, located by ``file:line`` and identity id.

    Loading a catalog (:func:`matref.catalog`) raises it for any file that is not valid: bad
    YAML, an unknown key, a duplicate id, an expression that does not parse or whose shapes
    do not fit. The message starts with ``file:line: id:``.

    Parameters
    ----------
    message : str
        What is wrong (kept as the attribute ``message``).
    location : str, default ""
        ``file:line`` of the problem.
    identity : str, optional
        The id of the identity concerned.

    Examples
    --------
    >>> import matref
    >>> e = matref.CatalogError("grad: unknown function 'trace'", "trace.yaml:12", "trace.grad_x")
    >>> print(e)
    trace.yaml:12: trace.grad_x: grad: unknown function 'trace'
    >>> e.message, e.location, e.identity
    ("grad: unknown function 'trace'", 'trace.yaml:12', 'trace.grad_x')
    """

    def __init__(self, message: str, location: str = "", identity: str | None = None):
        self.message = message
        self.location = location
        self.identity = identity
        where = location
        if identity:
            where = f"{where}: {identity}" if where else identity
        super().__init__(f"{where}: {message}" if where else message)
