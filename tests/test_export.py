"""`matref export`: the whole catalog as JSON (valid against its schema) or as a LaTeX document."""

from __future__ import annotations

import json

import matref
from matref.faces import cli, export
from test_jsonschema import _validate


def test_the_json_export_validates_against_its_schema(tmp_path, capsys):
    path = tmp_path / "catalog.json"
    assert cli.main(["export", "--format", "json", "-o", str(path)]) == 0
    doc = json.loads(path.read_text())
    assert _validate(doc, export.EXPORT_SCHEMA) == []
    assert doc["count"] == len(matref.catalog()) == len(doc["identities"])
    axb = next(d for d in doc["identities"] if d["id"] == "trace.grad_axb")
    assert axb["layouts"]["numerator"] == "B A" and "mc2012:101" in axb["sources"]
    # and the validator has teeth: a record missing its LaTeX is rejected
    del doc["identities"][0]["latex"]
    assert _validate(doc, export.EXPORT_SCHEMA) != []


def test_the_schema_is_printed(capsys):
    assert cli.main(["export", "--schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "matref catalog export"


def test_the_latex_export_is_one_document_with_every_entry():
    tex = export.to_latex(matref.catalog())
    assert tex.startswith(r"\documentclass") and tex.rstrip().endswith(r"\end{document}")
    assert tex.count(r"\begin{equation*}") >= len(matref.catalog())
    assert tex.count("{") == tex.count("}") - tex.count(r"\}") + tex.count(r"\{")
    assert r"\label{trace.grad_axb}" in tex and r"\texttt{trace.grad\_axb}" in tex


def test_an_unwritable_output_is_a_clear_error(capsys):
    assert cli.main(["export", "-o", "/nonexistent/dir/x.json"]) == 2
    assert "cannot write" in capsys.readouterr().err
