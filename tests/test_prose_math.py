"""ASCII math in titles, notes and introductions is typeset as Unicode in the handbook."""

from __future__ import annotations

import pytest

import matref
import matref_pages as book
from matref.data.prose_math import leftover, unicode_math

CAT = matref.catalog()


@pytest.mark.parametrize("text, expected", [
    ("Gradient of a^T X^-1 b", "Gradient of aᵀ X⁻¹ b"),
    ("X^{-T} and X^-T", "X⁻ᵀ and X⁻ᵀ"),
    ("tr(X^2 B)", "tr(X² B)"),
    ("d(XA)_ij / dX_mn = delta_im A_nj", "d(XA)ᵢⱼ / dXₘₙ = δᵢₘ Aₙⱼ"),
    ("A^T kron I_m", "Aᵀ ⊗ Iₘ"),
    ("X^(1/2)", "X¹ᐟ²"),
    ("the sum over r of X^r dX X^(n-1-r)", "the sum over r of Xʳ dX Xⁿ⁻¹⁻ʳ"),
    ("see linear.jac_atx_row", "see linear.jac_atx_row"),  # identity ids are not math
    ("written `B ** 0` in matref", "written `B ** 0` in matref"),
    ("x^Tq^2", "x^Tq²"),  # no exact form: left for leftover() to report
])
def test_unicode_math(text, expected):
    assert unicode_math(text) == expected


def _prose():
    for ident in CAT:
        yield ident.id, "title", ident.title
        notes = [ident.notes] if isinstance(ident.notes, str) else list(ident.notes or ())
        for note in notes:
            yield ident.id, "note", note
    for family in CAT.families:
        yield family.name, "title", family.title
        if family.intro:
            yield family.name, "intro", family.intro


@pytest.mark.parametrize("where, what, text", list(_prose()), ids=[f"{w}:{k}:{i}" for i, (w, k, _) in enumerate(_prose())])
def test_no_ascii_math_is_left_in_the_handbooks_prose(where, what, text):
    assert leftover(unicode_math(text)) == [], unicode_math(text)


def test_leftover_finds_ascii_math():
    assert leftover("x^T a and X_{ij} and \\frac") == ["^T", "X_{", "\\frac"]


def test_family_pages_show_typeset_titles():
    page = book.family_page(CAT.family("linear"), CAT)
    assert "## Gradient of xᵀ a" in page and "x^T" not in page.split("```")[0]
