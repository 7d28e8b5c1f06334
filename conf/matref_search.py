"""The handbook's search for identities: words, Cookbook numbers and formulas as people type them.

Sphinx's own search matches words of the pages; it cannot tell that ``x'Ax``, ``x^T A x`` and the
catalog's ``x.T @ B @ x`` are one formula, nor that "inverse" is ``inv(X)``. This module writes, at
build time, ``_static/matref-search-index.js``: one record per identity of the catalog (id,
aliases, title, family, kind, page address, Cookbook equation numbers, and the normalised tokens of
its id, title, tags, notes, derivation, sources and of every part of its statement), together with
the normalisation rules themselves. ``conf/_static/matref-search.js``, loaded on ``search.html``
only, normalises the query with the same rules, ranks the identities and lists the best ones above
Sphinx's results.

The rules live in ``conf/search_rules.yaml``, and nowhere else: :func:`normalise` here and
``normalise`` in the script interpret the same data (``tests/test_search_index.py`` runs both on the
whole catalog and requires the same tokens). Nothing here imports Sphinx at module level, so the
unit tests run without the book's dependencies.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import yaml

CONF = Path(__file__).resolve().parent
RULES_PATH = CONF / "search_rules.yaml"
SCRIPT = "matref-search.js"
INDEX_SCRIPT = "matref-search-index.js"
STYLESHEET = "matref-search.css"

# Text with balanced parentheses nested up to three deep; the same without a top-level comma.
NESTED = r"(?:[^()]|\((?:[^()]|\((?:[^()])*\))*\))*"
ARG = r"(?:[^(),]|\((?:[^()]|\((?:[^()])*\))*\))*"
_GROUP = re.compile(r"\$(\d)")


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


@functools.lru_cache(maxsize=None)
def rules() -> dict:
    """The rules of ``search_rules.yaml`` with placeholders expanded and synonyms keyed by the
    stemmed spelling: exactly what the page's script receives (JSON-serialisable)."""
    from matref.expr.functions import FUNCTIONS

    raw = yaml.safe_load(RULES_PATH.read_text(encoding="utf-8"))
    keep = sorted(set(raw["keep"].split()) | set(FUNCTIONS), key=lambda w: (-len(w), w))
    placeholders = {"{NESTED}": NESTED, "{ARG}": ARG,
                    "{KEEP}": "(?:" + "|".join(_any_case(w) for w in keep) + ")"}

    def expand(pattern: str) -> str:
        for name, value in placeholders.items():
            pattern = pattern.replace(name, value)
        return pattern

    rewrite = []
    for rule in raw["rewrite"]:
        if isinstance(rule, dict):
            rewrite.append({"spread": expand(rule["spread"])})
        else:
            pattern, replace, *flags = rule
            unknown = set(flags) - {"repeat"}
            if unknown:
                raise ValueError(f"{RULES_PATH.name}: unknown flag(s) {sorted(unknown)} on {pattern!r}")
            rewrite.append({"pattern": expand(pattern), "replace": replace, "repeat": "repeat" in flags})
    stem = [{"pattern": p, "replace": r} for p, r in raw["stem"]]
    stemmer = _Compiled.stemmer(stem)
    synonyms = {}
    for canonical, variants in raw["synonyms"].items():
        for variant in [canonical, *variants]:
            synonyms[stemmer(str(variant).lower())] = str(canonical)
    # matref's own function names are formula words, except those the rules rewrite away
    rewritten = {"inv", "pinv", "mpow", "kron", "norm", "logdet", "eye"}
    formula_words = sorted(set(map(str, raw["formula_words"])) | (set(FUNCTIONS) - rewritten))
    return {"rewrite": rewrite, "token": raw["token"], "word": raw["word"], "stem": stem, "synonyms": synonyms,
            "stopwords": sorted(raw["stopwords"].split()), "formula_words": formula_words,
            "scoring": raw.get("scoring", {})}


class _Compiled:
    """The rules compiled for Python's ``re`` (ASCII classes, as in JavaScript)."""

    def __init__(self, data: dict):
        self.rewrite = []
        for rule in data["rewrite"]:
            if "spread" in rule:
                self.rewrite.append(("spread", re.compile(rule["spread"], re.ASCII), None, False))
            else:
                self.rewrite.append(("sub", re.compile(rule["pattern"], re.ASCII), rule["replace"], rule["repeat"]))
        self.token = re.compile(data["token"], re.ASCII)
        self.word = re.compile(data["word"], re.ASCII)
        self.stem = self.stemmer(data["stem"])
        self.synonyms = data["synonyms"]
        self.stopwords = frozenset(data["stopwords"])

    @staticmethod
    def stemmer(stem: list[dict]):
        compiled = [(re.compile(r["pattern"], re.ASCII), r["replace"]) for r in stem]

        def apply(word: str) -> str:
            for pattern, replace in compiled:
                word = pattern.sub(lambda m, t=replace: _fill(t, m), word)
            return word

        return apply


def _fill(template: str, match: re.Match) -> str:
    """``$1``-style replacement, as JavaScript's String.replace does it (an unmatched group is empty)."""
    return _GROUP.sub(lambda g: match.group(int(g.group(1))) or "", template)


@functools.lru_cache(maxsize=None)
def _compiled() -> _Compiled:
    return _Compiled(rules())


def normalise(text: str) -> list[str]:
    """The tokens of ``text``: symbols keep their case, words are lowercased, stemmed, mapped to
    one spelling and stripped of stopwords; operators become marks (``ᵀ``, ``⁻¹``, ``‖``, ``⊗``)."""
    c = _compiled()
    for kind, pattern, replace, repeat in c.rewrite:
        if kind == "spread":
            text = pattern.sub(lambda m: " ".join(m.group(0)), text)
            continue
        while True:
            new = pattern.sub(lambda m: _fill(replace, m), text)
            if not repeat or new == text:
                text = new
                break
            text = new
    tokens = []
    for token in c.token.findall(text):
        if c.word.search(token):
            token = c.synonyms.get(c.stem(token.lower()), c.stem(token.lower()))
            if token in c.stopwords:
                continue
        tokens.append(token)
    return tokens


# -- the index -------------------------------------------------------------------------------------
COOKBOOK = re.compile(r"mc2012:(\d+[a-z]?)$")


def cookbook_numbers(ident) -> list[str]:
    """The Matrix Cookbook (2012) equations an identity cites, as written (``101``)."""
    return [m.group(1) for m in map(COOKBOOK.match, ident.sources) if m]


def kind_words(kind_name: str) -> str:
    """What a reader calls an identity of this kind: its noun, and "derivative" for derivatives."""
    from matref.kinds import KINDS

    kind = KINDS[kind_name]
    words = [kind.noun]
    if kind.order >= 1:
        words.append("derivative")
    if kind.order == 2:
        words.append("second derivative")
    if kind.directional:
        words.append("∂")  # a differential is written with d: "d log det X"
    return " ".join(words)


def statement_text(ident) -> str:
    """The statement in matref's syntax, shown under the title: ``lhs = rhs``, or
    ``f = ... ; grad = ...`` (as ``matref`` prints an identity)."""
    if ident.kind == "equality":
        return " = ".join(ident.statement.values())
    return " ; ".join(f"{role} = {source}" for role, source in ident.statement.items())


def identity_record(ident, url: str) -> dict:
    """The search record of one identity: what the page's script scores. Token lists are strings
    of tokens separated by spaces (no token contains one)."""
    def joined(text: str) -> str:
        return " ".join(normalise(text))

    aliases = list(ident.spec.aliases)
    sources = [s for s in ident.sources if not COOKBOOK.match(s)]
    if len(sources) < len(ident.sources):
        sources.append("Matrix Cookbook")
    words = {
        "id": joined(" ".join([ident.id, *aliases])),
        "title": joined(ident.title),
        "tags": joined(" ; ".join(ident.tags)),
        "kind": joined(kind_words(ident.kind)),
        "notes": joined(ident.notes or ""),
        "derivation": joined(" ; ".join(ident.derivation or ())),
        "sources": joined(" ; ".join(sources)),
    }
    formulas = {role: joined(source) for role, source in ident.statement.items()}
    # the whole statement, as a reader may type it: "tr(A B) = tr(B A)", "d/dX tr(X) = I"
    formulas["statement"] = joined(" = ".join(ident.statement.values()))
    structures = rules()["scoring"]["structures"]
    special = sorted({a for names in ident.assumptions.values() for a in names if a in structures})
    from matref_pages import title as shown_title

    # shown as the book shows it (xᵀ, X⁻¹); the words above are normalised from the title as written
    return {"id": ident.id, "aliases": aliases, "title": shown_title(ident.title), "family": ident.family,
            "kind": ident.kind, "status": ident.status, "url": url, "numbers": cookbook_numbers(ident),
            "claim": statement_text(ident), "wrt": ident.wrt or "",
            "special": [" ".join(normalise(a)) for a in special], "words": words, "formulas": formulas}


def build_index(catalog, urls: dict[str, str]) -> dict:
    """The index of every identity in ``urls`` (id -> page address with its anchor), in catalog order."""
    records = [identity_record(ident, urls[ident.id]) for ident in catalog.identities if ident.id in urls]
    return {"version": 1, "rules": rules(), "identities": records}


def index_script(index: dict) -> str:
    return ("// Written by conf/matref_search.py when the handbook is built: the identities of the "
            "catalog and the rules that\n// normalise text, read by matref-search.js on search.html.\n"
            "window.MATREF_SEARCH_INDEX = " + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n")


# -- Sphinx ----------------------------------------------------------------------------------------
def page_context(app, pagename, templatename, context, doctree) -> None:
    """The search page (and only it) loads the index and the script that reads it."""
    if pagename == "search":
        app.add_js_file(INDEX_SCRIPT)
        app.add_js_file(SCRIPT)
        app.add_css_file(STYLESHEET)


def write_index(app):
    """Write the index when the pages have been written, before the search page (``html-collect-pages``,
    so that the page links it with a checksum and a browser never keeps an old index)."""
    if app.builder.format != "html":
        return []
    import matref
    from sphinx.util import logging

    domain = app.env.domains["matref"]
    catalog = matref.catalog()
    urls = {}
    for ident in catalog.identities:
        if ident.id not in domain.identities:
            logging.getLogger(__name__).warning(f"matref search: identity {ident.id} has no section in the book")
            continue
        docname, _ = domain.identities[ident.id]
        urls[ident.id] = f"{app.builder.get_target_uri(docname)}#{ident.id}"
    target = Path(app.outdir) / "_static" / INDEX_SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    text = index_script(build_index(catalog, urls))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return []


def setup(app):
    app.connect("html-page-context", page_context)
    app.connect("html-collect-pages", write_index)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
