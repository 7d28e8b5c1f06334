"""Speed and soundness at scale of matref's numerical proofs (run by `make bench`; targets live
here, not in unit tests).

Measures: loading the catalog, verifying every identity (5 trials), the mutation run, the cost of
one directional gradient check against a full finite-difference gradient as the matrix grows (the
reason matref checks along random directions), and, for the determinant, log-determinant and
inverse identities at n = 4 ... 512, that the true formula holds and every wrong mutant of it is
refuted (a tolerance tied to the computation's rounding, not to a bound that grows with n).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import matref  # noqa: E402
from matref import checks, mutate, sampling  # noqa: E402
from matref.faces.api import build  # noqa: E402
from matref.data.catalog import DEFAULT_DIR, load_catalog  # noqa: E402

TARGETS = {  # seconds on the project's 2-core machines; the run fails if one is exceeded
    "load catalog": 5.0,
    "verify catalog (5 trials)": 20.0,
    "mutation run": 60.0,
}


def timed(label, fn, results):
    t = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - t
    return value


def scaling(sizes):
    ident = build(f="tr(A @ inv(X) @ B)", wrt="X", grad="-(inv(X) @ B @ A @ inv(X)).T",
                  shapes={"X": "n x n", "A": "n x n", "B": "n x n"})
    rows = []
    for n in sizes:
        rng = np.random.default_rng(0)
        values = {k: sampling.draw(rng, (n, n), ident.sampling_assumptions(k)) for k in ident.names}
        sizes_map = {v: n for v in ident.scope.dims.values()}
        t = time.perf_counter()
        checks.check(ident, values, sizes_map, rng)
        directional = time.perf_counter() - t
        oracle = checks._oracle(ident, values, sizes_map, 1.0)
        t = time.perf_counter()
        x = values["X"]
        for i in range(min(n, 8)):  # a full FD gradient needs n*n of these; time 8n and scale
            for j in range(n):
                e = np.zeros_like(x)
                e[i, j] = 1
                oracle.complex_step(e)
        full = (time.perf_counter() - t) * n / min(n, 8)
        rows.append((n, directional, full))
    return rows


LARGE_IDS = ["determinant.grad_det", "determinant.grad_logdet", "determinant.diff_det", "determinant.grad_det_inverse",
             "determinant.grad_logdet_inverse", "inverse.grad_trace_inv", "inverse.diff_inv", "inverse.grad_atinvxb",
             "trace.grad_xinva"]


def large_n(sizes):
    """Each identity at fixed n: the true form must hold; each mutant that is not equivalent must fail."""
    from matref.faces.api import check

    rows = []
    for n in sizes:
        for ident_id in LARGE_IDS:
            ident = matref.get(ident_id)
            shapes = {name: (f"{n}x{n}" if name[0].isupper() else f"{n}x1") for name in ident.names}
            assume = {k: list(v) for k, v in ident.assumptions.items()}
            kw = dict(ident.statement)
            t = time.perf_counter()
            truth = check(**kw, wrt=ident.wrt, assume=assume, shapes=shapes, trials=3, seed=n).verdict
            statuses = {o.mutant.text: o.status for o in mutate.run(ident)}
            verdicts = []
            for m in mutate.mutants(ident):
                if statuses.get(m.text) != "killed":
                    continue  # equivalent (e.g. det(X.T) for det(X)) or ill-typed: not a wrong formula
                kw2 = dict(kw)
                kw2[m.role] = m.text
                verdicts.append(check(**kw2, wrt=ident.wrt, assume=assume, shapes=shapes, trials=3,
                                      seed=n, ).verdict)
            rows.append((n, ident_id, truth, len(verdicts), verdicts.count("fails"), time.perf_counter() - t))
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true", help="skip the mutation run and large sizes")
    args = p.parse_args()
    results: dict[str, float] = {}
    cat = timed("load catalog", lambda: load_catalog(DEFAULT_DIR), results)
    reports = timed("verify catalog (5 trials)", lambda: [i.verify(trials=5, seed=1) for i in cat], results)
    assert all(r.ok for r in reports)
    if not args.quick:
        # An erratum's printed form is wrong on purpose (a mutant of it may be the right formula):
        # its corrected form is what must be sound, as in the test suite.
        outcomes = timed("mutation run", lambda: [o for i in cat for o in mutate.run(
            i.corrected if i.status == "erratum" else i)], results)
        killed = sum(o.status == "killed" for o in outcomes)
        wrong = killed + sum(o.status in ("survived", "undecided") for o in outcomes)
        print(f"mutants: {len(outcomes)}, wrong formulas {wrong}, refuted {killed}")
    failed = False
    print(f"{'benchmark':<32}{'seconds':>10}{'target':>10}")
    for label, sec in results.items():
        target = TARGETS.get(label)
        over = target is not None and sec > target
        failed |= over
        print(f"{label:<32}{sec:>10.2f}{target if target else '':>10}{'  OVER' if over else ''}")
    print(f"per identity: {results['verify catalog (5 trials)'] / len(cat) * 1000:.1f} ms")
    print(f"\n{'n':>5}{'directional check (s)':>24}{'full FD gradient (s)':>24}")
    for n, d, f in scaling([8, 32, 64] if args.quick else [8, 32, 64, 128]):
        print(f"{n:>5}{d:>24.4f}{f:>24.4f}")
    print(f"\n{'n':>5}  {'identity':<34}{'true form':>10}{'mutants refuted':>18}{'seconds':>9}")
    for n, ident_id, truth, total, refuted, sec in large_n([4, 16, 64] if args.quick else [4, 16, 64, 128, 256, 512]):
        bad = truth != "holds" or refuted != total
        failed |= bad
        print(f"{n:>5}  {ident_id:<34}{truth:>10}{f'{refuted}/{total}':>18}{sec:>9.1f}{'  WRONG' if bad else ''}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
