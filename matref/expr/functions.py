"""The functions of the expression language, one small spec each.

Every numpy implementation is the analytic continuation of the real function near real inputs
(plain transposes, never conjugates; ``logdet`` keeps the sign of the real determinant), so the
complex-step derivative in :mod:`matref.checks` is exact for every expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from matref.expr.dims import Shape, Unifier, Var, product

# LaTeX precedences: a child whose precedence is below what its parent needs gets parentheses.
ADD, KRON, MUL, UNARY, POSTFIX, ATOM = 10, 15, 20, 30, 40, 50


class Mismatch(Exception):
    """Raised by a shape rule; the typer turns it into a ShapeError at the call's span."""


@dataclass(frozen=True)
class Func:
    name: str
    nargs: int
    shape: Callable[..., Shape]  # (unifier, arg_shapes, fresh, params) -> Shape
    numpy: Callable[..., np.ndarray]  # (*arrays, *params) -> 2-D array
    latex: Callable[..., tuple[str, int]]  # (args: list[(tex, prec)], params, scalar_args) -> (tex, prec)
    nparams: int = 0
    doc: str = ""


def _square(u: Unifier, s: Shape, what: str) -> None:
    if not u.unify(s[0], s[1]):
        raise Mismatch(f"{what} needs a square matrix")


def _scalar(a) -> np.ndarray:
    return np.asarray(a).reshape(1, 1)


def _paren(arg: tuple[str, int], need: int) -> str:
    tex, prec = arg
    return f"\\left({tex}\\right)" if prec < need else tex


def _wrap(op: str) -> Callable[..., tuple[str, int]]:
    return lambda args, params, scalars: (f"{op}\\left({args[0][0]}\\right)", ATOM)


def _superscript(sup: str) -> Callable[..., tuple[str, int]]:
    return lambda args, params, scalars: (f"{_paren(args[0], ATOM)}^{{{sup}}}", POSTFIX)


def _elementwise(op: str) -> Callable[..., tuple[str, int]]:
    def tex(args, params, scalars):
        name = op if scalars[0] else f"{op}_{{\\circ}}"
        return f"{name}\\left({args[0][0]}\\right)", ATOM

    return tex


# -- shape rules -------------------------------------------------------------------------
def _to_scalar_square(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        return (1, 1)

    return rule


def _same_square(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        return shapes[0]

    return rule


def _same(u, shapes, fresh, params):
    return shapes[0]


def _to_scalar(u, shapes, fresh, params):
    return (1, 1)


def _kron_shape(u, shapes, fresh, params):
    (a, b), (c, d) = shapes
    return (product(a, c), product(b, d))


def _vec_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    return (product(r, c), 1)


def _pinv_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    return (c, r)


def _diag_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    if u.is_one(c):
        return (r, r)
    if u.is_one(r):
        return (c, c)
    _square(u, shapes[0], "diag of a matrix (its diagonal)")
    return (r, 1)


def _mpow_shape(u, shapes, fresh, params):
    _square(u, shapes[0], "mpow")
    if params[0] < 0:
        raise Mismatch("mpow needs a power k >= 0 (use inv for negative powers)")
    return shapes[0]


# -- numpy -------------------------------------------------------------------------------
def _logdet(a: np.ndarray) -> np.ndarray:
    sign, logabs = np.linalg.slogdet(a)
    if np.iscomplexobj(a):
        # log|det| continued analytically: log(det * sign(Re det)), principal branch near +1.
        return _scalar(logabs + np.log(sign * np.sign(sign.real)))
    return _scalar(logabs)


def _pinv(a: np.ndarray) -> np.ndarray:
    # Full-rank formulas instead of np.linalg.pinv (whose SVD conjugates and is not analytic).
    m, n = a.shape
    if m >= n:
        return np.linalg.solve(a.T @ a, a.T)
    return a.T @ np.linalg.inv(a @ a.T)


def _diag(a: np.ndarray) -> np.ndarray:
    m, n = a.shape
    if n == 1 or m == 1:
        return np.diagflat(a)
    return np.diag(a).reshape(-1, 1).copy()


FUNCTIONS: dict[str, Func] = {
    f.name: f
    for f in [
        Func("tr", 1, _to_scalar_square("tr"), lambda a: _scalar(np.trace(a)),
             _wrap("\\operatorname{tr}"), doc="trace"),
        Func("det", 1, _to_scalar_square("det"), lambda a: _scalar(np.linalg.det(a)),
             _wrap("\\det"), doc="determinant"),
        Func("logdet", 1, _to_scalar_square("logdet"), _logdet,
             lambda args, p, s: (f"\\ln\\left|\\det\\left({args[0][0]}\\right)\\right|", ATOM),
             doc="log of the absolute value of the determinant"),
        Func("inv", 1, _same_square("inv"), np.linalg.inv, _superscript("-1"), doc="inverse"),
        Func("pinv", 1, _pinv_shape, _pinv, _superscript("+"),
             doc="Moore-Penrose pseudo-inverse of a full-rank matrix"),
        Func("mpow", 1, _mpow_shape, lambda a, k: np.linalg.matrix_power(a, k),
             lambda args, p, s: (f"{_paren(args[0], ATOM)}^{{{p[0]}}}", POSTFIX),
             nparams=1, doc="matrix power by an integer k >= 0"),
        Func("kron", 2, _kron_shape, np.kron,
             lambda args, p, s: (f"{_paren(args[0], POSTFIX)} \\otimes {_paren(args[1], POSTFIX)}", KRON),
             doc="Kronecker product"),
        Func("vec", 1, _vec_shape, lambda a: a.reshape(-1, 1, order="F"),
             _wrap("\\operatorname{vec}"), doc="column-major vectorisation"),
        Func("diag", 1, _diag_shape, _diag, _wrap("\\operatorname{diag}"),
             doc="vector to diagonal matrix, or square matrix to its diagonal (numpy semantics)"),
        Func("exp", 1, _same, np.exp, _elementwise("\\exp"), doc="elementwise exponential"),
        Func("log", 1, _same, np.log, _elementwise("\\log"), doc="elementwise natural logarithm"),
        Func("sum", 1, _to_scalar, lambda a: _scalar(np.sum(a)),
             _wrap("\\operatorname{sum}"), doc="sum of all entries"),
    ]
}

RESERVED = frozenset(FUNCTIONS) | {"I"}
