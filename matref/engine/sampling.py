"""Random instances that satisfy assumptions by construction, with a bounded condition number.

Nothing is drawn by rejection: SPD matrices are ``Q diag(l) Q^T`` with ``l`` in ``[1, kappa]``,
orthogonal ones come from a QR factorisation, general matrices are ``U diag(s) V^T``. Assumptions
are sampled jointly (orthogonal and positive definite is a rotation by less than a right angle;
orthogonal and SPD is the identity), and every draw is checked against every assumption, so a
combination the constructions do not cover is an error, never a silent mismatch. Every function
takes an explicit :class:`numpy.random.Generator`.

Directions and gradients live in the *tangent space* of the variable's structure, with the
Frobenius inner product: all matrices; symmetric ones; diagonal ones; ``X @ skew`` at an
orthogonal ``X``. The gradient on a structured space is the projection of the Euclidean gradient
onto that tangent space (for symmetric matrices ``sym(G)``, Srinivasan & Panda).
"""

from __future__ import annotations

import numpy as np

from matref.data.assumptions import closure, violated_by
from matref.errors import MatrefError

KAPPA = 10.0
"""Bound on the condition number of every sampled matrix."""


def spectrum(rng: np.random.Generator, n: int, kappa: float = KAPPA, signed: bool = False) -> np.ndarray:
    """``n`` values log-uniform in ``[1, kappa]``, with random signs if ``signed``."""
    values = np.exp(rng.uniform(0.0, np.log(kappa), size=n))
    if signed:
        values *= rng.choice([-1.0, 1.0], size=n)
    return values


def separated_spectrum(rng: np.random.Generator, n: int, positive: bool = False) -> np.ndarray:
    """``n`` ascending eigenvalues at least 1 apart (so eigenvectors are well conditioned).

    Positive: from 1 up. Otherwise shifted so that one eigenvalue is 0.5 or -0.5 and every other
    is at least 0.5 away from zero (the matrix stays invertible).
    """
    gaps = rng.uniform(1.0, 1.8, size=n)
    lam = np.cumsum(gaps) - gaps[0]
    if positive:
        return lam + 1.0
    k = int(rng.integers(n))
    return lam - lam[k] + rng.choice([-0.5, 0.5])


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-distributed orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    return frame(rng, n, n)


def frame(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """``k`` orthonormal columns in R^n, Haar-distributed (the first k columns of a random
    orthogonal matrix, at the cost of an n x k QR: a long vector never needs an n x n matrix)."""
    q, r = np.linalg.qr(rng.standard_normal((n, k)))
    signs = np.sign(np.diag(r))
    return q * np.where(signs == 0, 1.0, signs)


def _rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    """An orthogonal matrix with positive definite symmetric part: rotations by angles below 70
    degrees in random orthogonal planes (and +1 on a leftover axis)."""
    blocks = np.eye(n)
    for k in range(0, n - 1, 2):
        t = rng.uniform(-1.2, 1.2)
        blocks[k:k + 2, k:k + 2] = [[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]
    u = orthogonal(rng, n)
    return u @ blocks @ u.T


def _draw_orthogonal(rng, n: int, props) -> np.ndarray:
    if "positive" in props:
        if n == 1:
            return np.ones((1, 1))
        raise MatrefError(f"no {n}x{n} matrix is both orthogonal and entrywise positive (only the 1x1 matrix 1)")
    if "distinct_eigenvalues" in props and n > 2:
        raise MatrefError(f"a symmetric orthogonal matrix has eigenvalues +-1 only: no {n}x{n} one has "
                          "distinct eigenvalues")
    definite = "posdef" in props
    if "diagonal" in props:
        return np.eye(n) if definite else np.diag(rng.choice([-1.0, 1.0], size=n))
    if "symmetric" in props:
        if definite:
            return np.eye(n)
        signs = rng.choice([-1.0, 1.0], size=n)
        if "distinct_eigenvalues" in props and n == 2:
            signs = np.array([-1.0, 1.0])
        if "repeated_eigenvalue" in props and n >= 2:
            signs[1] = signs[0]
        q = orthogonal(rng, n)
        return q @ np.diag(signs) @ q.T
    if definite:
        return _rotation(rng, n)
    return orthogonal(rng, n)


def _draw(rng, shape, props, kappa) -> np.ndarray:
    m, n = shape
    if "square" in props and m != n:
        raise ValueError(f"cannot draw a square matrix of shape {m}x{n}")  # the size drawer never asks
    if "orthogonal" in props:
        return _draw_orthogonal(rng, n, props)
    if "positive" in props:
        # Positive entries alone give a dominant rank-one part (ill conditioned); a strong
        # diagonal keeps the condition number bounded while every entry stays positive.
        out = rng.uniform(0.1, 1.0, size=shape)
        k = min(m, n)
        out[np.arange(k), np.arange(k)] += max(m, n)
        if "symmetric" in props:
            out = (out + out.T) / 2
        if "diagonal" in props:
            out = np.diag(np.diag(out))
        return out
    if "diagonal" in props:
        if "distinct_eigenvalues" in props:
            return np.diag(rng.permutation(separated_spectrum(rng, n, positive="posdef" in props)))
        d = spectrum(rng, n, kappa, signed="posdef" not in props)
        if "repeated_eigenvalue" in props and n >= 2:
            d = np.sort(d)
            d[1] = d[0]
        return np.diag(d)
    if "symmetric" in props:
        q = orthogonal(rng, n)
        if "distinct_eigenvalues" in props:
            lam = separated_spectrum(rng, n, positive="posdef" in props)
        else:
            lam = np.sort(spectrum(rng, n, kappa, signed="posdef" not in props))
        if "repeated_eigenvalue" in props and n >= 2:
            lam[1] = lam[0]  # the two smallest coincide: eigenvalue derivatives do not exist there
        return (q * lam) @ q.T
    if "real_eigenvalues" in props:
        # V diag(w) V^-1 with V of condition number at most 3 (singular values in [1, 3]) and
        # separated real w: a non-symmetric matrix whose eigenvalues and eigenvectors are well
        # conditioned, by construction.
        v = (orthogonal(rng, n) * rng.uniform(1.0, 3.0, n)) @ orthogonal(rng, n).T
        lam = separated_spectrum(rng, n, positive="posdef" in props)
        return (v * lam) @ np.linalg.inv(v)
    if "posdef" in props:
        # S + K with S SPD (spectrum in [1, kappa/2]) and K skew: not symmetric, yet sums and
        # inverses of such matrices stay positive real, hence invertible with sigma_min >= 1,
        # so A + C B C^T or A + B are well conditioned without symmetric (transpose-blind) samples.
        q = orthogonal(rng, n)
        s = (q * spectrum(rng, n, max(kappa / 2, 1.0))) @ q.T
        g = rng.standard_normal((n, n))
        k = (g - g.T) / 2
        norm = np.linalg.norm(k, 2)
        return s + (k * (kappa / 2) * rng.uniform(0.2, 1.0) / norm if norm > 0 else k)
    if m == 1 and n == 1:
        return spectrum(rng, 1, kappa, signed=True).reshape(1, 1)
    k = min(m, n)
    u = frame(rng, m, k)
    v = frame(rng, n, k)
    return (u * spectrum(rng, k, kappa)) @ v.T


def draw(rng: np.random.Generator, shape: tuple[int, int], assume=(), kappa: float = KAPPA) -> np.ndarray:
    """A random ``shape`` matrix satisfying the assumptions ``assume`` (jointly).

    Raises
    ------
    MatrefError
        When no matrix of that shape satisfies the assumptions together (orthogonal and
        positive at n >= 2), or when a combination is not covered by a construction.

    Examples
    --------
    >>> import numpy as np
    >>> X = draw(np.random.default_rng(0), (4, 4), ["spd"])
    >>> bool(np.all(np.linalg.eigvalsh(X) >= 1 - 1e-12)) and np.allclose(X, X.T)
    True
    >>> draw(np.random.default_rng(0), (3, 3), ["spd", "orthogonal"])  # the only one
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    props = closure(assume)
    if "distinct_eigenvalues" in props and "repeated_eigenvalue" in props:
        raise MatrefError("distinct_eigenvalues and repeated_eigenvalue contradict each other")
    out = _draw(rng, shape, props, kappa)
    bad = violated_by(out, props)
    if bad:
        raise MatrefError(f"cannot draw a {shape[0]}x{shape[1]} matrix that is {' and '.join(sorted(props))}: "
                          f"the constructions do not cover {', '.join(bad)} together with the rest")
    return out


# -- tangent spaces ----------------------------------------------------------------------------------
def structure(assume, shape=None) -> str:
    """The tangent-space kind of a variable: ``general``, ``symmetric``, ``diagonal``, ``orthogonal``,
    ``symmetric_orthogonal`` or ``point`` (isolated points: nothing to differentiate along, as for
    diagonal orthogonal matrices or a 1x1 orthogonal one)."""
    props = closure(assume)
    if "orthogonal" in props:
        if "diagonal" in props or ("symmetric" in props and "posdef" in props) or tuple(shape or ()) == (1, 1):
            return "point"  # diag(+-1), or the identity
        return "symmetric_orthogonal" if "symmetric" in props else "orthogonal"
    if "diagonal" in props:
        return "diagonal"
    if "symmetric" in props:
        return "symmetric"
    return "general"


def project(matrix: np.ndarray, assume=(), point: np.ndarray | None = None) -> np.ndarray:
    """Orthogonal (Frobenius) projection onto the tangent space of the variable at ``point``.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.array([[1.0, 2.0], [0.0, 3.0]])
    >>> project(g, ["symmetric"])
    array([[1., 1.],
           [1., 3.]])
    """
    kind = structure(assume, None if point is None else point.shape)
    if kind == "general":
        return matrix
    if kind == "symmetric":
        return (matrix + matrix.T) / 2
    if kind == "diagonal":
        return np.diag(np.diag(matrix)) if matrix.ndim == 2 and matrix.shape[0] == matrix.shape[1] else matrix
    if kind == "point":
        return np.zeros_like(matrix)
    x = point
    if kind == "orthogonal":  # T_X O(n) = {X S : S skew}; P(G) = X skew(X^T G)
        return (matrix - x @ matrix.T @ x) / 2
    s = (matrix + matrix.T) / 2  # symmetric orthogonal X = U diag(+-1) U^T: P(G) = (S - X S X) / 2
    return (s - x @ s @ x) / 2


def direction(rng: np.random.Generator, point: np.ndarray, assume=()) -> np.ndarray:
    """A random unit (Frobenius) direction in the tangent space at ``point``; zero if the space
    has no directions (isolated points, or a 1x1 orthogonal matrix)."""
    g = rng.standard_normal(point.shape)
    v = project(g, assume, point)
    norm = np.linalg.norm(v)
    return v / norm if norm > 1e-12 * np.linalg.norm(g) else np.zeros_like(point)


def tangent_basis(point: np.ndarray, assume=()) -> list[np.ndarray]:
    """An orthonormal basis of the tangent space at ``point`` (for elementwise explanations)."""
    shape = point.shape
    cols = []
    for j in range(shape[1]):  # column-major, matching vec
        for i in range(shape[0]):
            e = np.zeros(shape)
            e[i, j] = 1.0
            cols.append(project(e, assume, point).reshape(-1, order="F"))
    q, r = np.linalg.qr(np.array(cols).T)
    keep = np.abs(np.diag(r)) > 1e-10
    return [q[:, k].reshape(shape, order="F") for k in range(q.shape[1]) if keep[k]]


def project_operator(matrix: np.ndarray, assume, point: np.ndarray, rows: bool = True, cols: bool = True):
    """Project a matrix acting on vec-space: each column (``cols``) and each row (``rows``) is the
    vec of a matrix shaped like ``point`` and is projected onto the tangent space. ``P H P`` for a
    Hessian, ``J P`` for a Jacobian."""
    shape = point.shape
    out = np.array(matrix, dtype=float)

    def proj_vec(v):
        return project(v.reshape(shape, order="F"), assume, point).reshape(-1, order="F")

    if cols and out.shape[0] == point.size:
        out = np.column_stack([proj_vec(out[:, k]) for k in range(out.shape[1])])
    if rows and out.shape[1] == point.size:
        out = np.vstack([proj_vec(out[k, :]) for k in range(out.shape[0])])
    return out
