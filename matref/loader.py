"""Strict YAML loading with line numbers (in the spirit of torchgen's LineLoader).

Mappings come back as :class:`LocatedDict`, which remembers the line of the mapping and of each
key; a duplicate key is an error instead of silently keeping the last value.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import yaml

from matref.errors import CatalogError, ExprError, MatrefError


class LocatedDict(dict):
    """A dict from YAML with ``line`` (of the mapping) and ``key_lines`` (of each key)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    filename = "<yaml>"


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> LocatedDict:
    loader.flatten_mapping(node)
    out = LocatedDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, (str, int, float, bool)) or key is None:
            raise CatalogError(f"a key must be a plain string, not {key!r}", f"{loader.filename}:{line}")
        if key in out:
            ident = next((v.value for k, v in node.value
                          if isinstance(k, yaml.ScalarNode) and k.value == "id" and isinstance(v, yaml.ScalarNode)), None)
            raise CatalogError(
                f"duplicate key {key!r} (first at line {out.key_lines[key]})", f"{loader.filename}:{line}", ident
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path | str, text: str | None = None):
    """Load one YAML document from ``path`` (or from ``text``, naming it ``path``)."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CatalogError(f"cannot read: {e}", str(path)) from None
    loader = _Loader(text)
    loader.filename = display_path(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        # An unclosed quote or bracket is found at the end of the file; its context_mark is
        # where it opened, which is where the fix belongs.
        mark = e.problem_mark
        at_end = any(w in (e.problem or "") for w in ("end of stream", "<stream end>"))
        if e.context_mark is not None and (mark is None or at_end):
            mark = e.context_mark
        line = mark.line + 1 if mark else 0
        problem = " ".join(filter(None, [e.context, e.problem]))
        raise CatalogError(f"YAML syntax: {problem}", f"{loader.filename}:{line}") from None
    except yaml.YAMLError as e:
        raise CatalogError(f"YAML: {e}", loader.filename) from None
    finally:
        loader.dispose()


def display_path(path: Path) -> str:
    """``path`` relative to the repository or package root when possible, for messages."""
    path = Path(path)
    try:
        root = Path(__file__).resolve().parent.parent
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


@contextmanager
def context(location: str, identity: str | None = None):
    """Re-raise any matref error inside the block as a CatalogError at ``location``."""
    try:
        yield
    except CatalogError:
        raise
    except ExprError as e:
        raise CatalogError(str(e), location, identity) from None
    except MatrefError as e:
        raise CatalogError(str(e), location, identity) from None
