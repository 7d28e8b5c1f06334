"""matref.testing's checks: a user's function and claimed derivative, handed to the engine.

Cost near the floor (one evaluation of f and one of the claim): a gradient is compared along one
direction that mixes a random direction in the variable's space with the claim's own direction
(so a wrong claim is seen both as a whole and in every random component), with one complex-step
evaluation of f; a Jacobian, vector-Jacobian or Hessian-vector claim along one random direction.
A failure costs more: a second, independent derivative confirms it (a contour integral, then
real differences, which also catch a function that is not complex-safe), and an elementwise
comparison is added when the variable is small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from matref.data.assumptions import closure
from matref.engine import claims, compare, sampling
from matref.engine.judge import FAIL, PASS, UNDECIDED, VACUOUS, Measurement, dist, tolerance_for
from matref.engine.oracle import Oracle, QuickOracle, RealOracle, _info, guarded
from matref.errors import MatrefError
from matref.expr.rounding import OutOfDomain, frob
from matref.testing.adapters import NotComplexSafe, backend_for, to_numpy
from matref.testing.specs import Spec

RETRIES = 3  # fresh directions (and fresh draws of spec inputs) after an undecided comparison
EXPLAIN_ENTRIES = 64  # variables up to this many entries get an elementwise comparison on failure
STRUCTURES = ("general", "symmetric", "diagonal", "orthogonal")


class ClaimFailed(AssertionError):
    """The claim does NOT hold: a counterexample inside the domain, confirmed twice.

    Raised by the ``assert_*`` functions of :mod:`matref.testing` (and by
    :meth:`Result.raise_if_not_ok`). An ``AssertionError``, so pytest reports it as a failed
    assertion; its message shows the variable, the numbers, the seed and the call that
    reproduces it.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import ClaimFailed, assert_gradient, vector
    >>> try:
    ...     assert_gradient(lambda x: x @ x, lambda x: x, [vector(3)], seed=0)
    ... except ClaimFailed as e:
    ...     print(str(e).splitlines()[0])
    matref.testing.assert_gradient: the claimed gradient does NOT hold
    """


class Undecided(AssertionError):
    """No verdict: rounding or the domain kept every comparison from deciding (the reason says).

    Raised by the ``assert_*`` functions of :mod:`matref.testing`, after fresh directions (and
    fresh draws of spec inputs) were tried. An ``AssertionError``, so a test does not pass
    on a claim that was not decided.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import Undecided, assert_gradient
    >>> x = np.array([-1.0, 2.0])  # outside the domain of sqrt
    >>> try:
    ...     with np.errstate(invalid="ignore"):
    ...         assert_gradient(lambda x: np.sum(np.sqrt(x)), lambda x: 0.5 / np.sqrt(x), [x], seed=0)
    ... except Undecided as e:
    ...     print(str(e).splitlines()[2])
      along a direction V 1: a quantity is not finite
    """


@dataclass
class Result:
    """The outcome of a check: ``verdict`` is ``"holds"``, ``"fails"`` or ``"undecided"``.

    Returned by the ``check_*`` functions of :mod:`matref.testing` whatever the verdict, and by
    the ``assert_*`` functions when the claim holds. ``str(result)`` is its :attr:`message`.
    Each parameter below is kept as the attribute of the same name.

    Parameters
    ----------
    verdict : {"holds", "fails", "undecided"}
        The verdict.
    what : str
        What was checked: ``"gradient"``, ``"Jacobian"``, ``"vector-Jacobian product"``,
        ``"Hessian"`` or ``"equality"``.
    seed : int
        The seed of the check (given, or drawn and reported).
    measurements : list, default []
        Every comparison made: its error, tolerance and verdict.
    compose : callable or str, optional
        Builds the message on demand (a passing check never needs it).
    method : str, default ""
        How the derivative was computed (``"complex step"``, ``"central differences
        (Richardson)"``, ...), or ``"values"`` for an equality.
    evaluations : int, default 0
        How many times f was evaluated.

    Examples
    --------
    >>> import numpy as np
    >>> from matref.testing import check_gradient, vector
    >>> r = check_gradient(lambda x: x @ x, lambda x: 2 * x, [vector(3)], seed=0)
    >>> r.verdict, r.ok, r.what, r.seed, r.method
    ('holds', True, 'gradient', 0, 'complex step')
    >>> print(r)
    matref.testing.assert_gradient: the claimed gradient holds
      variable: argument 0, shape (3,), float64
      worst error ... <= tolerance ... (rtol 1e-08)
      numerical derivative: complex step
      seed 0; reproduce: matref.testing.assert_gradient(..., seed=0)
    """

    verdict: str
    what: str
    seed: int
    measurements: list = field(default_factory=list)
    compose: object = None  # builds the message on demand (a passing check never needs it)
    method: str = ""
    evaluations: int = 0

    @property
    def message(self) -> str:
        """What a person reads: the verdict, the variable, the numbers, the seed, the call.

        Examples
        --------
        >>> import numpy as np
        >>> from matref.testing import check_gradient, vector
        >>> r = check_gradient(lambda x: x @ x, lambda x: x, [vector(3)], seed=0)
        >>> print(r.message)
        matref.testing.assert_gradient: the claimed gradient does NOT hold
          variable: argument 0, shape (3,), float64
          along a direction V 1: error ... > tolerance ... (rtol 1e-08 of the larger value)
          (confirmed by a second, independent numerical derivative)
          numerical d/dt f(x + tV) = ...
          claimed <G, V>           = ...
          elementwise (entry by entry):
          numerical gradient =
            [...]
          claimed gradient =
            [...]
          largest difference at (2,): ...
          numerical derivative: complex step
          seed 0; reproduce: matref.testing.assert_gradient(..., seed=0)
        """
        return self.compose() if callable(self.compose) else str(self.compose or "")

    def __str__(self) -> str:
        return self.message

    @property
    def ok(self) -> bool:
        """Whether the claim holds (``verdict == "holds"``).

        Examples
        --------
        >>> import numpy as np
        >>> from matref.testing import check_gradient, vector
        >>> check_gradient(lambda x: x @ x, lambda x: 2 * x, [vector(3)], seed=0).ok
        True
        """
        return self.verdict == "holds"

    def raise_if_not_ok(self):
        """This result when the claim holds; otherwise raise what the ``assert_*`` functions raise.

        Returns
        -------
        Result
            ``self``, when the verdict is ``"holds"``.

        Raises
        ------
        ClaimFailed
            The verdict is ``"fails"``.
        Undecided
            The verdict is ``"undecided"``.

        Examples
        --------
        >>> import numpy as np
        >>> from matref.testing import check_gradient, vector
        >>> r = check_gradient(lambda x: x @ x, lambda x: x, [vector(3)], seed=0)
        >>> r.raise_if_not_ok()
        Traceback (most recent call last):
        ...
        matref.testing.checks.ClaimFailed: matref.testing.assert_gradient: the claimed gradient does NOT hold
        ...
        """
        if self.verdict == "fails":
            raise ClaimFailed(self.message)
        if self.verdict == "undecided":
            raise Undecided(self.message)
        return self


# -- inputs -----------------------------------------------------------------------------------------
@dataclass
class Inputs:
    """The user's inputs, drawn where they are specs, as numpy arrays in call order."""

    raw: object
    args: list
    kwargs_names: list | None
    wrt: int
    name: str
    specs: list
    assume: frozenset

    def call(self, backend, f, args=None):
        args = self.args if args is None else args
        if self.kwargs_names is not None:
            return backend.call(lambda *a: f(**dict(zip(self.kwargs_names, a))), args)
        return backend.call(f, args)

    @property
    def x(self) -> np.ndarray:
        return self.args[self.wrt]


def _inputs(inputs, wrt, structure, rng) -> Inputs:
    if isinstance(inputs, dict):
        names = list(inputs)
        values = [inputs[k] for k in names]
        if wrt is None:
            wrt = names[0]
        if wrt not in inputs:
            raise MatrefError(f"wrt={wrt!r} is not one of the inputs ({', '.join(map(str, names))})")
        index, label = names.index(wrt), str(wrt)
    else:
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]
        names, values = None, list(inputs)
        wrt = 0 if wrt is None else wrt
        if isinstance(wrt, bool) or not isinstance(wrt, (int, np.integer)) or not -len(values) <= wrt < len(values):
            raise MatrefError(f"wrt={wrt!r} must be the index of an input (there are {len(values)})")
        index = int(wrt) % len(values)
        label = f"argument {index}"
    specs = [v if isinstance(v, Spec) else None for v in values]
    args = []
    for v in values:
        if isinstance(v, Spec):
            args.append(v.draw(rng))
        else:
            a = to_numpy(v)
            if a.dtype.kind not in "fiub":
                raise MatrefError(f"inputs must be real arrays, not {a.dtype}")
            args.append(a.astype(np.float64) if a.dtype.kind in "iub" else a)
    x = args[index]
    if x.dtype.kind != "f":
        raise MatrefError(f"the variable ({label}) must be a real floating-point array, not {x.dtype}")
    if x.size == 0:
        raise MatrefError(f"the variable ({label}) is empty")
    assume = closure(specs[index].assume) if specs[index] is not None else frozenset()
    if structure is not None:
        if structure not in STRUCTURES:
            raise MatrefError(f"structure={structure!r}: known structures are {', '.join(STRUCTURES)}")
        assume = assume | (closure([structure]) if structure != "general" else frozenset())
    if assume and sampling.structure(assume, _matrix(x).shape) != "general" and x.ndim != 2:
        raise MatrefError(f"structure {structure!r} needs a matrix variable, not shape {x.shape}")
    return Inputs(inputs, args, names, index, label, specs, assume)


def _matrix(a: np.ndarray) -> np.ndarray:
    return a if a.ndim == 2 else a.reshape(-1, 1)


def _redraw(inp: Inputs, rng) -> Inputs:
    args = [s.draw(rng) if s is not None else a for s, a in zip(inp.specs, inp.args)]
    return Inputs(inp.raw, args, inp.kwargs_names, inp.wrt, inp.name, inp.specs, inp.assume)


def _direction(rng, x, assume) -> np.ndarray:
    """A random unit direction in the variable's space. Unstructured: uniform entries (any
    continuous distribution makes a miss a probability-zero event, and uniform draws cost a
    quarter of normal ones, which shows at n = 256)."""
    if x.ndim == 2 and assume:
        return sampling.direction(rng, x.astype(np.float64), assume)
    v = rng.random(x.shape)
    v -= 0.5
    v *= 1.0 / math.sqrt(float(np.vdot(v, v)))  # entries in [-0.5, 0.5]: no overflow or underflow
    return v


def _project(g, x, assume):
    if x.ndim == 2 and assume:
        return sampling.project(g, assume, x.astype(np.float64))
    return g


# -- the oracle ---------------------------------------------------------------------------------------
class _Evaluator:
    """f as a function of the variable alone (numpy in, numpy out), and the oracle for it: the
    complex step when f is complex-safe (declared, or found by trying), real differences if not."""

    def __init__(self, backend, f, inp: Inputs, complex_safe: bool | None, precision, post=None,
                 scalar: bool = False):
        self.backend, self.f, self.inp, self.post = backend, f, inp, post
        self.scalar = scalar
        self.complex_safe = complex_safe
        self.precision = np.dtype(precision)
        self.x = inp.x.astype(self.precision, copy=False)
        self.evaluations = 0
        self.note = ""

    def __call__(self, z):
        self.evaluations += 1
        inp = self.inp
        args = list(inp.args)
        args[inp.wrt] = z
        out = inp.call(self.backend, self.f, args)
        if self.scalar and out.size != 1:
            raise MatrefError(f"f must return a scalar here, but it returned an array of shape {out.shape} "
                              "(for a vector or matrix function use assert_jacobian or assert_vjp)")
        return out if self.post is None else self.post(out)

    def oracle(self):
        if self.complex_safe is False:
            return RealOracle(self, self.x)
        return Oracle(self, self.x, analytic=True)

    def run(self, run):
        """``run(oracle)`` with the complex step, switching to real differences when f refuses
        complex inputs (raises, drops the imaginary part, or warns that numpy did)."""
        oracle = self.oracle()
        try:
            return oracle, run(oracle)
        except NotComplexSafe as e:
            why = str(e).split("\n")[0][:120]
            self.complex_safe = False
            self.note = f"f is not complex-safe ({why}): real differences were used"
            oracle = RealOracle(self, self.x)
            return oracle, run(oracle)


QUICK_SIZE = 4096
"""Variables with at least this many entries (64 x 64) try real differences before the complex step."""


def _method(oracle) -> str:
    if isinstance(oracle, QuickOracle):
        return "central differences at two steps (extrapolated)"
    return "central differences (Richardson)" if isinstance(oracle, RealOracle) else "complex step"


def _unit(precision) -> float:
    return _info(precision)[0]


_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _precision(*arrays) -> np.dtype:
    """float32 if any of the compared arrays is single precision (or less), else float64."""
    for a in arrays:
        if a is not None and a.dtype.kind in "fc" and a.dtype.itemsize < (8 if a.dtype.kind == "f" else 16):
            return _F32
    return _F64


# -- the runs -----------------------------------------------------------------------------------------
def _verdict(ms: list[Measurement]) -> str:
    if any(m.verdict == FAIL for m in ms):
        return "fails"
    if any(m.verdict == UNDECIDED for m in ms) or not any(m.verdict == PASS for m in ms):
        return "undecided"
    return "holds"


def _confirm_real(ev: _Evaluator, oracle, run, ms, directions=()):
    """A failure found with the complex step must survive real differences too: a function that
    is not an analytic continuation of itself (abs, conj, slogdet, branches) makes the complex step
    wrong. When the two derivatives disagree, f is not complex-safe and only real differences
    are used (for the verdict and for the numbers shown)."""
    if _verdict(ms) != "fails" or isinstance(oracle, RealOracle):
        return oracle, ms
    real = RealOracle(ev, ev.x)
    again = run(real)
    disagree = _verdict(again) != "fails"
    for v in directions:
        if disagree:
            break
        try:
            a, _ = oracle.first(v)
            b, noise = real.first(v)
        except (OutOfDomain, NotComplexSafe):
            break
        disagree = dist(a, b) > 1e-6 * max(frob(a), frob(b)) + 10 * noise
    if not disagree:
        return oracle, ms
    ev.complex_safe = False
    ev.note = "the complex step disagreed with real differences (f is not complex-safe): real differences were used"
    return real, again


def _first_order_run(claim, directions, rtol):
    """The engine's first-order check of ``claim`` as a function of the oracle; a point outside
    the domain is an undecided measurement, never a counterexample."""

    def run(oracle):
        try:
            return compare.first_order(oracle, claim, directions, rtol, "along a direction V")
        except OutOfDomain as e:
            return [Measurement(math.nan, 0.0, "domain", verdict=UNDECIDED, reason=str(e))]

    return run


SPEC_TRIALS = 3
"""Instances drawn when inputs are specs (and ``trials`` is not given): a claim that is right only
on part of the domain (3 x^2 for the derivative of |x|^3) is caught on one of them."""


def _trials(trials, inputs) -> int:
    if trials is None:
        values = inputs.values() if isinstance(inputs, dict) else (
            inputs if isinstance(inputs, (list, tuple)) else [inputs])
        for v in values:
            if isinstance(v, Spec):
                return SPEC_TRIALS
        return 1
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or not 1 <= trials <= 1000:
        raise MatrefError(f"trials must be an integer from 1 to 1000, not {trials!r}")
    return int(trials)


def _attempts(rng, run_once, instances: int = 1):
    """Run a check on ``instances`` instances (fresh draws of the spec inputs; fresh directions for
    fixed arrays); an undecided comparison is retried with fresh directions (and draws). All
    randomness comes from ``rng``, the one generator of the check, seeded by its reported seed.
    A failure ends the run; the measurements of every instance are kept."""
    history, calls = [], 0
    for _ in range(instances):
        for _retry in range(1 + RETRIES):
            out = run_once(rng, calls)
            calls += 1
            if out[0] != "undecided":
                break
        history.append(out)
        if out[0] != "holds":
            break
    last = history[-1]
    if last[0] == "holds" and len(history) > 1:
        last = (last[0], [m for h in history for m in h[1]]) + tuple(last[2:])
    return last, history


def _fmt(a) -> str:
    return np.array2string(np.asarray(a), precision=6, suppress_small=False, max_line_width=100, threshold=20)


def _call_text(fn: str, seed: int) -> str:
    return f"matref.testing.{fn}(..., seed={seed})"


def _worst(ms):
    decisive = [m for m in ms if m.verdict == FAIL] or [m for m in ms if m.verdict == UNDECIDED] or ms
    return max(decisive, key=lambda m: m.ratio)


def _message(fn, what, verdict, seed, inp: Inputs, ms, details, method, note, rtol) -> str:
    derivative = bool(method)  # an equality compares values: no variable, no numerical derivative
    head = {"fails": f"the claimed {what} does NOT hold", "undecided": f"the claimed {what} could not be decided",
            "holds": f"the claimed {what} holds"}[verdict]
    x = inp.x
    struct = sampling.structure(inp.assume, _matrix(x).shape) if x.ndim == 2 else "general"
    lines = [f"matref.testing.{fn}: {head}"]
    if derivative:
        lines.append(f"  variable: {inp.name}, shape {x.shape}, {x.dtype}"
                     + (f", {struct} (directions in its tangent space)" if struct != "general" else ""))
    else:
        lines.append("  inputs: " + ", ".join(f"shape {a.shape} {a.dtype}" for a in inp.args))
    m = _worst(ms)
    if verdict == "fails":
        lines.append(f"  {m.what}: error {m.error:.3e} > tolerance {m.tolerance:.3e} "
                     f"(rtol {rtol:g} of the larger value)")
        if derivative:
            lines.append("  (confirmed by a second, independent numerical derivative)")
    elif verdict == "undecided":
        lines.append(f"  {m.what}: {m.reason}")
    else:
        lines.append(f"  worst error {m.error:.3e} <= tolerance {m.tolerance:.3e} (rtol {rtol:g})")
    lines += details
    if derivative:
        lines.append(f"  numerical derivative: {method}" + (f"; {note}" if note else ""))
    lines.append(f"  seed {seed}; reproduce: {_call_text(fn, seed)}")
    return "\n".join(lines)


def _new_seed(seed):
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**32))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise MatrefError(f"seed must be a non-negative integer, not {seed!r}")
    return int(seed)


def _as_array(claim, name: str, shape=None) -> np.ndarray:
    if type(claim) is np.ndarray and claim.dtype.kind == "f" and (shape is None or claim.shape == shape):
        return claim  # the common case, checked first
    a = to_numpy(claim)
    if a.dtype.kind not in "fiu":
        raise MatrefError(f"the claimed {name} must be a real array, not {a.dtype}")
    if shape is not None and a.shape != shape:
        if a.size == int(np.prod(shape)) and a.squeeze().shape == tuple(s for s in shape if s != 1):
            return a.reshape(shape)
        raise MatrefError(f"the claimed {name} has shape {a.shape}, but it must have shape {shape}")
    return a


def gradient_check(f, grad, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None,
                   fn="assert_gradient", what="gradient", scalarize=None, trials=None) -> Result:
    """See :func:`matref.testing.assert_gradient`."""
    seed = _new_seed(seed)
    rng0 = np.random.default_rng(seed)
    raw = list(inputs.values()) if isinstance(inputs, dict) else (inputs if isinstance(inputs, (list, tuple)) else [inputs])
    be = backend_for(raw, backend)
    inp = _inputs(inputs, wrt, structure, rng0)
    evals = [0]

    def run_once(rng, attempt):
        nonlocal inp
        if attempt and any(s is not None for s in inp.specs):
            inp = _redraw(inp, rng)
        u = None
        target = f
        if scalarize is not None:
            # A vector-Jacobian product is the gradient of <u, F>: one random u in F's output space.
            out0 = np.asarray(inp.call(be, f))
            u = rng.standard_normal(out0.shape)
            u = u / np.linalg.norm(u) if u.size else u
            if out0.dtype.kind == "f":
                u = u.astype(out0.dtype)  # a float32 backward pass gets a float32 cotangent
            target = scalarize(f, u, inp)
        if isinstance(grad, str) and grad == "autograd":
            g = be.grad(target, inp.args, inp.wrt) if u is None else be.vjp(f, inp.args, inp.wrt, u)
        elif callable(grad):
            g = inp.call(be, grad) if u is None else inp.call(be, lambda *a: grad(*a, be.native(u)))
        else:
            g = grad
        g = _as_array(g, what, inp.x.shape)
        precision = _precision(inp.x, g)
        ev = _Evaluator(be, target, inp, complex_safe, precision, scalar=True)
        tol = tolerance_for(precision)
        unit = _unit(precision)
        g64 = g.astype(np.float64, copy=False)
        size = frob(g64)
        claim = claims.Gradient(g64, 32 * unit * size, 32 * unit * size, unit=unit, norm=size)
        r = _direction(rng, inp.x, inp.assume)
        own = _project(g64, inp.x, inp.assume) if inp.assume else g64
        n = frob(own) if inp.assume else size
        if precision == _F64:
            # One direction mixing a random one with the claim's own: the whole claim is compared
            # (a claim 1e-6 off is refuted), and so is a random component of it (any wrong claim
            # shows in it with probability 1; at rtol 1e-8 a miss is not a practical event).
            v = r + own * (1.0 / n) if 0 < n < math.inf else r
            v *= 1.0 / math.sqrt(float(np.vdot(v, v)))  # |v| is about 1 by construction
            dirs = [v if v.dtype == precision else v.astype(precision)]
        else:
            # float32's tolerance (2e-3) is wide enough for one random component to hide a wrong
            # claim now and then: three random directions and the claim's own, separately.
            dirs = [r] + [_direction(rng, inp.x, inp.assume) for _ in range(2)]
            if n > 0 and math.isfinite(n):
                dirs.append(own / n)
            dirs = [d.astype(precision, copy=False) for d in dirs]
        v = dirs[0]

        run = _first_order_run(claim, dirs, tol.derivative)
        ms = None
        if precision == _F64 and inp.x.size >= QUICK_SIZE and ev.complex_safe is not True:
            # Large variables: real differences first (four real evaluations of f cost less than
            # one complex one when f multiplies matrices); only a pass is taken from them.
            quick = QuickOracle(ev, ev.x)
            first = run(quick)
            if _verdict(first) == "holds":
                oracle, ms = quick, first
        if ms is None:
            oracle, ms = ev.run(run)
            oracle, ms = _confirm_real(ev, oracle, run, ms, dirs)
        evals[0] += ev.evaluations
        return _verdict(ms), ms, inp, ev, oracle, g64, v, tol

    (verdict, ms, inp, ev, oracle, g, v, tol), _ = _attempts(rng0, run_once, _trials(trials, inputs))
    details = []
    if scalarize is not None:
        details.append("  (u^T J is the gradient of <u, F(x)> for a random unit u shaped like F's output:\n"
                       "   that gradient is what is compared)")
    if verdict == "fails":
        obs = float(np.asarray(guarded(oracle.first, v)[0]).reshape(-1)[0])
        details.append(f"  numerical d/dt f(x + tV) = {obs:.10g}")
        details.append(f"  claimed <G, V>           = {claims.Gradient(g).along(v).value[0]:.10g}")
        details += _elementwise_gradient(oracle, inp, g)
    msg = lambda: _message(fn, what, verdict, seed, inp, ms, details, _method(oracle), ev.note, tol.derivative)
    return Result(verdict, what, seed, ms, msg, _method(oracle), evals[0])


def _elementwise_gradient(oracle, inp: Inputs, g) -> list[str]:
    x = inp.x
    if x.size > EXPLAIN_ENTRIES:
        return [f"  ({x.size} entries: too many to compare one by one; the direction above decides)"]
    numeric = np.zeros(x.shape)
    if x.ndim == 2 and inp.assume:
        for b in sampling.tangent_basis(x.astype(np.float64), inp.assume):
            numeric = numeric + float(np.asarray(oracle.first(b.astype(x.dtype))[0]).reshape(-1)[0]) * b
        claimed = _project(g, x, inp.assume)
        label = "projected onto the variable's space"
    else:
        flat = numeric.reshape(-1)
        for k in range(x.size):
            e = np.zeros(x.size, dtype=x.dtype)
            e[k] = 1
            flat[k] = float(np.asarray(oracle.first(e.reshape(x.shape))[0]).reshape(-1)[0])
        numeric = flat.reshape(x.shape)
        claimed = g
        label = "entry by entry"
    diff = np.abs(numeric - claimed)
    k = int(np.argmax(diff))
    idx = np.unravel_index(k, x.shape)
    return [f"  elementwise ({label}):", "  numerical gradient =", _indent(_fmt(numeric)),
            "  claimed gradient =", _indent(_fmt(claimed)),
            f"  largest difference at {tuple(int(i) for i in idx)}: numerical {numeric[idx]:.6g}, "
            f"claimed {claimed[idx]:.6g}"]


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _scalarize(backend_name):
    def make(F, u, inp):
        def g(*args, **kwargs):
            y = F(*args, **kwargs)
            if backend_name == "torch":
                import torch

                return (torch.as_tensor(u, dtype=y.dtype if not y.is_complex() else None) * y).sum()
            if backend_name == "jax":
                import jax.numpy as jnp

                return (jnp.asarray(u) * y).sum()
            return np.sum(u * np.asarray(y))

        return g

    return make


def vjp_check(F, vjp, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None,
              fn="assert_vjp", trials=None) -> Result:
    raw = list(inputs.values()) if isinstance(inputs, dict) else (inputs if isinstance(inputs, (list, tuple)) else [inputs])
    be = backend_for(raw, backend)
    return gradient_check(F, vjp, inputs, wrt, structure, seed, complex_safe, be.name, fn,
                          "vector-Jacobian product", scalarize=_scalarize(be.name), trials=trials)


def jacobian_check(F, J, inputs, wrt=None, structure=None, seed=None, complex_safe=None, backend=None,
                   fn="assert_jacobian", trials=None) -> Result:
    """See :func:`matref.testing.assert_jacobian`."""
    if isinstance(J, str) and J == "autograd":
        return vjp_check(F, "autograd", inputs, wrt, structure, seed, complex_safe, backend, fn, trials)
    seed = _new_seed(seed)
    raw = list(inputs.values()) if isinstance(inputs, dict) else (inputs if isinstance(inputs, (list, tuple)) else [inputs])
    be = backend_for(raw, backend)
    rng0 = np.random.default_rng(seed)
    inp0 = _inputs(inputs, wrt, structure, rng0)
    state = {"inp": inp0}

    def run_once(rng, attempt):
        inp = state["inp"]
        if attempt and any(s is not None for s in inp.specs):
            inp = state["inp"] = _redraw(inp, rng)
        x = inp.x
        count = 1 if _precision(x) == _F64 else 3  # float32: see gradient_check
        rs = [_direction(rng, x, inp.assume).astype(_precision(x)) for _ in range(count)]
        r = rs[0]
        if callable(J):
            precision = _precision(x)
            unit = _unit(precision)

            def jvp(v):
                jv = _as_array(inp.call(be, lambda *a: J(*a, be.native(v))), "Jacobian-vector product")
                value = jv.astype(np.float64).reshape(-1, order="F")
                return claims.Claimed(value, 32 * unit * frob(value), 32 * unit * frob(value))

            claim = claims.Applied(jvp, unit=unit)
        else:
            dense = _as_array(J, "Jacobian")
            precision = _precision(x, dense)
            unit = _unit(precision)
            dense = _dense_jacobian(dense, x, inp, be, f=F)
            claim = claims.Jacobian(dense, 32 * unit * frob(dense), 32 * unit * frob(dense), unit=unit)
        tol = tolerance_for(precision)
        ev = _Evaluator(be, F, inp, complex_safe, precision)

        run = _first_order_run(claim, rs, tol.derivative)
        oracle, ms = ev.run(run)
        oracle, ms = _confirm_real(ev, oracle, run, ms, rs)
        return _verdict(ms), ms, inp, ev, oracle, claim, r, tol

    (verdict, ms, inp, ev, oracle, claim, r, tol), _ = _attempts(rng0, run_once, _trials(trials, inputs))
    details = []
    if verdict == "fails":
        obs = np.asarray(guarded(oracle.first, r)[0]).reshape(-1, order="F")
        shown = min(obs.size, 6)
        details.append(f"  numerical d/dt F(x + tV) = {_fmt(obs[:shown])}{' ...' if obs.size > shown else ''}")
        c = np.asarray(claim.along(r).value).reshape(-1)
        details.append(f"  claimed J vec(V)         = {_fmt(c[:shown])}{' ...' if c.size > shown else ''}")
    msg = lambda: _message(fn, "Jacobian", verdict, seed, inp, ms, details, _method(oracle), ev.note, tol.derivative)
    return Result(verdict, "Jacobian", seed, ms, msg, _method(oracle), ev.evaluations)


def _dense_jacobian(J, x, inp, be, f) -> np.ndarray:
    """A Jacobian as ``d vec(F) / d vec(x)`` (column-major vec, matref's convention). Accepted: that
    2-D matrix, or the frameworks' ``F.shape + x.shape`` array (torch/jax ``jacobian``)."""
    out = np.asarray(inp.call(be, f))
    J = J.astype(np.float64)
    if J.shape == out.shape + x.shape and not (J.ndim == 2 and out.ndim <= 1 and x.ndim <= 1):
        m, n = out.size, x.size
        # framework layout: J[i..., j...] = dF[i...] / dx[j...]; reorder both to column-major vec
        flat = J.reshape(out.shape + (n,))
        flat = np.stack([flat[..., k].reshape(-1, order="F") for k in range(n)], axis=1)  # (m, n) rows in vec order
        cols = np.arange(n).reshape(x.shape).reshape(-1, order="F")
        return flat[:, cols].reshape(m, n)
    if J.shape == (out.size, x.size):
        return J
    raise MatrefError(f"the claimed Jacobian has shape {J.shape}; it must be {(out.size, x.size)} "
                      f"(d vec(F) / d vec(x), column-major) or {out.shape + x.shape} (F.shape + x.shape)")


def hessian_check(f, H, inputs, wrt=None, grad=None, structure=None, seed=None, complex_safe=None, backend=None,
                  fn="assert_hessian", trials=None) -> Result:
    """See :func:`matref.testing.assert_hessian`."""
    seed = _new_seed(seed)
    raw = list(inputs.values()) if isinstance(inputs, dict) else (inputs if isinstance(inputs, (list, tuple)) else [inputs])
    be = backend_for(raw, backend)
    rng0 = np.random.default_rng(seed)
    state = {"inp": _inputs(inputs, wrt, structure, rng0)}

    def hv_of(inp, v):
        if isinstance(H, str) and H == "autograd":
            return be.hvp(f, inp.args, inp.wrt, v)
        if callable(H):
            return inp.call(be, lambda *a: H(*a, be.native(v)))
        dense = _as_array(H, "Hessian").astype(np.float64)
        x = inp.x
        if dense.shape == x.shape + x.shape:
            dense = _dense_jacobian(dense, x, inp, be, f=lambda *a: a[inp.wrt])
        if dense.shape != (x.size, x.size):
            raise MatrefError(f"the claimed Hessian has shape {dense.shape}; it must be {(x.size, x.size)}")
        return (dense @ v.reshape(-1, order="F")).reshape(x.shape, order="F")

    def run_once(rng, attempt):
        inp = state["inp"]
        if attempt and any(s is not None for s in inp.specs):
            inp = state["inp"] = _redraw(inp, rng)
        x = inp.x
        dirs = [_direction(rng, x, inp.assume) for _ in range(1 if grad is not None else 2)]
        products = {}

        def times(v):
            key = id(v)
            if key not in products:
                hv = _as_array(hv_of(inp, v.astype(x.dtype)), "Hessian-vector product", x.shape).astype(np.float64)
                hv = _project(hv, x, inp.assume)
                products[key] = claims.Claimed(hv.reshape(-1, order="F"), 32 * unit * frob(hv), 32 * unit * frob(hv))
            return products[key]

        precision = _precision(x)
        unit = _unit(precision)
        tol = tolerance_for(precision)
        if grad is not None:
            # The Hessian is the Jacobian of the gradient: one derivative of grad along V, like a
            # Jacobian check (grad itself is assumed right; check it with assert_gradient).
            post = (lambda out: _project(out, x, inp.assume)) if inp.assume else None
            if isinstance(grad, str) and grad == "autograd":
                def gfun(*a):
                    return be.native(be.grad(f, [to_numpy(t) for t in a], inp.wrt))
                ev = _Evaluator(be, gfun, inp, False, precision, post)
            else:
                ev = _Evaluator(be, grad, inp, complex_safe, precision, post)
            claim = claims.Applied(times, unit=unit)

            run = _first_order_run(claim, dirs, tol.derivative)

            oracle, ms = ev.run(run)
            oracle, ms = _confirm_real(ev, oracle, run, ms, dirs)
            rtol = tol.derivative
        else:
            ev = _Evaluator(be, f, inp, complex_safe, precision, scalar=True)
            claim = claims.HessianVector(times, unit=unit)

            def run(o):
                try:
                    return compare.second_order(o, claim, dirs, tol.second, tol.space)
                except OutOfDomain as e:
                    return [Measurement(math.nan, 0.0, "domain", verdict=UNDECIDED, reason=str(e))]

            oracle, ms = ev.run(run)
            oracle, ms = _confirm_real(ev, oracle, run, ms, dirs)
            rtol = tol.second
        return _verdict(ms), ms, inp, ev, oracle, rtol

    (verdict, ms, inp, ev, oracle, rtol), _ = _attempts(rng0, run_once, _trials(trials, inputs))
    msg = lambda: _message(fn, "Hessian", verdict, seed, inp, ms, [], _method(oracle), ev.note, rtol)
    return Result(verdict, "Hessian", seed, ms, msg, _method(oracle), ev.evaluations)


def equal_check(f, g, inputs, seed=None, trials: int = 3, backend=None, fn="assert_equal") -> Result:
    """See :func:`matref.testing.assert_equal`."""
    trials = _trials(3 if trials is None else trials, inputs)
    seed = _new_seed(seed)
    raw = list(inputs.values()) if isinstance(inputs, dict) else (inputs if isinstance(inputs, (list, tuple)) else [inputs])
    be = backend_for(raw, backend)
    rng = np.random.default_rng(seed)
    inp = _inputs(inputs, None, None, rng)
    ms, details = [], []
    for t in range(trials if any(s is not None for s in inp.specs) else 1):
        if t:
            inp = _redraw(inp, rng)
        a, b = np.asarray(inp.call(be, f)), np.asarray(inp.call(be, g))
        if a.shape != b.shape:
            raise MatrefError(f"the two sides have shapes {a.shape} and {b.shape}")
        precision = _precision(a, b, *inp.args)
        unit = _unit(precision)
        tol = tolerance_for(precision)
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        noise = (64 * unit * frob(a64), 64 * unit * frob(b64))
        m = compare.equal(a64, b64, tol.equality, noise, what=f"instance {t + 1}: lhs against rhs")
        ms.append(m)
        if m.verdict == FAIL and not details:
            k = np.unravel_index(int(np.argmax(np.abs(a64 - b64))), a64.shape) if a64.ndim else ()
            where = f" at {tuple(int(i) for i in k)}" if k else ""
            details.append(f"  at instance {t + 1}, largest difference{where}: lhs {a64[k]:.10g}, rhs {b64[k]:.10g}")
    verdict = _verdict([m for m in ms if m.verdict != VACUOUS] or ms)
    msg = lambda: _message(fn, "equality", verdict, seed, inp, ms, details, "", "", tol.equality)
    return Result(verdict, "equality", seed, ms, msg, "values", 2 * len(ms))
