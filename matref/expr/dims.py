"""Symbolic dimensions and their unification.

A dimension is an ``int``, a :class:`Var` (an unknown size) or a :class:`Prod` (a product of
dimensions, from ``kron`` and ``vec``). :class:`Unifier` is a union-find over variables; a
constraint between two products that cannot be decided symbolically is deferred and checked
once sizes are concrete.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

_ids = itertools.count()


class Var:
    """An unknown size. Compared by identity; ``name`` is for messages only.

    A ``strict`` variable is the default size of an undeclared symbol: unification may tie it to
    other sizes but not to a constant, so ``x @ y`` on two column vectors is an error rather than
    a silent "y has length 1".
    """

    __slots__ = ("name", "uid", "strict")

    def __init__(self, name: str, strict: bool = False):
        self.name = name
        self.uid = next(_ids)
        self.strict = strict

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Prod:
    factors: tuple  # of Var and int, normalised by Unifier.resolve

    def __repr__(self) -> str:
        return "*".join(map(repr, self.factors))


@dataclass(frozen=True)
class Expr:
    """A size computed from others: ``+`` (a block matrix's rows) or ``tri`` (``n(n+1)/2``, the
    length of vech). Unification treats it as opaque; it is checked once sizes are concrete."""

    op: str
    args: tuple

    def __repr__(self) -> str:
        if self.op == "+":
            return "(" + "+".join(map(repr, self.args)) + ")"
        return f"{self.args[0]!r}({self.args[0]!r}+1)/2"


Dim = int | Var | Prod | Expr
Shape = tuple  # (rows, cols) of Dim


def product(*dims: Dim) -> Dim:
    return Prod(tuple(dims))


def plus(a: Dim, b: Dim) -> Dim:
    return Expr("+", (a, b))


def tri(n: Dim) -> Dim:
    return Expr("tri", (n,))


def _apply(op: str, values) -> int:
    return sum(values) if op == "+" else values[0] * (values[0] + 1) // 2


def atoms(d: Dim):
    """The variables a resolved dimension depends on, in order."""
    if isinstance(d, Var):
        yield d
    elif isinstance(d, Prod):
        for f in d.factors:
            yield from atoms(f)
    elif isinstance(d, Expr):
        for a in d.args:
            yield from atoms(a)


def evaluate(d: Dim, sizes: dict) -> int:
    """The value of a resolved dimension given the sizes of its variables."""
    if isinstance(d, int):
        return d
    if isinstance(d, Var):
        return sizes[d]
    if isinstance(d, Prod):
        return math.prod(evaluate(f, sizes) for f in d.factors)
    return _apply(d.op, [evaluate(a, sizes) for a in d.args])


class Unifier:
    """Union-find over :class:`Var`, with deferred constraints on products."""

    def __init__(self):
        self._parent: dict[Var, Dim] = {}
        self._strict: set[Var] = set()  # variables made strict by unification with a strict one
        self.deferred: list[tuple[Dim, Dim, object]] = []
        self._minimum: dict[Var, int] = {}  # lower bounds, e.g. eigval(A, 2) needs 3 rows

    def copy(self) -> "Unifier":
        """An independent copy: unifying in it leaves this unifier untouched."""
        other = Unifier()
        other._parent = dict(self._parent)
        other._strict = set(self._strict)
        other.deferred = list(self.deferred)
        other._minimum = dict(self._minimum)
        return other

    def at_least(self, d: Dim, k: int) -> bool:
        """Require ``d >= k``; False if ``d`` is a constant below ``k``."""
        d = self.resolve(d)
        if isinstance(d, int):
            return d >= k
        for v in d.factors if isinstance(d, Prod) else (d,):
            if isinstance(v, Var) and isinstance(d, Var):
                self._minimum[v] = max(self._minimum.get(v, 1), k)
        return True

    def minimum(self, v: Var) -> int:
        """The lower bound on the free variable ``v`` (from it and everything unified with it)."""
        root = self.resolve(v)
        return max([m for w, m in self._minimum.items() if self.resolve(w) is root] or [1])

    def strict(self, v: Var) -> bool:
        return v.strict or v in self._strict

    # -- resolution -------------------------------------------------------------------
    def resolve(self, d: Dim) -> Dim:
        if isinstance(d, Var):
            root = self._parent.get(d)
            if root is None:
                return d
            r = self.resolve(root)
            self._parent[d] = r
            return r
        if isinstance(d, Expr):
            args = tuple(self.resolve(a) for a in d.args)
            if all(isinstance(a, int) for a in args):
                return _apply(d.op, args)
            if d.op == "+" and 0 in args:
                rest = [a for a in args if a != 0]
                return rest[0] if len(rest) == 1 else Expr("+", tuple(rest))
            return Expr(d.op, args)
        if isinstance(d, Prod):
            const = 1
            vars_: list[Var] = []
            for f in d.factors:
                f = self.resolve(f)
                parts = f.factors if isinstance(f, Prod) else (f,)
                for p in parts:
                    if isinstance(p, int):
                        const *= p
                    else:
                        vars_.append(p)
            if const == 0 or not vars_:
                return const
            vars_.sort(key=lambda v: (isinstance(v, Expr), getattr(v, "uid", 0), repr(v)))
            if const == 1 and len(vars_) == 1:
                return vars_[0]
            return Prod(((const,) if const != 1 else ()) + tuple(vars_))
        return d

    def factors(self, d: Dim) -> tuple:
        """The factors of ``d`` once resolved: constants and free variables."""
        d = self.resolve(d)
        return d.factors if isinstance(d, Prod) else (d,)

    def is_one(self, d: Dim) -> bool:
        return self.resolve(d) == 1

    def is_scalar(self, shape: Shape) -> bool:
        return self.is_one(shape[0]) and self.is_one(shape[1])

    # -- unification -------------------------------------------------------------------
    def unify(self, a: Dim, b: Dim, where: object = None) -> bool:
        """Make ``a`` and ``b`` equal. Returns False on a definite mismatch."""
        a, b = self.resolve(a), self.resolve(b)
        if a == b or (isinstance(a, Var) and a is b):
            return True
        if isinstance(a, int) and isinstance(b, int):
            return False
        for v, other in ((a, b), (b, a)):
            if isinstance(v, Var) and not self._occurs(v, other):
                if self.strict(v) and isinstance(other, int):
                    return False
                if isinstance(other, Var) and self.strict(v):
                    self._strict.add(other)
                self._parent[v] = other
                return True
        self.deferred.append((a, b, where))
        return True

    def _occurs(self, v: Var, d: Dim) -> bool:
        return isinstance(d, (Prod, Expr)) and any(f is v for f in atoms(d))

    # -- concrete sizes ----------------------------------------------------------------
    def free_vars(self, dims) -> list[Var]:
        """The unresolved variables that the given dimensions depend on, in order."""
        out: dict[int, Var] = {}
        for d in dims:
            for f in atoms(self.resolve(d)):
                out.setdefault(f.uid, f)
        return list(out.values())

    def value(self, d: Dim, sizes: dict[Var, int]) -> int:
        """The concrete value of ``d`` given sizes of the free variables."""
        d = self.resolve(d)
        if isinstance(d, int):
            return d
        if isinstance(d, Var):
            try:
                return sizes[d]
            except KeyError:
                raise KeyError(d.name) from None
        if isinstance(d, Expr):
            return _apply(d.op, [self.value(a, sizes) for a in d.args])
        return math.prod(self.value(f, sizes) for f in d.factors)

    def violated(self, sizes: dict[Var, int]) -> list[tuple[int, int, object]]:
        """Deferred constraints that the concrete ``sizes`` break."""
        bad = []
        for a, b, where in self.deferred:
            va, vb = self.value(a, sizes), self.value(b, sizes)
            if va != vb:
                bad.append((va, vb, where))
        return bad


def show_dim(u: Unifier, d: Dim) -> str:
    return repr(u.resolve(d))


def show_shape(u: Unifier, shape: Shape) -> str:
    return f"{show_dim(u, shape[0])}x{show_dim(u, shape[1])}"
