"""Unit tests for matref.data.loader (strict YAML with line numbers) and catalog-level loading errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import line_of

from matref.data.catalog import DEFAULT_DIR, load_catalog
from matref.errors import CatalogError, ExprError, MatrefError, ShapeError
from matref.data.loader import LocatedDict, context, display_path, load_yaml

IDENTITY = """\
  - id: {family}.grad_axb
    title: Trace of a product
    kind: gradient
    f: tr(A @ X @ B)
    wrt: X
    grad: A.T @ B.T
    sources: [mc2012:101]
"""


def family_text(family: str, *identities: str) -> str:
    return f"family: {family}\ntitle: {family.title()}\nidentities:\n" + "".join(identities)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path



def catalog_error(directory: Path) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        load_catalog(directory)
    return info.value


# -- load_yaml and LocatedDict --------------------------------------------------------------------
def test_located_dict_records_lines(tmp_path):
    text = "a: 1\nb:\n  c: 2\n  d:\n    - e: 3\n      f: 4\n"
    data = load_yaml(tmp_path / "x.yaml", text)
    assert isinstance(data, LocatedDict) and data.line == 1
    assert data.key_lines == {"a": 1, "b": 2}
    assert data["b"].line == 3 and data["b"].key_lines == {"c": 3, "d": 4}
    item = data["b"]["d"][0]
    assert isinstance(item, LocatedDict)
    assert item.line == 5 and item.line_of("e") == 5 and item.line_of("f") == 6
    assert item.line_of("missing") == 5  # falls back to the mapping's line


def test_flow_mappings_are_located_too(tmp_path):
    data = load_yaml(tmp_path / "x.yaml", "\n\nsymbols:\n  A: {assume: [spd], shape: n x n}\n")
    assert data.line_of("symbols") == 3
    assert data["symbols"].line_of("A") == 4
    assert data["symbols"]["A"] == {"assume": ["spd"], "shape": "n x n"}
    assert data["symbols"]["A"].line == 4


def test_load_yaml_reads_the_file(tmp_path):
    path = write(tmp_path, "x", "k: v\n")
    assert load_yaml(path) == {"k": "v"}
    assert load_yaml(str(path)) == {"k": "v"}


@pytest.mark.parametrize("text, dup_line, first_line", [
    ("a: 1\nb: 2\na: 3\n", 3, 1),
    ("top:\n  x: 1\n  y: 2\n  x: 3\n", 4, 2),
    ("s: {A: 1, A: 2}\n", 1, 1),
], ids=["top level", "nested", "flow"])
def test_duplicate_keys_are_errors(tmp_path, text, dup_line, first_line):
    with pytest.raises(CatalogError) as info:
        load_yaml(tmp_path / "dup.yaml", text)
    err = info.value
    assert err.location == f"{tmp_path / 'dup.yaml'}:{dup_line}"
    assert f"(first at line {first_line})" in err.message
    assert "duplicate key" in err.message


@pytest.mark.parametrize("text, line", [
    ("? [a, b]\n: 1\n", 1),
    ("ok: 1\nnull: 2\n", 2),
], ids=["sequence key", "null key"])
def test_non_scalar_keys_are_errors(tmp_path, text, line):
    with pytest.raises(CatalogError, match="a key must be a plain string") as info:
        load_yaml(tmp_path / "k.yaml", text)
    assert info.value.location.endswith(f"k.yaml:{line}")


@pytest.mark.parametrize("text, line", [
    ("a: [1, 2\nb: 3\n", 1),  # an unclosed bracket is reported where it opens
    ("a: 1\n b: 2\n", 2),
    ("a:\n  - x\n  y: 1\n", 3),
], ids=["unclosed flow", "bad indent", "mixed list and map"])
def test_yaml_syntax_errors_have_a_line(tmp_path, text, line):
    with pytest.raises(CatalogError) as info:
        load_yaml(tmp_path / "bad.yaml", text)
    assert info.value.location == f"{tmp_path / 'bad.yaml'}:{line}"
    assert info.value.message.startswith("YAML syntax:")


def test_unreadable_files(tmp_path):
    with pytest.raises(CatalogError, match="not a regular file") as info:
        load_yaml(tmp_path / "missing.yaml")
    assert "missing.yaml" in str(info.value)
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("- id: demo.x\n  title: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8: byte 0xe9") as info:
        load_yaml(bad)
    assert info.value.location.endswith("latin1.yaml:2") and info.value.identity == "demo.x"


def test_safe_loader_refuses_python_tags(tmp_path):
    with pytest.raises(CatalogError):
        load_yaml(tmp_path / "x.yaml", "a: !!python/object/apply:os.system ['echo hi']\n")


def test_display_path():
    inside = DEFAULT_DIR / "trace.yaml"
    assert display_path(inside) == str(Path("matref") / "identities" / "trace.yaml")
    outside = Path("/nonexistent-root/x.yaml")
    assert display_path(outside) == str(outside)


def test_context_turns_matref_errors_into_catalog_errors():
    with pytest.raises(CatalogError) as info:
        with context("f.yaml:3", "fam.ident"):
            raise ShapeError("bad shapes", "A @ x", (0, 5))
    assert str(info.value).startswith("f.yaml:3: fam.ident: column 1: bad shapes")
    with pytest.raises(CatalogError, match="^f.yaml:4: oops$"):
        with context("f.yaml:4"):
            raise MatrefError("oops")
    original = CatalogError("kept", "g.yaml:1")
    with pytest.raises(CatalogError) as info:
        with context("f.yaml:5", "x.y"):
            raise original
    assert info.value is original
    with pytest.raises(KeyError):
        with context("f.yaml:6"):
            raise KeyError("not a matref error")
    with context("f.yaml:7"):
        pass


def test_expr_error_is_a_matref_error():
    assert issubclass(ExprError, MatrefError) and issubclass(ShapeError, ExprError)
    assert issubclass(CatalogError, MatrefError)


# -- whole catalogs -------------------------------------------------------------------------------
def test_valid_tiny_catalog_loads_with_locations(tmp_path):
    second = IDENTITY.replace("grad_axb", "product_commutes").replace("kind: gradient", "kind: equality")
    second = second.replace("f: tr(A @ X @ B)", "lhs: tr(A @ B)").replace("    wrt: X\n", "")
    second = second.replace("grad: A.T @ B.T", "rhs: tr(B @ A)").replace("mc2012:101", "mc2012:14")
    text = family_text("trace", IDENTITY.format(family="trace"), second.format(family="trace"))
    path = write(tmp_path, "trace", text)
    cat = load_catalog(tmp_path)
    assert cat.ids == ["trace.grad_axb", "trace.product_commutes"]
    first, other = cat.identities
    assert first.location == f"{path}:{line_of(text, '- id: trace.grad_axb')}" == f"{path}:4"
    assert other.location == f"{path}:{line_of(text, '- id: trace.product_commutes')}" == f"{path}:11"
    assert str(first.spec.line_of("grad")) == f"{path}:9"
    assert str(other.spec.line_of("rhs")) == f"{path}:15"
    assert str(first.spec.line_of("notes")) == f"{path}:4"  # absent key: the identity's line
    fam = cat.family("trace")
    assert fam.location == f"{path}:1" and len(fam) == 2 and fam.title == "Trace"
    assert first.statement == {"f": "tr(A @ X @ B)", "grad": "A.T @ B.T"}


def test_families_are_ordered_and_ids_unique(tmp_path):
    write(tmp_path, "trace", family_text("trace", IDENTITY.format(family="trace")))
    write(tmp_path, "linear", family_text("linear", IDENTITY.format(family="linear")))
    write(tmp_path, "zeta", family_text("zeta", IDENTITY.format(family="zeta")))
    cat = load_catalog(tmp_path)
    assert [f.name for f in cat.families] == ["linear", "trace", "zeta"]
    assert "trace.grad_axb" in cat and cat.get("zeta.grad_axb").family == "zeta"
    with pytest.raises(MatrefError, match="did you mean"):
        cat.get("trace.grad_axc")


def test_empty_directory(tmp_path):
    err = catalog_error(tmp_path)
    assert "no *.yaml catalog files" in str(err)


@pytest.mark.parametrize("old, new, marker, words", [
    ("f: tr(A @ X @ B)", "f: tr(A @ X @ B): x", "f: tr", "mapping values are not allowed"),
    ("    kind: gradient", "   kind: gradient", "kind:", "expected"),  # <block end> (PyYAML) or '-' (libyaml)
    ("f: tr(A @ X @ B)", "f: [tr(A @ X @ B)", "f: [tr", "expected ',' or ']'"),
], ids=["colon in value", "bad indent", "unclosed bracket"])
def test_yaml_syntax_error_in_a_catalog(tmp_path, old, new, marker, words):
    text = family_text("demo", IDENTITY.format(family="demo").replace(old, new))
    path = write(tmp_path, "demo", text)
    err = catalog_error(tmp_path)
    assert str(err).startswith(f"{path}:{line_of(text, marker)}: demo.grad_axb: YAML syntax:")
    assert words in str(err)


@pytest.mark.parametrize("old, new, marker", [
    ("title: Trace of a product", 'title: "Trace of a product', "title: \"Trace"),
    ("sources: [mc2012:101]", "sources: [mc2012:101", "sources:"),
], ids=["quote", "bracket"])
def test_unterminated_construct_is_reported_where_it_opens(tmp_path, old, new, marker):
    text = family_text("demo", IDENTITY.format(family="demo").replace(old, new))
    path = write(tmp_path, "demo", text)
    err = catalog_error(tmp_path)
    assert str(err).startswith(f"{path}:{line_of(text, marker)}: demo.grad_axb: YAML syntax:")


def test_duplicate_key_in_a_catalog(tmp_path):
    text = family_text("demo", IDENTITY.format(family="demo") + "    wrt: A\n")
    path = write(tmp_path, "demo", text)
    err = catalog_error(tmp_path)
    assert str(err).startswith(f"{path}:{line_of(text, 'wrt:', 2)}: ")
    assert f"duplicate key 'wrt' (first at line {line_of(text, 'wrt:')})" in str(err)


def test_duplicate_key_error_names_the_identity(tmp_path):
    write(tmp_path, "demo", family_text("demo", IDENTITY.format(family="demo") + "    wrt: A\n"))
    assert "demo.grad_axb" in str(catalog_error(tmp_path))


def test_duplicate_id_names_the_first_location(tmp_path):
    one = IDENTITY.format(family="demo")
    text = family_text("demo", one, one.replace("tr(A @ X @ B)", "tr(X @ B @ A)").replace("A.T @ B.T", "B.T @ A.T"))
    path = write(tmp_path, "demo", text)
    err = catalog_error(tmp_path)
    first, second = line_of(text, "- id: demo.grad_axb"), line_of(text, "- id: demo.grad_axb", 2)
    assert (first, second) == (4, 11)
    assert str(err) == f"{path}:{second}: demo.grad_axb: duplicate id (first defined at {path}:{first})"


def test_the_same_id_cannot_come_from_two_files(tmp_path):
    # ids are prefixed with the family, which must equal the file name: a second file cannot
    # reuse an id, it fails on the prefix instead
    write(tmp_path, "linear", family_text("linear", IDENTITY.format(family="linear")))
    text = family_text("trace", IDENTITY.format(family="linear"))
    path = write(tmp_path, "trace", text)
    err = catalog_error(tmp_path)
    assert str(err) == f"{path}:4: linear.grad_axb: id must start with the family name 'trace.'"


def test_family_must_equal_file_name(tmp_path):
    text = "title: Demo\nfamily: demo\nidentities:\n" + IDENTITY.format(family="demo")
    path = write(tmp_path, "other", text)
    err = catalog_error(tmp_path)
    assert str(err) == f"{path}:2: family 'demo' must equal the file name 'other'"


@pytest.mark.parametrize("text, line, words", [
    ("family: demo\ntitle: Demo\nidentities: []\n", 3, "'identities' must be a non-empty list"),
    ("family: demo\ntitle: Demo\n", 1, "'identities' must be a non-empty list"),
    ("family: demo\ntitle: Demo\nintroduction: x\nidentities:\n" + IDENTITY.format(family="demo"), 3,
     "unknown family key 'introduction'"),
    ("family: demo\nidentities:\n" + IDENTITY.format(family="demo"), 1, "missing required key 'title'"),
    ("- just\n- a list\n", None, "a catalog file must be a mapping"),
], ids=["empty identities", "no identities", "unknown family key", "no title", "not a mapping"])
def test_family_level_errors(tmp_path, text, line, words):
    path = write(tmp_path, "demo", text)
    err = catalog_error(tmp_path)
    assert words in err.message
    assert err.location == (f"{path}:{line}" if line else str(path))
