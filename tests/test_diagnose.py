"""The diagnosis of a refuted claim: each classic mistake named when (and only when) it fits."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from matref.engine.diagnose import MISTAKES, Claim, diagnose
from matref.faces import cli

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))


def _claim(f, wrt, kind, text, assume=None, shapes=None):
    return Claim(f, wrt, kind, text, assume or {}, shapes or {})


EXAMPLES = {  # one wrong claim per mistake, and the words the diagnosis must use
    "transposed": (_claim("tr(A @ X @ B)", "X", "gradient", "B @ A"), "numerator layout"),
    "partials as gradient": (_claim("tr(A @ X)", "X", "gradient", "A + A.T - A * I", {"X": ["symmetric"]}),
                             "free entries"),
    "gradient as partials": (_claim("tr(A @ X)", "X", "symmetric_partials", "(A + A.T) / 2", {"X": ["symmetric"]}),
                             "gradient on Sym(n)"),
    "unconstrained gradient": (_claim("tr(A @ X)", "X", "gradient", "A.T", {"X": ["symmetric"]}), "over all matrices"),
    "one transpose": (_claim("norm(A @ x - b) ** 2", "x", "gradient", "2 * A @ (A @ x - b)", shapes={"A": "n x n"}),
                      "a transpose is missing"),
    "needs symmetric": (_claim("x.T @ A @ x", "x", "gradient", "2 * A @ x"), "correct only if A is symmetric"),
    "needs square": (_claim("det(A @ X @ B)", "X", "gradient", "det(A @ X @ B) * inv(X).T"), "square"),
    "sign": (_claim("logdet(inv(X))", "X", "gradient", "inv(X).T"), "sign"),
    "factor": (_claim("x.T @ x", "x", "gradient", "x"), "factor of 2"),
    "order reversed": (_claim("tr(A @ X @ B)", "X", "gradient", "B.T @ A.T"), "reversed"),
    "kronecker swapped": (_claim("A @ X @ B", "X", "jacobian", "kron(A, B.T)"), "column-major"),
    "commutation missing": (_claim("X.T", "X", "jacobian", "I"), "commutation"),
    "term transposed": (_claim("a.T @ mpow(X, 2).T @ mpow(X, 2) @ b", "X", "gradient",
                               "X @ a @ b.T @ mpow(X, 2).T + mpow(X, 2) @ a @ b.T @ X.T + a @ b.T @ mpow(X, 2).T @ X"
                               " + X.T @ mpow(X, 2) @ a @ b.T"), "transposed"),
    "extra term": (_claim("tr(X.T @ X)", "X", "gradient", "2 * X + I"), "should not be there"),
    "elementwise for product": (_claim("tr(A @ B @ X)", "X", "gradient", "B.T * A.T",
                                       shapes={"A": "n x n", "B": "n x n", "X": "n x n"}), "elementwise"),
    "missing term": (_claim("x.T @ A @ x", "x", "gradient", "A @ x"), "product rule"),
}


def test_every_mistake_has_an_example():
    assert set(EXAMPLES) == {m.name for m in MISTAKES}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_mistake_is_named_when_it_fits(name):
    claim, words = EXAMPLES[name]
    assert not claim.holds()  # refuted first
    d = diagnose(claim)
    assert d is not None and d.name == name and words in d.message, d
    if d.fixed != claim.text:  # the claim without the mistake is proved
        assert claim.holds(text=d.fixed)


@pytest.mark.parametrize("claim", [
    _claim("tr(A @ X @ B)", "X", "gradient", "X"),
    _claim("logdet(X)", "X", "gradient", "X @ X"),
    _claim("sum(exp(x))", "x", "gradient", "log(x)"),
])
def test_no_mistake_is_named_when_none_fits(claim):
    assert not claim.holds() and diagnose(claim) is None


def test_the_benchmark_of_textbook_and_student_claims():
    import bench_diagnose

    rows = bench_diagnose.cases()
    assert len(rows) >= 60
    named = wrong = 0
    for label, claim, expected in rows:
        assert not claim.holds(), label
        d = diagnose(claim)
        named += d is not None and d.name in expected
        wrong += d is not None and d.name not in expected
    assert wrong == 0 and named >= 0.9 * len(rows)


def test_check_says_what_is_wrong_then_gives_the_right_answer(capsys):
    assert cli.main(["check", "--f", "x.T @ A @ x", "--wrt", "x", "--grad", "2 * A @ x", "--seed", "1"]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("does NOT hold") and lines[1] == "diagnosis (needs symmetric): correct only if A is symmetric"
    assert "the correct gradient, derived and proved" in out and "(A + A.T) @ x" in out
    assert cli.main(["check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "B @ A", "--seed", "1", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["diagnosis"]["name"] == "transposed" and data["diagnosis"]["fixed"] == "A.T @ B.T"
    assert cli.main(["check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "X", "--seed", "1"]) == 1
    assert "diagnosis: none of the classic mistakes" in capsys.readouterr().out
