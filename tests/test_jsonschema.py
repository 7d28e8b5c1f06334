"""The shipped JSON Schema is the generated one, and it agrees with the strict loader."""

from __future__ import annotations

from pathlib import Path

import matref
from matref.data import jsonschema
from matref.data.catalog import DEFAULT_DIR
from matref.data.loader import load_yaml


def test_committed_schema_is_current():
    shipped = (Path(DEFAULT_DIR) / jsonschema.SCHEMA_FILE).read_text()
    assert shipped == jsonschema.render(), "run: python -m matref schema > matref/identities/catalog.schema.json"


def _validate(instance, schema, path="$"):
    """A small validator for the subset of JSON Schema the generator uses."""
    errors = []
    if "oneOf" in schema:
        matches = [s for s in schema["oneOf"] if not _validate(instance, s, path)]
        return [] if len(matches) == 1 else [f"{path}: matches {len(matches)} of oneOf"]
    if "const" in schema and instance != schema["const"]:
        return [f"{path}: {instance!r} != {schema['const']!r}"]
    if "enum" in schema and instance not in schema["enum"]:
        return [f"{path}: {instance!r} not in enum"]
    t = schema.get("type")
    if t == "object":
        if not isinstance(instance, dict):
            return [f"{path}: not an object"]
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key}")
        for key, value in instance.items():
            if key in props:
                errors += _validate(value, props[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _validate(value, schema["additionalProperties"], f"{path}.{key}")
    elif t == "array":
        if not isinstance(instance, list):
            return [f"{path}: not an array"]
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: too few items")
        for i, item in enumerate(instance):
            errors += _validate(item, schema.get("items", {}), f"{path}[{i}]")
    elif t is not None:
        kinds = {"string": str, "number": (int, float), "integer": int, "null": type(None), "boolean": bool,
                 "object": dict, "array": list}
        names = [t] if isinstance(t, str) else t
        allowed = tuple(k for name in names for k in
                        (kinds[name] if isinstance(kinds[name], tuple) else (kinds[name],)))
        if not isinstance(instance, allowed) or (isinstance(instance, bool) and "boolean" not in names):
            errors.append(f"{path}: not {t}")
    return errors


def test_every_catalog_file_validates():
    schema = jsonschema.catalog_schema()
    files = sorted(Path(DEFAULT_DIR).glob("*.yaml"))
    assert files
    for f in files:
        assert _validate(load_yaml(f), schema) == [], f.name


def test_schema_rejects_what_the_loader_rejects():
    schema = jsonschema.catalog_schema()
    good = {"family": "t", "title": "T", "identities": [
        {"id": "t.a", "title": "a", "kind": "gradient", "f": "tr(X)", "wrt": "X", "grad": "I", "sources": ["x"]}]}
    assert _validate(good, schema) == []
    bad_key = {**good, "identities": [{**good["identities"][0], "colour": "red"}]}
    assert _validate(bad_key, schema)
    wrong_role = {**good, "identities": [{**good["identities"][0], "rhs": "I"}]}
    assert _validate(wrong_role, schema)
    assert len(matref.catalog()) > 0
