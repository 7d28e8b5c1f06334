"""Unit tests for matref.expr.infer (shape inference) and matref.expr.dims (symbolic sizes)."""

from __future__ import annotations

import pytest

from matref.errors import ShapeError
from matref.expr import nodes as N
from matref.expr.dims import Prod, Unifier, Var, product, show_shape
from matref.expr.infer import Scope, default_shape
from matref.expr.parse import parse


def scope_with(**shapes: str) -> Scope:
    scope = Scope()
    for name, text in shapes.items():
        scope.declare(name, scope.parse_shape(text))
    return scope


def infer(source: str, **shapes: str):
    scope = scope_with(**shapes)
    typed = scope.infer(parse(source), source)
    return scope, typed


def shape_text(source: str, **shapes: str) -> str:
    scope, typed = infer(source, **shapes)
    return scope.show(typed.shape)


def shape_error(source: str, **shapes: str) -> ShapeError:
    with pytest.raises(ShapeError) as info:
        infer(source, **shapes)
    return info.value


def same(scope: Scope, a, b) -> bool:
    ra, rb = scope.unifier.resolve(a), scope.unifier.resolve(b)
    return ra is rb or ra == rb


def find(node: N.Node, cls):
    return next(n for n in N.walk(node) if isinstance(n, cls))


# -- defaults and declared shapes -----------------------------------------------------------------
def test_uppercase_is_a_matrix_of_free_size():
    r, c = default_shape("A")
    assert isinstance(r, Var) and isinstance(c, Var) and r is not c
    assert r.strict and c.strict
    assert (r.name, c.name) == ("rows(A)", "cols(A)")


def test_lowercase_is_a_column_vector():
    r, c = default_shape("x")
    assert isinstance(r, Var) and r.strict and r.name == "len(x)"
    assert c == 1


def test_scope_gives_each_symbol_one_shape():
    scope = Scope()
    assert scope.shape_of_symbol("A") is scope.shape_of_symbol("A")
    assert scope.show(scope.shape_of_symbol("A")) == "rows(A)xcols(A)"
    assert scope.show(scope.shape_of_symbol("x")) == "len(x)x1"


@pytest.mark.parametrize("text, expected", [
    ("scalar", (1, 1)),
    ("1x1", (1, 1)),
    ("1 x 1", (1, 1)),
    ("  scalar ", (1, 1)),
    ("3x1", (3, 1)),
    ("3 x 2", (3, 2)),
    ("2 X 5", (2, 5)),
    ("4×4", (4, 4)),
], ids=lambda v: repr(v) if isinstance(v, str) else None)
def test_parse_shape_constants(text, expected):
    assert Scope().parse_shape(text) == expected


def test_parse_shape_names_share_dimensions():
    scope = Scope()
    r, c = scope.parse_shape("n x n")
    assert r is c and r is scope.dim("n")
    m, n = scope.parse_shape("m x n")
    assert n is r and m is scope.dim("m") and m is not n
    assert m.strict  # a named size is any size: never silently fixed to a constant
    assert scope.parse_shape("n_1 x 3") == (scope.dim("n_1"), 3)


@pytest.mark.parametrize("text", ["n", "", "x", "n x", "n x n x n", "-1 x 2", "2.5 x 1", "n by n",
                                  "Scalar", "vector", 3, None])
def test_parse_shape_rejects_bad_text(text):
    with pytest.raises(ValueError, match="is not 'scalar' or 'R x C'"):
        Scope().parse_shape(text)


def test_parse_shape_rejects_zero_dimension():
    with pytest.raises(ValueError):
        Scope().parse_shape("0 x 3")


# -- unification through the operations -----------------------------------------------------------
def test_matmul_unifies_inner_sizes():
    scope, typed = infer("A @ B")
    (ra, ca), (rb, cb) = scope.shape_of_symbol("A"), scope.shape_of_symbol("B")
    assert same(scope, ca, rb)
    assert not same(scope, ra, cb)
    assert scope.show(typed.shape) == scope.show((ra, cb))


def test_matmul_with_vector_gives_column():
    assert shape_text("A @ x") == "rows(A)x1"
    scope, typed = infer("A @ x")
    assert same(scope, scope.shape_of_symbol("A")[1], scope.shape_of_symbol("x")[0])


def test_addition_unifies_both_sizes():
    scope, _ = infer("A @ B + C")
    ra, _ = scope.shape_of_symbol("A")
    _, cb = scope.shape_of_symbol("B")
    rc, cc = scope.shape_of_symbol("C")
    assert same(scope, ra, rc) and same(scope, cb, cc)


def test_vector_sum_unifies_lengths():
    scope, _ = infer("x + y")
    assert same(scope, scope.shape_of_symbol("x")[0], scope.shape_of_symbol("y")[0])


def test_quadratic_form_is_scalar_and_makes_a_square():
    scope, typed = infer("x.T @ A @ x")
    assert scope.unifier.is_scalar(typed.shape)
    r, c = scope.shape_of_symbol("A")
    assert same(scope, r, c)


def test_declared_sizes_propagate():
    assert shape_text("A @ B", A="n x 3", B="3 x m") == "nxm"
    assert shape_text("A.T @ B", A="3 x n", B="3 x 2") == "nx2"


@pytest.mark.parametrize("func, result", [
    ("tr", "1x1"), ("det", "1x1"), ("logdet", "1x1"), ("inv", "square"), ("mpow", "square"),
])
def test_square_functions_make_their_argument_square(func, result):
    source = "mpow(A, 2)" if func == "mpow" else f"{func}(A)"
    scope, typed = infer(source)
    r, c = scope.shape_of_symbol("A")
    assert same(scope, r, c)
    if result == "1x1":
        assert typed.shape == (1, 1)
    else:
        assert same(scope, typed.shape[0], r) and same(scope, typed.shape[1], r)


@pytest.mark.parametrize("func", ["tr", "det", "logdet", "inv"])
def test_square_functions_reject_rectangular(func):
    err = shape_error(f"x.T @ {func}(A)", A="2 x 3")
    assert f"{func} needs a square matrix" in err.message
    assert err.source[err.span[0]:err.span[1]] == f"{func}(A)"
    assert "A is 2x3" in err.message


def test_mpow_rejects_rectangular_and_negative_power():
    assert "mpow needs a square matrix" in shape_error("mpow(A, 2)", A="2 x 3").message
    err = shape_error("B + mpow(A, -1)")
    assert "k >= 0" in err.message and "use inv" in err.message
    assert err.span == (4, 15)


def test_kron_and_vec_multiply_sizes():
    assert shape_text("kron(A, B)", A="2 x 3", B="4 x 5") == "8x15"
    assert shape_text("vec(A)", A="2 x 3") == "6x1"
    assert shape_text("kron(x, y)", x="3 x 1", y="2 x 1") == "6x1"
    scope, typed = infer("kron(A, B)")
    rows = scope.unifier.resolve(typed.shape[0])
    assert isinstance(rows, Prod)
    assert set(map(id, rows.factors)) == {id(scope.shape_of_symbol("A")[0]), id(scope.shape_of_symbol("B")[0])}


def test_kron_size_mismatch_with_constants():
    err = shape_error("kron(A, B) + C", A="2 x 3", B="3 x 2", C="5 x 6")
    assert err.span == (0, 14)
    assert "kron(A, B) is 6x6" in err.message and "C is 5x6" in err.message


def test_pinv_diag_sum_exp_shapes():
    assert shape_text("pinv(A)", A="2 x 3") == "3x2"
    assert shape_text("diag(x)", x="4 x 1") == "4x4"
    assert shape_text("diag(x.T)", x="4 x 1") == "4x4"
    assert shape_text("diag(A)", A="3 x 3") == "3x1"
    assert shape_text("sum(A)", A="2 x 3") == "1x1"
    assert shape_text("exp(A)", A="2 x 3") == "2x3"
    assert shape_text("log(A) ** 2", A="2 x 3") == "2x3"
    assert "diag of a matrix" in shape_error("diag(A)", A="2 x 3").message


def test_settle_pairs_product_factors():
    scope, typed = infer("kron(B.T, A) @ vec(X)")
    # rows(B)*cols(A) = rows(X)*cols(X) cannot be decided by unification alone
    u = scope.unifier
    assert len(u.deferred) == 1
    scope.settle()
    assert u.deferred == []
    (ra, ca), (rb, cb), (rx, cx) = (scope.shape_of_symbol(n) for n in "ABX")
    # one factor of each side paired with one of the other: the products are now equal
    assert u.resolve(product(rb, ca)) == u.resolve(product(rx, cx))
    assert len(u.free_vars([ra, ca, rb, cb, rx, cx])) == 4
    assert scope.show(typed.shape) == scope.show((product(cb, ra), 1))


def test_settle_cancels_shared_factors_first():
    # cols(kron(A, I)) = p * size(I) and rows(vec(X)) = m * p: the shared p cancels, so size(I) = m
    # and p stays independent of m.
    scope, typed = infer("kron(A, I) @ vec(X)", X="m x p", A="k x p")
    scope.settle()
    assert scope.unifier.deferred == []
    size_i = typed.shape_of(find(typed.node, N.Identity))[0]
    assert same(scope, size_i, scope.dim("m"))
    assert not same(scope, scope.dim("p"), scope.dim("m"))


def test_settle_keeps_undecidable_constraints():
    scope, _ = infer("kron(A, B) + C", C="6 x 6")
    assert len(scope.unifier.deferred) == 2
    scope.settle()
    assert len(scope.unifier.deferred) == 2  # rows(A)*rows(B) = 6 has many solutions
    a, b = scope.shape_of_symbol("A")[0], scope.shape_of_symbol("B")[0]
    assert scope.unifier.violated({v: 1 for v in scope.unifier.free_vars([a, b, *scope.shape_of_symbol("A"),
                                                                         *scope.shape_of_symbol("B")])})


def test_settle_binds_a_plain_dimension_to_a_product():
    scope, typed = infer("kron(A, B) + C", C="n x n")
    assert isinstance(scope.unifier.resolve(scope.dim("n")), Prod)  # n = rows(A)*rows(B) at once
    assert len(scope.unifier.deferred) == 1  # cols(A)*cols(B) = rows(A)*rows(B)
    scope.settle()
    assert scope.unifier.deferred == []
    for name in "AB":
        r, c = scope.shape_of_symbol(name)
        assert same(scope, r, c)


# -- scalars, broadcasting, I ---------------------------------------------------------------------
@pytest.mark.parametrize("source, shapes, expected", [
    ("t * A", {"t": "scalar"}, "rows(A)xcols(A)"),
    ("A * t", {"t": "scalar"}, "rows(A)xcols(A)"),
    ("t * x", {"t": "scalar"}, "len(x)x1"),
    ("A / t", {"t": "scalar"}, "rows(A)xcols(A)"),
    ("t + A", {"t": "scalar"}, "rows(A)xcols(A)"),
    ("A - 1", {}, "rows(A)xcols(A)"),
    ("2 * A", {}, "rows(A)xcols(A)"),
    ("x.T @ y * A", {}, "rows(A)xcols(A)"),
    ("tr(A) * x", {}, "len(x)x1"),
    ("t * s", {"t": "scalar", "s": "scalar"}, "1x1"),
    ("A * B", {}, "rows(B)xcols(B)"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_scalar_broadcast(source, shapes, expected):
    assert shape_text(source, **shapes) == expected


def test_broadcast_does_not_tie_the_matrix_sizes():
    scope, _ = infer("t * A + B", t="scalar")
    (ra, ca), (rb, cb) = scope.shape_of_symbol("A"), scope.shape_of_symbol("B")
    assert same(scope, ra, rb) and same(scope, ca, cb)
    assert not same(scope, ra, ca)


def test_identity_is_sized_from_context():
    scope, typed = infer("A + I")
    k = typed.shape_of(find(typed.node, N.Identity))
    r, c = scope.shape_of_symbol("A")
    assert same(scope, k[0], r) and same(scope, k[1], c) and same(scope, r, c)
    scope, typed = infer("A @ I @ x", A="m x n")
    k = typed.shape_of(find(typed.node, N.Identity))
    assert same(scope, k[0], scope.dim("n"))
    assert scope.show(typed.shape) == "mx1"
    scope, typed = infer("I - x @ y.T", x="3 x 1", y="3 x 1")
    assert scope.show(typed.shape) == "3x3"


def test_identity_alone_is_square_of_free_size():
    scope, typed = infer("I")
    r, c = typed.shape
    assert r is c and isinstance(r, Var)


def test_each_identity_occurrence_has_its_own_size():
    scope, typed = infer("kron(I, A) + B @ I")
    sizes = [typed.shape_of(n)[0] for n in N.walk(typed.node) if isinstance(n, N.Identity)]
    assert len(sizes) == 2
    assert not same(scope, sizes[0], sizes[1])


def test_is_scalar():
    scope, typed = infer("x.T @ A @ x + t", t="scalar")
    assert typed.is_scalar(typed.node)
    assert typed.is_scalar(typed.node.right)
    assert not typed.is_scalar(find(typed.node, N.Transpose))
    assert scope.is_scalar(parse("tr(A)"))
    assert not scope.is_scalar(parse("A"))
    assert not scope.is_scalar(parse("x @ x"))  # a shape error is "not scalar"


# -- errors: message quotes the sub-expression, span points at it ---------------------------------
def test_error_quotes_the_subexpression_and_points_at_it():
    source = "tr(A) + B @ x @ y"
    err = shape_error(source)
    assert err.source == source
    assert source[err.span[0]:err.span[1]] == "B @ x @ y"
    assert "@ needs the columns of the left side to match the rows of the right" in err.message
    assert "B @ x is rows(B)x1" in err.message and "y is len(y)x1" in err.message
    assert str(err).startswith(f"column {err.span[0] + 1}: ")


def test_error_uses_source_text_not_reprinted_text():
    source = "tr((A))  +  (x   +  B)"
    err = shape_error(source)
    assert source[err.span[0]:err.span[1]] == "x   +  B"
    assert "x is len(x)x1" in err.message and "B is rows(B)xcols(B)" in err.message


def test_elementwise_mismatch_with_declared_shapes():
    err = shape_error("A + B", A="2 x 3", B="3 x 2")
    assert "+ needs equal shapes or a scalar side: A is 2x3, B is 3x2" in err.message
    err = shape_error("x - A @ y", x="3 x 1", A="2 x 2", y="2 x 1")
    assert err.message.startswith("- needs equal shapes")
    err = shape_error("A * B", A="2 x 3", B="3 x 3")
    assert err.message.startswith("* (elementwise) needs equal shapes")
    err = shape_error("A / B", A="2 x 3", B="3 x 3")
    assert err.message.startswith("/ (elementwise) needs equal shapes")


def test_named_sizes_are_never_fixed_to_a_constant():
    """``--shape x=n x 1`` means any n: unifying n with 1 (or 2) is an error, not a 1x1 check."""
    err = shape_error("a + e", a="p x 1", e="2 x 1")
    assert "+ needs equal shapes" in err.message and "px1" in err.message and "2x1" in err.message
    scope = scope_with(b="m x 1", A="m x n", x="n x 1")
    f = scope.infer(parse("b.T @ A @ x"), "b.T @ A @ x")
    g = scope.infer(parse("b.T @ A"), "b.T @ A")
    assert scope.show(f.shape) == "1x1"
    assert not scope.unifier.unify(g.shape[0], scope.dim("n"))  # 1 = n is refused


def test_deferred_product_constraint_with_a_constant_stays_deferred():
    scope = scope_with(a="2 x 1", b="q x 1", c="6 x 1")
    scope.infer(parse("kron(a, b) + c"), "kron(a, b) + c")
    (lhs, rhs, _), = scope.unifier.deferred
    assert not scope.unifier.violated({scope.dim("q"): 3})
    assert scope.unifier.violated({scope.dim("q"): 2})


# -- strict vectors and the hint about scalars ----------------------------------------------------
@pytest.mark.parametrize("source, words", [
    ("x @ y", "@ needs the columns"),
    ("x @ x", "@ needs the columns"),
    ("tr(x)", "tr needs a square matrix"),
    ("inv(x)", "inv needs a square matrix"),
    ("det(x.T)", "det needs a square matrix"),
    ("x + I", "+ needs equal shapes"),
])
def test_undeclared_vectors_are_never_length_one(source, words):
    err = shape_error(source)
    assert words in err.message


def test_strict_vector_cannot_take_a_constant_length():
    err = shape_error("x + b", b="3 x 1")
    assert "x is len(x)x1, b is 3x1" in err.message


def test_outer_product_and_inner_product_are_fine():
    assert shape_text("x @ y.T") == "len(x)xlen(y)"
    assert shape_text("x.T @ y") == "1x1"


def test_declared_vector_length_one_is_allowed():
    assert shape_text("x @ y", x="n x 1", y="1 x m") == "nxm"


@pytest.mark.parametrize("source", ["t * A", "A * t", "A + t", "x - A", "t / A"])
def test_hint_about_declaring_scalars(source):
    err = shape_error(source)
    assert "a lowercase name is a column vector: declare scalars, e.g. shape 'scalar'" in err.message


@pytest.mark.parametrize("source", ["A @ x + y.T", "A + B.T @ B @ x"])
def test_no_scalar_hint_without_a_lowercase_side(source):
    err = shape_error(source, A="2 x 2")
    assert "declare scalars" not in err.message


def test_declared_scalar_removes_the_error():
    assert shape_text("t * A", t="scalar") == "rows(A)xcols(A)"


# -- dims.Unifier directly ------------------------------------------------------------------------
def test_unifier_basics():
    u = Unifier()
    a, b, c = Var("a"), Var("b"), Var("c")
    assert u.unify(a, b)
    assert u.resolve(a) is u.resolve(b)
    assert u.unify(b, 3)
    assert u.resolve(a) == 3
    assert not u.unify(a, 4)
    assert u.unify(c, c)
    assert u.free_vars([a, c, product(c, a)]) == [c]


def test_unifier_strict_vars():
    u = Unifier()
    s, plain = Var("s", strict=True), Var("p")
    assert not u.unify(s, 1)
    assert u.unify(plain, s)
    assert not u.unify(plain, 5)  # strictness travels with the unified variable


def test_products_resolve_and_evaluate():
    u = Unifier()
    a, b = Var("a"), Var("b")
    assert u.resolve(product(2, 3)) == 6
    assert u.resolve(product(a, 1)) is a
    assert u.resolve(product(a, 0)) == 0
    p = u.resolve(product(b, 2, a))
    assert isinstance(p, Prod) and p.factors == (2, a, b)
    assert u.value(product(a, b, 2), {a: 3, b: 5}) == 30
    with pytest.raises(KeyError):
        u.value(product(a, b), {a: 3})


def test_products_of_unknowns_are_deferred_and_checked():
    u = Unifier()
    a, b, c, d = (Var(n) for n in "abcd")
    assert u.unify(product(a, b), product(c, d), "where")
    assert u.deferred == [(u.resolve(product(a, b)), u.resolve(product(c, d)), "where")]
    assert u.violated({a: 2, b: 3, c: 3, d: 2}) == []
    assert u.violated({a: 2, b: 3, c: 2, d: 2}) == [(6, 4, "where")]


def test_show_shape():
    u = Unifier()
    n = Var("n")
    assert show_shape(u, (n, product(n, 2))) == "nx2*n"


def test_fork_is_independent():
    scope, _ = infer("A @ B")
    fork = scope.fork()
    fork.infer(parse("A + B"))
    (ra, _), (rb, cb) = scope.shape_of_symbol("A"), scope.shape_of_symbol("B")
    assert same(fork, ra, rb) and same(fork, ra, cb)
    assert not same(scope, ra, rb) and not same(scope, ra, cb)
    fork.infer(parse("C"))
    assert "C" not in scope.symbols


def test_is_scalar_has_no_side_effects():
    scope, _ = infer("A @ x")
    scope.is_scalar(parse("tr(A)"))  # would make A square if it unified in place
    r, c = scope.shape_of_symbol("A")
    assert not same(scope, r, c)
