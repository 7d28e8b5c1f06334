"""Exact proofs with SymPy: a second proof, independent of the numerical one and of floating point.

At fixed small sizes (pairwise distinct, at least 2, as the engine's distinct-size trial draws
them), every symbol gets exact rational values inside its domain (symmetric, positive definite,
orthogonal by Cayley's transform, ... as assumed), and

* an equality is checked exactly: lhs - rhs is zero in exact arithmetic;
* a derivative claim along a rational direction V in the variable's tangent space, with one
  symbol t: d/dt f(X0 + tV) at t = 0 equals <G, V> (a gradient), J vec(V) (a Jacobian), dF at
  dX = V (a differential), and d²/dt² f at 0 equals vec(V)ᵀ H vec(V) (a Hessian). SymPy's own
  scalar calculus differentiates; matref's derivative rules are not used.

Where every function is rational (trace, determinant, inverse, products, Kronecker, vec ...),
the identity is also proved with every entry a symbol at size 2 (an identity of rational
functions, decided by cancellation): a proof for all values at that size. The rational instance
at pairwise distinct sizes is always required as well, since size 2 alone cannot tell A X B from
B A X when every matrix is square.

matref's nodes are converted to SymPy matrices by each function's ``exact`` rule in its Func
record; no string from a user reaches SymPy's parser (no ``sympify``). What cannot be done exactly
is recorded as such, never as proved: eigenvalues (algebraic numbers) and pseudo-inverses of
rank-deficient matrices are "not attempted"; a comparison SymPy cannot settle is "undecided"; a
proof over its time budget "timed out".
"""

from __future__ import annotations

import contextlib
import signal
import time
from dataclasses import asdict, dataclass
from functools import singledispatch

import numpy as np

from matref.expr import nodes as N
from matref.expr.functions import FUNCTIONS

PROVED, FAILS, UNDECIDED, NOT_ATTEMPTED, TIMED_OUT = "proved", "fails", "undecided", "not attempted", "timed out"
DENOMINATOR = 8  # values are multiples of 1/8: exact, and small enough for SymPy to stay fast
TIMEOUT = 20.0  # seconds per identity (make prove)
MAX_DRAWS = 12


@dataclass(frozen=True)
class ExactResult:
    """The outcome of an exact proof: ``status`` is one of proved, fails, undecided, not attempted,
    timed out; ``method`` says what was exact (e.g. "exact rational instance, sizes 2, 3")."""

    status: str
    method: str = ""
    detail: str = ""
    seconds: float = 0.0
    seed: int | None = None
    corrected: "ExactResult | None" = None  # an erratum: the exact proof of its corrected form

    @property
    def ok(self) -> bool:
        """Proved exactly; for an erratum: the printed form refuted and the corrected one proved."""
        if self.corrected is not None:
            return self.status == FAILS and self.corrected.status == PROVED
        return self.status == PROVED

    @property
    def contradicts(self) -> bool:
        """An exact refutation of what the numerical proof holds (a true identity refuted, or an
        erratum's printed form proved): a bug in one of the two proofs."""
        if self.corrected is not None:
            return self.status == PROVED or self.corrected.status == FAILS
        return self.status == FAILS

    def to_dict(self) -> dict:
        return asdict(self)

    def headline(self) -> str:
        if self.corrected is not None:
            printed = {FAILS: "the printed form refuted exactly", PROVED: "the printed form PROVED exactly"}.get(
                self.status, f"the printed form {self.status}")
            c = self.corrected
            fixed = {PROVED: "the corrected form proved exactly"}.get(c.status, f"the corrected form {c.status}")
            return f"{printed} · {fixed}{' · ' + c.method if c.method else ''}"
        text = {PROVED: "proved exactly", FAILS: "REFUTED exactly"}.get(self.status, self.status)
        return f"{text}{' · ' + self.method if self.method else ''}{' · ' + self.detail if self.detail else ''}"


def prove_identity(ident, seed: int | None = None, timeout: float | None = TIMEOUT) -> ExactResult:
    """:func:`prove`, and for an erratum the proof of its corrected form as well."""
    import dataclasses

    instances = getattr(ident, "instances", (ident,))
    if len(instances) > 1:  # an integer parameter: each value proved; the first that is not, reported
        results = [prove(i, seed, timeout) for i in instances]
        bad = next((r for r in results if r.contradicts), None) or next(
            (r for r in results if r.status != PROVED), None)
        if bad is not None:
            at = instances[results.index(bad)].constants
            return dataclasses.replace(bad, detail=f"{bad.detail} (at {', '.join(f'{k} = {v}' for k, v in at.items())})")
        return dataclasses.replace(results[-1], method=f"{results[-1].method}; for {ident.params_text}",
                                   seconds=sum(r.seconds for r in results))
    result = prove(ident, seed, timeout)
    if getattr(ident, "status", "proved") == "erratum" and ident.corrected is not None:
        result = dataclasses.replace(result, corrected=prove(ident.corrected, result.seed, timeout))
    return result


class NotExact(Exception):
    """A part with no exact evaluation (eigenvalues ...): the proof is not attempted."""


class OutsideDomain(Exception):
    """This rational instance is outside the domain (singular, log of a non-positive number)."""


class _Timeout(Exception):
    pass


@contextlib.contextmanager
def _budget(seconds: float):
    """Interrupt a proof after ``seconds`` (SymPy is pure Python: an alarm interrupts it)."""
    if seconds is None or not hasattr(signal, "SIGALRM"):
        yield
        return

    def ring(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# -- evaluation of matref's nodes in exact arithmetic ------------------------------------------------
@dataclass
class Env:
    sp: object  # the sympy module
    values: dict
    sizes: dict
    typed: object

    def size(self, d) -> int:
        return self.typed.scope.unifier.value(d, self.sizes)


def sympy_module():
    """SymPy, which exact proofs need and matref's core does not (the ``exact`` extra)."""
    try:
        import sympy
    except ImportError:
        from matref.errors import MatrefError

        raise MatrefError("exact proofs need SymPy: pip install 'matref[exact]' "
                          "(the numerical proof, method='numeric', needs only numpy)") from None
    return sympy


def evaluate(typed, values: dict, sizes: dict):
    """``typed`` at exact ``values`` (SymPy matrices): a SymPy matrix."""
    return _ev(typed.node, Env(sympy_module(), values, sizes, typed))


@singledispatch
def _ev(node: N.Node, env: Env):
    raise NotExact(f"no exact rule for {type(node).__name__}")


@_ev.register
def _(n: N.Symbol, env: Env):
    return env.values[n.name]


@_ev.register
def _(n: N.Number, env: Env):
    return env.sp.Matrix([[rational(env.sp, n.value)]])


@_ev.register
def _(n: N.Identity, env: Env):
    return env.sp.eye(env.size(env.typed.shape_of(n)[0]))


@_ev.register
def _(n: N.Neg, env: Env):
    return -_ev(n.arg, env)


def elementwise(sp, a, b, op):
    """``a op b`` entrywise, a 1x1 side broadcast (numpy's rule, as matref's language has it)."""
    if a.shape == (1, 1) and b.shape != (1, 1):
        return b.applyfunc(lambda y: op(a[0, 0], y))
    if b.shape == (1, 1) and a.shape != (1, 1):
        return a.applyfunc(lambda x: op(x, b[0, 0]))
    return sp.Matrix(a.rows, a.cols, lambda i, j: op(a[i, j], b[i, j]))


def _divide(x, y):
    if y == 0:
        raise OutsideDomain("division by zero")
    return x / y


_ev.register(N.Add)(lambda n, env: elementwise(env.sp, _ev(n.left, env), _ev(n.right, env), lambda x, y: x + y))
_ev.register(N.Sub)(lambda n, env: elementwise(env.sp, _ev(n.left, env), _ev(n.right, env), lambda x, y: x - y))
_ev.register(N.Mul)(lambda n, env: elementwise(env.sp, _ev(n.left, env), _ev(n.right, env), lambda x, y: x * y))
_ev.register(N.Div)(lambda n, env: elementwise(env.sp, _ev(n.left, env), _ev(n.right, env), _divide))
_ev.register(N.MatMul)(lambda n, env: _ev(n.left, env) * _ev(n.right, env))
_ev.register(N.Transpose)(lambda n, env: _ev(n.arg, env).T)


@_ev.register
def _(n: N.Pow, env: Env):
    sp, p = env.sp, rational(env.sp, n.exponent)
    base = _ev(n.base, env)
    if p == 0:
        return base.applyfunc(lambda x: sp.Integer(1))
    if p < 0 and any(x == 0 for x in base):
        raise OutsideDomain("a negative power of zero")
    return base.applyfunc(lambda x: x ** p)


@_ev.register
def _(n: N.Call, env: Env):
    func = FUNCTIONS[n.func]
    if func.exact is None:
        raise NotExact(f"{n.func}(...) has no exact evaluation ({func.doc})")
    args = [_ev(a, env) for a in n.args]
    try:
        return func.exact(env.sp, *args, *n.params)
    except ZeroDivisionError:
        raise OutsideDomain(f"{n.func} of a singular matrix") from None
    except ValueError as e:  # sympy: "Matrix det == 0; not invertible"
        if "invertible" in str(e) or "singular" in str(e).lower():
            raise OutsideDomain(f"{n.func} of a singular matrix") from None
        raise


def rational(sp, value) -> object:
    """A float of the language (0.5, 2.0, 1e-3) as the exact rational it stands for."""
    if isinstance(value, int):
        return sp.Integer(value)
    return sp.Rational(repr(float(value))) if abs(value) < 1e15 else sp.Rational(int(value))


# -- exact values inside the domain -----------------------------------------------------------------
def _rationals(sp, array: np.ndarray):
    """A float array rounded to multiples of 1/DENOMINATOR (equal floats round alike: symmetry and
    zeros are kept)."""
    return sp.Matrix(array.shape[0], array.shape[1],
                     lambda i, j: sp.Rational(int(round(float(array[i, j]) * DENOMINATOR)), DENOMINATOR))


def _orthogonal(sp, rng, n: int, symmetric: bool):
    """An exactly orthogonal rational matrix: Cayley's (I - S)(I + S)^-1 of a rational skew S, or
    a Householder reflection I - 2 v vᵀ / vᵀv (symmetric)."""
    if symmetric:
        v = sp.Matrix(n, 1, lambda i, j: sp.Integer(int(rng.integers(-4, 5)) or 1))
        return sp.eye(n) - 2 * v * v.T / (v.T * v)[0, 0]
    s = sp.Matrix(n, n, lambda i, j: sp.Rational(int(rng.choice([-4, -3, -2, -1, 1, 2, 3, 4])), 4) if i < j else 0)
    s = s - s.T
    q = (sp.eye(n) - s) * (sp.eye(n) + s).inv()  # det +1
    if rng.random() < 0.5:  # the other component, det -1
        q = q * sp.diag(-1, *([1] * (n - 1)))
    return q


def _draw(sp, ident, rng, sizes) -> dict:
    from matref.engine import sampling

    u = ident.scope.unifier
    values = {}
    for name in ident.names:
        r, c = ident.scope.shape_of_symbol(name)
        shape = (u.value(r, sizes), u.value(c, sizes))
        if name in ident.values:
            values[name] = sp.Matrix(*shape, lambda i, j: rational(sp, ident.values[name]))
            continue
        props = ident.sampling_assumptions(name)
        kind = sampling.structure(props, shape)
        if kind in ("orthogonal", "symmetric_orthogonal") and shape[0] == shape[1]:
            values[name] = _orthogonal(sp, rng, shape[0], kind == "symmetric_orthogonal")
            continue
        if kind == "point":
            values[name] = sp.diag(*[int(rng.choice([-1, 1])) for _ in range(shape[0])])
            continue
        m = _rationals(sp, sampling.draw(rng, shape, props))
        if any(m[i, j] != m[j, i] for i in range(min(shape)) for j in range(min(shape))) and kind == "symmetric":
            m = (m + m.T) / 2
        values[name] = m
    return values


def _in_domain(sp, ident, values, sizes) -> None:
    """Raise OutsideDomain unless the assumptions and conditions hold exactly at ``values``."""
    from matref.data.assumptions import closure

    for name, m in values.items():
        props = closure(ident.sampling_assumptions(name))
        square = m.rows == m.cols
        if square and props & {"invertible", "spd", "posdef", "orthogonal"} and m.det() == 0:
            raise OutsideDomain(f"{name} is singular")
        if "spd" in props or ("posdef" in props and "symmetric" in props):
            if not m.is_positive_definite:
                raise OutsideDomain(f"{name} is not positive definite")
        if "positive" in props and any(x <= 0 for x in m):
            raise OutsideDomain(f"{name} has an entry <= 0")
    for cond in ident.conditions:
        value = evaluate(cond.typed, values, sizes)
        if cond.kind == "invertible" and value.det() == 0:
            raise OutsideDomain(f"{cond.text} is singular")
        if cond.kind == "nonzero" and value[0, 0] == 0:
            raise OutsideDomain(f"{cond.text} is zero")


def _direction(sp, ident, rng, point):
    """A rational direction in the variable's tangent space at ``point`` (symbolic in a
    symbolic proof)."""
    if isinstance(rng, _SymbolicDirections):
        return rng.direction(point)
    from matref.engine import sampling

    props = ident.sampling_assumptions(ident.wrt)
    kind = sampling.structure(props, point.shape)
    # The claim is linear in the direction: a wrong claim differs from the derivative by a nonzero
    # linear form, which a direction with entries drawn from 2^31 values annuls with probability at
    # most 2^-31 (Schwartz-Zippel). Entries from a handful of values (once -2..2) annulled it with
    # probability 1/17: X^-1 for X^-T passed whenever the direction happened to be symmetric.
    g = sp.Matrix(point.rows, point.cols, lambda i, j: sp.Rational(int(rng.integers(1, 2**31)) * int(rng.choice([-1, 1])), 2**28))
    if kind == "general":
        return g
    if kind == "symmetric":
        return (g + g.T) / 2
    if kind == "diagonal":
        return sp.diag(*[g[i, i] for i in range(point.rows)])
    if kind == "orthogonal":
        return (g - point * g.T * point) / 2
    if kind == "symmetric_orthogonal":
        s = (g + g.T) / 2
        return (s - point * s * point) / 2
    raise NotExact("the variable is an isolated point of its set")


# -- the claims ---------------------------------------------------------------------------------------
def _zero(sp, difference) -> str:
    """PROVED if every entry of ``difference`` is exactly zero, FAILS if one is provably not,
    UNDECIDED if SymPy cannot tell.

    Entries are rational numbers, or expressions in exp, sin, cos of rationals (and radicals,
    logs). exp(p/q) = E^(p D / q) for E = exp(1/D), D the common denominator: a transcendental
    number, so an expression that is a rational function of E (and of exp(i/D), from sin and cos)
    is zero when that rational function cancels to 0 (a sufficient test; nothing is assumed of
    how the two relate). Otherwise: a value clearly away from 0 at 60 digits is a refutation (the
    inputs are exact), and SymPy's simplify decides the rest or leaves it undecided.
    """
    undecided = False
    for z in difference:
        z = sp.nsimplify(z) if isinstance(z, sp.Float) else z
        if z == 0:
            continue
        if z.is_Rational:
            return FAILS
        if _cancels(sp, z):
            continue
        value = sp.N(z, 60)
        if value.is_number and abs(value) > sp.Float("1e-40", 60):
            return FAILS
        if sp.simplify(z) == 0:
            continue
        undecided = True
    return UNDECIDED if undecided else PROVED


def _cancels(sp, z) -> bool:
    """Whether ``z`` is a rational function of exponentials of rationals that cancels to 0: first
    with each exponential as its own symbol (cheap; zero then is zero whatever they are), then
    with all of them as powers of one E = exp(1/D) (exact: E is transcendental), while the
    powers stay of moderate degree."""
    z = sp.expand_power_exp(z.rewrite(sp.exp))  # sin, cos, tanh as exponentials; exp(a - log s) = exp(a) / s
    exps = list(z.atoms(sp.exp))
    args = [sp.nsimplify(e.args[0]) for e in exps]
    if not all(a.is_Rational or (a / sp.I).is_Rational for a in args):
        return False
    own = {e: sp.Symbol(f"Y{k}") for k, e in enumerate(exps)}
    if _rational_zero(sp, z.xreplace(own)):
        return True
    real = [a for a in args if a.is_Rational]
    imag = [a / sp.I for a in args if not a.is_Rational]
    d_real = sp.ilcm(1, 1, *[a.q for a in real])
    d_imag = sp.ilcm(1, 1, *[a.q for a in imag])
    if max([abs(a) * d_real for a in real] + [abs(a) * d_imag for a in imag] + [0]) > 400:
        return False  # polynomials of too high a degree to cancel quickly
    e1, e2 = sp.Symbol("E1", positive=True), sp.Symbol("E2")
    sub = {e: e1 ** int(a * d_real) if a.is_Rational else e2 ** int(a / sp.I * d_imag) for e, a in zip(exps, args)}
    return _rational_zero(sp, z.xreplace(sub))


def _rational_zero(sp, r) -> bool:
    """Whether ``r``, a rational function of symbols with rational (or radical) coefficients, is
    identically 0. With rational coefficients it is evaluated exactly at three random integer
    points (a nonzero rational function of degree d in k symbols vanishes at a random point of
    [2^40, 2^41]^k with probability at most d / 2^40: three zeros leave at most (400 / 2^40)^3,
    below 1e-31); with radicals it is cancelled symbolically."""
    if r.atoms(sp.exp, sp.log) or any(isinstance(f, sp.Function) for f in r.atoms(sp.Function)):
        return False
    symbols = sorted(r.free_symbols, key=str)
    radicals = any(p.exp.is_Rational and not p.exp.is_Integer and not p.base.free_symbols for p in r.atoms(sp.Pow))
    if radicals or not symbols:
        return sp.cancel(sp.together(r)) == 0
    rng = np.random.default_rng(len(symbols))  # fixed points: the same verdict on every run
    for _ in range(3):
        point = {x: sp.Integer(int(rng.integers(2**40, 2**41))) for x in symbols}
        try:
            if r.xreplace(point) != 0:
                return False
        except ZeroDivisionError:
            return False
    return True


def _along(sp, ident, values, sizes, t, v):
    """The function at X0 + t V, and the claim, as exact SymPy matrices."""
    first, claim = ident.roles
    moved = dict(values)
    moved[ident.wrt] = values[ident.wrt] + t * v
    return evaluate(ident.typed[first], moved, sizes), evaluate(ident.typed[claim], values, sizes)


def _derivative(sp, f_t, t, order: int = 1):
    return f_t.applyfunc(lambda e: sp.diff(e, t, order).subs(t, 0))


def _vec(sp, m):
    return sp.Matrix([m[i, j] for j in range(m.cols) for i in range(m.rows)])


def _gradient(sp, ident, values, sizes, rng):
    t = sp.Symbol("step_t")
    v = _direction(sp, ident, rng, values[ident.wrt])
    f_t, g = _along(sp, ident, values, sizes, t, v)
    lhs = _derivative(sp, f_t, t)
    return lhs, sp.Matrix([[sum(g[i, j] * v[i, j] for i in range(v.rows) for j in range(v.cols))]])


def _jacobian(sp, ident, values, sizes, rng):
    t = sp.Symbol("step_t")
    v = _direction(sp, ident, rng, values[ident.wrt])
    f_t, j = _along(sp, ident, values, sizes, t, v)
    return _vec(sp, _derivative(sp, f_t, t)), j * _vec(sp, v)


def _differential(sp, ident, values, sizes, rng):
    t = sp.Symbol("step_t")
    v = _direction(sp, ident, rng, values[ident.wrt])
    first, claim = ident.roles
    moved = {**values, ident.wrt: values[ident.wrt] + t * v}
    f_t = evaluate(ident.typed[first], moved, sizes)
    d = evaluate(ident.typed[claim], {**values, f"d{ident.wrt}": v}, sizes)
    return _derivative(sp, f_t, t), d


def _hessian(sp, ident, values, sizes, rng):
    """Two directions U, V: d²/ds dt f(X0 + sU + tV) at 0 equals vec(U)ᵀ H vec(V) (polarised, so
    that H is judged as a whole matrix, not only its symmetric part)."""
    s, t = sp.Symbol("step_s"), sp.Symbol("step_t")
    u = _direction(sp, ident, rng, values[ident.wrt])
    v = _direction(sp, ident, rng, values[ident.wrt])
    first, claim = ident.roles
    moved = {**values, ident.wrt: values[ident.wrt] + s * u + t * v}
    f_st = evaluate(ident.typed[first], moved, sizes)
    h = evaluate(ident.typed[claim], values, sizes)
    mixed = f_st.applyfunc(lambda e: sp.diff(e, s, t).subs({s: 0, t: 0}))
    return mixed, _vec(sp, u).T * h * _vec(sp, v)


def _equality(sp, ident, values, sizes, rng):
    first, claim = ident.roles
    return evaluate(ident.typed[first], values, sizes), evaluate(ident.typed[claim], values, sizes)


def _partials(sp, ident, values, sizes, rng):
    """The partials with respect to the free entries x_ij = x_ji (i <= j) of a symmetric X: along
    a symmetric V, d/dt f(X + tV) = sum over i <= j of P_ij V_ij."""
    t = sp.Symbol("step_t")
    v = _direction(sp, ident, rng, values[ident.wrt])
    f_t, p = _along(sp, ident, values, sizes, t, v)
    free = sum(p[i, j] * v[i, j] for i in range(v.rows) for j in range(i, v.cols))
    return _derivative(sp, f_t, t), sp.Matrix([[free]])


def _project(sp, m, structure: str, point):
    """The exact orthogonal projection of ``m`` (shaped like ``point``) onto the tangent space."""
    if structure == "symmetric":
        return (m + m.T) / 2
    if structure == "diagonal":
        return sp.diag(*[m[i, i] for i in range(m.rows)])
    if structure == "orthogonal":
        return point * (point.T * m - m.T * point) / 2
    return None  # symmetric orthogonal: left to the numerical proof


def _project_operator(sp, m, structure, point, rows: bool):
    shape = point.shape

    def proj(vec):
        mat = sp.Matrix(shape[0], shape[1], lambda i, j: vec[j * shape[0] + i])
        p = _project(sp, mat, structure, point)
        return None if p is None else _vec(sp, p)

    cols = [proj(m[:, k]) for k in range(m.cols)] if m.rows == point.rows * point.cols else None
    if cols is not None:
        if any(c is None for c in cols):
            return None
        m = sp.Matrix.hstack(*cols)
    if rows and m.cols == point.rows * point.cols:
        rws = [proj(m[k, :].T) for k in range(m.rows)]
        if any(r is None for r in rws):
            return None
        m = sp.Matrix.hstack(*rws).T
    return m


def _outside_space(sp, ident, values, sizes) -> str:
    """Why the claim is not in the variable's structured space (or not symmetric), or ''."""
    from matref.engine import sampling
    from matref.kinds import KINDS

    kind = KINDS[ident.kind]
    if not kind.has_variable or kind.directional or (kind.space is None and not kind.symmetric):
        return ""
    claim = evaluate(ident.typed[ident.roles[1]], values, sizes)
    if kind.symmetric and claim != claim.T:
        return f"the claimed {kind.noun} must be symmetric"
    point = values[ident.wrt]
    structure = sampling.structure(ident.sampling_assumptions(ident.wrt), point.shape)
    if structure in ("general", "point") or kind.space is None:
        return ""
    if kind.space == "vector":
        projected = _project(sp, claim, structure, point)
        what = "the claimed gradient must lie in the tangent space (the projection of the Euclidean gradient)"
    elif kind.space == "operator":
        projected = _project_operator(sp, claim, structure, point, rows=True)
        what = f"the claimed {kind.noun} must be P H P (P: projection onto the tangent space)"
    else:
        projected = _project_operator(sp, claim.T, structure, point, rows=False)
        projected = None if projected is None else projected.T
        what = f"the claimed {kind.noun} must be J P (P: projection onto the tangent space)"
    if projected is None or projected.shape != claim.shape:
        return ""
    return what if any(sp.simplify(e) != 0 for e in (claim - projected)) else ""


CLAIMS = {"partials": _partials, "gradient": _gradient, "jacobian": _jacobian, "differential": _differential, "hessian": _hessian,
          "equality": _equality}
"""How each kind of claim is proved exactly (the name is the Kind record's ``exact`` field)."""


# -- fully symbolic, at size 2 ----------------------------------------------------------------------
RATIONAL = frozenset({"tr", "det", "inv", "mpow", "kron", "vec", "diag", "sum", "eye", "commutation"})
OPEN_SETS = frozenset({"square", "symmetric", "spd", "posdef", "invertible", "diagonal", "positive",
                       "full_column_rank", "full_row_rank"})
"""Assumptions a symbolic proof may carry: a linear structure (symmetric, diagonal) and open
conditions, where an identity of rational functions that cancels holds throughout. Orthogonal
matrices (two components, one of them missed by Cayley's parametrisation), rank conditions and
the pseudo-inverse (discontinuous where the rank drops) are left to the rational instance."""
"""Functions whose exact rules are rational: an identity built from them (with logdet and log only
inside the differentiated function) is a rational-function identity, decided by cancellation."""
SYMBOLIC_TIMEOUT = 1.0  # seconds: the symbolic proof is tried first, then the rational instance


def _symbolic_matrix(sp, name: str, shape, kind: str):
    r, c = shape
    entry = lambda i, j: sp.Symbol(f"{name}_{min(i, j)}{max(i, j)}" if kind == "symmetric" else f"{name}_{i}{j}")
    if kind == "general":
        return sp.Matrix(r, c, lambda i, j: entry(i, j))
    if kind == "symmetric":
        return sp.Matrix(r, c, entry)
    if kind == "diagonal":
        return sp.diag(*[sp.Symbol(f"{name}_{i}") for i in range(r)])
    if kind == "orthogonal":  # Cayley's rational parametrisation
        s = sp.Matrix(r, r, lambda i, j: sp.Symbol(f"{name}_{i}{j}") if i < j else 0)
        s = s - s.T
        return (sp.eye(r) - s) * (sp.eye(r) + s).inv()
    if kind == "symmetric_orthogonal":  # a Householder reflection
        v = sp.Matrix(r, 1, lambda i, j: sp.Symbol(f"{name}_{i}"))
        return sp.eye(r) - 2 * v * v.T / (v.T * v)[0, 0]
    return None


def _symbolic_applies(ident) -> bool:
    from matref.kinds import KINDS

    first, claim = ident.roles
    differentiated = KINDS[ident.kind].has_variable
    for role, typed in ident.typed.items():
        allowed = RATIONAL | ({"log", "logdet"} if differentiated and role == first else set())
        if any(isinstance(n, N.Call) and n.func not in allowed for n in N.walk(typed.node)):
            return False
        if any(isinstance(n, N.Pow) and not float(n.exponent).is_integer() for n in N.walk(typed.node)):
            return False
    from matref.data.assumptions import closure

    if any(not closure(ident.sampling_assumptions(n)) <= OPEN_SETS for n in ident.names):
        return False
    return not ident.values and not ident.conditions


def prove_symbolic(ident, timeout: float | None = SYMBOLIC_TIMEOUT) -> ExactResult | None:
    """A proof with every entry a symbol and every free size 2: the identity as an identity of
    rational functions (decided by cancellation; it then holds on the whole open set where it is
    defined). None when it does not apply (other functions, fixed values, conditions) or does not
    finish in ``timeout``; it only ever proves (a rational function that does not cancel is left to
    the rational instance, which shows the counterexample)."""
    sp = sympy_module()

    from matref.engine import sampling
    from matref.engine.verify import _fits

    if not _symbolic_applies(ident):
        return None
    start = time.perf_counter()
    sizes = {v: 2 for v in ident.free_dims()}
    if not _fits(ident, sizes):
        return None
    try:
        with _budget(timeout):
            u, values = ident.scope.unifier, {}
            for name in ident.names:
                r, c = ident.scope.shape_of_symbol(name)
                shape = (u.value(r, sizes), u.value(c, sizes))
                m = _symbolic_matrix(sp, name, shape, sampling.structure(ident.sampling_assumptions(name), shape))
                if m is None:
                    return None
                values[name] = m
            routine = CLAIMS[_kind_exact(ident)]
            lhs, rhs = routine(sp, ident, values, sizes, _SymbolicDirections(sp, ident))
            if lhs.shape != rhs.shape or any(sp.cancel(sp.together(z)) != 0 for z in lhs - rhs):
                return None
    except (_Timeout, NotExact, OutsideDomain, ZeroDivisionError, ValueError, TypeError):
        return None
    shown = ", ".join(f"{n} {m.rows}x{m.cols}" for n, m in values.items())
    return ExactResult(PROVED, f"symbolic: every entry a symbol ({shown})", "",
                       round(time.perf_counter() - start, 3))


def _kind_exact(ident) -> str:
    from matref.kinds import KINDS

    return KINDS[ident.kind].exact


class _SymbolicDirections:
    """Stands in for the random generator: directions with symbolic entries (a different set of
    symbols each time), in the variable's tangent space."""

    def __init__(self, sp, ident):
        self.sp, self.ident, self.count = sp, ident, 0

    def direction(self, point):
        from matref.engine import sampling

        self.count += 1
        sp, name = self.sp, f"V{self.count}"
        kind = sampling.structure(self.ident.sampling_assumptions(self.ident.wrt), point.shape)
        g = sp.Matrix(point.rows, point.cols, lambda i, j: sp.Symbol(f"{name}_{i}{j}"))
        if kind == "general":
            return g
        if kind == "symmetric":
            return sp.Matrix(point.rows, point.cols, lambda i, j: sp.Symbol(f"{name}_{min(i, j)}{max(i, j)}"))
        if kind == "diagonal":
            return sp.diag(*[g[i, i] for i in range(point.rows)])
        if kind == "orthogonal":
            return (g - point * g.T * point) / 2
        s = (g + g.T) / 2
        return (s - point * s * point) / 2


def prove(ident, seed: int | None = None, timeout: float | None = TIMEOUT) -> ExactResult:
    """Prove ``ident`` exactly at one rational instance (see the module's docstring).

    Examples
    --------
    >>> import matref
    >>> from matref.engine.exact import prove
    >>> prove(matref.get("trace.grad_axb"), seed=1).status
    'proved'
    """
    from matref.kinds import KINDS

    sp = sympy_module()

    from matref.engine.verify import draw_sizes

    start = time.perf_counter()
    seed = int(np.random.default_rng().integers(2**32)) if seed is None else seed

    def result(status, method="", detail=""):
        return ExactResult(status, method, detail, round(time.perf_counter() - start, 3), seed)

    routine = CLAIMS.get(KINDS[ident.kind].exact)
    if routine is None:
        return result(NOT_ATTEMPTED, detail=f"no exact proof for a {KINDS[ident.kind].noun} yet")
    # symbolic at size 2 (a proof for every value there), and in any case a rational instance at
    # pairwise distinct sizes (size 2 alone would miss a mistake of sizes: det(B A X) = det(A X B)
    # holds when every matrix is square)
    def upgrade() -> str:  # after a proof at the rational instance: the symbolic one, if it applies
        done = prove_symbolic(ident, min(SYMBOLIC_TIMEOUT, timeout or SYMBOLIC_TIMEOUT))
        return "symbolic at size 2 (every entry a symbol) and " if done is not None else ""

    rng = np.random.default_rng(seed)
    try:
        with _budget(timeout):
            where = ", ".join(f"{n} {ident.scope.show(ident.scope.shape_of_symbol(n))}" for n in ident.names)
            vacuous = 0
            for draw in range(MAX_DRAWS):
                # the distinct-size regime (every free size >= 2, pairwise distinct), small; sizes
                # redrawn in any order when a draw fell outside the domain (n x k with n < k ...)
                cap = max(3, 1 + len(ident.free_dims())) + draw // 4  # room for pairwise distinct sizes
                sizes, _ = draw_sizes(ident, rng, index=0, cap=cap, ordered=draw < 2)
                try:
                    values = _draw(sp, ident, rng, sizes)
                    _in_domain(sp, ident, values, sizes)
                    lhs, rhs = routine(sp, ident, values, sizes, rng)
                except OutsideDomain:
                    continue
                shown = ", ".join(f"{n} {m.rows}x{m.cols}" for n, m in values.items())
                if KINDS[ident.kind].has_variable and all(x == 0 for x in lhs) and all(x == 0 for x in rhs):
                    vacuous += 1  # both sides 0 (sum(V) = 0 ...): no evidence; another instance
                    continue
                if lhs.shape != rhs.shape:
                    return result(FAILS, f"exact rational instance ({shown})",
                                  f"shapes differ: {lhs.shape} and {rhs.shape}")
                status = _zero(sp, lhs - rhs)
                if status == PROVED:
                    # Directions in a structured space cannot see the rest of a claim: the claim
                    # itself must lie in the space (sym(G), P H P, J P) and a Hessian be symmetric,
                    # as the numerical proof requires.
                    outside = _outside_space(sp, ident, values, sizes)
                    if outside:
                        return result(FAILS, f"exact rational instance ({shown})", outside)
                return result(status, f"{upgrade() if status == PROVED else ''}exact rational instance ({shown})")
            if vacuous:
                return result(UNDECIDED, detail=f"both sides were 0 at {vacuous} of {MAX_DRAWS} instances (no evidence)")
            return result(UNDECIDED, detail=f"no rational instance inside the domain in {MAX_DRAWS} draws ({where})")
    except NotExact as e:
        return result(NOT_ATTEMPTED, detail=str(e))
    except _Timeout:
        return result(TIMED_OUT, detail=f"over its budget of {timeout:g} s")
    except (ZeroDivisionError, ValueError, TypeError, NotImplementedError, RecursionError) as e:
        return result(NOT_ATTEMPTED, detail=f"SymPy could not evaluate it: {type(e).__name__}: {str(e)[:120]}")
