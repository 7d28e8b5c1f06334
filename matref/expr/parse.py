"""Parse matref's expression language with :mod:`ast` and a whitelist. Never ``eval``.

The Python parser only builds a syntax tree; each allowed ast node is translated by one small
handler into matref's own nodes, anything else is rejected with its position.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from functools import singledispatch

from matref.expr.errors import ExprError
from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS

MAX_LENGTH = 2000
MAX_DEPTH = 100
MAX_EXPONENT = 64
MAX_LITERAL = 10**300
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def parse(source: str) -> N.Node:
    """Parse an expression string into a matref node tree.

    Parameters
    ----------
    source : str
        Numpy-like expression, e.g. ``"tr(A @ inv(X) @ B)"``.

    Returns
    -------
    Node

    Raises
    ------
    ExprError
        With the column of the problem, for anything outside the language.

    Examples
    --------
    >>> from matref.expr.parse import parse
    >>> str(parse("x.T @ A @ x"))
    'x.T @ A @ x'
    """
    if not isinstance(source, str):
        raise ExprError(f"an expression must be a string, not {type(source).__name__}")
    if not source.strip():
        raise ExprError("empty expression", source)
    if len(source) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters", source[:60] + "...")
    for i, ch in enumerate(source):
        if not (32 <= ord(ch) < 127) and ch not in "\t":
            raise ExprError(f"character {ch!r} is not allowed", source, (i, i + 1))
    text = source.replace("\t", " ")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "1if A else A" warns before it fails: matref reports it
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        lead = len(text) - len(text.lstrip())
        col = (e.offset or 1) - 1 + lead
        col = min(max(col, 0), len(source) - 1)
        msg = (e.msg or "invalid syntax").replace("invalid syntax. Perhaps you forgot a comma?", "invalid syntax")
        raise ExprError(msg, source, (col, col + 1)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression is nested too deeply", source) from None
    lead = len(text) - len(text.lstrip())
    return _Translator(source, lead).node(tree.body, 0)


class _Translator:
    def __init__(self, source: str, lead: int):
        self.source = source
        self.lead = lead

    def span(self, a: ast.AST) -> tuple[int, int]:
        return (a.col_offset + self.lead, (a.end_col_offset or a.col_offset + 1) + self.lead)

    def fail(self, a: ast.AST, msg: str):
        raise ExprError(msg, self.source, self.span(a))

    def node(self, a: ast.AST, depth: int) -> N.Node:
        if depth > MAX_DEPTH:
            self.fail(a, f"expression is nested more than {MAX_DEPTH} levels deep")
        return _translate(a, self, depth)


def _number_value(a: ast.AST):
    """The value of a numeric literal, possibly negated; None if it is not one."""
    sign = 1
    while isinstance(a, ast.UnaryOp) and isinstance(a.op, (ast.USub, ast.UAdd)):
        sign = -sign if isinstance(a.op, ast.USub) else sign
        a = a.operand
    if isinstance(a, ast.Constant) and type(a.value) in (int, float):
        return sign * a.value
    return None


@singledispatch
def _translate(a: ast.AST, t: _Translator, depth: int) -> N.Node:
    what = {
        "Compare": "a comparison", "BoolOp": "a boolean operator", "Subscript": "indexing",
        "Lambda": "lambda", "List": "a list", "Tuple": "a tuple", "Dict": "a dict",
        "JoinedStr": "a string", "IfExp": "a conditional expression", "Starred": "a starred argument",
        "NamedExpr": "an assignment expression", "Set": "a set", "Await": "await",
        "GeneratorExp": "a generator", "ListComp": "a comprehension", "Slice": "a slice",
    }.get(type(a).__name__, type(a).__name__)
    t.fail(a, f"{what} is not part of the expression language")


@_translate.register
def _(a: ast.Constant, t: _Translator, depth: int) -> N.Node:
    if type(a.value) not in (int, float):
        t.fail(a, f"only real numbers are allowed as constants, not {a.value!r}")
    if isinstance(a.value, float) and not math.isfinite(a.value):
        t.fail(a, "number too large (it overflows to infinity)")
    if isinstance(a.value, int) and abs(a.value) > MAX_LITERAL:
        t.fail(a, f"number too large (at most {MAX_LITERAL:.0e})")
    return N.Number(a.value, span=t.span(a))


@_translate.register
def _(a: ast.Name, t: _Translator, depth: int) -> N.Node:
    if a.id == "I":
        return N.Identity(span=t.span(a))
    if a.id in FUNCTIONS:
        t.fail(a, f"{a.id} is a function: call it as {a.id}(...)")
    if not _NAME.match(a.id):
        t.fail(a, f"{a.id!r} is not a valid symbol name (letters, digits and _, starting with a letter)")
    return N.Symbol(a.id, span=t.span(a))


_BINOPS = {ast.Add: N.Add, ast.Sub: N.Sub, ast.Mult: N.Mul, ast.Div: N.Div, ast.MatMult: N.MatMul}


@_translate.register
def _(a: ast.BinOp, t: _Translator, depth: int) -> N.Node:
    if isinstance(a.op, ast.Pow):
        p = _number_value(a.right)
        if p is None:
            t.fail(a.right, "the exponent of ** must be a number")
        if abs(p) > MAX_EXPONENT:
            t.fail(a.right, f"exponent larger than {MAX_EXPONENT} in absolute value")
        return N.Pow(t.node(a.left, depth + 1), p, span=t.span(a))
    cls = _BINOPS.get(type(a.op))
    if cls is None:
        sym = {ast.FloorDiv: "//", ast.Mod: "%", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
               ast.LShift: "<<", ast.RShift: ">>"}.get(type(a.op), type(a.op).__name__)
        hint = " (use ** for powers)" if sym == "^" else ""
        t.fail(a, f"operator {sym} is not part of the expression language{hint}")
    return cls(t.node(a.left, depth + 1), t.node(a.right, depth + 1), span=t.span(a))


@_translate.register
def _(a: ast.UnaryOp, t: _Translator, depth: int) -> N.Node:
    if isinstance(a.op, ast.UAdd):
        return t.node(a.operand, depth + 1)
    if isinstance(a.op, ast.USub):
        return N.Neg(t.node(a.operand, depth + 1), span=t.span(a))
    t.fail(a, f"unary {type(a.op).__name__} is not part of the expression language")


@_translate.register
def _(a: ast.Attribute, t: _Translator, depth: int) -> N.Node:
    if a.attr != "T":
        t.fail(a, f"attribute .{a.attr} is not allowed (only .T, the transpose)")
    return N.Transpose(t.node(a.value, depth + 1), span=t.span(a))


@_translate.register
def _(a: ast.Call, t: _Translator, depth: int) -> N.Node:
    if not isinstance(a.func, ast.Name):
        t.fail(a.func, "only the functions of the language can be called")
    name = a.func.id
    spec = FUNCTIONS.get(name)
    if spec is None:
        known = ", ".join(sorted(FUNCTIONS))
        t.fail(a.func, f"unknown function {name!r} (known: {known})")
    if a.keywords:
        t.fail(a.keywords[0].value, f"{name} takes no keyword arguments")
    want = spec.nargs + spec.nparams
    if len(a.args) != want:
        t.fail(a, f"{name} takes {want} argument{'s' if want != 1 else ''}, got {len(a.args)}")
    args = tuple(t.node(x, depth + 1) for x in a.args[: spec.nargs])
    params = []
    for x in a.args[spec.nargs:]:
        v = _number_value(x)
        if not isinstance(v, int):
            t.fail(x, f"the last argument of {name} must be an integer")
        if abs(v) > MAX_EXPONENT:
            t.fail(x, f"{name}: power larger than {MAX_EXPONENT}")
        params.append(v)
    return N.Call(name, args, tuple(params), span=t.span(a))
