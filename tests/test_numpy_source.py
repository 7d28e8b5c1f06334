"""``matref show ID --format numpy``: the printed module of every catalog entry runs without
matref and computes what matref computes (ids are test ids)."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import matref
from matref.engine import verify as V
from matref.expr import functions as F
from matref.expr.to_numpy import evaluate
from matref.faces.numpy_source import module_source

CATALOG = matref.catalog()
IDS = CATALOG.ids


def _module(ident) -> dict:
    namespace: dict = {}
    exec(compile(module_source(ident), f"<{ident.id}>", "exec"), namespace)
    return namespace


def _mismatches(ident, seed: int) -> list[str]:
    """Each printed function against matref's evaluation, at a random instance inside the domain of
    every value of the parameter; the differences found (empty: they agree)."""
    shown = ident.corrected if ident.corrected is not None else ident
    functions = _module(ident)
    out = []
    rng = np.random.default_rng(seed)
    for inst in shown.instances:
        drawn = V.draw_in_domain(inst, rng, index=0, cap=6)
        assert drawn is not None, f"{inst.id}: no instance inside the domain"
        values, sizes, _ = drawn
        if inst.direction:
            values[inst.direction] = rng.standard_normal(values[inst.wrt].shape)
        for role in inst.roles:
            want = evaluate(inst.typed[role], values, sizes)
            fn = functions[role]
            names = fn.__code__.co_varnames[:fn.__code__.co_argcount]
            args = {n: inst.constants[n] if n in inst.constants else values[n] if n in values
                    else _identity_size(inst, sizes) for n in names}
            # vectors may be given as 1-D arrays, 1x1 symbols as numbers
            args = {n: (float(v[0, 0]) if isinstance(v, np.ndarray) and v.shape == (1, 1) else v)
                    for n, v in args.items()}
            with np.errstate(all="ignore"):
                got = fn(**args)
            got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
            if np.shape(want) == (1, 1):
                want = want.reshape(())
            if got.shape != want.shape:
                out.append(f"{inst.id} {role}: shape {got.shape}, matref {want.shape}")
                continue
            scale = max(float(np.max(np.abs(want), initial=0.0)), 1e-300)
            err = float(np.max(np.abs(got - want), initial=0.0)) / scale
            if not err <= 1e-7:
                out.append(f"{inst.id} {role}: relative difference {err:.1e} ({inst.constants or ''})")
    return out


def _identity_size(inst, sizes) -> int:
    """The size of the I of a statement whose arguments do not fix it (its own argument)."""
    from matref.expr import nodes as N

    for t in inst.typed.values():
        for node in N.walk(t.node):
            if isinstance(node, N.Identity):
                return inst.scope.unifier.value(t.shape_of(node)[0], sizes)
    raise AssertionError(f"{inst.id}: an argument that is neither a symbol nor a size")


@pytest.mark.parametrize("ident_id", IDS)
def test_printed_module_computes_what_matref_computes(ident_id, seed):
    ident = matref.get(ident_id)
    text = module_source(ident)
    assert "matref" not in "\n".join(line for line in text.splitlines() if "import" in line)
    assert not _mismatches(ident, seed)


def test_a_wrong_printed_function_is_caught(monkeypatch, seed):
    """The comparison has teeth: printing trace as the sum of all entries is reported."""
    monkeypatch.setitem(F.FUNCTIONS, "tr", dataclasses.replace(F.FUNCTIONS["tr"], python="np.sum({0})"))
    found = _mismatches(matref.get("trace.grad_axb"), seed)
    assert found and "trace.grad_axb f" in found[0]


def test_module_is_numpydoc_and_runs_without_matref(tmp_path):
    ident = matref.get("matfunc.grad_tr_expm") if "matfunc.grad_tr_expm" in CATALOG.ids else \
        next(i for i in CATALOG if "expm" in str(i.statement))
    text = module_source(ident)
    tree = ast.parse(text)
    defs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert {d.name for d in defs} >= set(ident.roles) and "_expm" in {d.name for d in defs}
    for d in defs:
        if not d.name.startswith("_"):
            doc = ast.get_docstring(d)
            assert "Parameters\n----------" in doc and "Returns\n-------" in doc
    path = tmp_path / "identity.py"
    path.write_text(text)
    # matref made unimportable: the module needs numpy only
    code = ("import sys, runpy, numpy as np; sys.modules['matref'] = None; "
            f"ns = runpy.run_path({str(path)!r}); print(sorted(k for k in ns if not k.startswith('__')))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "'np'" in run.stdout


def test_erratum_prints_the_corrected_form():
    ident = next(i for i in CATALOG if i.corrected is not None)
    text = module_source(ident)
    assert "The formula as printed in its source is wrong" in text
    claim = ident.roles[1]
    assert f"{claim} = {ident.statement[claim]}" in text


def test_cli_show_numpy(capsys):
    from matref.faces.cli import main

    assert main(["show", "trace.grad_axb", "--format", "numpy"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('"""trace.grad_axb: ') and "def grad(A, X, B):" in out and "return A.T @ B.T" in out
