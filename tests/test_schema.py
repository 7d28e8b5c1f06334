"""Unit tests for matref.data.schema, and for statement errors found when a catalog's identities are built.

Every error must name the file, the exact line and the identity id.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import line_of

from matref.data.catalog import load_catalog
from matref.errors import CatalogError
from matref.data.loader import load_yaml
from matref.data.schema import Location, family_from_yaml, identity_from_yaml
from matref.kinds import KINDS

ID = "demo.grad_axb"
BASE = """\
family: demo
title: Demo
identities:
  - id: demo.grad_axb
    title: Trace of a product
    kind: gradient
    f: tr(A @ X @ B)
    wrt: X
    grad: A.T @ B.T
    sources: [mc2012:101]
"""

SIZES = "    symbols:\n      A: {shape: 3 x 2}\n      X: {shape: 2 x 4}\n      B: {shape: 4 x 3}\n"



def load_error(tmp_path: Path, text: str) -> tuple[str, str]:
    """Load ``text`` as demo.yaml; return the error text and the file name as shown."""
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    return str(info.value), str(path)


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_base_catalog_is_valid(tmp_path):
    (tmp_path / "demo.yaml").write_text(BASE)
    ident = load_catalog(tmp_path).get(ID)
    assert ident.kind == "gradient" and ident.wrt == "X" and ident.sources == ("mc2012:101",)
    assert ident.location == f"{tmp_path / 'demo.yaml'}:4"


# (id, edited text, marker of the line the error must name, words in the message)
CASES = [
    ("unknown identity key", edit("    wrt: X\n", "    wrt: X\n    tittle: x\n"), "tittle",
     "unknown identity key 'tittle'; did you mean 'title'?"),
    ("unknown identity key without a close match", edit("    wrt: X\n", "    wrt: X\n    zzz: 1\n"), "zzz",
     "unknown identity key 'zzz' (allowed: aliases, conditions, corrected, derivation, differential, error_class"),
    ("unknown symbol key", BASE + "    symbols:\n      A: {shap: n x n}\n", "A: {shap",
     "unknown symbol A key 'shap'; did you mean 'shape'?"),
    ("unknown assumption", BASE + "    symbols:\n      A:\n        shape: n x n\n        assume: [symetric]\n",
     "assume: [symetric]", "symbol A: unknown assumption 'symetric' (known: square, symmetric"),
    ("unknown sample assumption", BASE + "    symbols:\n      A:\n        sample: [spdd]\n", "sample: [spdd]",
     "symbol A: unknown assumption 'spdd'"),
    ("unknown kind", edit("kind: gradient", "kind: hessain"), "kind: hessain",
     "unknown kind 'hessain' (known: gradient, jacobian, differential, equality, hessian"),
    ("key of another kind", edit("    wrt: X\n", "    wrt: X\n    lhs: A\n"), "lhs: A",
     "key 'lhs' does not belong to kind 'gradient' (it uses f, grad)"),
    ("wrt in an equality", BASE.replace("kind: gradient", "kind: equality").replace("f: tr", "lhs: tr")
     .replace("grad: A.T @ B.T", "rhs: tr(B @ X @ A)"), "wrt: X", "key 'wrt' does not belong to kind 'equality'"),
    ("missing title", edit("    title: Trace of a product\n", ""), "- id:", "missing required key 'title'"),
    ("missing claim", edit("    grad: A.T @ B.T\n", ""), "- id:", "missing required key 'grad'"),
    ("missing wrt", edit("    wrt: X\n", ""), "- id:", "missing required key 'wrt'"),
    ("missing kind", edit("    kind: gradient\n", ""), "- id:", "missing required key 'kind'"),
    ("empty expression", edit("grad: A.T @ B.T", "grad: ''"), "grad:", "'grad' must be a non-empty string"),
    ("missing sources", edit("    sources: [mc2012:101]\n", ""), "- id:", "at least one source is required"),
    ("empty sources", edit("sources: [mc2012:101]", "sources: []"), "sources:", "at least one source is required"),
    ("sources not strings", edit("sources: [mc2012:101]", "sources: [1]"), "sources:",
     "'sources' must be a list of non-empty strings"),
    ("derived without derivation", edit("[mc2012:101]", "[derived]"), "- id:",
     "source 'derived' needs a 'derivation' list of steps"),
    ("bad mc2012 format", edit("[mc2012:101]", "[mc2012-101]"), "sources:",
     "source 'mc2012-101': write Matrix Cookbook equations as mc2012:N"),
    ("mc2012 out of range", edit("[mc2012:101]", "[book, mc2012:601]"), "sources:", "source 'mc2012:601'"),
    ("mc2012 zero", edit("[mc2012:101]", "[mc2012:0]"), "sources:", "source 'mc2012:0'"),
    ("notes not a string", edit("    wrt: X\n", "    wrt: X\n    notes: [a]\n"), "notes:", "'notes' must be a string"),
    ("dims are gone", edit("    wrt: X\n", "    wrt: X\n    dims:\n      n: [2, 3]\n"), "dims:",
     "'dims' is no longer part of the format: a size bound must be a stated condition"),
    ("condition not a mapping", edit("    wrt: X\n", "    wrt: X\n    conditions: [A]\n"), "conditions:",
     "each condition is one mapping such as {invertible: A + B}"),
    ("unknown condition", edit("    wrt: X\n", "    wrt: X\n    conditions:\n      - singular: A\n"), "singular:",
     "unknown condition 'singular' (known: invertible, nonzero, simple)"),
    ("erratum without a class", edit("    wrt: X\n", "    wrt: X\n    status: erratum\n    corrected: {grad: B @ A}\n"),
     "- id:", "an erratum needs 'error_class', one of misprint, missing_condition, misreading"),
    ("misreading without see", edit("    wrt: X\n", "    wrt: X\n    status: erratum\n    error_class: misreading\n"
                                    "    corrected: {grad: B @ A}\n"), "- id:",
     "a misreading needs 'see'"),
    ("class on a proved entry", edit("    wrt: X\n", "    wrt: X\n    error_class: misprint\n"), "error_class:",
     "'error_class' belongs to entries with status: erratum"),
    ("bad alias", edit("    wrt: X\n", "    wrt: X\n    aliases: [Not An Id]\n"), "aliases:",
     "alias 'Not An Id' must look like an id"),
    ("invalid symbol name", BASE + "    symbols:\n      I: {shape: n x n}\n", "I: {", "'I' is not a valid symbol name"),
    ("symbol props not a mapping", BASE + "    symbols:\n      A: [spd]\n", "A: [spd]",
     "symbol A: expected a mapping"),
    # statement errors, found when the identity is built
    ("expression does not parse", edit("grad: A.T @ B.T", "grad: A.T ^ B.T"), "grad:",
     "grad: column 1: operator ^ is not part of the expression language"),
    ("expression syntax error", edit("grad: A.T @ B.T", "grad: A.T @@ B.T"), "grad:", "grad: column 6: invalid syntax"),
    ("unknown function", edit("f: tr(A @ X @ B)", "f: trace(A @ X @ B)"), "f: trace",
     "f: column 1: unknown function 'trace'"),
    ("shapes do not fit", edit("grad: A.T @ B.T", "grad: X + A.T @ B.T + A") + SIZES, "grad:",
     "grad: column 1: + needs equal shapes or a scalar side: X + A.T @ B.T is 2x4, A is 3x2"),
    ("shape of f does not fit", BASE + "    symbols:\n      A: {shape: 3 x n}\n      X: {shape: m x m}\n", "f: tr",
     "f: column 1: tr needs a square matrix: A @ X @ B is 3x"),
    ("gradient of a non-scalar f", edit("f: tr(A @ X @ B)", "f: A @ X @ B"), "f: A @ X",
     "f must be scalar for a gradient, but it is "),
    ("claim shape mismatch", edit("grad: A.T @ B.T", "grad: x.T @ X", edit("f: tr(A @ X @ B)", "f: x.T @ X @ y")),
     "grad:", "grad is 1xlen(y) but must have the shape of X, "),
    ("jacobian shape mismatch", BASE.replace("kind: gradient", "kind: jacobian").replace("f: tr(A @ X @ B)", "f: A @ x")
     .replace("wrt: X", "wrt: x").replace("grad: A.T @ B.T", "jacobian: A.T @ A @ x"), "jacobian:",
     "but must have (numel f) x (numel wrt)"),
    ("declared but unused symbol", BASE + "    symbols:\n      Z: {assume: [symmetric]}\n", "symbols:",
     "symbols: 'Z' is declared but not used in the identity"),
    ("wrt not in f", edit("wrt: X", "wrt: Y"), "wrt: Y", "wrt: 'Y' does not appear in f = 'tr(A @ X @ B)'"),
    ("claim symbol not in f", edit("grad: A.T @ B.T", "grad: A.T @ B.T + C"), "grad:",
     "grad: symbol 'C' does not appear in f"),
    ("bad shape string", BASE + "    symbols:\n      A: {shape: n by n}\n", "symbols:",
     "symbol A: shape 'n by n' is not 'scalar' or 'R x C'"),
    ("square assumption on rectangular", BASE + "    symbols:\n      A: {shape: 2 x 3, assume: [spd]}\n",
     "symbols:", "symbol A is assumed square but declared 2 x 3"),
    ("sample structure on the variable", BASE + "    symbols:\n      X: {sample: [spd]}\n", "symbols:",
     "symbol X: "),
    ("condition does not type", edit("    wrt: X\n", "    wrt: X\n    conditions:\n      - invertible: A @ X\n")
     + "    symbols:\n      A: {shape: 2 x 3}\n      X: {shape: 3 x 4}\n      B: {shape: 4 x 2}\n", "conditions:",
     "conditions: invertible: A @ X is 2x4, not square"),
    ("condition on a non-scalar", edit("    wrt: X\n", "    wrt: X\n    conditions:\n      - nonzero: A\n"),
     "conditions:", "nonzero: A is "),
]


@pytest.mark.parametrize("text, marker, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_identity_errors_name_file_line_and_id(tmp_path, text, marker, words):
    message, path = load_error(tmp_path, text)
    line = line_of(text, marker)
    assert message.startswith(f"{path}:{line}: {ID}: "), message
    assert words in message


def test_parse_error_message_has_caret_under_the_column(tmp_path):
    message, _ = load_error(tmp_path, edit("grad: A.T @ B.T", "grad: A.T + foo(B)"))
    lines = message.splitlines()
    assert lines[-2] == "  A.T + foo(B)"
    assert lines[-1] == "        ^^^"


def test_shape_error_quotes_the_subexpression(tmp_path):
    text = edit("grad: A.T @ B.T", "grad: A.T @ B.T + A") + SIZES
    message, _ = load_error(tmp_path, text)
    assert "A.T @ B.T is 2x4, A is 3x2" in message
    assert message.splitlines()[-1] == "  " + "^" * len("A.T @ B.T + A")


@pytest.mark.parametrize("bad_id, words", [
    ("Demo.Grad", "id 'Demo.Grad' must look like '<family>.<lower_snake_name>'"),
    ("demo", "id 'demo' must look like"),
    ("demo.grad-axb", "must look like"),
    ("trace.grad_axb", "id must start with the family name 'demo.'"),
], ids=["uppercase", "no dot", "dash", "other family"])
def test_id_errors(tmp_path, bad_id, words):
    text = edit("id: demo.grad_axb", f"id: {bad_id}")
    message, path = load_error(tmp_path, text)
    assert message.startswith(f"{path}:4: {bad_id}: ")
    assert words in message


def test_missing_id(tmp_path):
    text = edit("  - id: demo.grad_axb\n    title", "  - title")
    message, path = load_error(tmp_path, text)
    assert message == f"{path}:4: missing required key 'id'"


def test_entry_must_be_a_mapping(tmp_path):
    message, _ = load_error(tmp_path, BASE + "  - just a string\n")
    assert "each entry of 'identities' must be a mapping" in message


# -- schema functions directly --------------------------------------------------------------------
def test_identity_from_yaml_collects_every_field(tmp_path):
    text = """\
id: demo.eq
title: '  A title  '
kind: equality
lhs: tr(A @ B)
rhs: tr(B @ A)
symbols:
  A: {shape: m x n, assume: [positive], sample: square, doc: first}
  B:
sources: [derived, "Magnus & Neudecker (2019)"]
derivation: [step one, step two]
notes: '  note  '
tags: cyclic
conditions:
  - invertible: A @ B
aliases: [demo.old_eq]
"""
    data = load_yaml(tmp_path / "x.yaml", text)
    spec = identity_from_yaml(data, "demo", "x.yaml")
    assert spec.id == "demo.eq" and spec.family == "demo" and spec.title == "A title"
    assert spec.statement == (("lhs", "tr(A @ B)"), ("rhs", "tr(B @ A)"))
    assert spec.wrt is None
    a, b = spec.symbols
    assert (a.name, a.shape, a.assume, a.sample, a.doc) == ("A", "m x n", ("positive",), ("square",), "first")
    assert (b.name, b.shape, b.assume) == ("B", None, ())
    assert spec.sources == ("derived", "Magnus & Neudecker (2019)")
    assert spec.derivation == ("step one", "step two")
    assert spec.notes == "note" and spec.tags == ("cyclic",)
    assert spec.conditions == (("invertible", "A @ B"),) and spec.aliases == ("demo.old_eq",)
    assert spec.location == Location("x.yaml", 1)
    assert spec.line_of("rhs") == Location("x.yaml", 5)
    assert spec.line_of("conditions") == Location("x.yaml", 13)
    assert str(spec.line_of("nothing")) == "x.yaml:1"


def test_numeric_expressions_are_accepted_as_text(tmp_path):
    data = load_yaml(tmp_path / "x.yaml", "id: demo.one\ntitle: t\nkind: equality\nlhs: 1\nrhs: 1.5\n"
                                          "sources: [derived]\nderivation: [x]\n")
    assert identity_from_yaml(data, "demo", "x.yaml").statement == (("lhs", "1"), ("rhs", "1.5"))


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_requires_its_roles(tmp_path, kind):
    first, claim = KINDS[kind].roles
    wrt = "" if kind == "equality" else "wrt: X\n"
    text = f"id: demo.k\ntitle: t\nkind: {kind}\n{first}: X\n{wrt}sources: [mc2012:1]\n"
    with pytest.raises(CatalogError) as info:
        identity_from_yaml(load_yaml(tmp_path / "x.yaml", text), "demo", "x.yaml")
    assert str(info.value) == f"x.yaml:1: demo.k: missing required key '{claim}'"


def test_family_from_yaml(tmp_path):
    data = load_yaml(tmp_path / "demo.yaml", BASE.replace("title: Demo", "title: Demo\nintro: >\n  Some prose."))
    fam = family_from_yaml(data, "demo", "demo.yaml")
    assert fam.name == "demo" and fam.title == "Demo" and fam.intro == "Some prose."
    assert fam.location == Location("demo.yaml", 1)
    assert [i.id for i in fam.identities] == [ID]
    assert fam.identities[0].location == Location("demo.yaml", line_of(BASE, "- id:") + 2)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_served_everywhere(kind):
    """A walk over the kind registry: each kind has book words, a command-line option, a keyword of
    matref.check, a JSON-schema variant, and a page word in the counts of a family (a kind added
    without these fails here, not in a user's hands)."""
    import inspect

    import matref

    from matref.faces import api
    import matref_pages as book
    from matref.data import jsonschema
    from matref.faces.cli import _parser

    k = KINDS[kind]
    assert k.noun and k.plural and k.noun != k.plural and "_" not in k.noun + k.plural
    assert book.KIND_WORDS[kind] == (k.noun, k.plural)
    options = {a.dest for sub in _parser()._subparsers._group_actions[0].choices.values() for a in sub._actions}
    assert set(k.roles) - {"f"} <= options
    assert set(k.roles) <= set(inspect.signature(api.check).parameters)
    assert kind in jsonschema.render()
    catalog_kinds = {i.kind for i in matref.catalog()}
    if kind in catalog_kinds:
        family = next(f for f in matref.catalog().families if any(i.kind == kind for i in f))
        assert (f" {k.plural}" in book.family_page(family)) or (f" {k.noun}" in book.family_page(family))
