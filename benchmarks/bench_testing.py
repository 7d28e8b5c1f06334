"""matref.testing against the floor and against torch.autograd.gradcheck and jax check_grads.

Floor = one evaluation of f plus one of the claimed gradient (numpy). Every ratio is measured in
this run, best of several repetitions, one BLAS thread. Detection: the wrong variants of a
gradient (dropped transpose, swapped order, sign, factor 2) and of a Jacobian (Kronecker factors
swapped) at scales 1e-6, 1, 1e6 of f; each checker's verdict on each.

    python benchmarks/bench_testing.py [--sizes 4 16 64 128 256 512] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from matref.testing import check_gradient, check_jacobian  # noqa: E402

SCALES = (1e-6, 1.0, 1e6)
VARIANTS = ("dropped transpose", "swapped order", "sign", "factor 2")


def problem(n, seed=0):
    rng = np.random.default_rng(seed)
    A, B, X = (rng.standard_normal((n, n)) for _ in range(3))
    return A, B, X


def grads(A, B):
    return {
        "true": lambda X: A.T @ X @ B.T + A @ X @ B,
        "dropped transpose": lambda X: A @ X @ B.T + A @ X @ B,
        "swapped order": lambda X: A.T @ X @ B.T + B @ X @ A,
        "sign": lambda X: -(A.T @ X @ B.T + A @ X @ B),
        "factor 2": lambda X: 2 * (A.T @ X @ B.T + A @ X @ B),
    }


def best(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def repeats(n):
    # microsecond timings need many repetitions for a stable best; large ones are stable already
    return 300 if n <= 16 else (30 if n <= 64 else (7 if n <= 256 else 3))


def matref_row(n):
    A, B, X = problem(n)
    f = lambda X: np.trace(A @ X @ B @ X.T)
    g = grads(A, B)["true"]
    r = repeats(n)
    floor = best(lambda: f(X), r) + best(lambda: g(X), r)
    check = best(lambda: check_gradient(f, g, [X], seed=1), r)
    tracemalloc.start()
    f(X), g(X)
    floor_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    check_gradient(f, g, [X], seed=1)
    check_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return floor, check, floor_peak, check_peak


def matref_detection(n):
    A, B, X = problem(n)
    out = {}
    for s in SCALES:
        f = lambda X, s=s: s * np.trace(A @ X @ B @ X.T)
        for name, g in grads(A, B).items():
            out[(s, name)] = check_gradient(f, lambda X, g=g, s=s: s * g(X), [X], seed=1).verdict
        F = lambda X, s=s: s * (A @ X @ B)
        out[(s, "true kron")] = check_jacobian(F, lambda X, V, s=s: s * (A @ V @ B), [X], seed=1).verdict
        out[(s, "kron swap")] = check_jacobian(F, lambda X, V, s=s: s * (B.T @ V @ A.T), [X], seed=1).verdict
    return out


# -- torch ----------------------------------------------------------------------------------------------
def torch_functions(torch, A, B, scale, variant):
    At, Bt = torch.tensor(A), torch.tensor(B)
    g = grads(At, Bt)[variant]

    class Quad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X):
            ctx.save_for_backward(X)
            return scale * torch.trace(At @ X @ Bt @ X.T)

        @staticmethod
        def backward(ctx, go):
            (X,) = ctx.saved_tensors
            return go * scale * g(X)

    return Quad.apply


def torch_kron(torch, A, B, scale, swapped):
    At, Bt = torch.tensor(A), torch.tensor(B)

    class Lin(torch.autograd.Function):
        @staticmethod
        def forward(ctx, X):
            return scale * (At @ X @ Bt)

        @staticmethod
        def backward(ctx, U):
            return scale * (Bt @ U @ At if swapped else At.T @ U @ Bt.T)

    return Lin.apply


def torch_rows(torch, n, default_max):
    A, B, X = problem(n)
    Xt = torch.tensor(X, requires_grad=True)
    fn = torch_functions(torch, A, B, 1.0, "true")
    r = max(1, min(repeats(n), 30) // 3)
    fast = best(lambda: torch.autograd.gradcheck(fn, (Xt,), fast_mode=True, raise_exception=False), r)
    slow = (best(lambda: torch.autograd.gradcheck(fn, (Xt,), raise_exception=False), 1) if n <= default_max else None)
    return fast, slow


def torch_detection(torch, n, default_max):
    A, B, X = problem(n)
    Xt = torch.tensor(X, requires_grad=True)
    out = {}
    for s in SCALES:
        for name in ("true",) + VARIANTS:
            fn = torch_functions(torch, A, B, s, name)
            out[("fast", s, name)] = torch.autograd.gradcheck(fn, (Xt,), fast_mode=True, raise_exception=False)
            if n <= default_max:
                out[("default", s, name)] = torch.autograd.gradcheck(fn, (Xt,), raise_exception=False)
        for name, swapped in (("true kron", False), ("kron swap", True)):
            fn = torch_kron(torch, A, B, s, swapped)
            out[("fast", s, name)] = torch.autograd.gradcheck(fn, (Xt,), fast_mode=True, raise_exception=False)
            if n <= default_max:
                out[("default", s, name)] = torch.autograd.gradcheck(fn, (Xt,), raise_exception=False)
    return out


# -- jax ------------------------------------------------------------------------------------------------
def jax_function(jax, A, B, scale, variant):
    jnp = jax.numpy
    Aj, Bj = jnp.asarray(A), jnp.asarray(B)
    g = grads(Aj, Bj)[variant]

    @jax.custom_vjp
    def f(X):
        return scale * jnp.trace(Aj @ X @ Bj @ X.T)

    f.defvjp(lambda X: (f(X), X), lambda X, go: (go * scale * g(X),))
    return jax.jit(f)


def jax_row(jax, n):
    from jax.test_util import check_grads

    A, B, X = problem(n)
    f = jax_function(jax, A, B, 1.0, "true")
    Xj = jax.numpy.asarray(X)

    def run():
        check_grads(f, (Xj,), order=1, modes=("rev",))

    return best(run, max(1, min(repeats(n), 30) // 3))


def jax_detection(jax, n):
    from jax.test_util import check_grads

    A, B, X = problem(n)
    Xj = jax.numpy.asarray(X)
    out = {}
    for s in SCALES:
        for name in ("true",) + VARIANTS:
            try:
                check_grads(jax_function(jax, A, B, s, name), (Xj,), order=1, modes=("rev",))
                out[(s, name)] = True
            except AssertionError:
                out[(s, name)] = False
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 16, 64, 128, 256, 512])
    ap.add_argument("--default-max", type=int, default=64, help="largest n for gradcheck's default (dense) mode")
    ap.add_argument("--torch-detect-max", type=int, default=128,
                    help="largest n for gradcheck on wrong claims: on a failure its fast mode runs the slow "
                         "mode to build its message (a dense (n^2) x (n^2) Jacobian: 34 GB at n = 256)")
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        jax = None

    print("## Cost of a gradient check of f(X) = tr(A X B X^T), true claim (best of several runs)\n")
    head = "| n | floor (f + grad) | matref | matref / floor | peak memory / floor's |"
    sep = "| --: | --: | --: | --: | --: |"
    if torch:
        head += " gradcheck fast | matref / fast | gradcheck default |"
        sep += " --: | --: | --: |"
    if jax:
        head += " jax check_grads (jit) | matref / jax |"
        sep += " --: | --: |"
    print(head)
    print(sep)
    for n in args.sizes:
        floor, check, fpeak, cpeak = matref_row(n)
        row = f"| {n} | {floor * 1e3:.3f} ms | {check * 1e3:.3f} ms | {check / floor:.1f} | {cpeak / max(fpeak, 1):.1f} |"
        if torch:
            fast, slow = torch_rows(torch, n, args.default_max)
            row += f" {fast * 1e3:.2f} ms | {check / fast:.2f} | {'%.1f ms' % (slow * 1e3) if slow else 'not run (> n = %d)' % args.default_max} |"
        if jax:
            jt = jax_row(jax, n)
            row += f" {jt * 1e3:.2f} ms | {check / jt:.2f} |"
        print(row, flush=True)

    print("\n## Detection: verdict on each claim, at each scale of f (wrong variants must fail; true must hold)\n")
    for n in args.sizes:
        det = matref_detection(n)
        tdet = torch_detection(torch, n, args.default_max) if torch and n <= args.torch_detect_max else {}
        jdet = jax_detection(jax, n) if jax and n <= 256 else {}
        print(f"n = {n}:\n")
        if torch and not tdet:
            print(f"(gradcheck not run on wrong claims at n = {n}: on a failure its fast mode computes the dense "
                  "Jacobian in slow mode for its message, which does not fit in memory here)\n")
        cols = ["claim", "scale", "matref"] + (["gradcheck fast", "gradcheck default"] if tdet else []) + (
            ["jax check_grads"] if jdet else [])
        print("| " + " | ".join(cols) + " |")
        print("| " + " | ".join(["--"] * len(cols)) + " |")
        caught = {"matref": 0, "fast": 0, "default": 0, "jax": 0}
        wrong_total = 0
        for s in SCALES:
            for name in ("true",) + VARIANTS + ("true kron", "kron swap"):
                wrong = not name.startswith("true")
                wrong_total += wrong
                v = det[(s, name)]
                caught["matref"] += wrong and v == "fails"
                row = [name, f"{s:g}", v]
                if tdet:
                    for mode in ("fast", "default"):
                        ok = tdet.get((mode, s, name))
                        row.append("—" if ok is None else ("passes" if ok else "rejects"))
                        caught[mode] += wrong and ok is False
                if jdet:
                    ok = jdet.get((s, name))
                    row.append("—" if ok is None else ("passes" if ok else "rejects"))
                    caught["jax"] += wrong and ok is False
                print("| " + " | ".join(row) + " |")
        print(f"\nwrong claims caught at n = {n}: matref {caught['matref']}/{wrong_total}"
              + (f", gradcheck fast {caught['fast']}/{wrong_total}, gradcheck default "
                 f"{caught['default'] if n <= args.default_max else 'not run'}/{wrong_total}" if tdet else "")
              + (f", jax check_grads {caught['jax']}/{4 * len(SCALES)} (no Kronecker rows)" if jdet else "") + "\n",
              flush=True)


if __name__ == "__main__":
    main()
