"""The kinds registry: every kind is served by every face (API, command line, book, engine)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import matref
from matref.engine.explain import EXPLAINERS
import matref_pages as book
from matref.faces.cli import main
from matref.kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent


def _check(kind, claim, **extra):
    k = KINDS[kind]
    ex = k.example
    args = {k.roles[0]: ex.f, k.claim: claim}
    if ex.wrt:
        args["wrt"] = ex.wrt
    if ex.assume:
        args["assume"] = dict(a.split("=") for a in ex.assume)
    if ex.shape:
        args["shapes"] = dict(s.split("=") for s in ex.shape)
    return matref.check(**args, **extra)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_proves_and_refutes_its_example_through_the_api(kind):
    ex = KINDS[kind].example
    assert _check(kind, ex.true, seed=1).verdict == "holds"
    wrong = _check(kind, ex.wrong, seed=1)
    assert wrong.verdict == "fails"
    # the failure is explained (the elementwise explanation of the kind ran, no internal error)
    assert wrong.explanation and "no elementwise explanation" not in wrong.explanation
    assert "out of bounds" not in str(wrong)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_a_command_line_option(kind, capsys):
    k, ex = KINDS[kind], KINDS[kind].example
    argv = ["check", f"--{k.roles[0]}", ex.f, f"--{k.claim}", ex.wrong, "--seed", "1", "--json"]
    if ex.wrt:
        argv += ["--wrt", ex.wrt]
    for a in ex.assume:
        argv += ["--assume", a]
    for s in ex.shape:
        argv += ["--shape", s]
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kind"] == kind and report["verdict"] == "fails"


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_has_latex_words_and_an_explanation(kind):
    k = KINDS[kind]
    ident = _check(kind, k.example.true, seed=1)
    assert k.explain in EXPLAINERS
    from matref.engine.mutate import KIND_MUTATIONS, mutants

    assert set(k.mutations) <= set(KIND_MUTATIONS)
    if k.mutations:
        assert {m.operator for m in mutants(ident_obj_of(k))} >= set(k.mutations)
    assert k.noun and k.plural and k.help
    assert book.KIND_WORDS[kind] == (k.noun, k.plural)
    ident_obj = matref.faces.api.build(**{k.roles[0]: k.example.f, k.claim: k.example.true,
                                           **({"wrt": k.example.wrt} if k.example.wrt else {}),
                                           **({"assume": dict(a.split("=") for a in k.example.assume)}
                                              if k.example.assume else {}),
                                           **({"shapes": dict(s.split("=") for s in k.example.shape)}
                                              if k.example.shape else {})})
    tex = ident_obj.latex
    assert tex.count("{") == tex.count("}") and " = " in tex
    assert bool(ident_obj.layouts) == (k.layouts is not None)
    assert ident.verdict == "holds"


def ident_obj_of(k):
    ex = k.example
    return matref.faces.api.build(**{k.roles[0]: ex.f, k.claim: ex.true, **({"wrt": ex.wrt} if ex.wrt else {})})


@pytest.mark.parametrize("kind", [k for k in KINDS if KINDS[k].order > 0])
def test_every_derivative_kind_builds_an_engine_claim(kind):
    import numpy as np

    k = KINDS[kind]
    if k.dense is None:
        assert k.directional, "a kind without a dense claim must be applied to directions"
        return
    claim = k.dense(np.eye(2))
    assert claim.order == k.order
    assert np.isfinite(claim.along(np.ones((2, 1)) if kind in ("jacobian", "hessian") else np.ones((2, 2))).value).all()


def test_kind_names_are_spelled_only_in_the_registry():
    """Outside matref/kinds.py no module may branch on a kind's name (the registry decides)."""
    names = set(KINDS)
    offenders = []
    for path in sorted((ROOT / "matref").rglob("*.py")):
        if path.name == "kinds.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    consts = [side] if isinstance(side, ast.Constant) else (
                        list(side.elts) if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else [])
                    for c in consts:
                        if isinstance(c, ast.Constant) and c.value in names:
                            offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {c.value!r}")
    assert len(offenders) <= BRANCHES_LEFT, "\n".join(offenders)


BRANCHES_LEFT = 0
"""Comparisons with a kind's name left outside the registry (the target is 0)."""


def test_the_expression_language_imports_nothing_else_from_matref():
    for path in sorted((ROOT / "matref" / "expr").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            mods = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                assert not (m.startswith("matref") and not m.startswith("matref.expr")), f"{path.name} imports {m}"
