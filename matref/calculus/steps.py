"""The steps of a derivation, written as a person writes them with differentials.

One :class:`Step` per line: a named rule, what it rewrites, and the result, in matref syntax and
in LaTeX (for the book). :class:`Writer` renders each step's LaTeX in the scope of the variable
and its differential ``dX``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from matref.calculus.linear import Form
from matref.expr import nodes as N
from matref.expr.errors import MatrefError
from matref.expr.to_latex import to_latex


@dataclass(frozen=True)
class Step:
    """One line of a derivation: ``lhs = rhs`` by ``rule``."""

    rule: str
    lhs: str
    rhs: str
    lhs_tex: str
    rhs_tex: str

    def text(self) -> str:
        return f"{self.lhs} = {self.rhs}    [{self.rule}]"

    def latex(self, rule: str = "right") -> str:
        """A row of an ``aligned`` block: ``lhs &= rhs && rule``, or (``rule="below"``, for a
        narrow page) the rule in small type on a row of its own under the formula."""
        if rule == "below":
            return f"{self.lhs_tex} &= {self.rhs_tex} \\\\ &\\qquad {{\\footnotesize {rule_tex(self.rule)}}}"
        return f"{self.lhs_tex} &= {self.rhs_tex} && {rule_tex(self.rule)}"

    def to_dict(self) -> dict:
        return asdict(self)


def _tex_text(text: str) -> str:
    """Plain words inside ``\\text{}``: TeX's special characters escaped."""
    for a, b in [("\\", "\\textbackslash "), ("{", "\\{"), ("}", "\\}"), ("_", "\\_"), ("&", "\\&"),
                 ("%", "\\%"), ("#", "\\#"), ("$", "\\$"), ("^", "\\^{}")]:
        text = text.replace(a, b)
    return text


@dataclass
class Writer:
    """Collects the steps of one derivation."""

    form: Form
    steps: list[Step] = field(default_factory=list)

    def tex(self, node: N.Node) -> str:
        try:
            return to_latex(self.form.scope.fork().infer(node))
        except MatrefError:  # a shape the scope cannot settle alone: the text, verbatim
            return f"\\texttt{{{_tex_text(str(node))}}}"

    def d_of(self, node: N.Node) -> tuple[str, str]:
        """``d(node)`` in text and LaTeX."""
        tex = self.tex(node)
        if isinstance(node, (N.Symbol, N.Call)):
            return f"d {node}", f"\\mathrm{{d}}\\,{tex}"
        return f"d({node})", f"\\mathrm{{d}}\\left({tex}\\right)"

    def add(self, rule: str, lhs: tuple[str, str], rhs: N.Node) -> None:
        """A step; one that repeats an earlier line, or says again what the line before said, is left out."""
        step = Step(rule, plain(lhs[0]), plain(str(rhs)), lhs[1], self.tex(rhs))
        if any((s.lhs, s.rhs) == (step.lhs, step.rhs) for s in self.steps):
            return
        if self.steps and self.steps[-1].rhs == step.rhs and self.steps[-1].lhs.startswith("d"):
            return
        self.steps.append(step)

    def differential(self, raw: list[tuple[str, N.Node, N.Node]]) -> None:
        """The forward pass's steps, innermost first."""
        for rule, node, value in raw:
            self.add(rule, self.d_of(node), value)


def plain(text: str) -> str:
    """``2.0 * X`` -> ``2 * X`` (the same value when parsed back)."""
    import re

    return re.sub(r"(?<![\w.])(\d+)\.0(?![\d.eE])", r"\1", text)


size = N.size  # the node count (one definition, in matref.expr.nodes)


# -- a rule's name in LaTeX -------------------------------------------------------------------------
_SUPER = {"ᵀ": "\\top", "ⁱ": "i", "ᵏ": "k", "⁻": "-", "¹": "1", "²": "2", "⁺": "+"}
_SYMBOLS = {"⊗": "\\otimes ", "∘": "\\circ ", "⊘": "\\oslash ", "⇔": "\\Leftrightarrow ", "∂": "\\partial ",
            "Σ": "\\sum ", "‖": "\\|", "λ": "\\lambda ", "Λ": "\\Lambda ", "σ": "\\sigma ", "∇": "\\nabla ", "𝟏": "\\mathbf{1}",
            "ᵢ": "_{i}"}
_OPERATORS = re.compile(r"\b(tr|sum|vec|diag|sqrt|softmax|LSE|sym|Sym|pinv)\b")
_BUILTIN = re.compile(r"\b(det|log|exp|sin|cos|tanh)\b")


def formula_tex(text: str) -> str:
    """A rule's formula (``d inv(A) = -inv(A) dA inv(A)``) in LaTeX."""
    out = re.sub(r"\bd(?=[A-Z(]|[a-z](?![a-z])|\s)", r"\\mathrm{d}", text)
    out = re.sub(r"inv\((\w)\)", r"\1^{-1}", out)
    out = re.sub("[" + "".join(_SUPER) + "]+", lambda m: "^{" + "".join(_SUPER[c] for c in m.group()) + "}", out)
    out = _OPERATORS.sub(r"\\operatorname{\1}", out)
    out = _BUILTIN.sub(r"\\\1", out)
    for a, b in _SYMBOLS.items():
        out = out.replace(a, b)
    return re.sub(r" +", " ", out).strip()


def rule_tex(rule: str) -> str:
    """A rule (``name: formula; formula``, either part optional) in LaTeX: names as text, formulas as math."""
    parts = []
    for segment in rule.split("; "):
        name, _, formula = segment.rpartition(": ") if "=" in segment else (segment, "", "")
        text = f"\\text{{{_tex_text(name)}{': ' if formula and name else ''}}}" if name else ""
        parts.append(" ".join(p for p in (text, formula_tex(formula) if formula else "") if p))
    return ";\\; ".join(parts)


def common_subexpressions(node: N.Node, taken: set[str], smallest: int = 4) -> tuple[N.Node, list[tuple[str, N.Node]]]:
    """``node`` with each sub-expression of at least ``smallest`` nodes that occurs twice or more
    replaced by a name (S1, S2 ...; none in ``taken``), and the names with what they stand for.

    For reading only: the named form is what a person writes ("where S1 = A X B"); the result
    proved and returned stays the full expression.
    """
    counts: dict[N.Node, int] = {}
    for n in N.walk(node):
        if not isinstance(n, (N.Symbol, N.Number, N.Identity)) and size(n) >= smallest:
            counts[n] = counts.get(n, 0) + 1
    repeated = sorted((n for n, k in counts.items() if k >= 2), key=size, reverse=True)
    names: list[tuple[str, N.Node]] = []
    k = 0
    for sub in repeated:
        if sum(1 for n in N.walk(node) if n == sub) < 2:  # inside an expression named already
            continue
        k += 1
        while f"S{k}" in taken:
            k += 1
        name = f"S{k}"
        node = _replace(node, sub, N.Symbol(name))
        names.append((name, sub))
    return node, names


def _replace(node: N.Node, old: N.Node, new: N.Node) -> N.Node:
    if node == old:
        return new
    kids = tuple(_replace(c, old, new) for c in node.children())
    return N.replace_children(node, kids) if kids else node
