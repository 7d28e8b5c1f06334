"""Unit tests for matref.expr.to_numpy: evaluation, binding of sizes, and the complex step."""

from __future__ import annotations

import numpy as np
import pytest

from matref.errors import ShapeError
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.expr.to_numpy import as_matrix, bind_sizes, evaluate, numpy_function


def compile_expr(source: str, **shapes: str):
    scope = Scope()
    for name, text in shapes.items():
        scope.declare(name, scope.parse_shape(text))
    typed = scope.infer(parse(source), source)
    # no Scope.settle(): it would pick one pairing of product factors and narrow the accepted sizes
    return numpy_function(typed)


def run(source: str, shapes: dict | None = None, **values):
    return compile_expr(source, **(shapes or {}))(**values)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def well_conditioned(rng, n: int) -> np.ndarray:
    return rng.standard_normal((n, n)) + n * np.eye(n)


# -- each node evaluates as numpy does ------------------------------------------------------------
def test_nodes_against_numpy(rng):
    A, B, C = (rng.standard_normal((3, 3)) for _ in range(3))
    P = rng.uniform(0.5, 2.0, (3, 3))
    x = rng.standard_normal(3)
    cases = [
        ("A", {"A": A}, A),
        ("2.5", {}, 2.5),
        ("-A", {"A": A}, -A),
        ("A + B", {"A": A, "B": B}, A + B),
        ("A - B", {"A": A, "B": B}, A - B),
        ("A * B", {"A": A, "B": B}, A * B),
        ("A / P", {"A": A, "P": P}, A / P),
        ("A @ B @ C", {"A": A, "B": B, "C": C}, A @ B @ C),
        ("A.T @ B", {"A": A, "B": B}, A.T @ B),
        ("A ** 2", {"A": A}, A**2),
        ("A ** 3.0", {"A": A}, A**3),
        ("P ** -2", {"P": P}, P**-2.0),
        ("P ** 0.5", {"P": P}, np.sqrt(P)),
        ("A + 1", {"A": A}, A + 1),
        ("2 * A - B / 4", {"A": A, "B": B}, 2 * A - B / 4),
        ("I + A", {"A": A}, np.eye(3) + A),
        ("A @ I @ x", {"A": A, "x": x}, A @ x.reshape(-1, 1)),
        ("x.T @ A @ x", {"A": A, "x": x}, float(x @ A @ x)),
        ("x @ x.T", {"x": x}, np.outer(x, x)),
    ]
    for source, values, expected in cases:
        got = run(source, **values)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, err_msg=source)


def _taylor_expm(a, terms=40):
    out, term = np.eye(a.shape[0]), np.eye(a.shape[0])
    for k in range(1, terms):
        term = term @ a / k
        out = out + term
    return out


def _taylor_dexpm(a, e, terms=40):
    """sum over k of (1/k!) sum_j a^j e a^(k-1-j)."""
    n = a.shape[0]
    powers = [np.eye(n)]
    for _ in range(terms):
        powers.append(powers[-1] @ a)
    out, fact = np.zeros_like(a), 1.0
    for k in range(1, terms):
        fact *= k
        out = out + sum(powers[j] @ e @ powers[k - 1 - j] for j in range(k)) / fact
    return out


def _nonsymmetric():
    v = np.array([[2.0, 1.0, 0.3, 0.5], [0.2, 1.0, 1.0, 0.4], [1.0, 0.6, 2.0, 1.0], [0.5, 0.7, 0.1, 1.0]])
    return v @ np.diag([-1.0, 0.5, 2.0, 3.5]) @ np.linalg.inv(v)


def _unit_eigvec(m, i):
    w, v = np.linalg.eig(m)
    k = np.argsort(w.real)[i]
    return np.abs(v[:, k:k + 1].real) / np.linalg.norm(v[:, k].real)


def test_every_function_against_numpy(rng):
    X = well_conditioned(rng, 4)
    Y = rng.standard_normal((4, 4))
    P = rng.uniform(0.5, 2.0, (4, 4))
    x = rng.standard_normal(4)
    expected = {
        "tr": ("tr(X)", {"X": X}, np.trace(X)),
        "det": ("det(X)", {"X": X}, np.linalg.det(X)),
        "logdet": ("logdet(X)", {"X": X}, np.linalg.slogdet(X)[1]),
        "inv": ("inv(X)", {"X": X}, np.linalg.inv(X)),
        "pinv": ("pinv(X)", {"X": X}, np.linalg.pinv(X)),
        "mpow": ("mpow(X, 3)", {"X": X}, X @ X @ X),
        "kron": ("kron(X, Y)", {"X": X, "Y": Y}, np.kron(X, Y)),
        "vec": ("vec(Y)", {"Y": Y}, Y.reshape(-1, 1, order="F")),
        "diag": ("diag(x)", {"x": x}, np.diag(x)),
        "exp": ("exp(Y)", {"Y": Y}, np.exp(Y)),
        "log": ("log(P)", {"P": P}, np.log(P)),
        "sum": ("sum(Y)", {"Y": Y}, Y.sum()),
        "sin": ("sin(Y)", {"Y": Y}, np.sin(Y)),
        "cos": ("cos(Y)", {"Y": Y}, np.cos(Y)),
        "tanh": ("tanh(Y)", {"Y": Y}, np.tanh(Y)),
        "sigmoid": ("sigmoid(Y)", {"Y": Y}, 1 / (1 + np.exp(-Y))),
        "sqrt": ("sqrt(P)", {"P": P}, np.sqrt(P)),
        "softmax": ("softmax(Y)", {"Y": Y}, np.exp(Y) / np.exp(Y).sum(axis=0)),
        "logsumexp": ("logsumexp(Y)", {"Y": Y}, np.log(np.exp(Y).sum())),
        "norm": ("norm(Y)", {"Y": Y}, np.linalg.norm(Y)),
        "eye": ("eye(3)", {}, np.eye(3)),
        "commutation": ("commutation(Z) @ vec(Z)", {"Z": Y[:, :3]}, Y[:, :3].T.reshape(-1, 1, order="F")),
        "eigval": ("eigval(S, 1)", {"S": X + X.T}, np.linalg.eigvalsh(X + X.T)[1]),
        "eigvec": (None, None, None),
        # matrix functions against independent computations: a truncated Taylor series for
        # the exponential and its Fréchet derivative, round trips for the logarithm and root
        "expm": ("expm(Y / 4)", {"Y": Y}, _taylor_expm(Y / 4)),
        "dexpm": ("dexpm(Y / 4, X)", {"Y": Y, "X": X}, _taylor_dexpm(Y / 4, X)),
        "logm": ("expm(logm(S))", {"S": X @ X.T + np.eye(4)}, X @ X.T + np.eye(4)),
        "sqrtm": ("sqrtm(S) @ sqrtm(S)", {"S": X @ X.T + np.eye(4)}, X @ X.T + np.eye(4)),
        "dlogm": ("dexpm(logm(S), dlogm(S, Y))", {"S": X @ X.T + np.eye(4), "Y": Y}, Y),
        "sylvester": ("S @ sylvester(S, T, Y) + sylvester(S, T, Y) @ T", {"S": X @ X.T + np.eye(4), "T": X.T @ X + np.eye(4), "Y": Y}, Y),
        "chol": ("chol(S)", {"S": X @ X.T + np.eye(4)}, np.linalg.cholesky(X @ X.T + np.eye(4))),
        "tril": ("tril(Y)", {"Y": Y}, np.tril(Y)),
        "sigma": ("sigma(Z, 1)", {"Z": Y[:, :3]}, np.linalg.svd(Y[:, :3], compute_uv=False)[1]),
        "lsv": ("abs(lsv(Z, 0))", {"Z": Y[:, :3]}, np.abs(np.linalg.svd(Y[:, :3])[0][:, :1])),
        "rsv": ("abs(rsv(Z, 2))", {"Z": Y[:3, :]}, np.abs(np.linalg.svd(Y[:3, :])[2][2:3, :].T)),
        "nucnorm": ("nucnorm(Z)", {"Z": Y[:, :3]}, np.linalg.svd(Y[:, :3], compute_uv=False).sum()),
        "abs": ("abs(Y)", {"Y": Y}, np.abs(Y)),
        "sign": ("sign(Y)", {"Y": Y}, np.sign(Y)),
        "relu": ("relu(Y)", {"Y": Y}, np.maximum(Y, 0)),
        "step": ("step(Y)", {"Y": Y}, (Y > 0).astype(float)),
        "max": ("max(Y)", {"Y": Y}, Y.max()),
        "hardmax": ("hardmax(Y)", {"Y": Y}, (Y == Y.max()).astype(float)),
        "eigvalg": ("eigvalg(N, 1)", {"N": _nonsymmetric()}, np.sort(np.linalg.eigvals(_nonsymmetric()).real)[1]),
        "eigvecr": ("abs(eigvecr(N, 2))", {"N": _nonsymmetric()}, _unit_eigvec(_nonsymmetric(), 2)),
        "eigvecl": ("abs(eigvecl(N, 0))", {"N": _nonsymmetric()}, _unit_eigvec(_nonsymmetric().T, 0)),
        "block": ("block(A, B, C, D)", {"A": X[:3, :3], "B": Y[:3, :2], "C": P[:1, :3], "D": Y[3:, 2:]},
                  np.vstack([np.hstack([X[:3, :3], Y[:3, :2]]), np.hstack([P[:1, :3], Y[3:, 2:]])])),
        "vech": ("vech(Y)", {"Y": Y}, np.concatenate([Y[j:, j] for j in range(4)]).reshape(-1, 1)),
        "duplication": ("duplication(S) @ vech(S)", {"S": X + X.T}, (X + X.T).reshape(-1, 1, order="F")),
        "elimination": ("elimination(Y) @ vec(Y)", {"Y": Y}, np.concatenate([Y[j:, j] for j in range(4)]).reshape(-1, 1)),
    }
    del expected["eigvec"]  # sign convention: checked on its own below
    assert set(expected) | {"eigvec"} == set(FUNCTIONS), "a new function needs a numpy reference here"
    for name, (source, values, want) in expected.items():
        np.testing.assert_allclose(run(source, **values), want, rtol=1e-10, err_msg=name)


def test_vec_is_column_major(rng):
    A = rng.standard_normal((3, 5))
    got = run("vec(A)", A=A)
    assert got.shape == (15, 1)
    np.testing.assert_array_equal(got, A.reshape(-1, 1, order="F"))
    assert not np.array_equal(got, A.reshape(-1, 1))
    np.testing.assert_array_equal(got[:3, 0], A[:, 0])


def test_vec_trick_with_kron(rng):
    A, X, B = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    lhs = run("vec(A @ X @ B)", A=A, X=X, B=B)
    rhs = run("kron(B.T, A) @ vec(X)", A=A, X=X, B=B)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-14)


def test_diag_numpy_semantics_both_ways(rng):
    x = rng.standard_normal(4)
    A = rng.standard_normal((4, 4))
    np.testing.assert_array_equal(run("diag(x)", x=x), np.diag(x))
    np.testing.assert_array_equal(run("diag(x.T)", x=x), np.diag(x))
    got = run("diag(A)", A=A)
    assert got.shape == (4, 1)
    np.testing.assert_array_equal(got[:, 0], np.diag(A))
    np.testing.assert_array_equal(run("diag(diag(A))", A=A), np.diag(np.diag(A)))
    assert run("diag(t)", {"t": "scalar"}, t=3.0) == 3.0


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (6, 1), (1, 6)],
                         ids=["tall", "wide", "square", "column", "row"])
def test_pinv_matches_numpy_for_full_rank(rng, shape):
    A = rng.standard_normal(shape)
    got = run("pinv(A)", A=A)
    assert got.shape == shape[::-1]
    np.testing.assert_allclose(got, np.linalg.pinv(A), rtol=1e-10, atol=1e-12)


def test_logdet_is_log_abs_det_also_for_negative_determinant(rng):
    X = well_conditioned(rng, 4)
    X[0] *= -1
    sign, logabs = np.linalg.slogdet(X)
    assert sign < 0
    got = run("logdet(X)", X=X)
    assert isinstance(got, float)
    assert got == pytest.approx(logabs, rel=1e-12)
    assert got == pytest.approx(np.log(abs(np.linalg.det(X))), rel=1e-10)


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_mpow(rng, k):
    X = rng.standard_normal((3, 3))
    np.testing.assert_allclose(run(f"mpow(X, {k})", X=X), np.linalg.matrix_power(X, k), rtol=1e-12, atol=1e-13)


def test_kron_of_rectangular(rng):
    A, B = rng.standard_normal((2, 3)), rng.standard_normal((4, 1))
    got = run("kron(A, B)", A=A, B=B)
    assert got.shape == (8, 3)
    np.testing.assert_array_equal(got, np.kron(A, B))


# -- numpy_function's interface -------------------------------------------------------------------
def test_vectors_as_1d_arrays_and_lists():
    f = compile_expr("x.T @ A @ x")
    assert f(x=np.array([1.0, 2.0]), A=np.eye(2)) == 5.0
    assert f(x=[1.0, 2.0], A=[[1.0, 0.0], [0.0, 1.0]]) == 5.0
    assert f(x=np.array([[1.0], [2.0]]), A=np.eye(2)) == 5.0


def test_scalars_as_python_floats():
    f = compile_expr("t * A + s", t="scalar", s="scalar")
    np.testing.assert_array_equal(f(t=2.0, s=1.0, A=np.eye(2)), [[3.0, 1.0], [1.0, 3.0]])
    g = compile_expr("t * s", t="scalar", s="scalar")
    assert g(t=2.0, s=np.float64(3.5)) == 7.0


def test_one_by_one_result_is_a_python_float():
    out = compile_expr("tr(A)")(A=np.eye(3))
    assert type(out) is float and out == 3.0
    out = compile_expr("x.T @ x")(x=np.ones(4))
    assert type(out) is float and out == 4.0


def test_matrix_result_is_a_2d_array():
    out = compile_expr("A @ x")(A=np.eye(3), x=np.ones(3))
    assert isinstance(out, np.ndarray) and out.shape == (3, 1)


def test_function_metadata():
    f = compile_expr("x.T @ A @ x")
    assert f.__name__ == "matref_expr"
    assert "'x.T @ A @ x'" in f.__doc__ and "x, A" in f.__doc__


def test_integer_inputs_evaluate_in_floating_point():
    out = compile_expr("sum(A ** 40)")(A=[[3]])
    assert type(out) is float
    assert out == pytest.approx(3.0**40)


# -- binding errors -------------------------------------------------------------------------------
def bind_error(source: str, shapes: dict | None = None, **values) -> str:
    with pytest.raises(ShapeError) as info:
        run(source, shapes, **values)
    return str(info.value)


def test_inconsistent_sizes_name_the_symbols():
    msg = bind_error("A @ B", A=np.eye(2), B=np.eye(3))
    assert msg.startswith("B has shape 3x3, but ")
    assert "is 2 from another symbol" in msg


def test_inconsistent_vector_lengths():
    msg = bind_error("x + y", x=np.ones(2), y=np.ones(3))
    assert "has shape 3x1" in msg and "from another symbol" in msg


def test_declared_constant_size_is_enforced():
    msg = bind_error("A @ B", {"A": "3 x n", "B": "n x 2"}, A=np.ones((3, 4)), B=np.ones((4, 3)))
    assert msg == "B has shape 4x3, but columns must be 2"
    msg = bind_error("A", {"A": "3 x n"}, A=np.ones((2, 4)))
    assert msg == "A has shape 2x4, but rows must be 3"


def test_product_size_is_checked():
    msg = bind_error("vec(A) + b", A=np.ones((2, 2)), b=np.ones(3))
    assert msg == "b has shape 3x1, but the other inputs make that size 4"


def test_deferred_constraint_is_checked_at_bind_time():
    msg = bind_error("kron(A, B) + C", {"C": "6 x 6"}, A=np.ones((2, 2)), B=np.ones((2, 3)), C=np.ones((6, 6)))
    assert msg == "sizes 4 and 6 must be equal"


def test_missing_symbol():
    assert bind_error("A + B", A=np.eye(2)) == "no value given for symbol B"


def test_unexpected_argument():
    msg = bind_error("tr(A)", A=np.eye(2), B=1.0, C=2.0)
    assert msg == "unexpected argument(s) ['B', 'C']; the expression uses ['A']"


@pytest.mark.parametrize("value, words", [
    (np.zeros((2, 2, 2)), "A: expected at most 2 dimensions, got shape (2, 2, 2)"),
    (np.array(["a", "b"]), "A: expected numbers"),
    (np.array([True, False]), "A: expected numbers, got an array of bool"),
    ([[1.0, "x"]], "A: expected numbers"),
], ids=["3-D", "strings", "bools", "mixed list"])
def test_bad_values(value, words):
    assert words in bind_error("A", A=value)


def test_unfixed_identity_size_is_a_shape_error():
    f = numpy_function(Scope().infer(parse("kron(I, A)")))
    with pytest.raises(ShapeError, match="of I cannot be inferred"):
        f(A=np.eye(2))


def test_as_matrix_and_bind_sizes_directly():
    assert as_matrix(2.0).shape == (1, 1)
    assert as_matrix([1, 2, 3]).shape == (3, 1)
    assert as_matrix(np.ones((2, 3))).shape == (2, 3)
    scope = Scope()
    typed = scope.infer(parse("A @ x"))
    values = {"A": np.ones((2, 3)), "x": np.ones((3, 1))}
    sizes = bind_sizes(scope, values, ["A", "x"])
    assert sorted(sizes.values()) == [2, 3]
    out = evaluate(typed, values, sizes)
    np.testing.assert_array_equal(out, [[3.0], [3.0]])


# -- complex step: every function is the analytic continuation of the real one ---------------------
def _negative_det(rng, n):
    X = well_conditioned(rng, n)
    X[0] *= -1
    assert np.linalg.det(X) < 0
    return X


# (id, expression, shapes, builder of the real point: rng -> dict, the variable)
COMPLEX_STEP = [
    ("tr", "tr(X)", {}, lambda r: {"X": r.standard_normal((3, 3))}, "X"),
    ("det", "det(X)", {}, lambda r: {"X": r.standard_normal((3, 3))}, "X"),
    ("logdet positive det", "logdet(X)", {}, lambda r: {"X": well_conditioned(r, 3)}, "X"),
    ("logdet negative det", "logdet(X)", {}, lambda r: {"X": _negative_det(r, 3)}, "X"),
    ("inv", "inv(X)", {}, lambda r: {"X": well_conditioned(r, 3)}, "X"),
    ("pinv tall", "pinv(X)", {}, lambda r: {"X": r.standard_normal((5, 3))}, "X"),
    ("pinv wide", "pinv(X)", {}, lambda r: {"X": r.standard_normal((2, 4))}, "X"),
    ("mpow", "mpow(X, 3)", {}, lambda r: {"X": r.standard_normal((3, 3))}, "X"),
    ("kron", "kron(X, B)", {}, lambda r: {"X": r.standard_normal((2, 3)), "B": r.standard_normal((2, 2))}, "X"),
    ("vec", "vec(X) * vec(X)", {}, lambda r: {"X": r.standard_normal((2, 3))}, "X"),
    ("diag of matrix", "diag(X) ** 2", {}, lambda r: {"X": r.standard_normal((3, 3))}, "X"),
    ("diag of vector", "diag(x) @ diag(x)", {}, lambda r: {"x": r.standard_normal(3)}, "x"),
    ("exp", "exp(X)", {}, lambda r: {"X": r.standard_normal((2, 3))}, "X"),
    ("log", "log(X)", {}, lambda r: {"X": r.uniform(0.5, 2.0, (2, 3))}, "X"),
    ("sum", "sum(X ** 3)", {}, lambda r: {"X": r.standard_normal((2, 3))}, "X"),
    ("negative power", "X ** -2", {}, lambda r: {"X": r.uniform(0.5, 2.0, (2, 2))}, "X"),
    ("fractional power", "X ** 0.5", {}, lambda r: {"X": r.uniform(0.5, 2.0, (2, 2))}, "X"),
    ("division", "A / X", {}, lambda r: {"A": r.standard_normal((2, 2)), "X": r.uniform(0.5, 2.0, (2, 2))}, "X"),
    ("quadratic form", "x.T @ A @ x", {}, lambda r: {"x": r.standard_normal(3), "A": r.standard_normal((3, 3))}, "x"),
    ("composite", "logdet(X.T @ X + I) * tr(inv(X) @ A) - sum(exp(X) * A)", {},
     lambda r: {"X": _negative_det(r, 3), "A": r.standard_normal((3, 3))}, "X"),
]


@pytest.mark.parametrize("source, shapes, build, var", [c[1:] for c in COMPLEX_STEP],
                         ids=[c[0] for c in COMPLEX_STEP])
def test_complex_step_matches_central_difference(source, shapes, build, var):
    rng = np.random.default_rng(99)
    f = compile_expr(source, **shapes)
    values = {k: as_matrix(v).astype(float) for k, v in build(rng).items()}
    V = rng.standard_normal(values[var].shape)

    def at(point):
        return np.asarray(f(**{**values, var: point}))

    h = 1e-30
    complex_step = at(values[var] + 1j * h * V).imag / h
    eps = 1e-6
    central = (at(values[var] + eps * V) - at(values[var] - eps * V)) / (2 * eps)
    assert np.all(np.isfinite(complex_step))
    # the real part at the complex point is the real function
    np.testing.assert_allclose(at(values[var] + 1j * h * V).real, at(values[var]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(complex_step, central, rtol=1e-6, atol=1e-7)
    assert np.max(np.abs(complex_step)) > 1e-3  # a non-trivial derivative was compared


def test_accepted_extra_arguments_fix_sizes():
    # as for a claim "I" whose size comes from the variable X of the identity
    scope = Scope()
    scope.infer(parse("tr(X)"))
    claim = scope.infer(parse("2 * I"))
    rows_x, _ = scope.shape_of_symbol("X")
    assert scope.unifier.unify(claim.shape[0], rows_x)
    f = numpy_function(claim, accept=["X"])
    np.testing.assert_array_equal(f(X=np.ones((3, 3))), 2 * np.eye(3))
    with pytest.raises(ShapeError, match="unexpected argument"):
        numpy_function(claim)(X=np.ones((3, 3)))


def test_eigvec_is_a_unit_eigenvector_with_a_fixed_sign(rng):
    X = well_conditioned(rng, 5)
    S = X + X.T
    for i in range(5):
        v = run(f"eigvec(S, {i})", S=S)
        lam = run(f"eigval(S, {i})", S=S)
        np.testing.assert_allclose(S @ v, lam * v, atol=1e-10)
        assert np.isclose(np.linalg.norm(v), 1.0)
        assert v[np.argmax(np.abs(v)), 0] > 0  # largest component positive: a function of S
