"""``matref derive``: the derivative of your own expression, derived with its steps, then proved.

The derivation is symbolic over matref's own nodes: the differential in forward mode
(:mod:`matref.calculus.forward`), the gradient in reverse mode (:mod:`matref.calculus.reverse`)
and by identification from the differential (:mod:`matref.calculus.linear`), the Jacobian and
the Hessian read from a differential as matrices in Kronecker/commutation form. The smart
constructors of :mod:`matref.calculus.build` keep results short. Every result is proved by the
same engine as the catalog before it is returned: one that fails its own proof is reported as a
bug in matref, never shown as correct.
"""

from __future__ import annotations

from dataclasses import dataclass

from matref.calculus import build as B
from matref.calculus import forward
from matref.calculus.linear import Form, NoMatrixForm, matrix_of, trace_form
from matref.calculus.reverse import NotDifferentiable, gradient
from matref.calculus.steps import Writer, size
from matref.calculus.steps import plain as _plain
from matref.expr import nodes as N
from matref.expr.errors import MatrefError
from matref.expr.parse import parse
from matref.data.symmetry import is_symmetric
from matref.kinds import KINDS

__all__ = ["Derivation", "NotDifferentiable", "derive", "ROUTES"]


@dataclass(frozen=True)
class Derivation:
    """A derived derivative with its steps and its proof: what :func:`derive` returns.

    ``str(derivation)`` shows the result, its short form, the proof and the command that
    reproduces it. Each parameter below is kept as the attribute of the same name.

    Parameters
    ----------
    f, wrt : str
        The function and the variable, as given.
    result : str
        The derivative in matref syntax.
    latex : str
        The whole statement in LaTeX, e.g. ``\\frac{\\partial}{\\partial X} f = G``.
    layouts : dict
        The result in both layouts (LaTeX of the right side); empty for a differential or a
        Hessian.
    steps : tuple of Step
        The derivation, one named rule per line, innermost differential first.
    report : Report
        The proof of ``result`` by the engine.
    kind : str, default "gradient"
        ``"gradient"`` (shaped like ``wrt``, denominator layout), ``"differential"`` (written
        with ``d<wrt>``), ``"jacobian"`` (d vec f / d vec wrt, numerator layout, column-major) or
        ``"hessian"`` (d² f / d vec(wrt) d vec(wrt)ᵀ).
    note : str, default ""
        Why the result is of another kind than asked (a Jacobian without a Kronecker form is
        given as its action, the differential).
    named : tuple of (str, str), default ()
        The repeated sub-expressions of the result with the names :attr:`short` gives them.

    Examples
    --------
    >>> import matref
    >>> d = matref.derive("tr(A @ X @ B)", "X", seed=1)
    >>> d.kind, d.result, d.layouts["numerator"]
    ('gradient', 'A.T @ B.T', 'B A')
    >>> print(d)
    gradient of tr(A @ X @ B) with respect to X:
      A.T @ B.T
    proof: proved · 5 instances · worst relative error ... ≤ ... · seed 1
      reproduce: matref check --f='tr(A @ X @ B)' --wrt=X --grad='A.T @ B.T' --trials 5 --seed 1
    """

    f: str
    wrt: str
    result: str
    latex: str
    layouts: dict
    steps: tuple
    report: object
    kind: str = "gradient"
    note: str = ""
    named: tuple = ()  # ((name, expression), ...): the common sub-expressions of the result, named

    @property
    def short(self) -> str:
        """The result with its repeated sub-expressions named (``det(S1) * ... where S1 = A @ X @ B``).

        The result itself when nothing repeats.

        Examples
        --------
        >>> import matref
        >>> d = matref.derive("det(A @ X @ B) * tr(A @ X @ B)", "X", seed=1)
        >>> print(d.short)
        (B @ (tr(S2) * S1 * I) @ inv(S2) @ A + S1 * (B @ A)).T  where S1 = det(A @ X @ B), S2 = A @ X @ B
        >>> matref.derive("tr(A @ X)", "X", seed=1).short
        'A.T'
        """
        if not self.named:
            return self.result
        from matref.calculus.steps import common_subexpressions

        node, _ = common_subexpressions(B.strip_spans(parse(self.result)), set(N.symbols(parse(self.f))) | {f"d{self.wrt}"})
        return f"{_plain(str(node))}  where " + ", ".join(f"{n} = {e}" for n, e in self.named)

    def __str__(self) -> str:
        lines = [f"{self.kind} of {self.f} with respect to {self.wrt}:", f"  {self.result}"]
        if self.named:
            lines.append(f"  = {self.short}")
        if self.note:
            lines.append(f"  ({self.note})")
        lines += [f"proof: {self.report.headline()}", f"  reproduce: {self.report.reproduce}"]
        return "\n".join(lines)

    def steps_text(self) -> list[str]:
        """The steps as lines of text, numbered, each with its rule in brackets.

        Returns
        -------
        list of str
            ``"steps:"``, then one line per step.

        Examples
        --------
        >>> import matref
        >>> print("\\n".join(matref.derive("tr(A @ X)", "X", seed=1).steps_text()))
        steps:
          1. d(A @ X) = A @ dX    [product rule: d(AB) = dA B + A dB]
          2. d tr(A @ X) = tr(A @ dX)    [d tr(A) = tr(dA)]
          3. ∂f/∂X = A.T    [identification: df = tr(Gᵀ dX) ⇔ ∂f/∂X = G]
        """
        return ["steps:"] + [f"  {k}. {s.text()}" for k, s in enumerate(self.steps, 1)]

    def steps_latex(self, rule: str = "right") -> str:
        """The steps as one LaTeX ``aligned`` block.

        Parameters
        ----------
        rule : {"right", "below"}, default "right"
            Where each step's rule goes: on the right of its line, or in small type on a row
            of its own under it (for a narrow page).

        Returns
        -------
        str

        Raises
        ------
        MatrefError
            For any other ``rule``.

        Examples
        --------
        >>> import matref
        >>> print(matref.derive("tr(A @ X)", "X", seed=1).steps_latex())
        \\begin{aligned}
        \\mathrm{d}\\left(A X\\right) &= A \\mathrm{d}X && \\text{product rule: } ... \\\\
        \\mathrm{d}\\,\\operatorname{tr}\\left(A X\\right) &= ... \\\\
        \\frac{\\partial f}{\\partial X} &= A^{\\top} && \\text{identification: } ...
        \\end{aligned}
        """
        if rule not in ("right", "below"):
            raise MatrefError(f"rule must be 'right' or 'below', not {rule!r}")
        return "\\begin{aligned}\n" + " \\\\\n".join(s.latex(rule) for s in self.steps) + "\n\\end{aligned}"

    def to_dict(self) -> dict:
        """The derivation as plain JSON data (what ``matref derive --json`` prints).

        Returns
        -------
        dict
            ``f``, ``wrt``, ``kind``, the result under the key of its kind (``"gradient"``,
            ``"jacobian"``, ...), ``latex``, ``layouts``, ``note``, ``named``, ``short``,
            ``steps`` (each a dict) and ``report`` (:meth:`Report.to_dict`).

        Examples
        --------
        >>> import matref
        >>> d = matref.derive("A @ X @ B", "X", kind="jacobian", seed=1).to_dict()
        >>> d["kind"], d["jacobian"], d["report"]["verdict"]
        ('jacobian', 'kron(B.T, A)', 'holds')
        """
        return {"f": self.f, "wrt": self.wrt, "kind": self.kind, self.kind: self.result, "latex": self.latex,
                "layouts": self.layouts, "note": self.note, "named": dict(self.named), "short": self.short,
                "steps": [s.to_dict() for s in self.steps],
                "report": self.report.to_dict()}


STRUCTURED = frozenset({"symmetric", "spd", "diagonal"})
"""Assumptions that make a variable live on a subspace (its gradient is projected there)."""


class Unproved(MatrefError):
    """A derived result whose proof was undecided (not refuted): it is not given as an answer."""

    exit_code = 3


UNDECIDED = frozenset({"undecided"})
"""The verdicts that neither prove nor refute."""


def _sym(m):
    return B.div(B.add(m, B.t(m)), B.num(2))


def _p_symmetric(x):
    """The orthogonal projection onto Sym(n), acting on vec: (I + K) / 2."""
    return B.div(B.add(B.I, B.call("commutation", x)), B.num(2))


def _p_diagonal(x):
    """The orthogonal projection onto the diagonal matrices, acting on vec: diag(vec(I))."""
    return B.call("diag", B.call("vec", B.I))


TANGENT = {
    # space: (the gradient G projected onto it, the Jacobian J composed with that projection, rule)
    "symmetric": (_sym, lambda j, x: B.div(B.matmul(j, B.add(B.I, B.call("commutation", x))), B.num(2)),
                  "on Sym(n): sym(G) = (G + Gᵀ) / 2, J P with P = (I + K) / 2"),
    "diagonal": (lambda g: B.mul(g, B.I), lambda j, x: B.matmul(j, _p_diagonal(x)),
                 "on the diagonal matrices: G ∘ I, J diag(vec(I))"),
    "orthogonal": (
        lambda g, x=None: None,  # filled in with the point below (it needs X)
        lambda j, x: B.div(B.matmul(j, B.sub(B.I, B.matmul(B.call("kron", B.t(x), x), B.call("commutation", x)))),
                           B.num(2)),
        "on the orthogonal group (tangent space X skew): (G - X Gᵀ X) / 2"),
    "symmetric_orthogonal": (
        lambda g, x=None: None,
        lambda j, x: B.div(B.matmul(B.matmul(j, B.sub(B.I, B.call("kron", B.t(x), x))),
                                    B.add(B.I, B.call("commutation", x))), B.num(4)),
        "on the symmetric orthogonal matrices: (S - X S X) / 2 with S = sym(G)"),
}
"""The tangent space of a structured variable (:func:`matref.engine.sampling.structure`, the engine's
convention): how a gradient and a Jacobian are read on it. A general variable needs none."""


def project(g, space: str, x) -> tuple[object, str]:
    """The gradient on the variable's own space (the Frobenius gradient on the tangent space at
    ``x``; the catalog's and the engine's convention): on Sym(n), sym(G) = (G + Gᵀ) / 2; on the
    diagonal matrices, G ∘ I; on the orthogonal group, (G - X Gᵀ X) / 2."""
    if space not in TANGENT:
        return g, ""
    if space == "orthogonal":
        return B.div(B.sub(g, B.matmul(B.matmul(x, B.t(g)), x)), B.num(2)), "gradient " + TANGENT[space][2]
    if space == "symmetric_orthogonal":
        sym = _sym(g)
        return B.div(B.sub(sym, B.matmul(B.matmul(x, sym), x)), B.num(2)), "gradient " + TANGENT[space][2]
    return TANGENT[space][0](g), "gradient " + TANGENT[space][2].split(", J")[0]


@dataclass
class _Job:
    """One request, parsed and typed: what every kind of derivation needs."""

    f: str
    wrt: str
    assume: object
    shapes: object
    trials: int
    seed: int | None
    typed: object
    ident: object
    form: Form | None = None  # the scope with d<wrt> declared beside the symbols of f
    inferred: object = None  # what tidy inferred in that scope (a tidy.Shapes), shared by every rebuild

    @property
    def symmetric(self) -> frozenset:
        """The symbols equal to their transpose: assumed symmetric (or diagonal), or 1x1."""
        scope = self.typed.scope
        scalars = {n for n in N.symbols(self.typed.node) if scope.unifier.is_scalar(scope.shape_of_symbol(n))}
        structured = {n for n in self.ident.assumptions if self.props(n) & STRUCTURED}
        directions = {f"d{self.wrt}"} if self.wrt in structured else set()  # dX lives where X does
        return frozenset(structured | directions | scalars)

    @property
    def space(self) -> str:
        """The tangent-space kind of the variable (general, symmetric, diagonal, orthogonal ...)."""
        from matref.engine.sampling import structure

        scope = self.typed.scope
        scalar = scope.unifier.is_scalar(scope.shape_of_symbol(self.wrt))
        kind = structure(self.props(self.wrt), (1, 1) if scalar else None)
        if kind == "point":
            raise MatrefError(f"--wrt {self.wrt}: assumed {', '.join(sorted(self.ident.assumptions[self.wrt]))}, "
                              f"{self.wrt} is an isolated point of its set (nothing to differentiate along)")
        return kind

    def props(self, name: str) -> frozenset:
        """What is assumed of ``name``, with everything it implies (distinct_eigenvalues: symmetric)."""
        from matref.data.assumptions import closure

        return closure(self.ident.assumptions.get(name, ()))

    def rebuild(self, node: N.Node) -> N.Node:
        from matref.calculus.tidy import Shapes, tidy

        if self.inferred is None or self.inferred.scope is not self.form.scope:
            self.inferred = Shapes(self.form.scope)
        return tidy(B.rebuild(node, self.symmetric), self.inferred)

    def prove(self, claim: str, result: str, what: str, trials: int | None = None):
        from matref.faces.api import check

        report = check(f=self.f, wrt=self.wrt, assume=self.assume, shapes=self.shapes, trials=trials or self.trials,
                       seed=self.seed, **{claim: result})
        if not report.ok and report.verdict in UNDECIDED:
            raise Unproved(f"matref derived {result} for the {what} of {self.f} with respect to {self.wrt}, but its "
                           f"proof could not decide ({report.reason}), so it is not given as an answer; other "
                           f"sizes (--shape) or more --trials may decide it\n{report}")
        if not report.ok:
            raise MatrefError(f"matref derived {result} for the {what} of {self.f} with respect to {self.wrt}, "
                              f"and its own proof says {report.verdict}: this is a bug in matref (please report "
                              f"it)\n{report}")
        return report


def _start(f, wrt, assume, shapes, trials, seed) -> _Job:
    from matref.faces.api import build

    if not isinstance(f, str) or not isinstance(wrt, str) or not wrt.strip():
        raise MatrefError("derive takes an expression string f and a symbol name wrt")
    try:
        ident = build(lhs=f, rhs=f, assume=assume, shapes=shapes)
    except MatrefError as e:  # the expression was checked as an equality's sides: name it --f
        text = str(e)
        raise MatrefError(f"--f{text[3:]}" if text.startswith("lhs") else text) from None
    typed = ident.typed["lhs"]
    if wrt not in N.symbols(typed.node):
        raise MatrefError(f"--wrt {wrt}: {wrt} does not appear in {f}")
    if f"d{wrt}" in N.symbols(typed.node):
        raise MatrefError(f"--f uses a symbol d{wrt}, which names the differential of {wrt}: rename it")
    return _Job(f, wrt, assume, shapes, trials, seed, typed, ident)


def _gradient(job: _Job, w: Writer) -> N.Node:
    """The gradient, with the steps of the differential and its identification; the shorter of
    the reverse pass's form and the identified one (both proved when they differ)."""
    form = w.form
    dx = N.Symbol(form.dx)
    df = _differential(job, w)
    w.add("the differential of f", ("df", "\\mathrm{d}f"), df)
    reverse_g, _ = gradient(job.typed, job.wrt)
    candidates = [job.rebuild(reverse_g)]
    try:
        pairs = trace_form(df, form)
    except NotDifferentiable:
        pairs = []
    if pairs:
        pairs = [(t, job.rebuild(m)) for t, m in pairs]
        expanded = [t for t, _ in pairs]
        if len(expanded) > 1 and str(_sum(expanded)) != str(df):
            w.add("expand the products over the sums", ("df", "\\mathrm{d}f"), _sum(expanded))
        rows1, cols1 = form.shape(dx)
        if cols1:  # a vector variable: a scalar is its own transpose, df = gᵀ dx
            traced = [B.matmul(m, dx) for _, m in pairs]
            rule = "a scalar is its own transpose: dxᵀ u = uᵀ dx"
        else:
            traced = [B.call("tr", B.matmul(m, dx)) for _, m in pairs]
            rule = "cyclic trace: tr(P dX Q) = tr(Q P dX); aᵀ dX b = tr(b aᵀ dX); sum(C ∘ dX) = tr(Cᵀ dX)"
        w.add(rule, ("df", "\\mathrm{d}f"), _sum(traced))
        m = job.rebuild(_sum([m for _, m in pairs]))
        if len(pairs) > 1:
            w.add("collect the terms", ("df", "\\mathrm{d}f"),
                  B.matmul(m, dx) if cols1 else B.call("tr", B.matmul(m, dx)))
        candidates.append(job.rebuild(B.t(m)))
    space, x = job.space, N.Symbol(job.wrt)
    projected = []
    for g in candidates:
        p, how = project(g, space, x)
        if space == "symmetric" and is_symmetric(g, set(job.symmetric), job.form.scalar):
            p, how = g, "gradient on Sym(n): sym(G) = G, which is symmetric already"
        projected.append(job.rebuild(p))
    best = min(projected, key=size)  # the first (reverse) on a tie
    others = [g for g in projected if str(g) != str(best)]
    for g in others:  # the steps show this form: it is proved too
        job.prove("grad", _plain(str(g)), "gradient (the identified form)", trials=3)  # the engine's minimum
    rule = ("identification: df = gᵀ dx ⇔ ∂f/∂x = g" if form.shape(dx)[1]
            else "identification: df = tr(Gᵀ dX) ⇔ ∂f/∂X = G")
    lhs = (f"∂f/∂{job.wrt}", f"\\frac{{\\partial f}}{{\\partial {w.tex(N.Symbol(job.wrt))}}}")
    shown = candidates[-1] if pairs else candidates[0]
    w.add(rule, lhs, shown)
    if how:
        w.add(how, lhs, job.rebuild(project(shown, space, x)[0]))
    if str(best) != str(projected[-1] if pairs else projected[0]):
        w.add("the same gradient, shorter (also proved)", lhs, best)
    return best


def _sum(nodes: list[N.Node]) -> N.Node:
    """Terms written side by side, as they are (nothing collected yet: that is a step of its own)."""
    out = None
    for n in nodes:
        out = n if out is None else (N.Sub(out, n.arg) if isinstance(n, N.Neg) else N.Add(out, n))
    return out


def _matrix_step(w: Writer, e: N.Node, lhs: tuple[str, str], job: _Job) -> N.Node:
    """Read the linear form ``e`` as the matrix ``lhs`` (vec(e) = M vec(dX)), as a step."""
    w.form.used.clear()
    j = job.rebuild(matrix_of(e, w.form))
    name, dx = lhs[0], w.form.dx
    head = f"read off {name}: d{'G' if name == 'H' else 'f'} = {name} {dx}" if w.form.shape(N.Symbol(dx))[1] else (
        f"read off {name}: vec(d{'G' if name == 'H' else 'f'}) = {name} vec({dx})")
    w.add("; ".join([head, *w.form.used]), lhs, j)
    return j


def _need_scalar(job: _Job, what: str) -> None:
    typed = job.typed
    if not typed.scope.unifier.is_scalar(typed.shape):
        raise MatrefError(f"--f {job.f} is {typed.scope.show(typed.shape)}, not a scalar: a {what} needs a "
                          "scalar function (ask for its differential or its Jacobian)")


def _route_gradient(job: _Job, w: Writer):
    _need_scalar(job, "gradient")
    return _gradient(job, w), "gradient", ""


def _route_hessian(job: _Job, w: Writer):
    _need_scalar(job, "Hessian")
    if job.space != "general" and job.space not in PROJECTOR:
        raise MatrefError(f"--hessian with respect to a structured {job.wrt} "
                          f"({', '.join(sorted(job.ident.assumptions[job.wrt]))}) is not derived yet (a Hessian "
                          "on its tangent space)")
    g = _gradient(job, w)
    dg, raw = forward.differential(job.typed.scope.fork().infer(g), job.wrt)
    w.differential(raw)
    w.add("the differential of the gradient G", ("dG", "\\mathrm{d}G"), dg)
    h = _matrix_step(w, dg, ("H", "H"), job)
    if job.space in PROJECTOR:
        # Second derivatives along the tangent space only: P H P, P the orthogonal projection onto it
        # (the engine's convention; any H that agrees on the tangent space gives the same P H P).
        p = PROJECTOR[job.space][0](N.Symbol(job.wrt))
        h = job.rebuild(B.matmul(B.matmul(p, h), p))
        w.add(f"the Hessian on {PROJECTOR[job.space][1]}", ("H", "H"), h)
    return h, "hessian", ""


PROJECTOR = {
    "symmetric": (_p_symmetric, "Sym(n): P H P with P = (I + K) / 2"),
    "diagonal": (_p_diagonal, "the diagonal matrices: P H P with P = diag(vec(I))"),
}
"""The orthogonal projection onto a flat structured space (a Hessian there is P H P)."""


def _differential(job: _Job, w: Writer) -> N.Node:
    df, raw = forward.differential(job.typed, job.wrt)
    if B.is_num(df, 0.0):  # commutation(X), eye(n): the shape of X, never its entries
        raise MatrefError(f"--f {job.f} does not depend on the entries of {job.wrt} (at most on its shape): "
                          "its derivative is zero")
    w.differential(raw)
    return df


def _route_differential(job: _Job, w: Writer):
    return job.rebuild(_differential(job, w)), "differential", ""


def _route_jacobian(job: _Job, w: Writer):
    df = _differential(job, w)
    w.add("the differential of f", ("df", "\\mathrm{d}f"), job.rebuild(df))
    try:
        j = _matrix_step(w, df, ("J", "J"), job)
    except NoMatrixForm as e:
        note = (f"the Jacobian has no Kronecker/commutation form here ({str(e).split(':')[0]}); its action is "
                f"the differential: vec(d f) = J vec(d{job.wrt})")
        return job.rebuild(df), "differential", note
    space = job.space
    if space in TANGENT:
        j = job.rebuild(TANGENT[space][1](j, N.Symbol(job.wrt)))
        w.add(f"the Jacobian {TANGENT[space][2]}", ("J", "J"), j)
    return j, "jacobian", ""


ROUTES = {"gradient": _route_gradient, "differential": _route_differential, "jacobian": _route_jacobian,
          "hessian": _route_hessian}
"""What derive can be asked for (``kind=``), each kind of claim with its own route."""

DEFAULT_KIND = {True: "gradient", False: "differential"}
"""Asked for nothing in particular: a scalar f gets its gradient, any other its differential."""


def derive(f: str, wrt: str, assume=None, shapes=None, trials: int = 5, seed: int | None = None,
           kind: str | None = None) -> Derivation:
    """Derive the derivative of ``f`` with respect to ``wrt`` with its steps, then prove it.

    The result is proved by the same engine as the catalog (:func:`matref.check`) before it is
    returned; a structured variable (``assume={"X": "symmetric"}``) gets the derivative on its
    own space.

    Parameters
    ----------
    f : str
        The function, in matref syntax.
    wrt : str
        The variable: a symbol of ``f``.
    assume : dict or list of str, optional
        Hypotheses per symbol, as in :func:`matref.check`.
    shapes : dict or list of str, optional
        Shapes per symbol, as in :func:`matref.check`; inferred when not given.
    trials : int, default 5
        Random instances of the proof (at least 3 run).
    seed : int, optional
        The proof's seed; a fresh one (reported) when omitted.
    kind : {None, "gradient", "differential", "jacobian", "hessian"}
        What to derive. By default the gradient of a scalar ``f`` (denominator layout, shaped
        like ``wrt``) and the differential of any other (written with ``d<wrt>``: the Jacobian's
        action, ``vec(d f) = J vec(d<wrt>)``). ``"jacobian"``: ``J = d vec f / d vec wrt``
        (numerator layout, column-major vec) in Kronecker/commutation form, or the differential
        with a note where there is none. ``"hessian"``: of a scalar ``f`` of a vector or matrix.

    Returns
    -------
    Derivation

    Raises
    ------
    MatrefError
        Bad input (parse error with its column, shape mismatch), a part without a derivative rule
        (:class:`NotDifferentiable`), a result whose proof is undecided (``Unproved``: it is not
        given as an answer), or a derived result that fails its own proof (a bug in matref,
        reported as such).

    Examples
    --------
    >>> import matref
    >>> d = matref.derive("tr(A @ X @ B)", "X", seed=1)
    >>> d.result, d.report.ok
    ('A.T @ B.T', True)
    >>> matref.derive("inv(X)", "X", seed=1).result
    '-(inv(X) @ dX @ inv(X))'
    >>> matref.derive("A @ X @ B", "X", kind="jacobian", seed=1).result
    'kron(B.T, A)'
    >>> matref.derive("x.T @ A @ x", "x", kind="hessian", seed=1).result
    'A + A.T'
    >>> d = matref.derive("expm(X)", "X", kind="jacobian", seed=1)
    >>> d.kind, d.result
    ('differential', 'dexpm(X, dX)')
    >>> matref.derive("tr(A @ X)", "X", assume={"X": "symmetric"}, seed=1).result
    '(A.T + A) / 2'
    """
    if kind is not None and kind not in ROUTES:
        raise MatrefError(f"derive: kind must be one of {', '.join(ROUTES)}, not {kind!r}")
    job = _start(f, wrt, assume, shapes, trials, seed)
    typed = job.typed
    scalar = typed.scope.unifier.is_scalar(typed.shape)
    kind = kind or DEFAULT_KIND[scalar]
    job.form = Form.of(typed.scope, wrt)
    w = Writer(job.form)
    node, kind, note = ROUTES[kind](job, w)
    claim = KINDS[kind].claim
    result = _plain(str(node))
    report = job.prove(claim, result, kind)
    from matref.faces.api import build

    stated = build(f=f, wrt=wrt, assume=assume, shapes=shapes, **{claim: result})
    from matref.calculus.steps import common_subexpressions

    _, names = common_subexpressions(B.strip_spans(parse(result)), set(N.symbols(typed.node)) | {f"d{wrt}"})
    named = tuple((n, _plain(str(e))) for n, e in names)
    return Derivation(f, wrt, result, stated.latex, dict(stated.layouts), tuple(w.steps), report, kind, note, named)


