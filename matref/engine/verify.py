"""Randomized numerical proofs: trials, verdicts, the report, and an explanation of a failure.

A verdict is a promise, so it has three values:

* ``holds``: every trial passed decisively, including one where every free size is at least 2
  and sizes that may differ do differ (so a square shape cannot hide a transpose) and one at
  sizes well above the defaults (so a formula true only for small matrices cannot pass);
* ``fails``: some trial found a counterexample *inside the domain*, confirmed by a second
  numerical derivative, by more than rounding could explain;
* ``undecided``: neither could be established, with the reason (the domain could not be reached:
  ``log(det(X))`` where ``det(X) < 0`` on every draw; rounding too large to decide; nothing to
  test). A point outside the domain is never a counterexample: the trial draws another.

Trials come in size regimes: trial 0 ``distinct`` (every free size >= 2, pairwise different),
trial 1 ``smallest`` (often 1x1: the scalar case must hold too), trial 2 ``large`` (sizes from
9 to 24 within a memory budget), then ``random`` sizes from the whole range. At least three
trials always run.
"""

from __future__ import annotations

import dataclasses

import collections
import re
import json
import math
import shlex
from dataclasses import asdict, dataclass, field

import numpy as np

from matref.engine import checks
from matref.engine import sampling
from matref.engine.checks import FAIL, PASS, UNDECIDED, VACUOUS
from matref.errors import MatrefError
from matref.expr.dims import Var
from matref.expr.rounding import OutOfDomain
from matref.engine.limits import DEFAULT as DEFAULT_LIMITS
from matref.engine.limits import Limits, LimitError, as_limits, estimate, refusal

MIN_TRIALS = 3
MAX_SIZE_RETRIES = 200
MAX_DRAWS = 40  # draws per trial to reach the domain
MAX_NOISY = 4  # redraws of an instance where rounding left the comparison undecided
MAX_VACUOUS = 2  # redraws of an instance where both sides were zero to rounding
DISTINCT_RANGE = (2, 8)
LARGE_RANGE = (9, 24)
RANDOM_RANGE = (1, 24)
WORK_SLACK = 2.0
"""A request may spend twice its estimated work (the estimate assumes one draw per trial) before
draws outside the domain stop it, undecided."""
BUDGET = 1_000_000
"""Largest number of entries any sub-expression may have in a random instance (16 MB complex)."""
REGIMES = ("distinct", "smallest", "large")

HOLDS, FAILS, UNDECIDED_VERDICT = "holds", "fails", "undecided"


@dataclass(frozen=True)
class Trial:
    """One random instance: its seed, regime, the shape of every symbol, and the worst comparison."""

    index: int
    seed: int
    sizes: dict[str, str]
    error: float
    tolerance: float
    ok: bool
    what: str = ""
    verdict: str = PASS
    regime: str = "random"
    skipped: int = 0  # draws outside the domain before this instance
    reason: str = ""
    informative: bool = False  # every free size >= 2 and distinct where possible
    noise: float = 0.0  # what rounding could explain of the worst comparison's error

    @property
    def ratio(self) -> float:
        return checks.Measurement(self.error, self.tolerance, self.what).ratio


# The report's table in a notebook, where the handbook's stylesheet is absent.
_REPORT_STYLE = (
    "<style>"
    # repeated classes: JupyterLab (right-aligned, striped cells) and the handbook's theme (automatic
    # table layout) style tables with more specific rules
    # a fixed layout, so that a wide counterexample scrolls in its own box instead of widening the table
    "table.matref-report.matref-report.matref-report {margin: 0.3em 0 0; border-collapse: collapse; font-size: 0.95em;"
    " display: table; table-layout: fixed; width: 100%; max-width: 56em}"
    "table.matref-report.matref-report > tbody > tr > th {width: 9.5em}"
    "table.matref-report.matref-report :is(th, td, tr) {text-align: left; vertical-align: top; background: none;"
    " padding: 0.1em 0.9em 0.1em 0; border: none}"
    "table.matref-report.matref-report table {margin: 0; border-collapse: collapse}"
    "table.matref-report.matref-report pre {text-align: left; margin: 0; padding: 0.3em 0.5em; white-space: pre;"
    " word-break: normal; overflow-x: auto}"
    "details.matref-proof > summary {cursor: pointer}"
    "table.matref-report b.matref-fails {color: #b00020} table.matref-report b.matref-holds {color: #2a7d2a}"
    # dark themes: JupyterLab's and the handbook's
    ":is([data-jp-theme-light='false'], [data-theme='dark']) table.matref-report b.matref-fails {color: #ff7b7b}"
    ":is([data-jp-theme-light='false'], [data-theme='dark']) table.matref-report b.matref-holds {color: #6fd46f}"
    "</style>")


@dataclass(frozen=True)
class Report:
    """The outcome of :func:`verify`: the verdict, every trial, and how to reproduce it.

    ``str(report)`` is the full account: the summary, one line per trial, notes, the
    counterexample of a failure, and the command that reproduces the run. Reports are made by
    :func:`verify`, :meth:`Identity.verify` and :func:`matref.check`; each parameter below is
    kept as the attribute of the same name.

    Parameters
    ----------
    id : str
        The identity's id (``"check.formula"`` for :func:`matref.check`).
    kind : str
        Its kind (``"gradient"``, ``"equality"``, ...).
    ok : bool
        Whether the identity is proved: ``verdict == "holds"``; for an erratum, whether the
        erratum is confirmed (the printed form fails and the corrected form holds).
    seed : int
        The seed of the whole run (each trial has its own, drawn from it).
    trials : tuple of Trial
        Every random instance: its regime, sizes, seed, error and tolerance, verdict.
    reproduce : str
        A one-line command that repeats the run.
    explanation : str, default ""
        For a failure: the elementwise comparison at a small failing instance.
    error : str, default ""
        An error that stopped the proof; :meth:`summary` and :meth:`headline` then show it.
    extra : dict, default {}
        More about the run (:meth:`to_dict` includes it). A claim checked by :func:`matref.check`
        carries its statement under ``"claim"`` and, when refuted, its classic mistake under
        ``"diagnosis"`` (None when none explains it).
    status : {"proved", "erratum"}, default "proved"
        The identity's status.
    corrected : Report, optional
        For an erratum: the proof of the corrected form.
    verdict : {"holds", "fails", "undecided"}, default "holds"
        The three-way verdict (for an erratum, that of the printed form).
    reason : str, default ""
        Why the verdict is not ``holds``: the failing trial, or what kept it undecided.
    notes : tuple of str, default ()
        What the proof had to restrict (draws outside the domain, inferred positivity, the
        values of an integer parameter).
    exact : ExactResult, optional
        The exact proof (SymPy) when ``method`` was ``"exact"`` or ``"all"``.

    Examples
    --------
    >>> import matref
    >>> report = matref.get("trace.grad_axb").verify(trials=3, seed=0)
    >>> report.ok, report.verdict, report.seed, report.reproduce
    (True, 'holds', 0, 'matref verify trace.grad_axb --trials 3 --seed 0')
    >>> [(t.regime, t.sizes["X"]) for t in report.trials]
    [('distinct', '6x7'), ('smallest', '1x1'), ('large', '22x14')]
    >>> print(report)
    trace.grad_axb: ok (3 trials, worst error ... vs tolerance ..., seed 0)
      trial 0 [ok] distinct, seed 3653403231: A 3x6, X 6x7, B 7x3; error ... <= ...
      trial 1 [ok] smallest, seed 2735729615: A 1x1, X 1x1, B 1x1; error ... <= ...
      trial 2 [ok] large, seed 2195314465: A 23x22, X 22x14, B 14x23; error ... <= ...
      reproduce: matref verify trace.grad_axb --trials 3 --seed 0
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
    verdict: str = HOLDS
    reason: str = ""
    notes: tuple[str, ...] = ()
    exact: object = None  # an ExactResult (matref.engine.exact) when the exact proof ran

    @property
    def worst(self) -> Trial | None:
        """The trial that came closest to failing (the largest error against its tolerance).

        Among the trials that passed or failed, else those that reached the domain; None
        without trials (an exact proof alone).

        Examples
        --------
        >>> import matref
        >>> worst = matref.get("trace.grad_axb").verify(trials=3, seed=0).worst
        >>> worst.verdict, worst.error <= worst.tolerance
        ('pass', True)
        """
        scored = [t for t in self.trials if t.verdict in (PASS, FAIL)] or [
            t for t in self.trials if t.what != "domain"] or list(self.trials)
        return max(scored, key=lambda t: t.ratio) if scored else None

    @property
    def worst_error(self) -> float:
        """The error of the :attr:`worst` trial (NaN without trials).

        Examples
        --------
        >>> import matref
        >>> report = matref.get("trace.grad_axb").verify(trials=3, seed=0)
        >>> report.worst_error < 1e-12
        True
        """
        return self.worst.error if self.trials else float("nan")

    @property
    def tolerance(self) -> float:
        """The tolerance of the :attr:`worst` trial (NaN without trials).

        Examples
        --------
        >>> import matref
        >>> report = matref.get("trace.grad_axb").verify(trials=3, seed=0)
        >>> 1e-9 < report.tolerance < 1e-5
        True
        """
        return self.worst.tolerance if self.trials else float("nan")

    @property
    def margin(self) -> float:
        """``tolerance / worst_error`` of the :attr:`worst` trial: above 1 when it passed.

        Infinite when the error is exactly zero, NaN without trials.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").verify(trials=3, seed=0).margin > 1000
        True
        >>> matref.check(lhs="X", rhs="X", seed=0).margin
        inf
        """
        w = self.worst
        if w is None:
            return float("nan")
        return float("inf") if w.error == 0 else w.tolerance / w.error

    @property
    def printed_fails(self) -> bool:
        """For an erratum: the printed form was refuted (some trial failed).

        Examples
        --------
        >>> import matref
        >>> report = matref.get("errata.mc2012_27").verify(trials=3, seed=0)
        >>> report.ok, report.printed_fails, report.corrected.verdict
        (True, True, 'holds')
        """
        return any(t.verdict == FAIL for t in self.trials)

    def summary(self) -> str:
        """One line: verdict, trials, worst error against tolerance, seed.

        Returns
        -------
        str
            ``"<id>: ok (...)"``, ``"<id>: FAILED: <reason> (...)"``, ``"<id>: UNDECIDED: ..."``,
            or for an erratum whether it is confirmed.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").verify(trials=3, seed=0).summary()
        'trace.grad_axb: ok (3 trials, worst error ... vs tolerance ..., seed 0)'
        >>> matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A", trials=3, seed=1).summary()
        'check.formula: FAILED: counterexample in trial 0, along ... random directions (3 trials, worst error ... vs tolerance ..., seed 1)'
        """
        if self.error:
            return f"{self.id}: ERROR {self.error}"
        if not self.trials and self.exact is not None:  # the exact proof alone
            return f"{self.id}: {self.exact.headline()} ({self.exact.seconds:.2f} s, seed {self.seed})"
        if self.status == "erratum":
            c = self.corrected
            printed = ("the printed form fails" if self.printed_fails else
                       f"the printed form is NOT refuted ({self.verdict}{': ' + self.reason if self.reason else ''})")
            fixed = ("the corrected form holds" if c.ok else f"the corrected form {c.verdict.upper()}: {c.reason}")
            verdict = "erratum confirmed" if self.ok else "ERRATUM NOT CONFIRMED"
            worst = self.worst
            return (f"{self.id}: {verdict}: {printed} (worst error {worst.error:.2e} vs tolerance "
                    f"{worst.tolerance:.2e}), {fixed} (worst error {c.worst_error:.2e} vs tolerance "
                    f"{c.tolerance:.2e}), seed {self.seed}")
        word = {HOLDS: "ok", FAILS: "FAILED", UNDECIDED_VERDICT: "UNDECIDED"}[self.verdict]
        return f"{self.id}: {word}{self.details()}"

    def headline(self) -> str:
        """The proof in one line for a reader, as the handbook prints it under each identity.

        Returns
        -------
        str
            e.g. ``proved · 6 instances · worst relative error 3.6e-15 ≤ 1.5e-07 · seed 6518``.

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").verify(trials=3, seed=1).headline().split(" · ")[:2]
        ['proved', '3 instances']
        >>> matref.get("trace.grad_axb").verify(trials=3, seed=1).headline()
        'proved · 3 instances · worst relative error ... ≤ ... · seed 1'
        """
        if self.error:
            return f"error: {self.error}"
        if not self.trials and self.exact is not None:
            return f"{self.exact.headline()} · seed {self.seed}"
        exact = f" · {self.exact.headline().split(' · ')[0]}" if self.exact is not None else ""
        return self._numeric_headline() + exact

    def _numeric_headline(self) -> str:
        n = len(self.trials)
        instances = f"{n} instance{'s' if n != 1 else ''}"
        if self.status == "erratum":
            c = self.corrected
            printed = (f"the printed form fails (error {self.worst_error:.1e} > {self.tolerance:.1e})"
                       if self.printed_fails else f"the printed form is NOT refuted ({self.verdict})")
            fixed = (f"the corrected form is proved (worst relative error {c.worst_error:.1e} ≤ {c.tolerance:.1e})"
                     if c.ok else f"the corrected form {c.verdict}")
            word = "erratum confirmed" if self.ok else "ERRATUM NOT CONFIRMED"
            return f"{word} · {printed} · {fixed} · {instances} · seed {self.seed}"
        word = {HOLDS: "proved", FAILS: "FAILED", UNDECIDED_VERDICT: "UNDECIDED"}[self.verdict]
        if self.reason:
            word += f" ({self.reason})"
        if all(t.what == "domain" for t in self.trials) or self.verdict == UNDECIDED_VERDICT:
            # (an undecided run's errors within tolerance would read as a proof)
            return f"{word} · {instances} · seed {self.seed}"
        within = "≤" if self.worst_error <= self.tolerance else ">"
        return (f"{word} · {instances} · worst relative error {self.worst_error:.1e} {within} {self.tolerance:.1e}"
                f" · seed {self.seed}")

    def _repr_html_(self) -> str:
        """Notebooks and the handbook: the proof in one line (verdict, instances, worst error,
        seed), and a small table behind it (open when the claim fails): verdict, counterexample,
        every trial, and how to reproduce it."""
        import html

        e = html.escape
        state = "ok" if self.ok else "failed"
        method = ', method="all"' if self.exact is not None else ""
        code = f'matref.get("{self.id}").verify(trials={len(self.trials)}, seed={self.seed}{method})'
        badge = ""
        if self.exact is not None:  # a badge: proved exactly, or why not
            word, cls = ("exact ✓", "exact") if self.exact.ok else ("numeric", "numeric")
            badge = (f'<span class="matref-badge matref-badge-{cls}" title="{e(self.exact.headline())}">'
                     f'{word}</span> ')
        claim = self.extra.get("claim")  # a claim typed by a user (matref.check), not a catalog entry
        said = (", ".join(f"<code>{e(r)} = {e(t)}</code>" for r, t in claim["statement"].items())
                + (f" with respect to <code>{e(claim['wrt'])}</code>" if claim["wrt"] else "")) if claim else ""
        rows = [("claim", f"{said} ({e(self.kind)})") if claim
                else ("identity", f"<code>{e(self.id)}</code> ({e(self.kind)})"),
                ("verdict", f'<b class="matref-{e(self.verdict)}">{e(self.verdict)}</b>'
                 + (f": {e(self.reason)}" if self.reason else "")
                 + (f" (erratum: {'confirmed' if self.ok else 'NOT confirmed'})" if self.status == "erratum" else ""))]
        if self.error:
            rows.append(("error", e(self.error)))
        if self.trials:
            rows.append(("worst error", f"{self.worst_error:.2e} relative (tolerance {self.tolerance:.2e}; the trial "
                                        "closest to failing, by error over tolerance)"))
        if self.explanation:
            label = "counterexample to the printed form" if self.status == "erratum" else "counterexample"
            lines = self.explanation.strip("\n").split("\n")
            text = "\n".join(line[2:] if line.startswith("  ") else line for line in lines)
            rows.append((label, f"<i>re-checked entry by entry at a small size</i><pre>{e(text)}</pre>"))
        found = self.extra.get("diagnosis")
        if found:
            rows.append(("diagnosis", e(found["message"])))
        if self.corrected is not None:
            rows.append(("corrected form", e(self.corrected.summary().split(": ", 1)[1])))
        if self.exact is not None:
            rows.append(("exact proof", e(self.exact.headline())))
        if self.trials:
            head = "".join(f"<th>{h}</th>" for h in ("trial", "regime", "sizes", "error", "tolerance", "result"))
            body = "".join(
                "<tr>" + "".join(f"<td>{x}</td>" for x in (
                    t.index, e(t.regime), e(", ".join(f"{k} {v}" for k, v in t.sizes.items()) or "-"),
                    "" if t.what == "domain" else f"{t.error:.1e}", "" if t.what == "domain" else f"{t.tolerance:.1e}",
                    e(t.verdict if t.verdict != PASS else "ok") + (f": {e(t.reason)}" if t.reason else ""))) + "</tr>"
                for t in self.trials)
            rows.append(("trials", f'<table class="matref-trials"><tr>{head}</tr>{body}</table>'))
        for note in self.notes:
            rows.append(("note", e(note)))
        rows += [("seed", str(self.seed)), ("reproduce", f"<code>{e(self.reproduce)}</code>")]
        if not claim:
            rows.append(("in Python", f"<code>{e(code)}</code>"))
        table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        return (f'<details class="matref-proof matref-proof-{state}"{"" if self.ok else " open"}><summary>{badge}'
                f'{e(self._numeric_headline() if self.trials else self.headline())}'
                f'</summary>{_REPORT_STYLE}<table class="matref-report">{table}</table></details>')

    def details(self) -> str:
        """The summary after the verdict word: the reason, trials, worst error, seed.

        Returns
        -------
        str

        Examples
        --------
        >>> import matref
        >>> matref.get("trace.grad_axb").verify(trials=3, seed=0).details()
        ' (3 trials, worst error ... vs tolerance ..., seed 0)'
        """
        if not self.trials and self.exact is not None:
            return f": {self.exact.headline()} ({self.exact.seconds:.2f} s, seed {self.seed})"
        why = f": {self.reason}" if self.reason else ""
        if all(t.what == "domain" for t in self.trials):
            return f"{why} ({len(self.trials)} trials, seed {self.seed})"
        return (f"{why} ({len(self.trials)} trials, worst error {self.worst_error:.2e} "
                f"vs tolerance {self.tolerance:.2e}, seed {self.seed})")

    def __str__(self) -> str:
        lines = [self.summary()]
        for t in self.trials:
            sizes = ", ".join(f"{k} {v}" for k, v in t.sizes.items()) or (
                "no instance inside the domain" if t.what == "domain" else "no free sizes")
            skipped = (f" ({t.skipped} draw{'s' if t.skipped > 1 else ''} outside the domain skipped)"
                       if t.skipped and t.what != "domain" else "")
            head = f"  trial {t.index} [{t.verdict.upper() if t.verdict != PASS else 'ok'}] {t.regime}, seed {t.seed}: {sizes}"
            if t.verdict == PASS:
                lines.append(f"{head}; error {t.error:.2e} <= {t.tolerance:.2e}{skipped}")
            elif t.verdict == FAIL:
                lines.append(f"{head}; error {t.error:.2e} > tolerance {t.tolerance:.2e} ({t.what}){skipped}")
            else:
                lines.append(f"{head}; {t.reason}{skipped}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        if self.explanation:
            lines.append(("  counterexample to the printed form:\n" if self.status == "erratum" else "")
                         + self.explanation)
        if self.corrected is not None:
            lines.append("  corrected form: " + self.corrected.summary().split(": ", 1)[1])
        if self.exact is not None and self.trials:
            lines.append(f"  exact proof: {self.exact.headline()} ({self.exact.seconds:.2f} s)")
        lines.append(f"  reproduce: {self.reproduce}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """The report as plain JSON data (what ``matref verify --json`` prints).

        Numbers that are not finite (a margin of ``inf`` when the error is exactly zero) become
        the strings ``"inf"``, ``"-inf"``, ``"nan"``, since JSON has no such numbers.

        Returns
        -------
        dict
            Every field, each trial as a dict, plus ``worst_error``, ``worst_tolerance`` and
            ``margin``.

        Examples
        --------
        >>> import json, matref
        >>> d = matref.check(lhs="X", rhs="X", seed=0).to_dict()
        >>> d["verdict"], d["margin"], len(d["trials"])
        ('holds', 'inf', 5)
        >>> json.loads(json.dumps(d)) == d
        True
        """
        d = asdict(self)
        d.update(worst_error=self.worst_error, worst_tolerance=self.tolerance, margin=self.margin)
        return json.loads(json.dumps(_json_safe(d), default=str, allow_nan=False))


def _json_safe(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return "nan" if obj != obj else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    return obj


def new_seed() -> int:
    """A fresh seed from the operating system's entropy, small enough to type."""
    return int(np.random.SeedSequence().entropy % (2**32))


# -- sizes ---------------------------------------------------------------------------------------------
def regime_of(index: int) -> str:
    return REGIMES[index] if index < len(REGIMES) else "random"


def _log_uniform(rng, lo: int, hi: int) -> int:
    if hi <= lo:
        return lo
    return int(min(hi, max(lo, round(math.exp(rng.uniform(math.log(lo), math.log(hi + 0.5)))))))


NONSMOOTH_SIZE = 8
"""The largest size drawn for an expression with abs, relu, max... (see _propose)."""


def _propose(ident, rng, regime: str, free: list[Var], cap: int | None, bump: int = 0,
             ordered: bool = True) -> dict[Var, int]:
    u = ident.scope.unifier
    sizes: dict[Var, int] = {}
    if not getattr(ident, "analytic", True):
        # Every entry of a non-smooth function's argument must stay clear of its kink; in a large
        # matrix some entry almost surely does not, and no instance would be in the domain.
        cap = min(cap, NONSMOOTH_SIZE) if cap is not None else NONSMOOTH_SIZE
    lo_default = {"distinct": DISTINCT_RANGE[0], "large": LARGE_RANGE[0]}.get(regime, 1)
    for var in free:
        lo = u.minimum(var)
        if regime == "smallest":
            # The smallest sizes where the expressions are defined: bumped when draws at the very
            # smallest fall outside the domain (a rank condition, a Schur complement, a 1x1 case
            # where the claim degenerates to rounding).
            sizes[var] = lo + (int(rng.integers(0, bump + 1)) if bump else 0)
            continue
        lo = max(lo, lo_default)
        hi = {"distinct": DISTINCT_RANGE[1], "large": LARGE_RANGE[1]}.get(regime, RANDOM_RANGE[1])
        hi = max(hi, lo + len(free))  # room for distinct sizes
        if cap is not None:
            lo, hi = min(lo, cap), max(min(hi, cap), min(lo, cap))
        if regime in ("distinct", "large"):
            unused = [n for n in range(lo, hi + 1) if n not in sizes.values()]
            sizes[var] = int(rng.choice(unused)) if unused else int(rng.integers(lo, hi + 1))
        else:
            sizes[var] = _log_uniform(rng, lo, hi)
    if regime in ("distinct", "large") and ordered:
        # Opposite orders in the two regimes: every pair of sizes is tried both ways round, so a
        # formula true only for wide (or only for tall) matrices cannot pass.
        keys = list(sizes)
        ranked = sorted(sizes.values(), reverse=regime == "large")
        sizes = dict(zip(keys, ranked))
    return sizes


def _solve_products(ident, sizes: dict[Var, int]) -> dict[Var, int]:
    """Sizes with each product constraint that one free size settles solved for it: with X fixed
    at 60x60, ``kron(I, A)`` must be 3600 square, so size(I) is 60, not a random draw."""
    u = ident.scope.unifier
    sizes = dict(sizes)
    for _ in range(3):
        for a, b, _where in u.deferred:
            for this, other in ((a, b), (b, a)):
                factors = u.factors(this)
                unknown = [f for f in factors if isinstance(f, Var) and f in sizes]
                fixed_here = [f for f in factors if isinstance(f, Var) and f not in sizes]
                if len(unknown) != 1 or fixed_here:
                    continue
                v = unknown[0]
                rest = u.value(this, {**sizes, v: 1})
                target = u.value(other, sizes)
                if rest and target % rest == 0 and u.value(this, sizes) != target and target // rest >= 1:
                    if _free_elsewhere(u, v, other):
                        sizes[v] = target // rest
                break
    return sizes


def _free_elsewhere(u, v: Var, other) -> bool:
    return all(f is not v for f in u.factors(other))


def _fits(ident, sizes: dict[Var, int]) -> bool:
    u = ident.scope.unifier
    if u.violated(sizes):
        return False
    for big, small in ident.size_relations:
        if u.value(big, sizes) < u.value(small, sizes):
            return False
    return True


def _smallest_sizes(ident) -> dict | None:
    """The smallest sizes the shape constraints allow (whatever they cost)."""
    rng = np.random.default_rng(0)
    free = ident.free_dims()
    for bump in range(8):
        for _ in range(25):
            sizes = _solve_products(ident, _propose(ident, rng, "smallest", free, None, bump))
            if _fits(ident, sizes):
                return sizes
    return None


def _floor(ident) -> int:
    """Entries of the largest array at the smallest sizes: sizes fixed by the user may need more
    than the budget of random instances (the limits still apply)."""
    if "_entries_floor" not in ident.__dict__:
        sizes = _smallest_sizes(ident)
        ident.__dict__["_entries_floor"] = 0 if sizes is None else estimate(ident, sizes).entries
    return ident.__dict__["_entries_floor"]


def _over(ident, sizes, limits: Limits, trials: int, regime: str = "random") -> bool:
    """Whether a trial at ``sizes`` would exceed the random-instance budget or the limits. The
    distinct-size trial, which a verdict needs, may use everything the limits allow (an 8-factor
    Kronecker product of 2x3 matrices has 1.7e6 entries)."""
    est = estimate(ident, sizes)
    cap = limits.entries if regime == "distinct" else min(max(BUDGET, _floor(ident)), limits.entries)
    return est.entries > cap or est.work * trials > limits.work


def draw_sizes(ident, rng: np.random.Generator, index: int = 2, cap: int | None = None, bump: int = 0,
               ordered: bool = True, limits: Limits | None = None, trials: int = 1):
    """Sizes of the free dimensions for trial ``index``'s regime, and whether they are informative
    (every free size >= 2 and pairwise distinct). ``ordered``: the regime's order of sizes (see
    _propose); otherwise any order (after draws in that order fell outside the domain). Sizes
    are shrunk until a trial fits the budget and ``limits`` (spread over ``trials`` trials)."""
    limits = limits or DEFAULT_LIMITS
    regime = regime_of(index)
    free = ident.free_dims()
    best, fitting = None, False
    for attempt in range(MAX_SIZE_RETRIES):
        sizes = _propose(ident, rng, regime, free, cap, bump, ordered=ordered and attempt < MAX_SIZE_RETRIES // 4)
        if not _fits(ident, sizes):
            sizes = _solve_products(ident, sizes)
            if not _fits(ident, sizes):
                continue
        fitting = True
        while _over(ident, sizes, limits, trials, regime) and any(s > 2 for s in sizes.values()):
            sizes = {v: max(min(2, s), (s * 3) // 4) for v, s in sizes.items()}
            if not _fits(ident, sizes):
                break
        if not _fits(ident, sizes) or _over(ident, sizes, limits, trials, regime):
            continue
        if regime in ("distinct", "large") and len(set(sizes.values())) < len(sizes) and attempt < 100:
            best = best or sizes
            continue
        return sizes, _informative(sizes)
    if best is not None:
        return best, _informative(best)
    if not fitting:
        raise MatrefError(f"{ident.id}: cannot find sizes that satisfy its shape constraints")
    est = estimate(ident, {v: max(2, ident.scope.unifier.minimum(v)) for v in free})
    what = "the claim" if ident.id == "check.formula" else ident.id
    raise LimitError(f"refused: no sizes of at least 2 keep every array of {what} within the budget of "
                     f"{min(max(BUDGET, _floor(ident)), limits.entries):.1e} entries and the work within {limits.work:.1e} "
                     f"(at size 2: {est.where}, {est.entries:.1e} entries); raise --max-entries or --max-work")


def _informative(sizes: dict[Var, int]) -> bool:
    values = list(sizes.values())
    return all(s >= 2 for s in values) and len(set(values)) == len(values)


def draw_instance(ident, rng: np.random.Generator, index: int = 2, cap: int | None = None, shrink: float = 1.0):
    """Random sizes and values for every symbol of ``ident``, satisfying its assumptions jointly."""
    sizes, _ = draw_sizes(ident, rng, index, cap)
    return _values(ident, rng, sizes, shrink)


def draw_in_domain(ident, rng: np.random.Generator, index: int = 0, cap: int | None = None, tries: int = MAX_DRAWS):
    """Like :func:`draw_instance`, but only an instance inside the domain of ``ident``'s
    expressions (see :func:`matref.engine.checks.domain_of`); None when ``tries`` draws all fall outside."""
    for draw in range(tries):
        sizes, _ = draw_sizes(ident, rng, index, cap, bump=draw // 6, ordered=draw < 4)
        values, sizes, shapes = _values(ident, rng, sizes)
        try:
            with np.errstate(all="ignore"):
                checks.domain_of(ident, values, sizes)
        except OutOfDomain:
            continue
        return values, sizes, shapes
    return None


def _values(ident, rng, sizes, shrink: float = 1.0):
    u = ident.scope.unifier
    values, shapes = {}, {}
    for name in ident.names:
        r, c = ident.scope.shape_of_symbol(name)
        shape = (u.value(r, sizes), u.value(c, sizes))
        if name in ident.values:
            values[name] = np.full(shape, ident.values[name])
        else:
            props = ident.sampling_assumptions(name)
            values[name] = sampling.draw(rng, shape, props)
            if shrink != 1.0 and "orthogonal" not in props:
                values[name] = values[name] * shrink  # moderate arguments for exp, tanh, ...
        shapes[name] = "scalar" if shape == (1, 1) and u.is_scalar((r, c)) else f"{shape[0]}x{shape[1]}"
    return values, sizes, shapes


# -- one trial -----------------------------------------------------------------------------------------
@dataclass
class _Outcome:
    trial: Trial
    instance: tuple | None = None  # (values, sizes, shapes) of a failing instance
    measurements: list = field(default_factory=list)
    skipped: collections.Counter = field(default_factory=collections.Counter)
    examples: dict = field(default_factory=dict)  # one OutOfDomain per kind of skipped draw


def _combine(ms: list[checks.Measurement]) -> str:
    verdicts = [m.verdict for m in ms]
    if FAIL in verdicts:
        return FAIL
    if UNDECIDED in verdicts:
        return UNDECIDED
    informative = [m for m in ms if m.what.startswith(("direction", "second derivative", "lhs"))]
    if informative and all(m.verdict == VACUOUS for m in informative):
        return VACUOUS
    if any(m.verdict == VACUOUS and m.what == "directions" for m in ms):
        return VACUOUS
    return PASS


def _trial(ident, index: int, trial_seed: int, limits: Limits = DEFAULT_LIMITS, trials: int = 1,
           meter: list | None = None, cap: int | None = None) -> _Outcome:
    """One trial; ``meter[0]`` accumulates the estimated work of every draw (see _run)."""
    rng = np.random.default_rng(trial_seed)
    regime = regime_of(index)
    skipped: collections.Counter = collections.Counter()
    examples: dict = {}
    noisy = vacuous = 0
    last = None
    for draw in range(MAX_DRAWS):
        # Overflow and saturation often come from large arguments: after half the draws, and after
        # each instance where rounding left the comparison open (1 - tanh(x)**2 at large x), try
        # smaller ones (assumptions are kept; orthogonal and fixed symbols are never scaled).
        moderate = [k for k in skipped if k[2].startswith("moderate")]
        steps = (draw - MAX_DRAWS // 2 + 1 if moderate and draw >= MAX_DRAWS // 2 else 0) + noisy
        shrink = 0.5 ** steps
        sizes, informative = draw_sizes(ident, rng, index, cap, bump=draw // 6, ordered=draw < 4, limits=limits,
                                        trials=trials)
        if meter is not None:
            if draw and meter[0] > WORK_SLACK * limits.work:
                break  # draws outside the domain have used up the work limit
            meter[0] += estimate(ident, sizes).work
        values, sizes, shapes = _values(ident, rng, sizes, shrink)
        try:
            ms = checks.check(ident, values, sizes, rng)
        except OutOfDomain as e:
            key = (e.where, e.reason.split(" (")[0], e.hint)  # numbers in parentheses vary per draw
            skipped[key] += 1
            examples.setdefault(key, e)
            continue
        verdict = _combine(ms)
        last = (values, sizes, shapes, ms, verdict, informative)
        if verdict == UNDECIDED and noisy < MAX_NOISY:
            noisy += 1
            continue
        if verdict == VACUOUS and vacuous < MAX_VACUOUS:
            vacuous += 1
            continue
        break
    if last is None:
        key, count = skipped.most_common(1)[0]
        why = domain_message(ident, examples[key], count, sum(skipped.values()))
        if sum(skipped.values()) < MAX_DRAWS:
            why += f" (stopped: the work limit of {limits.work:.1e} was spent; --max-work raises it)"
        t = Trial(index, trial_seed, {}, math.inf, 0.0, False, "domain", UNDECIDED, regime,
                  sum(skipped.values()), why)
        return _Outcome(t, None, [], skipped, examples)
    values, sizes, shapes, ms, verdict, informative = last
    worst = max(ms, key=lambda m: (m.verdict == FAIL, m.ratio))
    failing = list(dict.fromkeys(m.what for m in ms if m.verdict == FAIL))
    what = "; ".join(failing) if failing else worst.what
    reason = next((m.reason for m in ms if m.verdict == verdict and m.reason), "")
    t = Trial(index, trial_seed, shapes, float(worst.error), float(worst.tolerance), verdict == PASS, what,
              verdict, regime, sum(skipped.values()), reason, informative or not sizes, float(worst.noise))
    return _Outcome(t, (values, sizes, shapes) if verdict == FAIL else None, ms, skipped, examples)


def domain_message(ident, exc: OutOfDomain, count: int, total: int) -> str:
    """"could not reach the domain: log(det(X)) needs det(X) > 0 on 40 of 40 draws; add --assume
    X=spd"-style text from the most frequent out-of-domain reason."""
    from matref.data.domain import describe

    what, advice = describe(ident, exc)
    return (f"could not reach the domain: {what} on {count} of {total} draws"
            + (f"; {advice}" if advice else ""))


# -- the whole proof -----------------------------------------------------------------------------------
def _check_trials(trials, limits: Limits = DEFAULT_LIMITS) -> int:
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)):
        raise MatrefError(f"trials must be an integer, not {trials!r}")
    if trials < 1:
        raise MatrefError("trials must be at least 1")
    if trials > limits.trials:
        raise LimitError(f"refused: trials must be at most {limits.trials:,} (a proof needs far fewer: the "
                         "regimes run in the first three)")
    return max(int(trials), MIN_TRIALS)


def _check_seed(seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
        raise MatrefError(f"seed must be an integer from 0 to 2**63 - 1, not {seed!r}")
    return int(seed)


METHODS = ("numeric", "exact", "all")
"""The proofs verify can run: random instances in floating point, the exact proof (SymPy), both."""


def verify(ident, trials: int = 5, seed: int | None = None, rng: np.random.Generator | None = None,
           explain_failure: bool = True, fail_fast: bool = False, limits: Limits | None = None,
           max_size: int | None = None, method: str = "numeric") -> Report:
    """Check ``ident`` on random instances and return a three-way verdict.

    ``holds`` when every trial passed decisively (including one with every free size at least 2
    and distinct, and one at large sizes); ``fails`` on a counterexample inside the domain,
    confirmed by a second numerical derivative; ``undecided`` otherwise, with the reason. An
    identity with an integer parameter is proved at each of its values; an erratum is
    confirmed when its printed form fails and its corrected form holds.

    Parameters
    ----------
    ident : Identity
        The identity: from the catalog (:func:`matref.get`), or any :class:`Identity`.
    trials : int, default 5
        Number of random instances, at least 3 (fewer are raised to 3): trial 0 has every
        free size >= 2 and pairwise distinct, trial 1 the smallest sizes, trial 2 large sizes.
    seed : int, optional
        Seed of the run; a fresh one is drawn (and reported) when neither it nor ``rng`` is given.
    rng : numpy.random.Generator, optional
        Source of the run's seed when ``seed`` is not given.
    explain_failure : bool, default True
        On failure, add the elementwise comparison at a small failing instance.
    fail_fast : bool, default False
        Stop at the first failing trial.
    limits : matref.engine.limits.Limits, optional
        The request's budget; over it, :class:`~matref.engine.limits.LimitError` before any work.
    max_size : int, optional
        Largest free size the trials draw (default 24; the distinct regime needs at least 2).
    method : {"numeric", "exact", "all"}, default "numeric"
        The numerical proof on random instances, the exact proof with SymPy
        (:mod:`matref.engine.exact`: exact rational values, SymPy's own calculus), or both (the
        report is not ok when the exact proof contradicts the numerical one).

    Returns
    -------
    Report

    Raises
    ------
    MatrefError
        A bad ``trials``, ``seed``, ``max_size`` or ``method``; a request over ``limits``
        (:class:`~matref.engine.limits.LimitError`, a subclass), refused before any work.

    Examples
    --------
    >>> import matref
    >>> report = matref.verify(matref.get("trace.grad_axb"), trials=4, seed=7)
    >>> report.verdict, report.seed, len(report.trials)
    ('holds', 7, 4)
    >>> matref.get("trace.grad_axb").verify(trials=4, seed=7).trials == report.trials
    True
    """
    limits = as_limits(limits)
    trials = _check_trials(trials, limits)
    if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer))
                                 or not 1 <= max_size <= 10**6):
        raise MatrefError(f"max_size must be an integer from 1 to 1000000, not {max_size!r}")
    seed = _check_seed(seed)
    if seed is None:
        seed = int(rng.integers(2**32)) if rng is not None else new_seed()
    if method not in METHODS:
        raise MatrefError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    instances = getattr(ident, "instances", (ident,))
    if len(instances) > 1:
        # A statement with an integer parameter: every value is a full proof of its own.
        reports = [_verify_one(i, trials, seed, explain_failure, fail_fast, limits, max_size, method)
                   for i in instances]
        return _merge(ident, reports)
    return _verify_one(ident, trials, seed, explain_failure, fail_fast, limits, max_size, method)


def _verify_one(ident, trials, seed, explain_failure, fail_fast, limits, max_size, method) -> Report:
    if method == "exact":
        return _exact_report(ident, seed)
    report = _numeric(ident, trials, seed, explain_failure, fail_fast, limits, max_size)
    if method == "all":
        from matref.engine.exact import prove_identity

        exact = prove_identity(ident, seed)
        report = dataclasses.replace(report, exact=exact, ok=report.ok and not exact.contradicts)
    return report


def _merge(ident, reports: list[Report]) -> Report:
    """One report for the values of an integer parameter: the first that fails (else is undecided,
    else the last), with every value's trials, each labelled with its value."""
    trials = []
    for inst, r in zip(ident.instances, reports):
        label = {k: str(v) for k, v in inst.constants.items()}
        trials += [dataclasses.replace(t, index=len(trials) + k, sizes={**label, **t.sizes})
                   for k, t in enumerate(r.trials)]
    chosen = (next((r for r in reports if r.verdict == FAILS), None)
              or next((r for r in reports if r.verdict != HOLDS or not r.ok), None) or reports[-1])
    which = next(inst for inst, r in zip(ident.instances, reports) if r is chosen)
    at = ", ".join(f"{k} = {v}" for k, v in which.constants.items())
    note = (f"stated for {ident.params_text}; each value proved on its own instances" if chosen.ok
            else f"at {at} (stated for {ident.params_text})")
    return dataclasses.replace(chosen, trials=tuple(trials), notes=(note,) + chosen.notes,
                               reason=(f"{chosen.reason} at {at}" if chosen.reason and not chosen.ok else chosen.reason))


def _exact_report(ident, seed: int) -> Report:
    from matref.engine.exact import PROVED, prove_identity

    exact = prove_identity(ident, seed)
    erratum = getattr(ident, "status", "proved") == "erratum"
    verdict = {PROVED: HOLDS, "fails": FAILS}.get(exact.status, UNDECIDED_VERDICT)
    command = getattr(ident, "command", None)  # a formula from matref check: its own command line
    reproduce = (f"{command} --method exact --seed {seed}" if command
                 else f"matref verify {ident.id} --method exact --seed {seed}")
    return Report(ident.id, ident.kind, exact.ok, seed, (), reproduce,
                  status="erratum" if erratum else "proved", verdict=verdict, reason=exact.detail, exact=exact)


def _numeric(ident, trials, seed, explain_failure, fail_fast, limits, max_size) -> Report:
    if getattr(ident, "status", "proved") == "erratum":
        # An erratum is confirmed when the printed form fails and the corrected form holds.
        printed = _run(ident, trials, seed, explain_failure, limits=limits, cap=max_size)
        corrected = _run(ident.corrected, trials, seed, explain_failure, limits=limits, cap=max_size)
        ok = printed.verdict == FAILS and corrected.ok
        return Report(ident.id, ident.kind, ok, seed, printed.trials, reproduce_command(ident, trials, seed, max_size),
                      printed.explanation, status="erratum", corrected=corrected, verdict=printed.verdict,
                      reason=printed.reason, notes=printed.notes)
    return _run(ident, trials, seed, explain_failure, fail_fast, limits, max_size)


def refuse_over_limits(ident, trials: int, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise LimitError when even the smallest instance the shapes allow is over ``limits``."""
    free = ident.free_dims()
    sizes = _smallest_sizes(ident)
    if sizes is None:
        return  # draw_sizes reports the impossible shape constraints
    why = refusal(estimate(ident, sizes), limits, trials, " at the smallest sizes its shapes allow" if free else "")
    if why:
        raise LimitError(why)
    # A verdict needs a trial with every free size >= 2: refuse at once if even that is too large.
    twos = _solve_products(ident, {v: max(2, s) for v, s in sizes.items()})
    if free and _fits(ident, twos) and _distinct_possible(ident):
        est = estimate(ident, twos)
        if est.entries > limits.entries:
            raise LimitError(f"refused: with every free size at least 2 (as a verdict needs), {est.where} "
                             f"({est.entries:.1e} entries), over the limit of {limits.entries:.1e} entries per "
                             "array (raise it with --max-entries, or Limits(entries=...) in Python)")


def _run(ident, trials: int, seed: int, explain_failure: bool = True, fail_fast: bool = False,
         limits: Limits = DEFAULT_LIMITS, cap: int | None = None) -> Report:
    refuse_over_limits(ident, trials, limits)
    top = np.random.default_rng(seed)
    outcomes = []
    meter = [0.0]
    for index in range(trials):
        if meter[0] > WORK_SLACK * limits.work:
            reason = (f"stopped after {index} of {trials} trials: draws outside the domain used up the work "
                      f"limit of {limits.work:.1e} (--max-work raises it)")
            return Report(ident.id, ident.kind, False, seed, tuple(o.trial for o in outcomes),
                          reproduce_command(ident, trials, seed, cap), verdict=UNDECIDED_VERDICT, reason=reason,
                          notes=_notes(ident, outcomes))
        outcomes.append(_trial(ident, index, int(top.integers(2**32)), limits, trials, meter, cap))
        if fail_fast and outcomes[-1].trial.verdict == FAIL:
            break
    verdict, reason = _verdict(ident, [o.trial for o in outcomes])
    explanation = ""
    if verdict == FAILS and explain_failure:
        failing = next(o for o in outcomes if o.trial.verdict == FAIL)
        explanation = explain(ident, failing)
    return Report(ident.id, ident.kind, verdict == HOLDS, seed, tuple(o.trial for o in outcomes),
                  reproduce_command(ident, trials, seed, cap), explanation, verdict=verdict, reason=reason,
                  notes=_notes(ident, outcomes))


def _failing_words(what: str) -> str:
    """What failed, after the trial's number: ``direction 1; direction 2; direction 3`` reads
    ``, along 3 random directions``; another label follows a colon."""
    parts = what.split("; ")
    if all(re.fullmatch(r"direction \d+", p) for p in parts):
        return f", along {len(parts)} random direction{'s' if len(parts) > 1 else ''}"
    return f": {what}"


def _verdict(ident, trials: list[Trial]) -> tuple[str, str]:
    if any(t.verdict == FAIL for t in trials):
        t = next(t for t in trials if t.verdict == FAIL)
        return FAILS, f"counterexample in trial {t.index}{_failing_words(t.what)}"
    undecided = [t for t in trials if t.verdict == UNDECIDED]
    if undecided:
        return UNDECIDED_VERDICT, undecided[0].reason
    passed = [t for t in trials if t.verdict == PASS]
    if not passed:
        reason = next((t.reason for t in trials if t.reason), "nothing was tested")
        return UNDECIDED_VERDICT, f"no instance could decide: {reason}"
    by_regime = {t.regime: t for t in trials}
    for regime in ("distinct", "large"):
        t = by_regime.get(regime)
        if t is not None and t.verdict != PASS:
            return UNDECIDED_VERDICT, f"the {regime}-size trial could not decide: {t.reason}"
    if ident.free_dims() and not any(t.informative for t in passed) and _distinct_possible(ident):
        return UNDECIDED_VERDICT, ("no trial had every free size >= 2 and distinct sizes, so a square "
                                   "shape could hide a transposed factor")
    return HOLDS, ""


def _distinct_possible(ident) -> bool:
    rng = np.random.default_rng(0)
    for _ in range(50):
        sizes = _propose(ident, rng, "distinct", ident.free_dims(), None)
        if _fits(ident, sizes) and _informative(sizes):
            return True
    return False


def _notes(ident, outcomes) -> tuple[str, ...]:
    notes = []
    inferred = ident.inferred_domain()
    for name, why in inferred.items():
        notes.append(f"{name} was sampled with positive entries: {why}")
    skipped, examples = collections.Counter(), {}
    for o in outcomes:
        skipped.update(o.skipped)
        examples.update(o.examples)
    if skipped and any(o.trial.verdict != UNDECIDED or o.trial.what != "domain" for o in outcomes):
        from matref.data.domain import describe

        key, count = skipped.most_common(1)[0]
        what, _ = describe(ident, examples[key])
        notes.append(f"the verdict is for the domain where the expressions are defined: {sum(skipped.values())} "
                     f"draws outside it were skipped (most often: {what})")
    return tuple(notes)


def reproduce_command(ident, trials: int, seed: int, cap: int | None = None) -> str:
    command = getattr(ident, "command", None)
    size = f" --max-size {cap}" if cap is not None else ""
    if command:
        return f"{command} --trials {trials} --seed {seed}{size}"
    return f"matref verify {ident.id} --trials {trials} --seed {seed}{size}"


# -- explanation on failure -----------------------------------------------------------------------------
EXPLAIN_MAX_SIZE = 4


def explain(ident, outcome: _Outcome) -> str:
    """Elementwise comparison at a failing instance: the failing one if it is small, else a small
    one that fails too (searched), else the failing one's largest differences. What is compared
    is the kind's explanation (:mod:`matref.engine.explain`)."""
    from matref.engine.explain import explain_at

    try:
        values, sizes, shapes = outcome.instance
        small = all(s <= EXPLAIN_MAX_SIZE for s in sizes.values())
        if not small:
            rng = np.random.default_rng(outcome.trial.seed)
            for _ in range(10):
                try:
                    v2, s2, sh2 = draw_instance(ident, rng, index=0, cap=3)
                    ms = checks.check(ident, v2, s2, rng)
                except (OutOfDomain, MatrefError):
                    continue
                if _combine(ms) == FAIL:
                    values, sizes, shapes, small = v2, s2, sh2, True
                    break
        return explain_at(ident, values, sizes, shapes, np.random.default_rng(outcome.trial.seed), small)
    except Exception as e:  # an explanation must never hide the verdict
        return f"  (no elementwise explanation: {e})"


def shell_join(parts) -> str:
    out = []
    for p in parts:
        if p.startswith("--") and "=" in p:
            k, v = p.split("=", 1)
            out.append(f"{k}={shlex.quote(v)}")
        else:
            out.append(shlex.quote(p))
    return " ".join(out)
