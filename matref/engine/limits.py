"""Hard limits on one request, checked before any work is done.

Every request (``matref check``, ``matref verify``, :func:`matref.check`) is estimated first: the
number of entries of every intermediate array after shape inference, and the floating-point work
of the whole proof (drawing the random matrices, and evaluating every expression about
``EVALUATIONS_PER_TRIAL`` times per trial). A request over a limit is refused with exit status 2
and a one-line reason that names the limit and how to raise it; sizes that the verifier chooses
itself are kept within the limits.

=============  ====================  ==========================================================
limit          default               raise with
=============  ====================  ==========================================================
entries        4,000,000 per array   ``--max-entries N`` / ``Limits(entries=N)`` (64 MB complex)
work           5e11 flops            ``--max-work N`` / ``Limits(work=N)`` (about 15 s here)
trials         10,000                ``--trials`` above it is refused (a proof needs far fewer)
=============  ====================  ==========================================================

Expressions have their own limits (:mod:`matref.expr.parse`: 2,000 characters, 100 levels of
nesting, exponents up to 64) and so do catalog files (:mod:`matref.data.loader`: 1 MB per file).

Examples
--------
>>> import matref
>>> from matref.engine.limits import Limits
>>> matref.check(lhs="X @ X", rhs="X @ X", shapes={"X": "3000 x 3000"}, seed=0,
...              limits=Limits(entries=1_000_000))
Traceback (most recent call last):
...
matref.engine.limits.LimitError: refused: X is 3000x3000 (9.0e+06 entries), over the limit of 1.0e+06 entries per array (raise it with --max-entries, or Limits(entries=...) in Python)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matref.errors import MatrefError

EVALUATIONS_PER_TRIAL = 40
"""Evaluations of each expression in one trial: bounds, Monte Carlo rounding runs, complex steps
along three directions, and the contour that confirms a failure."""


class LimitError(MatrefError):
    """A request refused because it would exceed a limit (exit status 2)."""


@dataclass(frozen=True)
class Limits:
    """The budget of one request. Raise a limit deliberately, knowing the machine it runs on.

    Parameters
    ----------
    entries : int
        Largest number of entries of any array the proof forms (an operand, an intermediate, a
        claimed Jacobian or Hessian unless it is applied to directions without being formed).
    work : float
        Estimated floating-point operations of the whole proof.
    trials : int
        Largest number of trials.
    """

    entries: int = 4_000_000
    work: float = 5e11
    trials: int = 10_000

    def __post_init__(self):
        for name in ("entries", "work", "trials"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 1:
                raise MatrefError(f"limit {name} must be a positive number, not {value!r}")


DEFAULT = Limits()


def as_limits(limits) -> Limits:
    if limits is None:
        return DEFAULT
    if not isinstance(limits, Limits):
        raise MatrefError(f"limits must be a matref.engine.limits.Limits, not {type(limits).__name__}")
    return limits


@dataclass(frozen=True)
class Estimate:
    entries: int  # of the largest array
    where: str  # the expression that has them, with its shape
    work: float  # flops of one trial


def estimate(ident, sizes: dict) -> Estimate:
    """The cost of one trial of ``ident`` at ``sizes`` (free dimension -> size)."""
    from matref.expr.cost import flops, largest, sampling_flops

    u = ident.scope.unifier
    best, where, work = 0, "", 0.0
    for name in ident.names:
        r, c = ident.scope.shape_of_symbol(name)
        shape = (u.value(r, sizes), u.value(c, sizes))
        work += sampling_flops(shape)
        if shape[0] * shape[1] > best:
            best, where = shape[0] * shape[1], f"{name} is {shape[0]}x{shape[1]}"
    for typed, at in ident.evaluated(sizes):
        n, node = largest(typed, at)
        if n > best:
            r, c = typed.shape_of(node)
            tu = typed.scope.unifier
            best, where = n, f"{_short(typed.text(node))} is {tu.value(r, at)}x{tu.value(c, at)}"
        work += EVALUATIONS_PER_TRIAL * flops(typed, at)
    return Estimate(best, where, work)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def refusal(est: Estimate, limits: Limits, trials: int, what: str = "") -> str | None:
    """The one-line reason to refuse a request whose cheapest trial costs ``est``; None if it fits."""
    if est.entries > limits.entries:
        return (f"refused: {est.where} ({est.entries:.1e} entries){what}, over the limit of "
                f"{limits.entries:.1e} entries per array (raise it with --max-entries, or Limits(entries=...) in Python)")
    total = est.work * trials
    if total > limits.work:
        return (f"refused: the proof would take about {total:.1e} floating-point operations ({trials} trials"
                f"{what}; largest array: {est.where}), over the limit of {limits.work:.1e} (raise it with "
                "--max-work, or Limits(work=...) in Python; fewer --trials also helps)")
    return None
