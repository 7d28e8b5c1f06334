"""The catalog as a client of the engine: one instance of an identity, compiled to callables.

An identity at a point becomes what the engine takes: ``f`` as a callable of the variable (its
expression evaluated by :mod:`matref.expr.to_numpy`, complex-safe by construction), the claim
as an engine claim (:mod:`matref.engine.claims`, with running error bounds from
:mod:`matref.expr.bounds` as its noise and Monte Carlo arithmetic as its spread), and random
directions in the variable's structured space. What a kind needs comes from its record in
:mod:`matref.kinds`; the comparisons themselves are :mod:`matref.engine.compare`'s.
"""

from __future__ import annotations

import math

import numpy as np

from matref.engine import compare, sampling
from matref.engine.claims import Applied, Claimed, HessianVector
from matref.engine.judge import (  # noqa: F401  (re-exported for the verifier and the tests)
    FAIL, PASS, TOLERANCES, UNDECIDED, VACUOUS, Measurement, Tolerance, dist, inner, judge)
from matref.engine.oracle import CONTOUR_RADIUS, EVALUATION_ERRORS, Oracle, RealOracle  # noqa: F401
from matref.expr.bounds import bounded, perturbed_spread
from matref.expr.rounding import frob
from matref.expr.to_numpy import evaluate
from matref.kinds import KINDS

DIRECTIONS = 3


def _oracle(ident, values, sizes, smallest) -> Oracle:
    role = ident.roles[0]

    def f(x):
        shifted = dict(values)
        shifted[ident.wrt] = x
        return evaluate(ident.typed[role], shifted, sizes)

    if not ident.analytic:
        # The complex step and the contour would read a continuation that does not exist (abs,
        # max): real differences, at points kept away from the kinks by the domain rules.
        return RealOracle(f, values[ident.wrt])
    return Oracle(f, values[ident.wrt], ident.complex_step_safe, smallest)


def domain_of(ident, values: dict, sizes: dict) -> dict:
    """Evaluate f, the claim and the conditions with error bounds at the point; raise
    OutOfDomain where any is undefined or numerically meaningless. Returns the bounded values."""
    out = {}
    stats: dict = {}
    first, claim = ident.roles
    kind = KINDS[ident.kind]
    out[first] = bounded(ident.typed[first], values, sizes, smooth=kind.order > 0,
                         radius=CONTOUR_RADIUS[max(kind.order, 1)], stats=stats)
    out["smallest"] = stats.get("smallest", 1.0)
    if not kind.directional and ident.applied_at(sizes) is None:
        out[claim] = bounded(ident.typed[claim], values, sizes)
    for cond in getattr(ident, "conditions", ()):
        cond.check(values, sizes)
    return out


def _applied(typed, name, values, sizes, rng) -> callable:
    """A claim written with a direction symbol, as a function of the direction."""

    def apply(v) -> Claimed:
        with_dir = dict(values)
        with_dir[name] = v
        c = bounded(typed, with_dir, sizes)
        return Claimed(c.value, c.fro, perturbed_spread(typed, with_dir, sizes, rng))

    return apply


def claim_of(ident, values: dict, sizes: dict, b: dict, rng):
    """The identity's claim at this instance, as an engine claim."""
    kind = KINDS[ident.kind]
    if kind.directional:
        return Applied(_applied(ident.typed[ident.roles[1]], ident.direction, values, sizes, rng))
    lazy = ident.applied_at(sizes)
    if lazy is not None:
        apply = _applied(lazy.trees["__V"], "__V", values, lazy.sizes(sizes), rng)
        return HessianVector(apply) if kind.order == 2 else Applied(apply)
    c = b[ident.roles[1]]
    spread = perturbed_spread(ident.typed[ident.roles[1]], values, sizes, rng)
    return kind.dense(c.value, c.fro, spread)


def check(ident, values: dict, sizes: dict, rng: np.random.Generator) -> list[Measurement]:
    """The measurements of one instance; raises OutOfDomain when the point is outside the domain."""
    tol = TOLERANCES[np.dtype(np.float64)]
    kind = KINDS[ident.kind]
    with np.errstate(all="ignore"):
        b = domain_of(ident, values, sizes)
        if kind.order == 0:
            spread = sum(perturbed_spread(ident.typed[r], values, sizes, rng) for r in ident.roles)
            lhs, rhs = (b[r] for r in ident.roles)
            return [compare.equal(lhs.value, rhs.value, tol.equality, (lhs.fro, rhs.fro), spread)]
        props = ident.sampling_assumptions(ident.wrt)
        x = values[ident.wrt]
        out = in_space(ident, b.get(ident.roles[1]), props, x, tol)
        oracle = _oracle(ident, values, sizes, b["smallest"])
        dirs = [sampling.direction(rng, x, props) for _ in range(DIRECTIONS)]
        if not any(np.any(d) for d in dirs):
            return out + [Measurement(0.0, 0.0, "directions", verdict=VACUOUS,
                                      reason="the variable's space has no directions here (nothing to test)")]
        claim = claim_of(ident, values, sizes, b, rng)
        own = claim.own()
        if own is not None:
            # Along the claim itself the whole claim is compared, not its shadow on a random
            # direction (~ 1/sqrt(numel) of it): a gradient 1e-6 off is refuted at any size.
            own = sampling.project(own, props, x)
            norm = frob(own)
            if norm > 0 and math.isfinite(norm):
                dirs.append(own / norm)
        if kind.order == 2:
            symmetry = tol.space if isinstance(claim, HessianVector) else None
            return out + compare.second_order(oracle, claim, dirs, tol.second, symmetry)
        return out + compare.first_order(oracle, claim, dirs, tol.derivative)


SPACE_WORDS = {"symmetric": "symmetric matrices", "diagonal": "diagonal matrices",
               "orthogonal": "the orthogonal group (tangent space X @ skew)",
               "symmetric_orthogonal": "symmetric orthogonal matrices", "point": "isolated points"}


def in_space(ident, claim, props, x, tol) -> list[Measurement]:
    """A derivative on a structured space must live in it.

    Directions in the space cannot see the rest of a claim (for symmetric X, ``A`` and
    ``sym(A)`` give the same inner products), so the claim itself must be in the space, which
    makes it unique: the gradient on the space is the projection of the Euclidean gradient (for
    symmetric X, ``sym(G)``; for orthogonal X, ``X skew(X^T G)``); a Hessian is ``P H P`` and a
    Jacobian ``J P``, P the projection; free-entry partials and Hessians are symmetric.
    """
    kind = KINDS[ident.kind]
    if claim is None:
        return []
    m, err = claim.value, claim.fro
    out = []
    if kind.symmetric:
        out.append(compare.in_space(m, m.T, err, tol.space, f"the claimed {kind.noun} must be symmetric"))
    structure = sampling.structure(props, x.shape)
    if structure in ("general", "point") or kind.space is None:
        return out  # at isolated points there is nothing to differentiate along: see check()
    space = SPACE_WORDS[structure]
    if kind.space == "vector":
        projected = sampling.project(m, props, x)
        what = (f"the claimed gradient must lie in the tangent space of {space}: the gradient there is "
                "the projection of the Euclidean gradient" + (" (sym(G))" if structure == "symmetric" else ""))
    elif kind.space == "operator":
        projected = sampling.project_operator(m, props, x)
        what = f"the claimed {kind.noun} on {space} must be P H P (P: projection onto the tangent space)"
    else:
        projected = sampling.project_operator(m, props, x, cols=False)
        what = f"the claimed {kind.noun} on {space} must be J P (P: projection onto the tangent space)"
    out.append(compare.in_space(m, projected, err, tol.space, what))
    return out
