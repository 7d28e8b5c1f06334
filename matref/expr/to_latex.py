"""Render a typed expression as LaTeX: one handler per node, parentheses from precedences.

Shapes decide notation: ``*`` is juxtaposition when a side is scalar and ``\\circ`` (Hadamard)
otherwise; ``**`` is ``x^{p}`` on scalars and ``A^{\\circ p}`` on matrices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import singledispatch

from matref.expr import nodes as N
from matref.expr.functions import ADD, ATOM, FUNCTIONS, KRON, MUL, POSTFIX, UNARY  # noqa: F401
from matref.expr.infer import Typed

HADAMARD = MUL - 1

_GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
    "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi",
    "Omega",
}
_NAME_PARTS = re.compile(r"([A-Za-z]+?)_?(\d+)?\Z")


def symbol_latex(name: str) -> str:
    """``alpha`` to ``\\alpha``, ``A1``/``A_1`` to ``A_{1}``, ``dX`` to ``\\mathrm{d}X`` (and ``dx`` to
    ``\\mathrm{d}x``: a d before one letter is a differential)."""
    if len(name) >= 2 and name[0] == "d" and (name[1].isupper() or (len(name) == 2 and name[1].isalpha())):
        return r"\mathrm{d}" + symbol_latex(name[1:])
    m = _NAME_PARTS.match(name)
    if not m:
        base, sub = name.split("_", 1)
        return f"{symbol_latex(base)}_{{\\mathrm{{{sub}}}}}"
    base, sub = m.groups()
    if base == "eps":
        base = "\\varepsilon"  # the usual small constant (not e p s)
    elif base in _GREEK:
        base = "\\" + base
    elif len(base) > 1:
        base = f"\\mathit{{{base}}}"
    return base + (f"_{{{sub}}}" if sub else "")


def number_latex(v: float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        v = int(v)
    return str(v)


@dataclass
class _Ctx:
    typed: Typed
    names: dict[str, str] = field(default_factory=dict)


def to_latex(typed: Typed, names: dict[str, str] | None = None) -> str:
    """LaTeX for a typed expression.

    Examples
    --------
    >>> from matref.expr.infer import Scope
    >>> from matref.expr.parse import parse
    >>> to_latex(Scope().infer(parse("tr(A @ inv(X).T @ B)")))
    '\\\\operatorname{tr}\\\\left(A X^{-\\\\top} B\\\\right)'
    """
    return _tex(typed.node, _Ctx(typed, names or {}))[0]


def to_latex_prec(typed: Typed, names: dict[str, str] | None = None) -> tuple[str, int]:
    """Like :func:`to_latex`, with the precedence of the outermost operation."""
    return _tex(typed.node, _Ctx(typed, names or {}))


def _p(node: N.Node, ctx: _Ctx, need: int, lead_minus: bool = False) -> str:
    tex, prec = _tex(node, ctx)
    if prec < need or (lead_minus and tex.startswith("-")):
        return f"\\left({tex}\\right)"
    return tex


@singledispatch
def _tex(node: N.Node, ctx: _Ctx) -> tuple[str, int]:
    raise TypeError(f"no LaTeX rule for {type(node).__name__}")


@_tex.register
def _(n: N.Symbol, ctx: _Ctx):
    return ctx.names.get(n.name, symbol_latex(n.name)), ATOM


@_tex.register
def _(n: N.Number, ctx: _Ctx):
    return number_latex(n.value), ATOM if n.value >= 0 else UNARY


@_tex.register
def _(n: N.Identity, ctx: _Ctx):
    return "I", ATOM


@_tex.register
def _(n: N.Neg, ctx: _Ctx):
    # -(A B) reads the same as (-A) B, so products need no parentheses after a minus.
    return "-" + _p(n.arg, ctx, MUL, lead_minus=True), UNARY


@_tex.register
def _(n: N.Add, ctx: _Ctx):
    if isinstance(n.right, N.Neg):
        return f"{_p(n.left, ctx, ADD)} - {_p(n.right.arg, ctx, ADD + 1, True)}", ADD
    return f"{_p(n.left, ctx, ADD)} + {_p(n.right, ctx, ADD + 1, True)}", ADD


@_tex.register
def _(n: N.Sub, ctx: _Ctx):
    return f"{_p(n.left, ctx, ADD)} - {_p(n.right, ctx, ADD + 1, True)}", ADD


@_tex.register
def _(n: N.MatMul, ctx: _Ctx):
    left = _p(n.left, ctx, MUL)
    right = _p(n.right, ctx, MUL + (0 if isinstance(n.right, N.MatMul) else 1), True)
    return f"{left} {right}", MUL


@_tex.register
def _(n: N.Mul, ctx: _Ctx):
    ls, rs = ctx.typed.is_scalar(n.left), ctx.typed.is_scalar(n.right)
    if ls or rs:
        need = POSTFIX if ls and not isinstance(n.left, N.Mul) else MUL
        if ls and isinstance(n.left, N.Neg) and _tex(n.left.arg, ctx)[1] >= POSTFIX:
            need = UNARY
        left = _p(n.left, ctx, need)
        right = _p(n.right, ctx, POSTFIX if rs else (MUL if ls else MUL + 1), True)
        sep = " \\cdot " if right[0].isdigit() or (ls and rs and left[-1].isdigit() and right[0].isdigit()) else " "
        return f"{left}{sep}{right}", MUL
    return f"{_elementwise_left(n.left, ctx)} \\circ {_p(n.right, ctx, UNARY, True)}", HADAMARD


def _is_hadamard(node: N.Node, ctx: _Ctx) -> bool:
    return isinstance(node, (N.Mul, N.Div)) and not (ctx.typed.is_scalar(node.left) or ctx.typed.is_scalar(node.right))


def _elementwise_left(node: N.Node, ctx: _Ctx) -> str:
    """The left operand of ``\\circ`` or ``\\oslash``: a chain of elementwise operations reads
    left to right, but a matrix or scalar product (juxtaposition) gets parentheses, since
    juxtaposition and ``\\circ`` have no agreed precedence (``X \\circ A X`` is ambiguous)."""
    return _p(node, ctx, HADAMARD if _is_hadamard(node, ctx) else UNARY)


@_tex.register
def _(n: N.Div, ctx: _Ctx):
    if ctx.typed.is_scalar(n.right):
        return f"\\frac{{{_tex(n.left, ctx)[0]}}}{{{_tex(n.right, ctx)[0]}}}", ATOM
    power = n.right
    if (ctx.typed.is_scalar(n.left) and isinstance(power, N.Pow) and not ctx.typed.is_scalar(power.base)):
        # c / B ** p is c B^{o -p}: no elementwise division of a number by a matrix to misread
        inverse = f"{_p(power.base, ctx, ATOM)}^{{\\circ {number_latex(-power.exponent)}}}"
        if isinstance(n.left, N.Number) and n.left.value == 1:
            return inverse, POSTFIX
        return f"{_p(n.left, ctx, POSTFIX)} {inverse}", MUL
    return f"{_elementwise_left(n.left, ctx)} \\oslash {_p(n.right, ctx, UNARY, True)}", HADAMARD


@_tex.register
def _(n: N.Pow, ctx: _Ctx):
    exp = number_latex(n.exponent)
    if ctx.typed.is_scalar(n.base):
        return f"{_p(n.base, ctx, ATOM)}^{{{exp}}}", POSTFIX
    if n.exponent == 0:
        # B ** 0 is the all-ones array of B's shape: the vector 1, or the matrix 1 1^T
        column = ctx.typed.scope.unifier.is_one(ctx.typed.shape_of(n.base)[1])
        return ("\\mathbf{1}", ATOM) if column else ("\\mathbf{1}\\mathbf{1}^{\\top}", MUL)
    return f"{_p(n.base, ctx, ATOM)}^{{\\circ {exp}}}", POSTFIX


@_tex.register
def _(n: N.Transpose, ctx: _Ctx):
    arg = n.arg
    if isinstance(arg, N.Call) and arg.func == "inv":
        return f"{_p(arg.args[0], ctx, ATOM)}^{{-\\top}}", POSTFIX
    return f"{_p(arg, ctx, ATOM)}^{{\\top}}", POSTFIX


@_tex.register
def _(n: N.Call, ctx: _Ctx):
    spec = FUNCTIONS[n.func]
    args = [_tex(a, ctx) for a in n.args]
    scalars = [ctx.typed.is_scalar(a) for a in n.args]
    return spec.latex(args, n.params, scalars)


@_tex.register
def _(n: N.Series, ctx: _Ctx):
    body, prec = _tex(n.body, ctx)
    body = f"\\left({body}\\right)" if prec <= ADD else body
    return f"\\sum_{{{symbol_latex(n.var)}={n.lo}}}^{{{n.hi}}} {body}", ADD


__all__ = ["to_latex", "symbol_latex", "number_latex", "KRON"]
