"""Verdicts of single comparisons: a difference against a tolerance made of the compared values.

* **pass** when the difference is within ``rtol`` times the size of the *values* compared (the
  numerical derivative and the claimed one, along this direction and the others of the same
  instance), and so is everything rounding could have done to them. Not ``||claim|| ||V||``:
  along a random direction a derivative is about ``1/sqrt(numel)`` of that, which would let a
  claim 1e-6 off pass. Nothing widens a tolerance: not the magnitude of the terms a claim
  cancels, not a constant added to ``f``, not a bound on rounding. So no claim can set its own
  tolerance, and scaling ``f`` by any factor changes no verdict.
* **fail** when the difference exceeds the tolerance plus ten times everything rounding could
  explain (a failure is always confirmed by a second oracle before it is reported: see
  :mod:`matref.engine.compare`).
* **vacuous** when both sides are zero to within their rounding (the instance says nothing).
* **undecided** otherwise: the difference could be rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

@dataclass(frozen=True)
class Tolerance:
    derivative: float  # rtol of a directional derivative against the claim
    equality: float  # rtol of ||lhs - rhs|| against the size of the two sides
    second: float  # rtol of a second directional derivative (Hessians) against the claim
    space: float  # rtol of a claim's distance to the variable's tangent space


TOLERANCES: dict[np.dtype, Tolerance] = {
    np.dtype(np.float64): Tolerance(derivative=1e-8, equality=1e-9, second=1e-7, space=1e-9),
    # float32 claims (a backward pass run in single precision): eps is 1.2e-7, so a claim can only
    # be held to a few digits; every wrong formula of the benchmarks is off by far more.
    np.dtype(np.float32): Tolerance(derivative=2e-3, equality=1e-4, second=1e-2, space=1e-4),
}


def tolerance_for(dtype) -> Tolerance:
    """The tolerance row of a claim computed in ``dtype`` (float32 for single precision, half
    precision included; float64 otherwise)."""
    if dtype in TOLERANCES:
        return TOLERANCES[dtype]
    dt = np.dtype(dtype)
    if dt.kind == "c":
        dt = np.finfo(dt).dtype
    return TOLERANCES.get(dt, TOLERANCES[np.dtype(np.float32)] if dt.kind == "f" and dt.itemsize < 8
                          else TOLERANCES[np.dtype(np.float64)])


NOISE_FACTOR = 10.0
"""A failure must exceed the tolerance by ten times everything rounding could explain."""

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
    if a.size == 1 and b.size == 1 and a.dtype.kind == "f" and b.dtype.kind == "f":
        x, y = float(a.reshape(-1)[0]), float(b.reshape(-1)[0])
        if math.isfinite(x) and math.isfinite(y):
            return abs(x - y) if abs(x) < 1e300 and abs(y) < 1e300 else 2 * abs(x / 2 - y / 2)
    if a.dtype.kind == "f" and b.dtype.kind == "f" and a.size and a.shape == b.shape:
        d = (a - b).reshape(-1)
        s = float(np.dot(d, d))
        if 1e-280 < s < 1e280:
            return math.sqrt(s)
        if s == 0.0 and not d.any() and np.isfinite(a).all():
            return 0.0
    m = max(float(np.max(np.abs(a))) if a.size else 0.0, float(np.max(np.abs(b))) if b.size else 0.0)
    if m == 0.0 or not math.isfinite(m):
        return m
    return m * float(np.linalg.norm(a / m - b / m))


def inner(g, v) -> float:
    """``sum(g * v)``, scaled so that large or tiny ``g`` neither overflows nor underflows."""
    g, v = np.asarray(g), np.asarray(v)
    if g.dtype.kind == "f" and v.dtype.kind == "f" and g.size == v.size and g.size:
        gf, vf = g.reshape(-1, order="F"), v.reshape(-1, order="F")
        s = float(np.dot(gf, vf))
        big = float(np.dot(gf, gf)) * float(np.dot(vf, vf))
        if 1e-280 < big < 1e280 and math.isfinite(s):
            return s
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
