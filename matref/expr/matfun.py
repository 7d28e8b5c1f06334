"""Numerical implementations of the matrix functions of the language (not elementwise).

Each works on real and on complex input, and on complex input it computes the *analytic
continuation* of the real function (plain transposes, principal branches), which is what the
derivative oracles of :mod:`matref.engine.oracle` need:

* ``expm`` and ``dexpm`` use scaling and squaring with the [13/13] Padé approximant (Higham 2005):
  only products, sums and one linear solve, so the complex step is exact through them. The
  Fréchet derivative ``dexpm(A, E)`` is the top-right block of ``expm([[A, E], [0, A]])``
  (Mathias 1996), which is exact where finite differences are not.
* ``logm``, ``sqrtm``, ``dlogm`` and ``sylvester`` diagonalise (``A = V diag(w) V^-1``), which is
  analytic in the entries where the eigenvalues are simple; the eigen-solver's backward error is not
  below the complex step's ``h = 1e-20``, so they are marked for the contour oracle instead (its
  circle of radius 1e-3 is far above the solver's rounding). The Fréchet derivative of ``logm`` is
  Daleckii and Krein's formula ``V ((V^-1 E V) ∘ F) V^-1`` with the divided differences
  ``F_ij = (log w_i - log w_j) / (w_i - w_j)``.
* ``chol`` is the Cholesky factor computed column by column without conjugation (so that it
  continues analytically: the lower-triangular L with L L^T = A).
* ``singular`` values and vectors come from the symmetric eigenproblem of ``A^T A`` (continued
  through :func:`matref.expr.functions.eig_symmetric`).
"""

from __future__ import annotations

import numpy as np


def expm(a: np.ndarray) -> np.ndarray:
    """The matrix exponential by scaling and squaring (Padé [13/13], Higham 2005).

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(expm(np.array([[0.0, 1.0], [0.0, 0.0]]))[0, 1], 12))
    1.0
    """
    b = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0)
    theta13 = 5.371920351148152
    a = np.asarray(a)
    n = a.shape[0]
    # The number of squarings depends on the real part's norm only, so that a complex step
    # (an imaginary part of 1e-20) takes the same branch as the real point.
    norm1 = float(np.max(np.sum(np.abs(a.real), axis=0))) if n else 0.0
    s = max(0, int(np.ceil(np.log2(norm1 / theta13)))) if norm1 > theta13 else 0
    a = a / (2.0 ** s)
    ident = np.eye(n, dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


def dexpm(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The Fréchet derivative of expm at ``a`` along ``e``: the top-right block of
    ``expm([[a, e], [0, a]])``."""
    a, e = np.asarray(a), np.asarray(e)
    n = a.shape[0]
    dtype = np.result_type(a, e)
    big = np.zeros((2 * n, 2 * n), dtype=dtype)
    big[:n, :n] = a
    big[n:, n:] = a
    big[:n, n:] = e
    return expm(big)[:n, n:]


def eig(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigenvalues, eigenvectors and the inverse of the eigenvector matrix (complex)."""
    w, v = np.linalg.eig(np.asarray(a, dtype=complex))
    return w, v, np.linalg.inv(v)


def _real_if_real(out: np.ndarray, a: np.ndarray) -> np.ndarray:
    return out if np.iscomplexobj(a) else np.ascontiguousarray(out.real)


def _spectral(a: np.ndarray, f) -> np.ndarray:
    w, v, vi = eig(a)
    return _real_if_real((v * f(w)) @ vi, a)


def logm(a: np.ndarray) -> np.ndarray:
    """The principal matrix logarithm (eigenvalues off the closed negative real axis)."""
    return _spectral(a, np.log)


def sqrtm(a: np.ndarray) -> np.ndarray:
    """The principal square root (eigenvalues off the closed negative real axis)."""
    return _spectral(a, np.sqrt)


def divided_differences(w: np.ndarray, f, fprime) -> np.ndarray:
    """``F_ij = (f(w_i) - f(w_j)) / (w_i - w_j)``, and ``f'(w_i)`` where the two are (nearly) equal."""
    fw = f(w)
    dw = w[:, None] - w[None, :]
    close = np.abs(dw) <= 1e-8 * np.maximum(np.abs(w[:, None]), np.abs(w[None, :]))
    mid = (w[:, None] + w[None, :]) / 2
    with np.errstate(all="ignore"):
        out = np.where(close, fprime(mid), (fw[:, None] - fw[None, :]) / np.where(close, 1.0, dw))
    return out


def dlogm(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """The Fréchet derivative of logm at ``a`` along ``e`` (Daleckii-Krein)."""
    w, v, vi = eig(a)
    inner = (vi @ np.asarray(e, dtype=complex) @ v) * divided_differences(w, np.log, lambda z: 1.0 / z)
    return _real_if_real(v @ inner @ vi, _witness(a, e))


def _witness(*arrays) -> np.ndarray:
    """An array that is complex when any input is (for :func:`_real_if_real`)."""
    return np.zeros(1, dtype=np.result_type(*arrays))


def sylvester(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The solution X of ``A X + X B = C`` (A and B diagonalisable, no eigenvalue sum zero)."""
    wa, va, vai = eig(a)
    wb, vb, vbi = eig(b)
    inner = (vai @ np.asarray(c, dtype=complex) @ vb) / (wa[:, None] + wb[None, :])
    return _real_if_real(va @ inner @ vbi, _witness(a, b, c))


def chol(a: np.ndarray) -> np.ndarray:
    """The lower Cholesky factor L (L L^T = A), continued analytically (no conjugates)."""
    a = np.asarray(a)
    n = a.shape[0]
    lo = np.zeros_like(a)
    for j in range(n):
        d = a[j, j] - lo[j, :j] @ lo[j, :j]
        lo[j, j] = np.sqrt(d)
        if j + 1 < n:
            lo[j + 1:, j] = (a[j + 1:, j] - lo[j + 1:, :j] @ lo[j, :j]) / lo[j, j]
    return lo


def tril(a: np.ndarray) -> np.ndarray:
    return np.tril(a)
