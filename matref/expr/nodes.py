"""The expression tree: small frozen dataclasses, built only by :mod:`matref.expr.parse`.

Nodes compare structurally; the source span is kept for error messages but ignored by
equality so that two parses of the same text are equal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


_FIELDS: dict[type, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Node:
    span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False, kw_only=True)

    def children(self) -> tuple["Node", ...]:
        """Node-valued fields in order, then the nodes inside tuple-valued fields."""
        names = _FIELDS.get(type(self))
        if names is None:  # dataclasses.fields() on every call made walking trees the cost of loading
            names = _FIELDS[type(self)] = tuple(f.name for f in dataclasses.fields(self) if f.name != "span")
        values = [getattr(self, n) for n in names]
        return tuple(v for v in values if isinstance(v, Node)) + tuple(
            c for v in values if isinstance(v, tuple) for c in v if isinstance(c, Node))

    def __str__(self) -> str:  # the expression in matref's own syntax
        from matref.expr.to_source import to_source

        return to_source(self)


@dataclass(frozen=True)
class Symbol(Node):
    name: str


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Identity(Node):
    """``I``: the identity matrix whose size is inferred from context."""


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Binary(Node):
    left: Node
    right: Node


@dataclass(frozen=True)
class Add(Binary):
    pass


@dataclass(frozen=True)
class Sub(Binary):
    pass


@dataclass(frozen=True)
class Mul(Binary):
    """``*``: elementwise product, or scaling when one side is 1x1."""


@dataclass(frozen=True)
class Div(Binary):
    pass


@dataclass(frozen=True)
class MatMul(Binary):
    pass


@dataclass(frozen=True)
class Pow(Node):
    """``**`` by a number: elementwise power."""

    base: Node
    exponent: float


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Call(Node):
    """A call of a function from :data:`matref.expr.functions.FUNCTIONS`.

    Integer parameters (such as ``k`` in ``mpow(X, k)``) are kept in ``params``.
    """

    func: str
    args: tuple[Node, ...]
    params: tuple[int, ...] = ()


@dataclass(frozen=True)
class Series(Node):
    """The sum of ``body`` over the integers ``var`` from ``lo`` to ``hi``, kept only when a bound is
    a symbolic parameter (a statement printed "for every n"); otherwise the parser expands it."""

    var: str
    lo: str
    hi: str
    body: Node


def replace_children(node: Node, new_children: tuple[Node, ...]) -> Node:
    """Rebuild ``node`` with ``new_children`` in the order of :meth:`Node.children`."""
    it = iter(new_children)
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if isinstance(value, Node):
            changes[f.name] = next(it)
        elif isinstance(value, tuple) and value and all(isinstance(c, Node) for c in value):
            changes[f.name] = tuple(next(it) for _ in value)
    return dataclasses.replace(node, **changes)


def walk(node: Node):
    """Yield every node of the tree, parents before children."""
    yield node
    for child in node.children():
        yield from walk(child)


def size(node: Node) -> int:
    """The node count of an expression (its length, to choose the shorter of two equal forms)."""
    return sum(1 for _ in walk(node))


def symbols(node: Node) -> list[str]:
    """Names of the symbols in ``node``, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in walk(node):
        if isinstance(n, Symbol):
            seen.setdefault(n.name)
    return list(seen)


def substitute(node: Node, values: dict[str, Node]) -> Node:
    """``node`` with each symbol named in ``values`` replaced by its node."""
    if isinstance(node, Symbol):
        return values.get(node.name, node)
    kids = tuple(substitute(c, values) for c in node.children())
    return replace_children(node, kids) if kids else node
