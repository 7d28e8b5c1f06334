"""Reports: seeds, sizes, reproducibility, explanations."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pytest

import matref
from matref.faces import cli
from matref.engine.verify import draw_instance, verify


def test_report_fields(seed):
    r = matref.get("trace.grad_axb").verify(trials=4, seed=seed)
    assert r.ok and r.seed == seed and r.id == "trace.grad_axb" and r.kind == "gradient"
    assert len(r.trials) == 4
    assert set(r.trials[0].sizes) == {"A", "X", "B"}
    assert all(t.error <= t.tolerance for t in r.trials)
    assert r.worst_error == max(r.trials, key=lambda t: t.ratio).error
    assert r.margin >= 1000
    assert r.reproduce == f"matref verify trace.grad_axb --trials 4 --seed {seed}"
    assert f"seed {seed}" in r.summary()
    d = json.loads(json.dumps(r.to_dict()))
    assert d["ok"] is True and all(t["ok"] is True for t in d["trials"])  # booleans, not "True"


def test_trial_sizes_cover_the_smallest_case(seed):
    r = matref.get("trace.grad_axb").verify(trials=5, seed=seed)
    assert r.trials[1].sizes == {"A": "1x1", "X": "1x1", "B": "1x1"}
    dims0 = [int(d) for s in r.trials[0].sizes.values() for d in s.split("x")]
    assert min(dims0) >= 2
    # Sizes vary between trials.
    assert len({tuple(t.sizes.values()) for t in r.trials}) >= 3


def test_same_seed_same_report_and_fresh_seeds_differ(seed):
    ident = matref.get("inverse.woodbury")
    a, b = ident.verify(trials=3, seed=seed), ident.verify(trials=3, seed=seed)
    assert [t.seed for t in a.trials] == [t.seed for t in b.trials]
    assert [t.error for t in a.trials] == [t.error for t in b.trials]
    c, d = ident.verify(trials=3), ident.verify(trials=3)
    assert c.seed != d.seed  # fresh seeds, each reported
    again = ident.verify(trials=3, seed=c.seed)
    assert [t.error for t in again.trials] == [t.error for t in c.trials]


def test_rng_is_passed_down(seed):
    rng1, rng2 = np.random.default_rng(seed), np.random.default_rng(seed)
    ident = matref.get("determinant.grad_det")
    r1, r2 = verify(ident, trials=2, rng=rng1), verify(ident, trials=2, rng=rng2)
    assert r1.seed == r2.seed and r1.trials == r2.trials


def test_reproduce_command_repeats_the_run(seed, capsys):
    r = matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A", trials=3, seed=seed)
    assert not r.ok
    argv = shlex.split(r.reproduce)
    assert argv[:2] == ["matref", "check"]
    assert cli.main(argv[1:] + ["--json"]) == 1
    again = json.loads(capsys.readouterr().out)
    assert again["seed"] == seed
    assert [t["error"] for t in again["trials"]] == [t.error for t in r.trials]


def test_failure_is_explained_elementwise(seed):
    r = matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A", trials=3, seed=seed)
    text = str(r)
    assert "FAIL" in text and "numerical gradient" in text and "largest difference at entry" in text
    r = matref.check(f="A @ X @ B", wrt="X", jacobian="kron(A, B.T)", trials=3, seed=seed)
    assert "Jacobian d vec(f) / d vec(X)" in r.explanation
    r = matref.check(lhs="inv(A @ B)", rhs="inv(A) @ inv(B)", assume=["A=invertible", "B=invertible"], seed=seed)
    assert "lhs =" in r.explanation and "largest difference" in r.explanation
    r = matref.check(f="inv(X)", wrt="X", differential="inv(X) @ dX @ inv(X)", seed=seed)
    assert "differential along a random dX" in r.explanation


def test_instances_satisfy_assumptions(seed):
    ident = matref.get("inverse.woodbury")
    rng = np.random.default_rng(seed)
    values, sizes, shapes = draw_instance(ident, rng)
    for name in ("A", "B"):
        assert values[name].shape[0] == values[name].shape[1]
        sym_part = (values[name] + values[name].T) / 2
        assert np.linalg.eigvalsh(sym_part).min() > 0.99  # posdef samples
        assert not np.allclose(values[name], values[name].T)  # ... but not symmetric


def test_trials_must_be_positive():
    with pytest.raises(matref.MatrefError):
        matref.get("trace.grad_axb").verify(trials=0)


def test_headline_and_html_say_the_verdict_in_one_line(seed):
    ok = matref.get("trace.grad_axb").verify(trials=3, seed=seed)
    line = ok.headline()
    assert line.startswith("proved · 3 instances · worst relative error ") and line.endswith(f"seed {seed}")
    html = ok._repr_html_()
    assert html.startswith('<details class="matref-proof matref-proof-ok"><summary>proved · 3 instances')
    assert f'matref.get(&quot;trace.grad_axb&quot;).verify(trials=3, seed={seed})' in html
    # behind the disclosure: a table with the verdict, every trial and the command that reproduces it
    assert '<table class="matref-report">' in html and "<th>verdict</th><td><b class=\"matref-holds\">holds</b>" in html
    assert html.count('<tr><td>') == 3 and "<code>matref verify trace.grad_axb" in html
    assert "counterexample" not in html
    wrong = matref.get("trace.grad_axb").with_statement("grad", "B @ A").verify(trials=3, seed=seed)
    line = wrong.headline()
    assert line.startswith("FAILED") and " > " in line and " ≤ " not in line
    html = wrong._repr_html_()
    # a failure is shown open, with its counterexample: the elementwise comparison
    assert html.startswith('<details class="matref-proof matref-proof-failed" open>')
    assert "<th>counterexample</th><td><i>re-checked entry by entry at a small size</i><pre>" in html and "claimed" in html
    assert '<b class="matref-fails">fails</b>' in html
    # a claim typed by a user: its diagnosis, and no Python call naming a catalog entry it is not
    typed = matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", seed=seed)
    html = typed._repr_html_()
    assert typed.extra["diagnosis"]["name"] == "needs symmetric"
    assert "<th>diagnosis</th><td>correct only if A is symmetric</td>" in html
    assert "in Python" not in html and "<code>matref check " in html
    assert ("<th>claim</th><td><code>f = x.T @ A @ x</code>, <code>grad = 2 * A @ x</code> with respect to "
            "<code>x</code> (gradient)</td>") in html
    erratum = next(i for i in matref.catalog() if i.status == "erratum" and i.corrected is not None)
    line = erratum.verify(trials=3, seed=seed).headline()
    assert line.startswith("erratum confirmed · the printed form fails") and "the corrected form is proved" in line


def test_an_undecided_headline_shows_no_error_within_tolerance(seed):
    """An undecided run's measured trials passed; printing "error ≤ tolerance" would read as a proof."""
    import dataclasses

    ok = matref.get("trace.grad_axb").verify(trials=3, seed=seed)
    undecided = dataclasses.replace(ok, ok=False, verdict="undecided", reason="rounding could explain trial 2")
    line = undecided.headline()
    assert line.startswith("UNDECIDED (rounding could explain trial 2) · 3 instances")
    assert "worst relative error" not in line and "≤" not in line
