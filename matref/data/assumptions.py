"""The vocabulary of assumptions on symbols: one record per word.

Each :class:`Assumption` says what the word means (prose for ``matref show`` and the book), what
it implies, what remains when a negative check drops it, whether the test suite must show it is
needed, which sizes it allows, and how to tell that a sampled matrix satisfies it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def _sym(a, tol):
    return np.linalg.norm(a - a.T) <= tol * max(1.0, np.linalg.norm(a))


def _square(a, tol):
    return a.shape[0] == a.shape[1]


def _spd(a, tol):
    return _square(a, tol) and _sym(a, tol) and np.linalg.eigvalsh((a + a.T) / 2).min() > 0


def _posdef(a, tol):
    return _square(a, tol) and np.linalg.eigvalsh((a + a.T) / 2).min() > 0


def _invertible(a, tol):
    if not _square(a, tol):
        return False
    s = np.linalg.svd(a, compute_uv=False)
    return s[-1] > 1e-8 * s[0]


def _orthogonal(a, tol):
    return _square(a, tol) and np.linalg.norm(a.T @ a - np.eye(a.shape[0])) <= tol * a.shape[0]


def _diagonal(a, tol):
    return _square(a, tol) and not np.any(a - np.diag(np.diag(a)))


def _positive(a, tol):
    # Together with "diagonal", positive means a positive diagonal (the only entries there are).
    if a.shape[0] == a.shape[1] and a.shape[0] > 1 and not np.any(a - np.diag(np.diag(a))):
        return bool(np.all(np.diag(a) > 0))
    return bool(np.all(a > 0))


def _eig_gaps(a):
    w = np.linalg.eigvalsh((a + a.T) / 2)
    return np.diff(w)


def _distinct(a, tol):
    return _sym(a, tol) and (a.shape[0] < 2 or _eig_gaps(a).min() >= 0.5)


def _real_eigenvalues(a, tol):
    if not _square(a, tol):
        return False
    w = np.linalg.eigvals(a)
    if np.abs(w.imag).max(initial=0.0) > 1e-9 * max(1.0, np.abs(a).max()):
        return False
    w = np.sort(w.real)
    return a.shape[0] < 2 or np.diff(w).min() >= 0.5


def _repeated(a, tol):
    return _sym(a, tol) and (a.shape[0] < 2 or _eig_gaps(a)[0] <= tol * max(1.0, np.abs(a).max()))


def _rank(a, k):
    s = np.linalg.svd(a, compute_uv=False)
    return s.size and s[min(k, s.size) - 1] > 1e-8 * s[0]


def _full_column_rank(a, tol):
    return a.shape[0] >= a.shape[1] and _rank(a, a.shape[1])


def _full_row_rank(a, tol):
    return a.shape[1] >= a.shape[0] and _rank(a, a.shape[0])


@dataclass(frozen=True)
class Assumption:
    """One word of the vocabulary.

    Attributes
    ----------
    name : str
    text : str
        What it means, in words (shown by ``matref show`` and in the book).
    implies : tuple of str
        Words it implies (closed transitively by :func:`closure`).
    weaker : tuple of str
        What a negative check keeps when it drops this word: the consequences that keep the
        identity *defined* (an inverse still exists) without making it true.
    structural : bool
        The test suite drops it from every identity that states it and requires the proof to
        stop holding (a condition nobody needs must not be stated).
    sizes : str
        A constraint on the symbol's sizes: ``""``, ``"rows>=cols"`` or ``"cols>=rows"``.
    holds : callable
        ``holds(matrix, tol)``: whether a sampled matrix satisfies it (the sampler's safety net).
    """

    name: str
    text: str
    implies: tuple[str, ...] = ()
    weaker: tuple[str, ...] = ()
    structural: bool = True
    sizes: str = ""
    holds: Callable = _square


ASSUMPTIONS: dict[str, Assumption] = {a.name: a for a in [
    Assumption("square", "a square matrix", structural=False, holds=_square),
    Assumption("symmetric", "symmetric: A = A^T", ("square",), ("square",), holds=_sym),
    Assumption("spd", "symmetric positive definite", ("symmetric", "invertible", "square", "posdef"),
               ("invertible",), holds=_spd),
    Assumption("invertible", "invertible (nonsingular)", ("square",), structural=False, holds=_invertible),
    Assumption("orthogonal", "orthogonal: Q^T Q = I", ("invertible", "square"), ("invertible",), holds=_orthogonal),
    Assumption("diagonal", "diagonal", ("square",), ("square",), holds=_diagonal),
    Assumption("positive", "every entry is positive", holds=_positive),
    Assumption("posdef", "positive real: x^T A x > 0 for x != 0, not necessarily symmetric",
               ("invertible", "square"), ("invertible",), holds=_posdef),
    Assumption("distinct_eigenvalues", "symmetric with well separated (distinct) eigenvalues",
               ("symmetric", "square"), ("repeated_eigenvalue",), holds=_distinct),
    Assumption("real_eigenvalues", "real, well separated eigenvalues (diagonalisable; not necessarily symmetric)",
               ("square",), ("square",), holds=_real_eigenvalues),
    Assumption("repeated_eigenvalue", "symmetric with its two smallest eigenvalues equal (for negative checks)",
               ("symmetric", "square"), structural=False, holds=_repeated),
    Assumption("full_column_rank", "full column rank: its columns are linearly independent (rows >= columns)",
               sizes="rows>=cols", holds=_full_column_rank),
    Assumption("full_row_rank", "full row rank: its rows are linearly independent (columns >= rows)",
               sizes="cols>=rows", holds=_full_row_rank),
]}

VOCABULARY: dict[str, str] = {name: a.text for name, a in ASSUMPTIONS.items()}
"""Every word and what it means."""

STRUCTURAL: tuple[str, ...] = tuple(name for name, a in ASSUMPTIONS.items() if a.structural)
"""Assumptions whose necessity the test suite demonstrates by dropping them."""


def unknown(names) -> list[str]:
    """The names that are not in :data:`VOCABULARY`."""
    return [n for n in names if n not in ASSUMPTIONS]


def closure(names) -> frozenset[str]:
    """Every assumption implied by ``names``.

    Examples
    --------
    >>> sorted(closure(["spd"]))
    ['invertible', 'posdef', 'spd', 'square', 'symmetric']
    """
    out = set(names)
    todo = list(out)
    while todo:
        word = ASSUMPTIONS.get(todo.pop())
        for implied in word.implies if word else ():
            if implied not in out:
                out.add(implied)
                todo.append(implied)
    return frozenset(out)


def weaken(names, drop: str) -> frozenset[str]:
    """``names`` without ``drop``, keeping what is needed for the expression to be defined.

    Examples
    --------
    >>> sorted(weaken(["spd"], "spd"))
    ['invertible', 'square']
    """
    word = ASSUMPTIONS.get(drop)
    kept = set(word.weaker) if word else set()
    return closure({n for n in names if n != drop} | kept) - {drop}


def is_square(names) -> bool:
    return "square" in closure(names)


def size_relations(names) -> set[str]:
    """The size constraints (``"rows>=cols"``, ``"cols>=rows"``) the assumptions impose."""
    return {ASSUMPTIONS[n].sizes for n in closure(names) if n in ASSUMPTIONS and ASSUMPTIONS[n].sizes}


def violated_by(matrix: np.ndarray, names, tol: float = 1e-9) -> list[str]:
    """The assumptions among ``names`` (closed) that ``matrix`` does not satisfy."""
    return sorted(n for n in closure(names) if n in ASSUMPTIONS and not ASSUMPTIONS[n].holds(matrix, tol))
