"""Other spellings of matref's functions: what people paste from numpy, JAX, PyTorch or SciPy code
and what they write by habit, each read as one expression of the language (or refused with what
to write instead).

One record per spelling. The parser strips a module prefix (``np.``, ``numpy.linalg.``,
``torch.``, ``jnp.`` ...) from a called name, then looks the rest up here; method calls
(``A.dot(x)``, ``X.transpose()``) are looked up in :data:`METHODS`. Nothing is evaluated: each
builder makes matref nodes from the already translated arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from matref.expr import nodes as N

PREFIXES = ("numpy.linalg.", "np.linalg.", "jax.numpy.linalg.", "jnp.linalg.", "torch.linalg.", "scipy.linalg.",
            "scipy.special.", "jax.scipy.special.", "jax.nn.", "torch.special.", "numpy.", "np.", "jax.numpy.",
            "jnp.", "torch.", "linalg.", "la.", "special.")
"""Module prefixes a called name may carry (longest first): ``np.linalg.inv`` reads as ``inv``."""


@dataclass(frozen=True)
class Spelling:
    """``name(args)`` read as matref nodes: ``nargs`` arguments (None: any), built by ``build``."""

    name: str
    nargs: int | None
    build: Callable[..., N.Node]  # (args, span) -> Node
    reads_as: str  # for the table of accepted spellings


def _call(func: str) -> Callable[..., N.Node]:
    return lambda args, span: N.Call(func, tuple(args), (), span=span)


def _ones(x: N.Node) -> N.Node:
    return N.Pow(x, 0)


SPELLINGS: dict[str, Spelling] = {s.name: s for s in [
    Spelling("trace", 1, _call("tr"), "tr(X)"),
    Spelling("absolute", 1, _call("abs"), "abs(x)"),
    Spelling("amax", 1, _call("max"), "max(x)"),
    Spelling("cholesky", 1, _call("chol"), "chol(A)"),
    Spelling("matrix_exp", 1, _call("expm"), "expm(X)"),
    Spelling("heaviside", 1, _call("step"), "step(x)"),
    Spelling("Tr", 1, _call("tr"), "tr(X)"),
    Spelling("inverse", 1, _call("inv"), "inv(X)"),
    Spelling("matrix_power", None, None, "mpow(X, k)"),  # built by the parser (an integer parameter)
    Spelling("transpose", 1, lambda a, s: N.Transpose(a[0], span=s), "X.T"),
    Spelling("dot", 2, lambda a, s: N.MatMul(a[0], a[1], span=s), "A @ B"),
    Spelling("matmul", 2, lambda a, s: N.MatMul(a[0], a[1], span=s), "A @ B"),
    Spelling("outer", 2, lambda a, s: N.MatMul(a[0], N.Transpose(a[1]), span=s), "a @ b.T"),
    Spelling("inner", 2, lambda a, s: N.MatMul(N.Transpose(a[0]), a[1], span=s), "a.T @ b"),
    Spelling("multiply", 2, lambda a, s: N.Mul(a[0], a[1], span=s), "A * B"),
    Spelling("divide", 2, lambda a, s: N.Div(a[0], a[1], span=s), "A / B"),
    Spelling("add", 2, lambda a, s: N.Add(a[0], a[1], span=s), "A + B"),
    Spelling("subtract", 2, lambda a, s: N.Sub(a[0], a[1], span=s), "A - B"),
    Spelling("negative", 1, lambda a, s: N.Neg(a[0], span=s), "-A"),
    Spelling("square", 1, lambda a, s: N.Pow(a[0], 2, span=s), "x ** 2"),
    Spelling("reciprocal", 1, lambda a, s: N.Div(N.Number(1.0), a[0], span=s), "1 / x"),
    Spelling("mean", 1, lambda a, s: N.Div(N.Call("sum", (a[0],)), N.Call("sum", (_ones(a[0]),)), span=s),
             "sum(x) / sum(x ** 0)"),
    Spelling("ln", 1, _call("log"), "log(x)"),
    Spelling("expit", 1, _call("sigmoid"), "sigmoid(x)"),
    Spelling("logistic", 1, _call("sigmoid"), "sigmoid(x)"),
    Spelling("logsumexp", 1, _call("logsumexp"), "logsumexp(x)"),
    Spelling("identity", None, None, "eye(k), or I"),  # built by the parser, like eye
]}
"""Names read as another expression of the language (after a module prefix is stripped)."""

METHODS: dict[str, tuple[int, Callable[..., N.Node], str]] = {
    "dot": (1, lambda obj, a, s: N.MatMul(obj, a[0], span=s), "A.dot(B) -> A @ B"),
    "transpose": (0, lambda obj, a, s: N.Transpose(obj, span=s), "X.transpose() -> X.T"),
    "sum": (0, lambda obj, a, s: N.Call("sum", (obj,), (), span=s), "X.sum() -> sum(X)"),
    "trace": (0, lambda obj, a, s: N.Call("tr", (obj,), (), span=s), "X.trace() -> tr(X)"),
    "mean": (0, lambda obj, a, s: SPELLINGS["mean"].build([obj], s), "x.mean() -> sum(x) / sum(x ** 0)"),
}
"""Method calls read as expressions: (arguments, builder, how it reads)."""

REFUSED: dict[str, str] = {
    "maximum": "np.maximum(a, b) is elementwise: write relu(a - b) + b (max(A) is the largest entry)",
    "slogdet": "slogdet returns a pair: write logdet(X) for log|det X|",
    "svd": "singular values are sigma(A, i) (largest first, from 0), singular vectors lsv(A, i) and rsv(A, i)",
    "svdvals": "singular values are sigma(A, i) (largest first, from 0)",
    "eig": "eigenvalues of a symmetric matrix are eigval(A, i) (ascending, from 0), eigenvectors eigvec(A, i); "
           "of a matrix with real eigenvalues, eigvalg(A, i), right and left eigenvectors eigvecr(A, i), eigvecl(A, i)",
    "eigh": "eigenvalues of a symmetric matrix are eigval(A, i) (ascending, from 0), eigenvectors eigvec(A, i)",
    "eigvals": "eigenvalues of a symmetric matrix are eigval(A, i) (ascending, from 0)",
    "eigvalsh": "eigenvalues of a symmetric matrix are eigval(A, i) (ascending, from 0)",
    "solve": "write inv(A) @ b for the solution of A x = b",
    "conj": "matref's expressions are real: drop the conjugate",
    "conjugate": "matref's expressions are real: drop the conjugate",
}
"""Names that are refused with what to write instead."""


def strip_prefix(dotted: str) -> str:
    """``np.linalg.inv`` -> ``inv``; a name with no known prefix is returned as it is."""
    for prefix in PREFIXES:
        if dotted.startswith(prefix):
            return dotted[len(prefix):]
    return dotted


def table() -> list[tuple[str, str]]:
    """(what you may write, how matref reads it), for the book and the closing note."""
    rows = [(f"{name}(...)", s.reads_as) for name, s in SPELLINGS.items()]
    rows += [(f".{name}(...)", how) for name, (_, _, how) in METHODS.items()]
    return rows
