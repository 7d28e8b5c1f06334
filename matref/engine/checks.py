"""Directional checks per kind, in the style of JAX's ``check_grads``, with three-way verdicts.

A claim is compared with a numerical derivative of ``f`` along random directions in the
variable's tangent space. Each comparison is a :class:`Measurement` judged by :func:`judge`:

* **pass** when the difference is within ``rtol`` times the size of the *values* compared (the
  numerical derivative and the claimed one, along this direction and the others of the same
  instance; a gradient is also compared along itself), and so is everything rounding could have
  done to them. Not ``||claim|| ||V||``: along a random direction a derivative is about
  ``1/sqrt(numel)`` of that, which would let a claim 1e-6 off pass. Nothing widens a tolerance:
  not the magnitude of the terms a claim cancels, not a constant added to ``f``, not a bound on
  rounding. So no claim can set its own tolerance.
* **fail** when the difference exceeds the tolerance plus ten times everything rounding could
  explain: the claim's own rounding (a running error bound, :mod:`matref.expr.bounds`) and the
  disagreement between two independent numerical derivatives (a failure is always confirmed by a
  second oracle before it is reported).
* **vacuous** when both sides are zero to within their rounding (the instance says nothing).
* **undecided** otherwise: the difference could be rounding. The verifier draws another instance.

Numerical derivatives: the complex step ``Im f(X + i h V) / h`` where every node of f is an
analytic continuation, else (eigen-solvers, and second derivatives) Cauchy's integral on a small
circle, from the *imaginary parts only*: the Taylor coefficients of a real-analytic function are
``a_k r^k = (2/N) sum_j Im f(X + r e^{i t_j} V) sin(k t_j)``, in which a constant added to ``f``
does not appear at all (the real parts would carry its rounding). The circle with N = 16 points
also gives the N = 8 estimate for free; their difference is the oracle's own error estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from matref.engine import sampling
from matref.expr.bounds import bounded, perturbed_spread
from matref.expr.rounding import Bounded, OutOfDomain, frob, gamma
from matref.expr.to_numpy import evaluate


@dataclass(frozen=True)
class Tolerance:
    derivative: float  # rtol of a directional derivative against the claim
    equality: float  # rtol of ||lhs - rhs|| against the size of the two sides
    second: float  # rtol of a second directional derivative (Hessians) against the claim
    space: float  # rtol of a claim's distance to the variable's tangent space


TOLERANCES: dict[np.dtype, Tolerance] = {
    np.dtype(np.float64): Tolerance(derivative=1e-8, equality=1e-9, second=1e-7, space=1e-9),
}
NOISE_FACTOR = 10.0
"""A failure must exceed the tolerance by ten times everything rounding could explain."""
COMPLEX_STEP = 1e-20
CONTOUR_POINTS = 16
# Contour radius by derivative order, relative to the largest entry of the variable (at least 1):
# small for first derivatives (an eigenvector's sign convention jumps somewhere), larger for second
# derivatives, whose rounding grows like eps / r^2.
CONTOUR_RADIUS = {1: 1e-3, 2: 1e-2}
DIRECTIONS = 3
CS_NOISE = 64 * 2.0 ** -53
"""Relative rounding of a complex-step derivative (it is as accurate as a function evaluation)."""
UNDERFLOW_GUARD = 1e-280
"""Imaginary parts below this lose digits (float64 subnormals start at 2.2e-308)."""

PASS, FAIL, UNDECIDED, VACUOUS = "pass", "fail", "undecided", "vacuous"


@dataclass(frozen=True)
class Measurement:
    """One comparison: ``error`` against ``tolerance`` (= rtol * size of the values compared)."""

    error: float
    tolerance: float
    what: str
    noise: float = 0.0
    verdict: str = PASS
    reason: str = ""

    @property
    def ratio(self) -> float:
        if not math.isfinite(self.error):
            return math.inf
        if self.tolerance == 0:
            return 0.0 if self.error == 0 else math.inf
        return self.error / self.tolerance

    @property
    def ok(self) -> bool:
        return self.verdict in (PASS, VACUOUS)


def dist(a, b) -> float:
    """``||a - b||_F`` without overflow or underflow (both scaled by the largest entry)."""
    a, b = np.asarray(a), np.asarray(b)
    m = max(float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0)
    if m == 0.0 or not math.isfinite(m):
        return m
    return m * float(np.linalg.norm(a / m - b / m))


def inner(g, v) -> float:
    """``sum(g * v)``, scaled so that large or tiny ``g`` neither overflows nor underflows."""
    m = float(np.max(np.abs(g))) if np.size(g) else 0.0
    if m == 0.0 or not math.isfinite(m):
        return 0.0 if m == 0.0 else math.nan
    return m * float(np.sum((g / m) * v))


def judge(error: float, scale: float, rtol: float, noise: float = 0.0, observed=None,
          noises=None, what: str = "", spread: float | None = None) -> Measurement:
    """The verdict of one comparison (see the module docstring).

    ``noise`` is a worst-case bound on what rounding could do to the difference (a failure must
    exceed it tenfold); ``spread`` a realistic estimate of the same (Monte Carlo arithmetic; by
    default the bound), which an agreement must not be lost in. ``observed`` are the sizes of
    the two sides, ``noises`` their own rounding bounds (for the vacuous case: both sides zero to
    within rounding).
    """
    tol = rtol * scale
    spread = noise if spread is None else spread
    if not (math.isfinite(error) and math.isfinite(tol) and math.isfinite(noise) and math.isfinite(spread)):
        return Measurement(error, tol, what, noise, UNDECIDED, "a quantity is not finite")
    if error <= tol and spread <= NOISE_FACTOR * tol:
        # Agreement within the tolerance by values that rounding does not blur: (1 + 1e-17) - 1
        # computes to exactly 0, but random rounding moves it by 1e-16, which is no agreement with
        # a tolerance of 0.
        return Measurement(error, tol, what, noise, PASS)
    if observed is not None and all(size <= NOISE_FACTOR * nz for size, nz in zip(observed, noises)):
        return Measurement(error, tol, what, noise, VACUOUS, "both sides are zero to within rounding")
    if error > tol + NOISE_FACTOR * noise:
        return Measurement(error, tol, what, noise, FAIL)
    if error <= tol:
        return Measurement(error, tol, what, noise, UNDECIDED,
                           f"the values agree, but rounding moves them by {spread:.1e}, beyond the tolerance {tol:.1e}")
    return Measurement(error, tol, what, noise, UNDECIDED,
                       f"the difference {error:.1e} is within what rounding could explain ({noise:.1e})")


# -- numerical derivatives ---------------------------------------------------------------------------
class Oracle:
    """Directional derivatives of one function of one variable at one point.

    ``f(x)`` evaluates the function at a (complex) value of the variable; ``x`` is the point.
    ``analytic``: every operation is an analytic continuation accurate to the last bit, so the
    complex step applies. ``smallest``: the smallest nonzero magnitude of any intermediate value
    at ``x`` (the step must keep imaginary parts away from underflow).
    """

    def __init__(self, f, x: np.ndarray, analytic: bool, smallest: float = 1.0):
        self.f = f
        self.x = x
        self.analytic = analytic
        self.scale = max(1.0, float(np.max(np.abs(x)))) if x.size else 1.0
        # The complex step is exact for any h small enough; keep h * value above underflow.
        self.step = COMPLEX_STEP
        if smallest * COMPLEX_STEP < UNDERFLOW_GUARD:
            self.step = min(1e-8, UNDERFLOW_GUARD / max(smallest, 1e-300))
        self.complex_step_ok = analytic and smallest * self.step >= UNDERFLOW_GUARD

    def _call(self, z):
        with np.errstate(all="ignore"):
            out = np.asarray(self.f(z))
        return out

    def complex_step(self, v) -> np.ndarray | None:
        raw = np.imag(self._call(self.x + 1j * self.step * v))
        nz = np.abs(raw[raw != 0])
        if nz.size and nz.min() < UNDERFLOW_GUARD:
            return None  # digits lost to underflow: use the contour instead
        return raw / self.step

    def contour(self, v, order: int = 1, shrink: float = 1.0) -> tuple[np.ndarray, float]:
        """``d^k/dt^k f(x + t v)`` from the imaginary parts on a circle, and an error estimate.

        The sine coefficients ``c_m = a_m r^m`` (m = 1 .. N/2 - 1) of the samples all come from the
        same evaluations; the error of ``c_k`` (aliasing from ``c_{N-k}``, and rounding, which
        spreads evenly over the coefficients) is estimated by the highest two coefficients.
        """
        r = CONTOUR_RADIUS[order] * self.scale * shrink
        n = CONTOUR_POINTS
        samples = []
        for j in range(1, n // 2):
            w = complex(math.cos(2 * math.pi * j / n), math.sin(2 * math.pi * j / n))
            samples.append(np.imag(self._call(self.x + (r * w) * v)))
        # f(conj z) = conj f(z) for a real function: the lower half circle mirrors the upper one, and
        # the real points (j = 0, N/2) carry no imaginary part.
        def coefficient(m):
            total = 0.0
            for j, im in enumerate(samples, start=1):
                total = total + im * math.sin(m * 2 * math.pi * j / n)
            return np.asarray(total) * (4.0 / n)

        factor = math.factorial(order) / r ** order
        value = coefficient(order) * factor
        # Aliasing: c_k picks up c_{N-k}, beyond the computed coefficients; extrapolate their
        # geometric decay from the top four (two at a time, so that a parity zero does no harm).
        top = max(frob(coefficient(n // 2 - 1)), frob(coefficient(n // 2 - 2)))
        below = max(frob(coefficient(n // 2 - 3)), frob(coefficient(n // 2 - 4)))
        ratio = min(1.0, math.sqrt(top / below)) if below > 0 else (0.0 if top == 0 else 1.0)
        aliasing = top * ratio ** (n - order - (n // 2 - 1))
        rounding = 16 * 2.0 ** -53 * max(frob(im) for im in samples)
        return value, (aliasing + rounding) * factor

    def first(self, v) -> tuple[np.ndarray, float]:
        """First directional derivative and its error estimate (a few ulps for the complex step)."""
        if self.complex_step_ok:
            d = self.complex_step(v)
            if d is not None:
                return d, CS_NOISE * frob(d)
        return self.contour(v, 1)

    def first_again(self, v) -> tuple[np.ndarray, float]:
        """An independent second estimate, to confirm a failure: another method or radius."""
        if self.complex_step_ok:
            return self.contour(v, 1)
        return self.contour(v, 1, shrink=1 / 4)

    def second(self, v) -> tuple[np.ndarray, float]:
        return self.contour(v, 2)

    def second_again(self, v) -> tuple[np.ndarray, float]:
        return self.contour(v, 2, shrink=1 / 4)


def _guarded(fn, *args):
    """Run an oracle; a breakdown near the point (singular, overflow) means outside the domain."""
    try:
        out = fn(*args)
    except EVALUATION_ERRORS as e:
        raise OutOfDomain(f"f cannot be evaluated near the point ({e})") from None
    value = out[0] if isinstance(out, tuple) else out
    if value is not None and not np.all(np.isfinite(value)):
        raise OutOfDomain("the derivative of f is not finite here (overflow)")
    return out


EVALUATION_ERRORS = (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError, OverflowError,
                     IndexError)


# -- the checks of an identity ------------------------------------------------------------------------
def _oracle(ident, values, sizes, smallest) -> Oracle:
    role = ident.roles[0]

    def f(x):
        shifted = dict(values)
        shifted[ident.wrt] = x
        return evaluate(ident.typed[role], shifted, sizes)

    return Oracle(f, values[ident.wrt], ident.complex_step_safe, smallest)


def domain_of(ident, values: dict, sizes: dict) -> dict:
    """Evaluate f, the claim and the conditions with error bounds at the point; raise
    OutOfDomain where any is undefined or numerically meaningless. Returns the bounded values."""
    out = {}
    stats: dict = {}
    first, claim = ident.roles
    smooth = ident.kind != "equality"
    out[first] = bounded(ident.typed[first], values, sizes, smooth=smooth,
                         radius=CONTOUR_RADIUS[2 if ident.kind == "hessian" else 1], stats=stats)
    out["smallest"] = stats.get("smallest", 1.0)
    if ident.kind != "differential" and ident.applied_at(sizes) is None:
        out[claim] = bounded(ident.typed[claim], values, sizes)
    for cond in getattr(ident, "conditions", ()):
        cond.check(values, sizes)
    return out


def check(ident, values: dict, sizes: dict, rng: np.random.Generator) -> list[Measurement]:
    """The measurements of one instance; raises OutOfDomain when the point is outside the domain."""
    tol = TOLERANCES[np.dtype(np.float64)]
    with np.errstate(all="ignore"):
        b = domain_of(ident, values, sizes)
        if ident.kind == "equality":
            spread = sum(perturbed_spread(ident.typed[r], values, sizes, rng) for r in ("lhs", "rhs"))
            return [_equality(b["lhs"], b["rhs"], tol, spread)]
        props = ident.sampling_assumptions(ident.wrt)
        x = values[ident.wrt]
        out = _in_space(ident, b.get(ident.roles[1]), props, x, tol)
        oracle = _oracle(ident, values, sizes, b["smallest"])
        dirs = [sampling.direction(rng, x, props) for _ in range(DIRECTIONS)]
        if not any(np.any(d) for d in dirs):
            return out + [Measurement(0.0, 0.0, "directions", verdict=VACUOUS,
                                      reason="the variable's space has no directions here (nothing to test)")]
        if ident.kind == "gradient":
            # Along the claim itself the whole claim is compared, not its shadow on a random
            # direction (~ 1/sqrt(numel) of it): a gradient 1e-6 off is refuted at any size.
            own = sampling.project(b[ident.roles[1]].value, props, x)
            norm = frob(own)
            if norm > 0 and math.isfinite(norm):
                dirs.append(own / norm)
        lazy = ident.applied_at(sizes)
        if ident.kind == "hessian" and lazy is not None:
            return out + _hessian_applied(ident, values, sizes, lazy, oracle, dirs, tol, rng)
        if ident.kind == "hessian":
            return out + _hessian(ident, values, sizes, b, oracle, dirs, tol, rng)
        return out + _first_order(ident, values, sizes, b, oracle, dirs, tol, rng, lazy)


def _equality(lhs: Bounded, rhs: Bounded, tol: Tolerance, spread: float | None = None) -> Measurement:
    a, c = lhs.value, rhs.value
    na, nc = frob(a), frob(c)
    ea, ec = lhs.fro, rhs.fro
    return judge(dist(a, c), max(na, nc), tol.equality, ea + ec, (na, nc), (ea, ec), "lhs against rhs", spread)


def _in_space(ident, claim: Bounded | None, props, x, tol) -> list[Measurement]:
    """A derivative on a structured space must live in it.

    Directions in the space cannot see the rest of a claim (for symmetric X, ``A`` and
    ``sym(A)`` give the same inner products), so the claim itself must be in the space, which
    makes it unique: the gradient on the space is the projection of the Euclidean gradient (for
    symmetric X, ``sym(G)``; for orthogonal X, ``X skew(X^T G)``); a Hessian is ``P H P`` and a
    Jacobian ``J P``, P the projection; free-entry partials and Hessians are symmetric.
    """
    kind = sampling.structure(props, x.shape)
    if claim is None:
        return []
    m, err = claim.value, claim.fro
    out = []
    if ident.kind in ("symmetric_partials", "hessian"):
        out.append(judge(dist(m, m.T), frob(m), tol.space, 2 * err, (frob(m - m.T), 0.0), (2 * err, 0.0),
                         f"the claimed {ident.kind.replace('_', ' ')} must be symmetric"))
    if kind in ("general", "point") or ident.kind in ("symmetric_partials", "differential"):
        return out  # at isolated points there is nothing to differentiate along: see check()
    space = {"symmetric": "symmetric matrices", "diagonal": "diagonal matrices",
             "orthogonal": "the orthogonal group (tangent space X @ skew)",
             "symmetric_orthogonal": "symmetric orthogonal matrices", "point": "isolated points"}[kind]
    if ident.kind == "gradient":
        projected = sampling.project(m, props, x)
        what = (f"the claimed gradient must lie in the tangent space of {space}: the gradient there is "
                "the projection of the Euclidean gradient" + (" (sym(G))" if kind == "symmetric" else ""))
    elif ident.kind == "hessian":
        projected = sampling.project_operator(m, props, x)
        what = f"the claimed Hessian on {space} must be P H P (P: projection onto the tangent space)"
    else:  # jacobian
        projected = sampling.project_operator(m, props, x, cols=False)
        what = f"the claimed Jacobian on {space} must be J P (P: projection onto the tangent space)"
    gap = dist(m, projected)
    out.append(judge(gap, frob(m), tol.space, 2 * err, (gap, 0.0), (2 * err, 0.0), what))
    return out


def _claimed(ident, values, sizes, b, v, claim_spread: float = 0.0, rng=None, lazy=None):
    """What the claim says ``d/dt f(X + t V)`` is, its worst-case rounding bound and its realistic
    rounding (``claim_spread``: that of the claimed matrix). ``lazy``: the claimed Jacobian
    applied to the direction without being formed."""
    kind = ident.kind
    if kind == "differential" or lazy is not None:
        typed, name = ((ident.typed[ident.roles[1]], ident.direction) if lazy is None
                       else (lazy.trees["__V"], "__V"))
        at = sizes if lazy is None else lazy.sizes(sizes)
        with_dir = dict(values)
        with_dir[name] = v
        c = bounded(typed, with_dir, at)
        spread = perturbed_spread(typed, with_dir, at, rng if rng is not None else np.random.default_rng(0))
        return c.value, c.fro, spread
    c = b[ident.roles[1]]
    m, err = c.value, c.fro
    nv = frob(v)
    if kind == "gradient":
        val = inner(m, v)
        rounding = gamma(v.size) * abs(inner(np.abs(m), np.abs(v)))
        return np.array([[val]]), err * nv + rounding, claim_spread * nv + rounding
    if kind == "symmetric_partials":
        # Partials with respect to the free entries x_ij, i <= j: df = sum_{i<=j} P_ij dx_ij.
        tri = np.triu(m)
        val = inner(tri, v)
        rounding = gamma(v.size) * abs(inner(np.abs(tri), np.abs(v)))
        return np.array([[val]]), err * nv + rounding, claim_spread * nv + rounding
    vv = v.reshape(-1, 1, order="F")
    scale_m = float(np.max(np.abs(m))) or 1.0
    out = scale_m * ((m / scale_m) @ vv)
    rounding = gamma(v.size) * frob(np.abs(m) @ np.abs(vv))
    return out, err * nv + rounding, claim_spread * nv + rounding


def _first_order(ident, values, sizes, b, oracle: Oracle, dirs, tol, rng, lazy=None) -> list[Measurement]:
    runs = []
    applied = ident.kind == "differential" or lazy is not None
    spread = 0.0 if applied else perturbed_spread(ident.typed[ident.roles[1]], values, sizes, rng)
    for v in dirs:
        obs, noise_obs = _guarded(oracle.first, v)
        if ident.kind == "jacobian":
            obs = obs.reshape(-1, 1, order="F")
        claimed, noise_claim, spread_claim = _claimed(ident, values, sizes, b, v, spread, rng, lazy)
        runs.append((v, obs, noise_obs, claimed, noise_claim, spread_claim))
    return _compare_runs(runs, tol.derivative, "direction", lambda v: _second_opinion(oracle.first_again, v, ident.kind))


def _compare_runs(runs, rtol: float, label: str, again) -> list[Measurement]:
    """Judge ``(direction, observed, its noise, claimed, its noise, its spread)`` runs of one instance.

    The scale of every comparison is the largest response over the directions (an estimate of
    ||J|| ||V|| that the values themselves give), so a direction with a near-zero derivative is
    not judged against zero, and a wrong claim cannot exploit it: the direction that inflates the
    scale fails itself. Not ||claim||_F ||V||: along a random direction the response is about
    1/sqrt(numel) of that, which would let a claim 1e-6 off pass at large sizes. ``again(v)``
    is the second, independent derivative that must confirm a failure.
    """
    operator = max(max(frob(o), frob(c)) for _, o, _, c, _, _ in runs)
    out = []
    for k, (v, obs, noise_obs, claimed, noise_claim, spread_claim) in enumerate(runs):
        scale = max(frob(obs), frob(claimed), operator)
        out.append(_compare(obs, noise_obs, claimed, noise_claim, spread_claim, scale, rtol,
                            f"{label} {k + 1}", lambda v=v: again(v)))
    return out


def _compare(obs, noise_obs, claimed, noise_claim, spread_claim, scale, rtol, what, again) -> Measurement:
    """Judge one directional comparison: a pass needs an accurate numerical derivative, a failure
    a second, independent one that agrees (``again()`` computes it)."""
    m = judge(dist(obs, claimed), scale, rtol, noise_obs + noise_claim, (frob(obs), frob(claimed)),
              (max(noise_obs, noise_claim), noise_claim), what, noise_obs + spread_claim)
    if m.verdict == PASS and noise_obs > m.tolerance:
        return Measurement(m.error, m.tolerance, what, m.noise, UNDECIDED,
                           "the numerical derivative is not accurate enough here")
    if m.verdict == FAIL:
        return _confirm(m, obs, claimed, again, scale, rtol, noise_obs + noise_claim, what)
    return m


def _second_opinion(method, v, kind):
    obs, noise = _guarded(method, v)
    if kind == "jacobian":
        obs = obs.reshape(-1, 1, order="F")
    return obs, noise


def _confirm(m: Measurement, obs, claimed, again, scale, rtol, noise, what) -> Measurement:
    """A failure stands only if a second, independent derivative also refutes the claim, by more
    than the two derivatives disagree with each other."""
    obs2, noise2 = again()
    spread = dist(obs, obs2) + noise2
    error = min(m.error, dist(obs2, claimed))
    verdict = judge(error, scale, rtol, noise + spread, what=what)
    if verdict.verdict == FAIL:
        return Measurement(m.error, m.tolerance, what, noise + spread, FAIL)
    return Measurement(m.error, m.tolerance, what, noise + spread, UNDECIDED,
                       "two numerical derivatives disagree too much to refute the claim here")


def _hessian(ident, values, sizes, b, oracle: Oracle, dirs, tol, rng) -> list[Measurement]:
    """Second directional derivatives ``d^2/dt^2 f(X + tV)`` against ``vec(V)^T H vec(V)``.

    Quadratic forms along random directions determine the symmetric part of H; H itself must
    be symmetric (checked first), so together they pin down H (on the tangent space).
    """
    c = b[ident.roles[1]]
    h, herr = c.value, c.fro
    spread = perturbed_spread(ident.typed[ident.roles[1]], values, sizes, rng)
    runs = []
    for v in dirs:
        obs, noise_obs = _guarded(oracle.second, v)
        vv = v.reshape(-1, 1, order="F")
        s = float(np.max(np.abs(h))) or 1.0
        claimed = s * (vv.T @ (h / s) @ vv)
        nv2 = frob(v) ** 2
        rounding = gamma(h.size) * float(np.sum(np.abs(vv).T @ np.abs(h) @ np.abs(vv)))
        runs.append((v, obs, noise_obs, claimed, herr * nv2 + rounding, spread * nv2 + rounding))
    return _compare_runs(runs, tol.second, "second derivative along direction",
                         lambda v: _guarded(oracle.second_again, v))


def _hessian_applied(ident, values, sizes, lazy, oracle: Oracle, dirs, tol, rng) -> list[Measurement]:
    """:func:`_hessian` for a claimed Hessian applied to directions without being formed: the
    quadratic forms ``vec(V)^T (H vec(V))``, and symmetry as ``vec(U)^T H vec(V) = vec(V)^T H vec(U)``."""
    at = lazy.sizes(sizes)

    def times(v, name="__V"):
        with_dir = dict(values)
        with_dir[name] = v
        hv = bounded(lazy.trees[name], with_dir, at)
        return hv, perturbed_spread(lazy.trees[name], with_dir, at, rng)

    def form(u, hv: Bounded, hv_spread: float):
        uu = u.reshape(-1, 1, order="F")
        value = inner(hv.value, uu)
        rounding = gamma(u.size) * abs(inner(np.abs(hv.value), np.abs(uu)))
        nu = frob(u)
        return value, nu * frob(hv.value), nu * hv.fro + rounding, nu * hv_spread + rounding

    out = []
    u = dirs[-1]
    hv, sv = times(dirs[0])
    hu, su = times(u, "__U")
    a, size_a, noise_a, _ = form(u, hv, sv)
    c, size_c, noise_c, _ = form(dirs[0], hu, su)
    gap = abs(a - c)
    out.append(judge(gap, max(size_a, size_c), tol.space, noise_a + noise_c, (gap, 0.0), (noise_a + noise_c, 0.0),
                     "the claimed hessian must be symmetric"))
    runs = []
    for k, v in enumerate(dirs):
        obs, noise_obs = _guarded(oracle.second, v)
        hv, sv = (hv, sv) if k == 0 else times(v)
        value, _, noise_claim, spread_claim = form(v, hv, sv)
        runs.append((v, obs, noise_obs, np.array([[value]]), noise_claim, spread_claim))
    return out + _compare_runs(runs, tol.second, "second derivative along direction",
                               lambda v: _guarded(oracle.second_again, v))
