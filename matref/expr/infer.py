"""Shape inference: one handler per node, unknown sizes unified through the operations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import singledispatch

from matref.expr.errors import ShapeError
from matref.expr import nodes as N
from matref.expr.dims import Prod, Shape, Unifier, Var, show_shape
from matref.expr.functions import FUNCTIONS, Mismatch
from matref.expr.to_source import to_source

_SHAPE_TEXT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|\d+)\s*[xX×]\s*([A-Za-z_][A-Za-z0-9_]*|\d+)\s*\Z")


def default_shape(name: str) -> Shape:
    """Uppercase names are matrices, lowercase names column vectors."""
    if name[0].isupper():
        return (Var(f"rows({name})", strict=True), Var(f"cols({name})", strict=True))
    return (Var(f"len({name})", strict=True), 1)


@dataclass
class Scope:
    """The symbols of one identity (or one ``matref check``): shared shapes, one unifier.

    Examples
    --------
    >>> from matref.expr.infer import Scope
    >>> from matref.expr.parse import parse
    >>> scope = Scope()
    >>> typed = scope.infer(parse("A @ x"), "A @ x")
    >>> scope.show(typed.shape)
    'rows(A)x1'
    """

    unifier: Unifier = field(default_factory=Unifier)
    symbols: dict[str, Shape] = field(default_factory=dict)
    dims: dict[str, Var] = field(default_factory=dict)
    typed: list = field(default_factory=list)  # every expression inferred here, for error messages
    ambiguous: list = field(default_factory=list)  # product constraints settled by a guess at an I's size

    def dim(self, name: str) -> Var:
        """The named dimension ``name`` (created on first use)."""
        if name not in self.dims:
            self.dims[name] = Var(name, strict=True)
        return self.dims[name]

    def parse_shape(self, text: str) -> Shape:
        """``"scalar"``, ``"n x n"``, ``"3x1"`` ... to a shape; raises ValueError otherwise."""
        t = str(text).strip()
        if t in ("scalar", "1x1", "1 x 1"):
            return (1, 1)
        m = _SHAPE_TEXT.match(t)
        if not m:
            raise ValueError(f"shape {text!r} is not 'scalar' or 'R x C' (e.g. 'n x n', 'm x 1', '3 x 2')")
        if any(p.isdigit() and int(p) < 1 for p in m.groups()):
            raise ValueError(f"shape {text!r}: sizes must be at least 1")
        return tuple(int(p) if p.isdigit() else self.dim(p) for p in m.groups())

    def declare(self, name: str, shape: Shape) -> None:
        self.symbols[name] = shape

    def shape_of_symbol(self, name: str) -> Shape:
        if name not in self.symbols:
            self.symbols[name] = default_shape(name)
        return self.symbols[name]

    def make_square(self, name: str) -> bool:
        r, c = self.shape_of_symbol(name)
        return self.unifier.unify(r, c, name)

    def settle(self) -> list:
        """Decide product-vs-product size constraints by pairing factors in order.

        ``kron(B.T, A) @ vec(X)`` alone only says rows(B)*cols(A) = rows(X)*cols(X); any
        assignment that satisfies it is a valid instance, and pairing the factors gives one.
        """
        u = self.unifier
        impossible = []
        pending, u.deferred = u.deferred, []
        # Constraints that would guess an identity matrix's size wait until the others have been
        # settled: those often determine it (n*size(I) = m*size(J) alone has many solutions, with
        # n*size(I) = m*n beside it only one).
        while True:
            guesses = [c for c in pending if self._guess(c)]
            if not guesses or len(guesses) == len(pending):
                break
            self._pair([c for c in pending if not self._guess(c)], impossible)
            pending = guesses
        self.ambiguous.extend((u.resolve(a), u.resolve(b), w) for a, b, w in pending if self._guess((a, b, w)))
        self._pair(pending, impossible)
        return impossible

    def _guess(self, constraint) -> bool:
        """Whether pairing the factors of this constraint would pick an identity matrix's size."""
        u = self.unifier
        a, b, _ = constraint
        sides = [[f for f in u.factors(d) if isinstance(f, Var)] for d in (a, b)]
        shared = {f.uid for f in sides[0]} & {f.uid for f in sides[1]}
        sides = [[f for f in side if f.uid not in shared] for side in sides]
        loose = sides[0] + sides[1]
        return any(x.name == "size(I)" for x in loose) and max(len({x.uid for x in s}) for s in sides) > 1

    def _pair(self, pending, impossible) -> None:
        u = self.unifier
        for a, b, where in pending:
            ra, rb = u.resolve(a), u.resolve(b)
            fa = list(ra.factors if isinstance(ra, Prod) else (ra,))
            fb = list(rb.factors if isinstance(rb, Prod) else (rb,))
            # Cancel the factors both sides share first: p*size(I) = m*p says size(I) = m,
            # not p = m (which would silently narrow the sizes a proof ever tries).
            for x in list(fa):
                for k, y in enumerate(fb):
                    if x is y or (isinstance(x, int) and x == y):
                        fa.remove(x)
                        del fb[k]
                        break
            if len(fa) == len(fb) and all(u.unify(x, y, where) for x, y in zip(fa, fb)):
                continue
            if _power_of_one_size(u, fa, fb, where) or _power_of_one_size(u, fb, fa, where):
                continue
            if bool(fa) != bool(fb):
                # p*q = p: what is left must be 1, impossible for an undeclared (strict) size.
                if not all(u.unify(x, 1, where) for x in fa + fb):
                    impossible.append((a, b, where))
                continue
            u.deferred.append((a, b, where))

    def fork(self) -> "Scope":
        """An independent copy: inferring new expressions in it leaves this scope untouched."""
        return Scope(self.unifier.copy(), dict(self.symbols), dict(self.dims), list(self.typed))

    def is_scalar(self, node: N.Node) -> bool:
        """Whether ``node`` (built from this scope's symbols) is 1x1. Has no side effects."""
        scope = self.fork()
        try:
            return scope.unifier.is_scalar(scope.infer(node).shape)
        except ShapeError:
            return False

    def show(self, shape: Shape) -> str:
        return show_shape(self.unifier, shape)

    def infer(self, node: N.Node, source: str = "") -> "Typed":
        """Infer the shape of every sub-expression of ``node``; raise ShapeError on a misfit."""
        typed = Typed(node, source or to_source(node), self, {})
        typed.shape = _infer(node, typed)
        self.typed.append(typed)
        for a, b, where in list(self.unifier.deferred):
            ra, rb = self.unifier.resolve(a), self.unifier.resolve(b)
            if isinstance(ra, int) and isinstance(rb, int) and ra != rb and isinstance(where, N.Node):
                # The constraint may come from an earlier expression: quote that one.
                owner = next((t for t in self.typed if id(where) in t.shapes), typed)
                owner.fail(where, f"sizes {ra} and {rb} must be equal")
        return typed


def _power_of_one_size(u: Unifier, fa: list, fb: list, where) -> bool:
    """``n * n = 4`` (a vec of an identity against a fixed 2 x 2 matrix): one free size, to a power,
    equal to a known number, settles it when the root is a whole number."""
    known_a = [x for x in fa if isinstance(x, int)]
    free_a = [x for x in fa if not isinstance(x, int)]
    if not free_a or any(not isinstance(x, int) for x in fb) or any(x is not free_a[0] for x in free_a):
        return False
    total = 1
    for x in fb:
        total *= x
    scale = 1
    for x in known_a:
        scale *= x
    if total % scale:
        return False
    target, k = total // scale, len(free_a)
    root = round(target ** (1.0 / k))
    for r in (root - 1, root, root + 1):
        if r >= 1 and r ** k == target:
            return u.unify(free_a[0], r, where)
    return False


@dataclass
class Typed:
    """A node tree with the shape of each sub-expression (keyed by node identity)."""

    node: N.Node
    source: str
    scope: Scope
    shapes: dict[int, Shape]
    shape: Shape = (1, 1)

    def shape_of(self, node: N.Node) -> Shape:
        return self.shapes[id(node)]

    # Shapes are keyed by node identity, which does not survive pickling: store them in the
    # order of a walk of the tree instead (the catalog's disk cache pickles typed trees).
    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_cost_plan", None)
        state["shapes"] = [self.shapes.get(id(n)) for n in N.walk(self.node)]
        return state

    def __setstate__(self, state):
        shapes = state.pop("shapes")
        self.__dict__.update(state)
        self.shapes = {id(n): s for n, s in zip(N.walk(self.node), shapes) if s is not None}

    def is_scalar(self, node: N.Node) -> bool:
        return self.scope.unifier.is_scalar(self.shapes[id(node)])

    def text(self, node: N.Node) -> str:
        s, e = node.span
        if e > s and self.source[s:e].strip():
            return self.source[s:e].strip()
        return to_source(node)

    def fail(self, node: N.Node, message: str):
        span = node.span if node.span[1] > node.span[0] else None
        raise ShapeError(message, self.source, span)

    def describe(self, node: N.Node) -> str:
        return f"{self.text(node)} is {self.scope.show(self.shapes[id(node)])}"


def _record(t: Typed, node: N.Node, shape: Shape) -> Shape:
    t.shapes[id(node)] = shape
    return shape


@singledispatch
def _infer(node: N.Node, t: Typed) -> Shape:
    raise TypeError(f"no shape rule for {type(node).__name__}")


@_infer.register
def _(n: N.Symbol, t: Typed) -> Shape:
    return _record(t, n, t.scope.shape_of_symbol(n.name))


@_infer.register
def _(n: N.Number, t: Typed) -> Shape:
    return _record(t, n, (1, 1))


@_infer.register
def _(n: N.Identity, t: Typed) -> Shape:
    k = Var("size(I)")
    return _record(t, n, (k, k))


@_infer.register
def _(n: N.Neg, t: Typed) -> Shape:
    return _record(t, n, _infer(n.arg, t))


def _elementwise(n, t: Typed, what: str) -> Shape:
    ls, rs = _infer(n.left, t), _infer(n.right, t)
    u = t.scope.unifier
    if u.is_scalar(ls):
        return _record(t, n, rs)
    if u.is_scalar(rs):
        return _record(t, n, ls)
    before = f"{t.describe(n.left)}, {t.describe(n.right)}"
    if not (u.unify(ls[0], rs[0], n) and u.unify(ls[1], rs[1], n)):
        hints = []
        if isinstance(n, N.Mul):  # x'*A*x typed as in MATLAB
            hints.append("* is elementwise, as in numpy: the matrix product is @")
        if any(isinstance(x, N.Symbol) and x.name[0].islower() for x in (n.left, n.right)):
            hints.append("a lowercase name is a column vector: declare scalars, e.g. shape 'scalar'")
        hint = f" ({'; '.join(hints)})" if hints else ""
        t.fail(n, f"{what} needs equal shapes or a scalar side: {before}{hint}")
    return _record(t, n, ls)


for _cls, _what in [(N.Add, "+"), (N.Sub, "-"), (N.Mul, "* (elementwise)"), (N.Div, "/ (elementwise)")]:
    _infer.register(_cls)(lambda n, t, _w=_what: _elementwise(n, t, _w))


@_infer.register
def _(n: N.MatMul, t: Typed) -> Shape:
    ls, rs = _infer(n.left, t), _infer(n.right, t)
    before = f"{t.describe(n.left)}, {t.describe(n.right)}"
    if not t.scope.unifier.unify(ls[1], rs[0], n):
        t.fail(n, f"@ needs the columns of the left side to match the rows of the right: {before}")
    return _record(t, n, (ls[0], rs[1]))


@_infer.register
def _(n: N.Pow, t: Typed) -> Shape:
    return _record(t, n, _infer(n.base, t))


@_infer.register
def _(n: N.Transpose, t: Typed) -> Shape:
    r, c = _infer(n.arg, t)
    return _record(t, n, (c, r))


@_infer.register
def _(n: N.Series, t: Typed) -> Shape:
    return _record(t, n, _infer(n.body, t))


@_infer.register
def _(n: N.Call, t: Typed) -> Shape:
    spec = FUNCTIONS[n.func]
    shapes = [_infer(a, t) for a in n.args]
    try:
        shape = spec.shape(t.scope.unifier, shapes, Var, n.params)
    except Mismatch as e:
        t.fail(n, f"{e}: {'; '.join(t.describe(a) for a in n.args)}")
    return _record(t, n, shape)
