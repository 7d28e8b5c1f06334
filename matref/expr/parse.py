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

from matref.expr import habits
from matref.expr import nodes as N
from matref.expr import spellings as S
from matref.expr.errors import ExprError
from matref.expr.functions import FUNCTIONS

MAX_LENGTH = 2000
MAX_DEPTH = 100
MAX_EXPONENT = 64
MAX_LITERAL = 10**300
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def parse(source: str, strict: bool = False, constants: dict[str, int] | None = None,
          template: frozenset[str] = frozenset()) -> N.Node:
    """Parse an expression string into a matref node tree.

    Parameters
    ----------
    source : str
        Numpy-like expression, e.g. ``"tr(A @ inv(X) @ B)"``. Also read: numpy's spellings
        (``np.trace(X)``, ``np.linalg.inv(X)``, ``A.dot(x)``, ``X.transpose()`` ...; see
        :mod:`matref.expr.spellings`) and the usual habits (``X'``, ``X^T``, ``X^-1``; see
        :mod:`matref.expr.habits`), each as the language's own expression.
    strict : bool
        Only matref's own spelling (the catalog's YAML is written in it).
    constants : dict, optional
        Integer parameters (``{"n": 4}``): a name among them reads as its value, in scalar
        positions and in the integer arguments of functions (``mpow(X, n - 1)``).
        ``series(r, lo, hi, body)``, the sum of ``body`` for the integers ``r`` from ``lo`` to
        ``hi``, is expanded into its terms.
    template : frozenset
        Integer parameters left symbolic (to print a statement "for every n"): they read as scalar
        symbols, integer arguments that use them are kept as text and ``series`` as a
        :class:`~matref.expr.nodes.Series` node. Such a tree is printed, never evaluated.

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
    text = source.replace("\t", " ")
    text, origin = (text, list(range(len(text)))) if strict else habits.rewrite(text)
    for i, ch in enumerate(text):
        if not (32 <= ord(ch) < 127):
            at = origin[i]
            raise ExprError(f"character {ch!r} is not allowed", source, (at, at + 1))
    lead = len(text) - len(text.lstrip())
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "1if A else A" warns before it fails: matref reports it
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        col = (e.offset or 1) - 1 + lead
        col = min(max(col, 0), len(text) - 1)
        raise ExprError(_syntax_message(e, text, col), source, _map_span(origin, (col, col + 1), source)) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression is nested too deeply", source) from None
    return _Translator(source, lead, origin, strict, dict(constants or {}), frozenset(template)).node(tree.body, 0)


def _map_span(origin: list[int], span: tuple[int, int], source: str) -> tuple[int, int]:
    """A span in the rewritten text as a span in the text as typed."""
    if not origin:
        return span
    a = origin[min(max(span[0], 0), len(origin) - 1)]
    b = origin[min(max(span[1] - 1, 0), len(origin) - 1)] + 1
    return (a, max(b, a + 1)) if a < len(source) else (len(source) - 1, len(source))


def _syntax_message(e: SyntaxError, text: str, col: int) -> str:
    msg = (e.msg or "invalid syntax").replace("invalid syntax. Perhaps you forgot a comma?", "invalid syntax")
    if "string literal" in msg:
        return ("a quote ' is the transpose only right after a name or a closing bracket (X', (A @ B)'); "
                "strings are not part of the language")
    before = text[:col].rstrip()
    if msg.startswith("invalid syntax") and before and (before[-1].isalnum() or before[-1] in ")_") and (
            text[col:col + 1].isalnum() or text[col:col + 1] == "("):
        return "two operands side by side: write @ for the matrix product (or * elementwise)"
    return msg


class _Translator:
    def __init__(self, source: str, lead: int, origin: list[int] | None = None, strict: bool = False,
                 constants: dict[str, int] | None = None, template: frozenset[str] = frozenset()):
        self.source = source
        self.lead = lead
        self.origin = origin or list(range(len(source)))
        self.strict = strict
        self.constants = constants or {}
        self.template = template

    def span(self, a: ast.AST) -> tuple[int, int]:
        span = (a.col_offset + self.lead, (a.end_col_offset or a.col_offset + 1) + self.lead)
        return _map_span(self.origin, span, self.source)

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
    if isinstance(a.value, str):
        t.fail(a, "only real numbers are allowed as constants: strings are not part of the language (a quote ' "
                  "right after a name or a closing bracket is the transpose: X', (A @ B)')")
    if type(a.value) not in (int, float):
        t.fail(a, f"only real numbers are allowed as constants, not {a.value!r}")
    if isinstance(a.value, float) and not math.isfinite(a.value):
        t.fail(a, "number too large (it overflows to infinity)")
    if isinstance(a.value, int) and abs(a.value) > MAX_LITERAL:
        t.fail(a, f"number too large (at most {MAX_LITERAL:.0e})")
    return N.Number(a.value, span=t.span(a))


@_translate.register
def _(a: ast.Name, t: _Translator, depth: int) -> N.Node:
    if a.id in t.constants:
        return N.Number(float(t.constants[a.id]), span=t.span(a))
    if a.id in t.template:
        return N.Symbol(a.id, span=t.span(a))
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
        hint = (": X ** 2 is the elementwise square, mpow(X, 2) (or X @ X) the matrix power; X^T is read as "
                "the transpose and X^-1 as the inverse") if sym == "^" else ""
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
    if a.attr == habits.INVERSE:  # X^-1 as typed
        return N.Call("inv", (t.node(a.value, depth + 1),), (), span=t.span(a))
    if a.attr == "T":
        return N.Transpose(t.node(a.value, depth + 1), span=t.span(a))
    dotted = _dotted(a)
    if dotted and S.strip_prefix(dotted) != dotted:
        t.fail(a, f"{dotted} is not part of the expression language (only functions of it can be called)")
    if a.attr in S.METHODS:
        t.fail(a, f".{a.attr} is a method: call it, as in {S.METHODS[a.attr][2].split(' -> ')[0]}")
    t.fail(a, f"attribute .{a.attr} is not allowed (only .T, the transpose)")


def _dotted(a: ast.AST) -> str | None:
    """``np.linalg.inv`` as text when ``a`` is a chain of names, else None."""
    parts = []
    while isinstance(a, ast.Attribute):
        parts.append(a.attr)
        a = a.value
    if not isinstance(a, ast.Name):
        return None
    return ".".join([a.id, *reversed(parts)])


@_translate.register
def _(a: ast.Call, t: _Translator, depth: int) -> N.Node:
    if isinstance(a.func, ast.Name) and a.func.id == "series":
        return _series(a, t, depth)
    if t.strict:
        if not isinstance(a.func, ast.Name):
            t.fail(a.func, "only the functions of the language can be called")
        return _own_function(a, a.func.id, t, depth)
    if isinstance(a.func, ast.Attribute):
        dotted = _dotted(a.func)
        name = S.strip_prefix(dotted) if dotted else None
        if name is None or name == dotted:  # not a module's function: a method of an expression
            return _method(a, t, depth)
        if "." in name:
            t.fail(a.func, f"unknown function {dotted!r}")
    elif isinstance(a.func, ast.Name):
        name = a.func.id
    else:
        t.fail(a.func, "only the functions of the language can be called")
    if name in S.REFUSED:
        t.fail(a.func, f"{name}: {S.REFUSED[name]}")
    if name == "norm":
        return _norm(a, t, depth)
    if name in ("eye", "identity") and len(a.args) == 1 and not a.keywords and _number_value(a.args[0]) is None:
        if isinstance(a.args[0], ast.Name):  # eye(n) with a size name: the identity, its size inferred
            return N.Identity(span=t.span(a))
        t.fail(a.args[0], "the size of eye(k) must be a whole number or a size name")
    if name == "identity":
        name = "eye"
    if name == "matrix_power":
        name = "mpow"
    spelling = S.SPELLINGS.get(name)
    if spelling is not None and spelling.build is not None and name not in FUNCTIONS:
        if a.keywords:
            t.fail(a.keywords[0].value, f"{name} takes no keyword arguments here")
        if spelling.nargs is not None and len(a.args) != spelling.nargs:
            t.fail(a, f"{name} takes {spelling.nargs} argument{'s' if spelling.nargs != 1 else ''}, got {len(a.args)}")
        return spelling.build([t.node(x, depth + 1) for x in a.args], t.span(a))
    return _own_function(a, name, t, depth)


_INT_OPS = {ast.Add: lambda x, y: x + y, ast.Sub: lambda x, y: x - y, ast.Mult: lambda x, y: x * y}
MAX_TERMS = 64
"""The most terms a ``series`` may expand into."""


def _integer(a: ast.AST, t: _Translator):
    """An integer argument: a literal, or + - * of literals and integer parameters (its text in a
    template when it uses a symbolic parameter); None when it is not one."""
    v = _number_value(a)
    if v is not None:
        return v
    if isinstance(a, ast.Name) and a.id in t.constants:
        return t.constants[a.id]
    if isinstance(a, ast.Name) and a.id in t.template:
        return a.id
    if isinstance(a, ast.UnaryOp) and isinstance(a.op, ast.USub):
        inner = _integer(a.operand, t)
        return -inner if isinstance(inner, int) else (f"-{inner}" if isinstance(inner, str) else None)
    if isinstance(a, ast.BinOp) and type(a.op) in _INT_OPS:
        x, y = _integer(a.left, t), _integer(a.right, t)
        if isinstance(x, int) and isinstance(y, int):
            out = _INT_OPS[type(a.op)](x, y)
            return out if abs(out) <= MAX_LITERAL else None
        if x is not None and y is not None:
            return ast.unparse(a)
    return None


def _series(a: ast.Call, t: _Translator, depth: int) -> N.Node:
    """``series(r, lo, hi, body)``: the sum of body over the integers r = lo .. hi, expanded."""
    if len(a.args) != 4 or a.keywords or not isinstance(a.args[0], ast.Name):
        t.fail(a, "series takes (r, lo, hi, body): a name, two whole numbers and the expression summed")
    var = a.args[0].id
    if var in FUNCTIONS or var == "I" or var in t.constants or var in t.template:
        t.fail(a.args[0], f"the summation index {var!r} must be a new name")
    lo, hi = _integer(a.args[1], t), _integer(a.args[2], t)
    for x, v in ((a.args[1], lo), (a.args[2], hi)):
        if v is None:
            t.fail(x, "the bounds of series must be whole numbers (or integer parameters)")
    if isinstance(lo, str) or isinstance(hi, str):
        inner = _Translator(t.source, t.lead, t.origin, t.strict, t.constants, t.template | {var})
        return N.Series(var, str(lo), str(hi), inner.node(a.args[3], depth + 1), span=t.span(a))
    if hi < lo:
        t.fail(a, f"series from {lo} to {hi} has no terms")
    if hi - lo + 1 > MAX_TERMS:
        t.fail(a, f"series with more than {MAX_TERMS} terms")
    total = None
    for k in range(lo, hi + 1):
        inner = _Translator(t.source, t.lead, t.origin, t.strict, {**t.constants, var: k}, t.template)
        term = inner.node(a.args[3], depth + 1)
        total = term if total is None else N.Add(total, term, span=t.span(a))
    return total


def _own_function(a: ast.Call, name: str, t: _Translator, depth: int) -> N.Node:
    """A call of one of the language's functions, by its own name."""
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
        v = _integer(x, t)
        if isinstance(v, str):  # a template's symbolic exponent, printed as written
            params.append(v)
            continue
        if not isinstance(v, int):
            t.fail(x, f"the last argument of {name} must be an integer")
        if abs(v) > MAX_EXPONENT:
            t.fail(x, f"{name}: power larger than {MAX_EXPONENT}")
        params.append(v)
    return N.Call(name, args, tuple(params), span=t.span(a))


def _method(a: ast.Call, t: _Translator, depth: int) -> N.Node:
    """``A.dot(x)``, ``X.transpose()``, ``X.sum()``, ``X.trace()``: read as the language's own."""
    attr = a.func.attr
    if attr not in S.METHODS:
        t.fail(a.func, f"only the functions of the language can be called, and the methods "
               f"{', '.join('.' + m + '()' for m in S.METHODS)}; .{attr}() is not one of them")
    nargs, build, how = S.METHODS[attr]
    if a.keywords or len(a.args) != nargs:
        t.fail(a, f".{attr}() takes {nargs} argument{'s' if nargs != 1 else ''} here: {how}")
    obj = t.node(a.func.value, depth + 1)
    return build(obj, [t.node(x, depth + 1) for x in a.args], t.span(a))


def _norm(a: ast.Call, t: _Translator, depth: int) -> N.Node:
    """norm(X) (Frobenius); numpy's norm(x, 2) / ord=2 (a vector's Euclidean norm) and 'fro'."""
    order = a.args[1:] + [k.value for k in a.keywords if k.arg == "ord"]
    others = [k for k in a.keywords if k.arg != "ord"]
    if not a.args or len(a.args) > 2 or others or len(order) > 1:
        t.fail(a, "norm takes an array and at most an order (2 or 'fro'): norm(x), norm(x, 2), norm(X, 'fro')")
    arg = t.node(a.args[0], depth + 1)
    if not order:
        return N.Call("norm", (arg,), (), span=t.span(a))
    o = order[0]
    if isinstance(o, ast.Constant) and o.value == "fro":
        return N.Call("norm", (arg,), (), span=t.span(a))
    if _number_value(o) == 2:
        return N.Call("norm", (arg,), (2,), span=t.span(a))
    t.fail(o, "only norm(x) (Euclidean, or Frobenius for a matrix), norm(x, 2) of a vector and "
              "norm(X, 'fro') are in the language")
