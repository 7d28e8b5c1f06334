"""Unit tests for matref.expr.to_latex: notation chosen from shapes, parentheses from precedences."""

from __future__ import annotations

import re

import numpy as np
import pytest

from matref.errors import ShapeError
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.expr.to_latex import number_latex, symbol_latex, to_latex, to_latex_prec
from matref.expr.functions import ADD, ATOM, KRON, MUL, POSTFIX, UNARY

SCALARS = ("t", "s", "alpha", "beta", "lambda1")


def latex(source: str, names=None, **shapes: str) -> str:
    scope = Scope()
    for name in SCALARS:
        scope.declare(name, (1, 1))
    for name, text in shapes.items():
        scope.declare(name, scope.parse_shape(text))
    return to_latex(scope.infer(parse(source), source), names)


TABLE = [
    # transpose and inverse
    ("A.T", r"A^{\top}"),
    ("x.T @ A @ x", r"x^{\top} A x"),
    ("inv(X)", r"X^{-1}"),
    ("inv(X).T", r"X^{-\top}"),
    ("inv(A @ B).T", r"\left(A B\right)^{-\top}"),
    ("inv(X).T @ A", r"X^{-\top} A"),
    ("tr(A @ inv(X).T @ B)", r"\operatorname{tr}\left(A X^{-\top} B\right)"),
    ("inv(A + B)", r"\left(A + B\right)^{-1}"),
    ("(A + B).T", r"\left(A + B\right)^{\top}"),
    ("A.T.T", r"\left(A^{\top}\right)^{\top}"),
    ("(-A).T", r"\left(-A\right)^{\top}"),
    ("pinv(A)", r"A^{+}"),
    ("pinv(A @ B)", r"\left(A B\right)^{+}"),
    ("mpow(A, 3)", r"A^{3}"),
    ("mpow(A + B, 2)", r"\left(A + B\right)^{2}"),
    ("mpow(A.T, 2)", r"\left(A^{\top}\right)^{2}"),
    # products: Hadamard vs scalar juxtaposition
    ("A @ B", r"A B"),
    ("A @ B @ C", r"A B C"),
    ("A @ (B @ C)", r"A B C"),
    ("A * B", r"A \circ B"),
    ("t * A", r"t A"),
    ("A * t", r"A t"),
    ("2 * A", r"2 A"),
    ("A * 2", r"A \cdot 2"),
    ("2 * 3", r"2 \cdot 3"),
    ("t * 2", r"t \cdot 2"),
    ("alpha * beta", r"\alpha \beta"),
    ("t * s * A", r"t s A"),
    ("1.5 * A", r"1.5 A"),
    ("tr(A) * B", r"\operatorname{tr}\left(A\right) B"),
    ("x.T @ x * A", r"\left(x^{\top} x\right) A"),
    ("t * (A + B)", r"t \left(A + B\right)"),
    ("(A + B) * t", r"\left(A + B\right) t"),
    ("A * B @ C", r"\left(A \circ B\right) C"),
    ("A @ B * C", r"\left(A B\right) \circ C"),  # juxtaposition inside a Hadamard product: parenthesised
    ("A * (B @ C)", r"A \circ \left(B C\right)"),
    ("1 / (2 * sqrt(X))", r"1 \oslash \left(2 X^{\circ \frac{1}{2}}\right)"),  # not 1/2 of sqrt(X)
    ("4 / (exp(X) + exp(-X)) ** 2",
     r"4 \left(\exp_{\circ}\left(X\right) + \exp_{\circ}\left(-X\right)\right)^{\circ -2}"),
    ("1 / A ** 2", r"A^{\circ -2}"),
    ("A / (B * C)", r"A \oslash \left(B \circ C\right)"),
    ("X ** 0", r"\mathbf{1}\mathbf{1}^{\top}"),  # the all-ones matrix of X's shape
    ("x ** 0 @ y.T", r"\mathbf{1} y^{\top}"),  # the all-ones vector
    ("(A * B) * C", r"A \circ B \circ C"),
    ("A * (B * C)", r"A \circ \left(B \circ C\right)"),
    ("A ** 2 * B", r"A^{\circ 2} \circ B"),
    # Kronecker products get parentheses inside products
    ("kron(A, B)", r"A \otimes B"),
    ("kron(A, B) @ C", r"\left(A \otimes B\right) C"),
    ("A @ kron(B, C)", r"A \left(B \otimes C\right)"),
    ("kron(A + B, C)", r"\left(A + B\right) \otimes C"),
    ("kron(A @ B, C)", r"\left(A B\right) \otimes C"),
    ("kron(A.T, B)", r"A^{\top} \otimes B"),
    ("kron(A, B).T", r"\left(A \otimes B\right)^{\top}"),
    ("kron(A, B) + C", r"A \otimes B + C"),
    ("t * kron(A, B)", r"t \left(A \otimes B\right)"),
    ("-kron(A, B)", r"-\left(A \otimes B\right)"),
    # division
    ("A / t", r"\frac{A}{t}"),
    ("A / 2", r"\frac{A}{2}"),
    ("(A + B) / t", r"\frac{A + B}{t}"),
    ("A / (s * t)", r"\frac{A}{s t}"),
    ("A / B", r"A \oslash B"),
    # powers: elementwise on matrices, plain on scalars
    ("A ** 2", r"A^{\circ 2}"),
    ("A ** -1", r"A^{\circ -1}"),
    ("A ** 0.5", r"A^{\circ 0.5}"),
    ("A ** 2.0", r"A^{\circ 2}"),
    ("t ** 2", r"t^{2}"),
    ("t ** 0.5", r"t^{0.5}"),
    ("(x.T @ y) ** 2", r"\left(x^{\top} y\right)^{2}"),
    ("(-t) ** 2", r"\left(-t\right)^{2}"),
    ("-t ** 2", r"-t^{2}"),
    ("A.T ** 2", r"\left(A^{\top}\right)^{\circ 2}"),
    # minus signs and parentheses
    ("-A", r"-A"),
    ("-A @ B", r"-A B"),
    ("-(A @ B)", r"-A B"),
    ("-(A + B)", r"-\left(A + B\right)"),
    ("-(A * B)", r"-\left(A \circ B\right)"),
    ("-(-A)", r"-\left(-A\right)"),
    ("-t * A", r"-t A"),
    ("-2 * A", r"-2 A"),
    ("A - B", r"A - B"),
    ("A + -B", r"A - B"),
    ("A - -B", r"A - \left(-B\right)"),
    ("A - (B - C)", r"A - \left(B - C\right)"),
    ("A - (B + C)", r"A - \left(B + C\right)"),
    ("A + (B + C)", r"A + \left(B + C\right)"),
    ("A + B + C", r"A + B + C"),
    ("A + -B @ C", r"A + \left(-B C\right)"),
    ("A @ -B", r"A \left(-B\right)"),
    ("A @ (B + C)", r"A \left(B + C\right)"),
    ("(A + B) @ C", r"\left(A + B\right) C"),
    ("I - A", r"I - A"),
    ("-inv(X) @ A @ inv(X)", r"-X^{-1} A X^{-1}"),
    # functions
    ("tr(A)", r"\operatorname{tr}\left(A\right)"),
    ("det(A)", r"\det\left(A\right)"),
    ("logdet(A)", r"\ln\left|\det\left(A\right)\right|"),
    ("vec(A)", r"\operatorname{vec}\left(A\right)"),
    ("vec(A).T", r"\operatorname{vec}\left(A\right)^{\top}"),
    ("diag(x)", r"\operatorname{diag}\left(x\right)"),
    ("diag(A)", r"\operatorname{diag}\left(A\right)"),
    ("exp(A)", r"\exp_{\circ}\left(A\right)"),
    ("log(A)", r"\log_{\circ}\left(A\right)"),
    ("exp(t)", r"\exp\left(t\right)"),
    ("log(x.T @ x)", r"\log\left(x^{\top} x\right)"),
    ("sum(A)", r"\operatorname{sum}\left(A\right)"),
    ("tr(A) ** 2", r"\operatorname{tr}\left(A\right)^{2}"),
    ("2 * tr(A @ B)", r"2 \operatorname{tr}\left(A B\right)"),
    # symbol names
    ("alpha * A", r"\alpha A"),
    ("Sigma", r"\Sigma"),
    ("A1 @ A_2", r"A_{1} A_{2}"),
    ("dX", r"\mathrm{d}X"),
    ("X_ab", r"X_{\mathrm{ab}}"),
    ("Ab", r"\mathit{Ab}"),
    ("lambda1 * A", r"\lambda_{1} A"),
    ("I", r"I"),
]

# -- functions added for the catalog's breadth (issue 4) -------------------------------------------
NEW_FUNCTIONS = [
    ("sin(X)", r"\sin_{\circ}\left(X\right)"),
    ("cos(x)", r"\cos_{\circ}\left(x\right)"),
    ("tanh(X)", r"\tanh_{\circ}\left(X\right)"),
    ("sigmoid(x)", r"\sigma_{\circ}\left(x\right)"),
    ("sigmoid(x.T @ a)", r"\sigma\left(x^{\top} a\right)"),
    ("sqrt(x)", r"x^{\circ \frac{1}{2}}"),
    ("softmax(x)", r"\operatorname{softmax}\left(x\right)"),
    ("logsumexp(x)", r"\operatorname{LSE}\left(x\right)"),
    ("norm(x - a)", r"\left\|x - a\right\|"),
    ("eye(3)", r"I_{3}"),
    ("commutation(X) @ vec(X)", r"K_{X} \operatorname{vec}\left(X\right)"),
    ("eigval(A, 0)", r"\lambda_{1}\left(A\right)"),
    ("eigvec(A, 2)", r"v_{3}\left(A\right)"),
]
TABLE += NEW_FUNCTIONS


@pytest.mark.parametrize("source, expected", TABLE, ids=[s for s, _ in TABLE])
def test_latex_table(source, expected):
    assert latex(source) == expected


def test_doc_example():
    assert to_latex(Scope().infer(parse("tr(A @ inv(X).T @ B)"))) == r"\operatorname{tr}\left(A X^{-\top} B\right)"


def test_shape_decides_hadamard_or_scaling():
    # the same text renders differently once t is a scalar rather than a matrix
    assert latex("T * A") == r"T \circ A"
    assert latex("T * A", T="scalar") == r"T A"
    assert latex("A ** 2", A="scalar") == r"A^{2}"
    assert latex("exp(A)", A="scalar") == r"\exp\left(A\right)"


def test_differential_symbols():
    # a direction dX has the shape of X (the catalog declares it); it renders as d X
    assert latex("-inv(X) @ dX @ inv(X)", dX="n x n") == r"-X^{-1} \mathrm{d}X X^{-1}"
    assert latex("dSigma.T @ X", dSigma="n x n") == r"\mathrm{d}\Sigma^{\top} X"


def test_names_override_symbol_rendering():
    tex = latex("dX @ A", names={"dX": r"\mathrm{d}\mathbf{X}"}, dX="n x n")
    assert tex == r"\mathrm{d}\mathbf{X} A"


def test_prec_of_the_outermost_operation():
    scope = Scope()
    for source, prec in [("A + B", ADD), ("A @ B", MUL), ("-A", UNARY), ("A.T", POSTFIX), ("A", ATOM),
                         ("kron(A, B)", KRON), ("tr(A)", ATOM)]:
        assert to_latex_prec(scope.infer(parse(source)))[1] == prec, source


@pytest.mark.parametrize("name, expected", [
    ("A", "A"),
    ("x", "x"),
    ("alpha", r"\alpha"),
    ("Omega", r"\Omega"),
    ("A1", "A_{1}"),
    ("A_1", "A_{1}"),
    ("theta_3", r"\theta_{3}"),
    ("Sigma2", r"\Sigma_{2}"),
    ("dX", r"\mathrm{d}X"),
    ("dA1", r"\mathrm{d}A_{1}"),
    ("dx", r"\mathrm{d}x"),  # a d before one letter: the differential of a vector
    ("dim", r"\mathit{dim}"),
    ("d", "d"),
    ("Ab", r"\mathit{Ab}"),
    ("x_ij", r"x_{\mathrm{ij}}"),
    ("ab_cd", r"\mathit{ab}_{\mathrm{cd}}"),
    ("varepsilon", r"\mathit{varepsilon}"),
])
def test_symbol_latex(name, expected):
    assert symbol_latex(name) == expected


@pytest.mark.parametrize("value, expected", [
    (2, "2"), (2.0, "2"), (0.5, "0.5"), (-1.0, "-1"), (1e20, "1e+20"), (3, "3"), (-0.25, "-0.25"),
])
def test_number_latex(value, expected):
    assert number_latex(value) == expected


# -- structural property: balanced delimiters -----------------------------------------------------
def balanced(tex: str) -> bool:
    stack = []
    for token in re.findall(r"\\left\(|\\right\)|\\left\||\\right\||(?<!\\)[{}]", tex):
        if token in (r"\left(", r"\left|", "{"):
            stack.append(token)
        else:
            want = {r"\right)": r"\left(", r"\right|": r"\left|", "}": "{"}[token]
            if not stack or stack.pop() != want:
                return False
    return not stack


def test_balance_checker_detects_problems():
    assert balanced(r"\left(a\right) {b}")
    assert not balanced(r"\left(a")
    assert not balanced(r"a}{")
    assert not balanced(r"\left({a\right)}")


def _random_square(rng: np.random.Generator, depth: int) -> str:
    if depth == 0 or rng.random() < 0.15:
        return str(rng.choice(["A", "B", "X", "I", "t * A", "2 * B", "dX", "Sigma_1"]))
    kind = int(rng.integers(0, 12))
    a, b = _random_square(rng, depth - 1), _random_square(rng, depth - 1)
    if kind < 5:
        return f"({a}) {['+', '-', '*', '@', '@'][kind]} ({b})"
    return {
        5: f"-({a})", 6: f"({a}).T", 7: f"inv({a})", 8: f"({a}) ** {rng.choice(['2', '-1', '0.5'])}",
        9: f"mpow({a}, 2)", 10: f"{rng.choice(['tr', 'det', 'logdet', 'sum'])}({a}) * ({b})",
        11: f"({a}) / {rng.choice(['t', '2', 'tr(B)'])}",
    }[kind]


STRUCTURAL = [s for s, _ in TABLE] + [
    "kron(A, B) @ vec(X) - vec(C @ X @ B.T)",
    "-(A @ inv(X)).T @ (B - C) * 2",
    "logdet(A + B) * inv(X).T",
    "exp(-x.T @ x / 2) * x",
]


@pytest.mark.parametrize("source", STRUCTURAL)
def test_delimiters_are_balanced(source):
    assert balanced(latex(source))


def test_delimiters_are_balanced_on_random_expressions():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(300):
        source = _random_square(rng, 4)
        try:
            tex = latex(source, A="n x n", B="n x n", C="n x n", X="n x n", dX="n x n", Sigma_1="n x n")
        except ShapeError:
            continue
        checked += 1
        assert balanced(tex), (source, tex)
        assert r"\left(\right)" not in tex and "{}" not in tex, (source, tex)
    assert checked > 250




def test_scalar_sqrt_uses_a_radical():
    scope = Scope()
    scope.declare("t", (1, 1))
    assert to_latex(scope.infer(parse("sqrt(t)"))) == r"\sqrt{t}"


def test_eps_is_epsilon_not_a_product():
    assert symbol_latex("eps") == r"\varepsilon"
    assert symbol_latex("eps1") == r"\varepsilon_{1}"


def test_no_catalog_formula_prints_the_all_ones_matrix_as_a_power():
    import matref

    for ident in matref.catalog():
        for tex in (ident.latex, *ident.layouts.values()):
            assert "^{\\circ 0}" not in tex, ident.id


def _catalog_formulas():
    import matref

    for ident in matref.catalog():
        yield ident.id, ident.latex
        for name, tex in ident.layouts.items():
            yield f"{ident.id} ({name})", tex


@pytest.mark.parametrize("ident_id, tex", list(_catalog_formulas()), ids=[i for i, _ in _catalog_formulas()])
def test_every_catalog_formula_reads_the_same_under_any_precedence(ident_id, tex):
    """Read the printed LaTeX back with juxtaposition binding tighter, then looser, than the
    elementwise operators: the two trees must agree, or a reader could take it either way."""
    from latex_reader import orders, read

    trees = [read(tex, prec) for prec in orders()]
    assert all(t == trees[0] for t in trees[1:]), tex


@pytest.mark.parametrize("ambiguous", [r"A B \circ C", r"X \circ A X", r"1 \oslash 2 X^{\circ 2}"])
def test_the_reader_detects_an_ambiguous_formula(ambiguous):
    from latex_reader import orders, read

    trees = [read(ambiguous, prec) for prec in orders()]
    assert trees[0] != trees[1]
