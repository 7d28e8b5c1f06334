"""The handbook as a reader gets it, in figures: `make bench-book` (after `make book`).

For every page at 1280, 1920 and 400 px in headless Chromium, served over HTTP on 127.0.0.1:
formulas, formulas clipped (must be 0), formulas that scroll inside their own box, whether the
page scrolls sideways, height and px per identity (family pages), first contentful paint and the
load event. Then the quick reference's load time, the median of five loads (target: <= 1 s), and
the catalog-wide px per identity (target: <= 450 at 1280 px).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_probe as probe  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--html", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args(argv)
    html = Path(args.html)
    server = probe.Server(html)
    rows = []
    try:
        with probe.browser() as b:
            print(f"{'page':38} {'px':>5} {'math':>5} {'clip':>4} {'scroll':>6} {'wide':>4} "
                  f"{'px/id':>6} {'paint':>6} {'load':>6}")
            for page in probe.pages(html):
                for width in probe.WIDTHS:
                    m = probe.measure(b, f"{server.base}/{page}", page, width)
                    rows.append(m)
                    per = f"{m.px_per_entry:.0f}" if m.px_per_entry else "-"
                    print(f"{page:38} {width:5} {m.formulas:5} {len(m.clipped):4} {len(m.scrolls):6} "
                          f"{'yes' if m.page_scroll else 'no':>4} {per:>6} {m.first_paint_ms or 0:6.0f} "
                          f"{m.load_ms or 0:6.0f}")
            quick = f"{server.base}/identities/quick-reference.html"
            loads = [probe.measure(b, quick, "quick", 1280).load_ms for _ in range(5)]
    finally:
        server.close()
    family = [m for m in rows if m.width == 1280 and m.page in probe.family_pages(html)]
    entries = sum(m.entries for m in family)
    per_identity = sum(m.height for m in family) / entries
    summary = {
        "quick_reference_load_ms_median": statistics.median(loads),
        "px_per_identity_1280": per_identity,
        "identities_measured": entries,
        "clipped": sum(len(m.clipped) for m in rows),
        "scrolling_in_box": {w: sum(len(m.scrolls) for m in rows if m.width == w) for w in probe.WIDTHS},
        "pages_scrolling_sideways": [f"{m.page}@{m.width}" for m in rows if m.page_scroll],
        "katex_errors": sum(m.errors for m in rows),
    }
    print()
    print(f"quick reference, load event (median of 5 at 1280 px): {summary['quick_reference_load_ms_median']:.0f} ms"
          f" (target <= 1000)")
    print(f"family pages at 1280 px: {per_identity:.0f} px per identity over {entries} identities (target <= 450)")
    print(f"formulas clipped: {summary['clipped']}; scrolling inside their box: {summary['scrolling_in_box']}")
    print(f"pages scrolling sideways: {summary['pages_scrolling_sideways'] or 'none'}")
    if args.json:
        Path(args.json).write_text(json.dumps({"pages": [m.__dict__ for m in rows], "summary": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
