"""Unit tests for matref.expr.parse: the ast-whitelist parser of the expression language."""

from __future__ import annotations

import ast
import builtins

import numpy as np
import pytest

from matref.errors import ExprError
from matref.expr import nodes as N
from matref.expr import parse as parse_mod
from matref.expr.functions import FUNCTIONS
from matref.expr.parse import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, parse

A, B, C, X = (N.Symbol(n) for n in "ABCX")
x, y = N.Symbol("x"), N.Symbol("y")


def reject(source: str) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse(source)
    return info.value


# -- accepted constructs --------------------------------------------------------------------------
ACCEPTED = [
    ("A", A),
    ("x", x),
    ("Sigma_1", N.Symbol("Sigma_1")),
    ("A2b", N.Symbol("A2b")),
    ("2", N.Number(2)),
    ("2.5", N.Number(2.5)),
    ("1e3", N.Number(1000.0)),
    ("I", N.Identity()),
    ("A + B", N.Add(A, B)),
    ("A - B", N.Sub(A, B)),
    ("A * B", N.Mul(A, B)),
    ("A / B", N.Div(A, B)),
    ("A @ B", N.MatMul(A, B)),
    ("-A", N.Neg(A)),
    ("--A", N.Neg(N.Neg(A))),
    ("+A", A),
    ("A.T", N.Transpose(A)),
    ("A.T.T", N.Transpose(N.Transpose(A))),
    ("A ** 2", N.Pow(A, 2)),
    ("A ** 0.5", N.Pow(A, 0.5)),
    ("A ** -1", N.Pow(A, -1)),
    ("A ** (-2)", N.Pow(A, -2)),
    ("A ** +3", N.Pow(A, 3)),
    ("A ** --2", N.Pow(A, 2)),
    ("A ** 64", N.Pow(A, 64)),
    ("A ** -64", N.Pow(A, -64)),
    ("mpow(A, 3)", N.Call("mpow", (A,), (3,))),
    ("mpow(A, 0)", N.Call("mpow", (A,), (0,))),
    ("mpow(A, -1)", N.Call("mpow", (A,), (-1,))),  # parses; shape inference rejects k < 0
    ("mpow(A, 64)", N.Call("mpow", (A,), (64,))),
    ("kron(A, B)", N.Call("kron", (A, B))),
    # precedence and associativity follow Python's
    ("A + B @ C", N.Add(A, N.MatMul(B, C))),
    ("A @ B @ C", N.MatMul(N.MatMul(A, B), C)),
    ("A @ (B @ C)", N.MatMul(A, N.MatMul(B, C))),
    ("A - B - C", N.Sub(N.Sub(A, B), C)),
    ("A @ B * C", N.Mul(N.MatMul(A, B), C)),
    ("-A ** 2", N.Neg(N.Pow(A, 2))),
    ("(-A) ** 2", N.Pow(N.Neg(A), 2)),
    ("-A @ B", N.MatMul(N.Neg(A), B)),
    ("-x.T", N.Neg(N.Transpose(x))),
    ("(A + B).T", N.Transpose(N.Add(A, B))),
    ("x.T @ A @ x", N.MatMul(N.MatMul(N.Transpose(x), A), x)),
    ("tr(A @ inv(X) @ B)", N.Call("tr", (N.MatMul(N.MatMul(A, N.Call("inv", (X,))), B),))),
    ("2 * A", N.Mul(N.Number(2), A)),
    ("  A  +  B  ", N.Add(A, B)),
    ("A\t+\tB", N.Add(A, B)),
    ("((A))", A),
]


@pytest.mark.parametrize("source, expected", ACCEPTED, ids=[s for s, _ in ACCEPTED])
def test_accepted_constructs(source, expected):
    assert parse(source) == expected


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_parses_to_a_call(name):
    spec = FUNCTIONS[name]
    args = [f"M{i}" for i in range(spec.nargs)] + [str(i + 2) for i in range(spec.nparams)]
    node = parse(f"{name}({', '.join(args)})")
    assert isinstance(node, N.Call)
    assert node.func == name
    assert node.args == tuple(N.Symbol(f"M{i}") for i in range(spec.nargs))
    assert node.params == tuple(i + 2 for i in range(spec.nparams))


def test_number_types_are_kept():
    assert type(parse("3").value) is int
    assert type(parse("3.0").value) is float


def test_spans_point_into_the_source():
    source = "  tr(A @ B) + x.T"
    node = parse(source)
    assert isinstance(node, N.Add)
    s, e = node.left.span
    assert source[s:e] == "tr(A @ B)"
    s, e = node.right.span
    assert source[s:e] == "x.T"
    s, e = node.left.args[0].right.span
    assert source[s:e] == "B"


def test_equality_ignores_spans():
    assert parse("A + B") == parse("  A+B")
    assert parse("A + B").left.span != parse("  A+B").left.span


# -- round trip -----------------------------------------------------------------------------------
ROUND_TRIP = [
    "A", "x", "I", "2", "0.25", "1e+20", "100000000000000000000000", "A + B", "A - B - C",
    "A - (B - C)", "A - (B + C)", "A @ (B @ C)", "A @ B @ C", "A / (B * C)", "A * B / C",
    "-A", "--A", "-(A @ B)", "-A @ B", "(-A).T", "-x.T", "(A + B).T", "A.T.T", "A ** 2",
    "A ** -1", "A ** 0.5", "A ** -0.5", "(A ** 2) ** 3", "(-A) ** 2", "-A ** 2", "(A @ B) ** 2",
    "A.T ** 2", "2 ** 3", "(-2) ** 2", "x.T @ A @ x", "tr(A @ inv(X).T @ B)", "inv(X).T",
    "mpow(A, 3)", "mpow(A + B, 0)", "kron(A, B) @ vec(X)", "kron(B.T, A + C)", "diag(x)",
    "diag(A @ B)", "exp(A) * log(B)", "sum(A ** 2)", "logdet(X) - det(X) / tr(X)",
    "pinv(A) @ A", "2 * A - 3.5 * B", "A + 1", "1 - A", "(x.T @ y) * A", "x.T @ y * A",
    "I - A @ inv(A + B)", "-inv(X) @ A @ inv(X)", "tr(A) ** 2", "(tr(A) + 1) ** -2",
    "vec(A).T @ kron(B, C) @ vec(A)", "-(-A)", "A + -B", "A - -B", "exp(-A)", "A @ -B",
]


@pytest.mark.parametrize("source", ROUND_TRIP)
def test_round_trip(source):
    node = parse(source)
    again = parse(str(node))
    assert again == node
    assert str(again) == str(node)


def _random_source(rng: np.random.Generator, depth: int) -> str:
    if depth == 0 or rng.random() < 0.2:
        return str(rng.choice(["A", "B", "x", "I", "2", "0.5", "t"]))
    kind = int(rng.integers(0, 10))
    a = _random_source(rng, depth - 1)
    b = _random_source(rng, depth - 1)
    if kind < 5:
        return f"({a}) {['+', '-', '*', '/', '@'][kind]} ({b})"
    if kind == 5:
        return f"-({a})"
    if kind == 6:
        # (transposes of literals have their own round-trip test below)
        return f"({a}).T" if not a[0].isdigit() else f"({a}) + A.T"
    if kind == 7:
        return f"({a}) ** {rng.choice(['2', '-1', '0.5', '(-3)'])}"
    if kind == 8:
        return f"kron({a}, {b})"
    f = str(rng.choice([n for n, s in FUNCTIONS.items() if s.nargs == 1 and s.nparams == 0]))
    return f"{f}({a})"


def test_round_trip_random_expressions():
    rng = np.random.default_rng(20240601)
    for _ in range(300):
        source = _random_source(rng, 4)
        node = parse(source)
        text = str(node)
        assert parse(text) == node, (source, text)
        # the printer drops redundant parentheses: printing again is a fixed point
        assert str(parse(text)) == text


def test_overflowing_literal_is_rejected_or_round_trips():
    try:
        node = parse("1e400")
    except ExprError:
        return
    assert parse(str(node)) == node


def test_transpose_of_integer_literal_round_trips():
    node = parse("(2).T")
    assert parse(str(node)) == node


# -- rejections, with the column ------------------------------------------------------------------
REJECTED = [
    # (id, source, span, words in the message)
    ("unknown function", "A + foo(B)", (4, 7), "unknown function 'foo'"),
    ("unknown function lists known", "frob(A)", (0, 4), "det, dexpm, diag"),
    ("attribute other than T", "A.H", (0, 3), "attribute .H is not allowed"),
    ("attribute after T", "x + A.T.shape", (4, 13), "attribute .shape"),
    ("dunder attribute", "A.__class__", (0, 11), "attribute .__class__"),
    ("indexing", "B + A[0]", (4, 8), "indexing"),
    ("slicing", "A[:, 1]", (0, 7), "indexing"),
    ("lambda", "lambda: A", (0, 9), "lambda"),
    ("comparison", "A + (B < C)", (5, 10), "a comparison"),
    ("equality comparison", "A == B", (0, 6), "a comparison"),
    ("boolean operator", "A and B", (0, 7), "a boolean operator"),
    ("not", "not A", (0, 5), "unary Not"),
    ("invert", "~A", (0, 2), "unary Invert"),
    ("string", "A + 's'", (4, 7), "only real numbers"),
    ("string argument", "tr('A')", (3, 6), "only real numbers"),
    ("f-string", "f'{A}'", (5, 6), "strings are not part of the language"),  # f' is f.T (MATLAB)
    ("bytes", "b'A'", (2, 3), "two operands side by side"),
    ("complex literal", "A + 2j", (4, 6), "only real numbers"),
    ("True", "A * True", (4, 8), "only real numbers"),
    ("None", "None", (0, 4), "only real numbers"),
    ("ellipsis", "...", (0, 3), "only real numbers"),
    ("list", "[A]", (0, 3), "a list"),
    ("tuple", "A, B", (0, 4), "a tuple"),
    ("dict", "{A: B}", (0, 6), "a dict"),
    ("set", "{A}", (0, 3), "a set"),
    ("conditional", "A if B else C", (0, 13), "a conditional expression"),
    ("comprehension", "[A for A in B]", (0, 14), "a comprehension"),
    ("generator", "sum(A for A in B)", (3, 17), "a generator"),
    ("starred", "tr(*A)", (3, 5), "a starred argument"),
    ("keyword argument", "tr(A, k=1)", (8, 9), "tr takes no keyword arguments"),
    ("keyword argument only", "inv(A=B)", (6, 7), "inv takes no keyword arguments"),
    ("too many arguments", "x + tr(A, B)", (4, 12), "tr takes 1 argument, got 2"),
    ("too few arguments", "kron(A)", (0, 7), "kron takes 2 arguments, got 1"),
    ("no arguments", "tr()", (0, 4), "tr takes 1 argument, got 0"),
    ("mpow without power", "mpow(A)", (0, 7), "mpow takes 2 arguments, got 1"),
    ("mpow float power", "mpow(A, 2.0)", (8, 11), "must be an integer"),
    ("mpow symbol power", "mpow(A, B)", (8, 9), "must be an integer"),
    ("mpow bool power", "mpow(A, True)", (8, 12), "must be an integer"),
    ("mpow huge power", "mpow(A, 65)", (8, 10), f"power larger than {MAX_EXPONENT}"),
    ("mpow huge negative power", "mpow(A, -65)", (8, 11), f"power larger than {MAX_EXPONENT}"),
    ("caret", "A ^ B", (0, 5), "elementwise square"),
    ("caret after spaces", "   A ^ 2", (3, 8), "operator ^"),
    ("floor division", "A // B", (0, 6), "operator //"),
    ("modulo", "x + A % B", (4, 9), "operator %"),
    ("shift", "A << B", (0, 6), "operator <<"),
    ("matrix exponent", "A ** B", (5, 6), "exponent of ** must be a number"),
    ("expression exponent", "A ** (2 * 3)", (6, 11), "exponent of ** must be a number"),
    ("power tower", "A ** 2 ** 3", (5, 11), "exponent of ** must be a number"),
    ("bool exponent", "A ** True", (5, 9), "exponent of ** must be a number"),
    ("huge exponent", "A ** 65", (5, 7), f"exponent larger than {MAX_EXPONENT}"),
    ("huge negative exponent", "A ** -65", (5, 8), f"exponent larger than {MAX_EXPONENT}"),
    ("infinite exponent", "A ** 1e400", (5, 10), f"exponent larger than {MAX_EXPONENT}"),
    ("non-ascii", "A + é", (4, 5), "character 'é' is not allowed"),
    ("greek letter", "α * A", (0, 1), "is not allowed"),
    ("newline", "A +\nB", (3, 4), "is not allowed"),
    ("function as symbol", "A @ inv", (4, 7), "inv is a function: call it as inv(...)"),
    ("function name alone", "tr", (0, 2), "tr is a function"),
    ("transpose of function name", "tr.T", (0, 2), "tr is a function"),
    ("I called", "I(3)", (0, 1), "unknown function 'I'"),
    ("I called with matrix", "A + I(A)", (4, 5), "unknown function 'I'"),
    ("underscore name", "_A + B", (0, 2), "is not a valid symbol name"),
    ("call of a call", "tr(A)(B)", (0, 5), "only the functions of the language can be called"),
    ("method call", "A.T()", (0, 3), "only the functions of the language can be called"),
    ("call of a symbol", "(A)(B)", (1, 2), "unknown function 'A'"),
    ("syntax error", "A @@ B", (3, 4), "invalid syntax"),
    ("walrus", "(A := B)", (1, 7), "an assignment expression"),
]


@pytest.mark.parametrize("source, span, words", [r[1:] for r in REJECTED], ids=[r[0] for r in REJECTED])
def test_rejections_report_the_offending_span(source, span, words):
    err = reject(source)
    assert words in err.message
    assert err.span == span
    assert err.column == span[0] + 1
    assert err.source == source


def test_error_text_has_column_source_and_caret():
    err = reject("A + foo(B)")
    lines = str(err).splitlines()
    assert lines[0].startswith("column 5: unknown function 'foo'")
    assert lines[1] == "  A + foo(B)"
    assert lines[2] == "      ^^^"


@pytest.mark.parametrize("source", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
def test_empty_expression(source):
    err = reject(source)
    assert err.message == "empty expression"
    assert err.span is None and err.column is None


@pytest.mark.parametrize("value", [None, 3, b"A", ["A"]], ids=["None", "int", "bytes", "list"])
def test_non_string_is_rejected(value):
    with pytest.raises(ExprError, match="must be a string"):
        parse(value)


# -- size limits ----------------------------------------------------------------------------------
def test_max_length_is_inclusive():
    assert parse("A" * MAX_LENGTH) == N.Symbol("A" * MAX_LENGTH)


def test_over_long_input_is_rejected_with_a_short_excerpt():
    source = "A + " * (MAX_LENGTH // 4) + "B"
    assert len(source) > MAX_LENGTH
    err = reject(source)
    assert f"longer than {MAX_LENGTH}" in err.message
    assert err.span is None
    assert err.source == source[:60] + "..."
    assert len(str(err)) < 200


def test_nesting_up_to_max_depth_is_accepted():
    node = parse("-" * MAX_DEPTH + "A")
    for _ in range(MAX_DEPTH):
        assert isinstance(node, N.Neg)
        node = node.arg
    assert node == A


def test_nesting_beyond_max_depth_points_at_the_first_node_too_deep():
    source = "-" * (MAX_DEPTH + 1) + "A"
    err = reject(source)
    assert f"more than {MAX_DEPTH} levels" in err.message
    assert err.span == (MAX_DEPTH + 1, MAX_DEPTH + 2)


@pytest.mark.parametrize("source", [
    "tr(" * (MAX_DEPTH + 1) + "A" + ")" * (MAX_DEPTH + 1),
    "A" + ".T" * (MAX_DEPTH + 1),
    "A" + " + A" * 400,
    "-" * (MAX_LENGTH - 1) + "A",
], ids=["calls", "transposes", "long sum", "unary minus at max length"])
def test_deep_trees_are_rejected(source):
    assert len(source) <= MAX_LENGTH
    err = reject(source)
    assert f"more than {MAX_DEPTH} levels" in err.message
    assert err.span is not None


def test_pythons_own_parenthesis_limit_is_an_expr_error():
    source = "(" * 201 + "A" + ")" * 201
    err = reject(source)
    assert "too many nested parentheses" in err.message
    assert err.column == 201


def test_parser_recursion_error_becomes_expr_error(monkeypatch):
    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(parse_mod.ast, "parse", explode)
    err = reject("A + B")
    assert "nested too deeply" in err.message
    assert err.span is None


def test_parentheses_alone_do_not_count_as_depth():
    assert parse("(" * 150 + "A" + ")" * 150) == A


# -- security -------------------------------------------------------------------------------------
MALICIOUS = [
    "__import__('os').system('touch SENTINEL')",
    "__import__('pathlib').Path('SENTINEL').touch()",
    "open('SENTINEL', 'w')",
    "open('SENTINEL', 'w').write('x')",
    "eval(\"open('SENTINEL', 'w')\")",
    "exec(\"open('SENTINEL', 'w')\")",
    "eval('1')",
    "compile('1', 'f', 'eval')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "A.__class__.__init__.__globals__",
    "globals()",
    "getattr(A, 'T')",
    "(lambda: open('SENTINEL', 'w'))()",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "tr(A) if open('SENTINEL', 'w') else A",
    "A @ open('SENTINEL', 'w')",
    "inv(open('SENTINEL', 'w'))",
    "mpow(A, open('SENTINEL', 'w'))",
    "A ** open('SENTINEL', 'w')",
    "tr(A, key=open('SENTINEL', 'w'))",
]


@pytest.mark.parametrize("source", MALICIOUS)
def test_code_is_never_executed(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []

    def forbidden(name):
        def f(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} called")

        return f

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("compile to code called")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    with pytest.raises(ExprError):
        parse(source)
    assert calls == []
    assert not (tmp_path / "SENTINEL").exists()
    assert list(tmp_path.iterdir()) == []
