"""Directional checks per kind, in the style of JAX's ``check_grads``.

Derivatives are measured along random directions by the complex step
``Im f(X + i h V) / h`` (exact to rounding because every node is implemented as an analytic
continuation) and one direction per instance is cross-checked by central differences with
Richardson extrapolation, which catches an implementation that is not analytic. A gradient
claim ``G`` passes when ``|D_V f - <G, V>| <= atol + rtol * max(||G||_F ||V||_F, |D_V f|)``: the
tolerance is relative, so scaling ``f`` changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import singledispatch

import numpy as np

from matref import sampling
from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS
from matref.expr.to_numpy import Env, _ev, evaluate


@dataclass(frozen=True)
class Tolerance:
    derivative: float  # rtol of a directional derivative against the claim
    equality: float  # rtol of ||lhs - rhs|| against the magnitude of the terms
    cross_check: float  # rtol between complex step and Richardson central differences
    second: float  # rtol of a second directional derivative (Hessians) against the claim
    atol: float = 0.0


TOLERANCES: dict[np.dtype, Tolerance] = {
    np.dtype(np.float64): Tolerance(derivative=1e-8, equality=1e-9, cross_check=1e-5, second=1e-7),
    np.dtype(np.float32): Tolerance(derivative=1e-3, equality=1e-4, cross_check=1e-2, second=1e-2),
}
COMPLEX_STEP = 1e-20
RICHARDSON_STEP = 1e-4
CONTOUR_POINTS = 16
# Contour radius by derivative order, relative to the largest entry of the variable (at least 1):
# small for first derivatives (an eigenvector's sign convention jumps somewhere; a small circle
# rarely reaches the jump), larger for second derivatives, whose rounding grows like eps / r^2.
CONTOUR_RADIUS = {1: 1e-3, 2: 1e-2}
DIRECTIONS = 3


@dataclass(frozen=True)
class Measurement:
    """One comparison: ``error`` against ``tolerance`` (= atol + rtol * scale)."""

    error: float
    tolerance: float
    what: str

    @property
    def ratio(self) -> float:
        if not np.isfinite(self.error):
            return float("inf")
        if self.tolerance == 0:
            return 0.0 if self.error == 0 else float("inf")
        return float(self.error / self.tolerance)

    @property
    def ok(self) -> bool:
        return bool(self.ratio <= 1.0)


def _finite(*arrays) -> bool:
    return all(np.all(np.isfinite(a)) for a in arrays)


def _nonfinite(what: str) -> Measurement:
    return Measurement(np.inf, 0.0, f"{what}: evaluation gave inf or NaN (is an assumption missing?)")


def complex_step(ident, role: str, values: dict, sizes: dict, v: np.ndarray) -> np.ndarray:
    """``d/dt f(X + t V)`` at ``t = 0`` by the complex step."""
    shifted = dict(values)
    shifted[ident.wrt] = values[ident.wrt] + 1j * COMPLEX_STEP * v
    return np.imag(evaluate(ident.typed[role], shifted, sizes)) / COMPLEX_STEP


def contour(ident, role: str, values: dict, sizes: dict, v: np.ndarray, order: int = 1) -> np.ndarray:
    """``d^k/dt^k f(X + t V)`` at ``t = 0`` by Cauchy's integral on a circle of radius r.

    The trapezoid rule on ``N`` points is exact up to aliasing of order ``(r/R)^N`` (R: distance
    to the nearest singularity) and rounding of order ``eps / r^k``: the complex step generalised
    to any order, and robust for implementations (eigen-solvers) whose imaginary parts are not
    accurate to the last bit.
    """
    x = values[ident.wrt]
    r = CONTOUR_RADIUS[order] * max(1.0, float(np.max(np.abs(x))))
    total = 0.0
    for j in range(CONTOUR_POINTS):
        w = np.exp(2j * np.pi * j / CONTOUR_POINTS)
        shifted = dict(values)
        shifted[ident.wrt] = x + (r * w) * v
        total = total + evaluate(ident.typed[role], shifted, sizes) * w ** (-order)
    return np.real(total) * math.factorial(order) / (CONTOUR_POINTS * r ** order)


def contour_noise(ident, values: dict, sizes: dict, order: int) -> float:
    """Rounding floor of :func:`contour`: about eps * |f| / r^k (times a safety factor of 1000).

    A derivative that is exactly zero comes out as this noise, which a purely relative tolerance
    would reject.
    """
    x = values[ident.wrt]
    r = CONTOUR_RADIUS[order] * max(1.0, float(np.max(np.abs(x))))
    f = evaluate(ident.typed[ident.roles[0]], values, sizes)
    return 1e4 * np.finfo(float).eps * float(np.linalg.norm(f)) / r ** order


def richardson_noise(ident, values: dict, sizes: dict) -> float:
    """Rounding floor of :func:`richardson`: about eps * |f| / h (times a safety factor of 1000)."""
    x = values[ident.wrt]
    h = RICHARDSON_STEP * max(1.0, float(np.max(np.abs(x))))
    f = evaluate(ident.typed[ident.roles[0]], values, sizes)
    return 1e3 * np.finfo(float).eps * float(np.linalg.norm(f)) / h


def claim_magnitude(ident, values: dict, sizes: dict) -> float:
    """Norm of the claim's terms (absolute values through sums and products).

    A claim such as diag(s) - s s^T, or 1 - tanh(x)^2 at large |x|, cancels: its rounding error
    is relative to the terms, not to the (tiny) result, so the tolerance must be too.
    """
    claim = ident.roles[1]
    with_dir = dict(values)
    if ident.direction:
        with_dir[ident.direction] = np.ones_like(values[ident.wrt])
    return float(np.linalg.norm(magnitude(ident.typed[claim], with_dir, sizes)[1]))


def derivative(ident, role: str, values: dict, sizes: dict, v: np.ndarray) -> np.ndarray:
    """First directional derivative: complex step where valid, else the contour integral."""
    if ident.complex_step_safe:
        return complex_step(ident, role, values, sizes, v)
    return contour(ident, role, values, sizes, v, 1)


def richardson(ident, role: str, values: dict, sizes: dict, v: np.ndarray) -> np.ndarray:
    """``d/dt f(X + t V)`` by central differences with one Richardson extrapolation."""
    x = values[ident.wrt]
    h = RICHARDSON_STEP * max(1.0, float(np.max(np.abs(x))))

    def central(step):
        plus, minus = dict(values), dict(values)
        plus[ident.wrt] = x + step * v
        minus[ident.wrt] = x - step * v
        typed = ident.typed[role]
        return (evaluate(typed, plus, sizes) - evaluate(typed, minus, sizes)) / (2 * step)

    return (4 * central(h / 2) - central(h)) / 3


def _claimed_derivative(ident, values, sizes, v):
    """What the claim says ``d/dt f(X + t V)`` is, and the scale its tolerance is relative to."""
    claim = ident.roles[1]
    if ident.kind == "gradient":
        g = evaluate(ident.typed[claim], values, sizes)
        return np.sum(g * v).reshape(1, 1), np.linalg.norm(g) * np.linalg.norm(v)
    if ident.kind == "symmetric_partials":
        # Partials with respect to the free entries x_ij, i <= j: df = sum_{i<=j} P_ij dx_ij.
        p = evaluate(ident.typed[claim], values, sizes)
        return np.sum(np.triu(p) * v).reshape(1, 1), np.linalg.norm(p) * np.linalg.norm(v)
    if ident.kind == "jacobian":
        j = evaluate(ident.typed[claim], values, sizes)
        out = j @ v.reshape(-1, 1, order="F")
        return out, np.linalg.norm(j) * np.linalg.norm(v)
    with_dir = dict(values)
    with_dir[ident.direction] = v
    d = evaluate(ident.typed[claim], with_dir, sizes)
    return d, np.linalg.norm(d)


def _observed(ident, derivative: np.ndarray) -> np.ndarray:
    return derivative.reshape(-1, 1, order="F") if ident.kind == "jacobian" else derivative


def check_derivative(ident, values: dict, sizes: dict, rng: np.random.Generator,
                     directions: int = DIRECTIONS, dtype=np.float64) -> list[Measurement]:
    """Compare the claimed derivative of ``ident`` with directional derivatives at ``values``."""
    tol = TOLERANCES[np.dtype(dtype)]
    props = ident.sampling_assumptions(ident.wrt)
    out = _in_space(ident, values, sizes, props, tol)
    floor = 0.0 if ident.complex_step_safe else contour_noise(ident, values, sizes, 1)
    terms = claim_magnitude(ident, values, sizes)
    runs = []
    for k in range(directions):
        v = sampling.direction(rng, values[ident.wrt], props)
        with np.errstate(all="ignore"):
            observed = _observed(ident, derivative(ident, ident.roles[0], values, sizes, v))
            claimed, scale = _claimed_derivative(ident, values, sizes, v)
        runs.append((v, observed, claimed, scale))
    # A differential has no explicit operator to measure; the largest response over the trial's
    # directions estimates ||J|| ||V||, so one direction with a near-zero derivative is not
    # judged against zero.
    operator = max((max(s, np.linalg.norm(o)) for _, o, c, s in runs if _finite(o, c)), default=0.0)
    for k, (v, observed, claimed, scale) in enumerate(runs):
        if not _finite(observed, claimed):
            out.append(_nonfinite(f"direction {k + 1}"))
            continue
        scale = max(scale, np.linalg.norm(observed), operator if ident.kind == "differential" else 0.0,
                    terms * np.linalg.norm(v))
        err = float(np.linalg.norm(observed - claimed))
        out.append(Measurement(err, tol.atol + floor + tol.derivative * scale, f"direction {k + 1}"))
        if k == 0:
            with np.errstate(all="ignore"):
                fd = _observed(ident, richardson(ident, ident.roles[0], values, sizes, v))
            if not _finite(fd):
                out.append(_nonfinite("central-difference cross-check"))
                continue
            gap = float(np.linalg.norm(fd - observed))
            noise = richardson_noise(ident, values, sizes)
            m = Measurement(gap, tol.atol + floor + noise + tol.cross_check * max(scale, np.linalg.norm(fd)),
                            "cross-check of the complex step by central differences")
            if not m.ok:  # only a failed cross-check is reported: it has its own, looser tolerance
                out.append(m)
    return out


def _in_space(ident, values, sizes, props, tol) -> list[Measurement]:
    """A gradient on a structured space must lie in it: on symmetric matrices it is symmetric.

    Directions in the space cannot see the rest of a claim (for symmetric X, ``A`` and
    ``sym(A)`` give the same inner products), so the claim itself is required to be in the space,
    which makes it the unique Frobenius gradient (Srinivasan & Panda). Free-entry partials and
    Hessians must be symmetric.
    """
    claim = ident.roles[1]
    if ident.kind == "gradient" and props & {"symmetric", "diagonal"}:
        g = evaluate(ident.typed[claim], values, sizes)
        what = "symmetric" if "diagonal" not in props else "diagonal"
        gap = float(np.linalg.norm(g - sampling.project(g, props)))
        return [Measurement(gap, tol.atol + tol.derivative * np.linalg.norm(g),
                            f"the claimed gradient is not {what}, as a gradient on {what} matrices must be "
                            "(the Frobenius gradient is the projection sym(G))")]
    if ident.kind in ("symmetric_partials", "hessian"):
        m = evaluate(ident.typed[claim], values, sizes)
        gap = float(np.linalg.norm(m - m.T))
        return [Measurement(gap, tol.atol + tol.derivative * np.linalg.norm(m), f"the claimed {ident.kind} is not symmetric")]
    return []


def check_hessian(ident, values: dict, sizes: dict, rng: np.random.Generator,
                  directions: int = DIRECTIONS, dtype=np.float64) -> list[Measurement]:
    """Second directional derivatives ``d^2/dt^2 f(X + tV)`` against ``vec(V)^T H vec(V)``.

    Quadratic forms along random directions determine the symmetric part of H; H itself must
    be symmetric (checked first), so together they pin down H.
    """
    tol = TOLERANCES[np.dtype(dtype)]
    props = ident.sampling_assumptions(ident.wrt)
    out = _in_space(ident, values, sizes, props, tol)
    h = evaluate(ident.typed[ident.roles[1]], values, sizes)
    floor = contour_noise(ident, values, sizes, 2)
    terms = claim_magnitude(ident, values, sizes)
    for k in range(directions):
        v = sampling.direction(rng, values[ident.wrt], props)
        with np.errstate(all="ignore"):
            observed = contour(ident, "f", values, sizes, v, 2)
        vv = v.reshape(-1, 1, order="F")
        claimed = vv.T @ h @ vv
        if not _finite(observed, claimed):
            out.append(_nonfinite(f"direction {k + 1}"))
            continue
        scale = max(np.linalg.norm(h) * np.linalg.norm(v) ** 2, np.linalg.norm(observed),
                    terms * np.linalg.norm(v) ** 2)
        out.append(Measurement(float(np.linalg.norm(observed - claimed)), tol.atol + floor + tol.second * scale,
                               f"second derivative along direction {k + 1}"))
    return out


def check_equality(ident, values: dict, sizes: dict, rng=None, dtype=np.float64) -> list[Measurement]:
    """Relative Frobenius error of ``lhs - rhs``, relative to the magnitude of the terms.

    The magnitude is the norm of each side evaluated with absolute values through sums and
    products, so that an identity whose sides cancel to (nearly) zero is judged against the
    size of what cancelled, not against zero.
    """
    tol = TOLERANCES[np.dtype(dtype)]
    with np.errstate(all="ignore"):
        lhs, lmag = magnitude(ident.typed["lhs"], values, sizes)
        rhs, rmag = magnitude(ident.typed["rhs"], values, sizes)
    if not _finite(lhs, rhs):
        return [_nonfinite("equality")]
    scale = max(np.linalg.norm(lmag), np.linalg.norm(rmag), np.linalg.norm(lhs), np.linalg.norm(rhs))
    err = float(np.linalg.norm(lhs - rhs))
    return [Measurement(err, tol.atol + tol.equality * scale, "lhs against rhs")]


EVALUATION_ERRORS = (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError, OverflowError,
                     IndexError)


def check(ident, values: dict, sizes: dict, rng: np.random.Generator) -> list[Measurement]:
    """Dispatch on the identity's kind; an evaluation that breaks down is a failed check."""
    try:
        # Non-finite values are reported as failed measurements, so numpy need not warn.
        with np.errstate(all="ignore"):
            if ident.kind == "equality":
                return check_equality(ident, values, sizes, rng)
            if ident.kind == "hessian":
                return check_hessian(ident, values, sizes, rng)
            return check_derivative(ident, values, sizes, rng)
    except EVALUATION_ERRORS as e:
        return [Measurement(np.inf, 0.0, f"evaluation failed: {e} (is an assumption missing?)")]


# -- magnitudes: |a| + |b| through sums, |A| |B| through products -------------------------------
def magnitude(typed, values: dict, sizes: dict) -> tuple[np.ndarray, np.ndarray]:
    """The value of ``typed`` and a bound on the size of the terms that produced it."""
    return _mag(typed.node, Env(values, sizes, typed))


@singledispatch
def _mag(node: N.Node, env: Env):
    value = _ev(node, env)
    return value, np.abs(value)


@_mag.register
def _(n: N.Neg, env: Env):
    v, m = _mag(n.arg, env)
    return -v, m


@_mag.register
def _(n: N.Transpose, env: Env):
    v, m = _mag(n.arg, env)
    return v.T, m.T


def _combine(op, mop):
    def handler(n, env):
        (lv, lm), (rv, rm) = _mag(n.left, env), _mag(n.right, env)
        return op(lv, rv), mop(lm, rm)

    return handler


_mag.register(N.Add)(_combine(np.add, np.add))
_mag.register(N.Sub)(_combine(np.subtract, np.add))
_mag.register(N.Mul)(_combine(np.multiply, np.multiply))
_mag.register(N.MatMul)(_combine(np.matmul, np.matmul))


@_mag.register
def _(n: N.Div, env: Env):
    # Rounding in a / b is relative to |a| / |b|: the terms of the numerator, not its value.
    (lv, lm), (rv, _) = _mag(n.left, env), _mag(n.right, env)
    return lv / rv, lm / np.abs(rv)


@_mag.register
def _(n: N.Pow, env: Env):
    v, m = _mag(n.base, env)
    value = _ev(n, env)
    return value, (m ** n.exponent if n.exponent > 0 else np.abs(value))


@_mag.register
def _(n: N.Call, env: Env):
    if n.func in ("tr", "sum", "kron", "vec", "diag"):
        pairs = [_mag(a, env) for a in n.args]
        f = FUNCTIONS[n.func].numpy
        value = f(*[p[0] for p in pairs], *n.params)
        mag = f(*[p[1] for p in pairs], *n.params)
        if n.func in ("tr", "sum"):
            mag = np.abs(mag)
        return value, mag
    if n.func == "det":
        # Rounding in a determinant scales with Hadamard's bound prod ||row_i||, not with |det|.
        m, mm = _mag(n.args[0], env)
        value = FUNCTIONS["det"].numpy(m)
        bound = np.prod(np.linalg.norm(mm, axis=1))
        return value, np.maximum(np.abs(value), bound).reshape(1, 1)
    value = _ev(n, env)
    return value, np.abs(value)
