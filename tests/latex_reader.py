"""Read the printer's LaTeX back into a tree, under a chosen precedence of its operators.

The printer's output is unambiguous when it reads as the same tree whatever precedence a reader
gives juxtaposition (a product), ``\\circ``/``\\oslash`` and ``\\otimes`` relative to each
other: tests/test_to_latex.py reads every formula of the catalog under each order and compares.
Only this test uses it; it is not a general LaTeX parser.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"""
    (?P<left>\\left(?:\(|\\\||\||\[))
  | (?P<right>\\right(?:\)|\\\||\||\]))
  | (?P<frac>\\frac)
  | (?P<sup>\^)
  | (?P<sub>_)
  | (?P<lbrace>\{)
  | (?P<rbrace>\})
  | (?P<op>\\circ|\\oslash|\\otimes|\\cdot|\+|-|=)
  | (?P<cmd>\\(?:operatorname|mathbf|mathit|mathrm)\{[^{}]*\}|\\[A-Za-z]+)
  | (?P<space>\s+|\\,|\\!|\\;)
  | (?P<word>[A-Za-z])
  | (?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)
  | (?P<other>.)
""", re.VERBOSE)

OPS = {"\\circ": "had", "\\oslash": "odiv", "\\otimes": "kron", "\\cdot": "prod", "+": "add", "-": "sub",
       "=": "eq"}


def tokenize(s: str) -> list[tuple[str, str]]:
    out = []
    for m in _TOKEN.finditer(s):
        kind = m.lastgroup
        out.append((kind, m.group()))
    return out


class Reader:
    """Precedence climbing over the token list; ``prec`` maps operator names to binding power."""

    def __init__(self, text: str, prec: dict[str, int]):
        self.toks = tokenize(text)
        self.i = 0
        self.prec = prec
        self.text = text

    def peek(self, skip_space=True):
        j = self.i
        while skip_space and j < len(self.toks) and self.toks[j][0] == "space":
            j += 1
        return self.toks[j] if j < len(self.toks) else (None, None)

    def take(self, skip_space=True):
        while skip_space and self.i < len(self.toks) and self.toks[self.i][0] == "space":
            self.i += 1
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def braced(self) -> str:
        """The raw text of a ``{...}`` group (balanced)."""
        kind, _ = self.take()
        assert kind == "lbrace", self.text
        depth, parts = 1, []
        while True:
            kind, val = self.toks[self.i]
            self.i += 1
            if kind == "lbrace":
                depth += 1
            elif kind == "rbrace":
                depth -= 1
                if depth == 0:
                    return "".join(parts)
            parts.append(val)

    def expr(self, min_prec: int = 0):
        left = self.unary()
        while True:
            kind, val = self.peek()
            if kind is None or kind in ("right", "rbrace") or (kind, val) == ("other", ","):
                return left
            if kind == "op" and val in OPS:
                name = OPS[val]
            else:
                name = "prod"  # juxtaposition
            p = self.prec[name]
            if p < min_prec:
                return left
            if kind == "op":
                self.take()
            right = self.expr(p + 1)
            left = (name, left, right)

    def unary(self):
        kind, val = self.peek()
        if kind == "op" and val == "-":
            self.take()
            return ("neg", self.expr(self.prec["prod"]))
        return self.postfix()

    def postfix(self):
        node = self.primary()
        while True:
            kind, _ = self.peek(skip_space=False)
            if kind == "sup":
                self.take(False)
                node = ("pow", node, self.braced())
            elif kind == "sub":
                self.take(False)
                if self.peek(skip_space=False)[0] == "lbrace":
                    node = ("subscript", node, self.braced())
                else:  # \|A\|_*: a one-character subscript
                    node = ("subscript", node, self.take(False)[1])
            elif kind == "left" and self.toks[self.i][1] == "\\left(" and node[0] in ("atom", "subscript"):
                node = ("apply", node, self.primary())  # f(x): no space before the parenthesis
            else:
                return node

    def primary(self):
        kind, val = self.take()
        if kind == "left":
            inner = self.expr()
            while self.peek() == ("other", ","):  # f(A, E): the arguments of a function of several
                self.take()
                inner = ("args", inner, self.expr())
            closing = self.take()
            assert closing[0] == "right", (self.text, closing)
            return {"\\left(": ("group", inner), "\\left\\|": ("norm", inner), "\\left|": ("abs", inner),
                    "\\left[": ("bracket", inner)}[val]
        if kind == "frac":
            num, den = self.braced(), self.braced()
            return ("frac", read(num, self.prec), read(den, self.prec))
        if kind == "cmd" and val == "\\begin":  # a block matrix: each cell read on its own
            env = self.braced()
            parts = []
            while self.toks[self.i] != ("cmd", "\\end"):
                parts.append(self.toks[self.i][1])
                self.i += 1
            self.i += 1
            assert self.braced() == env, self.text
            rows = [r.split("&") for r in "".join(parts).split("\\\\")]
            return ("matrix", tuple(tuple(read(c, self.prec) for c in row) for row in rows))
        if kind in ("cmd", "word", "num"):
            nxt = self.toks[self.i] if self.i < len(self.toks) else (None, None)
            if val == "\\mathrm{d}" and nxt[0] in ("word", "cmd"):
                return ("atom", val + self.primary()[1])  # dX: one symbol
            return ("atom", val)
        if kind == "lbrace":
            self.i -= 1
            return ("atom", "{" + self.braced() + "}")
        raise AssertionError(f"unexpected {val!r} in {self.text!r}")


def normal(node):
    """Associative chains flattened, groups dropped, negation pulled out of products."""
    if not isinstance(node, tuple):
        return node
    tag = node[0]
    if tag == "group":
        return normal(node[1])
    if tag in ("prod", "had", "kron"):
        parts, sign = [], 1
        for child in node[1:]:
            c = normal(child)
            if isinstance(c, tuple) and c[0] == "neg":
                sign, c = -sign, c[1]
            if isinstance(c, tuple) and c[0] == tag:
                parts.extend(c[1])
            else:
                parts.append(c)
        out = (tag, tuple(parts))
        return ("neg", out) if sign < 0 else out
    if tag == "odiv":
        a, b = normal(node[1]), normal(node[2])
        sign = 1
        for x in (a, b):
            if isinstance(x, tuple) and x[0] == "neg":
                sign = -sign
        a = a[1] if isinstance(a, tuple) and a[0] == "neg" else a
        b = b[1] if isinstance(b, tuple) and b[0] == "neg" else b
        return ("neg", ("odiv", a, b)) if sign < 0 else ("odiv", a, b)
    if tag == "neg":
        inner = normal(node[1])
        return inner[1] if isinstance(inner, tuple) and inner[0] == "neg" else ("neg", inner)
    return (tag,) + tuple(normal(c) for c in node[1:])


def read(text: str, prec: dict[str, int]):
    r = Reader(text, prec)
    tree = r.expr()
    assert r.peek()[0] is None, f"unread text after position {r.i} in {text!r}"
    return normal(tree)


def orders() -> list[dict[str, int]]:
    """Both relative orders of juxtaposition and the elementwise operators, which have no agreed
    precedence; the Kronecker product binds more loosely than either (the Cookbook's
    ``AC \\otimes BD``) and sums most loosely."""
    out = []
    for prod, had in ((3, 4), (4, 3)):
        out.append({"eq": 0, "add": 1, "sub": 1, "kron": 2, "prod": prod, "had": had, "odiv": had})
    return out
