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

from matref.expr import matfun as M
from matref.expr import rounding as R
from matref.expr import rounding_more as RM
from matref.expr.dims import Shape, Unifier, plus, product, tri

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
    # to the last bit (eigen-solvers): the contour oracle, whose radius is far above its rounding
    analytic: bool = True  # False: no analytic continuation at all (abs, max): real differences only
    bound: Callable[..., "R.Bounded"] | None = None  # (Bounded args, params, Context) -> Bounded; see rounding
    work: Callable[..., float] | None = None  # (arg shapes, result shape, params) -> flops; None: linear
    exact: Callable[..., object] | None = None  # (sympy, *matrices, *params) -> sympy Matrix; None: no exact rule
    # numpy source for `matref show --format numpy` (matref.expr.to_python): {0} an argument, {t0} an
    # argument as an operand of a method or operator, {p0} a parameter; _name( calls a helper of
    # matref.expr.python_helpers. What it returns: "scalar" (a number), "elementwise" (the
    # argument's kind: a number stays a number) or "matrix" (a 2-D array).
    python: str = ""
    python_form: str = "matrix"


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
    if isinstance(params[0], int) and params[0] < 0:  # (a template's symbolic power is text)
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

def _square_pair(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        for k in (0, 1):
            if not u.unify(shapes[0][k], shapes[1][k]):
                raise Mismatch(f"{what}(A, E) needs E of the shape of A")
        return shapes[0]

    return rule


def _sylvester_shape(u, shapes, fresh, params):
    _square(u, shapes[0], "sylvester")
    _square(u, shapes[1], "sylvester")
    if not (u.unify(shapes[2][0], shapes[0][0]) and u.unify(shapes[2][1], shapes[1][0])):
        raise Mismatch("sylvester(A, B, C) solves A X + X B = C: C needs A's rows and B's columns")
    return shapes[2]


def _indexed_any(what):
    def rule(u, shapes, fresh, params):
        r, c = shapes[0]
        if params[0] < 0:
            raise Mismatch(f"{what}: the index must be >= 0 (0 is the largest singular value)")
        if not (u.at_least(r, params[0] + 1) and u.at_least(c, params[0] + 1)):
            raise Mismatch(f"{what}(A, {params[0]}) needs at least {params[0] + 1} rows and columns")
        return {"sigma": (1, 1), "lsv": (r, 1), "rsv": (c, 1)}[what]

    return rule


def _smaller_gram(a):
    """A^T A for a tall A, A A^T for a wide one: the symmetric eigenproblem of the singular values."""
    return a.T @ a if a.shape[0] >= a.shape[1] else a @ a.T


def singular_vector(a, i, left):
    """The i-th left or right singular vector (i = 0 for the largest singular value), continued
    analytically: from the symmetric eigenproblem of the smaller Gram matrix, with eigvec's sign
    convention on the vector that comes from it."""
    a = np.asarray(a)
    tall = a.shape[0] >= a.shape[1]
    w, vecs = eig_symmetric(_smaller_gram(a))
    k = w.size - 1 - i
    v = vecs[:, k:k + 1]
    if left != tall:
        return v
    s = np.sqrt(w[k])
    return (a @ v if tall else a.T @ v) / s


def _sigma(a, i):
    a = np.asarray(a)
    w = eig_symmetric(_smaller_gram(a))[0]
    return _scalar(np.sqrt(w[w.size - 1 - i]))


def _nucnorm(a):
    a = np.asarray(a)
    return _scalar(np.sum(np.sqrt(eig_symmetric(_smaller_gram(a))[0])))


def eig_real(a, left: bool = False):
    """Eigenvalues (ascending) and unit eigenvectors (v^T v = 1, largest component positive) of a
    matrix with real, distinct eigenvalues, not necessarily symmetric; ``left``: of A^T (w^T A = l w^T).
    On complex input (the contour oracle) the analytic continuation: eig ordered by real part."""
    a = np.asarray(a)
    m = a.T if left else a
    w, v = np.linalg.eig(m.astype(complex))
    order = np.argsort(w.real)
    w, v = w[order], v[:, order]
    v = _eigvec_sign(v / np.sqrt(np.sum(v * v, axis=0, keepdims=True)))
    if not np.iscomplexobj(a):
        return w.real, np.ascontiguousarray(v.real)
    return w, v


def _eigvalg(a, i):
    return _scalar(eig_real(a)[0][i])


def hardmax(a):
    """One-hot of the largest entry of the whole array (the gradient of max)."""
    a = np.asarray(a)
    out = np.zeros(a.shape)
    if a.size:
        out.reshape(-1)[int(np.argmax(np.real(a)))] = 1.0
    return out


def _relu(a):
    return np.where(np.real(a) > 0, a, 0 * a)


def _step(a):
    return (np.real(a) > 0).astype(float)


def _sign(a):
    return np.sign(np.real(a)).astype(float)


def _max(a):
    return _scalar(np.max(np.real(a)) if np.asarray(a).size else 0.0)


def _call_tex(name, k):
    def tex(args, params, scalars):
        inner = ", ".join(a[0] for a in args[:k])
        return f"{name}\\left({inner}\\right)", ATOM
    return tex


FUNCTIONS.update({
    f.name: f
    for f in [
        Func("expm", 1, _same_square("expm"), M.expm, lambda args, p, s: (f"e^{{{args[0][0]}}}", POSTFIX),
             doc="matrix exponential (not elementwise): sum of Aᵏ / k!", bound=RM.rule_expm, work=_cubic(30.0)),
        Func("logm", 1, _same_square("logm"), M.logm, _wrap("\\log"),
             doc="principal matrix logarithm (eigenvalues off the closed negative real axis)", complex_step=False,
             bound=RM.rule_logm, work=_cubic(30.0)),
        Func("sqrtm", 1, _same_square("sqrtm"), M.sqrtm, lambda args, p, s: (f"{_paren(args[0], ATOM)}^{{1/2}}", POSTFIX),
             doc="principal matrix square root (not elementwise)", complex_step=False, bound=RM.rule_sqrtm,
             work=_cubic(30.0)),
        Func("dexpm", 2, _square_pair("dexpm"), M.dexpm, _call_tex("L_{\\exp}", 2),
             doc="Fréchet derivative of expm at A along E (the top-right block of expm([[A, E], [0, A]]))",
             bound=RM.rule_dexpm, work=_cubic(240.0)),
        Func("dlogm", 2, _square_pair("dlogm"), M.dlogm, _call_tex("L_{\\log}", 2),
             doc="Fréchet derivative of logm at A along E", complex_step=False, bound=RM.rule_dlogm,
             work=_cubic(40.0)),
        Func("sylvester", 3, _sylvester_shape, M.sylvester, _call_tex("\\operatorname{syl}", 3),
             doc="the solution X of A X + X B = C", complex_step=False, bound=RM.rule_sylvester, work=_cubic(60.0)),
        Func("chol", 1, _same_square("chol"), M.chol, _wrap("\\operatorname{chol}"),
             doc="lower Cholesky factor L of a symmetric positive definite A (L Lᵀ = A)", bound=RM.rule_chol,
             work=_cubic(1.0)),
        Func("tril", 1, _same, M.tril, _wrap("\\operatorname{tril}"),
             doc="lower triangle (diagonal included), zeros above", bound=R.linear(M.tril)),
        Func("sigma", 1, _indexed_any("sigma"), _sigma, _index_tex("\\sigma"), nparams=1,
             doc="i-th largest singular value (i = 0, 1, ...)", complex_step=False, bound=RM.rule_sigma,
             work=_cubic(10.0)),
        Func("lsv", 1, _indexed_any("lsv"), lambda a, i: singular_vector(a, i, True), _index_tex("\\mathrm{u}"),
             nparams=1, doc="unit left singular vector of the i-th largest singular value", complex_step=False,
             bound=RM.rule_lsv, work=_cubic(10.0)),
        Func("rsv", 1, _indexed_any("rsv"), lambda a, i: singular_vector(a, i, False), _index_tex("\\mathrm{v}"),
             nparams=1, doc="unit right singular vector of the i-th largest singular value", complex_step=False,
             bound=RM.rule_rsv, work=_cubic(10.0)),
        Func("nucnorm", 1, _to_scalar, _nucnorm, lambda args, p, s: (f"\\left\\|{args[0][0]}\\right\\|_*", ATOM),
             doc="nuclear norm (trace norm): the sum of the singular values", complex_step=False,
             bound=RM.rule_nucnorm, work=_cubic(10.0)),
        Func("eigvalg", 1, _indexed_square("eigval"), _eigvalg, _index_tex("\\lambda"), nparams=1,
             doc="i-th smallest eigenvalue of a matrix with real, distinct eigenvalues (not necessarily symmetric)",
             complex_step=False, bound=RM.rule_eigvalg, work=_cubic(10.0)),
        Func("eigvecr", 1, _indexed_square("eigvec"), lambda a, i: eig_real(a)[1][:, i:i + 1], _index_tex("v"),
             nparams=1, doc="its unit right eigenvector (A v = λ v)", complex_step=False, bound=RM.rule_eigvecr,
             work=_cubic(10.0)),
        Func("eigvecl", 1, _indexed_square("eigvec"), lambda a, i: eig_real(a, left=True)[1][:, i:i + 1],
             _index_tex("w"), nparams=1, doc="its unit left eigenvector (wᵀ A = λ wᵀ)", complex_step=False,
             bound=RM.rule_eigvecl, work=_cubic(10.0)),
        Func("abs", 1, _same, np.abs, lambda args, p, s: (f"\\left|{args[0][0]}\\right|", ATOM),
             doc="elementwise absolute value (not differentiable at 0)", analytic=False, complex_step=False,
             bound=RM.elementwise_nonsmooth(np.abs, lambda x: 1.0, "abs")),
        Func("sign", 1, _same, _sign, _elementwise("\\operatorname{sign}"),
             doc="elementwise sign (-1, 0 or 1)", analytic=False, complex_step=False,
             bound=RM.elementwise_nonsmooth(_sign, lambda x: 0.0, "sign")),
        Func("relu", 1, _same, _relu, _elementwise("\\operatorname{relu}"),
             doc="elementwise max(x, 0)", analytic=False, complex_step=False,
             bound=RM.elementwise_nonsmooth(_relu, lambda x: (x > 0).astype(float), "relu")),
        Func("step", 1, _same, _step, _elementwise("H"),
             doc="elementwise Heaviside step: 1 where x > 0, else 0 (the derivative of relu)", analytic=False,
             complex_step=False, bound=RM.elementwise_nonsmooth(_step, lambda x: 0.0, "step")),
        Func("max", 1, _to_scalar, _max, _wrap("\\max"),
             doc="largest entry", analytic=False, complex_step=False, bound=RM.rule_max),
        Func("hardmax", 1, _same, hardmax, _wrap("\\operatorname{hardmax}"),
             doc="one-hot of the largest entry (the gradient of max)", analytic=False, complex_step=False,
             bound=RM.rule_hardmax),
    ]
})

def _block_shape(u, shapes, fresh, params):
    a, b, c, d = shapes
    pairs = [(a[0], b[0], "A and B need the same number of rows"), (c[0], d[0], "C and D need the same number of rows"),
             (a[1], c[1], "A and C need the same number of columns"), (b[1], d[1], "B and D need the same number of columns")]
    for x, y, why in pairs:
        if not u.unify(x, y):
            raise Mismatch(f"block(A, B, C, D): {why}")
    return (plus(a[0], c[0]), plus(a[1], b[1]))


def _block(a, b, c, d):
    return np.block([[a, b], [c, d]])


def _block_tex(args, params, scalars):
    (a, _), (b, _), (c, _), (d, _) = args
    return f"\\begin{{bmatrix}} {a} & {b} \\\\ {c} & {d} \\end{{bmatrix}}", ATOM


def _vech_shape(u, shapes, fresh, params):
    _square(u, shapes[0], "vech")
    return (tri(shapes[0][0]), 1)


def _duplication_shape(what):
    def rule(u, shapes, fresh, params):
        _square(u, shapes[0], what)
        n = shapes[0][0]
        return (product(n, n), tri(n)) if what == "duplication" else (tri(n), product(n, n))

    return rule


def _tri_pairs(n):
    """(i, j) with i >= j, in the order of vech (column by column)."""
    return [(i, j) for j in range(n) for i in range(j, n)]


def _vech(a):
    a = np.asarray(a)
    return np.array([[a[i, j]] for i, j in _tri_pairs(a.shape[0])], dtype=a.dtype).reshape(-1, 1)


def _duplication(a):
    n = a.shape[0]
    out = np.zeros((n * n, n * (n + 1) // 2))
    for k, (i, j) in enumerate(_tri_pairs(n)):
        out[j * n + i, k] = out[i * n + j, k] = 1.0
    return out


def _elimination(a):
    n = a.shape[0]
    out = np.zeros((n * (n + 1) // 2, n * n))
    for k, (i, j) in enumerate(_tri_pairs(n)):
        out[k, j * n + i] = 1.0
    return out


FUNCTIONS.update({
    f.name: f
    for f in [
        Func("block", 4, _block_shape, _block, _block_tex,
             doc="the 2x2 block matrix [[A, B], [C, D]]", bound=RM.rule_block),
        Func("vech", 1, _vech_shape, _vech, _wrap("\\operatorname{vech}"),
             doc="half-vectorisation: the lower triangle (diagonal included), column by column", bound=R.linear(_vech)),
        Func("duplication", 1, _duplication_shape("duplication"), _duplication,
             lambda args, p, s: (f"D_{{{args[0][0]}}}", ATOM),
             doc="duplication matrix D with D vech(A) = vec(A) for symmetric A of the argument's size",
             bound=R.rule_exact(_duplication)),
        Func("elimination", 1, _duplication_shape("elimination"), _elimination,
             lambda args, p, s: (f"L_{{{args[0][0]}}}", ATOM),
             doc="elimination matrix L with L vec(A) = vech(A) for A of the argument's size",
             bound=R.rule_exact(_elimination)),
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
    "tril": lambda sp, a: a.lower_triangular(),
    "block": lambda sp, a, b, c, d: sp.BlockMatrix([[a, b], [c, d]]).as_explicit(),
    "vech": lambda sp, a: sp.Matrix([[a[i, j]] for i, j in _tri_pairs(a.shape[0])]),
    "duplication": lambda sp, a: sp.Matrix(_duplication(np.zeros(a.shape)).astype(int).tolist()),
    "elimination": lambda sp, a: sp.Matrix(_elimination(np.zeros(a.shape)).astype(int).tolist()),
    "chol": lambda sp, a: a.cholesky(hermitian=False),
    # eigval, eigvec: eigenvalues are algebraic numbers; no exact rule (the proof is not attempted)
    # expm, logm, sqrtm, dexpm, dlogm, sylvester, sigma, lsv, rsv, nucnorm: transcendental or
    # algebraic of high degree; abs, sign, relu, step, max, hardmax: not differentiable everywhere
}
for _name, _rule in _EXACT.items():
    FUNCTIONS[_name] = dataclasses.replace(FUNCTIONS[_name], exact=_rule)

# -- numpy source (matref.expr.to_python) ---------------------------------------------------------
_S, _E = "scalar", "elementwise"
_PYTHON = {
    "tr": ("np.trace({0})", _S), "det": ("np.linalg.det({0})", _S),
    "logdet": ("np.linalg.slogdet({0})[1]", _S), "inv": ("np.linalg.inv({0})", ""),
    "pinv": ("np.linalg.pinv({0})", ""), "mpow": ("np.linalg.matrix_power({0}, {p0})", ""),
    "kron": ("np.kron({0}, {1})", ""), "vec": ('{t0}.reshape(-1, 1, order="F")', ""),
    "diag": ("_diag({0})", ""), "exp": ("np.exp({0})", _E), "log": ("np.log({0})", _E),
    "sum": ("np.sum({0})", _S), "sin": ("np.sin({0})", _E), "cos": ("np.cos({0})", _E),
    "tanh": ("np.tanh({0})", _E), "sigmoid": ("(1 / (1 + np.exp(-{t0})))", _E), "sqrt": ("np.sqrt({0})", _E),
    "softmax": ("_softmax({0})", ""), "logsumexp": ("_logsumexp({0})", _S),
    "norm": ("np.linalg.norm({0})", _S), "eye": ("np.eye({p0})", ""), "commutation": ("_commutation({0})", ""),
    "eigval": ("np.linalg.eigvalsh({0})[{p0}]", _S), "eigvec": ("_eigvec({0}, {p0})", ""),
    "expm": ("_expm({0})", ""), "logm": ("_logm({0})", ""), "sqrtm": ("_sqrtm({0})", ""),
    "dexpm": ("_dexpm({0}, {1})", ""), "dlogm": ("_dlogm({0}, {1})", ""), "sylvester": ("_sylvester({0}, {1}, {2})", ""),
    "chol": ("np.linalg.cholesky({0})", ""), "tril": ("np.tril({0})", ""),
    "sigma": ("np.linalg.svd({0}, compute_uv=False)[{p0}]", _S),
    "lsv": ("_singular_vector({0}, {p0}, left=True)", ""), "rsv": ("_singular_vector({0}, {p0}, left=False)", ""),
    "nucnorm": ("np.sum(np.linalg.svd({0}, compute_uv=False))", _S),
    "eigvalg": ("_eig_real({0})[0][{p0}]", _S), "eigvecr": ("_eig_real({0})[1][:, {p0}:{p0} + 1]", ""),
    "eigvecl": ("_eig_real({t0}.T)[1][:, {p0}:{p0} + 1]", ""),
    "abs": ("np.abs({0})", _E), "sign": ("np.sign({0})", _E), "relu": ("np.maximum({0}, 0.0)", _E),
    "step": ("np.heaviside({0}, 0.0)", _E), "max": ("np.max({0})", _S), "hardmax": ("_hardmax({0})", ""),
    "block": ("np.block([[{0}, {1}], [{2}, {3}]])", ""), "vech": ("_vech({0})", ""),
    "duplication": ("_duplication({0})", ""), "elimination": ("_elimination({0})", ""),
}
for _name, (_text, _form) in _PYTHON.items():
    FUNCTIONS[_name] = dataclasses.replace(FUNCTIONS[_name], python=_text, python_form=_form or "matrix")

RESERVED = frozenset(FUNCTIONS) | {"I"}
