"""Source text of the small numpy functions that ``matref show --format numpy`` writes beside an
identity when its expressions use a function numpy does not have under one name (``vech``,
``commutation``, ``expm``, ...).

Each helper is plain numpy and self-contained, so the printed module runs without matref; each
computes what the language's function computes (same conventions: eigenvalues ascending, sign of
eigenvectors, column-major ``vec``), which ``tests/test_to_python.py`` checks on the whole catalog.
"""

from __future__ import annotations

import re

HELPERS: dict[str, str] = {
    "_diag": '''
def _diag(a):
    """diag of the language: a vector to a diagonal matrix, a square matrix to its diagonal (a column)."""
    if 1 in a.shape:
        return np.diagflat(a)
    return np.diag(a).reshape(-1, 1)
''',
    "_softmax": '''
def _softmax(a):
    """Softmax of each column."""
    e = np.exp(a - np.max(a, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''',
    "_logsumexp": '''
def _logsumexp(a):
    """log(sum(exp(a))) over all entries, shifted by the largest entry so that exp cannot overflow."""
    m = np.max(a)
    return m + np.log(np.sum(np.exp(a - m)))
''',
    "_commutation": '''
def _commutation(a):
    """The commutation matrix K with K vec(A) = vec(A.T), for A of the shape of a."""
    m, n = a.shape
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k
''',
    "_eigvec_sign": '''
def _eigvec_sign(v):
    """Eigenvectors with their largest component (in absolute value) positive."""
    idx = np.argmax(np.abs(v), axis=0)
    return v * np.sign(v[idx, np.arange(v.shape[1])])
''',
    "_eigvec": '''
def _eigvec(a, i):
    """The unit eigenvector of the i-th smallest eigenvalue of the symmetric matrix a (a column)."""
    return _eigvec_sign(np.linalg.eigh(a)[1])[:, i:i + 1]
''',
    "_eig_real": '''
def _eig_real(a):
    """Eigenvalues (ascending) and unit eigenvectors of a matrix with real, distinct eigenvalues."""
    w, v = np.linalg.eig(a)
    order = np.argsort(w.real)
    w, v = w[order].real, v[:, order].real
    return w, _eigvec_sign(v / np.linalg.norm(v, axis=0))
''',
    "_singular_vector": '''
def _singular_vector(a, i, left):
    """The unit left (or right) singular vector of the i-th largest singular value; the vector of
    the smaller side has its largest component positive, the other follows from it."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    tall = a.shape[0] >= a.shape[1]
    v = vt[i].reshape(-1, 1) if tall else u[:, i:i + 1]
    v = _eigvec_sign(v)
    if left != tall:
        return v
    return (a @ v if tall else a.T @ v) / s[i]
''',
    "_expm": '''
def _expm(a):
    """The matrix exponential: scaling and squaring with the [13/13] Pade approximant (Higham 2005)."""
    b = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
         129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
         40840800.0, 960960.0, 16380.0, 182.0, 1.0)
    norm1 = np.max(np.sum(np.abs(a), axis=0)) if a.size else 0.0
    s = max(0, int(np.ceil(np.log2(norm1 / 5.371920351148152)))) if norm1 > 5.371920351148152 else 0
    a = a / 2.0 ** s
    ident = np.eye(a.shape[0])
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r
''',
    "_dexpm": '''
def _dexpm(a, e):
    """The Frechet derivative of expm at a along e: the top-right block of expm([[a, e], [0, a]])."""
    n = a.shape[0]
    return _expm(np.block([[a, e], [np.zeros((n, n)), a]]))[:n, n:]
''',
    "_spectral": '''
def _spectral(a, f):
    """f applied to the eigenvalues of a diagonalisable a: V f(w) V^-1 (real for real a)."""
    w, v = np.linalg.eig(a.astype(complex))
    return ((v * f(w)) @ np.linalg.inv(v)).real
''',
    "_logm": '''
def _logm(a):
    """The principal matrix logarithm (eigenvalues off the closed negative real axis)."""
    return _spectral(a, np.log)
''',
    "_sqrtm": '''
def _sqrtm(a):
    """The principal matrix square root (eigenvalues off the closed negative real axis)."""
    return _spectral(a, np.sqrt)
''',
    "_dlogm": '''
def _dlogm(a, e):
    """The Frechet derivative of logm at a along e (Daleckii-Krein: divided differences of log)."""
    w, v = np.linalg.eig(a.astype(complex))
    vi = np.linalg.inv(v)
    dw = w[:, None] - w[None, :]
    close = np.abs(dw) <= 1e-8 * np.maximum(np.abs(w[:, None]), np.abs(w[None, :]))
    with np.errstate(all="ignore"):
        f = np.where(close, 2.0 / (w[:, None] + w[None, :]),
                     (np.log(w)[:, None] - np.log(w)[None, :]) / np.where(close, 1.0, dw))
    return (v @ ((vi @ e @ v) * f) @ vi).real
''',
    "_sylvester": '''
def _sylvester(a, b, c):
    """The solution X of a X + X b = c (a and b diagonalisable, no eigenvalue of a equal to minus one of b)."""
    wa, va = np.linalg.eig(a.astype(complex))
    wb, vb = np.linalg.eig(b.astype(complex))
    inner = (np.linalg.solve(va, c) @ vb) / (wa[:, None] + wb[None, :])
    return (va @ inner @ np.linalg.inv(vb)).real
''',
    "_hardmax": '''
def _hardmax(a):
    """One-hot of the largest entry (the gradient of max)."""
    out = np.zeros(np.shape(a))
    out.reshape(-1)[np.argmax(a)] = 1.0
    return out
''',
    "_tri_pairs": '''
def _tri_pairs(n):
    """(i, j) with i >= j, column by column: the order of vech."""
    return [(i, j) for j in range(n) for i in range(j, n)]
''',
    "_vech": '''
def _vech(a):
    """Half-vectorisation: the lower triangle (diagonal included), column by column, as a column."""
    return np.array([a[i, j] for i, j in _tri_pairs(a.shape[0])]).reshape(-1, 1)
''',
    "_duplication": '''
def _duplication(a):
    """The duplication matrix D with D vech(S) = vec(S) for symmetric S of the size of a."""
    n = a.shape[0]
    d = np.zeros((n * n, n * (n + 1) // 2))
    for k, (i, j) in enumerate(_tri_pairs(n)):
        d[j * n + i, k] = d[i * n + j, k] = 1.0
    return d
''',
    "_elimination": '''
def _elimination(a):
    """The elimination matrix L with L vec(A) = vech(A) for A of the size of a."""
    n = a.shape[0]
    e = np.zeros((n * (n + 1) // 2, n * n))
    for k, (i, j) in enumerate(_tri_pairs(n)):
        e[k, j * n + i] = 1.0
    return e
''',
}

_CALLED = re.compile(r"\b(_[a-z_0-9]+)\(")


def needed(text: str) -> list[str]:
    """The helpers that ``text`` calls, with the helpers they call in turn, each once, in an order
    where a helper comes after those it calls."""
    out: list[str] = []

    def visit(name: str) -> None:
        if name in out or name not in HELPERS:
            return
        for inner in _CALLED.findall(HELPERS[name].split(":", 1)[1]):
            if inner != name:
                visit(inner)
        out.append(name)

    for name in _CALLED.findall(text):
        visit(name)
    return out


def source(names: list[str]) -> str:
    """The definitions of ``names``, separated as a module's functions are."""
    return "\n\n".join(HELPERS[n].strip("\n") for n in names)
