"""Input specifications: random inputs that satisfy their assumptions by construction.

A spec is a shape and a set of assumptions from matref's vocabulary; ``draw(rng)`` builds an
instance with a bounded condition number (:func:`matref.engine.sampling.draw`), and the spec
tells the checks which directions the variable has (symmetric directions for ``spd(4)``).

Examples
--------
>>> import numpy as np
>>> X = spd(3).draw(np.random.default_rng(0))
>>> X.shape, bool(np.allclose(X, X.T))
((3, 3), True)
>>> vector(5).draw(np.random.default_rng(0)).shape
(5,)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matref.data.assumptions import VOCABULARY, closure
from matref.engine import sampling
from matref.errors import MatrefError

MAX_ENTRIES = 4_000_000


@dataclass(frozen=True)
class Spec:
    """A random input: its shape (a tuple like numpy's) and its assumptions."""

    shape: tuple[int, ...]
    assume: tuple[str, ...] = ()
    dtype: str = "float64"

    def __post_init__(self):
        if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in self.shape):
            raise MatrefError(f"a spec's sizes must be positive integers, not {self.shape!r}")
        if len(self.shape) > 2 and self.assume:
            raise MatrefError("assumptions apply to vectors and matrices, not to arrays of rank > 2")
        if int(np.prod(self.shape)) > MAX_ENTRIES:
            raise MatrefError(f"a spec of shape {self.shape} has more than {MAX_ENTRIES:.0e} entries")
        unknown = [a for a in self.assume if a not in VOCABULARY]
        if unknown:
            raise MatrefError(f"unknown assumption {unknown[0]!r} (known: {', '.join(sorted(VOCABULARY))})")

    @property
    def structure(self) -> str:
        return sampling.structure(closure(self.assume), self._matrix_shape())

    def _matrix_shape(self) -> tuple[int, int]:
        if len(self.shape) == 1:
            return (self.shape[0], 1)
        if len(self.shape) == 0:
            return (1, 1)
        return self.shape if len(self.shape) == 2 else (int(np.prod(self.shape)), 1)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """An instance, drawn with ``rng``."""
        if len(self.shape) > 2:
            return rng.standard_normal(self.shape).astype(self.dtype)
        out = sampling.draw(rng, self._matrix_shape(), self.assume)
        return out.reshape(self.shape).astype(self.dtype)

    def astype(self, dtype) -> "Spec":
        """The same spec in another precision (``"float32"``)."""
        return Spec(self.shape, self.assume, np.dtype(dtype).name)


def _square(n: int, *assume: str, dtype="float64") -> Spec:
    return Spec((int(n), int(n)), tuple(assume), dtype)


def general(m: int, n: int | None = None, dtype="float64") -> Spec:
    """An m x n matrix (square if ``n`` is omitted) with singular values in [1, 10]."""
    return Spec((int(m), int(m if n is None else n)), (), dtype)


def vector(n: int, dtype="float64") -> Spec:
    """A vector of length n (a 1-D array)."""
    return Spec((int(n),), (), dtype)


def spd(n: int, dtype="float64") -> Spec:
    """A symmetric positive definite n x n matrix, eigenvalues in [1, 10]."""
    return _square(n, "spd", dtype=dtype)


def symmetric(n: int, dtype="float64") -> Spec:
    """A symmetric n x n matrix (directions are symmetric too)."""
    return _square(n, "symmetric", dtype=dtype)


def orthogonal(n: int, dtype="float64") -> Spec:
    """An orthogonal n x n matrix (directions ``X @ skew``)."""
    return _square(n, "orthogonal", dtype=dtype)


def diagonal(n: int, dtype="float64") -> Spec:
    """A diagonal n x n matrix (directions diagonal)."""
    return _square(n, "diagonal", dtype=dtype)


def invertible(n: int, dtype="float64") -> Spec:
    """An invertible n x n matrix, condition number at most 10."""
    return _square(n, "invertible", dtype=dtype)


def positive(*shape: int, dtype="float64") -> Spec:
    """An array with positive entries (for log, sqrt, powers)."""
    return Spec(tuple(int(s) for s in shape), ("positive",), dtype)
