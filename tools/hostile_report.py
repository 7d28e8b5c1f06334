"""Print the hostile-input table (tests/hostile_inputs.py) with exit statuses and times.
Usage: python tools/hostile_report.py"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hostile_inputs import HOSTILE, run  # noqa: E402


def main() -> int:
    bad = 0
    print(f"{'input':<32} {'exit':>4} {'seconds':>8}  first line of the answer")
    for name, argv, codes, words in HOSTILE:
        with tempfile.TemporaryDirectory() as tmp:
            code, text, seconds = run(argv, Path(tmp))
        ok = code in codes and words in text and "Traceback" not in text
        bad += not ok
        first = text.strip().splitlines()[0] if text.strip() else ""
        print(f"{name:<32} {code:>4} {seconds:>8.2f}  {'' if ok else 'UNEXPECTED '}{first[:110]}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
