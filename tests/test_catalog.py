"""Every identity of the shipped catalog, proved; ids are test ids (`pytest -k trace.grad_axb`)."""

from __future__ import annotations

import re

import pytest

import matref
from matref.data import assumptions
from matref.data.catalog import cited_equations, cookbook_coverage

CATALOG = matref.catalog()
IDS = CATALOG.ids
REQUIRED_FAMILIES = ["linear", "quadratic", "trace", "determinant", "inverse", "vec"]

def test_catalog_size_and_families():
    assert len(CATALOG) >= 70
    names = [f.name for f in CATALOG.families]
    for fam in REQUIRED_FAMILIES:
        assert fam in names
        assert len(CATALOG.family(fam)) >= 5


def test_ids_unique_and_prefixed_by_family():
    assert len(set(IDS)) == len(IDS)
    for ident in CATALOG:
        assert ident.id.startswith(ident.family + ".")


def test_cookbook_numbers_covered():
    """Every Matrix Cookbook equation in the covered ranges is cited, or listed with its reason."""
    ranges, gaps = cookbook_coverage()
    cited = cited_equations(CATALOG)
    missing = [n for lo, hi in ranges for n in range(lo, hi + 1) if n not in cited and n not in gaps]
    assert not missing, f"cookbook equations neither cited nor listed in matref/coverage.yaml: {missing}"
    both = sorted(set(cited) & set(gaps))
    assert not both, f"listed as not expressible but cited by an identity: {both}"


@pytest.mark.parametrize("ident_id", IDS)
def test_identity_holds(ident_id, seed):
    report = matref.get(ident_id).verify(trials=5, seed=seed)
    assert report.ok, str(report)
    # True identities must be proved with room to spare: 1000x below the tolerance, unless the
    # remaining error is itself rounding (within ten times its bound).
    proved = report.corrected if report.status == "erratum" else report
    worst = proved.worst
    assert proved.margin >= 1000 or worst.error <= 10 * worst.noise, \
        f"{report.summary()}: margin only {proved.margin:.0f}"
    if report.status == "erratum":
        # The printed form must fail clearly, not by a hair.
        worst = max(report.trials, key=lambda t: t.ratio)
        assert worst.ratio > 1000, f"{report.summary()}: the printed form fails only by {worst.ratio:.0f}x"


@pytest.mark.parametrize("ident_id", IDS)
def test_identity_metadata(ident_id):
    ident = matref.get(ident_id)
    assert ident.title and ident.sources
    assert re.match(r"matref/identities/\w+\.yaml:\d+$", ident.location)
    path, line = ident.location.rsplit(":", 1)
    text = (matref.data.catalog.DEFAULT_DIR.parent.parent / path).read_text().splitlines()
    assert ident.id in text[int(line) - 1], "location must point at the identity's own entry"
    tex = ident.latex
    assert tex.count("{") == tex.count("}") and tex.count("\\left") == tex.count("\\right")
    assert "=" in tex


def proved_form(ident):
    """The statement that must hold: the identity, or an erratum's corrected form."""
    return ident.corrected if ident.status == "erratum" else ident


def _definitional(ident, name, prop) -> bool:
    """Free-entry partials exist only on symmetric matrices: that symmetry defines the object."""
    return ident.kind == "symmetric_partials" and name == ident.wrt and prop in ("symmetric", "spd")


def _needed_assumptions():
    for ident in map(proved_form, CATALOG):
        for name, props in ident.assumptions.items():
            for p in props:
                if p in assumptions.STRUCTURAL and not _definitional(ident, name, p):
                    yield pytest.param(ident.id, name, p, id=f"{ident.id}-{name}-{p}")


@pytest.mark.parametrize("ident_id,name,prop", list(_needed_assumptions()))
def test_dropping_an_assumption_breaks_the_identity(ident_id, name, prop, seed):
    """Every stated hypothesis is needed: without it the identity fails, or is no longer defined
    everywhere (the proof has to skip more draws outside the domain), or cannot even be stated
    (eigval of a matrix not known to be symmetric)."""
    from matref.errors import CatalogError

    ident = proved_form(matref.get(ident_id))
    weaker = assumptions.weaken(ident.assumptions[name], prop)
    try:
        variant = ident.with_assumptions(name, sorted(weaker), infer_domain=False)
    except CatalogError as e:
        assert "symmetric" in e.message, e.message  # the statement itself needs the hypothesis
        return
    report = variant.verify(trials=5, seed=seed)
    if report.ok:
        skipped = sum(t.skipped for t in report.trials)
        before = sum(t.skipped for t in ident.verify(trials=5, seed=seed).trials)
        assert skipped > before, (
            f"{ident_id}: the check still passes without '{prop}' on {name}, on as much of the domain; "
            f"the assumption is not needed (move it to 'sample') or the check is blind")


def test_errata_are_data():
    errata = [i for i in CATALOG if i.status == "erratum"]
    for ident in errata:
        assert ident.corrected is not None and ident.corrected.status == "proved"
        assert ident.corrected.statement != ident.statement or ident.corrected.assumptions != ident.assumptions


def test_some_identities_have_structural_assumptions():
    assert len(list(_needed_assumptions())) >= 10


@pytest.mark.parametrize("ident_id", IDS)
def test_every_inverse_and_divisor_is_justified_by_a_stated_hypothesis(ident_id):
    """No entry may claim "no conditions" while inverting something that can be singular: every
    inv/logdet argument and every scalar divisor is invertible or nonzero by an assumption or a
    condition (a printed erratum is quoted as printed; its corrected form must be justified)."""
    from matref.data.conditions import unjustified

    ident = proved_form(matref.get(ident_id))
    assert not unjustified(ident), f"{ident_id}: state as assumptions or conditions: {unjustified(ident)}"


def test_the_justification_test_has_teeth():
    from matref.data.conditions import unjustified

    ident = matref.get("inverse.woodbury")
    bare = ident.__class__(__import__("dataclasses").replace(ident.spec, conditions=()))
    assert any("A + C @ B @ C.T must be invertible" in u for u in unjustified(bare))
    sm = matref.get("inverse.sherman_morrison")
    bare = sm.__class__(__import__("dataclasses").replace(sm.spec, conditions=()))
    assert any("must be nonzero" in u for u in unjustified(bare))


def test_one_identity_one_entry():
    """No two entries make the same claim up to renaming of symbols (merged ones leave an alias)."""
    from matref.data.duplicates import find_duplicates

    assert find_duplicates(CATALOG) == []


def test_merged_ids_still_resolve():
    for old, new in [("eigen.grad_sum_of_eigenvalues", "trace.grad_x"), ("trace.cyclic_cab", "trace.cyclic_bca"),
                     ("determinant.product_of_eigenvalues", "eigen.product_equals_det"),
                     ("errata.mc2012_rank1_inner_product_update", "inverse.rank1_inner_product_update"),
                     ("errata.mc2012_125_general_c", "trace.grad_inv_xtcx_a_general")]:
        assert matref.get(old).id == new and old not in IDS


def test_the_duplicate_finder_has_teeth():
    import dataclasses

    from matref.data.duplicates import same_claim
    from matref.data.identity import Identity

    a = matref.get("trace.grad_axinvb")
    renamed = Identity(dataclasses.replace(a.spec, id="trace.copy", statement=(
        ("f", "tr(P @ inv(Y) @ Q)"), ("grad", "-(inv(Y) @ Q @ P @ inv(Y)).T")), wrt="Y", symbols=(
        dataclasses.replace(a.spec.symbols[0], name="Y"), dataclasses.replace(a.spec.symbols[1], name="P"),
        dataclasses.replace(a.spec.symbols[2], name="Q"))))
    assert same_claim(a, renamed)
    swapped = matref.get("trace.cyclic_bca")
    other = Identity(dataclasses.replace(swapped.spec, statement=(("lhs", "tr(C @ A @ B)"), ("rhs", "tr(A @ B @ C)"))))
    assert same_claim(swapped, other)
    # a special case (W symmetric) is a different claim from the general form
    assert not same_claim(matref.get("quadratic.grad_weighted_residual_s"),
                          matref.get("quadratic.grad_weighted_residual_s_general"))
