"""Mutation testing: wrong variants of a claim that a sound checker must reject.

Each operator makes the mistakes people make when copying a formula: a dropped or added
transpose, a swapped product, a flipped sign, a factor of 2, a missing inverse. A mutant
that is mathematically equivalent to the original on the identity's assumptions (decided
numerically) is not expected to fail; every other mutant must.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matref.engine import sampling
from matref.errors import MatrefError
from matref.expr import nodes as N
from matref.expr.to_numpy import bind_sizes, evaluate
from matref.expr.to_source import to_source
from matref.kinds import KINDS


@dataclass(frozen=True)
class Mutant:
    role: str
    operator: str
    text: str


def _rewrites(node: N.Node):
    """Yield ``(operator, replacement)`` for one node."""
    if isinstance(node, N.Transpose):
        yield "drop transpose", node.arg
    if isinstance(node, N.Symbol):
        yield "add transpose", N.Transpose(node)
    if isinstance(node, N.MatMul):
        yield "swap product", N.MatMul(node.right, node.left)
    if isinstance(node, N.Neg):
        yield "flip sign", node.arg
    if isinstance(node, N.Sub):
        yield "flip sign", N.Add(node.left, node.right)
    if isinstance(node, N.Add):
        yield "flip sign", N.Sub(node.left, node.right)
    if isinstance(node, N.Number):
        yield "factor 2", N.Number(1 if node.value == 2 else node.value * 2)
    if isinstance(node, N.Call) and node.func in ("inv", "pinv"):
        yield "missing inverse", node.args[0]
    if isinstance(node, N.Call) and node.func == "kron":
        yield "swap product", N.Call("kron", (node.args[1], node.args[0]))


def _wide_rewrites(node: N.Node):
    """More mistakes, for ``make bench-reliability``: an inverse for its transpose, a dropped
    term, a shortcut valid only for symmetric matrices (``M + M.T`` as ``2 M``)."""
    if isinstance(node, N.Call) and node.func in ("inv", "pinv"):
        yield "inverse transpose", N.Transpose(node)
    if isinstance(node, (N.Add, N.Sub)):
        yield "dropped term", node.left
        yield "dropped term", node.right if isinstance(node, N.Add) else N.Neg(node.right)
        left, right = node.left, node.right
        if isinstance(node, N.Add) and (right == N.Transpose(left) or left == N.Transpose(right)):
            yield "symmetric shortcut", N.Mul(N.Number(2), left if right == N.Transpose(left) else right)
    if isinstance(node, N.Transpose) and not isinstance(node.arg, N.Symbol):
        yield "symmetric shortcut", node.arg


def _replace_everywhere(root: N.Node, wide: bool = False):
    """Every tree obtained from ``root`` by rewriting exactly one node."""
    for op, new in _rewrites(root):
        yield op, new
    if wide:
        yield from _wide_rewrites(root)
    kids = root.children()
    for k, child in enumerate(kids):
        for op, new_child in _replace_everywhere(child, wide):
            yield op, N.replace_children(root, kids[:k] + (new_child,) + kids[k + 1:])


KIND_MUTATIONS = {
    # the layout mistake: a gradient or Jacobian stated in the other layout
    "transposed claim": lambda ident, root: ident.transposed_claim(),
}
"""Mistakes particular to a kind of claim, by the names its record lists (``Kind.mutations``)."""


def mutants(ident, wide: bool = False) -> list[Mutant]:
    """Distinct syntactic mutants of the claim (and of the lhs of an equality); ``wide`` adds
    the mistakes of :func:`_wide_rewrites` and the whole claim scaled by 1 +- 1e-6."""
    roles = list(ident.roles) if not KINDS[ident.kind].has_variable else [ident.roles[1]]
    out, seen = [], set()
    for role in roles:
        root = ident.typed[role].node
        original = to_source(root)
        candidates = list(_replace_everywhere(root, wide))
        candidates += [("flip sign", N.Neg(root)), ("factor 2", N.Mul(N.Number(2), root))]
        if role == ident.roles[1]:
            candidates += [(op, KIND_MUTATIONS[op](ident, root)) for op in KINDS[ident.kind].mutations]
        if wide:
            candidates += [("scaled 1 + 1e-6", N.Mul(N.Number(1.000001), root)),
                           ("scaled 1 - 1e-6", N.Mul(N.Number(0.999999), root))]
        for op, tree in candidates:
            text = to_source(tree)
            if text != original and (role, text) not in seen:
                seen.add((role, text))
                out.append(Mutant(role, op, text))
    return out


def _claim_values(ident, role, values, direction):
    sizes = bind_sizes(ident.scope, values, ident.names)
    if KINDS[ident.kind].directional:
        values = dict(values)
        values[ident.direction] = direction
    out = evaluate(ident.typed[role], values, sizes)
    if KINDS[ident.kind].space == "vector":
        out = sampling.project(out, ident.sampling_assumptions(ident.wrt), values[ident.wrt])
    return out


def compare(original, mutant, role: str, seed: int = 0, instances: int = 3) -> str:
    """``"equivalent"``, ``"different"``, ``"ill-typed"`` or ``"undefined"``: how ``mutant``
    relates to ``original``.

    Instances are drawn for the original identity (every size at least 2 where allowed, inside
    its domain), so a mutant is judged on the domain the identity is stated for: one that cannot
    even be evaluated there (it forces a size to 1, or a rectangular matrix to be square) is
    ill-typed; one whose claim is undefined at every such point (``sqrt(det(K - K))``) is
    undefined: neither can be accepted, and neither is a formula to refute. For a
    gradient the claims are compared after projection onto the variable's structured space,
    where a gradient is defined; a mutated equality is equivalent when it still holds.
    """
    from matref.errors import ShapeError
    from matref.engine.verify import draw_in_domain

    from matref.engine.checks import domain_of
    from matref.expr.rounding import OutOfDomain

    rng = np.random.default_rng(seed)
    other = "lhs" if role == "rhs" else "rhs"
    undefined = 0
    for _ in range(instances):
        drawn = draw_in_domain(original, rng, index=0)
        if drawn is None:
            return "different"
        values = drawn[0]
        try:
            with np.errstate(all="ignore"):
                domain_of(mutant, values, drawn[1] if mutant.scope is original.scope else
                          bind_sizes(mutant.scope, values, mutant.names))
        except OutOfDomain:
            undefined += 1
            continue
        except ShapeError:
            return "ill-typed"
        direction = None
        if KINDS[original.kind].directional:
            direction = sampling.direction(rng, values[original.wrt], original.sampling_assumptions(original.wrt))
        a = b = None
        try:
            with np.errstate(all="ignore"), _as_inequivalent():
                if not KINDS[mutant.kind].has_variable:
                    sizes = bind_sizes(mutant.scope, values, mutant.names)
                    a = evaluate(mutant.typed[role], values, sizes)
                    b = evaluate(mutant.typed[other], values, sizes)
                else:
                    a = _claim_values(original, role, values, direction)
                    b = _claim_values(mutant, role, values, direction)
        except ShapeError:
            return "ill-typed"
        if a is None or b is None or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
            return "different"
        if a.shape != b.shape:
            return "ill-typed"
        scale = max(np.linalg.norm(a), np.linalg.norm(b), 1e-300)
        if np.linalg.norm(a - b) > 1e-8 * scale:
            return "different"
    return "undefined" if undefined == instances else "equivalent"


class _as_inequivalent:
    """Swallow evaluation errors: a mutant that cannot even be evaluated is not equivalent."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        from matref.engine.checks import EVALUATION_ERRORS

        return kind is not None and issubclass(kind, EVALUATION_ERRORS)


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    status: str  # "killed" (refuted), "undecided" (not accepted, not refuted), "ill-typed" (rejected
    # by shape inference), "undefined" (nowhere defined), "equivalent", "survived" (a wrong formula
    # said to hold)
    detail: str = ""
    report: object = None  # the verifier's Report, when the mutant was verified


def run(ident, trials: int = 3, seed: int = 0, wide: bool = False, **verify_options) -> list[Outcome]:
    """Classify every mutant of ``ident``: a sound checker leaves no ``survived`` outcome.
    ``verify_options`` go to :func:`matref.engine.verify.verify` (``max_size``, ``limits``)."""
    outcomes = []
    for m in mutants(ident, wide):
        try:
            variant = ident.with_statement(m.role, m.text)
        except MatrefError as e:
            outcomes.append(Outcome(m, "ill-typed", str(e).splitlines()[0]))
            continue
        verdict = compare(ident, variant, m.role, seed)
        if verdict != "different":
            detail = {"equivalent": "", "ill-typed": "cannot be evaluated on the shapes the identity is stated for",
                      "undefined": "undefined wherever the identity is defined"}[verdict]
            outcomes.append(Outcome(m, verdict, detail))
            continue
        from matref.engine.verify import verify

        report = verify(variant, trials=trials, seed=seed, explain_failure=False, fail_fast=True, **verify_options)
        status = {"holds": "survived", "fails": "killed", "undecided": "undecided"}[report.verdict]
        outcomes.append(Outcome(m, status, report.summary(), report))
    return outcomes
