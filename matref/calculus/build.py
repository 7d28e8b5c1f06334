"""Smart constructors: build nodes and simplify as they are built, so derived results stay short.

Each rewrite is exact for every shape the language allows (I @ M = M, (Mᵀ)ᵀ = M, 1 * M = M,
--M = M, M + M = 2 * M, a - -b = a + b, numbers folded); nothing here changes a value.
"""

from __future__ import annotations

import numpy as np

from matref.expr import nodes as N

ONE = N.Number(1.0)
I = N.Identity()


def num(value: float) -> N.Number:
    return N.Number(float(value))


def is_num(node: N.Node, value: float | None = None) -> bool:
    return isinstance(node, N.Number) and (value is None or node.value == value)


def neg(a: N.Node) -> N.Node:
    if isinstance(a, N.Neg):
        return a.arg
    if isinstance(a, N.Number):
        return num(-a.value)
    return N.Neg(a)


def add(a: N.Node | None, b: N.Node | None) -> N.Node | None:
    """a + b, where None is an adjoint that is zero; common outer factors of two products are
    taken out (P @ x + Q @ x = (P + Q) @ x)."""
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, N.Number) and isinstance(b, N.Number):
        return num(a.value + b.value)
    ca, ta = _coefficient(a)
    cb, tb = _coefficient(b)
    if ta == tb:  # like terms: 2 * M + M = 3 * M
        return mul(num(ca + cb), ta)
    if isinstance(a, N.Add):  # (p + M) + M = p + 2 * M
        merged = add(a.right, b)
        if not isinstance(merged, N.Add):
            return add(a.left, merged)
    if isinstance(a, N.Mul) and isinstance(b, N.Mul):  # s ∘ A + s ∘ B = s ∘ (A + B)
        if a.left == b.left:
            return mul(a.left, add(a.right, b.right))
        if a.right == b.right:
            return mul(add(a.left, b.left), a.right)
    if isinstance(a, N.MatMul) and isinstance(b, N.MatMul):
        if a.right == b.right:
            return matmul(add(a.left, b.left), a.right)
        if a.left == b.left:
            return matmul(a.left, add(a.right, b.right))
    if isinstance(b, N.Neg):
        return sub(a, b.arg)
    if isinstance(a, N.Neg):
        return sub(b, a.arg)
    return N.Add(a, b)


def _coefficient(node: N.Node) -> tuple[float, N.Node]:
    """``c * M`` as (c, M), ``-M`` as (-1, M), ``M / c`` as (1 / c, M); ``M`` as (1, M)."""
    if isinstance(node, N.Neg):
        c, m = _coefficient(node.arg)
        return -c, m
    if isinstance(node, N.Mul) and isinstance(node.left, N.Number):
        c, m = _coefficient(node.right)
        return node.left.value * c, m
    if isinstance(node, N.Div) and isinstance(node.right, N.Number) and node.right.value != 0:
        c, m = _coefficient(node.left)
        return c / node.right.value, m
    return 1.0, node


def sub(a: N.Node, b: N.Node) -> N.Node:
    if isinstance(a, N.Number) and isinstance(b, N.Number):
        return num(a.value - b.value)
    ca, ta = _coefficient(a)
    cb, tb = _coefficient(b)
    if ta == tb:  # like terms: M - M / 6 = (5 / 6) M
        return mul(num(ca - cb), ta)
    if isinstance(b, N.Neg):
        return add(a, b.arg)
    if is_num(a, 0.0):
        return neg(b)
    return N.Sub(a, b)


def mul(a: N.Node, b: N.Node) -> N.Node:
    """``a * b`` (elementwise, or scaling when one side is 1x1)."""
    if is_num(a, 1.0):
        return b
    if is_num(b, 1.0):
        return a
    if isinstance(a, N.Number) and isinstance(b, N.Number):
        return num(a.value * b.value)
    if is_num(a, -1.0):
        return neg(b)
    if is_num(b, -1.0):
        return neg(a)
    if isinstance(a, N.Neg):
        return neg(mul(a.arg, b))
    if isinstance(b, N.Neg):
        return neg(mul(a, b.arg))
    if isinstance(b, N.Number):  # numbers first: 2 * X, not X * 2
        a, b = b, a
    if isinstance(a, N.Number) and a.value < 0:  # -0.5 * M = -(0.5 * M), so that sums subtract it
        return neg(mul(num(-a.value), b))
    if isinstance(a, N.Number) and isinstance(b, N.Mul) and isinstance(b.left, N.Number):
        return mul(num(a.value * b.left.value), b.right)
    if isinstance(b, N.Mul) and isinstance(b.left, N.Number):  # s * (2 * M) = 2 * (s * M)
        return mul(b.left, mul(a, b.right))
    if isinstance(a, N.Mul) and isinstance(a.left, N.Number):  # (2 * s) * M = 2 * (s * M)
        return mul(a.left, mul(a.right, b))
    # x * (y / x) = y, and c * x * (y / x) = c * y: a norm or a determinant that cancels (only a
    # 1x1 x: a vector x would broadcast a scalar y to its shape)
    if isinstance(b, N.Div) and b.right == a and _is_scalar_factor(a):
        return b.left
    if isinstance(a, N.Div) and a.right == b and _is_scalar_factor(b):
        return a.left
    if isinstance(a, N.Mul) and isinstance(b, N.Div) and b.right == a.right and _is_scalar_factor(b.right):
        return mul(a.left, b.left)
    # (1 / s) * M = M / s (elementwise, so under any broadcast)
    if isinstance(a, N.Div) and is_num(a.left, 1.0):
        return div(b, a.right)
    if isinstance(b, N.Div) and is_num(b.left, 1.0):
        return div(a, b.right)
    return N.Mul(a, b)


def div(a: N.Node, b: N.Node) -> N.Node:
    if is_num(b, 1.0):
        return a
    if isinstance(a, N.Number) and isinstance(b, N.Number) and b.value != 0:
        return num(a.value / b.value)
    if isinstance(b, N.Number) and b.value != 0:  # (2 * M) / 2 = M, (2 * M) / 4 = M / 2
        c, m = _coefficient(a)
        if c != 1.0:
            from fractions import Fraction

            frac = Fraction(c / b.value).limit_denominator(64)
            if frac.denominator != 1 and abs(float(frac) - c / b.value) < 1e-12:
                top = m if abs(frac.numerator) == 1 else N.Mul(num(abs(frac.numerator)), m)
                written = N.Div(top, num(frac.denominator))
                return N.Neg(written) if frac < 0 else written
            return mul(num(c / b.value), m)
    if isinstance(a, N.Neg):
        return neg(div(a.arg, b))
    if isinstance(a, N.Mul) and b in (a.left, a.right) and _is_scalar_factor(b):  # (s u) / s = u, s 1x1
        return a.right if a.left == b else a.left
    return N.Div(a, b)


def matmul(a: N.Node, b: N.Node) -> N.Node:
    """``a @ b``, written left to right without parentheses (A @ (B @ C) is A @ B @ C)."""
    if isinstance(a, N.Identity):
        return b
    if isinstance(b, N.Identity):
        return a
    if _is_scalar_factor(a):  # a 1x1 matrix times a row: scaling
        return mul(a, b)
    if _is_scalar_factor(b):
        return mul(b, a)
    if isinstance(b, N.MatMul):
        return matmul(matmul(a, b.left), b.right)
    if _inverse_pair(a, b):  # inv(A) @ A = I
        return I
    if isinstance(a, N.MatMul) and _inverse_pair(a.right, b):  # P @ inv(A) @ A = P
        return a.left
    # divisions by numbers move out too: (I / 6) @ M = M / 6
    if isinstance(a, N.Div) and isinstance(a.right, N.Number):
        return div(matmul(a.left, b), a.right)
    if isinstance(b, N.Div) and isinstance(b.right, N.Number):
        return div(matmul(a, b.left), b.right)
    # numbers (and scalar-valued calls) move out of products: A @ (2 * B) = 2 * A @ B
    if isinstance(b, N.Mul) and _is_scalar_factor(b.left):
        return mul(b.left, matmul(a, b.right))
    if isinstance(a, N.Mul) and _is_scalar_factor(a.left):
        return mul(a.left, matmul(a.right, b))
    # powers of one matrix: X @ X = mpow(X, 2), mpow(X, j) @ mpow(X, k) = mpow(X, j + k)
    ba, ka = _power_of(a)
    bb, kb = _power_of(b)
    if ba == bb:
        return call("mpow", ba, params=(ka + kb,))
    if isinstance(a, N.Neg):
        return neg(matmul(a.arg, b))
    if isinstance(b, N.Neg):
        return neg(matmul(a, b.arg))
    return N.MatMul(a, b)


def _inverse_pair(a: N.Node, b: N.Node) -> bool:
    """Whether ``a @ b`` is I: inv(M) @ M, M @ inv(M), or the transposes of either."""
    def inverse_of(n: N.Node) -> N.Node | None:
        if isinstance(n, N.Call) and n.func == "inv":
            return n.args[0]
        if isinstance(n, N.Transpose) and isinstance(n.arg, N.Call) and n.arg.func == "inv":
            return t(n.arg.args[0])
        return None

    return (inverse_of(a) is not None and inverse_of(a) == b) or (inverse_of(b) is not None and inverse_of(b) == a)


def _is_scalar_factor(node: N.Node) -> bool:
    return isinstance(node, N.Number) or (isinstance(node, N.Call) and node.func in SCALAR_VALUED)


def t(a: N.Node) -> N.Node:
    """Transpose, pushed inward through products, sums and inverses of products."""
    if isinstance(a, (N.Number, N.Identity)):
        return a
    if isinstance(a, N.Transpose):
        return a.arg
    if isinstance(a, N.Neg):
        return neg(t(a.arg))
    if isinstance(a, N.MatMul):
        return matmul(t(a.right), t(a.left))
    if isinstance(a, (N.Add, N.Sub)):  # (A + B)ᵀ = Aᵀ + Bᵀ, when that is no longer
        pushed = type(a)(t(a.left), t(a.right))
        return pushed if N.size(pushed) <= N.size(a) + 1 else N.Transpose(a)
    if isinstance(a, N.Call) and a.func in SCALAR_VALUED:
        return a
    if isinstance(a, N.Call) and a.func == "mpow":  # (Aᵏ)ᵀ = (Aᵀ)ᵏ
        return call("mpow", t(a.args[0]), params=a.params)
    if isinstance(a, (N.Mul, N.Div)):  # elementwise (a 1x1 side broadcast): (A ∘ B)ᵀ = Aᵀ ∘ Bᵀ
        return (mul if isinstance(a, N.Mul) else div)(t(a.left), t(a.right))
    return N.Transpose(a)


def _power_of(node: N.Node) -> tuple[N.Node, int]:
    if isinstance(node, N.Call) and node.func == "mpow":
        return node.args[0], node.params[0]
    return node, 1


def call(func: str, *args: N.Node, params: tuple[int, ...] = ()) -> N.Node:
    if func == "inv" and isinstance(args[0], N.Call) and args[0].func == "inv":  # inv(inv(X)) = X
        return args[0].args[0]
    if func == "mpow" and params[0] == 1:
        return args[0]
    if func == "mpow" and params[0] == 0:
        return I
    if func in ("tril", "expm", "sqrtm") and is_identity(args[0]):  # tril(I) = I, e^I = e I, I^½ = I
        return I if func != "expm" else mul(num(float(np.e)), I)
    if func == "diag" and isinstance(args[0], N.Call) and args[0].func == "diag" and is_identity(args[0].args[0]):
        return I
    if func in ("dexpm", "dlogm") and is_identity(args[1]):  # L_f(A, I) = f'(A)
        return call("expm", args[0]) if func == "dexpm" else call("inv", args[0])
    if func == "sylvester" and args[0] == args[1] and is_identity(args[2]):  # S X + X S = I
        return div(call("inv", args[0]), num(2))
    if func in LINEAR and len(args) == 1:  # tr(-M) = -tr(M), tr(2 M) = 2 tr(M)
        (a,) = args
        if isinstance(a, N.Neg):
            return neg(call(func, a.arg, params=params))
        if isinstance(a, N.Mul) and isinstance(a.left, N.Number):
            return mul(a.left, call(func, a.right, params=params))
    return N.Call(func, tuple(args), tuple(params))


LINEAR = ("tr", "sum", "vec", "tril")
"""Functions that are linear in their one argument (numbers and signs move out of them)."""

SCALAR_VALUED = ("tr", "det", "logdet", "sum", "norm", "logsumexp", "eigval", "sigma", "nucnorm", "max", "eigvalg")
"""Functions whose value is 1x1 (equal to its transpose)."""


def hadamard(g: N.Node, d: N.Node) -> N.Node:
    """``g * d`` where both have the same shape: an all-ones g (or its negative) drops out."""
    if is_ones(g):
        return d
    if isinstance(g, N.Neg) and is_ones(g.arg):
        return neg(d)
    if isinstance(g, N.Mul) and is_ones(g.right):  # (s 𝟏) ∘ d = s d
        return mul(g.left, d)
    if isinstance(g, N.Div) and is_ones(g.left):  # (𝟏 / s) ∘ d = d / s
        return div(d, g.right)
    return mul(g, d)


def power(a: N.Node, p: float) -> N.Node:
    if p == 1:
        return a
    return N.Pow(a, float(p))


def is_identity(node: N.Node) -> bool:
    return isinstance(node, N.Identity) or (isinstance(node, N.Call) and node.func == "eye")


def is_ones(node: N.Node) -> bool:
    """``a ** 0``: an all-ones matrix (an adjoint that is 1 in every entry)."""
    return isinstance(node, N.Pow) and node.exponent == 0


def ones_like(a: N.Node) -> N.Node:
    """The all-ones matrix of ``a``'s shape (``a ** 0``, printed 𝟏)."""
    return N.Pow(a, 0.0)


def rebuild(node: N.Node, symmetric: frozenset = frozenset()) -> N.Node:
    """``node`` rebuilt bottom-up through the constructors above (so their rewrites apply
    everywhere), with ``S.T`` read as ``S`` for the symbols known to be symmetric."""
    if isinstance(node, N.Transpose) and isinstance(node.arg, N.Symbol) and node.arg.name in symmetric:
        return node.arg
    if (isinstance(node, N.Transpose) and isinstance(node.arg, N.Call) and node.arg.func == "inv"
            and isinstance(node.arg.args[0], N.Symbol) and node.arg.args[0].name in symmetric):
        return rebuild(node.arg, symmetric)  # inv(S).T = inv(S) for a symmetric S
    return remake(node, tuple(rebuild(c, symmetric) for c in node.children()))


def remake(node: N.Node, kids: tuple) -> N.Node:
    """``node`` with new children ``kids``, through the constructors (one level: the children are
    taken as they are)."""
    if isinstance(node, N.Transpose):
        return t(kids[0])
    if isinstance(node, N.Neg):
        return neg(kids[0])
    if isinstance(node, N.Add):
        return add(*kids)
    if isinstance(node, N.Sub):
        return sub(*kids)
    if isinstance(node, N.Mul):
        return mul(*kids)
    if isinstance(node, N.Div):
        return div(*kids)
    if isinstance(node, N.MatMul):
        return matmul(*kids)
    if isinstance(node, N.Call):
        return call(node.func, *kids, params=node.params)
    return N.replace_children(node, kids) if kids else node


def strip_spans(node: N.Node) -> N.Node:
    """The tree without source positions (a derived result has none)."""
    kids = tuple(strip_spans(c) for c in node.children())
    rebuilt = N.replace_children(node, kids) if kids else node
    import dataclasses

    return dataclasses.replace(rebuilt, span=(0, 0))
