"""Randomized numerical proofs: trials, the report, and an explanation when a claim fails."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict, dataclass, field

import numpy as np

from matref import checks, sampling
from matref.errors import MatrefError
from matref.expr.dims import Var
from matref.expr.to_numpy import evaluate

MAX_SIZE_RETRIES = 200


@dataclass(frozen=True)
class Trial:
    """One random instance: its seed, the shape of every symbol, and the worst comparison."""

    index: int
    seed: int
    sizes: dict[str, str]
    error: float
    tolerance: float
    ok: bool
    what: str = ""

    @property
    def ratio(self) -> float:
        return checks.Measurement(self.error, self.tolerance, self.what).ratio


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`verify`.

    Attributes
    ----------
    ok : bool
        Every trial passed.
    worst_error, tolerance : float
        The error and tolerance of the trial that came closest to failing.
    margin : float
        ``tolerance / worst_error`` (infinite when the error is exactly zero).
    seed : int
        The seed of the whole run; ``reproduce`` is a one-line command that repeats it.
    """

    id: str
    kind: str
    ok: bool
    seed: int
    trials: tuple[Trial, ...]
    reproduce: str
    explanation: str = ""
    error: str = ""
    extra: dict = field(default_factory=dict)
    status: str = "proved"
    corrected: "Report | None" = None  # erratum: the proof of the corrected form

    @property
    def worst(self) -> Trial | None:
        return max(self.trials, key=lambda t: t.ratio) if self.trials else None

    @property
    def worst_error(self) -> float:
        return self.worst.error if self.trials else float("nan")

    @property
    def tolerance(self) -> float:
        return self.worst.tolerance if self.trials else float("nan")

    @property
    def margin(self) -> float:
        w = self.worst
        if w is None:
            return float("nan")
        return float("inf") if w.error == 0 else w.tolerance / w.error

    @property
    def printed_fails(self) -> bool:
        """For an erratum: the printed form was refuted (some trial failed)."""
        return any(not t.ok for t in self.trials)

    def summary(self) -> str:
        """One line: verdict, trials, worst error against tolerance, seed."""
        if self.error:
            return f"{self.id}: ERROR {self.error}"
        if self.status == "erratum":
            c = self.corrected
            printed = ("the printed form fails" if self.printed_fails else "the printed form HOLDS")
            fixed = ("the corrected form holds" if c.ok else "the corrected form FAILS")
            verdict = "erratum confirmed" if self.ok else "ERRATUM NOT CONFIRMED"
            worst = max(self.trials, key=lambda t: t.ratio)
            return (f"{self.id}: {verdict}: {printed} (worst error {worst.error:.2e} vs tolerance "
                    f"{worst.tolerance:.2e}), {fixed} (worst error {c.worst_error:.2e} vs tolerance "
                    f"{c.tolerance:.2e}), seed {self.seed}")
        verdict = "ok" if self.ok else "FAILED"
        return (f"{self.id}: {verdict} ({len(self.trials)} trials, worst error {self.worst_error:.2e} "
                f"vs tolerance {self.tolerance:.2e}, seed {self.seed})")

    def __str__(self) -> str:
        lines = [self.summary()]
        for t in self.trials:
            sizes = ", ".join(f"{k} {v}" for k, v in t.sizes.items())
            mark = "ok" if t.ok else "FAIL"
            lines.append(f"  trial {t.index} [{mark}] seed {t.seed}: {sizes}; error {t.error:.2e} "
                         f"<= {t.tolerance:.2e}" if t.ok else
                         f"  trial {t.index} [{mark}] seed {t.seed}: {sizes}; error {t.error:.2e} "
                         f"> tolerance {t.tolerance:.2e} ({t.what})")
        if self.explanation:
            lines.append(("  counterexample to the printed form:\n" if self.status == "erratum" else "")
                         + self.explanation)
        if self.corrected is not None:
            lines.append("  corrected form: " + self.corrected.summary().split(": ", 1)[1])
        lines.append(f"  reproduce: {self.reproduce}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.update(worst_error=self.worst_error, worst_tolerance=self.tolerance, margin=self.margin)
        return json.loads(json.dumps(d, default=str, allow_nan=True))


def new_seed() -> int:
    """A fresh seed from the operating system's entropy, small enough to type."""
    return int(np.random.SeedSequence().entropy % (2**32))


def _draw_sizes(ident, rng: np.random.Generator, index: int, cap: int | None = None) -> dict[Var, int]:
    u = ident.scope.unifier
    dims = [d for name in ident.names for d in ident.scope.shape_of_symbol(name)]
    # An I whose size no symbol fixes (as in kron(I, A)) gets a random size of its own.
    dims += [d for typed in ident.typed.values() for shape in typed.shapes.values() for d in shape]
    free = u.free_vars(dims)
    for _ in range(MAX_SIZE_RETRIES):
        sizes = {}
        for var in free:
            lo, hi = ident.dim_bounds(var)
            lo = max(lo, u.minimum(var))
            hi = max(hi, lo)
            if cap is not None:
                hi = max(lo, min(hi, cap))
            if index == 1 and cap is None:
                sizes[var] = lo  # the smallest instance, often 1x1: the scalar case must hold too
            elif index == 0:
                # The most informative instance: every size >= 2 and, where the bounds allow,
                # different sizes for different dimensions, so a transposed or swapped factor
                # cannot hide behind a square shape.
                start = max(lo, 2) if hi >= 2 else lo
                unused = [n for n in range(start, hi + 1) if n not in sizes.values()]
                sizes[var] = int(rng.choice(unused)) if unused else int(rng.integers(start, hi + 1))
            else:
                sizes[var] = int(rng.integers(lo, hi + 1))
        if not u.violated(sizes):
            return sizes
    raise MatrefError(f"{ident.id}: cannot find sizes that satisfy its shape constraints")


def draw_instance(ident, rng: np.random.Generator, index: int = 2, cap: int | None = None):
    """Random sizes and values for every symbol of ``ident``, satisfying its assumptions."""
    sizes = _draw_sizes(ident, rng, index, cap)
    u = ident.scope.unifier
    values, shapes = {}, {}
    for name in ident.names:
        r, c = ident.scope.shape_of_symbol(name)
        shape = (u.value(r, sizes), u.value(c, sizes))
        if name in ident.values:
            values[name] = np.full(shape, ident.values[name])
        else:
            values[name] = sampling.draw(rng, shape, ident.sampling_assumptions(name))
        shapes[name] = "scalar" if shape == (1, 1) and u.is_scalar((r, c)) else f"{shape[0]}x{shape[1]}"
    return values, sizes, shapes


def verify(ident, trials: int = 5, seed: int | None = None, rng: np.random.Generator | None = None,
           explain_failure: bool = True, fail_fast: bool = False) -> Report:
    """Check ``ident`` on ``trials`` random instances.

    Parameters
    ----------
    ident : Identity
    trials : int
        Number of random instances (trial 0 has every size >= 2, trial 1 the smallest sizes).
    seed : int, optional
        Seed of the run; a fresh one is drawn (and reported) when neither it nor ``rng`` is given.
    rng : numpy.random.Generator, optional
        Source of the run's seed when ``seed`` is not given.
    explain_failure : bool
        On failure, add the elementwise comparison at a small size (costly; mutation runs skip it).
    fail_fast : bool
        Stop at the first failing trial.

    Returns
    -------
    Report

    Examples
    --------
    >>> import matref
    >>> report = matref.get("trace.grad_axb").verify(trials=4, seed=7)
    >>> report.ok, report.seed, len(report.trials)
    (True, 7, 4)
    """
    if trials < 1:
        raise MatrefError("trials must be at least 1")
    if seed is None:
        seed = int(rng.integers(2**32)) if rng is not None else new_seed()
    if getattr(ident, "status", "proved") == "erratum":
        # An erratum is confirmed when the printed form fails and the corrected form holds.
        printed = _run(ident, trials, seed, explain_failure)
        corrected = _run(ident.corrected, trials, seed, explain_failure)
        ok = (not all(t.ok for t in printed.trials)) and corrected.ok
        return Report(ident.id, ident.kind, ok, seed, printed.trials, reproduce_command(ident, trials, seed),
                      printed.explanation, status="erratum", corrected=corrected)
    return _run(ident, trials, seed, explain_failure, fail_fast)


def _run(ident, trials: int, seed: int, explain_failure: bool = True, fail_fast: bool = False) -> Report:
    top = np.random.default_rng(seed)
    results = []
    failed_at = None
    for index in range(trials):
        trial_seed = int(top.integers(2**32))
        trial_rng = np.random.default_rng(trial_seed)
        values, sizes, shapes = draw_instance(ident, trial_rng, index)
        measurements = checks.check(ident, values, sizes, trial_rng)
        worst = max(measurements, key=lambda m: m.ratio)
        failing = list(dict.fromkeys(m.what for m in measurements if not m.ok))
        what = "; ".join(failing) if failing else worst.what
        results.append(Trial(index, trial_seed, shapes, float(worst.error), float(worst.tolerance), bool(worst.ok), what))
        if not worst.ok and failed_at is None:
            failed_at = trial_seed
            if fail_fast:
                break
    ok = all(t.ok for t in results)
    explanation = "" if ok or not explain_failure else explain(ident, failed_at)
    return Report(ident.id, ident.kind, ok, seed, tuple(results), reproduce_command(ident, trials, seed), explanation)


def reproduce_command(ident, trials: int, seed: int) -> str:
    command = getattr(ident, "command", None)
    if command:
        return f"{command} --trials {trials} --seed {seed}"
    return f"matref verify {ident.id} --trials {trials} --seed {seed}"


# -- explanation on failure -----------------------------------------------------------------------
def _fmt(a: np.ndarray) -> str:
    return np.array2string(np.real_if_close(a), precision=4, suppress_small=True, max_line_width=100)


def _basis(shape):
    for j in range(shape[1]):  # column-major, matching vec
        for i in range(shape[0]):
            e = np.zeros(shape)
            e[i, j] = 1.0
            yield (i, j), e


def explain(ident, seed: int) -> str:
    """Elementwise comparison at a small size (every dimension at most 3), to show where it fails."""
    rng = np.random.default_rng(seed)
    try:
        values, sizes, shapes = draw_instance(ident, rng, index=0, cap=3)
        return _explain(ident, values, sizes, shapes, rng)
    except Exception as e:  # an explanation must never hide the verdict
        return f"  (no elementwise explanation: {e})"


def _explain(ident, values, sizes, shapes, rng) -> str:
    head = "  elementwise check at " + ", ".join(f"{k} {v}" for k, v in shapes.items())
    with np.errstate(all="ignore"):
        if ident.kind == "equality":
            lhs = evaluate(ident.typed["lhs"], values, sizes)
            rhs = evaluate(ident.typed["rhs"], values, sizes)
            diff = np.abs(lhs - rhs)
            i, j = np.unravel_index(np.nanargmax(diff), diff.shape)
            return (f"{head}:\n  lhs =\n{_fmt(lhs)}\n  rhs =\n{_fmt(rhs)}\n"
                    f"  largest difference at entry ({i}, {j}): lhs {lhs[i, j]:.6g}, rhs {rhs[i, j]:.6g}")
        x = values[ident.wrt]
        props = ident.sampling_assumptions(ident.wrt)
        claim = ident.roles[1]
        if ident.kind == "gradient":
            numeric = np.zeros(x.shape)
            for (i, j), e in _basis(x.shape):
                numeric[i, j] = checks.complex_step(ident, "f", values, sizes, e)[0, 0]
            numeric = sampling.project(numeric, props)
            claimed = sampling.project(evaluate(ident.typed[claim], values, sizes), props)
            structured = props & {"symmetric", "diagonal"}
            label = "gradient" + (" (projected on the variable's structure)" if structured else "")
        elif ident.kind == "jacobian":
            cols = [checks.complex_step(ident, "f", values, sizes, e).reshape(-1, order="F")
                    for _, e in _basis(x.shape)]
            numeric = np.column_stack(cols)
            claimed = evaluate(ident.typed[claim], values, sizes)
            label = "Jacobian d vec(f) / d vec(" + ident.wrt + ")"
        else:
            v = sampling.direction(rng, x, props)
            numeric = checks.complex_step(ident, "f", values, sizes, v)
            with_dir = dict(values)
            with_dir[ident.direction] = v
            claimed = evaluate(ident.typed[claim], with_dir, sizes)
            label = f"differential along a random d{ident.wrt}"
        diff = np.abs(numeric - claimed)
        i, j = np.unravel_index(np.nanargmax(diff), diff.shape)
        return (f"{head}:\n  numerical {label} =\n{_fmt(numeric)}\n  claimed =\n{_fmt(claimed)}\n"
                f"  largest difference at entry ({i}, {j}): numerical {numeric[i, j]:.6g}, "
                f"claimed {claimed[i, j]:.6g}")


def shell_join(parts) -> str:
    out = []
    for p in parts:
        if p.startswith("--") and "=" in p:
            k, v = p.split("=", 1)
            out.append(f"{k}={shlex.quote(v)}")
        else:
            out.append(shlex.quote(p))
    return " ".join(out)
