"""What a failure looks like, elementwise: one explanation per kind of claim.

Run only after a failure (the cheap directional check comes first, as in PyTorch's gradcheck),
at a small size: the numerical derivative entry by entry (on the variable's tangent space for a
structured variable) beside the claim. Large variables, and claims applied to directions
without being formed, are explained along one random direction instead. Each kind's record in
:mod:`matref.kinds` names its explanation here (``Kind.explain``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matref.engine import sampling
from matref.engine.checks import _oracle, claim_of
from matref.engine.judge import dist, inner
from matref.expr.bounds import bounded
from matref.expr.rounding import frob
from matref.expr.to_numpy import evaluate
from matref.kinds import KINDS

EXPLAIN_MAX_ENTRIES = 64  # beyond this, a failure is explained along a random direction only
WHERE = {"general": "", "symmetric": " on symmetric matrices", "diagonal": " on diagonal matrices",
         "orthogonal": " on the orthogonal group", "symmetric_orthogonal": " on symmetric orthogonal matrices",
         "point": ""}


@dataclass
class At:
    """A failing instance of an identity."""

    ident: object
    values: dict
    sizes: dict
    shapes: dict
    rng: np.random.Generator
    small: bool

    @property
    def head(self) -> str:
        return "  elementwise check at " + ", ".join(f"{k} {v}" for k, v in self.shapes.items())

    @property
    def x(self):
        return self.values[self.ident.wrt]

    @property
    def props(self):
        return self.ident.sampling_assumptions(self.ident.wrt)

    @property
    def where(self) -> str:
        return WHERE[sampling.structure(self.props, self.x.shape)]

    def oracle(self):
        return _oracle(self.ident, self.values, self.sizes, 1.0)

    def claim(self):
        return evaluate(self.ident.typed[self.ident.roles[1]], self.values, self.sizes)


def fmt(a: np.ndarray) -> str:
    return np.array2string(np.real_if_close(a), precision=4, suppress_small=True, max_line_width=100)


def largest(numeric, claimed, label_n, label_c, k=5) -> str:
    diff = np.abs(numeric - claimed)
    order = np.argsort(diff, axis=None)[::-1][:k]
    rows = []
    for flat in order:
        i, j = np.unravel_index(flat, diff.shape)
        rows.append(f"    entry ({i}, {j}): {label_n} {numeric[i, j]:.6g}, {label_c} {claimed[i, j]:.6g}")
    return "\n".join(rows)


def show(head, label, numeric, claimed, small, names=("numerical", "claimed")) -> str:
    """Two matrices side by side (or their largest differences when too large to print)."""
    numeric, claimed = np.atleast_2d(numeric), np.atleast_2d(claimed)
    diff = np.abs(numeric - claimed)
    i, j = np.unravel_index(np.nanargmax(diff), diff.shape)
    if small:
        return (f"{head}:\n  {names[0]} {label} =\n{fmt(numeric)}\n  {names[1]} =\n{fmt(claimed)}\n"
                f"  largest difference at entry ({i}, {j}): {names[0]} {numeric[i, j]:.6g}, "
                f"{names[1]} {claimed[i, j]:.6g}").replace(f"{names[0]}  =", f"{names[0]} =")
    return (f"{head} (too large to print; the largest differences):\n"
            + largest(numeric, claimed, names[0], names[1]))


def _gradient(at: At) -> str:
    oracle, x = at.oracle(), at.x
    numeric = np.zeros(x.shape)
    for b in sampling.tangent_basis(x, at.props):
        numeric = numeric + float(oracle.first(b)[0].reshape(-1)[0]) * b
    claim = at.claim()
    text = show(at.head, "gradient" + at.where, numeric, claim, at.small)
    if at.where:
        outside = dist(claim, sampling.project(claim, at.props, x))
        if outside > 1e-9 * max(frob(claim), 1e-300):
            text += (f"\n  the claim is not in the tangent space{at.where}: its distance to it is "
                     f"{outside:.3g} (the gradient there is the projection of the Euclidean one)")
    return text


def _partials(at: At) -> str:
    oracle, x = at.oracle(), at.x
    numeric = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(i, x.shape[1]):
            e = np.zeros(x.shape)
            e[i, j] = e[j, i] = 1.0
            numeric[i, j] = numeric[j, i] = float(oracle.first(e)[0].reshape(-1)[0])
    return show(at.head, "partials with respect to the free entries x_ij (i <= j)", numeric, at.claim(), at.small)


def _jacobian(at: At) -> str:
    oracle, x = at.oracle(), at.x
    if not at.where:
        cols = []
        for k in range(x.size):
            e = np.zeros(x.size)
            e[k] = 1.0
            cols.append(oracle.first(e.reshape(x.shape, order="F"))[0].reshape(-1, order="F"))
        numeric = np.column_stack(cols)
    else:
        numeric = sum(np.outer(oracle.first(b)[0].reshape(-1, order="F"), b.reshape(-1, order="F"))
                      for b in sampling.tangent_basis(x, at.props))
    return show(at.head, "Jacobian d vec(f) / d vec(" + at.ident.wrt + ")" + at.where, numeric, at.claim(), at.small)


def _hessian(at: At) -> str:
    v = sampling.direction(at.rng, at.x, at.props)
    observed = at.oracle().second(v)[0]
    vv = v.reshape(-1, 1, order="F")
    claimed = vv.T @ at.claim() @ vv
    return (f"{at.head}:\n  along a random direction V (vec(V) =\n{fmt(vv.T)}):\n"
            f"  numerical second derivative d^2/dt^2 f(X + tV) = {float(observed.reshape(-1)[0]):.6g}\n"
            f"  claimed vec(V)^T H vec(V) = {float(np.asarray(claimed).reshape(-1)[0]):.6g}")


def _differential(at: At) -> str:
    v = sampling.direction(at.rng, at.x, at.props)
    numeric = at.oracle().first(v)[0]
    with_dir = dict(at.values)
    with_dir[at.ident.direction] = v
    claimed = evaluate(at.ident.typed[at.ident.roles[1]], with_dir, at.sizes)
    return show(at.head, f"differential along a random d{at.ident.wrt}", numeric, claimed, at.small)


def _equality(at: At) -> str:
    lhs, rhs = (evaluate(at.ident.typed[r], at.values, at.sizes) for r in at.ident.roles)
    return show(at.head, "", lhs, rhs, at.small, ("lhs", "rhs"))


def _along_direction(at: At) -> str:
    """For a large variable or a claim applied without being formed: one random direction."""
    ident, kind = at.ident, KINDS[at.ident.kind]
    head = "  at " + ", ".join(f"{k} {v}" for k, v in at.shapes.items())
    v = sampling.direction(at.rng, at.x, at.props)
    oracle = at.oracle()
    b = {} if ident.applied_at(at.sizes) else {
        ident.roles[1]: bounded(ident.typed[ident.roles[1]], at.values, at.sizes)}
    claim = claim_of(ident, at.values, at.sizes, b, at.rng)
    if kind.order == 2:
        hv = claim.times(v).value
        claimed = inner(np.asarray(hv).reshape(-1, 1, order="F"), v.reshape(-1, 1, order="F"))
        return (f"{head} (the claimed Hessian applied to a random unit direction V, not formed):\n"
                f"  numerical d^2/dt^2 f(X + tV) = {float(oracle.second(v)[0].reshape(-1)[0]):.6g}\n"
                f"  claimed vec(V)^T H vec(V) = {claimed:.6g}")
    flat_o = np.asarray(oracle.first(v)[0]).reshape(-1, order="F")
    flat_c = np.asarray(claim.along(v).value).reshape(-1, order="F")
    shown = min(flat_o.size, 5)
    return (f"{head} ({at.x.size} entries in {ident.wrt}: compared along a random unit direction V "
            f"instead of entry by entry):\n  numerical d/dt f(X + tV) = {fmt(flat_o[:shown])}"
            f"{' ...' if flat_o.size > shown else ''}\n  claimed = {fmt(flat_c[:shown])}{' ...' if flat_c.size > shown else ''}")


EXPLAINERS = {"gradient": _gradient, "partials": _partials, "jacobian": _jacobian, "hessian": _hessian,
              "differential": _differential, "equality": _equality}
"""The elementwise explanations, by the name a kind's record gives (``Kind.explain``)."""


def explain_at(ident, values, sizes, shapes, rng, small: bool) -> str:
    """The explanation of a failure of ``ident`` at this instance."""
    at = At(ident, values, sizes, shapes, rng, small)
    kind = KINDS[ident.kind]
    with np.errstate(all="ignore"):
        if kind.order > 0:
            large = at.x.size > EXPLAIN_MAX_ENTRIES and kind.order == 1 and not kind.directional
            if large or ident.applied_at(sizes):
                return _along_direction(at)
        return EXPLAINERS[kind.explain](at)
