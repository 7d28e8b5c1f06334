"""Source text of the small numpy functions that ``matref show --format numpy`` writes beside an
identity when its expressions use a function numpy does not have under one name (``vech``,
``commutation``, ``expm``, ...).

Each helper is plain numpy and self-contained, so the printed module runs without matref; each
computes what the language's function computes (same conventions: eigenvalues ascending, sign of
eigenvectors, column-major ``vec``), which ``tests/test_to_python.py`` checks on the whole catalog.
"""

from __future__ import annotations

import inspect
import re
import textwrap

from matref.expr import functions as F
from matref.expr import matfun as M

HELPERS: dict[str, str] = {
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
}

# Where the language's own implementation is already plain numpy (and self-contained: expm keeps its
# constants inside), the printed helper is its source, renamed.
for _name, _fn in {"_diag": F._diag, "_commutation": F._commutation, "_eigvec_sign": F._eigvec_sign,
                   "_hardmax": F.hardmax, "_tri_pairs": F._tri_pairs, "_vech": F._vech,
                   "_duplication": F._duplication, "_elimination": F._elimination, "_expm": M.expm}.items():
    HELPERS[_name] = "\n" + re.sub(rf"(?<![\w.]){_fn.__name__}\(", f"{_name}(", textwrap.dedent(inspect.getsource(_fn)))

_CALLED = re.compile(r"\b(_[a-z_0-9]+)\(")


def needed(text: str) -> list[str]:
    """The helpers that ``text`` calls, with the helpers they call in turn, each once, in an order
    where a helper comes after those it calls."""
    out: list[str] = []

    def visit(name: str) -> None:
        if name in out or name not in HELPERS:
            return
        for inner in _CALLED.findall(HELPERS[name]):
            if inner != name:  # (its own name: its definition and its docstring's example)
                visit(inner)
        out.append(name)

    for name in _CALLED.findall(text):
        visit(name)
    return out


def source(names: list[str]) -> str:
    """The definitions of ``names``, separated as a module's functions are."""
    return "\n\n\n".join(HELPERS[n].strip("\n") for n in names)
