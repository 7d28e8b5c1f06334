"""Error types: every user mistake becomes one of these, never a bare traceback."""

from __future__ import annotations

from matref.expr.errors import ExprError, MatrefError, ShapeError, safe

__all__ = ["CatalogError", "ExprError", "MatrefError", "ShapeError", "safe"]


class CatalogError(MatrefError):
    """A problem in a catalog file, located by ``file:line`` and identity id."""

    def __init__(self, message: str, location: str = "", identity: str | None = None):
        self.message = message
        self.location = location
        self.identity = identity
        where = location
        if identity:
            where = f"{where}: {identity}" if where else identity
        super().__init__(f"{where}: {message}" if where else message)
