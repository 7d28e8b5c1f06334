"""matref derive on every expression of the catalog and each of its symbols: `make stress-derive`.

Every f, lhs and rhs of the catalog (no side conditions, evaluated values or sampling specs), with
each of its symbols as the variable, the default kind (gradient or differential) and the
Jacobian: how many are derived and proved, how many refused (and why, grouped), and how many
derived results were refuted by their own proof or crashed (each a bug; the target is 0). About
1,400 requests, a minute and a half on 2 cores.
"""

from __future__ import annotations

import collections
import time

import matref
from matref.expr.nodes import symbols
from matref.expr.parse import parse


def main() -> int:
    outcome: collections.Counter = collections.Counter()
    reasons: collections.Counter = collections.Counter()
    bugs = []
    seen = set()
    start = time.perf_counter()
    for ident in matref.catalog():
        syms = ident.spec.symbols
        if ident.conditions or any(s.value is not None or s.sample for s in syms):
            continue
        assume = {s.name: list(s.assume) for s in syms if s.assume}
        shapes = {s.name: s.shape for s in syms if s.shape}
        for role in ("f", "lhs", "rhs"):
            text = ident.statement.get(role)
            if not isinstance(text, str):
                continue
            for wrt in symbols(parse(text)):
                if (text, wrt) in seen:
                    continue
                seen.add((text, wrt))
                for kind in (None, "jacobian"):
                    try:
                        matref.derive(text, wrt, assume=assume, shapes=shapes, seed=1, trials=3, kind=kind)
                        outcome["derived and proved"] += 1
                    except matref.MatrefError as e:
                        first = str(e).splitlines()[0]
                        if "bug in matref" in first:
                            outcome["BUG: refuted by its own proof"] += 1
                            bugs.append((ident.id, text, wrt, kind, first[:160]))
                        else:
                            outcome["refused"] += 1
                            reasons[first.split(":")[0][:60] if "rule" not in first else first[first.index("no rule"):][:60]] += 1
                    except Exception as e:  # noqa: BLE001 (counted and listed: a crash is a bug)
                        outcome["BUG: crashed"] += 1
                        bugs.append((ident.id, text, wrt, kind, f"{type(e).__name__}: {e}"[:160]))
    total = sum(outcome.values())
    print(f"{total} requests ({len(seen)} expression-variable pairs x 2 kinds) in {time.perf_counter() - start:.0f} s")
    for what, n in outcome.most_common():
        print(f"  {n:5}  {what}")
    print("refused, by reason:")
    for why, n in reasons.most_common(12):
        print(f"  {n:5}  {why}")
    for b in bugs:
        print("  BUG", *b)
    return 1 if bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())
