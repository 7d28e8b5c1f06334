"""Identity objects: attributes, LaTeX in both layouts, variants."""

from __future__ import annotations

import matref


def test_attributes():
    ident = matref.get("trace.grad_axb")
    assert ident.family == "trace" and ident.kind == "gradient" and ident.wrt == "X"
    assert ident.statement == {"f": "tr(A @ X @ B)", "grad": "A.T @ B.T"}
    assert ident.roles == ("f", "grad")
    assert "mc2012:101" in ident.sources
    assert ident.location.startswith("matref/identities/trace.yaml:")
    assert ident.names == ["A", "X", "B"]


def test_latex_and_layouts():
    ident = matref.get("trace.grad_axb")
    assert ident.latex == (r"\frac{\partial}{\partial X} \operatorname{tr}\left(A X B\right) = A^{\top} B^{\top}")
    assert ident.layouts == {"gradient": r"A^{\top} B^{\top}", "numerator": "B A"}
    jac = matref.get("vec.jac_axb") if "vec.jac_axb" in matref.catalog() else None
    jacobians = [i for i in matref.catalog() if i.kind == "jacobian"]
    assert jacobians
    for j in jacobians:
        assert set(j.layouts) == {"numerator", "denominator"}
        assert r"\partial" in j.latex
    diff = matref.get("inverse.diff_inv")
    assert diff.latex.startswith(r"\mathrm{d}\,") and r"\mathrm{d}X" in diff.latex
    assert diff.layouts == {}
    del jac


def test_numerator_layout_is_the_transpose_numerically():
    import numpy as np

    from matref.expr.to_numpy import numpy_function

    from matref.engine.verify import draw_in_domain

    checked = 0
    for ident in [i for i in matref.catalog() if i.kind in ("gradient", "jacobian")]:
        other = numpy_function(ident.transposed_typed(), accept=ident.names)
        values, _, _ = draw_in_domain(ident, np.random.default_rng(1))
        stated = ident.numpy[ident.roles[1]](**values)
        flipped = other(**values)
        assert np.allclose(np.atleast_2d(stated).T, np.atleast_2d(flipped)), ident.id
        checked += 1
    assert checked >= 50


def test_variants_keep_id_and_change_claim(seed):
    ident = matref.get("quadratic.grad_xtbx_symmetric")
    wrong = ident.with_statement("grad", "B @ x")
    assert wrong.id == ident.id and wrong.statement["grad"] == "B @ x"
    assert not wrong.verify(trials=3, seed=seed).ok
    general = ident.with_assumptions("B", [])
    assert general.assumptions == {}
    assert not general.verify(trials=3, seed=seed).ok


def test_an_identity_displays_itself_in_a_notebook():
    ident = matref.get("trace.grad_axb")
    md = ident._repr_markdown_()
    assert md.startswith("**Gradient of") and f"$$\n{ident.latex}\n$$" in md
    assert "numerator layout: $B A$" in md and "`grad = A.T @ B.T`" in md
    assert "[Matrix Cookbook (2012), eq. (101)](https://" in md
    assert "- proof: proved by matref on every build; re-run: `matref verify trace.grad_axb`" in md
    assert ident._repr_latex_() == f"$${ident.latex}$$"
    d = ident.to_dict()
    assert d["id"] == ident.id and d["layouts"] == ident.layouts and d["statement"] == ident.statement
    erratum = matref.get("errata.mc2012_92")
    assert "erratum" in erratum._repr_markdown_() and "Corrected:" in erratum._repr_markdown_()
    assert "- proof: refuted as printed and proved as corrected" in erratum._repr_markdown_()


def test_show_prints_latex_or_json(capsys):
    from matref.faces import cli

    assert cli.main(["show", "trace.grad_axb", "--format", "latex"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [matref.get("trace.grad_axb").latex, "% numerator layout: B A"]
    assert cli.main(["show", "powers.diff_mpow", "--format", "json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out)["params"] == {"n": [1, 2, 3, 4, 5, 6]}
