"""The functions of the expression language, one small spec each.

Every numpy implementation is the analytic continuation of the real function near real inputs
(plain transposes, never conjugates; ``logdet`` keeps the sign of the real determinant), so the
complex-step derivative in :mod:`matref.engine.checks` is exact for every expression.
"""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from typing import Callable

import numpy as np

from matref.expr import rounding as R
from matref.expr.dims import Shape, Unifier, product

# LaTeX precedences: a child whose precedence is below what its parent needs gets parentheses.
ADD, KRON, MUL, UNARY, POSTFIX, ATOM = 10, 15, 20, 30, 40, 50


class Mismatch(Exception):
    """Raised by a shape rule; the typer turns it into a ShapeError at the call's span."""


@dataclass(frozen=True)
class Func:
    name: str
    nargs: int
    shape: Callable[..., Shape]  # (unifier, arg_shapes, fresh, params) -> Shape
    numpy: Callable[..., np.ndarray]  # (*arrays, *params) -> 2-D array
    latex: Callable[..., tuple[str, int]]  # (args: list[(tex, prec)], params, scalar_args) -> (tex, prec)
    nparams: int = 0
    doc: str = ""
    complex_step: bool = True  # False: the complex implementation is not an analytic continuation
    bound: Callable[..., "R.Bounded"] | None = None  # (Bounded args, params, Context) -> Bounded; see rounding
    work: Callable[..., float] | None = None  # (arg shapes, result shape, params) -> flops; None: linear
    exact: Callable[..., object] | None = None  # (sympy, *matrices, *params) -> sympy Matrix; None: no exact rule


def _cubic(factor: float) -> Callable[..., float]:
    """Work of a dense factorisation of an n x n (or m x n) argument: factor * n^3 flops."""
    return lambda ins, out, params: factor * max(ins[0]) * max(ins[0]) * min(ins[0])


def _power_work(ins, out, params) -> float:
    n = ins[0][0]
    return 2.0 * n ** 3 * (2 * max(1, abs(params[0])).bit_length())


def _square(u: Unifier, s: Shape, what: str) -> None:
    if not u.unify(s[0], s[1]):
        raise Mismatch(f"{what} needs a square matrix")


def _scalar(a) -> np.ndarray:
    return np.asarray(a).reshape(1, 1)


def _paren(arg: tuple[str, int], need: int) -> str:
    tex, prec = arg
    return f"\\left({tex}\\right)" if prec < need else tex


def _wrap(op: str) -> Callable[..., tuple[str, int]]:
    return lambda args, params, scalars: (f"{op}\\left({args[0][0]}\\right)", ATOM)


def _superscript(sup: str) -> Callable[..., tuple[str, int]]:
    return lambda args, params, scalars: (f"{_paren(args[0], ATOM)}^{{{sup}}}", POSTFIX)


def _elementwise(op: str) -> Callable[..., tuple[str, int]]:
    def tex(args, params, scalars):
        name = op if scalars[0] else f"{op}_{{\\circ}}"
        return f"{name}\\left({args[0][0]}\\right)", ATOM

    return tex


# -- shape rules -------------------------------------------------------------------------
def _to_scalar_square(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        return (1, 1)

    return rule


def _same_square(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        return shapes[0]

    return rule


def _same(u, shapes, fresh, params):
    return shapes[0]


def _to_scalar(u, shapes, fresh, params):
    return (1, 1)


def _norm_shape(u, shapes, fresh, params):
    """norm(X) is Frobenius; norm(x, 2) as read from numpy (params (2,)) is the Euclidean norm of a
    vector only: of a matrix it would be the spectral norm, which the language does not have."""
    if params:
        r, c = shapes[0]
        if not (u.is_scalar((r, 1)) or u.unify(c, 1)):
            raise Mismatch("norm(X, 2) of a matrix is its spectral norm, not in the language yet: norm(X) "
                           "is the Frobenius norm")
    return (1, 1)


def _kron_shape(u, shapes, fresh, params):
    (a, b), (c, d) = shapes
    return (product(a, c), product(b, d))


def _vec_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    return (product(r, c), 1)


def _pinv_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    return (c, r)


def _diag_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    if u.is_one(c):
        return (r, r)
    if u.is_one(r):
        return (c, c)
    _square(u, shapes[0], "diag of a matrix (its diagonal)")
    return (r, 1)


def _mpow_shape(u, shapes, fresh, params):
    _square(u, shapes[0], "mpow")
    if params[0] < 0:
        raise Mismatch("mpow needs a power k >= 0 (use inv for negative powers)")
    return shapes[0]


# -- numpy -------------------------------------------------------------------------------
def _logdet(a: np.ndarray) -> np.ndarray:
    sign, logabs = np.linalg.slogdet(a)
    if np.iscomplexobj(a):
        # log|det| continued analytically: log(det * sign(Re det)), principal branch near +1.
        return _scalar(logabs + np.log(sign * np.sign(sign.real)))
    return _scalar(logabs)


def _pinv(a: np.ndarray) -> np.ndarray:
    if not np.iscomplexobj(a):
        # Real input (every claim, and f away from the complex step): the SVD pseudo-inverse,
        # which also serves rank-deficient matrices such as (lambda I - A) in eigenvector rules.
        return np.linalg.pinv(a, rcond=1e-10)
    # Complex step: full-rank formulas, because the SVD conjugates and is not analytic.
    m, n = a.shape
    if m >= n:
        return np.linalg.solve(a.T @ a, a.T)
    return a.T @ np.linalg.inv(a @ a.T)


def _vec(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, 1, order="F")


def _diag(a: np.ndarray) -> np.ndarray:
    m, n = a.shape
    if n == 1 or m == 1:
        return np.diagflat(a)
    return np.diag(a).reshape(-1, 1).copy()


FUNCTIONS: dict[str, Func] = {
    f.name: f
    for f in [
        Func("tr", 1, _to_scalar_square("tr"), lambda a: _scalar(np.trace(a)),
             _wrap("\\operatorname{tr}"), doc="trace", bound=R.rule_tr),
        Func("det", 1, _to_scalar_square("det"), lambda a: _scalar(np.linalg.det(a)),
             _wrap("\\det"), doc="determinant", bound=R.rule_det, work=_cubic(1.0)),
        Func("logdet", 1, _to_scalar_square("logdet"), _logdet,
             lambda args, p, s: (f"\\ln\\left|\\det\\left({args[0][0]}\\right)\\right|", ATOM),
             doc="log of the absolute value of the determinant", bound=R.rule_logdet, work=_cubic(1.0)),
        Func("inv", 1, _same_square("inv"), np.linalg.inv, _superscript("-1"), doc="inverse", bound=R.rule_inv, work=_cubic(2.0)),
        Func("pinv", 1, _pinv_shape, _pinv, _superscript("+"),
             doc="Moore-Penrose pseudo-inverse (differentiated through only where the matrix has full rank)", bound=R.rule_pinv, work=_cubic(12.0)),
        Func("mpow", 1, _mpow_shape, lambda a, k: np.linalg.matrix_power(a, k),
             lambda args, p, s: (f"{_paren(args[0], ATOM)}^{{{p[0]}}}", POSTFIX),
             nparams=1, doc="matrix power by an integer k >= 0", bound=R.rule_mpow, work=_power_work),
        Func("kron", 2, _kron_shape, np.kron,
             lambda args, p, s: (f"{_paren(args[0], POSTFIX)} \\otimes {_paren(args[1], POSTFIX)}", KRON),
             doc="Kronecker product", bound=R.rule_kron),
        Func("vec", 1, _vec_shape, _vec,
             _wrap("\\operatorname{vec}"), doc="column-major vectorisation", bound=R.linear(_vec)),
        Func("diag", 1, _diag_shape, _diag, _wrap("\\operatorname{diag}"),
             doc="vector to diagonal matrix, or square matrix to its diagonal (numpy semantics)", bound=R.linear(_diag)),
        Func("exp", 1, _same, np.exp, _elementwise("\\exp"), doc="elementwise exponential", bound=R.rule_exp),
        Func("log", 1, _same, np.log, _elementwise("\\log"), doc="elementwise natural logarithm", bound=R.rule_log),
        Func("sum", 1, _to_scalar, lambda a: _scalar(np.sum(a)),
             _wrap("\\operatorname{sum}"), doc="sum of all entries", bound=R.rule_sum),
    ]
}

def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def _softmax(a):
    # Column-wise, shifted by the real part of the max for stability (the shift cancels exactly).
    e = np.exp(a - np.max(np.real(a), axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def _logsumexp(a):
    m = np.max(np.real(a))
    return _scalar(m + np.log(np.sum(np.exp(a - m))))


def _norm(a):
    # sqrt(sum(a * a)) rather than np.linalg.norm, which conjugates: analytic away from 0.
    return _scalar(np.sqrt(np.sum(a * a)))


def _eye(k):
    return np.eye(k)


def _eye_shape(u, shapes, fresh, params):
    if params[0] < 1:
        raise Mismatch("eye needs a size k >= 1")
    return (params[0], params[0])


def _commutation(a):
    """K with K vec(A) = vec(A^T), for A of the argument's shape; its values ignore A's entries."""
    m, n = a.shape
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _commutation_shape(u, shapes, fresh, params):
    r, c = shapes[0]
    return (product(r, c), product(r, c))


def eig_symmetric(a):
    """Eigenvalues ascending and unit eigenvectors of a (complex-)symmetric matrix.

    For real input this is eigh, after checking that the matrix is symmetric (to its rounding):
    eigh reads one triangle only, so a non-symmetric input would silently get the eigenvalues of
    another matrix. For complex input (the derivative oracles) it is the analytic continuation:
    eig, ordered by real part, eigenvectors scaled so that v^T v = 1 (not v^H v) with the sign of
    their largest real component fixed, as for the real matrix.
    """
    a = np.asarray(a)
    try:
        R.check_symmetric(a.real if np.iscomplexobj(a) else a)
        if np.iscomplexobj(a):
            R.check_symmetric(a.imag)
    except R.OutOfDomain as e:
        raise ValueError(f"eigval/eigvec need a symmetric matrix: {e.reason.split('(', 1)[-1].rstrip(')')}") from None
    if not np.iscomplexobj(a):
        w, v = np.linalg.eigh(a)
        return w, _eigvec_sign(v)
    w, v = np.linalg.eig(a)
    order = np.argsort(w.real)
    w, v = w[order], v[:, order]
    return w, _eigvec_sign(v / np.sqrt(np.sum(v * v, axis=0, keepdims=True)))


def _eigvec_sign(v):
    """The sign convention of eigvec: the largest component (by real part) is positive."""
    idx = np.argmax(np.abs(v.real), axis=0)
    return v * np.sign(v.real[idx, np.arange(v.shape[1])])


def _eigval(a, i):
    return _scalar(eig_symmetric(a)[0][i])


def _eigvec(a, i):
    return eig_symmetric(a)[1][:, i:i + 1]


def _indexed_square(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        if params[0] < 0:
            raise Mismatch(f"{what}: the index must be >= 0 (0 is the smallest eigenvalue)")
        if not u.at_least(shapes[0][0], params[0] + 1):
            raise Mismatch(f"{what}(A, {params[0]}) needs at least {params[0] + 1} rows")
        return (1, 1) if what == "eigval" else (shapes[0][0], 1)

    return rule


def _index_tex(name):
    return lambda args, p, s: (f"{name}_{{{p[0] + 1}}}\\left({args[0][0]}\\right)", ATOM)


FUNCTIONS.update({
    f.name: f
    for f in [
        Func("sin", 1, _same, np.sin, _elementwise("\\sin"), doc="elementwise sine", bound=R.rule_sin),
        Func("cos", 1, _same, np.cos, _elementwise("\\cos"), doc="elementwise cosine", bound=R.rule_cos),
        Func("tanh", 1, _same, np.tanh, _elementwise("\\tanh"), doc="elementwise hyperbolic tangent", bound=R.rule_tanh),
        Func("sigmoid", 1, _same, _sigmoid, _elementwise("\\sigma"), doc="elementwise logistic 1/(1+exp(-x))", bound=R.rule_sigmoid),
        Func("sqrt", 1, _same, np.sqrt,
             lambda args, p, s: (f"\\sqrt{{{args[0][0]}}}", ATOM) if s[0]
             else (f"{_paren(args[0], ATOM)}^{{\\circ \\frac{{1}}{{2}}}}", POSTFIX),
             doc="elementwise square root", bound=R.rule_sqrt),
        Func("softmax", 1, _same, _softmax, _wrap("\\operatorname{softmax}"),
             doc="softmax of each column: exp(x) / sum(exp(x))", bound=R.rule_softmax),
        Func("logsumexp", 1, _to_scalar, _logsumexp, _wrap("\\operatorname{LSE}"),
             doc="log of the sum of exp over all entries", bound=R.rule_logsumexp),
        Func("norm", 1, _norm_shape, lambda a, *p: _norm(a),
             lambda args, p, s: (f"\\left\\|{args[0][0]}\\right\\|", ATOM),
             doc="Frobenius norm (the Euclidean norm of a vector)", bound=R.rule_norm),
        Func("eye", 0, _eye_shape, _eye, lambda args, p, s: (f"I_{{{p[0]}}}", ATOM), nparams=1,
             doc="identity matrix of a given integer size", bound=R.rule_exact(_eye)),
        Func("commutation", 1, _commutation_shape, _commutation,
             lambda args, p, s: (f"K_{{{args[0][0]}}}", ATOM),
             doc="commutation matrix K with K vec(A) = vec(A.T), for A of the argument's shape", bound=R.rule_exact(_commutation)),
        Func("eigval", 1, _indexed_square("eigval"), _eigval, _index_tex("\\lambda"), nparams=1,
             doc="i-th smallest eigenvalue of a symmetric matrix (i = 0, 1, ...)", complex_step=False, bound=R.rule_eigval, work=_cubic(10.0)),
        Func("eigvec", 1, _indexed_square("eigvec"), _eigvec, _index_tex("v"), nparams=1,
             doc="unit eigenvector of the i-th smallest eigenvalue of a symmetric matrix", complex_step=False, bound=R.rule_eigvec, work=_cubic(10.0)),
    ]
})

# -- exact rules (SymPy matrices in, a SymPy matrix out; sympy is passed in, never imported here) ----
def _x_scalar(f):
    return lambda sp, a, *p: sp.Matrix([[f(sp, a, *p)]])


def _x_elementwise(f):
    return lambda sp, a: a.applyfunc(lambda x: f(sp, x))


def _x_inv(sp, a):
    if a.det() == 0:
        raise ZeroDivisionError("singular")
    return a.inv()


def _x_pinv(sp, a):
    """The full-rank formulas; a rank-deficient argument has no exact rule here."""
    m, n = a.shape
    g = a.T * a if m >= n else a * a.T
    if g.det() == 0:
        if a.free_symbols:  # not differentiable where the rank drops
            raise ValueError("pinv of a rank-deficient matrix has no derivative")
        return a.pinv()  # a value: SymPy's exact pseudo-inverse (full-rank factorisation)
    return g.inv() * a.T if m >= n else a.T * g.inv()


def _x_kron(sp, a, b):
    return sp.Matrix(a.rows * b.rows, a.cols * b.cols,
                     lambda i, j: a[i // b.rows, j // b.cols] * b[i % b.rows, j % b.cols])


def _x_vec(sp, a):
    return sp.Matrix([a[i, j] for j in range(a.cols) for i in range(a.rows)])


def _x_diag(sp, a):
    if a.rows == 1 or a.cols == 1:
        return sp.diag(*list(a))
    return sp.Matrix([a[i, i] for i in range(min(a.shape))])


def _x_softmax(sp, a):
    e = a.applyfunc(sp.exp)
    return sp.Matrix(a.rows, a.cols, lambda i, j: e[i, j] / sum(e[k, j] for k in range(a.rows)))


def _at_zero(x):
    """The value of x at the instance itself: the steps of an exact proof (symbols named step_...)
    at 0; a symbolic entry stays a symbol."""
    steps = {s: 0 for s in getattr(x, "free_symbols", ()) if s.name.startswith("step_")}
    return x.subs(steps) if steps else x


def _x_log(sp, x):
    x0 = _at_zero(x)
    if getattr(x0, "free_symbols", None):  # symbolic entries: only its derivatives are used
        return sp.log(x)
    if not x0 > 0:
        raise ZeroDivisionError("log of a number <= 0")
    return sp.log(x)


def _x_logabs(sp, x):
    """log |x| near the instance: the sign of x there is the sign of x at t = 0 (with symbolic
    entries, log x: the same derivatives)."""
    x0 = _at_zero(x)
    if getattr(x0, "free_symbols", None):
        return sp.log(x)
    if x0 == 0:
        raise ZeroDivisionError("log of 0")
    return sp.log(x if x0 > 0 else -x)


def _x_sqrt(sp, x):
    if not _at_zero(x) > 0:
        raise ZeroDivisionError("sqrt of a number <= 0 (not differentiable there, or not real)")
    return sp.sqrt(x)


def _x_commutation(sp, a):
    m, n = a.shape
    k = sp.zeros(m * n, m * n)
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1
    return k


_EXACT = {
    "tr": _x_scalar(lambda sp, a: a.trace()),
    "det": _x_scalar(lambda sp, a: a.det()),
    "logdet": _x_scalar(lambda sp, a: _x_logabs(sp, a.det())),
    "inv": _x_inv,
    "pinv": _x_pinv,
    "mpow": lambda sp, a, k: a ** k,
    "kron": _x_kron,
    "vec": _x_vec,
    "diag": _x_diag,
    "exp": _x_elementwise(lambda sp, x: sp.exp(x)),
    "log": _x_elementwise(_x_log),
    "sum": _x_scalar(lambda sp, a: sum(a)),
    "sin": _x_elementwise(lambda sp, x: sp.sin(x)),
    "cos": _x_elementwise(lambda sp, x: sp.cos(x)),
    "tanh": _x_elementwise(lambda sp, x: (sp.exp(2 * x) - 1) / (sp.exp(2 * x) + 1)),
    "sigmoid": _x_elementwise(lambda sp, x: 1 / (1 + sp.exp(-x))),
    "sqrt": _x_elementwise(_x_sqrt),
    "softmax": _x_softmax,
    "logsumexp": _x_scalar(lambda sp, a: sp.log(sum(sp.exp(x) for x in a))),
    "norm": _x_scalar(lambda sp, a, *p: _x_sqrt(sp, sum(x * x for x in a))),
    "eye": lambda sp, k: sp.eye(k),
    "commutation": _x_commutation,
    # eigval, eigvec: eigenvalues are algebraic numbers; no exact rule (the proof is not attempted)
}
for _name, _rule in _EXACT.items():
    FUNCTIONS[_name] = dataclasses.replace(FUNCTIONS[_name], exact=_rule)

RESERVED = frozenset(FUNCTIONS) | {"I"}
