"""The engine's checks: a claim against an oracle along directions, each comparison judged.

These functions know nothing of identities, expressions or frameworks: they take an oracle
(:mod:`matref.engine.oracle`), a claim (:mod:`matref.engine.claims`) and directions in the
variable's space, and return :class:`~matref.engine.judge.Measurement` s. The catalog
(:mod:`matref.engine.checks`), :mod:`matref.testing` and ``matref check`` are their clients.

Examples
--------
>>> import numpy as np
>>> from matref.engine import claims, oracle
>>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
>>> o = oracle.Oracle(lambda z: (z * z).sum(), x, analytic=True)
>>> v = np.array([[0.6, 0.0], [0.0, 0.8]])
>>> [m.verdict for m in first_order(o, claims.Gradient(2 * x), [v], 1e-8)]
['pass']
>>> [m.verdict for m in first_order(o, claims.Gradient(x), [v], 1e-8)]
['fail']
"""

from __future__ import annotations

import numpy as np

from matref.engine.judge import FAIL, PASS, UNDECIDED, Measurement, dist, judge
from matref.engine.oracle import guarded
from matref.expr.rounding import frob


def _flat(a) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def first_order(oracle, claim, directions, rtol: float, label: str = "direction") -> list[Measurement]:
    """Compare ``claim.along(v)`` with the oracle's ``d/dt f(X + tV)`` for every direction."""
    if len(directions) == 1:  # one comparison: its own scale (what compare_runs would give it)
        v = directions[0]
        obs, noise_obs = guarded(oracle.first, v)
        c = claim.along(v)
        return [_compare(_flat(obs), noise_obs, _flat(c.value), c.noise, c.spread, 0.0, rtol, f"{label} 1",
                         lambda: _again(oracle.first_again, v))]
    runs = []
    for v in directions:
        obs, noise_obs = guarded(oracle.first, v)
        c = claim.along(v)
        runs.append((v, _flat(obs), noise_obs, _flat(c.value), c.noise, c.spread))
    return compare_runs(runs, rtol, label, lambda v: _again(oracle.first_again, v))


def second_order(oracle, claim, directions, rtol: float, symmetry_rtol: float | None = None,
                 label: str = "second derivative along direction") -> list[Measurement]:
    """Compare ``vec(V)^T H vec(V)`` with the oracle's ``d^2/dt^2 f(X + tV)``.

    Quadratic forms along random directions determine the symmetric part of H; H itself must be
    symmetric, so together they pin it down. With ``symmetry_rtol``, symmetry is tested without
    forming H: ``vec(U)^T H vec(V) = vec(V)^T H vec(U)`` for two of the directions.
    """
    from matref.engine.claims import form

    out = []
    products = {}
    if symmetry_rtol is not None and len(directions) >= 2:
        u, v = directions[-1], directions[0]
        products[0], products[len(directions) - 1] = claim.times(v), claim.times(u)
        a, c = form(u, products[0], claim.unit), form(v, products[len(directions) - 1], claim.unit)
        gap = abs(float(a.value[0]) - float(c.value[0]))
        size = max(frob(u) * frob(products[0].value), frob(v) * frob(products[len(directions) - 1].value))
        noise = a.noise + c.noise
        out.append(judge(gap, size, symmetry_rtol, noise, (gap, 0.0), (noise, 0.0),
                         "the claimed hessian must be symmetric"))
    runs = []
    for k, v in enumerate(directions):
        obs, noise_obs = guarded(oracle.second, v)
        c = form(v, products[k], claim.unit) if k in products else claim.along(v)
        runs.append((v, _flat(obs), noise_obs, _flat(c.value), c.noise, c.spread))
    return out + compare_runs(runs, rtol, label, lambda v: guarded(oracle.second_again, v))


def equal(lhs, rhs, rtol: float, noise: tuple[float, float] = (0.0, 0.0), spread: float | None = None,
          what: str = "lhs against rhs") -> Measurement:
    """``||lhs - rhs||`` against ``rtol`` times the larger side; ``noise``: each side's rounding bound."""
    na, nc = frob(lhs), frob(rhs)
    ea, ec = noise
    return judge(dist(lhs, rhs), max(na, nc), rtol, ea + ec, (na, nc), (ea, ec), what, spread)


def in_space(matrix, projected, err: float, rtol: float, what: str) -> Measurement:
    """A claim on a structured space must equal its projection onto that space."""
    gap = dist(matrix, projected)
    return judge(gap, frob(matrix), rtol, 2 * err, (gap, 0.0), (2 * err, 0.0), what)


def _again(method, v):
    obs, noise = guarded(method, v)
    return _flat(obs), noise


def compare_runs(runs, rtol: float, label: str, again) -> list[Measurement]:
    """Judge ``(direction, observed, its noise, claimed, its noise, its spread)`` runs of one instance.

    The scale of every comparison is the largest response over the directions (an estimate of
    ||J|| ||V|| that the values themselves give), so a direction with a near-zero derivative is
    not judged against zero, and a wrong claim cannot exploit it: the direction that inflates the
    scale fails itself. Not ||claim||_F ||V||: along a random direction the response is about
    1/sqrt(numel) of that, which would let a claim 1e-6 off pass at large sizes. ``again(v)``
    is the second, independent derivative that must confirm a failure.
    """
    norms = [(frob(o), frob(c)) for _, o, _, c, _, _ in runs]
    operator = max(max(pair) for pair in norms)
    out = []
    for k, (v, obs, noise_obs, claimed, noise_claim, spread_claim) in enumerate(runs):
        out.append(_compare(obs, noise_obs, claimed, noise_claim, spread_claim, operator, rtol,
                            f"{label} {k + 1}", lambda v=v: again(v), norms[k]))
    return out


def _compare(obs, noise_obs, claimed, noise_claim, spread_claim, scale, rtol, what, again,
             norms=None) -> Measurement:
    """Judge one directional comparison: a pass needs an accurate numerical derivative, a failure
    a second, independent one that agrees (``again()`` computes it). ``norms``: the sizes of the
    two sides, when already known."""
    norms = norms or (frob(obs), frob(claimed))
    scale = max(scale, *norms)
    m = judge(dist(obs, claimed), scale, rtol, noise_obs + noise_claim, norms,
              (max(noise_obs, noise_claim), noise_claim), what, noise_obs + spread_claim)
    if m.verdict == PASS and noise_obs > m.tolerance:
        return Measurement(m.error, m.tolerance, what, m.noise, UNDECIDED,
                           "the numerical derivative is not accurate enough here")
    if m.verdict == FAIL:
        return _confirm(m, obs, claimed, again, scale, rtol, noise_obs + noise_claim, what)
    return m


def _confirm(m: Measurement, obs, claimed, again, scale, rtol, noise, what) -> Measurement:
    """A failure stands only if a second, independent derivative also refutes the claim, by more
    than the two derivatives disagree with each other."""
    obs2, noise2 = again()
    obs2 = _flat(obs2)
    spread = dist(obs, obs2) + noise2
    error = min(m.error, dist(obs2, claimed))
    verdict = judge(error, scale, rtol, noise + spread, what=what)
    if verdict.verdict == FAIL:
        return Measurement(m.error, m.tolerance, what, noise + spread, FAIL)
    return Measurement(m.error, m.tolerance, what, noise + spread, UNDECIDED,
                       "two numerical derivatives disagree too much to refute the claim here")
