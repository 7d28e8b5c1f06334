"""Start-up costs: `import matref`, `matref.catalog()`, and the `matref list` / `matref show` commands.

    python benchmarks/bench_load.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

CODE = ("import time; t0 = time.perf_counter(); import matref; t1 = time.perf_counter(); matref.catalog(); "
        "t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")


def main():
    imports, loads = [], []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.split()
        imports.append(float(out[0]))
        loads.append(float(out[1]))
    print(f"import matref: {statistics.median(imports):.3f} s; matref.catalog(): {statistics.median(loads):.3f} s "
          "(median of 5 fresh processes)")
    for argv in (["list"], ["show", "trace.grad_axb"]):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "matref", *argv], capture_output=True, check=True)
            times.append(time.perf_counter() - t0)
        print(f"matref {' '.join(argv)}: {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main()
