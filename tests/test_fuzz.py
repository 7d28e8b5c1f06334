"""Fuzzing with Hypothesis: random text and grammar-generated expressions through the parser, shape
inference, the verifier, the command line and the YAML loader. Every input must end in a result or
in matref's own error (``MatrefError``) within the hang guard; nothing else may escape.

Examples are derandomized (the same ones on every run, so ``make test`` is reproducible); set
``MATREF_FUZZ=random`` to explore new ones (``MATREF_FUZZ_EXAMPLES`` sets how many).
"""

from __future__ import annotations

import copy
import io
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matref
from hostile_inputs import guarded
from matref.data.catalog import DEFAULT_DIR
from matref.errors import CatalogError, MatrefError
from matref.expr.functions import FUNCTIONS
from matref.expr.infer import Scope
from matref.expr.parse import parse
from matref.data.identity import Identity
from matref.data.loader import load_yaml
from matref.data.schema import family_from_yaml

RANDOM = os.environ.get("MATREF_FUZZ") == "random"
FUZZ_SECONDS = 30  # per example: a hang guard (the slowest examples take about a second)
EXAMPLES = int(os.environ.get("MATREF_FUZZ_EXAMPLES", "0")) or None
settings.register_profile("matref", derandomize=not RANDOM, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                 HealthCheck.data_too_large])
settings.load_profile("matref")


def examples(n: int) -> settings:
    return settings(max_examples=EXAMPLES or n)


# -- expressions from the grammar: every operator, every function ------------------------------------
SYMBOLS = ["A", "B", "X", "x", "y", "t"]
ALPHABET = "ABXxyt0123456789.+-*/@()T, e_" + "".join(sorted(set("".join(FUNCTIONS))))


def _call(name: str, draw_arg):
    spec = FUNCTIONS[name]
    args = [draw_arg for _ in range(spec.nargs)]
    params = [st.integers(-2, 3).map(str) for _ in range(spec.nparams)]
    return st.tuples(*args, *params).map(lambda parts: f"{name}({', '.join(parts)})")


def _grow(inner):
    binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "@"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
    unary = st.one_of(inner.map(lambda e: f"-{e}"), inner.map(lambda e: f"({e}).T"),
                      st.tuples(inner, st.sampled_from(["2", "-1", "0.5", "3", "-0.5"])).map(lambda t: f"({t[0]}) ** {t[1]}"))
    calls = st.one_of(*[_call(name, inner) for name in sorted(FUNCTIONS)])
    return st.one_of(binary, unary, calls)


LEAVES = st.one_of(st.sampled_from(SYMBOLS), st.sampled_from(["I", "2", "0.5", "1e-3", "3"]))
EXPRESSIONS = st.recursive(LEAVES, _grow, max_leaves=8)
SHAPES = st.fixed_dictionaries({}, optional={name: st.sampled_from(["scalar", "n x n", "n x 1", "3 x 2", "2 x 2", "1 x 3", "m x n"])
                                             for name in SYMBOLS})


@examples(400)
@given(st.text(max_size=200))
def test_random_text_parses_or_is_refused(text):
    try:
        parse(text)
    except MatrefError:
        pass


@examples(400)
@given(st.text(alphabet=ALPHABET, max_size=120))
def test_text_from_the_alphabet_parses_or_is_refused(text):
    try:
        tree = parse(text)
    except MatrefError:
        return
    try:
        Scope().infer(tree, text)
    except MatrefError:
        pass


@examples(150)
@given(EXPRESSIONS, SHAPES, st.integers(0, 2**32 - 1))
def test_an_expression_is_never_refuted_against_itself(expr, shapes, seed):
    """Grammar-generated expressions over every operator and function, with random shapes: the
    claim ``e = e.T.T`` is true wherever e is defined, so the verdict is holds or undecided (or the
    request is refused as bad input), never a refutation and never a crash."""
    with guarded(FUZZ_SECONDS):
        try:
            report = matref.check(lhs=expr, rhs=f"({expr}).T.T", shapes=shapes, trials=3, seed=seed)
        except MatrefError:
            return
    assert report.verdict in ("holds", "undecided"), str(report)


@examples(60)
@given(EXPRESSIONS, st.sampled_from(["X", "x"]), st.integers(0, 2**32 - 1))
def test_a_jacobian_of_random_functions_ends_cleanly(expr, wrt, seed):
    """Derivative claims with random f (the claim is a guess, so any verdict may be right): the
    request ends in a verdict or matref's own error."""
    with guarded(FUZZ_SECONDS):
        try:
            report = matref.check(f=f"vec({expr})", wrt=wrt, jacobian=f"kron(I, {expr})", trials=3, seed=seed)
        except MatrefError:
            return
    assert report.verdict in ("holds", "fails", "undecided")


# -- the command line ----------------------------------------------------------------------------------
OPTIONS = ["check", "verify", "list", "show", "schema", "--f", "--wrt", "--grad", "--jacobian", "--lhs", "--rhs",
           "--hessian", "--differential", "--partials", "--assume", "--shape", "--trials", "--seed", "--json",
           "--family", "--max-entries", "--max-work", "-v", "X", "x", "A @ X", "X=spd", "X=3x3", "trace.grad_axb",
           "trace", "-1", "0", "3", "1e400", "nan"]


@examples(200)
@given(st.lists(st.one_of(st.sampled_from(OPTIONS), st.text(max_size=30)), max_size=8))
def test_the_command_line_ends_with_a_status(argv):
    from matref.faces.cli import main

    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with guarded(FUZZ_SECONDS), contextlib.redirect_stderr(err):
        code = main(argv, out=out)
    assert code in (0, 1, 2, 3), err.getvalue()
    assert "internal error" not in err.getvalue()


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**30), st.floats(allow_nan=True),
                   st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3),
                   st.dictionaries(st.one_of(st.text(max_size=5), st.integers()), st.one_of(st.text(max_size=8), st.integers()), max_size=3))


@examples(200)
@given(st.fixed_dictionaries({}, optional={k: VALUES for k in ["f", "wrt", "grad", "lhs", "rhs", "assume", "shapes",
                                                                "trials", "seed", "hessian", "limits"]}))
def test_the_python_api_raises_only_its_own_errors(kwargs):
    with guarded(FUZZ_SECONDS):
        try:
            matref.check(**kwargs)
        except MatrefError:
            pass


# -- catalog files --------------------------------------------------------------------------------------
YAMLISH = "abcdefghijklmnopqrstuvwxyz_.:-[]{}&*!|>'\"#%@`?,\n 0123456789\t"


def _load(text: str, tmp: Path):
    data = load_yaml(tmp / "fam.yaml", text)
    spec = family_from_yaml(data, "fam", "fam.yaml")
    for ispec in spec.identities:
        Identity(ispec)


@examples(300)
@given(st.text(alphabet=YAMLISH, max_size=300))
def test_random_yaml_loads_or_is_refused(tmp_path_factory, text):
    with guarded(FUZZ_SECONDS):
        try:
            _load(text, tmp_path_factory.mktemp("y"))
        except CatalogError:
            pass


FAMILY = load_yaml(Path(DEFAULT_DIR) / "trace.yaml")
JUNK = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(), st.text(max_size=12),
                              st.sampled_from(["X", "A @ X", "n x n", "spd", "gradient", "tr(X)", "mc2012:1"])),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                    max_leaves=6)


def _plain(obj):
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    return obj


@examples(200)
@given(st.data())
def test_a_family_with_one_value_replaced_is_loaded_or_refused_with_its_location(tmp_path_factory, data):
    """A real family file with one value (anywhere) replaced by junk: loaded, or refused with a
    CatalogError that names the file (and, below the top level, the identity)."""
    family = copy.deepcopy(_plain(FAMILY))
    family["family"] = "fam"
    node, path = family, []
    for _ in range(data.draw(st.integers(1, 4))):
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys:
            break
        key = data.draw(st.sampled_from(keys))
        path.append((node, key))
        node = node[key]
    if not path:
        return
    parent, key = path[-1]
    parent[key] = data.draw(JUNK)
    text = yaml.safe_dump(family, sort_keys=False, allow_unicode=True)
    with guarded(FUZZ_SECONDS):
        try:
            _load(text, tmp_path_factory.mktemp("f"))
        except CatalogError as e:
            assert "fam.yaml" in str(e)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_the_grammar_calls_every_function_correctly(name):
    """Each function's generated calls parse (right arity and parameters): the fuzzing above
    reaches every function of the language, not only symbols."""
    from hypothesis import find

    text = find(_call(name, LEAVES), lambda t: True)
    assert parse(text).func == name
