"""Evaluate a typed expression with numpy: one handler per node.

Values are 2-D arrays (a scalar is 1x1); complex inputs are allowed so that the complex-step
derivative works through every node.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import numpy as np

from matref.expr.errors import ShapeError
from matref.expr import nodes as N
from matref.expr.dims import Var
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Scope, Typed


def as_matrix(value, name: str = "value") -> np.ndarray:
    """Coerce a user value to a 2-D array: scalars to 1x1, 1-D arrays to columns."""
    a = np.asarray(value)
    if np.issubdtype(a.dtype, np.integer):
        a = a.astype(float)  # integer arithmetic would overflow silently (3 ** 40)
    if a.dtype == object or a.dtype == bool or not (np.issubdtype(a.dtype, np.number)):
        raise ShapeError(f"{name}: expected numbers, got an array of {a.dtype}")
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        return a.reshape(-1, 1)
    if a.ndim == 2:
        return a
    raise ShapeError(f"{name}: expected at most 2 dimensions, got shape {a.shape}")


def bind_sizes(scope: Scope, values: dict[str, np.ndarray], names) -> dict[Var, int]:
    """Read the concrete size of every dimension from the arrays given for ``names``."""
    u = scope.unifier
    sizes: dict[Var, int] = {}
    products = []
    for name in names:
        shape = scope.shape_of_symbol(name)
        if name not in values:
            raise ShapeError(f"no value given for symbol {name}")
        actual = values[name].shape
        for axis, (d, n) in enumerate(zip(shape, actual)):
            d = u.resolve(d)
            label = f"{name} has shape {actual[0]}x{actual[1]}"
            if isinstance(d, int):
                if d != n:
                    raise ShapeError(f"{label}, but {'rows' if axis == 0 else 'columns'} must be {d}")
            elif isinstance(d, Var):
                if sizes.setdefault(d, n) != n:
                    raise ShapeError(f"{label}, but {d.name} is {sizes[d]} from another symbol")
            else:
                products.append((d, n, label))
    for d, n, label in products:
        try:
            want = u.value(d, sizes)
        except KeyError as e:
            raise ShapeError(f"{label}: size {e} cannot be read from the inputs") from None
        if want != n:
            raise ShapeError(f"{label}, but the other inputs make that size {want}")
    for a, b, where in u.deferred:
        try:
            va, vb = u.value(a, sizes), u.value(b, sizes)
        except KeyError:
            continue  # involves a size no input fixes (an I's); evaluation reports it if used
        if va != vb:
            raise ShapeError(f"sizes {va} and {vb} must be equal")
    return sizes


@dataclass
class Env:
    values: dict[str, np.ndarray]
    sizes: dict[Var, int]
    typed: Typed

    def size(self, d) -> int:
        try:
            return self.typed.scope.unifier.value(d, self.sizes)
        except KeyError as e:
            raise ShapeError(f"the size {e} of I cannot be inferred from the inputs", self.typed.source) from None


def evaluate(typed: Typed, values: dict[str, np.ndarray], sizes: dict[Var, int]) -> np.ndarray:
    """Evaluate ``typed`` at 2-D array ``values`` with concrete ``sizes`` (from bind_sizes)."""
    return _ev(typed.node, Env(values, sizes, typed))


@singledispatch
def _ev(node: N.Node, env: Env) -> np.ndarray:
    raise TypeError(f"no numpy rule for {type(node).__name__}")


@_ev.register
def _(n: N.Symbol, env: Env):
    return env.values[n.name]


@_ev.register
def _(n: N.Number, env: Env):
    return np.array([[n.value]], dtype=float)


@_ev.register
def _(n: N.Identity, env: Env):
    return np.eye(env.size(env.typed.shape_of(n)[0]))


@_ev.register
def _(n: N.Neg, env: Env):
    return -_ev(n.arg, env)


_ev.register(N.Add)(lambda n, env: _ev(n.left, env) + _ev(n.right, env))
_ev.register(N.Sub)(lambda n, env: _ev(n.left, env) - _ev(n.right, env))
_ev.register(N.Mul)(lambda n, env: _ev(n.left, env) * _ev(n.right, env))
_ev.register(N.Div)(lambda n, env: _ev(n.left, env) / _ev(n.right, env))
_ev.register(N.MatMul)(lambda n, env: _ev(n.left, env) @ _ev(n.right, env))
_ev.register(N.Transpose)(lambda n, env: _ev(n.arg, env).T)


def power(base: np.ndarray, exponent) -> np.ndarray:
    """Elementwise ``base ** exponent`` (a negative integer power as a reciprocal, exactly as the
    real function continues analytically)."""
    p = exponent
    if isinstance(p, float) and p.is_integer():
        p = int(p)
    if isinstance(p, int) and p < 0:
        return 1.0 / base ** (-p)
    return base ** p


@_ev.register
def _(n: N.Pow, env: Env):
    return power(_ev(n.base, env), n.exponent)


@_ev.register
def _(n: N.Call, env: Env):
    args = [_ev(a, env) for a in n.args]
    return FUNCTIONS[n.func].numpy(*args, *n.params)


def numpy_function(typed: Typed, accept=()):
    """A numpy callable for ``typed``: keyword arrays in, array (or float for 1x1) out.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.expr.infer import Scope
    >>> from matref.expr.parse import parse
    >>> f = numpy_function(Scope().infer(parse("x.T @ A @ x")))
    >>> f(x=np.array([1.0, 2.0]), A=np.eye(2))
    5.0
    """
    from matref.expr.nodes import symbols

    names = symbols(typed.node)
    allowed = set(names) | set(accept)

    def call(**values):
        unknown = set(values) - allowed
        if unknown:
            raise ShapeError(f"unexpected argument(s) {sorted(unknown)}; the expression uses {names}")
        arrays = {k: as_matrix(v, k) for k, v in values.items()}
        # Bind sizes from every argument given: the claim "I" takes its size from X.
        sizes = bind_sizes(typed.scope, arrays, names + [k for k in arrays if k not in names])
        out = evaluate(typed, arrays, sizes)
        if out.shape == (1, 1):
            return out[0, 0].item()
        return out

    call.__name__ = "matref_expr"
    call.__doc__ = f"Evaluate {typed.source!r} with numpy; arguments: {', '.join(names)}."
    return call
