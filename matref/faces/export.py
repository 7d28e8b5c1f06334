"""The whole catalog as one file for other tools: JSON (with its JSON Schema) or a LaTeX document.

Both are written from the same records as the handbook (:meth:`matref.data.identity.Identity.to_dict`
and the LaTeX printed from the proved expressions); ``matref export`` is the command.
"""

from __future__ import annotations

import re

FORMAT_VERSION = 1

_STRINGS = {"type": "array", "items": {"type": "string"}}
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}

EXPORT_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "matref catalog export",
    "type": "object",
    "additionalProperties": False,
    "required": ["format", "version", "matref", "count", "families", "identities"],
    "properties": {
        "format": {"const": "matref-catalog"},
        "version": {"const": FORMAT_VERSION},
        "matref": {"type": "string"},
        "count": {"type": "integer"},
        "families": {"type": "array", "items": {
            "type": "object", "additionalProperties": False, "required": ["name", "title", "intro", "count"],
            "properties": {"name": {"type": "string"}, "title": {"type": "string"}, "intro": {"type": "string"},
                           "count": {"type": "integer"}}}},
        "identities": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["id", "family", "title", "kind", "statement", "latex", "layouts", "assumptions",
                         "sources", "status", "conditions"],
            "properties": {
                "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9_]*$"},
                "family": {"type": "string"}, "title": {"type": "string"}, "kind": {"type": "string"},
                "statement": _STRING_MAP, "wrt": {"type": ["string", "null"]}, "latex": {"type": "string"},
                "layouts": _STRING_MAP, "assumptions": {"type": "object", "additionalProperties": _STRINGS},
                "sources": _STRINGS, "notes": {"type": "string"}, "derivation": _STRINGS, "tags": _STRINGS,
                "location": {"type": "string"}, "status": {"enum": ["proved", "erratum"]},
                "conditions": {"type": "array", "items": _STRING_MAP}, "aliases": _STRINGS,
                "error_class": {"type": ["string", "null"]}, "see": _STRINGS,
                "params": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "integer"}}},
                "corrected": {"type": ["object", "null"]},
            }}},
    },
}
"""The JSON Schema of :func:`to_json`'s document (``matref export --schema``)."""


def to_json(cat) -> dict:
    """The catalog as one JSON document (validates against :data:`EXPORT_SCHEMA`).

    Examples
    --------
    >>> import matref
    >>> doc = to_json(matref.catalog())
    >>> doc["format"], doc["count"] == len(doc["identities"])
    ('matref-catalog', True)
    """
    import matref

    return {
        "format": "matref-catalog", "version": FORMAT_VERSION, "matref": matref.__version__,
        "count": len(cat),
        "families": [{"name": f.name, "title": f.title, "intro": f.intro or "", "count": len(f)} for f in cat.families],
        "identities": [ident.to_dict() for ident in cat],
    }


_SPECIAL = re.compile(r"([\\{}$&#%_^~])")


def _text(s: str) -> str:
    """Plain text for LaTeX: special characters escaped."""
    return _SPECIAL.sub(lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(m.group(1),
                                                                                            "\\" + m.group(1)), s)


def to_latex(cat) -> str:
    """The catalog as a standalone LaTeX document: a section per family, an equation per entry
    (labelled with its id), the other layout, conditions and sources; errata printed and corrected."""
    import matref

    out = [r"\documentclass[10pt]{article}", r"\usepackage[margin=2cm]{geometry}",
           r"\usepackage{amsmath,amssymb}", r"\allowdisplaybreaks",
           rf"\title{{matref: the catalog ({len(cat)} identities, matref {matref.__version__})}}",
           r"\date{}", r"\begin{document}", r"\maketitle",
           r"Every formula below is printed from the expression that matref proves on every build.", ""]
    for family in cat.families:
        out += [rf"\section{{{_text(family.title)}}}", ""]
        for ident in family:
            d = ident.to_dict()
            erratum = d["corrected"] is not None
            out += [rf"\subsection*{{{_text(ident.title)}}}", rf"\label{{{ident.id}}}",
                    rf"\texttt{{{_text(ident.id)}}} ({_text(ident.kind)}{', erratum: false as printed' if erratum else ''})",
                    r"\begin{equation*}", ident.latex, r"\end{equation*}"]
            if erratum:
                out += ["Corrected:", r"\begin{equation*}", d["corrected"]["latex"], r"\end{equation*}"]
            for name, tex in list(d["layouts"].items())[1:]:
                out.append(rf"{_text(name.capitalize())} layout: $\displaystyle {tex}$\par")
            conds = [f"{k}: {', '.join(v)}" for k, v in d["assumptions"].items()]
            conds += [f"{k}: {v}" for c in d["conditions"] for k, v in c.items()]
            if d["params"]:
                conds.append(f"for {ident.params_text}")
            out.append(rf"Conditions: {_text('; '.join(conds) or 'none')}. Sources: {_text(', '.join(d['sources']))}.")
            out.append("")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


FILES = {"json": "matref-catalog.json", "schema": "matref-catalog.schema.json", "latex": "matref-catalog.tex"}
"""The file name of each export (the handbook offers the three as downloads)."""


def render(what: str, cat) -> str:
    """The text of one export: ``"json"`` (the catalog), ``"schema"`` (its JSON Schema) or
    ``"latex"`` (a standalone document), as ``matref export`` writes it."""
    import json

    if what == "schema":
        return json.dumps(EXPORT_SCHEMA, indent=1) + "\n"
    if what == "json":
        return json.dumps(to_json(cat), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    return to_latex(cat)
