"""The handbook's search index (conf/matref_search.py) and its one set of normalisation rules.

Fast: no book and no browser. What needs Node.js (the page's script, run on the same rules and on
the same index) is skipped without it; the browser test of the built book is
``tests/test_search_browser.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import matref_pages as book

import matref

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "conf"))

import matref_search as search  # noqa: E402

SCRIPT = ROOT / "conf" / "_static" / search.SCRIPT
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="Node.js runs the search page's script")

# Spellings of one thing: each group must normalise to the same tokens (the first line says which).
SAME = [
    ("tr ( X ᵀ A X )", ["tr(X^T A X)", "tr(X.T @ A @ X)", r"\operatorname{tr}(X^\top A X)", "trace(X' A X)",
                        "tr(XᵀAX)", r"\mathrm{tr}\left(X^{T} A X\right)", "Tr(X^T AX)"]),
    ("x ᵀ A x", ["x'Ax", "x^T A x", "x.T @ A @ x", "x^{\\top} A x", "xᵀAx", "x^t A x"]),
    ("log det X", ["log det X", "logdet(X)", "log|det X|", "log |det(X)|", r"\log\det X", r"\ln|\det X|",
                   "ln det X", "log(det(X))", "log-determinant X"]),
    ("X ⁻¹", ["inv(X)", "X^-1", "X^{-1}", "X^(-1)", "X⁻¹", "inverse(X)"]),
    ("X ⁻¹ ᵀ", ["X^-T", "X^{-T}", r"X^{-\top}", "inv(X).T", "inv(X)'"]),
    ("( X ᵀ C X ) ⁻¹", ["(X^T C X)^-1", "inv(X.T @ C @ X)", "(X'CX)^{-1}"]),
    ("a ᵀ X b", ["a^T X b", "a.T @ X @ b", "a'Xb", r"\mathbf{a}^\top X \mathbf{b}"]),
    ("‖ ( A x - b ) ^2", ["||Ax-b||^2", "norm(A @ x - b) ** 2", r"\lVert A x - b \rVert^2", "‖Ax − b‖²".replace("−", "-"),
                          r"\left\| Ax - b \right\|^2", "||A x - b||_2^2"]),
    ("‖ X", ["||X||_F", "norm(X)", "‖X‖_F", r"\|X\|_{F}"]),
    ("X ^3", ["mpow(X, 3)", "X^3", "X^{3}", "X³"]),
    ("A ⊗ B", ["kron(A, B)", r"A \otimes B", "A ⊗ B", "A kron B"]),
    ("logsumexp ( A x )", ["logsumexp(A @ x)", "log(sum(exp(A x)))", "log-sum-exp(Ax)", "LSE(Ax)"]),
    ("A ∘ B", ["A * B", r"A \circ B", "A ∘ B", "A .* B", r"A \odot B"]),
    ("∂ X", ["dX"]),
    ("deriv tr ( A X B )", ["d/dX tr(AXB)", r"\frac{\partial}{\partial X} \operatorname{tr}(A X B)", "∂/∂X tr(A X B)"]),
    ("mc2012 101", ["mc2012:101"]),
    ("101", ["(101)", "101", "[101]"]),
    ("deriv log det", ["derivative of log det", "derivatives of the log-determinant", "Derivative of logdet"]),
    ("det", ["determinant", "Determinants", "det"]),
    ("⁻¹", ["inverse", "inverses", "inv"]),
    ("⊗", ["kronecker", "Kronecker", "kron"]),
    ("grad", ["gradient", "gradients", "grad"]),
    ("woodbury identity", ["Woodbury identity", "woodbury identities"]),
    ("sylvester det identity", ["Sylvester's determinant identity"]),
]


@pytest.mark.parametrize("tokens, spellings", SAME, ids=[s[0] for s in SAME])
def test_spellings_of_one_thing_normalise_alike(tokens, spellings):
    for text in spellings:
        assert " ".join(search.normalise(text)) == tokens, text


def test_words_symbols_and_marks():
    # symbols keep their case (X is a matrix, x a vector); words are lowercased; stopwords go
    assert search.normalise("The Gradient of X with respect to x") == ["grad", "X", "x"]
    # juxtaposed symbols are split; words of prose and function names are not
    assert search.normalise("AXB xAx Ax uv") == list("AXBxAxAxuv")
    assert search.normalise("An identity of the Trace is it") == ["identity", "tr"]
    # a possessive is not a transpose; a transpose is
    assert search.normalise("Jacobi's formula") == ["jacobi", "formula"]
    assert search.normalise("A'") == ["A", "ᵀ"]
    # parentheses stay around more than one symbol: tr(X^2) is not tr(X)^2
    assert search.normalise("tr(X^2)") == ["tr", "(", "X", "^2", ")"]
    assert search.normalise("tr(X)^2") == ["tr", "X", "^2"]
    assert search.normalise("mpow(inv(X), 2)") == search.normalise("X^-2") == ["X", "⁻¹", "^2"]


def test_rules_are_expanded_and_compile():
    rules = search.rules()
    json.dumps(rules)  # what the page receives
    for rule in rules["rewrite"]:
        pattern = rule.get("spread") or rule["pattern"]
        assert "{" + "NESTED}" not in pattern and "{ARG}" not in pattern and "{KEEP}" not in pattern, pattern
        re.compile(pattern, re.ASCII)
        if "replace" in rule:  # $n refers to a group of the pattern
            groups = re.compile(pattern).groups
            assert all(int(n) <= groups for n in re.findall(r"\$(\d)", rule["replace"])), rule
    re.compile(rules["token"], re.ASCII)
    # synonyms are keyed by stemmed spellings, so that "inverses" reads as "inverse" reads as ⁻¹
    stem = search._Compiled.stemmer(rules["stem"])
    assert all(stem(word) == word for word in rules["synonyms"]), [w for w in rules["synonyms"] if stem(w) != w]
    assert rules["synonyms"]["inverse"] == "⁻¹" and search.normalise("inverses") == ["⁻¹"]
    from matref.kinds import KINDS

    assert set(rules["scoring"]["kinds"]) == set(KINDS)


def test_a_rule_with_an_unknown_flag_is_refused(tmp_path, monkeypatch):
    text = search.RULES_PATH.read_text(encoding="utf-8").replace("' ( $1 ) ⁻¹ ', repeat]", "' ( $1 ) ⁻¹ ', repaet]")
    path = tmp_path / "search_rules.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(search, "RULES_PATH", path)
    search.rules.cache_clear()
    try:
        with pytest.raises(ValueError, match="repaet"):
            search.rules()
    finally:
        search.rules.cache_clear()
        search._compiled.cache_clear()


# -- the index -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index():
    catalog = matref.catalog()
    urls = {i.id: f"identities/{i.family}.html#{i.id}" for i in catalog.identities}
    return search.build_index(catalog, urls)


def test_every_identity_is_indexed_from_the_catalog(index):
    catalog = matref.catalog()
    records = {r["id"]: r for r in index["identities"]}
    assert list(records) == catalog.ids
    for ident in catalog.identities:
        r = records[ident.id]
        assert r["title"] == book.title(ident.title) and r["family"] == ident.family and r["kind"] == ident.kind
        assert r["url"] == f"identities/{ident.family}.html#{ident.id}"
        assert r["aliases"] == list(ident.spec.aliases)
        assert r["numbers"] == [s.split(":")[1] for s in ident.sources if s.startswith("mc2012:")]
        assert r["wrt"] == (ident.wrt or "")
        assert r["words"]["title"] == " ".join(search.normalise(ident.title))
        for role, source in ident.statement.items():
            assert r["formulas"][role] == " ".join(search.normalise(source)), (ident.id, role)
        assert r["formulas"]["statement"].count("=") >= len(ident.statement) - 1
        for field in list(r["words"].values()) + list(r["formulas"].values()):
            assert "  " not in field and not field.startswith(" ") and not field.endswith(" ")


def test_records_carry_what_a_reader_searches_by(index):
    records = {r["id"]: r for r in index["identities"]}
    assert records["trace.grad_axb"]["numbers"] == ["101"]
    assert records["trace.grad_axb"]["formulas"]["f"] == "tr ( A X B )"
    assert records["trace.grad_xxt"]["aliases"] == ["norms.grad_trace_xxt"]
    assert "⁻¹" in records["inverse.woodbury"]["formulas"]["lhs"].split()
    assert "woodbury" in records["inverse.woodbury"]["words"]["tags"].split()
    assert "gaussian" in records["structured.grad_sym_logdet"]["words"]["notes"].split()
    assert records["determinant.grad_logdet"]["formulas"]["f"] == "log det X"
    assert records["quadratic.grad_xtbx_symmetric"]["special"] == ["symmetric"]
    assert records["quadratic.grad_xtbx"]["special"] == []
    assert "deriv" in records["inverse.diff_inv"]["words"]["kind"].split()
    assert records["errata.mc2012_141"]["status"] == "erratum"


def test_the_index_script_sets_one_global(index):
    text = search.index_script(index)
    assert text.count("window.MATREF_SEARCH_INDEX = ") == 1 and text.endswith(";\n")
    payload = text.split("window.MATREF_SEARCH_INDEX = ", 1)[1].rstrip(";\n")
    assert json.loads(payload) == json.loads(json.dumps(index, ensure_ascii=False))


# -- the page's script, on the same rules (Node.js) -------------------------------------------------
def run_node(program: str, payload) -> object:
    result = subprocess.run([NODE, "-e", program, str(SCRIPT)], input=json.dumps(payload, ensure_ascii=False),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


NORMALISE = """
const { compile, normaliseWith } = require(process.argv[1]);
const { rules, texts } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const c = compile(rules);
process.stdout.write(JSON.stringify(texts.map((t) => normaliseWith(c, t))));
"""


def corpus() -> list[str]:
    """Every text the index normalises, and every query of the browser test."""
    texts = []
    for ident in matref.catalog().identities:
        texts += [ident.id, ident.title, ident.notes or "", " ; ".join(ident.tags), *ident.statement.values(),
                  *(ident.derivation or ()), *ident.sources]
    from test_search_browser import QUERIES

    texts += [q.text for q in QUERIES] + [s for _, spellings in SAME for s in spellings]
    return texts


@needs_node
def test_python_and_the_page_normalise_alike():
    texts = corpus()
    python = [search.normalise(t) for t in texts]
    page = run_node(NORMALISE, {"rules": search.rules(), "texts": texts})
    differ = [(t, p, j) for t, p, j in zip(texts, python, page) if p != j]
    assert len(page) == len(texts) > 3000
    assert differ == [], differ[:5]


RANK = """
const { Engine } = require(process.argv[1]);
const { index, queries } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const engine = new Engine(index);
process.stdout.write(JSON.stringify(queries.map((q) => engine.search(q).map((r) => r.id))));
"""


@needs_node
def test_the_page_ranks_every_query_of_the_browser_test(index):
    """The ranking of tests/test_search_browser.py, without the browser (the same script and index)."""
    from test_search_browser import QUERIES

    found = run_node(RANK, {"index": index, "queries": [q.text for q in QUERIES]})
    wrong = [(q.text, q.expect, ids[:3]) for q, ids in zip(QUERIES, found) if not set(q.expect) & set(ids[:3])]
    assert wrong == []
    # and a wrong expectation would be caught
    woodbury = found[[q.text for q in QUERIES].index("woodbury")]
    assert "trace.grad_axb" not in woodbury[:3]


@needs_node
def test_the_page_finds_nothing_for_nothing(index):
    found = run_node(RANK, {"index": index, "queries": ["", "   ", "qwertyuiop", "!!!"]})
    assert found == [[], [], [], []]
