"""Print a node tree back in matref's own syntax (used by ``str(node)`` and mutation reports)."""

from __future__ import annotations

from functools import singledispatch

from matref.expr import nodes as N

# Python precedences, so that the printed text parses back to the same tree.
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5


def to_source(node: N.Node) -> str:
    return _src(node)[0]


def _p(node: N.Node, need: int) -> str:
    text, prec = _src(node)
    return f"({text})" if prec < need else text


def _num(v) -> str:
    return repr(v) if not (isinstance(v, float) and v.is_integer() and abs(v) < 1e15) else repr(v)


@singledispatch
def _src(node: N.Node) -> tuple[str, int]:
    raise TypeError(type(node))


@_src.register
def _(n: N.Symbol):
    return n.name, _ATOM


@_src.register
def _(n: N.Identity):
    return "I", _ATOM


@_src.register
def _(n: N.Number):
    return (_num(n.value), _ATOM) if n.value >= 0 else (_num(n.value), _UNARY)


@_src.register
def _(n: N.Neg):
    return "-" + _p(n.arg, _UNARY), _UNARY


def _binary(op: str, prec: int):
    def handler(n):
        return f"{_p(n.left, prec)} {op} {_p(n.right, prec + 1)}", prec

    return handler


for _cls, _op, _prec in [(N.Add, "+", _ADD), (N.Sub, "-", _ADD), (N.Mul, "*", _MUL),
                         (N.Div, "/", _MUL), (N.MatMul, "@", _MUL)]:
    _src.register(_cls)(_binary(_op, _prec))


@_src.register
def _(n: N.Pow):
    exp = _num(n.exponent)
    return f"{_p(n.base, _POW + 1)} ** {exp if n.exponent >= 0 else '(' + exp + ')'}", _POW


@_src.register
def _(n: N.Transpose):
    if isinstance(n.arg, N.Number):  # "2.T" would read as the float "2." then a name
        return f"({_num(n.arg.value)}).T", _ATOM
    return _p(n.arg, _ATOM) + ".T", _ATOM


@_src.register
def _(n: N.Series):
    return f"series({n.var}, {n.lo}, {n.hi}, {to_source(n.body)})", _ATOM


@_src.register
def _(n: N.Call):
    # norm(x, 2) (read from numpy) prints as norm(x): the same value, in matref's own spelling
    args = [to_source(a) for a in n.args] + ([] if n.func == "norm" else [str(p) for p in n.params])
    return f"{n.func}({', '.join(args)})", _ATOM
