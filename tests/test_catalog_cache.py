"""The catalog's disk cache: used only when nothing it was built from changed, never stale."""

from __future__ import annotations

import shutil

import pytest

from matref.data import catalog as C
from matref.errors import CatalogError


@pytest.fixture
def setup(tmp_path, monkeypatch):
    cat = tmp_path / "cat"
    cat.mkdir()
    for name in ("trace.yaml", "inverse.yaml"):
        shutil.copy(C.DEFAULT_DIR / name, cat / name)
    monkeypatch.setenv("MATREF_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MATREF_CACHE", raising=False)
    return cat, tmp_path / "cache"


def test_cached_catalog_equals_the_built_one(setup):
    cat, cache = setup
    built = C._load_cached(cat)
    assert len(list(cache.glob("catalog-*.pickle"))) == 1
    again = C._load_cached(cat)
    assert again is not built and again.ids == built.ids
    for a, b in zip(again, built):
        assert a.latex == b.latex and a.location == b.location
    ident = again.get("trace.grad_axb")
    assert ident.verify(trials=3, seed=0).verdict == "holds"  # typed trees survive the round trip


def test_a_changed_file_is_never_served_from_the_cache(setup):
    cat, cache = setup
    C._load_cached(cat)
    text = (cat / "trace.yaml").read_text().replace("grad: A.T @ B.T", "grad: B @ A", 1)
    (cat / "trace.yaml").write_text(text)
    changed = C._load_cached(cat)
    assert changed.get("trace.grad_axb").statement["grad"] == "B @ A"
    assert len(list(cache.glob("catalog-*.pickle"))) == 1  # the old entry is removed


def test_a_broken_file_is_reported_not_cached(setup):
    cat, cache = setup
    (cat / "trace.yaml").write_text("family: trace\ntitle: t\nidentities:\n- id: trace.x\n  kind: nope\n")
    with pytest.raises(CatalogError, match="unknown kind"):
        C._load_cached(cat)
    assert not list(cache.glob("catalog-*.pickle"))


def test_a_corrupt_cache_file_is_rebuilt(setup):
    cat, cache = setup
    C._load_cached(cat)
    (path,) = cache.glob("catalog-*.pickle")
    path.write_bytes(b"not a pickle")
    assert len(C._load_cached(cat)) > 0


def test_the_cache_can_be_switched_off(setup, monkeypatch):
    cat, cache = setup
    monkeypatch.setenv("MATREF_CACHE", "0")
    C._load_cached(cat)
    assert not cache.exists()
