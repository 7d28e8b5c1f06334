"""Values with rounding-error bounds, and the domain each operation needs.

:mod:`matref.expr.bounds` evaluates an expression in real float64 and carries, beside every
value, a bound on its absolute error (first-order running error analysis: inputs are exact, each
operation adds its own rounding and propagates the errors of its arguments). The bounds serve two
purposes, and neither of them can make a wrong claim pass:

* they decide whether a sample point is *inside the domain* of the expression in a numerical
  sense: ``log`` of a positive number known to many digits, ``inv`` of a matrix whose inverse is
  determined by its entries, a value that did not overflow or underflow. A point outside is not
  a counterexample; the verifier draws another;
* when a claim and the numerical derivative disagree by more than the tolerance, they decide
  whether the disagreement could be rounding (then the verdict is "undecided") or not ("fails").

This module holds one rule per function of the language; :mod:`matref.expr.functions` attaches
each to its :class:`~matref.expr.functions.Func` record. It depends on numpy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

U = 2.0 ** -53
"""Unit roundoff of float64."""
TINY = np.finfo(float).tiny
"""Smallest normal float64: below it a number keeps fewer than 53 bits."""
DOMAIN_RTOL = 1e-7
"""A sensitive argument (of log, sqrt, a divisor, a matrix to invert) must be known to this
relative accuracy, else the point is numerically outside the domain."""
LU_GROWTH = 4.0
"""Safety factor on the backward error of LU-based solvers (pivot growth)."""


class OutOfDomain(Exception):
    """A sample point where an expression is undefined or numerically meaningless.

    ``reason`` says what failed, ``hint`` (optional) how to state the domain as an assumption.
    The evaluator fills in ``where``, the text of the sub-expression.
    """

    def __init__(self, reason: str, hint: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint
        self.where = ""
        self.node = None  # the sub-expression (a matref node), set by the evaluator

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}" if self.where else self.reason


@dataclass
class Bounded:
    """A real value and a bound on its absolute error.

    The bound is either *elementwise* (an array of the value's shape) or *norm-wise* (a float:
    a bound on the Frobenius norm of the error matrix). Matrix functions (inverse, determinant,
    eigen-solvers) produce norm-wise bounds: spreading a norm over every entry would inflate it by
    the matrix size at every level of an expression.
    """

    value: np.ndarray
    error: "np.ndarray | float"

    @property
    def abs(self) -> np.ndarray:
        return np.abs(self.value)

    @property
    def normwise(self) -> bool:
        return np.ndim(self.error) == 0

    @property
    def fro(self) -> float:
        """Frobenius norm of the error bound."""
        return float(self.error) if self.normwise else frob(self.error)

    @property
    def elementwise(self) -> np.ndarray:
        """An elementwise bound (a norm-wise one bounds every entry)."""
        return np.full(self.value.shape, float(self.error)) if self.normwise else self.error


@dataclass(frozen=True)
class Context:
    """How the rules judge a point.

    ``smooth``: the expression is differentiated (it is f), so it must be differentiable there,
    not only defined: simple eigenvalues, a nonzero norm, a positive sqrt argument.
    ``radius``: the relative size of the complex perturbation the derivative oracles apply,
    which must stay inside the region where the expression is analytic.
    ``symbols``: text of each argument node (for hints naming a symbol); filled by the evaluator.
    """

    smooth: bool = False
    radius: float = 1e-3


def gamma(k: int | float) -> float:
    """Bound on the relative rounding of a sum or dot product of k terms (Higham's gamma_k)."""
    k = max(float(k), 1.0)
    return k * U / max(1.0 - k * U, 0.5)


def frob(a) -> float:
    """Frobenius norm that neither overflows nor underflows (scaled by the largest entry)."""
    a = np.asarray(a)
    if a.size == 0:
        return 0.0
    if a.size == 1 and a.dtype.kind in "fiu":
        return abs(float(a.reshape(-1)[0]))  # a scalar (most comparisons of a gradient)
    if a.dtype.kind == "f":
        # One dot product when the sum of squares is safely inside the range (the common case);
        # the scaled computation otherwise.
        flat = a.reshape(-1)
        s = float(np.dot(flat, flat))
        if 1e-280 < s < 1e280:
            return math.sqrt(s)
        if s == 0.0 and not flat.any():
            return 0.0
    m = float(np.max(np.abs(a)))
    if m == 0.0 or not math.isfinite(m):
        return m
    return m * float(np.linalg.norm(a / m))


def _relative(b: Bounded) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b.value != 0, b.elementwise / np.abs(b.value), np.inf)


def _singular_values(m: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.svd(m, compute_uv=False)
    except np.linalg.LinAlgError:
        raise OutOfDomain("its singular values could not be computed") from None


def _perturbation(a: Bounded, solver: bool = True) -> float:
    """Frobenius size of the perturbation an LU/SVD-based routine effectively applies to a matrix:
    the argument's own error plus the routine's backward error."""
    n = max(a.value.shape)
    return a.fro + (LU_GROWTH * gamma(n) * frob(a.value) if solver else 0.0)


def _invertible(a: Bounded, what: str, hint: str) -> tuple[np.ndarray, float]:
    """Singular values of a square argument, after checking its inverse is well determined."""
    s = _singular_values(a.value)
    smin = float(s[-1]) if s.size else 0.0
    if smin == 0.0 or _perturbation(a) / smin > DOMAIN_RTOL:
        cond = (s[0] / smin) if smin > 0 else math.inf
        raise OutOfDomain(f"{what} of a matrix that is singular or too ill-conditioned to invert "
                          f"(condition number {cond:.1e})", hint)
    return s, smin


# -- rules: each takes the Bounded arguments, the integer parameters and the context ----------------
def rule_tr(args, params, ctx) -> Bounded:
    (a,) = args
    d = np.diag(a.value)
    v = np.array([[np.sum(d)]])
    prop = math.sqrt(d.size) * a.fro if a.normwise else np.sum(np.diag(a.error))
    return Bounded(v, np.array([[prop + gamma(d.size) * np.sum(np.abs(d))]]))


def rule_sum(args, params, ctx) -> Bounded:
    (a,) = args
    v = np.array([[np.sum(a.value)]])
    prop = math.sqrt(a.value.size) * a.fro if a.normwise else np.sum(a.error)
    return Bounded(v, np.array([[prop + gamma(a.value.size) * np.sum(a.abs)]]))


def rule_det(args, params, ctx) -> Bounded:
    (a,) = args
    n = a.value.shape[0]
    value = np.array([[np.linalg.det(a.value)]])
    s = _singular_values(a.value)
    # |d det| <= ||adj(M)||_2 ||dM||_* ; ||adj(M)||_2 is the product of all but the smallest
    # singular value, computed in logs so that it neither overflows early nor needs M^-1.
    with np.errstate(divide="ignore"):
        log_adj = float(np.sum(np.log(s[:-1]))) if n > 1 else 0.0
    adj = math.exp(log_adj) if log_adj < 709 else math.inf
    e = adj * math.sqrt(n) * _perturbation(a) + gamma(n) * abs(value[0, 0])
    if not math.isfinite(e) or not np.isfinite(value).all():
        raise OutOfDomain("the determinant overflows float64")
    return Bounded(value, np.array([[e]]))


def rule_logdet(args, params, ctx) -> Bounded:
    (a,) = args
    s, smin = _invertible(a, "logdet", "")
    sign, logabs = np.linalg.slogdet(a.value)
    # d log|det M| = tr(M^-1 dM): |.| <= ||M^-1||_2 ||dM||_*.
    e = math.sqrt(a.value.shape[0]) * _perturbation(a) / smin + gamma(a.value.shape[0]) * (1 + abs(logabs))
    return Bounded(np.array([[logabs]]), np.array([[e]]))


def rule_inv(args, params, ctx) -> Bounded:
    (a,) = args
    s, smin = _invertible(a, "inv", "")
    v = np.linalg.inv(a.value)
    # d(M^-1) = -M^-1 dM M^-1.
    return Bounded(v, _perturbation(a) / smin ** 2)


def rule_pinv(args, params, ctx) -> Bounded:
    (a,) = args
    s = _singular_values(a.value)
    smax = float(s[0]) if s.size else 0.0
    noise = _perturbation(a)
    rank = int(np.sum(s > 1e-10 * smax)) if smax > 0 else 0
    full = min(a.value.shape)
    # The pseudo-inverse is continuous (and differentiable) only where the rank is constant: the
    # singular values must be clearly zero or clearly not. f needs full rank (its complex
    # evaluation uses the full-rank formulas).
    if rank == 0 or s[rank - 1] <= noise / DOMAIN_RTOL or (rank < full and s[rank] > 1e-12 * smax + noise):
        raise OutOfDomain("pinv of a matrix whose rank is not clearly determined")
    if ctx.smooth and rank < full:
        raise OutOfDomain("pinv of a rank-deficient matrix is not differentiable",
                          "state full column rank (or full row rank) for the matrix")
    v = np.linalg.pinv(a.value, rcond=1e-10)
    return Bounded(v, 3.0 * noise / float(s[rank - 1]) ** 2)


def rule_mpow(args, params, ctx) -> Bounded:
    (a,) = args
    k = params[0]
    v = np.linalg.matrix_power(a.value, k)
    if k == 0:
        return Bounded(v, 0.0)
    norm2 = float(_singular_values(a.value)[0]) if a.value.size else 0.0
    n = a.value.shape[0]
    return Bounded(v, k * norm2 ** (k - 1) * (a.fro + k * gamma(n) * frob(a.value)))


def rule_kron(args, params, ctx) -> Bounded:
    a, b = args
    v = np.kron(a.value, b.value)
    if a.normwise or b.normwise:  # ||A (x) E|| = ||A|| ||E||
        return Bounded(v, frob(a.value) * b.fro + a.fro * frob(b.value) + a.fro * b.fro + U * frob(v))
    e = np.kron(a.abs, b.error) + np.kron(a.error, b.abs) + np.kron(a.error, b.error) + U * np.abs(v)
    return Bounded(v, e)


def linear(f):
    """Rule of an exact linear rearrangement (vec, diag): the error is rearranged alike."""

    def rule(args, params, ctx):
        (a,) = args
        return Bounded(f(a.value), a.error if a.normwise else f(a.error))

    return rule


def _elementwise_rule(fn, slope, where=None):
    """Rule of an elementwise function: |f'(a)| times the argument's error, plus 2 ulp."""

    def rule(args, params, ctx):
        (a,) = args
        if where is not None:
            where(a, ctx)
        with np.errstate(over="ignore", invalid="ignore"):
            v = fn(a.value)
        if not np.all(np.isfinite(v)):
            raise OutOfDomain("overflows float64", "moderate arguments (scale the inputs down)")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            e = slope(a.value, v) * a.elementwise + 2 * U * np.abs(v)
        return Bounded(v, e)

    return rule


def _positive(what: str, hint: str):
    def check(a: Bounded, ctx: Context):
        if np.any(a.value <= 0):
            raise OutOfDomain(f"{what} needs positive arguments", hint)
        if np.any(_relative(a) > DOMAIN_RTOL):
            raise OutOfDomain(f"the argument of {what} is not known accurately enough "
                              "(it comes from a cancellation)", "moderate arguments")

    return check


def _exp_underflow(a: Bounded, ctx: Context):
    if np.any(a.value < -700):
        raise OutOfDomain("exp underflows float64 (argument below -700)", "moderate arguments")


rule_exp = _elementwise_rule(np.exp, lambda x, v: np.abs(v) * 1.01, _exp_underflow)
rule_log = _elementwise_rule(np.log, lambda x, v: 1.01 / np.abs(x), _positive("log", "positive entries"))
rule_sin = _elementwise_rule(np.sin, lambda x, v: np.abs(np.cos(x)) + 1e-300)
rule_cos = _elementwise_rule(np.cos, lambda x, v: np.abs(np.sin(x)) + 1e-300)
rule_tanh = _elementwise_rule(np.tanh, lambda x, v: 1.0 / np.cosh(np.minimum(np.abs(x), 350.0)) ** 2)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


rule_sigmoid = _elementwise_rule(_sigmoid, lambda x, v: v * (1 - v) + 2 * U)
rule_sqrt = _elementwise_rule(np.sqrt, lambda x, v: 0.51 / np.sqrt(x), _positive("sqrt", "positive entries"))


def rule_softmax(args, params, ctx) -> Bounded:
    (a,) = args
    x = a.value
    e = np.exp(x - np.max(x, axis=0, keepdims=True))
    v = e / np.sum(e, axis=0, keepdims=True)
    if np.any((v == 0) | (v < TINY)):
        raise OutOfDomain("softmax underflows (an entry below 1e-308)", "moderate arguments")
    col = np.max(a.elementwise, axis=0, keepdims=True)
    return Bounded(v, v * (2 * col + (x.shape[0] + 4) * U))


def rule_logsumexp(args, params, ctx) -> Bounded:
    (a,) = args
    x = a.value
    m = np.max(x)
    v = m + np.log(np.sum(np.exp(x - m)))
    e = np.max(a.elementwise) + (x.size + 4) * U * max(1.0, abs(v))
    return Bounded(np.array([[v]]), np.array([[e]]))


def rule_norm(args, params, ctx) -> Bounded:
    (a,) = args
    v = frob(a.value)
    e = a.fro + gamma(a.value.size) * v
    if v == 0 or e / v > DOMAIN_RTOL:
        if ctx.smooth or v == 0:
            raise OutOfDomain("norm of a (nearly) zero matrix, where the norm is not differentiable")
    return Bounded(np.array([[v]]), np.array([[e]]))


def rule_exact(fn):
    """Rule of a function whose value has no rounding and no dependence on the arguments' values."""

    def rule(args, params, ctx):
        v = fn(*[x.value for x in args], *params)
        return Bounded(v, 0.0)

    return rule


# -- eigenvalues of symmetric matrices -------------------------------------------------------------
def check_symmetric(a: np.ndarray, error: float = 0.0, what: str = "eigval") -> None:
    """Refuse a matrix that is not symmetric up to its own rounding (eigh would read half of it)."""
    gap = frob(a - a.T)
    if gap > 2 * error + 16 * U * frob(a) * math.sqrt(max(a.shape)):
        raise OutOfDomain(f"{what} needs a symmetric matrix (here ||A - A^T|| = {gap:.2e})",
                          "symmetric")


def _eig_bounds(args, params, ctx, want_vector: bool) -> Bounded:
    from matref.expr.functions import eig_symmetric  # the implementation the numpy side uses

    (a,) = args
    what = "eigvec" if want_vector else "eigval"
    check_symmetric(a.value, a.fro, what)
    i = params[0]
    w, vecs = eig_symmetric(a.value)
    n = w.size
    noise = _perturbation(a)
    gaps = np.abs(np.delete(w, i) - w[i]) if n > 1 else np.array([math.inf])
    gap = float(np.min(gaps))
    scale = max(1.0, float(np.max(np.abs(a.value))))
    # A derivative along a complex circle of radius r*scale moves eigenvalues by about that much:
    # the eigenvalue must stay simple well beyond it.
    need = 20 * ctx.radius * scale if ctx.smooth else 0.0
    if (want_vector or ctx.smooth) and gap <= max(need, noise / DOMAIN_RTOL):
        raise OutOfDomain(f"{what}(A, {i}): the eigenvalue is not simple (gap {gap:.1e})",
                          "distinct_eigenvalues")
    if not want_vector:
        return Bounded(np.array([[w[i]]]), np.array([[noise + 8 * gamma(n) * scale]]))
    v = vecs[:, i:i + 1]
    # The sign convention (largest component positive) must not be near a tie.
    mags = np.sort(np.abs(v[:, 0]))[::-1]
    margin = float(mags[0] - mags[1]) if n > 1 else 1.0
    move = (3 * ctx.radius * scale / gap) if ctx.smooth else 1e-8
    if margin <= move:
        raise OutOfDomain(f"eigvec(A, {i}): two components tie for the sign convention")
    return Bounded(v, 2 * (noise + 8 * gamma(n) * scale) / gap)


def rule_eigval(args, params, ctx) -> Bounded:
    return _eig_bounds(args, params, ctx, want_vector=False)


def rule_eigvec(args, params, ctx) -> Bounded:
    return _eig_bounds(args, params, ctx, want_vector=True)
