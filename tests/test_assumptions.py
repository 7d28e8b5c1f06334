"""Unit tests for matref.data.assumptions: vocabulary, implications and weakening."""

from __future__ import annotations

import pytest

from matref.data.assumptions import STRUCTURAL, VOCABULARY, closure, is_square, unknown, weaken


def test_vocabulary_has_the_documented_words():
    for word in ("square", "symmetric", "spd", "invertible", "orthogonal", "diagonal", "positive"):
        assert word in VOCABULARY
        assert VOCABULARY[word]


def test_unknown():
    assert unknown(["spd", "symetric", "square", "PSD"]) == ["symetric", "PSD"]
    assert unknown([]) == []
    assert unknown(list(VOCABULARY)) == []


@pytest.mark.parametrize("names, implied", [
    (["spd"], {"spd", "symmetric", "invertible", "square"}),
    (["orthogonal"], {"orthogonal", "invertible", "square"}),
    (["invertible"], {"invertible", "square"}),
    (["symmetric"], {"symmetric", "square"}),
    (["diagonal"], {"diagonal", "square"}),
    (["positive"], {"positive"}),
    (["square"], {"square"}),
    ([], set()),
    (["diagonal", "positive"], {"diagonal", "positive", "square"}),
], ids=lambda v: "+".join(v) if isinstance(v, list) else None)
def test_closure_contains_the_implications(names, implied):
    result = closure(names)
    assert implied <= result
    assert set(names) <= result
    # nothing unrelated sneaks in
    assert "positive" not in result or "positive" in names
    assert "orthogonal" not in result or "orthogonal" in names
    assert "diagonal" not in result or "diagonal" in names


def test_closure_does_not_go_backwards():
    assert "spd" not in closure(["symmetric", "invertible"])
    assert "invertible" not in closure(["symmetric"])
    assert "symmetric" not in closure(["invertible"])
    assert "orthogonal" not in closure(["invertible"])


def test_closure_is_idempotent_and_a_frozenset():
    for word in VOCABULARY:
        c = closure([word])
        assert isinstance(c, frozenset)
        assert closure(c) == c


def test_closure_accepts_any_iterable():
    assert closure(("spd",)) == closure(["spd"]) == closure({"spd"}) == closure(iter(["spd"]))


@pytest.mark.parametrize("names, drop, expected", [
    (["spd"], "spd", {"invertible", "square"}),
    (["orthogonal"], "orthogonal", {"invertible", "square"}),
    (["symmetric"], "symmetric", {"square"}),
    (["diagonal"], "diagonal", {"square"}),
    (["positive"], "positive", set()),
    (["symmetric", "invertible"], "symmetric", {"invertible", "square"}),
    (["diagonal", "positive"], "positive", {"diagonal", "square"}),
    (["spd", "diagonal"], "diagonal", closure(["spd"])),
], ids=lambda v: "+".join(v) if isinstance(v, list) else v)
def test_weaken(names, drop, expected):
    result = weaken(names, drop)
    assert drop not in result
    assert result == expected


def test_weaken_keeps_the_expression_defined():
    # dropping a structure that implies invertibility must keep invertibility
    for word in ("spd", "orthogonal"):
        assert "invertible" in weaken([word], word)
    # ... and one that implies squareness keeps squareness
    for word in ("symmetric", "diagonal"):
        assert "square" in weaken([word], word)


def test_weaken_of_an_absent_word_is_the_closure():
    assert weaken(["spd"], "positive") == closure(["spd"])


def test_structural_words():
    assert set(STRUCTURAL) >= {"spd", "symmetric", "orthogonal", "diagonal", "positive"}
    assert "square" not in STRUCTURAL and "invertible" not in STRUCTURAL
    assert set(STRUCTURAL) <= set(VOCABULARY)


def test_is_square():
    assert is_square(["spd"]) and is_square(["orthogonal"]) and is_square(["square"])
    assert is_square(["diagonal"]) and is_square(["invertible"])
    assert not is_square(["positive"]) and not is_square([])


def test_every_implied_word_is_in_the_vocabulary():
    for word in VOCABULARY:
        assert not unknown(closure([word]))
        assert not unknown(weaken([word], word))


def test_assumptions_docstring_examples():
    import doctest

    from matref.data import assumptions

    assert doctest.testmod(assumptions).failed == 0
