"""Rounding bounds and domains of the matrix functions, factorisations, singular values and the
non-smooth functions (the rules of :mod:`matref.expr.rounding`, for the functions added with
:mod:`matref.expr.matfun`).

The bounds are first-order and deliberately generous (a factor of a few on top of the textbook
perturbation bounds): an overestimate can only turn "fails" into "undecided", never a wrong claim
into "holds", while an underestimate could call a true equality false.
"""

from __future__ import annotations

import math

import numpy as np

from matref.expr import matfun as M
from matref.expr.rounding import (DOMAIN_RTOL, U, Bounded, OutOfDomain, _perturbation, _singular_values,
                                  check_symmetric, frob, gamma)

DEFECTIVE = 1e7
"""An eigenvector matrix with a condition number above this is treated as not diagonalisable."""


def _scale(a: np.ndarray) -> float:
    return max(1.0, float(np.max(np.abs(a)))) if a.size else 1.0


# -- matrix exponential --------------------------------------------------------------------------
def _expm_size(a: Bounded) -> tuple[float, float]:
    """||A||_F and e^mu, mu = the largest eigenvalue of (A + A^T)/2 (the logarithmic norm):
    ||e^(tA)||_2 <= e^(t mu) for t >= 0, so ||L(A, E)|| <= e^mu ||E|| (the integral of
    e^(sA) E e^((1-s)A) over s in [0, 1]), far below e^||A|| when A is far from normal."""
    size = frob(a.value)
    sym = (a.value + a.value.T) / 2
    mu = float(np.linalg.eigvalsh(sym)[-1]) if sym.size else 0.0
    if mu > 700 or size > 1e6:
        raise OutOfDomain(f"expm of a matrix with logarithmic norm {mu:.1e} may overflow float64",
                          "moderate arguments")
    return size, math.exp(max(mu, -700.0)) + math.exp(-700.0)


def rule_expm(args, params, ctx) -> Bounded:
    (a,) = args
    size, grow = _expm_size(a)
    v = M.expm(a.value)
    n = max(a.value.shape[0], 1)
    # The argument's error through ||L(A, E)|| <= e^mu ||E||, and the algorithm's own rounding,
    # a few n u (1 + ||A||) e^mu (squaring amplifies by the same factor).
    return Bounded(v, 4 * grow * (a.fro + 64 * n * U * (1.0 + size)) + 16 * n * U * frob(v))


def rule_dexpm(args, params, ctx) -> Bounded:
    a, e = args
    size, grow = _expm_size(a)
    v = M.dexpm(a.value, e.value)
    n = max(a.value.shape[0], 1)
    esize = frob(e.value)
    # The second Fréchet derivative is bounded by e^||A|| ||E|| ||dA||.
    err = 4 * grow * (e.fro + a.fro * esize + 64 * n * U * (1.0 + size) * max(esize, U)) + 16 * n * U * frob(v)
    return Bounded(v, err)


# -- functions through an eigendecomposition -------------------------------------------------------
def _eig_checked(a: Bounded, what: str):
    try:
        w, v, vi = M.eig(a.value)
    except np.linalg.LinAlgError:
        raise OutOfDomain(f"{what}: the eigendecomposition failed") from None
    cond = float(np.linalg.norm(v, 2) * np.linalg.norm(vi, 2))
    if not math.isfinite(cond) or cond > DEFECTIVE:
        raise OutOfDomain(f"{what} of a matrix that is (nearly) not diagonalisable "
                          f"(eigenvector condition number {cond:.1e})")
    noise = cond * _perturbation(a)
    return w, cond, noise


def _off_branch_cut(w, noise, scale, cond, what, ctx):
    """Eigenvalues must be away from the closed negative real axis (the principal branch)."""
    dist = np.where(w.real > 0, np.abs(w), np.abs(w.imag))
    need = max(noise / DOMAIN_RTOL, (20 * ctx.radius * scale * cond) if ctx.smooth else 0.0)
    if dist.size and float(np.min(dist)) <= need:
        raise OutOfDomain(f"{what} needs eigenvalues off the closed negative real axis "
                          f"(one is {float(np.min(dist)):.1e} from it)", "spd")
    return float(np.min(np.abs(w))) if w.size else 1.0


def _spectral_rule(fn, what, slope):
    def rule(args, params, ctx):
        (a,) = args
        w, cond, noise = _eig_checked(a, what)
        smallest = _off_branch_cut(w, noise, _scale(a.value), cond, what, ctx)
        v = fn(a.value)
        n = max(a.value.shape[0], 1)
        sizes = frob(v)
        err = 4 * cond * (noise * slope(smallest, w) + 64 * n * U * max(sizes, U))
        return Bounded(v, err)

    return rule


rule_logm = _spectral_rule(M.logm, "logm", lambda smallest, w: 1.0 / smallest)
rule_sqrtm = _spectral_rule(M.sqrtm, "sqrtm", lambda smallest, w: 0.5 / math.sqrt(smallest))


def rule_dlogm(args, params, ctx) -> Bounded:
    a, e = args
    w, cond, noise = _eig_checked(a, "dlogm")
    smallest = _off_branch_cut(w, noise, _scale(a.value), cond, "dlogm", ctx)
    v = M.dlogm(a.value, e.value)
    n = max(a.value.shape[0], 1)
    esize = frob(e.value)
    err = 4 * cond ** 2 * (e.fro / smallest + noise * esize / smallest ** 2 + 64 * n * U * max(frob(v), U))
    return Bounded(v, err)


def rule_sylvester(args, params, ctx) -> Bounded:
    a, b, c = args
    wa, ca, na = _eig_checked(a, "sylvester")
    wb, cb, nb = _eig_checked(b, "sylvester")
    sep = float(np.min(np.abs(wa[:, None] + wb[None, :]))) if wa.size and wb.size else 1.0
    x = M.sylvester(a.value, b.value, c.value)
    size = frob(x)
    noise = na + nb
    if sep <= max(noise / DOMAIN_RTOL, 1e-300):
        raise OutOfDomain(f"sylvester: an eigenvalue of A plus one of B is (nearly) zero ({sep:.1e}); "
                          "the solution is not unique")
    n = max(a.value.shape[0], b.value.shape[0], 1)
    err = 4 * ca * cb * ((c.fro + noise * size) / sep + 64 * n * U * max(size, U))
    return Bounded(x, err)


# -- Cholesky ------------------------------------------------------------------------------------
def rule_chol(args, params, ctx) -> Bounded:
    (a,) = args
    check_symmetric(a.value, a.fro, "chol")
    s = _singular_values(a.value)
    w = np.linalg.eigvalsh(a.value)
    noise = _perturbation(a)
    if w.size and float(w[0]) <= noise / DOMAIN_RTOL:
        raise OutOfDomain("chol needs a positive definite matrix", "spd")
    v = M.chol(a.value)
    smax, smin = (float(s[0]), float(w[0])) if w.size else (1.0, 1.0)
    # ||dL|| <= ||L|| ||A^-1|| ||dA|| (up to a modest constant).
    return Bounded(v, 4 * math.sqrt(smax) / smin * (noise + 64 * max(a.value.shape[0], 1) * U * smax))


# -- singular values ------------------------------------------------------------------------------
def _singular_checked(a: Bounded, i: int | None, what: str, ctx, vectors: bool = False):
    s = _singular_values(a.value)
    noise = _perturbation(a)
    scale = _scale(a.value)
    need = max(noise / DOMAIN_RTOL, (20 * ctx.radius * scale) if ctx.smooth else 0.0)
    if i is None:  # the nuclear norm: every singular value must be clearly nonzero
        if ctx.smooth and s.size and float(s[-1]) <= need:
            raise OutOfDomain(f"{what} of a rank-deficient matrix is not differentiable",
                              "full_column_rank (or full_row_rank)")
        return s, noise
    if (ctx.smooth or vectors) and float(s[i]) <= need:
        raise OutOfDomain(f"{what}(A, {i}): the singular value is (nearly) zero")
    gaps = np.abs(np.delete(s, i) - s[i]) if s.size > 1 else np.array([math.inf])
    if (ctx.smooth or vectors) and gaps.size and float(np.min(gaps)) <= need:
        raise OutOfDomain(f"{what}(A, {i}): the singular value is not simple (gap {float(np.min(gaps)):.1e})",
                          "distinct singular values")
    return s, noise


def rule_sigma(args, params, ctx) -> Bounded:
    (a,) = args
    i = params[0]
    s, noise = _singular_checked(a, i, "sigma", ctx)
    return Bounded(np.array([[s[i]]]), np.array([[2 * noise + 8 * gamma(max(a.value.shape)) * float(s[0])]]))


def _vector_rule(left: bool):
    def rule(args, params, ctx):
        from matref.expr.functions import singular_vector

        (a,) = args
        i = params[0]
        what = "lsv" if left else "rsv"
        s, noise = _singular_checked(a, i, what, ctx, vectors=True)
        v = singular_vector(a.value, i, left)
        gaps = np.abs(np.delete(s, i) - s[i]) if s.size > 1 else np.array([float(s[i])])
        gap = min(float(np.min(gaps)) if gaps.size else math.inf, float(s[i]))
        mags = np.sort(np.abs(v[:, 0]))[::-1]
        margin = float(mags[0] - mags[1]) if mags.size > 1 else 1.0
        move = (3 * ctx.radius * _scale(a.value) / gap) if ctx.smooth else 1e-8
        if margin <= move:
            raise OutOfDomain(f"{what}(A, {i}): two components tie for the sign convention")
        return Bounded(v, 4 * (noise + 8 * gamma(max(a.value.shape)) * float(s[0])) / gap)

    return rule


rule_lsv = _vector_rule(True)
rule_rsv = _vector_rule(False)


def rule_nucnorm(args, params, ctx) -> Bounded:
    (a,) = args
    s, noise = _singular_checked(a, None, "nucnorm", ctx)
    k = max(min(a.value.shape), 1)
    return Bounded(np.array([[float(np.sum(s))]]),
                   np.array([[2 * math.sqrt(k) * noise + 8 * k * gamma(max(a.value.shape)) * float(s[0] if s.size else 0)]]))


# -- non-smooth functions -------------------------------------------------------------------------
def _away_from_kinks(values: np.ndarray, error, what: str, ctx, scale: float | None = None):
    """A kink (where the function is not differentiable) must be clearly farther than the real
    oracle's steps, and farther than the value's own error."""
    scale = _scale(values) if scale is None else scale
    need = np.maximum(2 * np.asarray(error), (10 * ctx.radius * scale) if ctx.smooth else 0.0)
    if np.any(np.abs(values) <= need):
        raise OutOfDomain(f"{what} at (or too near) a kink, where it is not differentiable",
                          "sample away from 0 (the check is valid away from the kinks)")


def elementwise_nonsmooth(fn, slope, what):
    def rule(args, params, ctx):
        (a,) = args
        _away_from_kinks(a.value, a.elementwise, what, ctx)
        v = fn(a.value)
        return Bounded(v, slope(a.value) * a.elementwise)

    return rule


def rule_max(args, params, ctx) -> Bounded:
    (a,) = args
    flat = a.value.reshape(-1)
    err = float(np.max(a.elementwise)) if flat.size else 0.0
    if flat.size > 1 and (ctx.smooth or params == ("onehot",)):
        top = np.sort(flat)[::-1]
        _away_from_kinks(np.array([top[0] - top[1]]), 2 * err, "max (two entries tie)", ctx, _scale(a.value))
    return Bounded(np.array([[float(np.max(flat))]]), np.array([[err]]))


def rule_hardmax(args, params, ctx) -> Bounded:
    from matref.expr.functions import hardmax

    (a,) = args
    rule_max(args, ("onehot",), ctx)
    return Bounded(hardmax(a.value), 0.0)


# -- block matrices -------------------------------------------------------------------------------
def rule_block(args, params, ctx) -> Bounded:
    a, b, c, d = args
    v = np.block([[a.value, b.value], [c.value, d.value]])
    if any(x.normwise for x in args):
        return Bounded(v, math.sqrt(sum(x.fro ** 2 for x in args)))
    return Bounded(v, np.block([[a.error, b.error], [c.error, d.error]]))


# -- eigenvalues of matrices that are not symmetric -------------------------------------------------
def _eig_real_checked(a: Bounded, i: int, what: str, ctx, left: bool = False):
    from matref.expr.functions import eig_real

    n = a.value.shape[0]
    w_all = np.linalg.eigvals(a.value)
    scale = _scale(a.value)
    noise = _perturbation(a)
    if np.abs(w_all.imag).max(initial=0.0) > 1e-8 * scale:
        raise OutOfDomain(f"{what}(A, {i}): the matrix has complex eigenvalues", "real_eigenvalues")
    w, v = eig_real(a.value)
    _, u = eig_real(a.value, left=True)
    # The condition number of the eigenvalue: 1 / |w^T v| for unit left and right vectors.
    kappa = 1.0 / max(abs(float(u[:, i] @ v[:, i])), 1e-300)
    gaps = np.abs(np.delete(w, i) - w[i]) if n > 1 else np.array([math.inf])
    gap = float(np.min(gaps))
    need = max(kappa * noise / DOMAIN_RTOL, (20 * ctx.radius * scale * kappa) if ctx.smooth else 0.0)
    if (left is not None or ctx.smooth) and gap <= need:
        raise OutOfDomain(f"{what}(A, {i}): the eigenvalue is not simple or too ill-conditioned (gap {gap:.1e})",
                          "real_eigenvalues")
    return w, v, u, kappa, gap, noise, scale


def rule_eigvalg(args, params, ctx) -> Bounded:
    (a,) = args
    i = params[0]
    w, v, u, kappa, gap, noise, scale = _eig_real_checked(a, i, "eigvalg", ctx, left=None)
    return Bounded(np.array([[w[i]]]), np.array([[4 * kappa * (noise + 8 * gamma(a.value.shape[0]) * scale)]]))


def _eigvec_rule(left: bool):
    def rule(args, params, ctx):
        (a,) = args
        i = params[0]
        what = "eigvecl" if left else "eigvecr"
        w, v, u, kappa, gap, noise, scale = _eig_real_checked(a, i, what, ctx, left=left)
        vec = (u if left else v)[:, i:i + 1]
        mags = np.sort(np.abs(vec[:, 0]))[::-1]
        margin = float(mags[0] - mags[1]) if mags.size > 1 else 1.0
        move = (3 * ctx.radius * scale * kappa / gap) if ctx.smooth else 1e-8
        if margin <= move:
            raise OutOfDomain(f"{what}(A, {i}): two components tie for the sign convention")
        cond_v = float(np.linalg.cond(v))
        return Bounded(vec, 8 * kappa * cond_v * (noise + 8 * gamma(a.value.shape[0]) * scale) / gap)

    return rule


rule_eigvecr = _eigvec_rule(False)
rule_eigvecl = _eigvec_rule(True)
