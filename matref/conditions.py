"""Conditions on sub-expressions of an identity, stated as data.

Some hypotheses are not about one symbol: Woodbury's identity needs ``A + C B C^T`` invertible,
Sherman-Morrison needs ``1 + c^T A^-1 b`` nonzero. In the catalog they are written::

    conditions:
      - invertible: A + C @ B @ C.T
      - nonzero: 1 + c.T @ inv(A) @ b

Each is shown with the identity (``matref show``, the book) and drives the sampler: an instance
where the condition fails, or holds only marginally (the matrix is nearly singular, the number
nearly zero), is outside the identity's domain and is drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass

from matref.expr.infer import Scope, Typed
from matref.expr.parse import parse
from matref.expr.rounding import Bounded, OutOfDomain
from matref.expr.to_latex import to_latex

KINDS = {
    "invertible": "is invertible",
    "nonzero": "is nonzero",
}
"""The kinds of condition, and how they read after the expression."""

MARGIN = 1e-6
"""A condition must hold with this relative margin: condition number at most 1e6, or a number at
least 1e-6 of the size of its error-free part away from zero."""


@dataclass(frozen=True)
class Condition:
    kind: str
    text: str
    typed: Typed

    @classmethod
    def build(cls, spec: tuple[str, str], scope: Scope) -> "Condition":
        kind, text = spec
        if kind not in KINDS:
            raise ValueError(f"unknown condition {kind!r} (known: {', '.join(KINDS)})")
        typed = scope.infer(parse(text), text)
        u = scope.unifier
        if kind == "invertible" and not u.unify(typed.shape[0], typed.shape[1]):
            raise ValueError(f"invertible: {text} is {scope.show(typed.shape)}, not square")
        if kind == "nonzero" and not u.is_scalar(typed.shape):
            raise ValueError(f"nonzero: {text} is {scope.show(typed.shape)}, not a scalar")
        return cls(kind, text, typed)

    @property
    def words(self) -> str:
        """``"A + C B C^T is invertible"`` in plain text."""
        return f"{self.text} {KINDS[self.kind]}"

    @property
    def latex(self) -> str:
        return f"{to_latex(self.typed)} \\text{{ {KINDS[self.kind]}}}"

    def require(self, value: Bounded) -> None:
        """Raise OutOfDomain unless the condition holds with margin at this instance."""
        import numpy as np

        v = value.value
        if self.kind == "invertible":
            s = np.linalg.svd(v, compute_uv=False)
            if s[-1] <= MARGIN * s[0] or s[-1] <= 1e3 * value.fro:
                raise OutOfDomain(f"condition '{self.words}' fails (condition number {s[0] / max(s[-1], 1e-300):.1e})")
        else:
            x = abs(float(v.reshape(-1)[0]))
            if x <= 1e3 * value.fro or x == 0:
                raise OutOfDomain(f"condition '{self.words}' fails (it is {x:.1e})")
