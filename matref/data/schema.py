"""The catalog's data model: frozen dataclasses parsed strictly from YAML.

``from_yaml`` pops every known key and rejects what is left, so a typo in a key is an error
that names the file, the line and the identity, never a silently ignored field.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from matref.data import assumptions
from matref.errors import CatalogError
from matref.data.loader import LocatedDict
from matref.kinds import KINDS, Kind  # noqa: F401  (re-exported: the registry lives in matref.kinds)


_ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*\Z")
_MC = re.compile(r"mc2012:(\d+)([a-z]?)\Z")
_IDENTITY_KEYS = {"id", "title", "kind", "f", "wrt", "grad", "jacobian", "differential", "lhs",
                  "rhs", "hessian", "partials", "symbols", "sources", "derivation", "notes", "tags",
                  "status", "corrected", "conditions", "aliases", "error_class", "see", "params"}
ERROR_CLASSES: dict[str, str] = {
    "misprint": "a misprint: false under the source's own stated conditions",
    "missing_condition": "a missing condition: true only under a hypothesis the source does not state",
    "misreading": "a misreading: true as printed for another object, wrong as it is usually read",
}
"""The kinds of published error an erratum records."""
_SYMBOL_KEYS = {"shape", "assume", "sample", "doc", "value"}
STATUSES = ("proved", "erratum")
_ROLE_KEYS = {"f", "grad", "jacobian", "differential", "lhs", "rhs", "hessian", "partials"}
_FAMILY_KEYS = {"family", "title", "intro", "identities"}


@dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class SymbolSpec:
    name: str
    shape: str | None = None
    assume: tuple[str, ...] = ()
    sample: tuple[str, ...] = ()
    doc: str = ""
    value: float | None = None


@dataclass(frozen=True)
class IdentitySpec:
    id: str
    family: str
    title: str
    kind: str
    statement: tuple[tuple[str, str], ...]  # ((role, expression text), ...) in kind order
    wrt: str | None
    symbols: tuple[SymbolSpec, ...]
    sources: tuple[str, ...]
    location: Location
    notes: str = ""
    derivation: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    conditions: tuple[tuple[str, str], ...] = ()  # ((kind, expression), ...) on sub-expressions
    aliases: tuple[str, ...] = ()  # former ids of the same identity (merged duplicates)
    error_class: str = ""  # erratum: misprint, missing_condition or misreading
    see: tuple[str, ...] = ()  # ids of entries that prove the correct reading
    status: str = "proved"
    corrected: tuple[tuple[str, str], ...] = ()  # erratum: roles restated correctly
    corrected_symbols: tuple[SymbolSpec, ...] = ()  # erratum: symbols as the corrected form needs them
    params: tuple[tuple[str, tuple[int, ...]], ...] = ()  # integer parameters and the values proved
    lines: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)

    def line_of(self, key: str) -> Location:
        return Location(self.location.file, dict(self.lines).get(key, self.location.line))


@dataclass(frozen=True)
class FamilySpec:
    name: str
    title: str
    intro: str
    identities: tuple[IdentitySpec, ...]
    location: Location


def _unknown_keys(data: LocatedDict, allowed: set[str], where: Location, ident: str | None, what: str):
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(sorted(allowed))})"
            raise CatalogError(f"unknown {what} key {key!r}{hint}",
                               str(Location(where.file, data.line_of(key))), ident)


def _string(data: LocatedDict, key: str, loc: Location, ident, required=True, expr=False) -> str | None:
    if key not in data:
        if required:
            raise CatalogError(f"missing required key {key!r}", str(loc), ident)
        return None
    value = data[key]
    if expr and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"{key!r} must be a non-empty string, got {value!r}",
                           str(Location(loc.file, data.line_of(key))), ident)
    return value.strip()


def _string_list(data: LocatedDict, key: str, loc: Location, ident) -> tuple[str, ...]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{key!r} must be a list of non-empty strings",
                           str(Location(loc.file, data.line_of(key))), ident)
    return tuple(v.strip() for v in value)


def _symbols(data, loc: Location, ident: str) -> tuple[SymbolSpec, ...]:
    if data is None:
        return ()
    where = Location(loc.file, getattr(data, "line", loc.line))
    if not isinstance(data, dict):
        raise CatalogError("'symbols' must be a mapping from symbol name to its properties", str(where), ident)
    out = []
    for name, props in data.items():
        here = Location(loc.file, data.line_of(name))
        if not isinstance(name, str) or not re.match(r"[A-Za-z][A-Za-z0-9_]*\Z", name) or name == "I":
            raise CatalogError(f"{name!r} is not a valid symbol name", str(here), ident)
        if props is None:
            props = LocatedDict()
            props.line, props.key_lines = here.line, {}
        if not isinstance(props, dict):
            raise CatalogError(f"symbol {name}: expected a mapping such as {{assume: [symmetric]}}",
                               str(here), ident)
        _unknown_keys(props, _SYMBOL_KEYS, here, ident, f"symbol {name}")
        value = props.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise CatalogError(f"symbol {name}: 'value' must be a number, got {value!r}",
                               str(Location(loc.file, props.line_of("value"))), ident)
        spec = SymbolSpec(
            name=name,
            shape="scalar" if value is not None and "shape" not in props else (
                None if "shape" not in props else str(props["shape"])),
            assume=_string_list(props, "assume", here, ident),
            sample=_string_list(props, "sample", here, ident),
            doc=str(props.get("doc", "") or ""),
            value=None if value is None else float(value),
        )
        for key in ("assume", "sample"):
            bad = assumptions.unknown(getattr(spec, key))
            if bad:
                known = ", ".join(assumptions.VOCABULARY)
                raise CatalogError(f"symbol {name}: unknown assumption {bad[0]!r} (known: {known})",
                                   str(Location(loc.file, props.line_of(key))), ident)
        out.append(spec)
    return tuple(out)


def _conditions(data, loc: Location, ident: str) -> tuple[tuple[str, str], ...]:
    from matref.data.conditions import KINDS as CONDITION_KINDS

    if data is None:
        return ()
    if not isinstance(data, list):
        raise CatalogError("'conditions' must be a list such as [{invertible: A + B}]", str(loc), ident)
    out = []
    for item in data:
        here = Location(loc.file, getattr(item, "line", loc.line))
        if not isinstance(item, dict) or len(item) != 1:
            raise CatalogError("each condition is one mapping such as {invertible: A + B} or "
                               "{nonzero: 1 + v.T @ u}", str(here), ident)
        (kind, text), = item.items()
        if kind not in CONDITION_KINDS:
            raise CatalogError(f"unknown condition {kind!r} (known: {', '.join(CONDITION_KINDS)})", str(here), ident)
        if not isinstance(text, str) or not text.strip():
            raise CatalogError(f"condition {kind}: expected an expression, got {text!r}", str(here), ident)
        out.append((str(kind), text.strip()))
    return tuple(out)


def identity_from_yaml(data, family: str, file: str) -> IdentitySpec:
    """Parse one identity mapping; every problem is a CatalogError at ``file:line``."""
    line = getattr(data, "line", 0)
    loc = Location(file, line)
    if not isinstance(data, dict):
        raise CatalogError("each entry of 'identities' must be a mapping", str(loc))
    ident = data.get("id") if isinstance(data.get("id"), str) else None
    ident_s = _string(data, "id", loc, None)
    if not _ID.match(ident_s):
        raise CatalogError(f"id {ident_s!r} must look like '<family>.<lower_snake_name>'",
                           str(Location(file, data.line_of("id"))), ident)
    if ident_s.split(".", 1)[0] != family:
        raise CatalogError(f"id must start with the family name '{family}.'",
                           str(Location(file, data.line_of("id"))), ident)
    if "dims" in data:
        raise CatalogError("'dims' is no longer part of the format: a size bound must be a stated condition "
                           "(for example assume: [full_column_rank] for a tall matrix)",
                           str(Location(file, data.line_of("dims"))), ident)
    _unknown_keys(data, _IDENTITY_KEYS, loc, ident, "identity")
    kind = _string(data, "kind", loc, ident)
    if kind not in KINDS:
        raise CatalogError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})",
                           str(Location(file, data.line_of("kind"))), ident)
    roles = KINDS[kind].roles
    for other in (_ROLE_KEYS | {"wrt"}) - set(roles) - (
        {"wrt"} if KINDS[kind].has_variable else set()
    ):
        if other in data:
            raise CatalogError(f"key {other!r} does not belong to kind {kind!r} (it uses {', '.join(roles)})",
                               str(Location(file, data.line_of(other))), ident)
    statement = tuple((r, _string(data, r, loc, ident, expr=True)) for r in roles)
    wrt = _string(data, "wrt", loc, ident) if KINDS[kind].has_variable else None
    sources = _string_list(data, "sources", loc, ident)
    if not sources:
        raise CatalogError("at least one source is required (e.g. mc2012:101, a textbook, or 'derived')",
                           str(Location(file, data.line_of("sources"))), ident)
    for s in sources:
        m = _MC.match(s)
        if s.startswith("mc2012") and (not m or not 1 <= int(m.group(1)) <= 600):
            raise CatalogError(f"source {s!r}: write Matrix Cookbook equations as mc2012:N",
                               str(Location(file, data.line_of("sources"))), ident)
    derivation = _string_list(data, "derivation", loc, ident)
    if "derived" in sources and not derivation:
        raise CatalogError("source 'derived' needs a 'derivation' list of steps", str(loc), ident)
    status = data.get("status", "proved")
    if status not in STATUSES:
        raise CatalogError(f"status must be one of {', '.join(STATUSES)}, got {status!r}",
                           str(Location(file, data.line_of("status"))), ident)
    corrected, corrected_symbols = (), ()
    if status == "erratum":
        block = data.get("corrected")
        where = Location(file, data.line_of("corrected"))
        if not isinstance(block, dict) or not block:
            raise CatalogError("an erratum needs 'corrected': the roles (and symbols) of the correct form",
                               str(where), ident)
        allowed = set(roles) | {"symbols"}
        _unknown_keys(block, allowed, where, ident, "corrected")
        corrected = tuple((r, _string(block, r, where, ident, expr=True)) for r in roles if r in block)
        corrected_symbols = _symbols(block.get("symbols"), Location(file, block.line_of("symbols")), ident)
        if not corrected and not corrected_symbols:
            raise CatalogError("'corrected' must restate a role or the symbols", str(where), ident)
    elif "corrected" in data:
        raise CatalogError("'corrected' belongs to entries with status: erratum",
                           str(Location(file, data.line_of("corrected"))), ident)
    error_class = data.get("error_class", "")
    if status == "erratum":
        if error_class not in ERROR_CLASSES:
            raise CatalogError(f"an erratum needs 'error_class', one of {', '.join(ERROR_CLASSES)}"
                               + (f" (got {error_class!r})" if error_class else ""),
                               str(Location(file, data.line_of("error_class"))), ident)
    elif error_class:
        raise CatalogError("'error_class' belongs to entries with status: erratum",
                           str(Location(file, data.line_of("error_class"))), ident)
    see = _string_list(data, "see", loc, ident)
    if error_class == "misreading" and not see:
        raise CatalogError("a misreading needs 'see': the ids of the entries that prove the correct reading",
                           str(loc), ident)
    aliases = _string_list(data, "aliases", loc, ident)
    for a in aliases:
        if not _ID.match(a):
            raise CatalogError(f"alias {a!r} must look like an id ('<family>.<lower_snake_name>')",
                               str(Location(file, data.line_of("aliases"))), ident)
    params = _params(data.get("params"), Location(file, data.line_of("params")), ident)
    notes = data.get("notes", "") or ""
    if not isinstance(notes, str):
        raise CatalogError("'notes' must be a string", str(Location(file, data.line_of("notes"))), ident)
    return IdentitySpec(
        id=ident_s,
        family=family,
        title=_string(data, "title", loc, ident),
        kind=kind,
        statement=statement,
        wrt=wrt,
        symbols=_symbols(data.get("symbols"), Location(file, data.line_of("symbols")), ident_s),
        sources=sources,
        location=loc,
        notes=notes.strip(),
        derivation=derivation,
        tags=_string_list(data, "tags", loc, ident),
        conditions=_conditions(data.get("conditions"), Location(file, data.line_of("conditions")), ident_s),
        aliases=aliases,
        error_class=error_class,
        see=see,
        status=status,
        corrected=corrected,
        corrected_symbols=corrected_symbols,
        params=params,
        lines=tuple((k, data.line_of(k)) for k in data),
    )


MAX_PARAM_VALUES = 8
"""The most values an integer parameter is proved for (each value is a full proof)."""


def _params(block, where: Location, ident) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``params: {n: [1, 2, 3, 4, 5]}``: an integer parameter of the statement and the values its
    proof covers (the statement is written once, with n)."""
    if block is None:
        return ()
    if not isinstance(block, dict) or len(block) != 1:
        raise CatalogError("params must map one parameter name to a list of whole numbers, "
                           "e.g. params: {n: [1, 2, 3, 4]}", str(where), ident)
    out = []
    for name, values in block.items():
        if not (isinstance(name, str) and re.fullmatch(r"[a-z]\w*", name)):
            raise CatalogError(f"parameter {name!r}: a lowercase name", str(where), ident)
        if (not isinstance(values, list) or not values or len(values) > MAX_PARAM_VALUES
                or any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 12 for v in values)
                or len(set(values)) != len(values)):
            raise CatalogError(f"parameter {name}: a list of 1 to {MAX_PARAM_VALUES} distinct whole numbers "
                               "from 0 to 12", str(where), ident)
        out.append((name, tuple(values)))
    return tuple(out)


def family_from_yaml(data, name: str, file: str) -> FamilySpec:
    """Parse a whole family file (already loaded with :func:`matref.data.loader.load_yaml`)."""
    if not isinstance(data, dict):
        raise CatalogError("a catalog file must be a mapping with keys family, title, identities", file)
    loc = Location(file, data.line)
    _unknown_keys(data, _FAMILY_KEYS, loc, None, "family")
    fam = _string(data, "family", loc, None)
    if fam != name:
        raise CatalogError(f"family {fam!r} must equal the file name {name!r}",
                           str(Location(file, data.line_of("family"))))
    entries = data.get("identities")
    if not isinstance(entries, list) or not entries:
        raise CatalogError("'identities' must be a non-empty list", str(Location(file, data.line_of("identities"))))
    intro = data.get("intro", "") or ""
    return FamilySpec(
        name=fam,
        title=_string(data, "title", loc, None),
        intro=str(intro).strip(),
        identities=tuple(identity_from_yaml(e, fam, file) for e in entries),
        location=loc,
    )
