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
    """A random input: its shape (a tuple like numpy's) and its assumptions.

    Pass specs among the inputs of a :mod:`matref.testing` check: each trial draws a fresh
    instance that satisfies the assumptions by construction, and a structured variable is
    varied only in its own space (symmetric directions for a symmetric one). The functions
    :func:`spd`, :func:`symmetric`, :func:`orthogonal`, :func:`diagonal`, :func:`invertible`,
    :func:`positive`, :func:`general` and :func:`vector` build the usual ones.

    Parameters
    ----------
    shape : tuple of int
        The shape of the array drawn (positive sizes; rank above 2 only without assumptions).
    assume : tuple of str, default ()
        Assumptions from matref's vocabulary (``"spd"``, ``"symmetric"``, ``"orthogonal"``,
        ``"positive"``, ...).
    dtype : str, default "float64"
        The precision of the array drawn (``"float32"`` gets float32 tolerances).

    Raises
    ------
    MatrefError
        A size that is not a positive integer, an unknown assumption, assumptions on an array
        of rank above 2, more than 4e6 entries, or a dtype that is not a real floating-point type.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import Spec
    >>> s = Spec((3, 3), ("spd",))
    >>> X = s.draw(np.random.default_rng(0))
    >>> bool(np.allclose(X, X.T)), bool(np.all(np.linalg.eigvalsh(X) >= 1))
    (True, True)
    >>> Spec((3, 3), ("spdd",))
    Traceback (most recent call last):
    ...
    matref.expr.errors.MatrefError: unknown assumption 'spdd' (known: ...)
    """

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
        try:
            kind = np.dtype(self.dtype).kind
        except (TypeError, ValueError):
            kind = None
        if kind != "f":  # the variable of a check must be a real floating-point array
            raise MatrefError(f"a spec's dtype must be a real floating-point type (float32, float64), "
                              f"not {self.dtype!r}")
        unknown = [a for a in self.assume if a not in VOCABULARY]
        if unknown:
            raise MatrefError(f"unknown assumption {unknown[0]!r} (known: {', '.join(sorted(VOCABULARY))})")

    @property
    def structure(self) -> str:
        """The space the variable is varied in: "general", "symmetric", "diagonal" or "orthogonal".

        Examples
        --------
        >>> from matref.testing import spd, orthogonal, invertible
        >>> spd(3).structure, orthogonal(3).structure, invertible(3).structure
        ('symmetric', 'orthogonal', 'general')
        """
        return sampling.structure(closure(self.assume), self._matrix_shape())

    def _matrix_shape(self) -> tuple[int, int]:
        if len(self.shape) == 1:
            return (self.shape[0], 1)
        if len(self.shape) == 0:
            return (1, 1)
        return self.shape if len(self.shape) == 2 else (int(np.prod(self.shape)), 1)

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """An instance, drawn with ``rng``.

        Parameters
        ----------
        rng : numpy.random.Generator
            The source of randomness: the same generator state gives the same instance.

        Returns
        -------
        numpy.ndarray
            Of the spec's shape and dtype, satisfying its assumptions.

        Examples
        --------
        >>> import numpy as np
        >>> from matref.testing import orthogonal
        >>> Q = orthogonal(3).draw(np.random.default_rng(0))
        >>> Q.shape, bool(np.allclose(Q.T @ Q, np.eye(3)))
        ((3, 3), True)
        """
        if len(self.shape) > 2:
            return rng.standard_normal(self.shape).astype(self.dtype)
        out = sampling.draw(rng, self._matrix_shape(), self.assume)
        return out.reshape(self.shape).astype(self.dtype)

    def astype(self, dtype) -> "Spec":
        """The same spec in another precision (``"float32"``).

        Parameters
        ----------
        dtype : str or numpy.dtype
            The precision of the arrays drawn.

        Returns
        -------
        Spec

        Examples
        --------
        >>> import numpy as np
        >>> from matref.testing import spd
        >>> spd(3).astype(np.float32)
        Spec(shape=(3, 3), assume=('spd',), dtype='float32')
        """
        return Spec(self.shape, self.assume, np.dtype(dtype).name)


def _square(n: int, *assume: str, dtype="float64") -> Spec:
    return Spec((int(n), int(n)), tuple(assume), dtype)


def general(m: int, n: int | None = None, dtype="float64") -> Spec:
    """An m x n matrix (square if ``n`` is omitted) with singular values in [1, 10].

    Parameters
    ----------
    m : int
        The number of rows.
    n : int, optional
        The number of columns; ``m`` by default.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import general
    >>> general(2, 3)
    Spec(shape=(2, 3), assume=(), dtype='float64')
    >>> s = np.linalg.svd(general(2, 3).draw(np.random.default_rng(0)), compute_uv=False)
    >>> bool(np.all((1 <= s) & (s <= 10)))
    True
    """
    return Spec((int(m), int(m if n is None else n)), (), dtype)


def vector(n: int, dtype="float64") -> Spec:
    """A vector of length n (a 1-D array).

    Parameters
    ----------
    n : int
        The length.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import vector
    >>> vector(4).draw(np.random.default_rng(0)).shape
    (4,)
    """
    return Spec((int(n),), (), dtype)


def spd(n: int, dtype="float64") -> Spec:
    """A symmetric positive definite n x n matrix, eigenvalues in [1, 10].

    As a variable it is varied in symmetric directions.

    Parameters
    ----------
    n : int
        The number of rows and columns.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import spd
    >>> X = spd(3).draw(np.random.default_rng(0))
    >>> bool(np.allclose(X, X.T)), np.linalg.eigvalsh(X).round(2)
    (True, array([1.01, 6.54, 8.61]))
    """
    return _square(n, "spd", dtype=dtype)


def symmetric(n: int, dtype="float64") -> Spec:
    """A symmetric n x n matrix (directions are symmetric too).

    Parameters
    ----------
    n : int
        The number of rows and columns.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import symmetric
    >>> X = symmetric(3).draw(np.random.default_rng(0))
    >>> bool(np.allclose(X, X.T)), symmetric(3).structure
    (True, 'symmetric')
    """
    return _square(n, "symmetric", dtype=dtype)


def orthogonal(n: int, dtype="float64") -> Spec:
    """An orthogonal n x n matrix (directions ``X @ skew``).

    Parameters
    ----------
    n : int
        The number of rows and columns.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import orthogonal
    >>> Q = orthogonal(3).draw(np.random.default_rng(0))
    >>> bool(np.allclose(Q.T @ Q, np.eye(3)))
    True
    """
    return _square(n, "orthogonal", dtype=dtype)


def diagonal(n: int, dtype="float64") -> Spec:
    """A diagonal n x n matrix (directions diagonal).

    Parameters
    ----------
    n : int
        The number of rows and columns.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import diagonal
    >>> D = diagonal(3).draw(np.random.default_rng(0))
    >>> bool(np.all(D == np.diag(np.diag(D))))
    True
    """
    return _square(n, "diagonal", dtype=dtype)


def invertible(n: int, dtype="float64") -> Spec:
    """An invertible n x n matrix, condition number at most 10.

    It is not structured: as a variable it is varied in every direction.

    Parameters
    ----------
    n : int
        The number of rows and columns.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import invertible
    >>> bool(np.linalg.cond(invertible(4).draw(np.random.default_rng(0))) <= 10)
    True
    """
    return _square(n, "invertible", dtype=dtype)


def positive(*shape: int, dtype="float64") -> Spec:
    """An array with positive entries (for log, sqrt, powers).

    Parameters
    ----------
    *shape : int
        The shape of the array, one size per argument.
    dtype : str, default "float64"
        The precision of the arrays drawn.

    Returns
    -------
    Spec

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import assert_gradient, positive
    >>> bool(np.all(positive(2, 3).draw(np.random.default_rng(0)) > 0))
    True
    >>> assert_gradient(lambda x: np.sum(np.log(x)), lambda x: 1 / x, [positive(4)], seed=0).ok
    True
    """
    return Spec(tuple(int(s) for s in shape), ("positive",), dtype)
