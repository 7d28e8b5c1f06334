"""Random instances that satisfy assumptions by construction, with a bounded condition number.

Nothing is drawn by rejection: SPD matrices are ``Q diag(l) Q^T`` with ``l`` in ``[1, kappa]``,
orthogonal ones come from a QR factorisation, general matrices are ``U diag(s) V^T``. Every
function takes an explicit :class:`numpy.random.Generator`.
"""

from __future__ import annotations

import numpy as np

from matref.assumptions import closure

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

    Positive: from 1 up, at most about 10 for n = 6. Otherwise shifted so that one eigenvalue is
    0.5 or -0.5 and every other is at least 0.5 away from zero (the matrix stays invertible).
    """
    gaps = rng.uniform(1.0, 1.8, size=n)
    lam = np.cumsum(gaps) - gaps[0]
    if positive:
        return lam + 1.0
    k = int(rng.integers(n))
    return lam - lam[k] + rng.choice([-0.5, 0.5])


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A Haar-distributed orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def draw(rng: np.random.Generator, shape: tuple[int, int], assume=(), kappa: float = KAPPA) -> np.ndarray:
    """A random ``shape`` matrix satisfying the assumptions ``assume``.

    Examples
    --------
    >>> import numpy as np
    >>> X = draw(np.random.default_rng(0), (4, 4), ["spd"])
    >>> bool(np.all(np.linalg.eigvalsh(X) >= 1 - 1e-12)) and np.allclose(X, X.T)
    True
    """
    props = closure(assume)
    m, n = shape
    if "square" in props and m != n:
        raise ValueError(f"cannot draw a square matrix of shape {m}x{n}")
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
    if "orthogonal" in props:
        if "diagonal" in props:
            return np.diag(rng.choice([-1.0, 1.0], size=n))
        q = orthogonal(rng, n)
        if "symmetric" in props:
            return q @ np.diag(rng.choice([-1.0, 1.0], size=n)) @ q.T
        return q
    if "diagonal" in props:
        return np.diag(spectrum(rng, n, kappa, signed="posdef" not in props))
    if "symmetric" in props:
        q = orthogonal(rng, n)
        if "distinct_eigenvalues" in props:
            lam = separated_spectrum(rng, n, positive="posdef" in props)
        else:
            lam = np.sort(spectrum(rng, n, kappa, signed="posdef" not in props))
        if "repeated_eigenvalue" in props and n >= 2:
            lam[1] = lam[0]  # the two smallest coincide: eigenvalue derivatives do not exist there
        return (q * lam) @ q.T
    if "posdef" in props:
        # S + K with S SPD (spectrum in [1, kappa]) and K skew: not symmetric, yet sums and
        # inverses of such matrices stay positive real, hence invertible with sigma_min >= 1,
        # so A + C B C^T or A + B are well conditioned without symmetric (transpose-blind) samples.
        # sigma_min >= 1 (symmetric part >= I) and sigma_max <= kappa/2 + kappa/2 = kappa.
        q = orthogonal(rng, n)
        s = (q * spectrum(rng, n, max(kappa / 2, 1.0))) @ q.T
        g = rng.standard_normal((n, n))
        k = (g - g.T) / 2
        norm = np.linalg.norm(k, 2)
        return s + (k * (kappa / 2) * rng.uniform(0.2, 1.0) / norm if norm > 0 else k)
    if m == 1 and n == 1:
        return spectrum(rng, 1, kappa, signed=True).reshape(1, 1)
    k = min(m, n)
    u = orthogonal(rng, m)[:, :k]
    v = orthogonal(rng, n)[:, :k]
    return (u * spectrum(rng, k, kappa)) @ v.T


def direction(rng: np.random.Generator, point: np.ndarray, assume=()) -> np.ndarray:
    """A random unit (Frobenius) direction in the tangent space of the variable's structure.

    Symmetric variables move in symmetric directions, diagonal ones along the diagonal,
    orthogonal ones along ``Q @ skew``; everything else in any direction.
    """
    props = closure(assume)
    g = rng.standard_normal(point.shape)
    if "orthogonal" in props and "diagonal" in props:
        v = np.zeros_like(point)  # diagonal orthogonal matrices are isolated points (+-1 on the diagonal)
    elif "orthogonal" in props and "symmetric" in props:
        # Q = U D U^T with D = +-1: moving U along U K (K skew) gives dQ = U (K D - D K) U^T.
        w, u = np.linalg.eigh((point + point.T) / 2)
        k = g - g.T
        d = np.diag(np.sign(w))
        v = u @ (k @ d - d @ k) @ u.T
    elif "orthogonal" in props:
        s = g - g.T
        v = point @ s if point.shape[0] > 1 else np.zeros_like(point)
    elif "diagonal" in props:
        v = np.diag(np.diag(g))
    elif "symmetric" in props:
        v = (g + g.T) / 2
    else:
        v = g
    norm = np.linalg.norm(v)
    return v / norm if norm > 0 else v


def project(matrix: np.ndarray, assume=()) -> np.ndarray:
    """Orthogonal projection of a gradient onto the variable's structured space."""
    props = closure(assume)
    if "diagonal" in props:
        return np.diag(np.diag(matrix))
    if "symmetric" in props:
        return (matrix + matrix.T) / 2
    return matrix
