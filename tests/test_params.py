"""Statements with an integer parameter (params: {n: [...]}) and the series(r, lo, hi, body) sum."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import matref
from matref.data.catalog import DEFAULT_DIR, load_catalog
from matref.errors import CatalogError, ExprError
from matref.expr.parse import parse


def test_series_expands_to_its_terms():
    assert str(parse("series(r, 0, 2, mpow(X, r) @ E @ mpow(X, 2 - r))")) == (
        "mpow(X, 0) @ E @ mpow(X, 2) + mpow(X, 1) @ E @ mpow(X, 1) + mpow(X, 2) @ E @ mpow(X, 0)")


def test_a_parameter_reads_as_its_value_in_scalar_and_integer_positions():
    assert str(parse("n * mpow(X, n - 1).T", constants={"n": 4})) == "4.0 * mpow(X, 3).T"


@pytest.mark.parametrize("source, words", [
    ("series(r, 2, 1, X)", "no terms"),
    ("series(r, 0, 100, X)", "more than 64 terms"),
    ("series(I, 0, 1, X)", "must be a new name"),
    ("series(r, 0, q, X)", "whole numbers"),
    ("series(r, 0, 1)", "takes (r, lo, hi, body)"),
    ("mpow(X, m)", "must be an integer"),
])
def test_bad_series_and_parameters_are_refused_with_a_position(source, words):
    with pytest.raises(ExprError) as e:
        parse(source)
    assert words in e.value.message and e.value.span is not None


def test_the_statement_prints_with_n_and_is_proved_for_every_value():
    ident = matref.get("powers.diff_mpow")
    assert r"\sum_{r=0}^{n - 1} X^{r} \mathrm{d}X X^{n - 1 - r}" in ident.latex
    assert [i.constants["n"] for i in ident.instances] == [1, 2, 3, 4, 5, 6]
    report = ident.verify(trials=3, seed=1)
    assert report.ok and {t.sizes["n"] for t in report.trials} == {"1", "2", "3", "4", "5", "6"}
    assert "n = 1, 2, 3, 4, 5, 6" in report.notes[0]


def _catalog_with(tmp_path, old: str, new: str):
    cat = tmp_path / "cat"
    shutil.copytree(Path(DEFAULT_DIR), cat)
    path = cat / "powers.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return load_catalog(cat)


def test_a_claim_wrong_for_one_value_of_n_does_not_hold(tmp_path):
    # n X^(n-1) without the transpose is right at n = 1 (and for symmetric X) only
    cat = _catalog_with(tmp_path, "grad: n * mpow(X, n - 1).T", "grad: n * mpow(X, n - 1)")
    report = cat.get("powers.grad_tr_mpow").verify(trials=3, seed=1)
    assert report.verdict == "fails" and "n = " in report.reason
    assert "at n = 2" in report.reason  # right at n = 1: the first value where it fails is named


def test_the_exact_proof_covers_every_value():
    from matref.engine import exact

    r = exact.prove_identity(matref.get("powers.grad_tr_mpow"), seed=1)
    assert r.status == exact.PROVED and "n = 1, 2, 3, 4, 5, 6" in r.method


@pytest.mark.parametrize("params, words", [
    ("{n: 3}", "a list of 1 to 8 distinct"),
    ("{n: [1], m: [2]}", "one parameter name to a list"),
    ("{n: [1, 1]}", "distinct whole numbers"),
    ("{n: [1, 99]}", "from 0 to 12"),
    ("{N: [1, 2]}", "a lowercase name"),
])
def test_bad_params_are_refused_with_file_and_line(tmp_path, params, words):
    with pytest.raises(CatalogError) as e:
        _catalog_with(tmp_path, "params: {n: [1, 2, 3, 4, 5, 6]}", f"params: {params}")
    assert words in e.value.message and "powers.yaml:" in str(e.value)
