"""The vocabulary of assumptions on symbols, their implications and how to weaken them."""

from __future__ import annotations

VOCABULARY: dict[str, str] = {
    "square": "a square matrix",
    "symmetric": "symmetric: A = A^T",
    "spd": "symmetric positive definite",
    "invertible": "invertible (nonsingular)",
    "orthogonal": "orthogonal: Q^T Q = I",
    "diagonal": "diagonal",
    "positive": "every entry is positive",
    "posdef": "positive real: x^T A x > 0 for x != 0, not necessarily symmetric",
    "distinct_eigenvalues": "symmetric with well separated (distinct) eigenvalues",
    "repeated_eigenvalue": "symmetric with its two smallest eigenvalues equal (for negative checks)",
}

_IMPLIES: dict[str, frozenset[str]] = {
    "spd": frozenset({"symmetric", "invertible", "square", "posdef"}),
    "posdef": frozenset({"invertible", "square"}),
    "distinct_eigenvalues": frozenset({"symmetric", "square"}),
    "repeated_eigenvalue": frozenset({"symmetric", "square"}),
    "orthogonal": frozenset({"invertible", "square"}),
    "invertible": frozenset({"square"}),
    "symmetric": frozenset({"square"}),
    "diagonal": frozenset({"square"}),
}

# What remains when a structural assumption is dropped: its non-structural consequences,
# which keep the identity well defined (an inverse still exists) but no longer true.
_WEAKER: dict[str, frozenset[str]] = {
    "spd": frozenset({"invertible"}),
    "symmetric": frozenset({"square"}),
    "orthogonal": frozenset({"invertible"}),
    "diagonal": frozenset({"square"}),
    "positive": frozenset(),
    "posdef": frozenset({"invertible"}),
    "distinct_eigenvalues": frozenset({"repeated_eigenvalue"}),
}

STRUCTURAL: tuple[str, ...] = tuple(_WEAKER)
"""Assumptions whose necessity the test suite demonstrates by dropping them."""


def unknown(names) -> list[str]:
    """The names that are not in :data:`VOCABULARY`."""
    return [n for n in names if n not in VOCABULARY]


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
        for implied in _IMPLIES.get(todo.pop(), ()):
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
    return closure({n for n in names if n != drop} | _WEAKER.get(drop, frozenset())) - {drop}


def is_square(names) -> bool:
    return "square" in closure(names)
