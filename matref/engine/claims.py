"""Claimed derivatives as the engine sees them: what a claim says the derivative along ``V`` is.

A claim is either a dense array (a gradient shaped like the variable, a Jacobian
``d vec(F) / d vec(X)``, a Hessian) or a function applied to directions (``J vec(V)``, a
differential ``dF`` at ``dX = V``, a Hessian-vector product). Every claim answers ``along(v)``:
the claimed first derivative ``d/dt F(X + tV)`` (or second, ``vec(V)^T H vec(V)``) with a bound
on its rounding (``noise``: what a failure must exceed) and a realistic estimate of it
(``spread``: what an agreement must not be lost in). Where the claim comes from (an identity's
expression with running error bounds, a user's backward pass) is its client's business.

Examples
--------
>>> import numpy as np
>>> g = Gradient(np.array([[1.0, 2.0]]))
>>> float(g.along(np.array([[3.0, 4.0]])).value[0])
11.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from matref.engine.judge import inner
from matref.expr.rounding import frob, gamma


@dataclass(frozen=True)
class Claimed:
    """The claimed derivative along one direction, flattened column-major, and its rounding."""

    value: np.ndarray
    noise: float = 0.0
    spread: float = 0.0


def _flat(a) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def _dot(m, v, err: float, spread: float, u: float, norm: float | None = None) -> Claimed:
    """``<m, v>`` with the rounding of the dot product (``u``: unit roundoff of the arithmetic)."""
    nv = frob(v)
    if norm is not None and 1e-140 < norm * nv < 1e140 and m.shape == v.shape:
        # the sizes are known and in range: one dot product cannot overflow or underflow
        val = float(np.dot(m.reshape(-1), v.reshape(-1)))
    else:
        val = inner(m, v)
    # |<|m|, |v|>| <= ||m|| ||v|| (Cauchy-Schwarz): a bound on the dot product's rounding without
    # another pass over m
    rounding = gamma(v.size) * (u / 2.0 ** -53) * (frob(m) if norm is None else norm) * nv
    return Claimed(np.array([val]), err * nv + rounding, spread * nv + rounding)


def _times(m, v, err: float, spread: float, u: float) -> Claimed:
    """``m @ vec(v)`` (scaled against overflow) with the rounding of the products."""
    vv = _flat(v)
    s = float(np.max(np.abs(m))) if m.size else 1.0
    s = s or 1.0
    out = s * ((m / s) @ vv)
    rounding = gamma(m.shape[-1]) * (u / 2.0 ** -53) * frob(np.abs(m) @ np.abs(vv))
    nv = frob(v)
    return Claimed(out, err * nv + rounding, spread * nv + rounding)


@dataclass(frozen=True)
class Gradient:
    """A claimed gradient ``G`` of a scalar function: ``d/dt f(X + tV) = <G, V>``.

    ``err`` and ``spread`` bound the rounding of ``G`` itself (Frobenius norm); ``partials``: the
    claim is the matrix of partials with respect to the free entries ``x_ij, i <= j`` of a
    symmetric variable (``df = sum_{i <= j} P_ij dx_ij``), not a gradient.
    """

    matrix: np.ndarray
    err: float = 0.0
    spread: float = 0.0
    partials: bool = False
    unit: float = 2.0 ** -53
    norm: float | None = None  # ||matrix||_F when the client already knows it
    order = 1

    def along(self, v) -> Claimed:
        if self.partials:
            return _dot(np.triu(self.matrix), v, self.err, self.spread, self.unit)
        return _dot(self.matrix, v, self.err, self.spread, self.unit, self.norm)

    def own(self) -> np.ndarray | None:
        """The direction the claim itself points in: along it the whole claim is compared, not its
        shadow on a random direction (about ``1/sqrt(numel)`` of it)."""
        return None if self.partials else self.matrix


@dataclass(frozen=True)
class Jacobian:
    """A dense claimed Jacobian ``d vec(F) / d vec(X)`` (numerator layout, column-major vec)."""

    matrix: np.ndarray
    err: float = 0.0
    spread: float = 0.0
    unit: float = 2.0 ** -53
    order = 1

    def along(self, v) -> Claimed:
        return _times(self.matrix, v, self.err, self.spread, self.unit)

    def own(self):
        return None


def _as_claimed(out) -> Claimed:
    """What a client's function of the direction returned: a Claimed as it is, an array with no
    known rounding."""
    return out if isinstance(out, Claimed) else Claimed(np.asarray(out), 0.0, 0.0)


@dataclass(frozen=True)
class Applied:
    """A claim applied to directions: ``apply(v)`` returns ``J vec(V)`` (or ``dF`` at ``dX = V``),
    as an array or as a :class:`Claimed` carrying its own rounding."""

    apply: Callable
    unit: float = 2.0 ** -53
    order = 1

    def along(self, v) -> Claimed:
        return _as_claimed(self.apply(v))

    def own(self):
        return None


@dataclass(frozen=True)
class Hessian:
    """A dense claimed Hessian ``d^2 f / d vec(X) d vec(X)^T``: ``d^2/dt^2 f(X + tV) = vec(V)^T H vec(V)``."""

    matrix: np.ndarray
    err: float = 0.0
    spread: float = 0.0
    unit: float = 2.0 ** -53
    order = 2

    def times(self, v) -> Claimed:
        return _times(self.matrix, v, self.err, self.spread, self.unit)

    def along(self, v) -> Claimed:
        return form(v, self.times(v), self.unit)

    def own(self):
        return None


@dataclass(frozen=True)
class HessianVector:
    """A claimed Hessian applied to directions: ``apply(v)`` returns ``H vec(V)`` (shaped like V or
    flat), as an array or a :class:`Claimed`."""

    apply: Callable
    unit: float = 2.0 ** -53
    order = 2

    def times(self, v) -> Claimed:
        return _as_claimed(self.apply(v))

    def along(self, v) -> Claimed:
        return form(v, self.times(v), self.unit)

    def own(self):
        return None


def form(u, hv: Claimed, unit: float = 2.0 ** -53) -> Claimed:
    """``vec(U)^T (H vec(V))`` from a Hessian-vector product, with its rounding."""
    uu, h = _flat(u), _flat(hv.value)
    value = inner(h, uu)
    rounding = gamma(uu.size) * (unit / 2.0 ** -53) * abs(inner(np.abs(h), np.abs(uu)))
    nu = frob(u)
    return Claimed(np.array([value]), nu * hv.noise + rounding, nu * hv.spread + rounding)
