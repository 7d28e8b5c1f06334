"""Run tests/claims_table.py over many seeds: a true claim must hold, a wrong one must not (and should be
refuted), a mis-shaped one must be refused. Usage: python tools/sweep_claims.py [--seeds N]"""
from __future__ import annotations

import argparse
import collections
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))


def run(item):
    claim, truth, seed = item
    import matref

    try:
        return matref.check(seed=seed, **claim).verdict
    except matref.MatrefError:
        return "refused"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=20)
    p.add_argument("--jobs", type=int, default=2)
    a = p.parse_args()
    from multiprocessing import Pool

    from claims_table import CLAIMS

    work = [(c, t, s) for c, t in CLAIMS for s in range(a.seeds)]
    with Pool(a.jobs) as pool:
        results = pool.map(run, work, chunksize=8)
    by = collections.defaultdict(collections.Counter)
    for (c, t, s), v in zip(work, results):
        by[(str(c), t)][v] += 1
    wrong = 0
    for (c, t), counts in by.items():
        expected = {True: {"holds"}, False: {"fails"}, None: {"refused"}}[t]
        if set(counts) - expected:
            false_verdict = (t is True and counts.get("fails")) or (t is False and counts.get("holds"))
            wrong += bool(false_verdict)
            print(("FALSE VERDICT " if false_verdict else "not decisive ") + f"{dict(counts)} expected {expected}: {c}")
    print(f"{len(work)} runs of {len(by)} claims; {wrong} claims with a false verdict")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
