"""No flakes, as a standing benchmark (``make bench-reliability``; not part of ``make test``).

1. Every identity of the catalog over many seeds (default 1,000) with sizes up to 12: false
   failures (a proved identity refuted: target 0), undecided verdicts, errata not confirmed, and
   the worst error/tolerance ratio of any passing trial (how close a true formula came to failing).
2. Mutation testing with the wide set of wrong variants (``matref.engine.mutate.mutants(wide=True)``:
   inverse for inverse-transpose, dropped terms, symmetric-only shortcuts, the claim scaled by
   1 +- 1e-6, besides the usual ones) under several seeds: the kill rate, and the smallest
   error/tolerance ratio of a refuted variant. The separation is the gap between the two ratios.

Usage: python benchmarks/bench_reliability.py [--seeds 1000] [--mutant-seeds 5] [--max-size 12]
       [--jobs 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _ratio(trial) -> float:
    return trial.error / trial.tolerance if trial.tolerance > 0 else (0.0 if trial.error == 0 else math.inf)


def _catalog_run(task):
    ident_id, seed, max_size = task
    import matref

    ident = matref.get(ident_id)
    try:
        r = ident.verify(trials=5, seed=seed, explain_failure=False, max_size=max_size)
    except Exception as e:  # a crash is a finding
        return ident_id, seed, "crash", f"{type(e).__name__}: {e}", 0.0
    proof = r.corrected if r.status == "erratum" else r
    ratio = max((_ratio(t) for t in proof.trials if t.verdict == "pass"), default=0.0)
    if r.status == "erratum":
        outcome = "ok" if r.ok else ("erratum not confirmed" if proof.ok else f"corrected form {proof.verdict}")
    else:
        outcome = {"holds": "ok", "fails": "false failure", "undecided": "undecided"}[r.verdict]
    return ident_id, seed, outcome, "" if outcome == "ok" else (proof.reason or r.reason), ratio


def _mutant_run(task):
    ident_id, seed, max_size = task
    import matref
    from matref.engine import mutate

    ident = matref.get(ident_id)
    target = ident.corrected if ident.status == "erratum" else ident
    out = []
    for o in mutate.run(target, trials=3, seed=seed, wide=True, max_size=max_size):
        ratio = None
        if o.status == "killed":
            ratio = min(_ratio(t) for t in o.report.trials if t.verdict == "fail")
        out.append((ident_id, seed, o.mutant.operator, o.mutant.role, o.mutant.text, o.status, ratio))
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=1000)
    p.add_argument("--mutant-seeds", type=int, default=5)
    p.add_argument("--max-size", type=int, default=12)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--json", help="write the figures here")
    a = p.parse_args()
    import matref
    from multiprocessing import Pool

    ids = matref.catalog().ids
    t0 = time.time()
    outcomes = collections.Counter()
    examples: dict = {}
    worst_true = (0.0, "", 0)
    tasks = [(i, s, a.max_size) for s in range(a.seeds) for i in ids]
    with Pool(a.jobs) as pool:
        for ident_id, seed, outcome, reason, ratio in pool.imap_unordered(_catalog_run, tasks, chunksize=8):
            outcomes[outcome] += 1
            if outcome != "ok":
                examples.setdefault((ident_id, outcome), (seed, reason))
            if ratio > worst_true[0]:
                worst_true = (ratio, ident_id, seed)
        catalog_seconds = time.time() - t0
        t1 = time.time()
        statuses = collections.Counter()
        by_operator = collections.defaultdict(collections.Counter)
        weakest = (math.inf, "", "", 0)
        survivors = []
        mtasks = [(i, s, a.max_size) for s in range(a.mutant_seeds) for i in ids]
        for rows in pool.imap_unordered(_mutant_run, mtasks, chunksize=2):
            for ident_id, seed, operator, role, text, status, ratio in rows:
                statuses[status] += 1
                by_operator[operator][status] += 1
                if status in ("survived", "undecided"):
                    survivors.append(f"{ident_id} seed {seed}: {operator}: {role} = {text} ({status})")
                if ratio is not None and ratio < weakest[0]:
                    weakest = (ratio, ident_id, f"{role} = {text}", seed)
        mutant_seconds = time.time() - t1

    runs = sum(outcomes.values())
    false_failures = outcomes["false failure"]
    print(f"catalog: {runs:,} runs ({len(ids)} identities x {a.seeds} seeds, sizes up to {a.max_size}) "
          f"in {catalog_seconds:.0f} s")
    for outcome, count in sorted(outcomes.items()):
        print(f"  {outcome:<24} {count:>8,}")
    for (ident_id, outcome), (seed, reason) in sorted(examples.items()):
        print(f"    {ident_id} ({outcome}), e.g. seed {seed}: {reason[:200]}  "
              f"[matref verify {ident_id} --seed {seed} --max-size {a.max_size}]")
    print(f"  worst error/tolerance on a true identity: {worst_true[0]:.3g} ({worst_true[1]}, seed {worst_true[2]})")
    wrong = statuses["killed"] + statuses["survived"] + statuses["undecided"]
    rate = statuses["killed"] / wrong if wrong else float("nan")
    print(f"mutants (wide set, {a.mutant_seeds} seeds) in {mutant_seconds:.0f} s: {wrong:,} wrong variants, "
          f"{statuses['killed']:,} refuted (kill rate {100 * rate:.2f} %), {statuses['undecided']} undecided, "
          f"{statuses['survived']} accepted; {statuses['ill-typed']:,} ill-typed, {statuses['undefined']} undefined, "
          f"{statuses['equivalent']:,} equivalent")
    for operator, c in sorted(by_operator.items()):
        n = c["killed"] + c["survived"] + c["undecided"]
        print(f"  {operator:<20} {c['killed']:>6,} of {n:>6,} refuted")
    for line in survivors[:20]:
        print("    not refuted:", line)
    print(f"  smallest error/tolerance on a refuted variant: {weakest[0]:.3g} ({weakest[1]}: {weakest[2]}, seed {weakest[3]})")
    separation = weakest[0] / worst_true[0] if worst_true[0] > 0 else math.inf
    print(f"separation (smallest refuted ratio / worst true ratio): {separation:.3g}")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"runs": runs, "outcomes": dict(outcomes), "worst_true_ratio": worst_true[0],
                       "mutants": dict(statuses), "kill_rate": rate, "weakest_refuted_ratio": weakest[0],
                       "separation": separation}, fh, indent=1)
    return 1 if false_failures or statuses["survived"] else 0


if __name__ == "__main__":
    sys.exit(main())
