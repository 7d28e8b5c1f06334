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


MAX_BYTES = 1_000_000
"""Largest catalog file (the largest family is about 60 kB)."""
MAX_DEPTH = 40
"""Deepest nesting of YAML collections (the format needs 5)."""


class _Loader(yaml.SafeLoader):
    """SafeLoader without aliases (``*name``: a few lines can expand to gigabytes), with bounded
    nesting, and finite numbers only."""

    filename = "<yaml>"
    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise CatalogError("YAML aliases (*name) are not allowed in the catalog: write the value out",
                               f"{self.filename}:{mark.line + 1}")
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise CatalogError(f"YAML nested more than {MAX_DEPTH} levels deep", f"{self.filename}:{mark.line + 1}")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


try:  # libyaml scans and parses about seven times faster; composing stays in Python (checks above)
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _FastLoader(_CParser, _Loader):
        """_Loader with libyaml's scanner and parser; the composer (aliases refused, nesting
        bounded), constructors and resolver are _Loader's, in Python."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

        get_single_node = yaml.composer.Composer.get_single_node
        dispose = _CParser.dispose
else:  # pragma: no cover
    _FastLoader = _Loader


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    value = yaml.SafeLoader.construct_yaml_float(loader, node)
    if value != value or value in (float("inf"), float("-inf")):
        raise CatalogError(f"{node.value!r} is not a finite number", f"{loader.filename}:{node.start_mark.line + 1}")
    return value


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)


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
        text = read_text(path)
    if len(text) > MAX_BYTES:
        raise CatalogError(f"larger than {MAX_BYTES:,} characters", display_path(path))
    loader = _FastLoader(text)
    loader.filename = display_path(path)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as e:
        # An unclosed quote or bracket is found at the end of the file; its context_mark is
        # where it opened, which is where the fix belongs.
        mark = e.problem_mark
        at_end = any(w in (e.problem or "") for w in ("end of stream", "<stream end>"))
        opened = (e.context or "").startswith(("while parsing a flow", "while scanning a quoted"))
        if e.context_mark is not None and (mark is None or at_end or opened):
            mark = e.context_mark
        line = mark.line + 1 if mark else 0
        problem = " ".join(filter(None, [e.context, e.problem]))
        raise CatalogError(f"YAML syntax: {problem}", f"{loader.filename}:{line}",
                           id_above(text.splitlines()[:line])) from None
    except yaml.YAMLError as e:
        raise CatalogError(f"YAML: {e}", loader.filename) from None
    except CatalogError as e:
        if e.identity is None and ":" in e.location:
            line = int(e.location.rsplit(":", 1)[1])
            raise CatalogError(e.message, e.location, id_above(text.splitlines()[:line])) from None
        raise
    except RecursionError:
        raise CatalogError("YAML nested too deeply", loader.filename) from None
    finally:
        loader.dispose()


def id_above(lines: list[str]) -> str | None:
    """The identity whose ``id:`` is the nearest at or above the end of ``lines`` (for errors
    found before the file is parsed into identities)."""
    for ln in reversed(lines):
        stripped = ln.lstrip("- ").strip()
        if stripped.startswith("id:"):
            return stripped[3:].strip().strip("'\"") or None
    return None


def read_text(path: Path) -> str:
    """A catalog file's text: a regular file of at most MAX_BYTES bytes, UTF-8 (errors name the
    line, and the identity above it)."""
    shown = display_path(path)
    try:
        if not path.is_file():
            raise CatalogError("not a regular file", shown)
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as e:
        raise CatalogError(f"cannot read: {e.strerror or e}", shown) from None
    if len(data) > MAX_BYTES:
        raise CatalogError(f"larger than {MAX_BYTES:,} bytes", shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        before = data[: e.start].decode("utf-8", "replace").splitlines()
        raise CatalogError(f"not UTF-8: byte 0x{data[e.start]:02x} cannot be decoded", f"{shown}:{line}",
                           id_above(before)) from None


def display_path(path: Path) -> str:
    """``path`` relative to the repository or package root when possible, for messages."""
    path = Path(path)
    try:
        root = Path(__file__).resolve().parent.parent.parent
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
