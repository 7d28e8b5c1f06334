"""The matref command: exit codes 0 / 1 / 2, output, and never a traceback for a user mistake."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import matref
from matref.faces import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0 and f"{len(matref.catalog())} identities" in out
    code, out, _ = run(capsys, "list", "--family", "trace", "--json")
    data = json.loads(out)
    assert code == 0 and data and all(d["family"] == "trace" for d in data)
    assert {"id", "latex", "statement", "assumptions", "sources", "location", "layouts"} <= set(data[0])


def test_show(capsys):
    code, out, _ = run(capsys, "show", "trace.grad_axb")
    assert code == 0
    assert "tr(A @ X @ B)" in out and "A.T @ B.T" in out and "mc2012:101" in out
    assert "numerator layout" in out and "B A" in out
    code, out, _ = run(capsys, "show", "trace.grad_axb", "--json")
    assert json.loads(out)["id"] == "trace.grad_axb"


def test_verify_selection_and_exit(capsys):
    code, out, _ = run(capsys, "verify", "trace.grad_axb", "inverse.woodbury", "--trials", "3", "--seed", "4")
    assert code == 0 and "2 hold, 0 failed" in out and "seed 4" in out
    code, out, _ = run(capsys, "verify", "--family", "vec", "--trials", "2", "--seed", "1", "--json")
    reports = json.loads(out)
    assert code == 0 and len(reports) == len(matref.catalog().family("vec"))
    assert all(r["ok"] and r["seed"] == 1 for r in reports)


@pytest.mark.parametrize("argv,needle", [
    (["show", "trace.grad_abx"], "did you mean trace.grad_axb"),
    (["verify", "nope.nothing"], "unknown identity"),
    (["list", "--family", "trac"], "did you mean 'trace'"),
    (["verify", "--trials", "0"], "at least 1"),
    (["check", "--f", "tr(A @@ X)", "--wrt", "X", "--grad", "A"], "column 7"),
    (["check", "--f", "tr(A @ x)", "--wrt", "x", "--grad", "A"], "tr needs a square matrix"),
    (["check", "--f", "tr(X)", "--wrt", "X", "--grad", "I", "--assume", "X=symetric"], "unknown assumption"),
    (["check", "--f", "tr(X)"], "exactly one of"),
    (["check", "--f", "tr(kron(A, X))", "--wrt", "X"], "no rule yet for the Kronecker product"),
    (["check", "--f", "__import__('os').system('true')", "--wrt", "X", "--grad", "I"], "only the functions of the language"),
])
def test_bad_input_exits_2_with_a_message(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_check_issue_example_is_the_numerator_layout(capsys):
    code, out, _ = run(capsys, "check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "B @ A", "--seed", "3")
    assert code == 1
    assert "does NOT hold" in out and "seed 3" in out and "largest difference" in out and "reproduce:" in out
    code, out, _ = run(capsys, "check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "A.T @ B.T")
    assert code == 0 and out.startswith("holds")


def test_expressions_may_start_with_a_minus(capsys):
    code, out, _ = run(capsys, "check", "--f", "tr(inv(X))", "--wrt", "X", "--grad", "-inv(X).T @ inv(X).T")
    assert code == 0, out
    code, out, _ = run(capsys, "check", "--f", "logdet(X)", "--wrt", "X", "--grad", "-inv(X).T")
    assert code == 1
    code, out, _ = run(capsys, "check", "--lhs", "-A", "--rhs", "-1 * A")
    assert code == 0


def test_check_other_kinds_and_options(capsys):
    code, out, _ = run(capsys, "check", "--f", "A @ X @ B", "--wrt", "X", "--jacobian", "kron(B.T, A)")
    assert code == 0
    code, out, _ = run(capsys, "check", "--f", "inv(X)", "--wrt", "X", "--differential", "-inv(X) @ dX @ inv(X)")
    assert code == 0
    code, out, _ = run(capsys, "check", "--f", "t * x", "--wrt", "t", "--jacobian", "x", "--shape", "t=scalar")
    assert code == 0
    code, out, _ = run(capsys, "check", "--f", "x.T @ A @ x", "--wrt", "x", "--grad", "2 * A @ x",
                       "--assume", "A=symmetric", "--json", "--seed", "9", "--trials", "2")
    report = json.loads(out)
    # At least three trials always run: distinct sizes, the smallest sizes, large sizes.
    assert code == 0 and report["ok"] and report["seed"] == 9 and len(report["trials"]) == 3
    assert report["verdict"] == "holds" and [t["regime"] for t in report["trials"]] == ["distinct", "smallest", "large"]


def _python_m(*argv, env=None):
    return subprocess.run([sys.executable, "-m", "matref", *argv], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_python_m_and_no_traceback_on_bad_input():
    ok = _python_m("check", "--f", "tr(A @ X @ B)", "--wrt", "X", "--grad", "B @ A", "--seed", "1")
    assert ok.returncode == 1 and "does NOT hold" in ok.stdout
    bad = _python_m("check", "--f", "x.T @ A @ x)", "--wrt", "x", "--grad", "A")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "column" in bad.stderr


def test_broken_catalog_is_reported_with_file_line_and_id(tmp_path):
    cat = tmp_path / "cat"
    shutil.copytree(Path(matref.data.catalog.DEFAULT_DIR), cat)
    trace = cat / "trace.yaml"
    text = trace.read_text()
    assert "grad: A.T @ B.T\n" in text
    trace.write_text(text.replace("grad: A.T @ B.T\n", "grad: B @ A\n", 1))
    wrong = _python_m("verify", "--family", "trace", "--trials", "3", "--seed", "2", env={"MATREF_CATALOG": str(cat)})
    assert wrong.returncode == 1 and "trace.grad_axb: FAILED" in wrong.stdout
    trace.write_text(text.replace("grad: A.T @ B.T\n", "grad: A.T @ B.T\n    colour: red\n", 1))
    broken = _python_m("list", env={"MATREF_CATALOG": str(cat)})
    assert broken.returncode == 2 and "Traceback" not in broken.stderr
    assert "trace.yaml:" in broken.stderr and "trace.grad_axb" in broken.stderr and "colour" in broken.stderr


def test_a_long_verify_shows_progress_on_a_terminal_and_a_summary_per_family(capsys):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    progress = cli._Progress(3, err)
    progress.start("trace.grad_axb")
    progress.done(type("R", (), {"ok": False, "verdict": "fails"})())
    progress.start("block.trace")
    progress.close()
    assert "[1/3] trace.grad_axb" in err.getvalue() and "[2/3] block.trace · 1 failed so far" in err.getvalue()
    quiet = io.StringIO()  # not a terminal: no status line (stdout's lines are the progress)
    cli._Progress(3, quiet).start("x.y")
    assert quiet.getvalue() == ""
    assert cli.main(["verify", "block.trace", "vec.duplication_vech", "--seed", "1", "--trials", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("block.trace: ok") and "  block: 1 hold, 0 failed, 0 undecided" in out
    assert out[-1].startswith("verified 2 identities")
