"""Numerical directional derivatives of a function of one array, with their own error estimates.

Two oracles answer the same questions (``first(v)``, ``second(v)``, and an independent second
opinion of each that must confirm a failure):

* :class:`Oracle`, for functions that are analytic continuations of themselves (``complex_safe``):
  the complex step ``Im f(X + i h V) / h``, exact to the last bits at the cost of one complex
  evaluation; near underflow, and for second derivatives, Cauchy's integral on a small circle
  from the *imaginary parts only*: the Taylor coefficients of a real-analytic function are
  ``a_k r^k = (2/N) sum_j Im f(X + r e^{i t_j} V) sin(k t_j)``, in which a constant added to
  ``f`` does not appear at all. The circle with N = 16 points also gives the N = 8 estimate
  for free; their difference is the oracle's own error estimate.
* :class:`RealOracle`, for everything else (``abs``, branches, code that drops imaginary parts,
  autograd frameworks): central differences in real arithmetic, extrapolated (Richardson) on
  three step sizes; the spread of the extrapolations and the rounding of the differences are
  its error estimate.

Both work in the precision of the function (float32 inputs are perturbed in complex64), and
neither ever forms a Jacobian.
"""

from __future__ import annotations

import math

import numpy as np

from matref.expr.rounding import OutOfDomain, frob

CONTOUR_POINTS = 16
# Contour radius by derivative order, relative to the largest entry of the variable (at least 1):
# small for first derivatives (an eigenvector's sign convention jumps somewhere), larger for second
# derivatives, whose rounding grows like eps / r^2.
CONTOUR_RADIUS = {1: 1e-3, 2: 1e-2}
# Real differences: steps relative to the variable's largest entry, by precision and order, where
# the truncation of three-level Richardson and the rounding of the differences balance.
REAL_STEP = {(8, 1): 1e-3, (8, 2): 1e-2, (4, 1): 1e-1, (4, 2): 2e-1}


_FINFO: dict = {}


def _info(dtype) -> tuple[float, float]:
    """Unit roundoff and smallest normal of a real dtype (cached: np.finfo is slow to ask)."""
    dt = np.dtype(dtype)
    if dt not in _FINFO:
        fi = np.finfo(dt)
        _FINFO[dt] = (float(fi.eps) / 2, float(fi.tiny))
    return _FINFO[dt]


def _eps(dtype) -> float:
    return _info(dtype)[0]


def _complex_of(dtype):
    return np.complex64 if np.dtype(dtype).itemsize <= 4 else np.complex128


_CONSTANTS: dict = {}


def _complex_constants(dtype) -> tuple:
    """Unit roundoff, complex type, underflow guard and complex step of a real dtype (cached)."""
    if dtype not in _CONSTANTS:
        real = np.dtype(dtype) if np.dtype(dtype).kind == "f" else np.dtype(np.float64)
        eps, tiny = _info(real)
        # Imaginary parts below the guard lose digits (subnormals); the step is exact for any h
        # small enough, so it only has to keep h * value above the guard.
        guard = tiny ** 0.91  # 1e-280 in double precision, 3e-35 in single
        _CONSTANTS[dtype] = (eps, _complex_of(real), guard, 1e-20 if eps < 1e-10 else 1e-10)
    return _CONSTANTS[dtype]


class Oracle:
    """Directional derivatives of an analytic function of one array at one point.

    Parameters
    ----------
    f : callable
        ``f(x)`` evaluates the function at a (complex) value of the variable.
    x : ndarray
        The point (real).
    analytic : bool
        Every operation of ``f`` is an analytic continuation accurate to the last bit, so the
        complex step applies; otherwise the contour's tolerance of inaccuracy still does.
    smallest : float
        The smallest nonzero magnitude of any intermediate value at ``x`` (the step must keep
        imaginary parts away from underflow); 1 when unknown.

    Examples
    --------
    >>> import numpy as np
    >>> o = Oracle(lambda z: z.sum() ** 2, np.ones(3), analytic=True)
    >>> d, noise = o.first(np.array([1.0, 0.0, 0.0]))
    >>> round(float(d), 12)
    6.0
    """

    def __init__(self, f, x: np.ndarray, analytic: bool, smallest: float = 1.0):
        self.f = f
        self.x = x
        self.analytic = analytic
        self.eps, self.complex, self.guard, self.step = _complex_constants(x.dtype)
        if smallest * self.step < self.guard:
            self.step = min(1e-8, self.guard / max(smallest, 1e-300))
        self.complex_step_ok = analytic and smallest * self.step >= self.guard
        self.cs_noise = 64 * self.eps  # a complex-step derivative is as accurate as an evaluation
        self.evaluations = 0

    @property
    def scale(self) -> float:
        """The variable's largest entry, at least 1: the contour's radius is relative to it."""
        x = self.x
        return max(1.0, float(np.max(np.abs(x)))) if x.size else 1.0

    def _call(self, z):
        self.evaluations += 1
        with np.errstate(all="ignore"):
            out = np.asarray(self.f(z))
        return out

    def complex_step(self, v) -> np.ndarray | None:
        z = v.astype(self.x.dtype, copy=False) * (1j * self.step)
        z += self.x
        raw = np.imag(self._call(z))
        if raw.size == 1:
            im = abs(float(raw.reshape(-1)[0]))
            if 0 < im < self.guard:
                return None
            return raw / self.step
        size = np.abs(raw)
        if size.size and size.min() < self.guard and np.any((size < self.guard) & (size > 0)):
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
            samples.append(np.imag(self._call(self.x.astype(self.complex) + (r * w) * v)))
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
        rounding = 32 * self.eps * max(frob(im) for im in samples)
        return value, (aliasing + rounding) * factor

    def first(self, v) -> tuple[np.ndarray, float]:
        """First directional derivative and its error estimate (a few ulps for the complex step)."""
        if self.complex_step_ok:
            d = self.complex_step(v)
            if d is not None:
                return d, self.cs_noise * frob(d)
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


class RealOracle:
    """Directional derivatives in real arithmetic, for functions that are not complex-safe.

    Central differences ``D(h)`` at three steps ``h, h/2, h/4``, extrapolated twice (Richardson):
    the result is accurate to ``O(h^6)``, and its error is estimated by the distance to the
    once-extrapolated value plus the rounding of the differences (``eps |f| / h``, amplified by
    the extrapolation weights). The second opinion repeats this from a step 0.37 times as large.

    Examples
    --------
    >>> import numpy as np
    >>> o = RealOracle(lambda x: np.abs(x).sum(), np.array([1.0, -2.0]))
    >>> d, noise = o.first(np.array([1.0, 1.0]))
    >>> round(float(d), 9), noise < 1e-9
    (0.0, True)
    """

    def __init__(self, f, x: np.ndarray):
        self.f = f
        self.x = x
        real = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
        self.dtype = real
        self.eps = _eps(real)
        self.scale = float(np.max(np.abs(x))) if x.size else 1.0
        if not (self.scale > 0 and math.isfinite(self.scale)):
            self.scale = 1.0
        self.evaluations = 0
        self._center = None

    def _call(self, z):
        self.evaluations += 1
        with np.errstate(all="ignore"):
            out = np.asarray(self.f(z.astype(self.dtype, copy=False)), dtype=np.float64)
        return out

    def _center_value(self):
        if self._center is None:
            self._center = self._call(self.x)
        return self._center

    def _difference(self, v, h, order):
        plus, minus = self._call(self.x + h * v), self._call(self.x - h * v)
        size = max(frob(plus), frob(minus))
        if order == 1:
            return (plus - minus) / (2 * h), size
        return (plus - 2 * self._center_value() + minus) / (h * h), max(size, frob(self._center_value()))

    def _richardson(self, v, order: int, shrink: float = 1.0):
        h = REAL_STEP[(8 if self.eps < 1e-10 else 4, order)] * self.scale * shrink
        d1, s1 = self._difference(v, h, order)
        d2, s2 = self._difference(v, h / 2, order)
        d3, s3 = self._difference(v, h / 4, order)
        r1, r2 = (4 * d2 - d1) / 3, (4 * d3 - d2) / 3
        value = (16 * r2 - r1) / 15
        truncation = frob(value - r2)
        # Each difference carries ~eps |f| of rounding per term, divided by h (or h^2); the
        # extrapolation weights (16/15 * 4/3 on the finest) amplify it by less than 2, and the
        # argument x + h v is itself rounded, which moves the effective step by eps |x|.
        size = max(s1, s2, s3)
        finest = h / 4
        rounding = 8 * self.eps * size / finest ** order
        step_error = 4 * self.eps * self.scale / finest * frob(value)
        return value, truncation + rounding + step_error

    def first(self, v) -> tuple[np.ndarray, float]:
        return self._richardson(v, 1)

    def first_again(self, v) -> tuple[np.ndarray, float]:
        return self._richardson(v, 1, shrink=0.37)

    def second(self, v) -> tuple[np.ndarray, float]:
        return self._richardson(v, 2)

    def second_again(self, v) -> tuple[np.ndarray, float]:
        return self._richardson(v, 2, shrink=0.37)


class QuickOracle(RealOracle):
    """The cheapest first derivative with an honest error estimate: central differences at two
    steps (four real evaluations), extrapolated once. Its error estimate, the distance between
    the two differences plus their rounding, bounds the extrapolated value's error unless Taylor
    terms cancel by accident; when it is not small enough to pass a comparison, the client falls
    back to the complex step. For functions whose complex evaluation costs several real ones (a
    real matrix times a complex one is 5x a real product in numpy)."""

    STEP = 3e-5

    def first(self, v) -> tuple[np.ndarray, float]:
        h = self.STEP * self.scale
        d1, s1 = self._difference(v, h, 1)
        d2, s2 = self._difference(v, 2 * h, 1)
        value = (4 * d1 - d2) / 3
        rounding = 8 * self.eps * max(s1, s2) / h + 4 * self.eps * self.scale / h * frob(value)
        return value, frob(d1 - d2) + rounding


EVALUATION_ERRORS = (np.linalg.LinAlgError, ValueError, ZeroDivisionError, FloatingPointError, OverflowError,
                     IndexError)


def guarded(fn, *args):
    """Run an oracle; a breakdown near the point (singular, overflow) means outside the domain."""
    try:
        out = fn(*args)
    except EVALUATION_ERRORS as e:
        raise OutOfDomain(f"f cannot be evaluated near the point ({e})") from None
    value = out[0] if isinstance(out, tuple) else out
    if value is not None and not (math.isfinite(float(value.reshape(-1)[0])) if np.size(value) == 1
                                  else np.all(np.isfinite(value))):
        raise OutOfDomain("the derivative of f is not finite here (overflow)")
    return out
