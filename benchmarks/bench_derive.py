"""matref derive on the catalog, in figures: `make bench-derive`.

For every catalog gradient, differential, Jacobian and Hessian derive can be asked (no side
conditions, evaluated values or sampling specs): the time of one derivation plus its proof
(median of 3; target <= 50 ms), and the size (node count) of the derived result against the
catalog's stated form: the median ratio per kind and the largest ones.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_derive import catalog_case  # noqa: E402

import matref  # noqa: E402
from matref.expr.nodes import walk  # noqa: E402
from matref.expr.parse import parse  # noqa: E402


def size(text: str) -> int:
    return sum(1 for _ in walk(parse(text)))


def main() -> int:
    from matref.calculus.derive import ROUTES
    from matref.kinds import KINDS

    rows = []
    for ident in matref.catalog():
        if ident.kind not in ROUTES or ident.status != "proved" or not catalog_case(ident):
            continue
        role = KINDS[ident.kind].claim
        f, wrt, assume, shapes = catalog_case(ident)
        times = []
        try:
            for _ in range(3):
                start = time.perf_counter()
                d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=5, kind=ident.kind)
                times.append(time.perf_counter() - start)
        except matref.MatrefError as e:
            print(f"{ident.id:45} not derived: {str(e).splitlines()[0][:80]}")
            continue
        if d.kind != ident.kind:  # a Jacobian given as its action: not comparable in size
            print(f"{ident.id:45} derived as its {d.kind} ({d.note.split(';')[0]})")
            continue
        rows.append((ident.id, statistics.median(times), size(d.result) / size(ident.statement[role]),
                     d.result, ident.statement[role], ident.kind))
    ms = [r[1] * 1000 for r in rows]
    ratios = [r[2] for r in rows]
    print(f"\n{len(rows)} catalog entries derived and proved")
    print(f"time per derivation + proof (5 instances): median {statistics.median(ms):.1f} ms, "
          f"90th percentile {sorted(ms)[int(0.9 * len(ms))]:.1f} ms, max {max(ms):.1f} ms (target <= 50 ms)")
    print(f"size against the catalog's form: median ratio {statistics.median(ratios):.2f}, "
          f"{sum(r <= 1 for r in ratios)} of {len(ratios)} no larger")
    for kind in dict.fromkeys(r[5] for r in rows):
        mine = [r for r in rows if r[5] == kind]
        print(f"  {kind:12} {len(mine):3} derived, median {statistics.median(r[1] for r in mine) * 1000:5.1f} ms, "
              f"size ratio median {statistics.median(r[2] for r in mine):.2f}, worst {max(r[2] for r in mine):.1f}, "
              f"{sum(r[2] <= 1 for r in mine)} no larger")
    print("slowest:", ", ".join(f"{r[0]} {r[1] * 1000:.0f} ms" for r in sorted(rows, key=lambda r: -r[1])[:4]))
    print("largest ratios:")
    for ident, _, ratio, got, stated, _ in sorted(rows, key=lambda r: -r[2])[:10]:
        print(f"  {ratio:4.1f}x {ident}: {got}   (catalog: {stated})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
