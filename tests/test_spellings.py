"""Other spellings (numpy, JAX, PyTorch, SciPy; habits) read as matref's own expressions."""

from __future__ import annotations

import pytest

import matref
from matref.expr import spellings as S
from matref.expr.errors import ExprError
from matref.expr.parse import parse
from matref.faces import cli


@pytest.mark.parametrize("typed, reads", [
    ("np.trace(X)", "tr(X)"),
    ("numpy.trace(X)", "tr(X)"),
    ("np.linalg.inv(X)", "inv(X)"),
    ("numpy.linalg.det(X)", "det(X)"),
    ("np.linalg.pinv(X)", "pinv(X)"),
    ("torch.logdet(X)", "logdet(X)"),
    ("torch.linalg.inv(X)", "inv(X)"),
    ("jnp.linalg.det(X)", "det(X)"),
    ("jax.numpy.exp(x)", "exp(x)"),
    ("scipy.special.expit(x)", "sigmoid(x)"),
    ("scipy.special.logsumexp(x)", "logsumexp(x)"),
    ("torch.inverse(X)", "inv(X)"),
    ("A.dot(x)", "A @ x"),
    ("A.dot(X).dot(B)", "A @ X @ B"),
    ("X.transpose()", "X.T"),
    ("np.transpose(X)", "X.T"),
    ("X.sum()", "sum(X)"),
    ("X.trace()", "tr(X)"),
    ("np.dot(A, B)", "A @ B"),
    ("np.matmul(A, B)", "A @ B"),
    ("np.outer(a, b)", "a @ b.T"),
    ("np.inner(a, b)", "a.T @ b"),
    ("np.kron(A, B)", "kron(A, B)"),
    ("np.multiply(A, B)", "A * B"),
    ("np.square(x)", "x ** 2"),
    ("np.mean(x)", "sum(x) / sum(x ** 0)"),
    ("x.mean()", "sum(x) / sum(x ** 0)"),
    ("trace(X)", "tr(X)"),
    ("Tr(X)", "tr(X)"),
    ("ln(x)", "log(x)"),
    ("np.eye(3)", "eye(3)"),
    ("eye(n)", "I"),
    ("np.identity(n)", "I"),
    ("np.linalg.matrix_power(X, 3)", "mpow(X, 3)"),
    ("norm(x, 2)", "norm(x)"),
    ("np.linalg.norm(x, ord=2)", "norm(x)"),
    ("np.linalg.norm(X, 'fro')", "norm(X)"),
    ("X'", "X.T"),
    ("X.'", "X.T"),
    ("(A @ B)'", "(A @ B).T"),
    ("x' @ A @ x", "x.T @ A @ x"),
    ("A^T", "A.T"),
    ("A^{T}", "A.T"),
    ("A^\\top", "A.T"),
    ("Aᵀ @ B", "A.T @ B"),
    ("X^-1", "inv(X)"),
    ("X^{-1}", "inv(X)"),
    ("(A @ B)^{-1}", "inv(A @ B)"),
    ("X⁻¹", "inv(X)"),
    ("X^-T", "inv(X).T"),
    ("X^{-T}", "inv(X).T"),
    ("np.abs(x)", "abs(x)"),
    ("scipy.linalg.expm(X)", "expm(X)"),
    ("torch.linalg.matrix_exp(X)", "expm(X)"),
    ("np.linalg.cholesky(A)", "chol(A)"),
    ("jnp.max(x)", "max(x)"),
    ("tr(A^T @ X^{-1} @ B)", "tr(A.T @ inv(X) @ B)"),
])
def test_spellings_read_as_the_language(typed, reads):
    assert str(parse(typed)) == reads


@pytest.mark.parametrize("typed, message", [
    ("np.maximum(a, b)", "relu(a - b) + b"),
    ("np.linalg.svd(A)", "sigma(A, i)"),
    ("np.linalg.slogdet(X)", "write logdet(X)"),
    ("np.linalg.eigh(A)", "eigval(A, i)"),
    ("np.linalg.solve(A, b)", "inv(A) @ b"),
    ("norm(X, 1)", "only norm(x)"),
    ("X^2", "mpow(X, 2)"),
    ("x^T A x", "write @ for the matrix product"),
    ("'abc'", "strings are not part of the language"),
    ("np.pi", "np.pi is not part of the expression language"),
    ("X.shape", "only .T"),
    ("X.conj()", "only the functions of the language can be called"),
    ("np.linalg.foo(X)", "unknown function 'foo'"),
])
def test_other_spellings_are_refused_with_what_to_write(typed, message):
    with pytest.raises(ExprError, match="column") as e:
        parse(typed)
    assert message in str(e.value)


def test_every_refusal_names_an_alternative_or_a_reason():
    for name, why in S.REFUSED.items():
        with pytest.raises(ExprError) as e:
            parse(f"{name}(X)")
        assert why in str(e.value)


def test_errors_point_at_what_was_typed():
    with pytest.raises(ExprError) as e:
        parse("X^{-1} @ y'' @ bad(z)")
    assert e.value.span == (15, 18)  # 'bad' as typed, not as rewritten


def test_norm_2_of_a_matrix_is_refused_not_read_as_frobenius():
    with pytest.raises(matref.MatrefError, match="spectral norm"):
        matref.check(f="norm(X, 2)", wrt="X", grad="X / norm(X)", shapes={"X": "3 x 4"})
    assert matref.check(f="norm(x, 2)", wrt="x", grad="x / norm(x)", seed=1).ok


def test_the_catalog_is_written_in_matrefs_own_spelling():
    with pytest.raises(ExprError, match="unknown function 'trace'"):
        parse("trace(X)", strict=True)
    with pytest.raises(ExprError):
        parse("X'", strict=True)
    for ident in matref.catalog():  # parsed strictly when loaded; printed back the same way
        for role, text in ident.statement.items():
            if isinstance(text, str):
                read = str(parse(text, strict=True, constants=ident.constants))
                assert str(parse(read, strict=True)) == read


def test_the_command_line_says_how_it_read_an_expression(capsys):
    assert cli.main(["check", "--f", "np.trace(A.dot(X).dot(B))", "--wrt", "X", "--grad", "A^T @ B'", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("read as: --f='tr(A @ X @ B)' --grad='A.T @ B.T'\nholds")
    assert cli.main(["check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "A.T @ B.T", "--seed", "1"]) == 0
    assert "read as" not in capsys.readouterr().out


def test_matlab_products_get_a_hint():
    with pytest.raises(matref.MatrefError, match="the matrix product is @"):
        matref.check(f="x'*A*x", wrt="x", grad="2*A*x")


def test_the_table_of_spellings_covers_every_record():
    rows = S.table()
    assert len(rows) == len(S.SPELLINGS) + len(S.METHODS)
    assert ("trace(...)", "tr(X)") in rows
