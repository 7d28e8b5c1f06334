"""Unit tests for matref.expr.transform: transpose pushed inward and tidy keep the value."""

from __future__ import annotations

import numpy as np
import pytest

from matref.expr import nodes as N
from matref.expr.dims import Var
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.expr.to_numpy import evaluate
from matref.expr.transform import tidy, transpose

SHAPES = {"t": "scalar", "s": "scalar"}


def instance(source: str, seed: int = 0, size: int = 3):
    """Type ``source`` (scalars t, s declared) and draw values for its symbols.

    Every free dimension gets ``size``; matrices have positive entries and a strong diagonal when
    square, so inverses, logarithms and pseudo-inverses are all defined and well conditioned.
    """
    scope = Scope()
    for name, text in SHAPES.items():
        scope.declare(name, scope.parse_shape(text))
    node = parse(source)
    typed = scope.infer(node, source)
    scope.settle()
    u = scope.unifier
    names = N.symbols(node)
    dims = [d for name in names for d in scope.shape_of_symbol(name)]
    dims += [d for shape in typed.shapes.values() for d in shape]
    sizes = {v: size for v in u.free_vars(dims)}
    assert not u.violated(sizes)
    rng = np.random.default_rng(seed)
    values = {}
    for name in names:
        r, c = (u.value(d, sizes) for d in scope.shape_of_symbol(name))
        m = rng.uniform(0.5, 1.5, (r, c))
        if r == c:
            m += r * np.eye(r)
        values[name] = m
    return scope, typed, values, sizes


def value_of(scope: Scope, node: N.Node, values, sizes, size: int = 3) -> np.ndarray:
    """Evaluate a rewritten ``node`` in the same scope.

    Typing it again may re-root size variables (and gives every ``I`` a fresh size), so the
    concrete sizes are carried over to the new roots and any size left free gets ``size``.
    """
    typed = scope.infer(node)
    scope.settle()
    u = scope.unifier
    new = {}
    for var, n in sizes.items():
        root = u.resolve(var)
        if isinstance(root, Var):
            new[root] = n
    for var in u.free_vars([d for shape in typed.shapes.values() for d in shape]):
        new.setdefault(var, size)
    assert not u.violated(new)
    return evaluate(typed, values, new)


EXPRESSIONS = [
    "A", "x", "t", "I", "2", "A.T", "-A", "A + B", "A - B.T", "A * B", "A / B", "t * A", "A * t",
    "A / t", "A @ B", "A @ B @ C", "A.T @ B.T", "x.T @ A @ x", "x @ y.T", "A @ x", "x.T @ A",
    "-inv(X).T @ A", "inv(X)", "inv(X.T)", "inv(A @ B)", "pinv(A)", "pinv(A.T)", "pinv(M)",
    "mpow(A, 3)", "mpow(A.T, 2)", "exp(A)", "exp(A.T) @ B", "log(A @ B)", "log(A.T)",
    "kron(A, B)", "kron(A.T, x)", "kron(A @ B, C) @ vec(X)", "vec(A)", "vec(A).T", "diag(x)",
    "diag(A)", "diag(x).T @ A", "tr(A) * B", "tr(A @ B) * x", "det(A) * inv(A)", "logdet(X) * A",
    "sum(A) + B", "A ** 2", "(A @ B) ** -1", "(-A.T) ** 3", "A.T ** 0.5", "t * (A @ B) - s * C", "2 * A @ B",
    "-(A @ B) + C.T @ D", "A @ (B + C) @ D", "(x.T @ y) * A", "I - A @ inv(A + B)", "A @ I",
    "x.T @ inv(X) @ y", "A @ -B @ C", "-A @ -B", "kron(I, A) @ B", "exp(-A) * log(B.T)",
]


@pytest.mark.parametrize("source", EXPRESSIONS)
@pytest.mark.parametrize("scalar_aware", [False, True], ids=["plain", "scalar-aware"])
def test_transpose_evaluates_to_the_numpy_transpose(source, scalar_aware):
    scope, typed, values, sizes = instance(source)
    original = evaluate(typed, values, sizes)
    assert np.all(np.isfinite(original))
    is_scalar = scope.is_scalar if scalar_aware else (lambda n: False)
    pushed = transpose(typed.node, is_scalar)
    got = value_of(scope, pushed, values, sizes)
    assert got.shape == original.T.shape
    np.testing.assert_allclose(got, original.T, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_tidy_preserves_value(source):
    scope, typed, values, sizes = instance(source, seed=1)
    original = evaluate(typed, values, sizes)
    assert np.all(np.isfinite(original))
    for is_scalar in (lambda n: False, scope.is_scalar):
        tidied = tidy(typed.node, is_scalar)
        np.testing.assert_allclose(value_of(scope, tidied, values, sizes), original, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_tidy_of_transpose_preserves_value(source):
    # what Identity.transposed_claim computes
    scope, typed, values, sizes = instance(source, seed=2)
    original = evaluate(typed, values, sizes)
    assert np.all(np.isfinite(original))
    other = tidy(transpose(typed.node, scope.is_scalar), scope.is_scalar)
    np.testing.assert_allclose(value_of(scope, other, values, sizes), original.T, rtol=1e-10, atol=1e-12)


# -- the rewrites themselves ----------------------------------------------------------------------
@pytest.mark.parametrize("source, expected", [
    ("A.T @ B.T", "B @ A"),
    ("-inv(X).T @ A", "A.T @ -inv(X)"),  # (-inv(X).T) @ A: transpose does not tidy
    ("A.T", "A"),
    ("A + B.T", "A.T + B"),
    ("inv(X.T)", "inv(X)"),
    ("pinv(A.T)", "pinv(A)"),
    ("mpow(A.T, 2)", "mpow(A, 2)"),
    ("inv(X)", "inv(X).T"),
    ("exp(A @ B)", "exp(B.T @ A.T)"),
    ("kron(A, B.T)", "kron(A.T, B)"),
    ("2", "2"),
    ("I", "I"),
    ("tr(A)", "tr(A).T"),
    ("A ** 2", "A.T ** 2"),
])
def test_transpose_rewrites(source, expected):
    assert str(transpose(parse(source))) == expected


def test_transpose_leaves_scalars_alone():
    scope = Scope()
    scope.declare("t", (1, 1))
    scope.infer(parse("t * A + x.T @ A @ x"))
    assert str(transpose(parse("t * A"), scope.is_scalar)) == "t * A.T"
    assert str(transpose(parse("x.T @ A @ x"), scope.is_scalar)) == "x.T @ A @ x"
    assert str(transpose(parse("t * A"))) == "t.T * A.T"


@pytest.mark.parametrize("source, expected", [
    ("A.T @ -inv(X)", "-(A.T @ inv(X))"),
    ("-A @ B", "-(A @ B)"),
    ("-A @ -B", "A @ B"),
    ("--A", "A"),
    ("-(-A @ B)", "A @ B"),
    ("A @ (t * B)", "t * (A @ B)"),
    ("(t * A) @ B", "t * (A @ B)"),
    ("(t * A) @ (s * B)", "t * (s * (A @ B))"),
    ("A + B", "A + B"),
])
def test_tidy_rewrites(source, expected):
    scope = Scope()
    for name in ("t", "s"):
        scope.declare(name, (1, 1))
    node = parse(source)
    scope.infer(node)
    assert str(tidy(node, scope.is_scalar)) == expected


def test_tidy_does_not_pull_matrix_factors():
    assert str(tidy(parse("(A * B) @ C"), lambda n: False)) == "A * B @ C"


def test_transform_docstring_examples():
    import doctest

    from matref.expr import transform

    assert doctest.testmod(transform).failed == 0
