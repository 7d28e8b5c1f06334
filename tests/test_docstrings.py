"""The public API is documented in numpydoc style, and every example in it runs.

The public API is every name in ``matref.__all__`` and ``matref.testing.__all__`` and, for the
classes among them, every public method and property that matref defines (not what they inherit
from ``object``, ``Exception`` or the dataclass machinery). It is computed here from ``__all__``,
so a new public name is checked without touching this file.
"""

from __future__ import annotations

import doctest
import functools
import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import matref
import matref.testing

MODULES = (matref, matref.testing)
SECTION = re.compile(r"^(\w[\w ]*)\n-{3,}$", re.M)  # a numpydoc section header: a title underlined


@dataclass(frozen=True)
class Public:
    """One public definition: its qualified name, the object, and what kind of definition it is."""

    name: str
    obj: object
    kind: str  # "class", "function", "method" (defined in a class) or "property"

    @property
    def doc(self) -> str:
        # The object's own docstring: inspect.getdoc would fall back to an inherited one.
        doc = self.obj.__doc__ if not isinstance(self.obj, (staticmethod, classmethod)) else self.obj.__func__.__doc__
        return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def _member_kind(value) -> str | None:
    if isinstance(value, (property, functools.cached_property)):
        return "property"
    if inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod)):
        return "method"
    return None  # data: dataclass field defaults, constants


def walk(modules=MODULES) -> list[Public]:
    """Every public definition of ``modules``, each once (an inherited method under the first
    public class that has it)."""
    out, seen = [], set()
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            out.append(Public(f"{module.__name__}.{name}", obj, "class" if inspect.isclass(obj) else "function"))
            if not inspect.isclass(obj):
                continue
            done = set()
            for klass in obj.__mro__:
                if not klass.__module__.startswith("matref"):
                    continue  # object, Exception, AssertionError: not matref's
                for attr, value in vars(klass).items():
                    kind = _member_kind(value)
                    if attr.startswith("_") or attr in done or kind is None:
                        continue
                    done.add(attr)
                    if id(value) not in seen:
                        seen.add(id(value))
                        out.append(Public(f"{module.__name__}.{name}.{attr}", value, kind))
    return out


def sections(doc: str) -> dict[str, str]:
    """The numpydoc sections of ``doc`` by title (the text before the first is ``"Summary"``)."""
    parts = SECTION.split(doc)
    out = {"Summary": parts[0]}
    for title, body in zip(parts[1::2], parts[2::2]):
        out[title] = body
    return out


def documented_parameters(section: str) -> list[str]:
    """The names a numpydoc Parameters section documents (``x, y : int`` names two)."""
    names = []
    for line in section.splitlines():
        if line and not line[0].isspace():
            names += [n.strip() for n in line.split(" : ")[0].split(",") if n.strip()]
    return names


def parameters(item: Public) -> list[str] | None:
    """The parameters a caller passes (``*args``, ``**kwargs`` spelled so), or None for a property."""
    obj = item.obj
    if item.kind == "property":
        return None
    if item.kind == "class":
        try:
            sig = inspect.signature(obj)
        except ValueError:
            # No signature: the constructor is Exception's own (*args), which matref did not write.
            assert not any("__init__" in vars(k) or "__new__" in vars(k)
                           for k in obj.__mro__ if k.__module__.startswith("matref")), item.name
            return []
        params = list(sig.parameters.values())
    else:
        func = obj.__func__ if isinstance(obj, (staticmethod, classmethod)) else obj
        params = list(inspect.signature(func).parameters.values())
        if item.kind == "method" and not isinstance(obj, staticmethod):
            params = params[1:]  # self, or cls
    stars = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
    return [stars.get(p.kind, "") + p.name for p in params]


def problems(item: Public) -> list[str]:
    """What the docstring of ``item`` lacks; empty when it is complete."""
    doc = item.doc
    if not doc.strip():
        return ["no docstring"]
    found = sections(doc)
    out = []
    summary = found["Summary"].strip().split("\n\n")[0]
    if "\n" in summary or not summary.endswith("."):
        out.append(f"the summary is not one line ending with a period: {summary!r}")
    wanted = parameters(item)
    if wanted:
        if "Parameters" not in found:
            out.append("no Parameters section")
        else:
            named = documented_parameters(found["Parameters"])
            bare = lambda n: n.lstrip("*")
            missing = [p for p in wanted if bare(p) not in map(bare, named)]
            extra = [n for n in named if bare(n) not in map(bare, wanted)]
            if missing:
                out.append(f"Parameters does not name {', '.join(missing)}")
            if extra:
                out.append(f"Parameters names {', '.join(extra)}, which the signature does not have")
    elif "Parameters" in found:
        out.append("a Parameters section, but the signature has no parameters")
    if item.kind in ("function", "method") and not {"Returns", "Yields"} & set(found):
        out.append("no Returns (or Yields) section")
    if item.kind != "property":
        if "Examples" not in found:
            out.append("no Examples section")
        elif ">>>" not in found["Examples"]:
            out.append("an Examples section without a >>> example")
    return out


def run_examples(item: Public) -> doctest.TestResults:
    """Run the examples of ``item`` as doctests, with no globals but what they import."""
    finder = doctest.DocTestFinder(recurse=False)
    tests = finder.find(item.obj, name=item.name, globs={})  # properties too: it reads __doc__
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failed = attempted = 0
    for test in tests:
        r = runner.run(test)
        failed, attempted = failed + r.failed, attempted + r.attempted
    return doctest.TestResults(failed, attempted)


PUBLIC = walk()
WITH_EXAMPLES = [p for p in PUBLIC if ">>>" in p.doc]


def test_the_walk_covers_the_public_api():
    names = {p.name for p in PUBLIC}
    for module in MODULES:
        assert {f"{module.__name__}.{n}" for n in module.__all__} <= names
    # methods, properties and cached properties of public classes, and an inherited one once
    assert {"matref.Identity.verify", "matref.Identity.latex", "matref.Identity.id", "matref.Report.headline",
            "matref.testing.Result.ok", "matref.testing.Spec.draw", "matref.ExprError.column"} <= names
    assert "matref.ShapeError.column" not in names  # the same property as ExprError.column
    assert not any(n.rsplit(".", 1)[1].startswith("_") for n in names)
    # dataclass fields with defaults are data, not definitions: documented by their class
    assert "matref.Report.verdict" not in names and "matref.testing.Spec.dtype" not in names
    assert len(names) == len(PUBLIC)


@pytest.mark.parametrize("item", PUBLIC, ids=[p.name for p in PUBLIC])
def test_numpydoc_sections(item):
    assert problems(item) == []


@pytest.mark.parametrize("item", WITH_EXAMPLES, ids=[p.name for p in WITH_EXAMPLES])
def test_examples_run(item):
    failed, attempted = run_examples(item)
    assert failed == 0, f"{item.name}: {failed} of {attempted} examples failed (the doctest output above says how)"
    assert attempted == item.doc.count(">>>"), "an example was not collected"


# -- the checks fail where they should ----------------------------------------------------------
def _fake(doc):
    def f(a, b=1, *rest, key=None, **options):
        return a

    f.__doc__ = doc
    return Public("fake.f", f, "function")


COMPLETE = '''Do a thing.

    Parameters
    ----------
    a : int
        First.
    b : int, default 1
        Second.
    *rest : int
        More.
    key, **options
        Keywords.

    Returns
    -------
    int

    Examples
    --------
    >>> 1 + 1
    2
    '''


def test_a_complete_docstring_passes():
    assert problems(_fake(COMPLETE)) == []
    assert run_examples(_fake(COMPLETE)) == (0, 1)


@pytest.mark.parametrize("edit,expected", [
    (lambda d: "", "no docstring"),
    (lambda d: d.replace("Do a thing.", "Do a\n    thing"), "summary is not one line"),
    (lambda d: d.replace("    Parameters\n    ----------", "    Params\n    ------"), "no Parameters section"),
    (lambda d: d.replace("    *rest : int\n        More.\n", ""), "does not name *rest"),
    (lambda d: d.replace("key, **options", "key"), "does not name **options"),
    (lambda d: d.replace("a : int", "a, c : int"), "names c, which the signature does not have"),
    (lambda d: d.replace("Returns\n    -------", "Return\n    ------"), "no Returns"),
    (lambda d: d.split("    Examples")[0], "no Examples section"),
    (lambda d: d.replace(">>> 1 + 1\n    2", "Add one and one."), "without a >>> example"),
])
def test_an_incomplete_docstring_fails(edit, expected):
    found = problems(_fake(edit(COMPLETE)))
    assert any(expected in p for p in found), found


def test_a_wrong_example_fails():
    assert run_examples(_fake(COMPLETE.replace("    2\n", "    3\n"))).failed == 1


def test_an_undocumented_dataclass_fails():
    @dataclass
    class Point:
        x: int

    found = problems(Public("fake.Point", Point, "class"))  # the doc dataclass writes: "Point(x: int)"
    assert any("summary is not one line" in p for p in found), found


# -- the handbook's API page lists the same API ---------------------------------------------------
API_PAGE = Path(__file__).resolve().parent.parent / "book" / "api.md"
DIRECTIVE = re.compile(r"^\.\. auto(function|class|exception):: ([\w.]+)\n((?: +:[\w-]+:.*\n)*)", re.M)


def test_the_api_page_documents_every_public_name_with_its_members():
    found = {name: (what, options) for what, name, options in DIRECTIVE.findall(API_PAGE.read_text())}
    names = {f"{module.__name__}.{name}" for module in MODULES for name in module.__all__}
    top = [p for p in PUBLIC if p.name in names]
    assert set(found) == {p.name for p in top}
    for p in top:
        what, options = found[p.name]
        if p.kind == "function":
            assert what == "function", p.name
        else:
            assert what == ("exception" if issubclass(p.obj, BaseException) else "class"), p.name
            has_members = any(q.name.startswith(p.name + ".") for q in PUBLIC)
            assert (":members:" in options) == has_members, p.name
