"""The ``matref`` command: list, show, verify the catalog; check your own formula.

Exit status: 0 when everything holds, 1 when a formula is refuted (a counterexample inside its
domain), 2 for bad input or a request refused by a limit (:mod:`matref.engine.limits`), 3 when the
verdict is undecided (the domain could not be reached, rounding left the comparison open, or the
work limit was spent on draws outside the domain): see :mod:`matref.engine.verify`. 4 is a bug in matref
(an internal error, reported in one line instead of a traceback).

Everything printed is stripped of terminal control sequences: an argument cannot clear the
screen or rewrite what is shown.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from matref.data.assumptions import VOCABULARY
from matref.errors import MatrefError, safe
from matref.engine.limits import DEFAULT, Limits, LimitError
from matref.kinds import KINDS
from matref.calculus.derive import ROUTES

COMMAND_TRIALS = 100_000
"""Trials one `matref verify` may run in all (the whole catalog at 5 trials is about 2,000)."""

EXPRESSION_OPTIONS = ("--f", "--wrt", "--lhs", *(f"--{k.claim}" for k in KINDS.values()), "--assume", "--shape")
FLAGS = {"derive": {f"--{kind}" for kind in ROUTES}}
"""Options that are flags in one command and take an expression in another (derive --jacobian)."""


def _join_values(argv: list[str]) -> list[str]:
    """Glue each expression option to its value (``--grad -inv(X).T`` -> ``--grad=-inv(X).T``).

    argparse would otherwise read a value that starts with ``-`` as another option.
    """
    out, i = [], 0
    flags = FLAGS.get(argv[0], set()) if argv else set()
    while i < len(argv):
        tok = argv[i]
        if tok in EXPRESSION_OPTIONS and tok not in flags and i + 1 < len(argv):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
        else:
            out.append(tok)
            i += 1
    return out


class _Parser(argparse.ArgumentParser):
    def _print_message(self, message, file=None):
        if message:
            (file or sys.stderr).write(safe(message))


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="matref", description="An executable, machine-proved reference of matrix calculus.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ls = sub.add_parser("list", help="list the identities of the catalog")
    ls.add_argument("--family", help="only this family")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    show = sub.add_parser("show", help="show one identity in full")
    show.add_argument("id")
    show.add_argument("--format", choices=("text", "latex", "numpy", "json"), default="text",
                      help="text (default), latex (the formula, then the other layout as a comment), numpy (a Python module: a numpy function per side), json")
    show.add_argument("--json", action="store_true", help="the same as --format json")

    exp = sub.add_parser("export", help="write the whole catalog as JSON (with --schema: its JSON Schema) or LaTeX")
    exp.add_argument("--format", choices=("json", "latex"), default="json")
    exp.add_argument("--schema", action="store_true", help="print the JSON Schema of the JSON export instead")
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output)")

    ver = sub.add_parser("verify", help="re-prove identities numerically (exit 1 if any fails)")
    ver.add_argument("ids", nargs="*", metavar="ID", help="identity ids (default: all)")
    ver.add_argument("--family", help="only this family")
    ver.add_argument("--trials", type=int, default=5, help="random instances per identity (default 5)")
    ver.add_argument("--seed", type=int, help="seed of the run (default: fresh, and printed)")
    ver.add_argument("--json", action="store_true")
    ver.add_argument("-v", "--verbose", action="store_true", help="every trial of every identity")
    ver.add_argument("--method", choices=("numeric", "exact", "all"), default="numeric",
                     help="numeric: random instances in floating point (default); exact: SymPy, exact rational "
                          "values; all: both")

    sub.add_parser("schema", help="print the JSON Schema of the catalog's YAML files")

    chk = sub.add_parser("check", help="verify your own derivative or equality",
                         description="Verify a derivative (--f, --wrt and one of "
                                     + ", ".join(f"--{k.claim}" for k in KINDS.values() if k.has_variable)
                                     + ") or an equality (--lhs, --rhs). Exit status: 0 holds, 1 does not "
                                     "hold, 3 undecided, 2 bad input or refused.")
    chk.add_argument("--f", help="the function, e.g. 'tr(A @ X @ B)'")
    chk.add_argument("--wrt", help="the variable, e.g. X")
    chk.add_argument("--lhs", help="left side of an equality")
    for kind in KINDS.values():  # one option per kind of claim
        chk.add_argument(f"--{kind.claim}", help=kind.help)
    chk.add_argument("--assume", action="append", default=[], metavar="NAME=PROP",
                     help="assumption on a symbol (" + ", ".join(VOCABULARY) + "); repeatable")
    chk.add_argument("--shape", action="append", default=[], metavar="NAME=RxC",
                     help="shape of a symbol: scalar, 'n x n', '3x1'; repeatable")
    chk.add_argument("--trials", type=int, default=5, help="random instances (at least 3 always run)")
    chk.add_argument("--seed", type=int)
    chk.add_argument("--json", action="store_true")
    chk.add_argument("--method", choices=("numeric", "exact", "all"), default="numeric",
                     help="numeric: random instances in floating point (default); exact: SymPy at an exact "
                          "rational instance; all: both")
    der = sub.add_parser("derive", help="derive a gradient, differential, Jacobian or Hessian of your own expression, "
                                        "with its steps, then prove it",
                         description="Derive the gradient of a scalar expression (denominator layout, shaped "
                                     "like the variable), or the differential d f of any expression (written "
                                     "with d<wrt>: the Jacobian's action), or with --jacobian / --hessian the "
                                     "matrix d vec f / d vec wrt (Kronecker/commutation form) / the Hessian; print "
                                     "it in matref syntax and LaTeX, with --steps the derivation one named rule per "
                                     "line, and prove it with the catalog's engine first. Exit status: 0 derived "
                                     "and proved, 2 bad input or a part without a derivative rule.")
    der.add_argument("--f", required=True, help="the function, e.g. 'tr(A @ inv(X) @ B)'")
    der.add_argument("--wrt", required=True, help="the variable, e.g. X")
    der.add_argument("--assume", action="append", default=[], metavar="NAME=PROP",
                     help="assumption on a symbol (" + ", ".join(VOCABULARY) + "); repeatable")
    der.add_argument("--shape", action="append", default=[], metavar="NAME=RxC",
                     help="shape of a symbol: scalar, 'n x n', '3x1'; repeatable")
    what = der.add_mutually_exclusive_group()
    what.add_argument("--differential", dest="kind", action="store_const", const="differential",
                      help="the differential d f written with d<wrt> (the default for a vector or matrix f)")
    what.add_argument("--jacobian", dest="kind", action="store_const", const="jacobian",
                      help="d vec(f) / d vec(wrt) (numerator layout, column-major) in Kronecker/commutation "
                           "form; the differential (its action) where there is none")
    what.add_argument("--hessian", dest="kind", action="store_const", const="hessian",
                      help="d^2 f / d vec(wrt) d vec(wrt)^T of a scalar f")
    der.add_argument("--steps", nargs="?", const="text", choices=("text", "latex"),
                     help="also print the derivation, one named rule per line (--steps=latex: as a LaTeX "
                          "aligned block)")
    der.add_argument("--trials", type=int, default=5, help="random instances of the proof")
    der.add_argument("--seed", type=int)
    der.add_argument("--json", action="store_true")
    for parser in (ver, chk):
        parser.add_argument("--max-size", type=int, metavar="N",
                            help="largest size the trials draw for sizes left free (default 24)")
        parser.add_argument("--max-entries", type=float, metavar="N",
                            help=f"largest array the proof may form (default {DEFAULT.entries:.0e} entries)")
        parser.add_argument("--max-work", type=float, metavar="FLOPS",
                            help=f"largest estimated work of the proof (default {DEFAULT.work:.0e} flops)")
    return p


def _limits(args) -> Limits:
    given = {"entries": getattr(args, "max_entries", None), "work": getattr(args, "max_work", None)}
    return Limits(**{k: v for k, v in given.items() if v is not None})


def _clip(message: str, width: int = 2100) -> str:
    """Each line of an error message cut to ``width`` characters: a 100 kB argument is quoted
    by its start, not echoed whole (expressions themselves are at most 2,000 characters)."""
    return "\n".join(line if len(line) <= width else f"{line[:width]}... ({len(line) - width:,} more characters)"
                     for line in message.split("\n"))


class _SafeOut:
    def __init__(self, out):
        self.out = out

    def write(self, text: str) -> int:
        return self.out.write(safe(text))

    def flush(self):
        self.out.flush()


VERDICT_WORDS = {"holds": "holds", "fails": "does NOT hold", "undecided": "undecided"}
EXIT_CODES = {"holds": 0, "fails": 1, "undecided": 3}


def _select(cat, ids, family):
    chosen = list(cat.family(family)) if family else list(cat)
    if ids:
        wanted = [cat.get(i) for i in ids]
        outside = [i.id for i in wanted if family and i.family != family]
        if outside:
            raise MatrefError(f"{outside[0]} is in family {cat.get(outside[0]).family}, not {family}: "
                              "give ids or --family, or both consistently")
        chosen = wanted
    return chosen


def cmd_export(args, out) -> int:
    import matref
    from matref.faces import export

    text = export.render("schema" if args.schema else args.format, matref.catalog())
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as e:
            raise MatrefError(f"cannot write {args.output}: {e.strerror}") from None
        out.write(f"wrote {args.output} ({len(text.encode()):,} bytes)\n")
    else:
        out.write(text)
    return 0


def cmd_list(args, out) -> int:
    import matref

    idents = _select(matref.catalog(), [], args.family)
    if args.json:
        json.dump([i.to_dict() for i in idents], out, indent=1)
        out.write("\n")
        return 0
    width = max(len(i.id) for i in idents)
    for i in idents:
        out.write(f"{i.id:<{width}}  {i.kind:<12}  {i.title}\n")
    out.write(f"{len(idents)} identities\n")
    return 0


def cmd_show(args, out) -> int:
    import matref

    ident = matref.get(args.id)
    d = ident.to_dict()
    fmt = "json" if args.json else args.format
    if fmt == "latex":
        out.write(ident.latex + "\n")
        for layout, tex in list(ident.layouts.items())[1:]:
            out.write(f"% {layout} layout: {tex}\n")
        return 0
    if fmt == "numpy":
        from matref.faces.numpy_source import module_source

        out.write(module_source(ident))
        return 0
    if fmt == "json":
        json.dump(d, out, indent=1)
        out.write("\n")
        return 0
    out.write(f"{ident.id}: {ident.title}\n  family {ident.family}, kind {ident.kind}, defined at {ident.location}\n")
    for role, text in ident.statement.items():
        out.write(f"  {role:>12}: {text}\n")
    if ident.wrt:
        out.write(f"  {'wrt':>12}: {ident.wrt}\n")
    out.write(f"  {'latex':>12}: {ident.latex}\n")
    if ident.corrected is not None:
        from matref.data.schema import ERROR_CLASSES

        out.write(f"  ERRATUM ({ERROR_CLASSES[ident.spec.error_class]}): the statement above is the published "
                  "form, which is wrong; the corrected form is\n")
        for role, text in ident.corrected.statement.items():
            out.write(f"  {role:>12}: {text}\n")
        for name, props in ident.corrected.assumptions.items():
            out.write(f"  {'assume ' + name:>12}: {', '.join(props)}\n")
        out.write(f"  {'latex':>12}: {ident.corrected.latex}\n")
    for layout, tex in ident.layouts.items():
        out.write(f"  {layout + ' layout':>12}: {tex}\n")
    if ident.spec.params:
        out.write(f"  {'for':>12}: {ident.params_text} (each value proved)\n")
    for name in ident.names:
        props = ", ".join(ident.assumptions.get(name, ())) or "no assumption"
        fixed = f", fixed at {ident.values[name]:g}" if name in ident.values else ""
        out.write(f"  {'symbol ' + name:>12}: {ident.shape(name)}{fixed}, {props}\n")
    for cond in ident.conditions:
        out.write(f"  {'condition':>12}: {cond.words}\n")
    if not ident.assumptions and not ident.conditions:
        out.write(f"  {'conditions':>12}: " + ("none stated by the source\n" if ident.corrected is not None
                                              else "none: it holds for all real matrices of these shapes\n"))
    if ident.spec.see:
        out.write(f"  {'see':>12}: {', '.join(ident.spec.see)}\n")
    if ident.spec.aliases:
        out.write(f"  {'former ids':>12}: {', '.join(ident.spec.aliases)}\n")
    out.write(f"  {'sources':>12}: {', '.join(ident.sources)}\n")
    if ident.notes:
        out.write(f"  {'notes':>12}: {ident.notes}\n")
    for step in ident.derivation:
        out.write(f"  {'step':>12}: {step}\n")
    return 0


def cmd_verify(args, out) -> int:
    import matref

    idents = _select(matref.catalog(), args.ids, args.family)
    if args.seed is None:
        from matref.engine.verify import new_seed

        args.seed = new_seed()
    from matref.engine.verify import _check_trials

    limits = _limits(args)
    _check_trials(args.trials, limits)  # the limit per proof first: it is the one to quote
    total = len(idents) * max(args.trials, 3) * (args.method != "exact")
    if total > COMMAND_TRIALS:
        raise LimitError(f"refused: {len(idents)} identities x {max(args.trials, 3)} trials = {total:,} trials, over "
                         f"the limit of {COMMAND_TRIALS:,} per command (about ten minutes); verify fewer identities "
                         "(ids or --family) or with fewer --trials")
    import time

    start = time.perf_counter()
    stream = not args.json and args.method != "exact"  # each result as it is known: plain lines
    progress = _Progress(len(idents)) if len(idents) > 1 else None
    reports = []
    for ident in idents:
        if progress:
            progress.start(ident.id)
        r = ident.verify(trials=args.trials, seed=args.seed, limits=limits, max_size=args.max_size,
                         method=args.method)
        reports.append(r)
        if progress:
            progress.done(r)
        if stream:
            out.write((str(r) if (args.verbose or not r.ok) else r.summary()) + "\n")
            out.flush()
    if progress:
        progress.close()
    seconds = time.perf_counter() - start
    if args.method == "exact":
        return _exact_summary(reports, args, out, seconds)
    failed = [r for r in reports if not r.ok and r.verdict != "undecided"]
    undecided = [r for r in reports if r.verdict == "undecided" and r.status != "erratum"]
    if args.json:
        json.dump([r.to_dict() for r in reports], out, indent=1, allow_nan=False)
        out.write("\n")
    else:
        families = {}
        for ident, r in zip(idents, reports):
            families.setdefault(ident.family, []).append(r)
        if len(families) > 1:
            for fam, rs in families.items():
                bad = sum(not r.ok and r.verdict != "undecided" for r in rs)
                und = sum(r.verdict == "undecided" and r.status != "erratum" for r in rs)
                out.write(f"  {fam}: {len(rs) - bad - und} hold, {bad} failed, {und} undecided\n")
        out.write(f"verified {len(reports)} identities with seed {args.seed}: "
                  f"{len(reports) - len(failed) - len(undecided)} hold, {len(failed)} failed, "
                  f"{len(undecided)} undecided\n")
        if args.method == "all":
            out.write(_exact_counts(reports, seconds) + "\n")
    return 1 if failed else (3 if undecided else 0)


class _Progress:
    """A status line on a terminal's stderr while a long verify runs: the count, the identity being
    proved and the failures so far (nothing when stderr is not a terminal: stdout's lines suffice)."""

    def __init__(self, total: int, err=None):
        self.err = err or sys.stderr
        self.live = bool(getattr(self.err, "isatty", lambda: False)())
        self.total, self.count, self.failed = total, 0, 0

    def start(self, ident_id: str) -> None:
        if self.live:
            self.err.write(f"\r\033[K[{self.count + 1}/{self.total}] {ident_id}"
                           f"{f' · {self.failed} failed so far' if self.failed else ''}")
            self.err.flush()

    def done(self, report) -> None:
        self.count += 1
        self.failed += (not report.ok and report.verdict != "undecided")

    def close(self) -> None:
        if self.live:
            self.err.write("\r\033[K")
            self.err.flush()


def _exact_counts(reports, seconds: float) -> str:
    """How many identities the exact proof proved, refuted (errata), left, in how long."""
    import collections

    plain = [r.exact for r in reports if r.exact is not None and r.exact.corrected is None]
    errata = [r.exact for r in reports if r.exact is not None and r.exact.corrected is not None]
    by = collections.Counter(e.status for e in plain)
    rest = ", ".join(f"{n} {s}" for s, n in by.most_common() if s != "proved")
    confirmed = sum(e.ok for e in errata)
    contradicted = sum(r.exact.contradicts for r in reports if r.exact is not None)
    symbolic = sum(e.ok and "symbolic" in e.method for e in plain)
    return (f"exact proofs: {by.get('proved', 0)} of {len(plain)} identities proved exactly ({symbolic} of them "
            f"also symbolically at size 2)" + (f", {rest}" if rest else "") + f"; {confirmed} of {len(errata)} errata confirmed exactly "
            f"(printed form refuted, corrected form proved); {contradicted} contradicting the numerical proof; "
            f"{seconds:.1f} s")


def _exact_summary(reports, args, out, seconds: float) -> int:
    contradicted = [r for r in reports if r.exact.contradicts]
    if args.json:
        json.dump([r.to_dict() for r in reports], out, indent=1, allow_nan=False)
        out.write("\n")
    else:
        for r in reports:
            if args.verbose or not r.exact.ok:
                out.write(r.summary() + "\n")
        out.write(_exact_counts(reports, seconds) + f" (seed {args.seed})\n")
    return 1 if contradicted else 0


def cmd_check(args, out) -> int:
    from matref.faces.api import build
    from matref.engine.verify import verify

    claims = {k.claim: getattr(args, k.claim) for k in KINDS.values()}
    given = [c for c, v in claims.items() if v is not None]
    if args.f is not None and args.wrt is not None and not given and args.lhs is None:
        return cmd_derive(args, out, intro="no claim given: matref derived it (with --steps to see how)\n")
    ident = build(f=args.f, wrt=args.wrt, lhs=args.lhs, assume=args.assume, shapes=args.shape, **claims)
    read = _read_as({role: text for role, text in ident.spec.statement})
    if read and not args.json:
        out.write(read)
    report = verify(ident, trials=args.trials, seed=args.seed, limits=_limits(args), max_size=args.max_size,
                    method=args.method)
    refuted = not report.ok and report.verdict in FAILED
    diagnosis = _diagnose(args, ident) if refuted else None
    if args.json:
        data = report.to_dict()
        if refuted:
            data["diagnosis"] = diagnosis.to_dict() if diagnosis else None
        json.dump(data, out, indent=1, allow_nan=False)
        out.write("\n")
    else:
        body = str(report).split("\n", 1)
        out.write(VERDICT_WORDS[report.verdict] + report.details() + "\n")
        if diagnosis is not None:
            out.write(f"diagnosis ({diagnosis.name}): {diagnosis.message}\n")
        elif refuted:
            out.write("diagnosis: none of the classic mistakes (layout, sign, factor, order, a missing term, "
                      "an assumption ...) explains it\n")
        if len(body) > 1:
            out.write(body[1] + "\n")
        if refuted and ident.kind in ROUTES:
            out.write(_correct_result(args, ident.kind))
    return EXIT_CODES[report.verdict]


def _diagnose(args, ident):
    """The classic mistake behind a refuted claim (matref.engine.diagnose), or None."""
    from matref.faces.api import diagnosis

    return diagnosis(ident, args.f, args.wrt, args.lhs, args.assume, args.shape)


FAILED = {v for v, code in EXIT_CODES.items() if code == 1}
"""The verdicts that refute a claim (after which derive gives the correct result)."""


def _correct_result(args, kind: str) -> str:
    """After a refuted claim: the derived (and proved) result, or why there is none."""
    from matref.calculus.derive import DEFAULT_KIND, derive

    try:
        d = derive(args.f, args.wrt, assume=args.assume, shapes=args.shape, trials=args.trials, seed=args.seed,
                   kind=kind)
    except MatrefError as e:
        return f"\nmatref could not derive the correct {kind}: {str(e).splitlines()[0]}\n"
    what = KINDS[kind].noun + ("" if d.kind == kind else f" (as its action, the {KINDS[d.kind].noun})")
    option = "" if kind in DEFAULT_KIND.values() else f" --{kind}"
    return (f"\nthe correct {what}, derived and proved ({d.report.headline()}):\n  {d.result}\n"
            f"  with its steps: matref derive --f={shlex.quote(args.f)} --wrt={shlex.quote(args.wrt)}{option} --steps\n")


def _read_as(texts: dict) -> str:
    """``read as: --f='tr(X)'`` when an expression was typed in another spelling (np.trace(X), X',
    X^T ...), so that the user sees how matref read it; empty when all were typed in its own."""
    import re

    from matref.expr.parse import parse

    changed = []
    for role, text in texts.items():
        if text is None:
            continue
        canon = str(parse(text))
        if re.sub(r"\s+", "", canon) != re.sub(r"\s+", "", text):
            changed.append(f"--{role}={shlex.quote(canon)}")
    return f"read as: {' '.join(changed)}\n" if changed else ""


def cmd_derive(args, out, intro: str = "") -> int:
    from matref.calculus.derive import derive

    d = derive(args.f, args.wrt, assume=args.assume, shapes=args.shape, trials=args.trials, seed=args.seed,
               kind=getattr(args, "kind", None))
    if args.json:
        json.dump(d.to_dict(), out, indent=1, allow_nan=False)
        out.write("\n")
        return 0
    out.write(intro + _read_as({"f": args.f}) + str(d) + "\n")
    out.write(f"LaTeX: {d.latex}\n")
    for layout, tex in d.layouts.items():
        out.write(f"  {layout}: {tex}\n")
    steps = getattr(args, "steps", None)
    if steps == "latex":
        out.write(d.steps_latex() + "\n")
    elif steps:
        out.write("\n".join(d.steps_text()) + "\n")
    return 0


def cmd_schema(args, out) -> int:
    from matref.data.jsonschema import render

    out.write(render())
    return 0


def main(argv: list[str] | None = None, out=None) -> int:
    """Entry point of the ``matref`` console script; returns the exit status."""
    out = _SafeOut(out or sys.stdout)
    err = _SafeOut(sys.stderr)
    argv = _join_values(list(sys.argv[1:] if argv is None else argv))
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # argparse has printed its message (to stderr, control characters and all)
        return 0 if e.code == 0 else 2
    if getattr(args, "trials", 1) is not None and getattr(args, "trials", 1) < 1:
        err.write("matref: error: --trials must be at least 1\n")
        return 2
    handler = {"list": cmd_list, "show": cmd_show, "verify": cmd_verify, "check": cmd_check,
               "derive": cmd_derive, "schema": cmd_schema, "export": cmd_export}[args.command]
    try:
        return handler(args, out)
    except MatrefError as e:
        err.write(f"matref: error: {_clip(str(e))}\n")
        return getattr(e, "exit_code", 2)  # 2, or 3 for a derived result whose proof was undecided
    except BrokenPipeError:
        return 0
    except MemoryError:
        err.write("matref: error: out of memory (a limit should have refused this request: please report it, "
                  "with the command)\n")
        return 4
    except Exception as e:  # a bug: one line, not a traceback
        err.write(f"matref: internal error (a bug in matref; please report it with the command): "
                  f"{type(e).__name__}: {e}\n")
        return 4


if __name__ == "__main__":
    sys.exit(main())
