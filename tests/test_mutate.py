"""Mutation testing: every wrong variant of every identity must be rejected."""

from __future__ import annotations

import collections
import json
import os

import pytest

import matref
from matref.engine import mutate

# Every third entry here (the checker's teeth, on every kind and family, in `make test`'s three
# minutes); every entry with MATREF_ALL_MUTANTS=1 (`make test-mutants`, which CI runs).
IDS = matref.catalog().ids if os.environ.get("MATREF_ALL_MUTANTS") == "1" else matref.catalog().ids[::3]


@pytest.mark.parametrize("ident_id", IDS)
def test_every_wrong_mutant_is_rejected(ident_id, seed, record_property):
    ident = matref.get(ident_id)
    # An erratum's printed form is wrong on purpose; its corrected form is what must be sound.
    outcomes = mutate.run(ident.corrected if ident.status == "erratum" else ident, trials=3, seed=seed)
    counts = collections.Counter(o.status for o in outcomes)
    record_property("mutation", json.dumps(counts))
    survivors = [f"{o.mutant.operator}: {o.mutant.role} = {o.mutant.text} ({o.status}: {o.detail})"
                 for o in outcomes if o.status in ("survived", "undecided")]
    assert not survivors, "wrong formulas not refuted:\n" + "\n".join(survivors)


def test_operators_generate_the_usual_mistakes():
    ident = matref.get("trace.grad_axb")  # grad A.T @ B.T
    texts = {m.text for m in mutate.mutants(ident)}
    assert "A @ B.T" in texts  # dropped transpose
    assert "B.T @ A.T" in texts  # swapped product
    assert "-(A.T @ B.T)" in texts  # flipped sign
    assert "2 * (A.T @ B.T)" in texts  # factor 2
    inv = matref.get("inverse.diff_inv")  # -inv(X) @ dX @ inv(X)
    assert "-X @ dX @ inv(X)" in {m.text for m in mutate.mutants(inv)}  # missing inverse


def test_equivalence_is_judged_on_the_stated_domain():
    ident = matref.get("trace.grad_axb")
    by_text = {o.mutant.text: o.status for o in mutate.run(ident)}
    assert by_text["A @ B.T"] in ("killed", "ill-typed")
    assert by_text["B.T @ A.T"] in ("killed", "ill-typed")
    assert by_text["-(A.T @ B.T)"] == "killed"
    # With B assumed symmetric, B.T and B are the same claim: not a wrong formula.
    quad = matref.get("quadratic.grad_xtbx_symmetric")
    assert quad.statement["grad"] == "2 * B @ x"
    statuses = {o.mutant.text: o.status for o in mutate.run(quad)}
    assert statuses["2 * B.T @ x"] == "equivalent"
    assert statuses["1 * B @ x"] == "killed"


def test_a_blind_checker_would_be_caught(monkeypatch, seed):
    """If verification accepted everything, mutants would survive: the test has teeth."""
    from matref.engine import checks

    monkeypatch.setattr(checks, "check", lambda ident, values, sizes, rng: [checks.Measurement(0.0, 1.0, "blind")])
    outcomes = mutate.run(matref.get("trace.grad_axb"), trials=2, seed=seed)
    assert any(o.status == "survived" for o in outcomes)


def test_the_wide_set_adds_the_subtler_mistakes():
    texts = {(m.operator, m.text) for m in mutate.mutants(matref.get("inverse.diff_inv"), wide=True)}
    assert ("inverse transpose", "-inv(X).T @ dX @ inv(X)") in texts
    assert ("scaled 1 + 1e-6", "1.000001 * (-inv(X) @ dX @ inv(X))") in texts
    ops = {m.operator for i in matref.catalog() for m in mutate.mutants(i, wide=True)}
    assert {"dropped term", "symmetric shortcut", "scaled 1 - 1e-6"} <= ops
    assert not {"dropped term", "scaled 1 + 1e-6"} & {m.operator for m in mutate.mutants(matref.get("inverse.diff_inv"))}


@pytest.mark.parametrize("ident_id", ["hessian.det", "trace.grad_axb", "vec.jac_axb", "inverse.diff_inv",
                                      "quadratic.grad_xtbx", "hessian.trace_xtax"])
def test_a_claim_off_by_one_part_in_a_million_is_refuted(ident_id, seed):
    """The wide set's subtlest mutants, refuted (a scaled Hessian once held: its tolerance was
    relative to ||H||_F |V|^2, not to the second derivatives compared)."""
    ident = matref.get(ident_id)
    scaled = [o for o in mutate.run(ident, trials=3, seed=seed, wide=True) if o.mutant.operator.startswith("scaled")]
    assert scaled and all(o.status == "killed" for o in scaled), [(o.mutant.text, o.status) for o in scaled]
