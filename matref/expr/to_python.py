"""Print a typed expression as numpy source: the body of the functions that ``matref show --format
numpy`` writes (one handler per node).

The language computes with 2-D arrays (a vector is a column, a number is 1x1); printed code reads
better with plain numbers, so each printed piece carries its *form*: ``"number"`` (a Python or
numpy scalar: ``np.trace(X)``, ``2``, a 1x1 symbol) or ``"array"`` (2-D). Numbers broadcast
against arrays exactly as 1x1 arrays do; where an operator needs a 2-D operand (``@``, ``np.kron``,
``np.block``, ...) a number is reshaped to 1x1.

Examples
--------
>>> from matref.expr.infer import Scope
>>> from matref.expr.parse import parse
>>> printed = to_python(Scope().infer(parse("tr(A @ inv(X)) * x.T @ x")))
>>> printed.text, printed.form
('np.trace(A @ np.linalg.inv(X)) * x.T @ x', 'array')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import singledispatch

from matref.expr import nodes as N
from matref.expr.dims import Expr, Prod, Var
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Typed

# Python precedences, so that the printed text parses to the same computation.
_ADD, _MUL, _UNARY, _POW, _ATOM = 1, 2, 3, 4, 5
NUMBER, ARRAY = "number", "array"


@dataclass(frozen=True)
class Printed:
    text: str
    form: str  # NUMBER or ARRAY
    prec: int = _ATOM


class Unprintable(ValueError):
    """An expression with a size that the printed function cannot read from its arguments."""


@dataclass
class _Context:
    typed: Typed
    sizes: dict  # Var -> source text of its value (e.g. "X.shape[0]")
    numbers: frozenset  # symbols passed as plain numbers (1x1 symbols, integer parameters)


def to_python(typed: Typed, sizes: dict | None = None, numbers=frozenset()) -> Printed:
    """The numpy source of ``typed``; ``sizes`` maps size variables to source text (needed by
    ``I``), ``numbers`` names the symbols that are plain numbers rather than 2-D arrays."""
    return _py(typed.node, _Context(typed, sizes or {}, frozenset(numbers)))


def _paren(p: Printed, need: int) -> str:
    return f"({p.text})" if p.prec < need else p.text


def _as_array(p: Printed) -> Printed:
    """A 2-D operand: a number becomes a 1x1 array."""
    return p if p.form == ARRAY else Printed(f"np.reshape({p.text}, (1, 1))", ARRAY)


def dim_source(d, ctx_sizes: dict) -> str:
    """Source text of a size: a variable by the argument it is read from, products and sums."""
    if isinstance(d, int):
        return str(d)
    if isinstance(d, Var):
        if d not in ctx_sizes:
            raise Unprintable(f"the size {d.name} cannot be read from the arguments")
        return ctx_sizes[d]
    if isinstance(d, Prod):
        return " * ".join(dim_source(f, ctx_sizes) for f in d.factors)
    if isinstance(d, Expr) and d.op == "+":
        return "(" + " + ".join(dim_source(a, ctx_sizes) for a in d.args) + ")"
    n = dim_source(d.args[0], ctx_sizes)
    return f"({n} * ({n} + 1) // 2)"


@singledispatch
def _py(node: N.Node, ctx: _Context) -> Printed:
    raise TypeError(f"no numpy source for {type(node).__name__}")


@_py.register
def _(n: N.Symbol, ctx: _Context):
    return Printed(n.name, NUMBER if n.name in ctx.numbers else ARRAY)


@_py.register
def _(n: N.Number, ctx: _Context):
    v = n.value
    text = repr(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)
    return Printed(text, NUMBER, _ATOM if v >= 0 else _UNARY)


@_py.register
def _(n: N.Identity, ctx: _Context):
    u = ctx.typed.scope.unifier
    return Printed(f"np.eye({dim_source(u.resolve(ctx.typed.shape_of(n)[0]), ctx.sizes)})", ARRAY)


@_py.register
def _(n: N.Neg, ctx: _Context):
    arg = _py(n.arg, ctx)
    return Printed("-" + _paren(arg, _UNARY), arg.form, _UNARY)


def _binary(op: str, prec: int, arrays: bool = False):
    def handler(n, ctx):
        left, right = _py(n.left, ctx), _py(n.right, ctx)
        if arrays:  # @ needs 2-D operands
            left, right = _as_array(left), _as_array(right)
        form = ARRAY if ARRAY in (left.form, right.form) else NUMBER
        return Printed(f"{_paren(left, prec)} {op} {_paren(right, prec + 1)}", form, prec)

    return handler


for _cls, _op, _prec in [(N.Add, "+", _ADD), (N.Sub, "-", _ADD), (N.Mul, "*", _MUL), (N.Div, "/", _MUL)]:
    _py.register(_cls)(_binary(_op, _prec))
_py.register(N.MatMul)(_binary("@", _MUL, arrays=True))


@_py.register
def _(n: N.Pow, ctx: _Context):
    base = _py(n.base, ctx)
    e = n.exponent
    text = repr(int(e)) if float(e).is_integer() else repr(e)
    if e < 0:
        text = f"({text})"
    if base.form == ARRAY and float(e).is_integer() and e < 0:
        # numpy refuses an integer array to a negative integer power; the language means 1 / x ** k
        return Printed(f"1 / {_paren(base, _POW + 1)} ** {text[2:-1]}", ARRAY, _MUL)
    return Printed(f"{_paren(base, _POW + 1)} ** {text}", base.form, _POW)


@_py.register
def _(n: N.Transpose, ctx: _Context):
    arg = _py(n.arg, ctx)
    if arg.form == NUMBER:  # a number is its own transpose
        return arg
    return Printed(_paren(arg, _ATOM) + ".T", ARRAY)


@_py.register
def _(n: N.Series, ctx: _Context):
    body = _py(n.body, _Context(ctx.typed, ctx.sizes, ctx.numbers | {n.var}))
    return Printed(f"sum({body.text} for {n.var} in range({n.lo}, {n.hi} + 1))", body.form)


_SLOT = re.compile(r"\{(t?)(\d)\}|\{p(\d)\}")


@_py.register
def _(n: N.Call, ctx: _Context):
    spec = FUNCTIONS[n.func]
    if not spec.python:
        raise Unprintable(f"no numpy source for {n.func}")
    args = [_py(a, ctx) for a in n.args]
    if spec.python_form != "elementwise":
        args = [_as_array(a) for a in args]

    def fill(m: re.Match) -> str:
        if m.group(3) is not None:
            return str(n.params[int(m.group(3))])
        arg = args[int(m.group(2))]
        return _paren(arg, _ATOM) if m.group(1) else arg.text

    form = {"scalar": NUMBER, "elementwise": args[0].form if args else ARRAY}.get(spec.python_form, ARRAY)
    return Printed(_SLOT.sub(fill, spec.python), form)
