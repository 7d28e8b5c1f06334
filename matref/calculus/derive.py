"""``matref derive``: the gradient of your own scalar expression, derived and then proved.

The derivation is symbolic (reverse mode over matref's own nodes, :mod:`matref.calculus.reverse`),
kept short by the smart constructors of :mod:`matref.calculus.build`, and proved by the same
engine as the catalog before it is returned: a result that fails its own proof is reported as
a bug in matref, never shown as correct.

This first part covers gradients of scalar functions; Jacobians, Hessians and the derivation
written with differentials (``--steps``) are the rest of the issue.
"""

from __future__ import annotations

from dataclasses import dataclass

from matref.calculus import forward
from matref.calculus.reverse import NotDifferentiable, gradient
from matref.expr.errors import MatrefError

__all__ = ["Derivation", "NotDifferentiable", "derive"]


@dataclass(frozen=True)
class Derivation:
    """A derived gradient with its proof.

    Attributes
    ----------
    f, wrt : str
        The function and the variable, as given.
    result : str
        The gradient in matref syntax, shaped like ``wrt`` (denominator layout), or the
        differential written with ``d<wrt>`` (``kind == "differential"``).
    latex : str
        ``\\frac{\\partial}{\\partial X} f = G``.
    layouts : dict
        The result in both layouts (LaTeX of the right side).
    steps : tuple
        Gradient: (rule, node, the adjoint it received), in the order of the reverse pass.
        Differential: (rule, d(node), what it equals), innermost first.
    report : Report
        The proof of ``result`` by the engine.
    """

    f: str
    wrt: str
    result: str
    latex: str
    layouts: dict
    steps: tuple
    report: object
    kind: str = "gradient"  # or "differential"

    def __str__(self) -> str:
        lines = [f"{self.kind} of {self.f} with respect to {self.wrt}:", f"  {self.result}",
                 f"proof: {self.report.headline()}", f"  reproduce: {self.report.reproduce}"]
        return "\n".join(lines)

    def steps_text(self) -> list[str]:
        """The steps as lines: the differentials innermost first, or the reverse pass's rules."""
        from matref.kinds import KINDS

        if KINDS[self.kind].directional:  # a differential, written with d<wrt>
            return ["steps (with differentials, innermost first):"] + [
                f"  {k}. {node} = {value}    [{rule}]" for k, (rule, node, value) in enumerate(self.steps, 1)]
        return ["steps (reverse mode: each part passes the gradient it received to its arguments):"] + [
            f"  {k}. {rule}: {node} receives {adjoint}" for k, (rule, node, adjoint) in enumerate(self.steps, 1)]

    def to_dict(self) -> dict:
        return {"f": self.f, "wrt": self.wrt, "kind": self.kind, self.kind: self.result, "latex": self.latex,
                "layouts": self.layouts, "steps": [list(s) for s in self.steps], "report": self.report.to_dict()}


def project(g, props) -> tuple[object, str]:
    """The gradient on the variable's own space: on Sym(n), sym(G) = (G + Gᵀ) / 2; on the diagonal
    matrices, G ∘ I. (The Frobenius gradient on the subspace; the catalog's convention.)"""
    from matref.calculus import build as B

    props = set(props)
    if props & {"diagonal"}:
        return B.mul(g, B.I), "gradient on the diagonal matrices: G ∘ I"
    if props & {"symmetric", "spd"}:
        sym = B.div(B.add(g, B.t(g)), B.num(2))
        return sym, "gradient on Sym(n): sym(G) = (G + Gᵀ) / 2"
    return g, ""


def _plain_numbers(text: str) -> str:
    """``2.0 * X`` -> ``2 * X`` (the same value when parsed back)."""
    import re

    return re.sub(r"(?<![\w.])(\d+)\.0(?![\d.eE])", r"\1", text)


def derive(f: str, wrt: str, assume=None, shapes=None, trials: int = 5, seed: int | None = None,
           differential: bool = False) -> Derivation:
    """Derive the gradient of ``f`` with respect to ``wrt`` (or its differential), then prove it.

    A scalar ``f`` gets its gradient (denominator layout, shaped like ``wrt``); a vector or matrix
    ``f``, or ``differential=True``, gets its differential ``d f`` written with ``d<wrt>``: the
    Jacobian's action, ``vec(d f) = J vec(d<wrt>)``.

    Parameters
    ----------
    f, wrt : str
        The function (matref syntax) and the variable.
    assume, shapes
        As in :func:`matref.check`.
    trials, seed
        Of the proof.

    Returns
    -------
    Derivation

    Raises
    ------
    MatrefError
        Bad input (parse error with its column, shape mismatch), a part without a derivative rule (:class:`NotDifferentiable`), or a derived result that
        fails its own proof (a bug in matref, reported as such).

    Examples
    --------
    >>> import matref
    >>> d = matref.derive("tr(A @ X @ B)", "X", seed=1)
    >>> d.result, d.report.ok
    ('A.T @ B.T', True)
    >>> matref.derive("inv(X)", "X", seed=1).result
    '-(inv(X) @ dX @ inv(X))'
    """
    from matref.calculus import build as B
    from matref.faces.api import build, check

    if not isinstance(f, str) or not isinstance(wrt, str) or not wrt.strip():
        raise MatrefError("derive takes an expression string f and a symbol name wrt")
    try:
        ident = build(lhs=f, rhs=f, assume=assume, shapes=shapes)
    except MatrefError as e:  # the expression was checked as an equality's sides: name it --f
        text = str(e)
        raise MatrefError(f"--f{text[3:]}" if text.startswith("lhs") else text) from None
    typed = ident.typed["lhs"]
    from matref.expr.nodes import symbols

    if wrt not in symbols(typed.node):
        raise MatrefError(f"--wrt {wrt}: {wrt} does not appear in {f}")
    symmetric = frozenset(n for n, props in ident.assumptions.items() if set(props) & {"symmetric", "spd", "diagonal"})
    scalar = typed.scope.unifier.is_scalar(typed.shape)
    if differential or not scalar:
        if f"d{wrt}" in symbols(typed.node):
            raise MatrefError(f"--f uses a symbol d{wrt}, which names the differential of {wrt}: rename it")
        node, steps = forward.differential(typed, wrt)
        kind, claim = "differential", "differential"
    else:
        node, steps = gradient(typed, wrt)
        node, projection = project(node, ident.assumptions.get(wrt, ()))
        if projection:
            steps = [*steps, (projection, str(wrt), str(node))]
        kind, claim = "gradient", "grad"
    node = B.rebuild(node, symmetric)
    result = _plain_numbers(str(node))
    report = check(f=f, wrt=wrt, assume=assume, shapes=shapes, trials=trials, seed=seed, **{claim: result})
    if not report.ok:
        raise MatrefError(f"matref derived {result} for the {kind} of {f} with respect to {wrt}, and its own "
                          f"proof says {report.verdict}: this is a bug in matref (please report it)\n{report}")
    stated = build(f=f, wrt=wrt, assume=assume, shapes=shapes, **{claim: result})
    return Derivation(f, wrt, result, stated.latex, dict(stated.layouts), tuple(steps), report, kind)
