"""The package as a user gets it: a wheel built from a clean checkout, installed in a fresh venv
outside the repository, with nothing else. Slow (a build and two installs): run by
`make test-package`, which CI runs; skipped with that reason otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(os.environ.get("MATREF_PACKAGE_TESTS") != "1",
                                reason="builds and installs the wheel: run `make test-package`")


def _run(*cmd, cwd=None, check=True, env=None):
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=900,
                         env={**os.environ, **(env or {})})
    if check:
        assert out.returncode == 0, f"{' '.join(map(str, cmd))}\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, venv) for the committed HEAD: the wheel built from `git archive`, installed alone."""
    tmp = tmp_path_factory.mktemp("package")
    src = tmp / "src"
    src.mkdir()
    archive = tmp / "head.tar"
    _run("git", "-C", ROOT, "archive", "--format=tar", "-o", archive, "HEAD")
    with tarfile.open(archive) as t:
        t.extractall(src, filter="data")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist", src)
    (wheel,) = (tmp / "dist").glob("matref-*.whl")
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", venv)
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    return wheel, venv, tmp


def test_the_wheel_carries_its_licence_types_and_data(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.endswith("licenses/LICENSE") for n in names), names[-10:]
    assert "matref/py.typed" in names
    assert "matref/identities/trace.yaml" in names and "matref/data/coverage.yaml" in names
    # the handbook's page generator is not runtime code: it stays beside the Sphinx configuration
    assert not any("book" in n or "matref_pages" in n for n in names), [n for n in names if "book" in n]
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "License-Expression: MIT" in meta and "Requires-Dist: sympy" in meta  # only as an extra
    assert all("extra ==" in line for line in meta.splitlines() if line.startswith("Requires-Dist: sympy"))


def test_it_installs_without_sympy_and_works_outside_the_repository(installed):
    wheel, venv, tmp = installed
    py, matref_cli = venv / "bin" / "python", venv / "bin" / "matref"
    assert _run(py, "-c", "import importlib.util as u; print(u.find_spec('sympy'))", cwd=tmp).stdout.strip() == "None"
    ok = _run(matref_cli, "verify", "trace.grad_axb", "powers.grad_tr_mpow", "--seed", "1", cwd=tmp)
    assert "2 hold" in ok.stdout
    check = _run(matref_cli, "check", "--f", "tr(expm(X))", "--wrt", "X", "--grad", "expm(X).T", "--seed", "1", cwd=tmp)
    assert check.stdout.startswith("holds")
    exact = _run(matref_cli, "verify", "trace.grad_axb", "--method", "exact", cwd=tmp, check=False)
    assert exact.returncode == 2 and "pip install 'matref[exact]'" in exact.stderr and "Traceback" not in exact.stderr
    # an identity as a module that needs numpy only, run in the installed venv
    module = _run(matref_cli, "show", "determinant.grad_logdet", "--format", "numpy", cwd=tmp).stdout
    (tmp / "grad_logdet.py").write_text(module)
    ran = _run(py, "-c", "import sys; sys.modules['matref'] = None; import numpy as np, grad_logdet as g; "
               "X = np.diag([1.0, 2.0, 4.0]); print(g.f(X), np.diag(g.grad(X)).tolist())", cwd=tmp)
    assert ran.stdout.split() == ["2.0794415416798357", "[1.0,", "0.5,", "0.25]"], ran.stdout
    start = time.perf_counter()
    _run(py, "-c", "import matref; matref.get('trace.grad_axb')", cwd=tmp)
    seconds = time.perf_counter() - start
    site = Path(_run(py, "-c", "import matref, pathlib; print(pathlib.Path(matref.__file__).parent)", cwd=tmp).stdout.strip())
    size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    print(f"\nwheel {wheel.stat().st_size / 1e6:.2f} MB, installed {size / 1e6:.2f} MB, "
          f"import matref and get one identity: {seconds:.2f} s")
