"""An identity of the catalog, typed and ready to evaluate, render and verify."""

from __future__ import annotations

import dataclasses
from functools import cached_property

from matref.data import assumptions as assume_mod
from matref.errors import CatalogError, ExprError, MatrefError, ShapeError
from matref.expr import nodes as N
from matref.expr.dims import Var
from matref.expr.infer import Scope, Typed
from matref.expr.parse import parse
from matref.expr.to_latex import symbol_latex, to_latex, to_latex_prec
from matref.expr.to_numpy import numpy_function
from matref.expr.transform import tidy, transpose
from matref.data.schema import IdentitySpec
from matref.kinds import KINDS


LAZY_ENTRIES = 100_000
"""A claimed Jacobian or Hessian with more entries is applied to directions without being formed."""


@dataclasses.dataclass(frozen=True)
class Applied:
    """A claimed operator applied to the direction symbol ``__V``, typed in a fork
    of the identity's scope; ``roots`` maps the identity's free sizes to that scope's."""

    trees: dict
    roots: dict

    def sizes(self, sizes: dict) -> dict:
        return {**sizes, **{self.roots[v]: n for v, n in sizes.items() if v in self.roots}}


class Identity:
    """One identity: its statement, shapes, numpy callables, LaTeX and numerical proof.

    Build identities with :func:`matref.catalog` / :func:`matref.get` (from the YAML) or
    :func:`matref.check` (from the command line); every problem in the statement is a
    :class:`~matref.errors.CatalogError` naming ``file:line`` and the id.

    Parameters
    ----------
    spec : IdentitySpec
        The validated entry of the catalog file (kept as ``spec``).
    typed_by_hand : bool, default False
        Whether the expressions were typed by a user rather than read from the catalog: then
        numpy's spellings and the usual habits (``np.trace(X)``, ``X'``, ``X^T``, ``X^-1``) are
        read as matref's own; the catalog itself must use matref's spelling.
    constants : dict, optional
        The value of the integer parameter of a statement with ``params`` (``{"n": 3}``): the
        identity at that value. By default the last value listed.

    Raises
    ------
    CatalogError
        The statement does not parse, its shapes do not fit, or it contradicts its kind.

    Examples
    --------
    >>> import matref
    >>> ident = matref.get("trace.grad_axb")
    >>> ident.statement["grad"]
    'A.T @ B.T'
    >>> ident.verify(trials=3, seed=0).ok
    True
    """

    def __init__(self, spec: IdentitySpec, typed_by_hand: bool = False, constants: dict | None = None):
        # The catalog is written in matref's own spelling; a formula typed by a user (matref.check)
        # may use numpy's and the usual habits (np.trace, X', X^T, X^-1), read as the language's.
        self.spec = spec
        self.typed_by_hand = typed_by_hand
        # A statement with an integer parameter (params: {n: [...]}) is this identity at the last
        # value; :attr:`instances` are all of them, and the LaTeX keeps n.
        self.constants = constants if constants is not None else {
            name: values[-1] for name, values in spec.params}
        self._one_value = constants is not None  # one of the instances (not the statement itself)
        try:
            self._build()
        except CatalogError:
            raise
        except (ExprError, ValueError) as e:
            raise CatalogError(str(e), str(spec.location), spec.id) from None

    # -- construction ------------------------------------------------------------------
    def _fail(self, message: str, key: str | None = None):
        loc = self.spec.line_of(key) if key else self.spec.location
        raise CatalogError(message, str(loc), self.spec.id)

    def _build(self) -> None:
        spec = self.spec
        self.scope = scope = Scope()
        declared = {s.name: s for s in spec.symbols}
        for s in spec.symbols:
            if s.shape is not None:
                try:
                    scope.declare(s.name, scope.parse_shape(s.shape))
                except ValueError as e:
                    self._fail(f"symbol {s.name}: {e}", "symbols")
        trees: dict[str, N.Node] = {}
        for role, text in spec.statement:
            try:
                trees[role] = parse(text, strict=not self.typed_by_hand, constants=self.constants)
            except ExprError as e:
                self._fail(f"{role}: {e}", role)
        first, claim = KINDS[spec.kind].roles
        used = N.symbols(trees[first])
        direction = f"d{spec.wrt}" if KINDS[spec.kind].directional else None
        extra = [n for n in N.symbols(trees[claim]) if n not in used and n != direction]
        if KINDS[spec.kind].has_variable:
            if spec.wrt not in used:
                self._fail(f"wrt: {spec.wrt!r} does not appear in f = {spec.statement[0][1]!r}", "wrt")
            if extra:
                self._fail(f"{claim}: symbol {extra[0]!r} does not appear in f", claim)
            var = declared.get(spec.wrt)
            if var and var.sample:
                tangent = {"symmetric", "diagonal", "orthogonal"}
                added = (assume_mod.closure(var.assume + var.sample) - assume_mod.closure(var.assume)) & tangent
                if added:
                    self._fail(f"symbol {spec.wrt}: 'sample: {sorted(added)[0]}' on the variable would restrict "
                               "the directions of the proof; state it under 'assume' instead", "symbols")
        all_names = used + [n for n in extra if n not in used]
        for name in declared:
            if name not in all_names:
                self._fail(f"symbols: {name!r} is declared but not used in the identity", "symbols")
        for name in all_names:
            props = assume_mod.closure(declared[name].assume + declared[name].sample) if name in declared else ()
            if assume_mod.is_square(props) and not scope.make_square(name):
                self._fail(f"symbol {name} is assumed square but declared {declared[name].shape}", "symbols")
        self.typed: dict[str, Typed] = {}
        self.typed[first] = self._infer(first, trees[first])
        wrt_shape = None
        if KINDS[spec.kind].has_variable:
            wrt_shape = scope.shape_of_symbol(spec.wrt)
            if direction:
                scope.declare(direction, wrt_shape)
        self.typed[claim] = self._infer(claim, trees[claim])
        u = scope.unifier
        fshape, cshape = self.typed[first].shape, self.typed[claim].shape
        kind = KINDS[spec.kind]
        if kind.scalar_f and not u.is_scalar(fshape) and not (u.unify(fshape[0], 1) and u.unify(fshape[1], 1)):
            self._fail(f"f must be scalar for a {spec.kind}, but it is {scope.show(fshape)}", "f")
        for need in kind.needs:
            if need not in self.sampling_assumptions(spec.wrt):
                self._fail(f"{spec.kind} needs {spec.wrt} assumed {need}", "wrt")
        want = kind.shape(fshape, wrt_shape)
        what = kind.shape_words.format(wrt=spec.wrt)
        if not (u.unify(cshape[0], want[0], claim) and u.unify(cshape[1], want[1], claim)):
            self._fail(f"{claim} is {scope.show(cshape)} but must have {what}, {scope.show(want)}", claim)
        if scope.settle():
            self._fail(f"{claim} is {scope.show(cshape)} but must be {what}, {scope.show(want)}", claim)
        if scope.ambiguous:
            ra, rb, _ = scope.ambiguous[0]
            self._fail(f"the size of an identity matrix I is not determined by the shapes ({ra!r} = {rb!r} "
                       "has several solutions, and the statement means something different for each): "
                       "write eye(k) with a size, or fix the shapes", claim)
        for a, b, where in u.deferred:
            ra, rb = u.resolve(a), u.resolve(b)
            if isinstance(ra, int) and isinstance(rb, int) and ra != rb:
                self._fail(f"sizes {ra} and {rb} must be equal", claim)
        if u.deferred and not self._sizes_exist():
            self._fail(f"{claim} is {scope.show(cshape)} but must be {what}, {scope.show(want)}: "
                       "no sizes make these equal", claim)
        self.names = all_names
        self.direction = direction
        self.values = {s.name: s.value for s in spec.symbols if s.value is not None}
        self._share_free_identity_sizes()
        self.size_relations = self._size_relations()
        if kind.order == 2 and "orthogonal" in self.sampling_assumptions(spec.wrt):
            self._fail("Hessians with respect to an orthogonal matrix are not supported: on the orthogonal "
                       "group the Hessian has a curvature term that a vec-Hessian cannot state", "wrt")
        self._check_eigen_arguments()
        self.conditions = tuple(self._condition(c) for c in spec.conditions)
        if self.conditions:
            # A condition's own identity matrices (kron(I, S) + kron(S.T, I)) get their sizes here.
            if scope.settle() or scope.ambiguous:
                self._fail("conditions: the size of an identity matrix I is not determined by the shapes: "
                           "write eye(k) with a size", "conditions")
            self._share_free_identity_sizes()
        if spec.wrt in self.values:
            self._fail(f"the variable {spec.wrt} cannot have a fixed value", "symbols")
        self.corrected = None
        if spec.status == "erratum":
            merged = dict(spec.statement) | dict(spec.corrected)
            symbols = {s.name: s for s in spec.symbols} | {s.name: s for s in spec.corrected_symbols}
            fixed = dataclasses.replace(spec, statement=tuple(merged.items()), symbols=tuple(symbols.values()),
                                        status="proved", corrected=(), corrected_symbols=())
            try:
                self.corrected = Identity(fixed)
            except CatalogError as e:
                self._fail(f"corrected: {e.message}", "corrected")

    def _sizes_exist(self) -> bool:
        """Whether some sizes in the sampling bounds satisfy the product constraints left over."""
        import itertools

        u = self.scope.unifier
        dims = [d for name in self.scope.symbols for d in self.scope.shape_of_symbol(name)]
        dims += [d for a, b, _ in u.deferred for d in (a, b)]
        free = u.free_vars(dims)
        if len(free) > 6:
            return True  # too many to enumerate; sampling will report it if it happens
        # Small sizes, and the divisors of the fixed sizes the constraints involve (a declared
        # 60x60 X makes kron(I, A) 60*size(I) square only at size(I) = 60).
        constants = {abs(f) for a, b, _ in u.deferred for d in (a, b) for f in u.factors(d) if isinstance(f, int)}
        candidates = set(range(1, 7))
        for c in constants:
            if c <= 10**6:
                candidates |= {k for k in range(1, int(c ** 0.5) + 1) if c % k == 0}
                candidates |= {c // k for k in range(1, int(c ** 0.5) + 1) if c % k == 0}
        if len(candidates) ** len(free) > 10**5:
            return True
        ranges = [sorted(candidates)] * len(free)
        return any(not u.violated(dict(zip(free, combo))) for combo in itertools.product(*ranges))

    def _share_free_identity_sizes(self) -> None:
        """Every ``I`` whose size nothing determines gets one shared size.

        ``sum(I) = sum(I)`` or ``tr(kron(I, A)) = tr(I) tr(A)`` name one unknown identity matrix
        twice; drawing the two independently would refute a true statement.
        """
        u = self.scope.unifier
        fixed = set(v.uid for v in u.free_vars(
            [d for name in self.names for d in self.scope.shape_of_symbol(name)]
            + [d for a, b, _ in u.deferred for d in (a, b)]))
        loose = []
        for typed in [*self.typed.values(), *(c.typed for c in getattr(self, "conditions", ()))]:
            for node in N.walk(typed.node):
                if isinstance(node, N.Identity):
                    for v in u.free_vars([typed.shape_of(node)[0]]):
                        if v.uid not in fixed:
                            loose.append(v)
        for v in loose[1:]:
            u.unify(loose[0], v)

    def _size_relations(self) -> tuple:
        """``(big, small)`` dimension pairs: full column rank needs rows >= columns, and so on."""
        out = []
        for name in self.names:
            rows, cols = self.scope.shape_of_symbol(name)
            for rel in assume_mod.size_relations(self._declared_assumptions(name)):
                out.append((rows, cols) if rel == "rows>=cols" else (cols, rows))
                big, small = out[-1]
                u = self.scope.unifier
                rb, rs = u.resolve(big), u.resolve(small)
                if isinstance(rb, int) and isinstance(rs, int) and rb < rs:
                    self._fail(f"symbol {name}: {rel.replace('>=', ' >= ')} is impossible for its shape "
                               f"{self.scope.show((rows, cols))}", "symbols")
        return tuple(out)

    def _check_eigen_arguments(self) -> None:
        """eigval/eigvec are defined for symmetric matrices: the argument must be one by the
        stated assumptions, not merely on the sampled instances."""
        from matref.data.symmetry import is_symmetric

        assumed = {s.name for s in self.spec.symbols if "symmetric" in assume_mod.closure(s.assume)}
        for role, typed in self.typed.items():
            for node in N.walk(typed.node):
                if isinstance(node, N.Call) and node.func in ("eigval", "eigvec"):
                    arg = node.args[0]
                    if not is_symmetric(arg, assumed, typed.is_scalar):
                        self._fail(f"{role}: {node.func} needs a symmetric matrix, and {typed.text(arg)} is not "
                                   "symmetric by the stated assumptions (assume it symmetric)", role)

    def _condition(self, cond):
        from matref.data.conditions import Condition

        try:
            return Condition.build(cond, self.scope, self.constants)
        except (ExprError, ValueError) as e:
            self._fail(f"conditions: {e}", "conditions")

    def free_dims(self) -> list[Var]:
        """The sizes a random instance chooses (every other size follows from them).

        Returns
        -------
        list of matref.expr.dims.Var
            The free sizes, named after the declared shapes (``m``, ``n``) or the symbols
            (``cols(B)``); dicts keyed by them give the ``sizes`` of :meth:`evaluated`.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").free_dims()
        [p, m, n]
        """
        u = self.scope.unifier
        dims = [d for name in self.names for d in self.scope.shape_of_symbol(name)]
        dims += [d for typed in self.typed.values() for shape in typed.shapes.values() for d in shape]
        dims += [d for c in getattr(self, "conditions", ()) for shape in c.typed.shapes.values() for d in shape]
        return u.free_vars(dims)

    def evaluated(self, sizes: dict) -> list[tuple[Typed, dict]]:
        """The expressions a trial at ``sizes`` evaluates, each with the sizes to evaluate it at.

        They are f, the claim (or the forms that apply it to directions, when it is too large
        to form: see :meth:`applied_at`) and the conditions; the engine estimates a trial's
        memory and work from them before it allocates anything.

        Parameters
        ----------
        sizes : dict
            A value for every size of :meth:`free_dims` (keyed by those objects).

        Returns
        -------
        list of (Typed, dict)
            Each typed expression with the sizes to evaluate it at.

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("linear.jac_xa")
        >>> small = dict(zip(ident.free_dims(), [2, 3, 4]))
        >>> [typed.source for typed, _ in ident.evaluated(small)]
        ['X @ A', 'kron(A.T, I)']
        >>> large = dict(zip(ident.free_dims(), [40, 40, 40]))
        >>> [typed.source for typed, _ in ident.evaluated(large)]
        ['X @ A', 'vec(I @ __V @ A)']
        """
        lazy = self.applied_at(sizes)
        claim = self.roles[1]
        out = [(t, sizes) for role, t in self.typed.items() if not (lazy and role == claim)]
        if lazy:
            out += [(t, lazy.sizes(sizes)) for t in lazy.trees.values()]
        return out + [(c.typed, sizes) for c in self.conditions]

    def applied_at(self, sizes: dict) -> "Applied | None":
        """The claim applied to directions without being formed, when it is too large at ``sizes``.

        That is :attr:`applied` when the claimed Jacobian or Hessian would have more than
        ``LAZY_ENTRIES`` (100,000) entries at ``sizes``, and None otherwise.

        Parameters
        ----------
        sizes : dict
            A value for every size of :meth:`free_dims` (keyed by those objects).

        Returns
        -------
        Applied or None

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("linear.jac_xa")
        >>> print(ident.applied_at(dict(zip(ident.free_dims(), [2, 3, 4]))))
        None
        >>> lazy = ident.applied_at(dict(zip(ident.free_dims(), [40, 40, 40])))
        >>> lazy.trees["__V"].source
        'vec(I @ __V @ A)'
        """
        lazy = self.applied
        if lazy is None:
            return None
        r, c = self.typed[self.roles[1]].shape
        u = self.scope.unifier
        return lazy if u.value(r, sizes) * u.value(c, sizes) > LAZY_ENTRIES else None

    @cached_property
    def applied(self) -> "Applied | None":
        """The claimed Jacobian or Hessian applied to a direction ``__V`` without forming it.

        For a Jacobian or Hessian claim on a general variable: ``J @ vec(V)`` (or ``H @ vec(V)``)
        rewritten by :func:`matref.expr.apply.apply` (``kron(P, Q) @ vec(V)`` becomes
        ``vec(Q @ V @ P.T)``); None when no rule removes the operator, or the rewrite would
        constrain sizes the claim leaves free.

        Examples
        --------
        >>> import matref
        >>> matref.get("linear.jac_xa").statement["jacobian"]
        'kron(A.T, I)'
        >>> matref.get("linear.jac_xa").applied.trees["__V"].source
        'vec(I @ __V @ A)'
        >>> print(matref.get("trace.grad_axb").applied)
        None
        """
        from matref.engine import sampling
        from matref.expr.apply import Shapes, apply

        if not KINDS[self.spec.kind].lazy or sampling.structure(self.sampling_assumptions(self.wrt)) != "general":
            return None
        claim = self.typed[self.roles[1]]
        scope = self.scope.fork()
        wshape = scope.shape_of_symbol(self.wrt)
        names = ("__V",)
        trees, pairs = {}, []
        try:
            for name in names:
                scope.declare(name, wshape)
                tree = apply(claim.node, N.Call("vec", (N.Symbol(name),)), Shapes(claim), pairs)
                trees[name] = scope.infer(tree, str(tree))
        except (ShapeError, ExprError):
            return None
        u, fu = self.scope.unifier, scope.unifier
        if len(fu.deferred) != len(u.deferred):
            return None
        free = self.free_dims()
        roots = {v: fu.resolve(v) for v in free}
        if len(set(map(id, roots.values()))) != len(roots) or not all(isinstance(r, Var) for r in roots.values()):
            return None  # the rewrite tied sizes together that the claim leaves independent
        for typed in trees.values():
            used = fu.free_vars([d for shape in typed.shapes.values() for d in shape])
            if any(all(v is not r for r in roots.values()) for v in used):
                return None
        for original, rewritten in pairs:
            if id(original) not in claim.shapes:
                return None
            a = claim.shape_of(original)
            b = next(t.shape_of(rewritten) for t in trees.values() if id(rewritten) in t.shapes)
            if any(fu.resolve(x) != fu.resolve(y) for x, y in zip(a, b)):
                return None
        lazy = Applied(trees, roots)
        from matref.expr.cost import largest

        probe = {v: 7 for v in free}
        r, c = claim.shape
        if all(largest(t, lazy.sizes(probe))[0] >= u.value(r, probe) * u.value(c, probe) for t in trees.values()):
            return None  # no rule applied: the claim would be formed anyway
        return lazy

    def inferred_domain(self) -> dict[str, str]:
        """Symbols sampled with positive entries because the expressions need them, and why.

        A symbol under ``log``, ``sqrt`` or a fractional power is undefined at negative entries;
        unless it is assumed positive (or orthogonal, or has a fixed value), random instances
        draw it with positive entries. Empty for a copy made with ``infer_domain=False`` (see
        :meth:`with_assumptions`).

        Returns
        -------
        dict
            ``{symbol: reason}``.

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("elementwise.grad_sum_log")
        >>> ident.statement["f"], ident.assumptions, ident.inferred_domain()
        ('sum(log(X))', {'X': ('positive',)}, {})
        >>> ident.with_assumptions("X", []).inferred_domain()
        {'X': 'log(X) is defined for positive entries only'}
        """
        from matref.data.domain import inferred_positive

        if not getattr(self, "infer_domain", True):
            return {}
        if getattr(self, "_inferred", None) is not None:
            return self._inferred
        trees = {role: t.node for role, t in self.typed.items()}
        found = inferred_positive(trees, lambda n: str(n))
        out = {}
        for name, why in found.items():
            props = self._declared_assumptions(name)
            if name in self.values or "positive" in props or "orthogonal" in props:
                continue
            out[name] = why
        self._inferred = out
        return out

    def _infer(self, role: str, tree: N.Node) -> Typed:
        text = dict(self.spec.statement)[role]
        try:
            return self.scope.infer(tree, text)
        except ShapeError as e:
            self._fail(f"{role}: {e}", role)

    # -- plain attributes ----------------------------------------------------------------
    id = property(lambda self: self.spec.id, doc=""""<family>.<name>", unique in the catalog and never renamed.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").id
        'trace.grad_axb'
        """)
    family = property(lambda self: self.spec.family, doc="""The name of the identity's family (its YAML file).

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").family
        'trace'
        """)
    title = property(lambda self: self.spec.title, doc="""A short human title.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").title
        'Gradient of tr(A X B)'
        """)
    kind = property(lambda self: self.spec.kind, doc="""The kind of claim: "gradient", "jacobian", "differential", "hessian", ...

        The kinds are ``gradient``, ``jacobian``, ``differential``, ``hessian``,
        ``symmetric_partials`` and ``equality`` (README, "Kinds").

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").kind, matref.get("linear.jac_xa").kind
        ('gradient', 'jacobian')
        """)
    wrt = property(lambda self: self.spec.wrt, doc="""The name of the variable, or None for an equality.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").wrt
        'X'
        >>> print(matref.get("trace.sum_of_diagonal").wrt)
        None
        """)
    sources = property(lambda self: self.spec.sources, doc="""Where the identity comes from: ``mc2012:N``, a textbook, or ``derived``.

        ``mc2012:N`` is The Matrix Cookbook (version of 15 Nov 2012), equation N.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").sources
        ('mc2012:101',)
        """)
    notes = property(lambda self: self.spec.notes, doc="""Prose about the identity (conditions, layout, related ids); may be empty.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").notes
        'The numerator-layout derivative is B A, its transpose.'
        """)
    derivation = property(lambda self: self.spec.derivation, doc="""The steps of a derivation, each a short line of LaTeX or prose; may be empty.

        Examples
        --------
        >>> import matref
        >>> matref.get("linear.jac_xta_vector").derivation[1]
        'd\\\\operatorname{vec}(x^\\\\top A) = A^\\\\top dx'
        """)
    tags = property(lambda self: self.spec.tags, doc="""Words for search.

        Examples
        --------
        >>> import matref
        >>> matref.get("linear.jac_xta_vector").tags
        ('jacobian', 'layout', 'vector')
        """)
    roles = property(lambda self: KINDS[self.spec.kind].roles, doc="""The two roles of the statement: ``("f", claim)``, or ``("lhs", "rhs")`` for an equality.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").roles, matref.get("trace.sum_of_diagonal").roles
        (('f', 'grad'), ('lhs', 'rhs'))
        """)
    status = property(lambda self: self.spec.status, doc=""""proved", or "erratum" for a published formula that is wrong (and must fail).

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").status, matref.get("errata.mc2012_27").status
        ('proved', 'erratum')
        """)

    @cached_property
    def complex_step_safe(self) -> bool:
        """Whether every function in f is an analytic continuation (see matref.engine.checks).

        When it is, the engine differentiates f with the complex step.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").complex_step_safe
        True
        >>> matref.get("nonsmooth.grad_l1_norm").complex_step_safe
        False
        """
        from matref.expr.functions import FUNCTIONS

        return all(FUNCTIONS[n.func].complex_step for n in N.walk(self.typed[self.roles[0]].node)
                   if isinstance(n, N.Call))

    @cached_property
    def analytic(self) -> bool:
        """Whether f has an analytic continuation at all.

        False with ``abs``, ``max``, ``relu``...: the engine then differentiates in real
        arithmetic, away from the kinks.

        Examples
        --------
        >>> import matref
        >>> matref.get("nonsmooth.grad_l1_norm").statement["f"]
        'sum(abs(x))'
        >>> matref.get("nonsmooth.grad_l1_norm").analytic
        False
        """
        from matref.expr.functions import FUNCTIONS

        return all(FUNCTIONS[n.func].analytic for n in N.walk(self.typed[self.roles[0]].node)
                   if isinstance(n, N.Call))

    @property
    def location(self) -> str:
        """``file:line`` of the identity in the catalog.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").location
        'matref/identities/trace.yaml:...'
        """
        return str(self.spec.location)

    @property
    def statement(self) -> dict[str, str]:
        """The expression strings by role, e.g. ``{'f': ..., 'grad': ...}``.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").statement
        {'f': 'tr(A @ X @ B)', 'grad': 'A.T @ B.T'}
        """
        return dict(self.spec.statement)

    @property
    def assumptions(self) -> dict[str, tuple[str, ...]]:
        """The hypotheses of the identity, per symbol (only symbols that have any).

        Examples
        --------
        >>> import matref
        >>> matref.get("quadratic.grad_xtbx_symmetric").assumptions
        {'B': ('symmetric',)}
        """
        return {s.name: s.assume for s in self.spec.symbols if s.assume}

    def _declared_assumptions(self, name: str) -> frozenset[str]:
        for s in self.spec.symbols:
            if s.name == name:
                return assume_mod.closure(s.assume + s.sample)
        return frozenset()

    def sampling_assumptions(self, name: str) -> frozenset[str]:
        """Everything random instances of ``name`` satisfy.

        The symbol's hypotheses with what they imply, what it is sampled with, and the
        positivity its domain needs (:meth:`inferred_domain`).

        Parameters
        ----------
        name : str
            A symbol of the identity.

        Returns
        -------
        frozenset of str

        Examples
        --------
        >>> import matref
        >>> sorted(matref.get("quadratic.grad_xtbx_symmetric").sampling_assumptions("B"))
        ['square', 'symmetric']
        """
        props = self._declared_assumptions(name)
        if name in self.inferred_domain():
            props = props | {"positive"}
        return props

    def shape(self, name: str) -> str:
        """The (symbolic) shape of a symbol, e.g. ``'rows(A)xcols(A)'``.

        Parameters
        ----------
        name : str
            A symbol of the identity.

        Returns
        -------
        str
            ``"<rows>x<columns>"``, declared or inferred.

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("quadratic.grad_xtbx_symmetric")
        >>> ident.shape("x"), ident.shape("B")
        ('cols(B)x1', 'cols(B)xcols(B)')
        """
        if name not in self.names:  # (shape_of_symbol would declare it in the shared scope)
            raise MatrefError(f"{self.id}: no symbol {name!r} (its symbols: {', '.join(self.names)})")
        return self.scope.show(self.scope.shape_of_symbol(name))

    # -- numpy ---------------------------------------------------------------------------
    @cached_property
    def numpy(self) -> dict:
        """Numpy callables for each side, by role: keyword arrays in, array or float out.

        Each takes every symbol of the identity by name (and ``d<wrt>`` for a differential); a
        missing or extra argument, or shapes that do not fit, raise :class:`~matref.ShapeError`.

        Examples
        --------
        >>> import numpy as np, matref
        >>> grad = matref.get("trace.grad_axb").numpy["grad"]
        >>> grad(A=np.ones((2, 3)), X=np.ones((3, 4)), B=np.ones((4, 2))).shape
        (3, 4)
        >>> grad(A=np.ones((2, 3)), X=np.ones((4, 4)), B=np.ones((4, 2)))
        Traceback (most recent call last):
        ...
        matref.expr.errors.ShapeError: X has shape 4x4, but m is 3 from another symbol
        """
        accept = self.names + ([self.direction] if self.direction else [])
        return {role: numpy_function(t, accept) for role, t in self.typed.items()}

    # -- integer parameters ---------------------------------------------------------------
    @cached_property
    def instances(self) -> tuple["Identity", ...]:
        """The identity at every value of its integer parameter (just itself when it has none).

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("powers.grad_tr_mpow")
        >>> ident.statement["grad"], [i.constants for i in ident.instances][:2]
        ('n * mpow(X, n - 1).T', [{'n': 1}, {'n': 2}])
        """
        if not self.spec.params or self._one_value:
            return (self,)
        ((name, values),) = self.spec.params
        return tuple(self if self.constants == {name: v} else Identity(self.spec, self.typed_by_hand, {name: v})
                     for v in values)

    @property
    def params_text(self) -> str:
        """The integer parameter and its values, as ``n = 1, 2, 3, 4`` (empty without one).

        Examples
        --------
        >>> import matref
        >>> matref.get("powers.grad_tr_mpow").params_text
        'n = 1, 2, 3, 4, 5, 6'
        """
        return "; ".join(f"{name} = {', '.join(map(str, values))}" for name, values in self.spec.params)

    @cached_property
    def _render(self) -> tuple[dict, "Scope"]:
        """The typed sides to print, and their scope: the parameter kept as a symbol (the statement
        "for every n") when there is one, else the verified trees themselves."""
        if not self.spec.params:
            return self.typed, self.scope
        names = frozenset(name for name, _ in self.spec.params)
        scope = Scope()
        for sym in self.spec.symbols:
            if sym.shape is not None:
                scope.declare(sym.name, scope.parse_shape(sym.shape))
        trees = {role: parse(text, strict=not self.typed_by_hand, template=names) for role, text in self.spec.statement}
        scalars = {n.var for t in trees.values() for n in N.walk(t) if isinstance(n, N.Series)} | names
        for name in scalars:
            scope.declare(name, (1, 1))
        for name in self.names:
            if assume_mod.is_square(assume_mod.closure(self._declared_assumptions(name))):
                scope.make_square(name)
        first, claim = self.roles
        typed = {first: scope.infer(trees[first])}
        if self.wrt:
            scope.unifier.unify(scope.shape_of_symbol(self.wrt)[0], self.scope.shape_of_symbol(self.wrt)[0])
            if self.direction:
                scope.declare(self.direction, scope.shape_of_symbol(self.wrt))
        typed[claim] = scope.infer(trees[claim])
        want = KINDS[self.kind].shape(typed[first].shape, scope.shape_of_symbol(self.wrt) if self.wrt else None)
        scope.unifier.unify(typed[claim].shape[0], want[0])
        scope.unifier.unify(typed[claim].shape[1], want[1])
        scope.settle()
        return typed, scope

    # -- LaTeX ---------------------------------------------------------------------------
    @property
    def latex_names(self) -> dict[str, str]:
        """LaTeX for names that are not printed as themselves: the direction ``dX`` as d X.

        Examples
        --------
        >>> import matref
        >>> matref.get("linear.diff_xa").latex_names
        {'dX': '\\\\mathrm{d}X'}
        """
        return {self.direction: r"\mathrm{d}" + symbol_latex(self.wrt)} if self.direction else {}

    @cached_property
    def latex_parts(self) -> dict[str, str]:
        """LaTeX of each side, by role.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").latex_parts["grad"]
        'A^{\\\\top} B^{\\\\top}'
        """
        return {role: to_latex(t, self.latex_names) for role, t in self._render[0].items()}

    @cached_property
    def latex(self) -> str:
        """The whole identity as display LaTeX, rendered from the verified expressions.

        Examples
        --------
        >>> import matref
        >>> print(matref.get("trace.grad_axb").latex)
        \\frac{\\partial}{\\partial X} \\operatorname{tr}\\left(A X B\\right) = A^{\\top} B^{\\top}
        """
        first, claim = self.roles
        rhs = self.latex_parts[claim]
        return f"{self.lhs_latex} = {rhs}"

    @property
    def lhs_latex(self) -> str:
        """The left side in LaTeX: the derivative being stated, or the lhs of an equality.

        Examples
        --------
        >>> import matref
        >>> print(matref.get("trace.grad_axb").lhs_latex)
        \\frac{\\partial}{\\partial X} \\operatorname{tr}\\left(A X B\\right)
        """
        from matref.kinds import Lhs

        first = self.roles[0]
        typed, scope = self._render
        f_tex, prec = to_latex_prec(typed[first], self.latex_names)
        kind = KINDS[self.kind]
        if kind.lhs is None:
            return f_tex
        u = scope.unifier
        xs = scope.shape_of_symbol(self.wrt)
        return kind.lhs(Lhs(f_tex, prec, symbol_latex(self.wrt), u.is_one(typed[first].shape[1]), u.is_one(xs[1])))

    def transposed_claim(self, printed: bool = False) -> N.Node:
        """The claim transposed and tidied: the other layout of a gradient or Jacobian.

        Parameters
        ----------
        printed : bool, default False
            Transpose the statement as printed, with its integer parameter kept symbolic,
            rather than the verified one (at the parameter's last value).

        Returns
        -------
        matref.expr.nodes.Node
            An expression tree; ``str`` of it is matref syntax.

        Examples
        --------
        >>> import matref
        >>> str(matref.get("trace.grad_axb").transposed_claim())
        'B @ A'
        """
        typed, scope = self._render if printed else (self.typed, self.scope)
        claim = typed[self.roles[1]].node
        return tidy(transpose(claim, scope.is_scalar), scope.is_scalar)

    def transposed_typed(self, printed: bool = False) -> Typed:
        """:meth:`transposed_claim`, typed in a fork of this identity's scope (which stays as it was).

        Parameters
        ----------
        printed : bool, default False
            As in :meth:`transposed_claim`.

        Returns
        -------
        matref.expr.infer.Typed
            The expression with the shape of every node.

        Examples
        --------
        >>> import matref
        >>> typed = matref.get("trace.grad_axb").transposed_typed()
        >>> typed.source, typed.shape
        ('B @ A', (n, m))
        """
        typed_sides, scope = self._render if printed else (self.typed, self.scope)
        scope = scope.fork()
        typed = scope.infer(self.transposed_claim(printed))
        rows, cols = typed_sides[self.roles[1]].shape
        scope.unifier.unify(typed.shape[0], cols)
        scope.unifier.unify(typed.shape[1], rows)
        scope.settle()
        return typed

    @cached_property
    def layouts(self) -> dict[str, str]:
        """The result in each layout, as LaTeX, for gradients and Jacobians.

        A gradient is stated with the shape of the variable (the gradient, or denominator,
        layout); its numerator-layout form is the transpose. A Jacobian is stated in numerator
        layout; the denominator-layout form is the transpose. Empty for other kinds.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").layouts
        {'gradient': 'A^{\\\\top} B^{\\\\top}', 'numerator': 'B A'}
        >>> matref.get("trace.sum_of_diagonal").layouts
        {}
        """
        layouts = KINDS[self.kind].layouts
        if layouts is None:
            return {}
        stated = self.latex_parts[self.roles[1]]
        other = to_latex(self.transposed_typed(printed=True), self.latex_names)
        return {layouts.stated: stated, layouts.other: other}

    # -- variants (used by the test suite's mutation and assumption checks) --------------
    def with_statement(self, role: str, text: str) -> "Identity":
        """A copy with one expression replaced (same id and location).

        The test suite builds wrong variants of every formula with it (mutation testing).

        Parameters
        ----------
        role : str
            The role to replace: one of :attr:`roles`.
        text : str
            The new expression, in matref syntax.

        Returns
        -------
        Identity

        Raises
        ------
        CatalogError
            The new statement does not parse or does not fit.

        Examples
        --------
        >>> import matref
        >>> wrong = matref.get("trace.grad_axb").with_statement("grad", "B @ A")
        >>> wrong.statement, wrong.verify(trials=3, seed=0).verdict
        ({'f': 'tr(A @ X @ B)', 'grad': 'B @ A'}, 'fails')
        """
        if role not in self.roles:
            raise MatrefError(f"{self.id}: no role {role!r} (its roles: {', '.join(self.roles)})")
        statement = tuple((r, text if r == role else t) for r, t in self.spec.statement)
        return Identity(dataclasses.replace(self.spec, statement=statement))

    def with_assumptions(self, name: str, assume, infer_domain: bool = True) -> "Identity":
        """A copy where symbol ``name`` assumes exactly ``assume`` (and samples nothing extra).

        The test suite shows with it that every hypothesis is needed.

        Parameters
        ----------
        name : str
            A symbol of the identity.
        assume : iterable of str
            Its assumptions in the copy, from matref's vocabulary (``"symmetric"``, ``"spd"``,
            ...); empty to drop them all.
        infer_domain : bool, default True
            False also stops sampling positive entries where ``log`` or ``sqrt`` needs them
            (:meth:`inferred_domain`), so that a negative check sees what dropping a positivity
            hypothesis does.

        Returns
        -------
        Identity

        Raises
        ------
        CatalogError
            The copy is not a valid identity (the variable of a symmetric-only kind no longer
            assumed symmetric, ...).

        Examples
        --------
        >>> import matref
        >>> ident = matref.get("quadratic.grad_xtbx_symmetric")
        >>> ident.statement["grad"], ident.verify(trials=3, seed=0).verdict
        ('2 * B @ x', 'holds')
        >>> ident.with_assumptions("B", []).verify(trials=3, seed=0).verdict
        'fails'
        """
        syms = [dataclasses.replace(s, assume=tuple(assume), sample=()) if s.name == name else s
                for s in self.spec.symbols]
        variant = Identity.__new__(Identity)
        variant.infer_domain = infer_domain
        Identity.__init__(variant, dataclasses.replace(self.spec, symbols=tuple(syms)))
        return variant

    # -- proof ---------------------------------------------------------------------------
    def verify(self, trials: int = 5, seed: int | None = None, rng=None, **options):
        """Run the randomized numerical proof; see :func:`matref.verify`.

        Parameters
        ----------
        trials : int, default 5
            Random instances (at least 3 run).
        seed : int, optional
            The run's seed; a fresh one (reported) when neither it nor ``rng`` is given.
        rng : numpy.random.Generator, optional
            Source of the seed when ``seed`` is not given.
        **options
            The other keywords of :func:`matref.verify`: ``explain_failure``, ``fail_fast``,
            ``limits``, ``max_size``, ``method``.

        Returns
        -------
        Report

        Raises
        ------
        MatrefError
            A bad option (trials, seed, max_size, method), or a request over its limits.

        Examples
        --------
        >>> import matref
        >>> report = matref.get("trace.grad_axb").verify(trials=3, seed=0)
        >>> report.ok, report.verdict, len(report.trials)
        (True, 'holds', 3)
        """
        from matref.engine.verify import verify

        return verify(self, trials=trials, seed=seed, rng=rng, **options)

    # -- export and rich display -------------------------------------------------------
    def to_dict(self) -> dict:
        """Everything about the entry as plain data (what ``matref show --json`` prints).

        Returns
        -------
        dict
            id, family, title, kind, statement, wrt, latex, layouts, assumptions, sources,
            notes, derivation, tags, location, status, conditions, aliases, error_class, see,
            params and, for an erratum, the corrected form.

        Examples
        --------
        >>> import matref
        >>> d = matref.get("trace.grad_axb").to_dict()
        >>> d["statement"], d["layouts"]["numerator"]
        ({'f': 'tr(A @ X @ B)', 'grad': 'A.T @ B.T'}, 'B A')
        """
        return {
            "id": self.id, "family": self.family, "title": self.title, "kind": self.kind,
            "statement": self.statement, "wrt": self.wrt, "latex": self.latex,
            "layouts": self.layouts, "assumptions": {k: list(v) for k, v in self.assumptions.items()},
            "sources": list(self.sources), "notes": self.notes, "derivation": list(self.derivation),
            "tags": list(self.tags), "location": self.location, "status": self.status,
            "conditions": [{c.kind: c.text} for c in self.conditions], "aliases": list(self.spec.aliases),
            "error_class": self.spec.error_class or None, "see": list(self.spec.see),
            "params": {name: list(values) for name, values in self.spec.params},
            "corrected": None if self.corrected is None else {
                "statement": self.corrected.statement, "latex": self.corrected.latex,
                "assumptions": {k: list(v) for k, v in self.corrected.assumptions.items()}},
        }

    def _repr_markdown_(self) -> str:
        """The entry in a notebook: title, formula, the other layout, conditions, source, statement."""
        from matref.data.prose_math import escape_markdown
        from matref.data.sources import source_markdown

        lines = [f"**{escape_markdown(self.title)}** · `{self.id}` · {self.kind}"
                 + (" · erratum: the printed form below is wrong" if self.corrected is not None else ""), "",
                 f"$$\n{self.latex}\n$$", ""]
        if self.corrected is not None:
            lines += ["Corrected:", "", f"$$\n{self.corrected.latex}\n$$", ""]
        for name, tex in list(self.layouts.items())[1:]:
            lines.append(f"- {name} layout: ${tex}$")
        conds = [f"{name} {', '.join(props)}" for name, props in self.assumptions.items()]
        conds += [f"{c.kind}: `{c.text}`" for c in self.conditions]
        lines.append(f"- conditions: {'; '.join(conds) or 'none'}")
        if self.spec.params:
            lines.append(f"- for {self.params_text}, each value proved")
        lines.append("- sources: " + "; ".join(source_markdown(x) for x in self.sources))
        lines.append("- proof: " + ("refuted as printed and proved as corrected" if self.corrected is not None
                                    else "proved") + f" by matref on every build; re-run: `matref verify {self.id}`")
        lines.append("- in matref: " + ", ".join(f"`{r} = {t}`" for r, t in self.statement.items())
                     + (f" with respect to `{self.wrt}`" if self.wrt else ""))
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        return f"$${self.latex}$$"

    def __repr__(self) -> str:
        return f"<Identity {self.id}: {' ; '.join(f'{r} = {t}' for r, t in self.spec.statement)}>"
