"""Find catalog entries that make the same claim up to renaming of symbols.

One identity, one entry: a second entry with the same claim (other names, sides swapped, other
conditions, the claim written differently) is merged into the first and its id becomes an alias.

Two entries make the same claim when, after renaming the symbols of one into the other's (the
variable onto the variable):

* equalities: their two sides are the same expressions (in either order);
* derivatives of the same kind: ``f`` is the same expression (for a Jacobian, ``vec(f)`` and
  ``f`` are the same) and the claims agree numerically on generic instances (they are the same
  matrix function, however written). Different expressions of one function (``tr(X^T B X)`` and
  ``tr(B X X^T)``) are different entries: a reader looks each up by its own form.
"""

from __future__ import annotations

import itertools

import numpy as np

from matref.errors import MatrefError, ShapeError
from matref.expr import nodes as N
from matref.expr.to_numpy import bind_sizes, evaluate
from matref.kinds import KINDS


def _rename(node: N.Node, mapping: dict[str, str]) -> N.Node:
    if isinstance(node, N.Symbol):
        return N.Symbol(mapping.get(node.name, node.name))
    kids = node.children()
    return N.replace_children(node, tuple(_rename(k, mapping) for k in kids)) if kids else node


def _strip_vec(ident, role: str, node: N.Node) -> N.Node:
    if KINDS[ident.kind].vec_f and role == "f" and isinstance(node, N.Call) and node.func == "vec":
        return node.args[0]
    return node


def _texts(ident, mapping=None) -> dict[str, str]:
    out = {}
    for role, typed in ident.typed.items():
        node = _strip_vec(ident, role, typed.node)
        out[role] = str(_rename(node, mapping) if mapping else node)
    return out


def _blind(ident) -> tuple:
    """The statement with every symbol name replaced by one placeholder (renaming-invariant)."""
    names = {n: "S" for n in ident.names + ([ident.direction] if ident.direction else [])}
    texts = _texts(ident, names)
    if not KINDS[ident.kind].has_variable:
        return (ident.kind, tuple(sorted(texts.values())))
    return (ident.kind, texts["f"])


def _pattern(ident, name) -> tuple:
    """A symbol's kind of shape: scalar, column, row or matrix, with any constant sizes."""
    u = ident.scope.unifier
    dims = [u.resolve(d) for d in ident.scope.shape_of_symbol(name)]
    return tuple(d if isinstance(d, int) else "n" for d in dims)


def _renamings(a, b):
    """Mappings of b's symbols onto a's (variable onto variable, direction onto direction), each
    symbol onto one of the same kind of shape."""
    fixed_b = [b.wrt] if b.wrt else []
    fixed_a = [a.wrt] if a.wrt else []
    rest_a = [n for n in a.names if n not in fixed_a]
    rest_b = [n for n in b.names if n not in fixed_b]
    if len(rest_a) != len(rest_b) or len(rest_a) > 7:
        return
    for perm in itertools.permutations(rest_a):
        mapping = dict(zip(fixed_b + rest_b, fixed_a + list(perm)))
        if any(_pattern(b, nb) != _pattern(a, na) for nb, na in mapping.items()):
            continue
        if b.direction:
            mapping[b.direction] = a.direction
        yield mapping


def same_claim(a, b) -> bool:
    """Whether ``a`` and ``b`` make the same claim up to renaming (see the module docstring)."""
    from matref.engine.sampling import structure

    if a.kind != b.kind or len(a.names) != len(b.names):
        return False
    if a.wrt and structure(a.sampling_assumptions(a.wrt)) != structure(b.sampling_assumptions(b.wrt)):
        return False  # a gradient on symmetric matrices is not one on all matrices
    ta = _texts(a)
    for mapping in _renamings(a, b):
        tb = _texts(b, mapping)
        if not KINDS[a.kind].has_variable:
            if sorted(ta.values()) == sorted(tb.values()):
                return True
        elif ta["f"] == tb["f"] and _claims_agree(a, b, mapping) and \
                _claims_agree(b, a, {v: k for k, v in mapping.items()}):
            return True  # the same f, and claims equal on both entries' domains
    return False


def _claims_agree(a, b, mapping) -> bool:
    from matref.engine.verify import draw_in_domain

    rng = np.random.default_rng(11)
    inverse = {v: k for k, v in mapping.items()}
    for _ in range(2):
        drawn = draw_in_domain(a, rng, index=0)
        if drawn is None:
            return False
        values = dict(drawn[0])
        if a.direction:
            values[a.direction] = rng.standard_normal(values[a.wrt].shape)
        mapped = {inverse[k]: v for k, v in values.items() if k in inverse}
        ca, cb = _claim(a, values), _claim(b, mapped)
        if ca is None or cb is None or ca.shape != cb.shape:
            return False
        if not np.allclose(ca, cb, rtol=1e-9, atol=1e-12 * max(1.0, float(np.max(np.abs(ca))))):
            return False
    return True


def _claim(ident, values):
    try:
        names = ident.names + ([ident.direction] if ident.direction else [])
        sizes = bind_sizes(ident.scope, values, names)
        with np.errstate(all="ignore"):
            return evaluate(ident.typed[ident.roles[1]], values, sizes)
    except (ShapeError, MatrefError, np.linalg.LinAlgError, ValueError, KeyError):
        return None


def find_duplicates(cat) -> list[tuple[str, str]]:
    """Pairs of ids (in catalog order) that make the same claim up to renaming."""
    groups: dict = {}
    for ident in cat:
        if ident.status == "erratum":
            continue  # it quotes a published error; its corrected form restates a proved entry on purpose
        groups.setdefault(_blind(ident), []).append((ident.id, ident))
    out = []
    for members in groups.values():
        for (ia, a), (ib, b) in itertools.combinations(members, 2):
            if same_claim(a, b):
                out.append((ia, ib))
    return out
