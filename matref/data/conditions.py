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

from matref.expr import nodes as N
from matref.expr.infer import Scope, Typed
from matref.expr.parse import parse
from matref.expr.rounding import Bounded, OutOfDomain
from matref.expr.to_latex import to_latex

KINDS = {
    "invertible": "is invertible",
    "nonzero": "is nonzero",
    "simple": "is a simple eigenvalue",
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
    def build(cls, spec: tuple[str, str], scope: Scope, constants: dict | None = None) -> "Condition":
        kind, text = spec
        if kind not in KINDS:
            raise ValueError(f"unknown condition {kind!r} (known: {', '.join(KINDS)})")
        typed = scope.infer(parse(text, constants=constants), text)
        u = scope.unifier
        if kind == "invertible" and not u.unify(typed.shape[0], typed.shape[1]):
            raise ValueError(f"invertible: {text} is {scope.show(typed.shape)}, not square")
        if kind == "nonzero" and not u.is_scalar(typed.shape):
            raise ValueError(f"nonzero: {text} is {scope.show(typed.shape)}, not a scalar")
        if kind == "simple" and not (isinstance(typed.node, N.Call) and typed.node.func == "eigval"):
            raise ValueError(f"simple: {text} must be an eigenvalue, eigval(A, i)")
        return cls(kind, text, typed)

    @property
    def words(self) -> str:
        """``"A + C B C^T is invertible"`` in plain text."""
        return f"{self.text} {KINDS[self.kind]}"

    @property
    def latex(self) -> str:
        return f"{to_latex(self.typed)} \\text{{ {KINDS[self.kind]}}}"

    def check(self, values: dict, sizes: dict) -> None:
        """Raise OutOfDomain unless the condition holds, with margin, at this instance."""
        from matref.expr.bounds import bounded

        # Evaluated as if differentiated: an eigenvalue must then be simple, with a gap.
        self.require(bounded(self.typed, values, sizes, smooth=self.kind == "simple"))

    def require(self, value: Bounded) -> None:
        """Raise OutOfDomain unless the condition holds with margin at this instance."""
        import numpy as np

        v = value.value
        if self.kind == "simple":
            return  # the eigenvalue's gap was checked when it was evaluated (see check)
        if self.kind == "invertible":
            s = np.linalg.svd(v, compute_uv=False)
            if s[-1] <= MARGIN * s[0] or s[-1] <= 1e3 * value.fro:
                raise OutOfDomain(f"condition '{self.words}' fails (condition number {s[0] / max(s[-1], 1e-300):.1e})")
        else:
            x = abs(float(v.reshape(-1)[0]))
            if x <= 1e3 * value.fro or x == 0:
                raise OutOfDomain(f"condition '{self.words}' fails (it is {x:.1e})")


# -- is every inverse justified by a stated hypothesis? -------------------------------------------------
def _assumed(ident) -> dict[str, frozenset]:
    from matref.data.assumptions import closure

    return {s.name: closure(s.assume) for s in ident.spec.symbols}


def _canon(n) -> str:
    """The text of an expression with every product chain associated to the left (so that
    ``X.T @ (A.T @ X)`` and ``X.T @ A.T @ X`` compare equal)."""
    from matref.expr import nodes as N

    if isinstance(n, N.MatMul):
        factors = [_canon(f) for f in _flatten_product(n)]
        return "(" + " @ ".join(factors) + ")"
    kids = n.children()
    if not kids:
        return str(n)
    return type(n).__name__ + "[" + ",".join(_canon(k) for k in kids) + "|" + repr(getattr(n, "func", "")) \
        + repr(getattr(n, "params", "")) + repr(getattr(n, "exponent", "")) + "]"


def _flatten_product(n):
    from matref.expr import nodes as N

    if isinstance(n, N.MatMul):
        return _flatten_product(n.left) + _flatten_product(n.right)
    return [n]


class _Justifier:
    """Decides, from the stated hypotheses only (``assume`` and ``conditions``, never ``sample``),
    whether a matrix is invertible or a scalar nonzero. Sound, not complete."""

    def __init__(self, ident):
        from matref.expr.parse import parse

        self.props = _assumed(ident)
        self.invertible = {_canon(parse(c.text)) for c in ident.conditions if c.kind == "invertible"}
        self.nonzero = {_canon(parse(c.text)) for c in ident.conditions if c.kind == "nonzero"}
        self.scalar = lambda n: False

    def has(self, name, word):
        return word in self.props.get(name, frozenset())

    def posdef(self, n) -> bool:
        """Positive definite symmetric part (so invertible, and sums stay so)."""
        from matref.expr import nodes as N

        if isinstance(n, N.Symbol):
            return self.has(n.name, "posdef")
        if isinstance(n, (N.Identity,)) or (isinstance(n, N.Call) and n.func == "eye"):
            return True
        if isinstance(n, N.Transpose):
            return self.posdef(n.arg)
        if isinstance(n, N.Add):
            return self.posdef(n.left) and self.posdef(n.right)
        if isinstance(n, N.Call) and n.func == "inv":
            return self.posdef(n.args[0])
        if isinstance(n, N.MatMul):  # S^T P S with S of full column rank and P positive definite
            f = _flatten_product(n)
            if len(f) in (2, 3) and isinstance(f[0], N.Transpose) and f[0].arg == f[-1] \
                    and self.full_column(f[-1]):
                return len(f) == 2 or self.posdef(f[1])
            if len(f) in (2, 3) and isinstance(f[-1], N.Transpose) and f[-1].arg == f[0] \
                    and self.full_column(N.Transpose(f[0])):
                return len(f) == 2 or self.posdef(f[1])
        return False

    def full_column(self, n) -> bool:
        """A matrix of full column rank: a symbol stated so, the transpose of one of full row rank,
        the pseudo-inverse of one of full row rank, an invertible one."""
        from matref.expr import nodes as N

        if isinstance(n, N.Symbol):
            return self.has(n.name, "full_column_rank") or self.has(n.name, "invertible")
        if isinstance(n, N.Transpose) and isinstance(n.arg, N.Symbol):
            return self.has(n.arg.name, "full_row_rank") or self.has(n.arg.name, "invertible")
        if isinstance(n, N.Call) and n.func == "pinv" and isinstance(n.args[0], N.Symbol):
            return self.has(n.args[0].name, "full_row_rank") or self.has(n.args[0].name, "invertible")
        if isinstance(n, N.Call) and n.func == "duplication":  # D_n: distinct 0/1 columns, one per free entry
            return True
        if isinstance(n, N.Transpose) and isinstance(n.arg, N.Call) and n.arg.func == "elimination":
            return True
        return False

    def inv(self, n) -> bool:
        from matref.expr import nodes as N
        from matref.expr.transform import transpose

        if _canon(n) in self.invertible or _canon(transpose(n)) in self.invertible or self.posdef(n):
            return True
        if isinstance(n, N.Symbol):
            return self.has(n.name, "invertible")
        if isinstance(n, N.Transpose):
            return self.inv(n.arg)
        if isinstance(n, N.Neg):
            return self.inv(n.arg)
        if isinstance(n, N.MatMul):
            return all(self.inv(f) for f in _flatten_product(n))
        if isinstance(n, N.Call):
            if n.func in ("inv", "mpow"):
                return self.inv(n.args[0])
            if n.func == "kron":
                return all(self.inv(a) for a in n.args)
            if n.func in ("eye", "commutation", "expm"):  # e^A is invertible for every A: (e^A)^-1 = e^-A
                return True
            if n.func in ("chol", "sqrtm"):  # of a positive definite matrix
                return self.posdef(n.args[0]) or self.inv(n.args[0]) and n.func == "chol"
        if isinstance(n, (N.Mul, N.Div)) and self.scalar(n.left if isinstance(n, N.Mul) else n.right):
            s, m = (n.left, n.right) if isinstance(n, N.Mul) else (n.right, n.left)
            return self.nonzero_scalar(s) and self.inv(m)
        return False

    def nonzero_scalar(self, n) -> bool:
        from matref.expr import nodes as N

        if _canon(n) in self.nonzero:
            return True
        if isinstance(n, N.Number):
            return n.value != 0
        if isinstance(n, N.Symbol):
            return True  # a scalar symbol: drawn away from zero, and a hypothesis "t != 0" is implicit
        if isinstance(n, N.Neg):
            return self.nonzero_scalar(n.arg)
        if isinstance(n, (N.Mul, N.Div)):
            return self.nonzero_scalar(n.left) and self.nonzero_scalar(n.right)
        if isinstance(n, N.Pow):
            return self.nonzero_scalar(n.base)
        if isinstance(n, N.Call):
            if n.func in ("det",):
                return self.inv(n.args[0])
            if n.func in ("exp", "sigmoid", "norm"):
                return True  # positive (a norm: of a nonzero matrix, which a random instance is)
            if n.func == "sqrt":
                return self.nonzero_scalar(n.args[0])
            if n.func == "sum":  # a sum of positive entries
                return isinstance(n.args[0], N.Call) and n.args[0].func in ("exp", "sigmoid", "softmax")
            if n.func == "tr":  # tr(S^T S) = ||S||^2
                f = _flatten_product(n.args[0])
                return len(f) == 2 and (_transposes(f[0], f[1]) or _transposes(f[1], f[0]))
        if isinstance(n, N.MatMul):  # v^T v and v^T P v with P positive definite: nonzero for v != 0
            f = _flatten_product(n)
            if isinstance(f[0], N.Transpose) and f[0].arg == f[-1] and (len(f) == 2 or all(
                    self.posdef(m) for m in f[1:-1])):
                return True
            if len(f) >= 4 and isinstance(f[0], N.Transpose):  # x^T B^T B x = (B x)^T (B x)
                k = len(f)
                mirrored = all(isinstance(f[i], N.Transpose) and f[i].arg == f[k - 1 - i] for i in range(k // 2))
                return mirrored and k % 2 == 0
        return False


def _transposes(a, b) -> bool:
    from matref.expr import nodes as N

    return isinstance(b, N.Transpose) and b.arg == a


def unjustified(ident) -> list[str]:
    """Sub-expressions that must be invertible (under ``inv``, ``logdet``; as the f of a derivative,
    ``pinv`` too) or nonzero (a divisor) but that no stated hypothesis makes so.

    Each is an overclaim waiting to happen: the identity would print "conditions: none" yet be
    false or undefined somewhere. The catalog states each as an assumption or a condition.
    """
    from matref.expr import nodes as N

    j = _Justifier(ident)
    out = []
    for role, typed in ident.typed.items():
        j.scalar = typed.is_scalar
        for node in N.walk(typed.node):
            if isinstance(node, N.Call) and node.func in ("inv", "logdet") and not j.inv(node.args[0]):
                out.append(f"{role}: {typed.text(node.args[0])} must be invertible")
            if isinstance(node, N.Call) and node.func == "pinv" and role in ("f", "lhs", "rhs") \
                    and ident.wrt is not None and not _full_rank(j, node.args[0]):
                out.append(f"{role}: {typed.text(node.args[0])} must have full rank (f is differentiated)")
            if isinstance(node, N.Div) and typed.is_scalar(node.right) and not j.nonzero_scalar(node.right):
                out.append(f"{role}: {typed.text(node.right)} must be nonzero")
    return list(dict.fromkeys(out))


def _full_rank(j, n) -> bool:
    from matref.expr import nodes as N

    inner = n.arg if isinstance(n, N.Transpose) else n
    return isinstance(inner, N.Symbol) and (j.has(inner.name, "full_column_rank") or j.has(inner.name, "full_row_rank")
                                            or j.has(inner.name, "invertible"))
