"""Say what is wrong with a refuted claim: the classic mistakes, each tested, the one that fits named.

One record per mistake (:data:`MISTAKES`): the kinds of claim it applies to, how to undo it (the
claims it would have been, had the mistake not been made), and what to tell the user. A mistake
is named only when undoing it gives a claim that the engine proves: a diagnosis is a promise,
like a verdict, and when no classic mistake fits nothing is named.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Iterator

from matref.calculus import build as B
from matref.calculus.linear import _factors
from matref.errors import MatrefError
from matref.expr import nodes as N
from matref.expr.parse import parse

TRIALS = 3  # the engine's minimum: a candidate must hold on 3 instances, one of distinct sizes >= 2
SEED = 20261130


@dataclass(frozen=True)
class Diagnosis:
    """The mistake found: its ``name`` (one of :data:`MISTAKES`), a sentence for the user, and the
    claim it would have been without the mistake (proved)."""

    name: str
    message: str
    fixed: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Claim:
    """A refuted claim, as given: f, wrt, the kind of claim, its text, assumptions and shapes."""

    f: str | None
    wrt: str | None
    kind: str
    text: str
    assume: dict
    shapes: dict
    lhs: str | None = None  # an equality's left side (then f is None)

    @property
    def node(self) -> N.Node:
        return B.strip_spans(parse(self.text))

    def _build(self, text: str | None = None, kind: str | None = None, assume: dict | None = None):
        from matref.faces.api import build
        from matref.kinds import KINDS

        role = KINDS[kind or self.kind].claim
        args = {"lhs": self.lhs} if self.lhs is not None else {"f": self.f, "wrt": self.wrt}
        return build(**args, assume=assume if assume is not None else self.assume, shapes=self.shapes,
                     **{role: text if text is not None else self.text})

    def holds(self, text: str | None = None, kind: str | None = None, assume: dict | None = None,
              same_sizes: bool = True) -> bool:
        """Whether the claim, with the changes given, is proved by the engine; with ``same_sizes``,
        only if the change leaves the sizes as free as they were (a change that makes a rectangular
        matrix square would prove something else)."""
        from matref.engine.verify import verify

        try:
            variant = self._build(text, kind, assume)
            if same_sizes and len(variant.free_dims()) < len(self._build().free_dims()):
                return False
            return verify(variant, trials=TRIALS, seed=SEED, explain_failure=False, fail_fast=True).ok
        except MatrefError:  # ill-typed, or over a limit: not this mistake
            return False


@dataclass(frozen=True)
class Mistake:
    name: str
    kinds: tuple[str, ...]
    undo: Callable[[Claim], Iterator[tuple[dict, str]]]  # -> (changes to the claim, what to say)


def _text(node: N.Node) -> str:
    from matref.calculus.steps import plain

    return plain(str(B.rebuild(node)))


# -- the mistakes ---------------------------------------------------------------------------------------
TRANSPOSED = {
    "gradient": "you gave the numerator layout (shaped like {x}ᵀ); the gradient, shaped like {x} (denominator "
                "layout), is its transpose: {fixed}",
    "jacobian": "you gave the transpose (the denominator layout); the Jacobian d vec f / d vec {x} (numerator "
                "layout, one row per entry of f) is {fixed}",
}


def _transposed(c: Claim):
    fixed = _text(B.t(c.node))
    yield {"text": fixed}, TRANSPOSED[c.kind].format(x=c.wrt, fixed=fixed)


def _square_symbols(c: Claim) -> set[str]:
    """The symbols that are square as the claim is typed (symmetric is then no new constraint on
    the shapes: assuming it cannot hide a mistake of sizes)."""
    from matref.faces.api import build
    from matref.kinds import KINDS

    args = {"lhs": c.lhs} if c.lhs is not None else {"f": c.f, "wrt": c.wrt}
    try:
        ident = build(**args, assume=c.assume, shapes=c.shapes, **{KINDS[c.kind].claim: c.text})
    except MatrefError:
        return set()
    u, out = ident.scope.unifier, set()
    for name in ident.names:
        r, col = ident.scope.shape_of_symbol(name)
        a, b = u.resolve(r), u.resolve(col)
        if a is b or (isinstance(a, int) and a == b):
            out.add(name)
    return out


def _needs_symmetric(c: Claim):
    from matref.data.assumptions import closure

    scope_syms = N.symbols(parse(c.f)) if c.f else N.symbols(parse(c.lhs))
    square = _square_symbols(c)
    for name in scope_syms:
        if name in square and "symmetric" not in closure(c.assume.get(name, ())):
            assume = {**c.assume, name: [*c.assume.get(name, ()), "symmetric"]}
            yield {"assume": assume}, f"correct only if {name} is symmetric"


def _needs_square(c: Claim):
    """Holds only when the rectangular factors are square (det(A X B) = det A det X det B)."""
    names = [n for n in (N.symbols(parse(c.f)) if c.f else N.symbols(parse(c.lhs))) if n[0].isupper() and n != c.wrt]
    free = [n for n in names if "x" in str(c.shapes.get(n, "n x m")) and not _declared_square(c, n)]
    if free:
        assume = {**c.assume, **{n: [*c.assume.get(n, ()), "square"] for n in free}}
        shapes = {k: v for k, v in c.shapes.items() if k not in free}
        yield {"assume": assume, "shapes": shapes, "same_sizes": False}, f"correct only if {' and '.join(free)} {'is' if len(free) == 1 else 'are'} square"


def _declared_square(c: Claim, name: str) -> bool:
    from matref.data.assumptions import closure

    shape = str(c.shapes.get(name, "")).replace(" ", "").split("x")
    return "square" in closure(c.assume.get(name, ())) or (len(shape) == 2 and shape[0] == shape[1])


def _terms(node: N.Node, sign: int = 1) -> list[tuple[int, N.Node]]:
    if isinstance(node, N.Add):
        return _terms(node.left, sign) + _terms(node.right, sign)
    if isinstance(node, N.Sub):
        return _terms(node.left, sign) + _terms(node.right, -sign)
    return [(sign, node)]


def _sum(terms: list[tuple[int, N.Node]]) -> N.Node:
    out = None
    for sign, t in terms:
        out = (t if sign > 0 else N.Neg(t)) if out is None else (N.Add(out, t) if sign > 0 else N.Sub(out, t))
    return out


def _term_transposed(c: Claim):
    """One term of a sum (or two) transposed."""
    from itertools import combinations

    terms = _terms(c.node)
    if len(terms) < 2:
        return
    for size in (1, 2):
        for ks in combinations(range(len(terms)), size):
            if size == len(terms):
                continue
            fixed = _text(_sum([(sg, B.t(t) if k in ks else t) for k, (sg, t) in enumerate(terms)]))
            which = " and ".join(str(terms[k][1]) for k in ks)
            yield {"text": fixed}, f"the term{'s' if size > 1 else ''} {which} {'are' if size > 1 else 'is'} transposed: {fixed}"


def _extra_term(c: Claim):
    terms = _terms(c.node)
    if len(terms) < 2:
        return
    for k, (sign, t) in enumerate(terms):
        fixed = _text(_sum(terms[:k] + terms[k + 1:]))
        yield {"text": fixed}, f"the term {t} should not be there: {fixed}"


def _one_transpose(c: Claim):
    """One transpose missing (B where Bᵀ is meant) or one too many."""
    root = c.node
    for n in N.walk(root):
        if isinstance(n, N.Transpose) and isinstance(n.arg, N.Symbol):
            fixed = _text(_replace(root, n, n.arg))
            yield {"text": fixed}, f"one transpose too many: {n} should be {n.arg}: {fixed}"
        elif isinstance(n, N.Symbol) and n.name[0].isupper() and not _under_transpose(root, n):
            fixed = _text(_replace(root, n, N.Transpose(n)))
            yield {"text": fixed}, f"a transpose is missing: {n} should be {n}ᵀ there: {fixed}"


def _under_transpose(root: N.Node, target: N.Node) -> bool:
    return any(isinstance(n, N.Transpose) and n.arg is target for n in N.walk(root))


def _sign(c: Claim):
    fixed = _text(B.neg(c.node))
    yield {"text": fixed}, f"the sign is wrong: {fixed}"


def _factor(c: Claim):
    for factor, words in ((2.0, "2"), (0.5, "½")):
        fixed = _text(B.mul(B.num(factor), c.node))
        yield {"text": fixed}, f"off by a factor of {words}: {fixed}"


def _chains(node: N.Node) -> Iterator[N.Node]:
    """The maximal matrix products of ``node``."""
    if isinstance(node, N.MatMul):
        yield node
        for f in _factors(node):
            yield from _chains(f)
        return
    for child in node.children():
        yield from _chains(child)


def _replace(node: N.Node, old: N.Node, new: N.Node) -> N.Node:
    if node is old:
        return new
    kids = tuple(_replace(k, old, new) for k in node.children())
    return N.replace_children(node, kids) if kids else node


def _order_reversed(c: Claim):
    root = c.node
    for chain in _chains(root):
        fs = _factors(chain)
        reversed_chain = fs[-1]
        for f in reversed(fs[:-1]):
            reversed_chain = N.MatMul(reversed_chain, f)
        fixed = _text(_replace(root, chain, reversed_chain))
        yield {"text": fixed}, f"the order of the product {chain} is reversed: {fixed}"


def _kron_swapped(c: Claim):
    root = c.node
    for k in N.walk(root):
        if isinstance(k, N.Call) and k.func == "kron":
            fixed = _text(_replace(root, k, N.Call("kron", (k.args[1], k.args[0]))))
            yield {"text": fixed}, (f"the Kronecker factors of {k} are swapped (the row-major vec's order; "
                                    f"matref's vec is column-major): {fixed}")


def _commutation_missing(c: Claim):
    x = c.wrt
    for fixed in (f"({c.text}) @ commutation({x})", f"commutation({c.f}) @ ({c.text})"):
        yield {"text": fixed}, f"a commutation matrix is missing (vec of a transpose): {_text(parse(fixed))}"


def _elementwise_for_product(c: Claim):
    root = c.node
    for m in N.walk(root):
        if isinstance(m, N.Mul):
            fixed = _text(_replace(root, m, N.MatMul(m.left, m.right)))
            yield {"text": fixed}, f"* is elementwise (as in numpy): the product meant is @: {fixed}"


def _occurrences(node: N.Node, name: str) -> list[N.Node]:
    return [n for n in N.walk(node) if isinstance(n, N.Symbol) and n.name == name]


def _missing_term(c: Claim):
    """Differentiated through some occurrences of the variable only (a term of the product rule
    missing): the claim equals the gradient with the other occurrences held constant."""
    from itertools import combinations

    from matref.calculus.derive import derive

    f = B.strip_spans(parse(c.f))
    where = _occurrences(f, c.wrt)
    if not 2 <= len(where) <= 4:
        return
    frozen = f"{c.wrt}_c"
    for size in range(1, len(where)):
        for kept in combinations(range(len(where)), size):
            g = f
            for k, occ in enumerate(where):
                if k not in kept:
                    g = _replace(g, occ, N.Symbol(frozen))
            try:
                d = derive(str(g), c.wrt, assume={**c.assume, frozen: c.assume.get(c.wrt, [])},
                           shapes={**c.shapes, **({frozen: c.shapes[c.wrt]} if c.wrt in c.shapes else {})},
                           trials=TRIALS, seed=SEED, kind=c.kind)
            except MatrefError:
                continue
            partial = _text(N.substitute(parse(d.result), {frozen: N.Symbol(c.wrt)}))
            if _equal(c, c.text, partial):
                which = ", ".join(_ordinal(k + 1) for k in kept)
                yield {}, (f"a term of the product rule is missing: it differentiates through the {which} "
                           f"occurrence of {c.wrt} in f only; the others contribute too")


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}[k]


def _equal(c: Claim, a: str, b: str) -> bool:
    from matref.faces.api import check

    try:
        used = set(N.symbols(parse(a))) | set(N.symbols(parse(b)))
        return check(lhs=a, rhs=b, assume={k: v for k, v in c.assume.items() if k in used},
                     shapes={k: v for k, v in c.shapes.items() if k in used}, trials=TRIALS, seed=SEED).ok
    except MatrefError:
        return False


def _partials_for_gradient(c: Claim):
    """On Sym(n): the free-entry partials (the Cookbook's (138)-(141)) given as the gradient."""
    from matref.data.assumptions import closure

    if "symmetric" not in closure(c.assume.get(c.wrt, ())):
        return
    yield {"kind": "symmetric_partials"}, (
        "you gave the partial derivatives with respect to the free entries x_ij = x_ji (as the Cookbook's "
        "(138)-(141) do: G + Gᵀ - G ∘ I); the gradient on Sym(n) is sym(G) = (G + Gᵀ) / 2")


def _gradient_for_partials(c: Claim):
    yield {"kind": "gradient"}, ("you gave the gradient on Sym(n) (sym(G)); the partials with respect to the "
                                 "free entries x_ij = x_ji are G + Gᵀ - G ∘ I")


def _unconstrained(c: Claim):
    """On Sym(n): the gradient of f over all matrices given, not the one on the symmetric ones."""
    from matref.data.assumptions import closure

    props = c.assume.get(c.wrt, ())
    if "symmetric" not in closure(props):
        return
    free = {**c.assume, c.wrt: [p for p in props if p not in ("symmetric", "spd")] or ["square"]}
    yield {"assume": free}, (f"you gave the gradient over all matrices; {c.wrt} is symmetric, and the gradient "
                             f"on Sym(n) is sym(G) = (G + Gᵀ) / 2")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("transposed", ("gradient", "jacobian"), _transposed),
    Mistake("partials as gradient", ("gradient",), _partials_for_gradient),
    Mistake("gradient as partials", ("symmetric_partials",), _gradient_for_partials),
    Mistake("unconstrained gradient", ("gradient",), _unconstrained),
    Mistake("one transpose", ("gradient", "jacobian", "differential", "hessian", "equality"), _one_transpose),
    Mistake("needs symmetric", ("gradient", "jacobian", "hessian", "equality"), _needs_symmetric),
    Mistake("needs square", ("gradient", "jacobian", "hessian", "equality"), _needs_square),
    Mistake("sign", ("gradient", "jacobian", "differential", "hessian", "equality", "symmetric_partials"), _sign),
    Mistake("factor", ("gradient", "jacobian", "differential", "hessian", "equality", "symmetric_partials"), _factor),
    Mistake("order reversed", ("gradient", "jacobian", "differential", "hessian", "equality"), _order_reversed),
    Mistake("kronecker swapped", ("jacobian", "hessian", "equality"), _kron_swapped),
    Mistake("commutation missing", ("jacobian",), _commutation_missing),
    Mistake("term transposed", ("gradient", "jacobian", "hessian", "equality"), _term_transposed),
    Mistake("extra term", ("gradient", "jacobian", "differential", "hessian", "equality"), _extra_term),
    Mistake("elementwise for product", ("gradient", "jacobian", "differential", "hessian", "equality"),
            _elementwise_for_product),
    Mistake("missing term", ("gradient", "jacobian", "differential"), _missing_term),
)
"""The classic mistakes, in the order they are tried (the likelier first)."""


def _holds(claim: Claim, changes: dict) -> bool:
    if "shapes" in changes:
        saved = claim.shapes
        claim.shapes = changes["shapes"]
        try:
            return claim.holds(**{k: v for k, v in changes.items() if k != "shapes"})
        finally:
            claim.shapes = saved
    return claim.holds(**changes)


def diagnose(claim: Claim) -> Diagnosis | None:
    """The classic mistake that explains a refuted ``claim``, or None when none does.

    Examples
    --------
    >>> from matref.engine.diagnose import Claim, diagnose
    >>> d = diagnose(Claim("x.T @ A @ x", "x", "gradient", "2 * A @ x", {}, {}))
    >>> d.name, d.message
    ('needs symmetric', 'correct only if A is symmetric')
    """
    for mistake in MISTAKES:
        if claim.kind not in mistake.kinds:
            continue
        for changes, says in mistake.undo(claim):
            if changes and not _holds(claim, changes):
                continue
            fixed = changes.get("text", claim.text)
            return Diagnosis(mistake.name, says, fixed)
    return None
