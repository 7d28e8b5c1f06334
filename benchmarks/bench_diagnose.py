"""The diagnosis of wrong claims, in figures: `make bench-diagnose`.

benchmarks/diagnosis_cases.yaml lists wrong claims with their actual mistake: the errata of
published tables (their printed forms, from the catalog) and the classic student mistakes on the
standard gradients of The Matrix Cookbook's tables. For each, `matref check` must refute the
claim, and the diagnosis must name the actual mistake; the figures: how many are named right
(target >= 90 %), how many named wrong (target 0), how many left unnamed, and the time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import yaml

import matref
from matref.engine.diagnose import Claim, diagnose
from matref.faces.api import _as_assumptions, _as_shapes
from matref.kinds import KINDS

HERE = Path(__file__).resolve().parent


def cases() -> list[tuple[str, Claim, list[str]]]:
    data = yaml.safe_load((HERE / "diagnosis_cases.yaml").read_text())
    out = []
    for ident_id, mistake in data["errata"].items():
        ident = matref.get(ident_id)
        st, syms = ident.statement, ident.spec.symbols
        role = KINDS[ident.kind].claim
        claim = Claim(st.get("f"), ident.wrt, ident.kind, st[role], {s.name: list(s.assume) for s in syms if s.assume},
                      {s.name: s.shape for s in syms if s.shape}, lhs=st.get("lhs"))
        out.append((ident_id, claim, [mistake]))
    for k, case in enumerate(data["cases"]):
        kind = next(kd.name for kd in KINDS.values() if kd.claim in case and kd.has_variable)
        claim = Claim(case["f"], case["wrt"], kind, case[KINDS[kind].claim], _as_assumptions(case.get("assume")),
                      _as_shapes(case.get("shapes")))
        mistakes = case["mistake"] if isinstance(case["mistake"], list) else [case["mistake"]]
        out.append((f"case {k + 1}: {case['f']} -> {case[KINDS[kind].claim]}", claim, mistakes))
    return out


def main() -> int:
    rows = []
    start = time.perf_counter()
    for label, claim, expected in cases():
        t = time.perf_counter()
        claim._build()  # a claim that does not type-check is refused before any proof (exit 2), not refuted
        refuted = not claim.holds()
        d = diagnose(claim) if refuted else None
        rows.append((label, expected, refuted, d, time.perf_counter() - t))
    total = time.perf_counter() - start
    right = [r for r in rows if r[3] is not None and r[3].name in r[1]]
    wrong = [r for r in rows if r[3] is not None and r[3].name not in r[1]]
    unnamed = [r for r in rows if r[3] is None]
    not_refuted = [r for r in rows if not r[2]]
    n = len(rows)
    print(f"{n} wrong claims ({len(rows) - len([r for r in rows if r[0].startswith('case')])} errata of published "
          f"tables, the rest classic mistakes on the Cookbook's standard gradients), in {total:.1f} s "
          f"(median {sorted(r[4] for r in rows)[n // 2] * 1000:.0f} ms each)")
    print(f"  named the actual mistake: {len(right)} ({100 * len(right) / n:.0f} %; target >= 90 %)")
    print(f"  named a wrong one:        {len(wrong)} (target 0)")
    print(f"  named none:               {len(unnamed)}")
    print(f"  claims not refuted:       {len(not_refuted)} (each must be refuted first)")
    for label, expected, refuted, d, _ in wrong + unnamed:
        print(f"  {'WRONG' if d else 'none '} {label}: expected {' or '.join(expected)}"
              + (f", named {d.name} ({d.message[:90]})" if d else ("" if refuted else " (NOT REFUTED)")))
    by = {}
    for r in right:
        by[r[3].name] = by.get(r[3].name, 0) + 1
    print("named right, by mistake: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items(), key=lambda kv: -kv[1])))
    ok = not wrong and not not_refuted and len(right) >= 0.9 * n
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
