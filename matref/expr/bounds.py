"""Evaluate a typed expression in real float64 with a rounding-error bound on every value.

One handler per node; the rules of the functions live in :mod:`matref.expr.rounding`. A point
where a sub-expression is undefined or numerically meaningless raises
:class:`~matref.expr.rounding.OutOfDomain` naming that sub-expression, so callers can draw
another point instead of reporting a false counterexample.

Examples
--------
>>> import numpy as np
>>> from matref.expr.infer import Scope
>>> from matref.expr.parse import parse
>>> t = Scope().infer(parse("(A - A) * 1e200"))
>>> b = bounded(t, {"A": np.ones((2, 2))}, {})
>>> float(b.error.max())  # A - A is exactly zero: no rounding to inflate
0.0
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import numpy as np

from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Typed
from matref.expr.rounding import DOMAIN_RTOL, TINY, U, Bounded, Context, OutOfDomain, frob, gamma
from matref.expr.to_numpy import Env


@dataclass
class _BEnv(Env):
    ctx: Context = Context()
    smallest: float = np.inf  # smallest nonzero magnitude met, for the derivative oracles' step


def bounded(typed: Typed, values: dict, sizes: dict, smooth: bool = False, radius: float = 1e-3,
            stats: dict | None = None) -> Bounded:
    """Value and error bound of ``typed`` at real ``values``; raises OutOfDomain.

    ``smooth``: the expression will be differentiated, so it must be differentiable at the point.
    ``stats``, if given, receives ``smallest``: the smallest nonzero magnitude of any value.
    """
    env = _BEnv(values, sizes, typed, Context(smooth=smooth, radius=radius))
    with np.errstate(all="ignore"):
        out = _b(typed.node, env)
    if stats is not None:
        stats["smallest"] = env.smallest
    return out


def _text(node: N.Node, env: _BEnv) -> str:
    return env.typed.text(node)


def _finite(node, env, b: Bounded) -> Bounded:
    if not np.all(np.isfinite(b.value)):
        raise _at(node, env, OutOfDomain("is not finite (overflow or an undefined operation)",
                                         "moderate arguments (scale the inputs down)"))
    nz = np.abs(b.value[b.value != 0])
    if nz.size:
        small = float(nz.min())
        if small < TINY:
            raise _at(node, env, OutOfDomain("underflows float64 (a value below 1e-308 keeps fewer digits)"))
        env.smallest = min(env.smallest, small)
    if not np.all(np.isfinite(b.error)):
        raise _at(node, env, OutOfDomain("its rounding error cannot be bounded (overflow)"))
    return b


def _at(node, env, exc: OutOfDomain) -> OutOfDomain:
    if not exc.where:
        exc.where = _text(node, env)
        exc.node = node
    return exc


def spectral(a: np.ndarray) -> float:
    """The spectral norm (an SVD) for moderate sizes; the Frobenius norm, an upper bound, beyond."""
    if a.size <= 1 or min(a.shape) == 1:
        return frob(a)
    if max(a.shape) > 128:
        return frob(a)
    return float(np.linalg.norm(a, 2))


@singledispatch
def _b(node: N.Node, env: _BEnv) -> Bounded:
    raise TypeError(f"no rounding rule for {type(node).__name__}")


@_b.register
def _(n: N.Symbol, env: _BEnv):
    v = np.asarray(env.values[n.name])
    return _finite(n, env, Bounded(v, np.zeros(v.shape)))  # inputs are exact


@_b.register
def _(n: N.Number, env: _BEnv):
    exact = float(n.value).is_integer()
    return Bounded(np.array([[float(n.value)]]), np.array([[0.0 if exact else U * abs(n.value)]]))


@_b.register
def _(n: N.Identity, env: _BEnv):
    k = env.size(env.typed.shape_of(n)[0])
    return Bounded(np.eye(k), np.zeros((k, k)))


@_b.register
def _(n: N.Neg, env: _BEnv):
    a = _b(n.arg, env)
    return Bounded(-a.value, a.error)


@_b.register
def _(n: N.Transpose, env: _BEnv):
    a = _b(n.arg, env)
    return Bounded(a.value.T, a.error if a.normwise else a.error.T)


def _sum(n, env, sign):
    a, b = _b(n.left, env), _b(n.right, env)
    v = a.value + sign * b.value
    if a.normwise or b.normwise:
        # A scalar side broadcasts: its error reaches every entry.
        fa = a.fro * (np.sqrt(v.size) if a.value.size == 1 else 1.0)
        fb = b.fro * (np.sqrt(v.size) if b.value.size == 1 else 1.0)
        return _finite(n, env, Bounded(v, fa + fb + U * frob(v)))
    return _finite(n, env, Bounded(v, a.error + b.error + U * np.abs(v)))


_b.register(N.Add)(lambda n, env: _sum(n, env, 1.0))
_b.register(N.Sub)(lambda n, env: _sum(n, env, -1.0))


def _underflow(node, env, magnitude: np.ndarray):
    """A product whose exact magnitude is below the normal range lost digits (or became 0)."""
    m = np.asarray(magnitude)
    if np.any((m > 0) & (m < TINY)):
        raise _at(node, env, OutOfDomain("underflows float64 (a product below 1e-308)"))


@_b.register
def _(n: N.Mul, env: _BEnv):
    a, b = _b(n.left, env), _b(n.right, env)
    v = a.value * b.value
    _underflow(n, env, a.abs * b.abs)
    if (a.normwise or b.normwise) and (a.value.size == 1 or b.value.size == 1):
        # A scalar times a matrix: ||s E_M + e_s M|| <= |s| ||E_M|| + |e_s| ||M||.
        e = frob(a.value) * b.fro + a.fro * frob(b.value) + a.fro * b.fro + U * frob(v)
        return _finite(n, env, Bounded(v, e))
    ea, eb = a.elementwise, b.elementwise
    e = a.abs * eb + ea * b.abs + ea * eb + U * np.abs(v)
    return _finite(n, env, Bounded(v, e))


@_b.register
def _(n: N.Div, env: _BEnv):
    a, b = _b(n.left, env), _b(n.right, env)
    den = b.abs
    eb = b.elementwise
    if np.any(den == 0) or np.any(eb > DOMAIN_RTOL * den):
        raise _at(n, env, OutOfDomain("divides by a number that is zero or not known accurately",
                                      "a denominator bounded away from zero"))
    v = a.value / b.value
    _underflow(n, env, a.abs / den)
    if a.normwise and b.value.size == 1:  # a matrix divided by a scalar
        e = (a.fro + frob(v) * float(eb.reshape(-1)[0])) / float(den.reshape(-1)[0]) * (1 + 2 * DOMAIN_RTOL)
        return _finite(n, env, Bounded(v, e + U * frob(v)))
    e = (a.elementwise + np.abs(v) * eb) / den * (1 + 2 * DOMAIN_RTOL) + U * np.abs(v)
    return _finite(n, env, Bounded(v, e))


@_b.register
def _(n: N.MatMul, env: _BEnv):
    a, b = _b(n.left, env), _b(n.right, env)
    k = a.value.shape[1]
    v = a.value @ b.value
    mag = a.abs @ b.abs
    _underflow(n, env, mag)
    if a.normwise or b.normwise:
        # ||A E_B + E_A B + E_A E_B||_F <= ||A||_2 ||E_B||_F + ||E_A||_F ||B||_2 + ||E_A||_F ||E_B||_F.
        e = spectral(a.value) * b.fro + a.fro * spectral(b.value) + a.fro * b.fro + gamma(k) * frob(mag)
        return _finite(n, env, Bounded(v, e))
    e = a.abs @ b.error + a.error @ b.abs + a.error @ b.error + gamma(k) * mag
    return _finite(n, env, Bounded(v, e))


@_b.register
def _(n: N.Pow, env: _BEnv):
    a = _b(n.base, env)
    p = float(n.exponent)
    x, ex = a.value, a.elementwise
    if p == 0:
        v = np.ones_like(x)
        return Bounded(v, np.zeros_like(v))  # x ** 0 is exactly 1
    integer = p.is_integer()
    if not integer and np.any(x <= 0):
        raise _at(n, env, OutOfDomain(f"a power by {n.exponent:g} needs positive entries", "positive entries"))
    if p < 0 and np.any(x == 0):
        raise _at(n, env, OutOfDomain("a negative power of zero"))
    if (p < 0 or not integer) and np.any(ex > DOMAIN_RTOL * np.abs(x)):
        raise _at(n, env, OutOfDomain("the base of the power is not known accurately (cancellation)",
                                      "moderate arguments"))
    with np.errstate(all="ignore"):
        v = x ** p if integer and p > 0 else np.abs(x) ** p * (np.sign(x) ** p if integer else 1.0)
    _underflow(n, env, np.abs(v))
    with np.errstate(all="ignore"):
        slope = np.abs(p) * np.abs(x) ** (p - 1)
    e = slope * ex * (1 + 2 * DOMAIN_RTOL * abs(p)) + gamma(abs(p) + 2) * np.abs(v)
    return _finite(n, env, Bounded(v, e))


@_b.register
def _(n: N.Call, env: _BEnv):
    args = [_b(a, env) for a in n.args]
    spec = FUNCTIONS[n.func]
    try:
        out = spec.bound(args, n.params, env.ctx)
    except OutOfDomain as exc:
        raise _at(n, env, exc) from None
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise _at(n, env, OutOfDomain(f"cannot be evaluated ({exc})")) from None
    return _finite(n, env, out)


# -- Monte Carlo arithmetic: a realistic estimate of rounding -------------------------------------------
def perturbed_spread(typed: Typed, values: dict, sizes: dict, rng, runs: int = 3) -> float:
    """How far random rounding-sized perturbations move the value of ``typed`` (Frobenius norm).

    Every node's arguments and result are multiplied by ``1 + e u`` with ``u`` uniform in
    [-1, 1] and ``e`` the unit roundoff times the number of terms the node sums (Monte Carlo
    arithmetic, Parker 1997). The worst-case bounds of :func:`bounded` multiply the norms of every
    factor of a product and can be pessimistic by many orders of magnitude; this estimate sees the
    actual alignment and cancellation. It decides only whether an agreement within the tolerance
    is trustworthy; refuting a claim still needs the worst-case bound.
    """
    from matref.expr.to_numpy import evaluate

    with np.errstate(all="ignore"):
        exact = evaluate(typed, values, sizes)
        spread = 0.0
        for _ in range(runs):
            env = _PEnv(values, sizes, typed, rng=rng)
            spread = max(spread, frob(_p(typed.node, env) - exact))
    return 4.0 * spread


@dataclass
class _PEnv(Env):
    rng: object = None

    def jitter(self, a, terms: float = 1.0):
        a = np.asarray(a)
        if not np.issubdtype(a.dtype, np.floating):
            a = a.astype(float)
        return a * (1.0 + U * max(1.0, terms) * self.rng.uniform(-1.0, 1.0, size=a.shape))


@singledispatch
def _p(node: N.Node, env: _PEnv):
    from matref.expr.to_numpy import _ev

    return env.jitter(_ev(node, env))


@_p.register
def _(n: N.Symbol, env: _PEnv):
    return env.values[n.name]  # inputs are exact


@_p.register
def _(n: N.Identity, env: _PEnv):
    return np.eye(env.size(env.typed.shape_of(n)[0]))


_p.register(N.Neg)(lambda n, env: -_p(n.arg, env))
_p.register(N.Transpose)(lambda n, env: _p(n.arg, env).T)
_p.register(N.Add)(lambda n, env: env.jitter(_p(n.left, env) + _p(n.right, env)))
_p.register(N.Sub)(lambda n, env: env.jitter(_p(n.left, env) - _p(n.right, env)))
_p.register(N.Mul)(lambda n, env: env.jitter(_p(n.left, env) * _p(n.right, env)))
_p.register(N.Div)(lambda n, env: env.jitter(_p(n.left, env) / _p(n.right, env)))


@_p.register
def _(n: N.MatMul, env: _PEnv):
    a, b = _p(n.left, env), _p(n.right, env)
    return env.jitter(a @ b, np.sqrt(a.shape[1]))


@_p.register
def _(n: N.Pow, env: _PEnv):
    from matref.expr.to_numpy import power

    return env.jitter(power(_p(n.base, env), n.exponent), 2.0)


@_p.register
def _(n: N.Call, env: _PEnv):
    args = [_p(a, env) for a in n.args]
    spec = FUNCTIONS[n.func]
    # Backward-stable matrix routines act like a relative perturbation of their input.
    if n.func in ("inv", "det", "logdet", "pinv", "eigval", "eigvec", "mpow"):
        args = [env.jitter(a, np.sqrt(max(a.shape))) for a in args]
        if n.func in ("eigval", "eigvec"):
            args = [(a + a.T) / 2 for a in args]  # the solver sees a symmetric matrix
    terms = np.sqrt(args[0].size) if n.func in ("tr", "sum", "norm", "logsumexp", "softmax") and args else 1.0
    return env.jitter(spec.numpy(*args, *n.params), terms)
