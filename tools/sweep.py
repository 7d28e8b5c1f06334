"""Sweep the catalog (and optional extra claims) over many seeds; report every verdict that is
not the expected one. Usage: python tools/sweep.py [--seeds N] [--start S] [--ids ID ...] [--jobs J]"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def _one(args):
    ident_id, seed, trials = args
    import matref

    ident = matref.get(ident_id)
    t = time.perf_counter()
    try:
        r = ident.verify(trials=trials, seed=seed, explain_failure=False)
    except Exception as e:  # a crash is a finding too
        return ident_id, seed, "crash", f"{type(e).__name__}: {e}", 0.0, time.perf_counter() - t
    margin = (r.corrected.margin if r.status == "erratum" else r.margin)
    return ident_id, seed, r.verdict if r.status != "erratum" else ("erratum-ok" if r.ok else "erratum-BAD"), \
        r.reason if not r.ok else "", margin, time.perf_counter() - t


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--ids", nargs="*")
    p.add_argument("--out")
    a = p.parse_args()
    import matref
    from multiprocessing import Pool

    ids = a.ids or matref.catalog().ids
    work = [(i, s, a.trials) for s in range(a.start, a.start + a.seeds) for i in ids]
    bad = collections.Counter()
    examples = {}
    slow = collections.defaultdict(float)
    worst_margin = {}
    n = 0
    t0 = time.time()
    with Pool(a.jobs) as pool:
        for ident_id, seed, verdict, reason, margin, dt in pool.imap_unordered(_one, work, chunksize=4):
            n += 1
            slow[ident_id] = max(slow[ident_id], dt)
            if verdict not in ("holds", "erratum-ok"):
                bad[(ident_id, verdict)] += 1
                examples.setdefault((ident_id, verdict), (seed, reason))
            else:
                worst_margin[ident_id] = min(worst_margin.get(ident_id, float("inf")), margin)
    print(f"{n} runs in {time.time() - t0:.0f} s; {sum(bad.values())} not as expected")
    for (ident_id, verdict), count in sorted(bad.items()):
        seed, reason = examples[(ident_id, verdict)]
        print(f"  {ident_id}: {verdict} x{count} (seed {seed}): {reason[:300]}")
    low = sorted(worst_margin.items(), key=lambda kv: kv[1])[:10]
    print("smallest margins:", ", ".join(f"{k} {v:.0f}" for k, v in low))
    print("slowest:", ", ".join(f"{k} {v:.2f}s" for k, v in sorted(slow.items(), key=lambda kv: -kv[1])[:10]))
    if a.out:
        json.dump({"runs": n, "bad": {f"{k[0]}|{k[1]}": v for k, v in bad.items()}}, open(a.out, "w"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
