"""Hostile and careless input, with the exit status each must end in (0 holds, 1 refuted, 2 bad
input or refused, 3 undecided; never 4, an internal error, and never a traceback or a hang).

Each entry is ``(id, argv, expected exit statuses, what must be said)``. ``argv`` goes to
``matref.faces.cli.main`` in-process; a ``{catalog: ...}`` entry instead writes a catalog file first
(see :func:`run`). Used by ``tests/test_hostile.py`` and by ``tools/hostile_report.py``, which
prints the table with times.
"""

from __future__ import annotations

import contextlib
import io
import os
import resource
import signal
import time
from pathlib import Path

HANG_SECONDS = 120  # a hang guard, not a speed target (speeds live in `make bench`)
MEMORY_HEADROOM = 3 * 1024 ** 3  # address space a request may add (the limits allow ~1 GB)


def check(lhs, rhs="X", *extra):
    return ["check", "--lhs", lhs, "--rhs", rhs, "--seed", "1", *extra]


DEEP = "(" * 100_000 + "X" + ")" * 100_000
KRON8 = "kron(X, kron(X, kron(X, kron(X, kron(X, kron(X, kron(X, X)))))))"
HOSTILE = [
    # -- code injection and the parts of Python outside the language
    ("import", check("__import__('os').system('echo pwned')"), {2}, "only the functions of the language"),
    ("dunder attribute", check("X.__class__.__base__"), {2}, "attribute"),
    ("dunder name", check("__builtins__"), {2}, "not a valid symbol name"),
    ("lambda", check("(lambda: X)()"), {2}, "only the functions of the language"),
    ("comprehension", check("[X for X in X]"), {2}, "comprehension"),
    ("f-string", check("f'{X}'"), {2}, "string"),
    ("walrus", check("(Y := X)"), {2}, "assignment"),
    ("subscript", check("X[0]"), {2}, "indexing"),
    ("keyword argument", check("inv(X, out=X)"), {2}, "keyword"),
    ("string constant", check("'X'"), {2}, "real numbers"),
    ("complex constant", check("X * 1j"), {2}, "real numbers"),
    ("statement", check("X; import os"), {2}, "column"),
    # -- size of the input itself
    ("nesting 1e5", check(DEEP), {2}, "longer than"),
    ("nesting 1000 in 2000 chars", check("-" * 1000 + "X"), {2}, "nested"),
    ("megabyte expression", check("X + " * 250_000 + "X"), {2}, "longer than"),
    ("NUL byte", check("X\x00"), {2}, "not allowed"),
    ("terminal escape", check("X\x1b[2J"), {2}, "\\x1b"),
    ("unicode look-alike", check("\u03a7"), {2}, "not allowed"),  # Greek capital chi
    ("fullwidth plus", check("X\uff0bX"), {2}, "not allowed"),
    ("huge exponent", check("X ** 1000000"), {2}, "exponent"),
    ("huge float literal", check("1e999 * X"), {2}, "too large"),
    ("401-digit literal", check("1" * 401 + " * X"), {2}, "too large"),
    ("syntax warning", check("1if X else X"), {2}, "conditional"),
    ("empty", check(" "), {2}, "empty"),
    # -- sizes, trials, work
    ("100000x100000", check("X", "X", "--shape", "X=100000x100000"), {2}, "over the limit"),
    ("5000x5000", check("X", "X", "--shape", "X=5000x5000"), {2}, "over the limit"),
    ("trials 1e9 (check)", check("X", "X", "--trials", "1000000000"), {2}, "at most"),
    ("trials 1e9 (verify)", ["verify", "trace.grad_axb", "--trials", "1000000000"], {2}, "at most"),
    ("verify all at 10000 trials", ["verify", "--trials", "10000"], {2}, "per command"),
    ("negative seed", ["check", "--lhs", "X", "--rhs", "X", "--seed", "-5"], {2}, "seed"),
    ("huge seed", ["check", "--lhs", "X", "--rhs", "X", "--seed", str(2 ** 70)], {2}, "seed"),
    ("nested kron x8", check(KRON8, KRON8), {0}, "holds"),
    ("commutation of kron^3", check("commutation(kron(X, kron(X, X)))", "commutation(kron(X, kron(X, X)))"), {0}, ""),
    ("kron of 20 factors", check("kron(" * 19 + "X" + ", X)" * 19, "kron(" * 19 + "X" + ", X)" * 19), {0, 2}, ""),
    ("vector of 20000", ["check", "--f", "x.T @ x", "--wrt", "x", "--grad", "2 * x", "--shape", "x=20000x1",
                         "--seed", "1"], {0}, "holds"),
    ("dense jacobian n=256", ["check", "--f", "vec(A @ X @ B)", "--wrt", "X", "--jacobian", "kron(B.T, A)",
                              "--shape", "A=256x256", "--shape", "B=256x256", "--shape", "X=256x256",
                              "--seed", "1", "--trials", "3"], {0}, "holds"),
    ("dense jacobian n=1024", ["check", "--f", "vec(A @ X @ B)", "--wrt", "X", "--jacobian", "kron(B.T, A)",
                               "--shape", "A=1024x1024", "--shape", "B=1024x1024", "--shape", "X=1024x1024",
                               "--seed", "1"], {2}, "over the limit"),
    ("max-entries 0", check("X", "X", "--max-entries", "0"), {2}, "positive"),
    ("max-work nan", check("X", "X", "--max-work", "nan"), {2}, "positive"),
    # -- numbers at the edge
    ("overflowing self-equality", check("exp(exp(exp(exp(X))))", "exp(exp(exp(exp(X))))"), {0, 3}, ""),
    ("log of a negative only", check("log(-(X * X) - 1)", "log(-(X * X) - 1)"), {3}, "domain"),
    ("divide by zero", check("X / (X - X)", "X / (X - X)"), {3}, "domain"),
    # -- careless use of the command line
    ("shape twice", check("X", "X", "--shape", "X=3x3", "--shape", "X=4x4"), {2}, "given twice"),
    ("id outside family", ["verify", "trace.grad_axb", "--family", "linear"], {2}, "not linear"),
    ("unknown id", ["verify", "no.such_identity"], {2}, "unknown identity"),
    ("dX in f", ["check", "--f", "tr(dX @ X)", "--wrt", "X", "--differential", "tr(dX @ X)"], {2}, "direction"),
    ("unknown option", check("X", "X", "--bogus", "\x1b[2J"), {2}, "\\x1b"),
    ("bad shape text", check("X", "X", "--shape", "X=3y3"), {2}, "shape"),
    ("zero size", check("X", "X", "--shape", "X=0x3"), {2}, "at least 1"),
    ("100 kB identity id", ["show", "a" * 100_000], {2}, "more characters"),
    ("100 kB shape", check("X", "X", "--shape", "X=" + "a" * 100_000), {2}, "more characters"),
    ("json passing check", check("X", "X", "--json"), {0}, '"margin": "inf"'),
    # -- catalog files a contributor might send (written to a directory, loaded with MATREF_CATALOG)
    ("yaml alias bomb", {"catalog": "title: t\nintro: &a [x, x, x, x, x, x, x, x, x]\n"
                         + "".join(f"k{i}: &a{i} [*{'a' if i == 0 else f'a{i - 1}'}, *{'a' if i == 0 else f'a{i - 1}'}]\n"
                                   for i in range(30))}, {2}, "aliases"),
    ("yaml python tag", {"catalog": "title: !!python/object/apply:os.system ['echo pwned']\n"}, {2}, "python"),
    ("yaml 1e5 brackets", {"catalog": "[" * 100_000}, {2}, "nest"),
    ("yaml nan", {"catalog": "title: t\nidentities:\n- id: f.x\n  value: .nan\n"}, {2}, "f.x"),
    ("yaml non-utf8", {"catalog": b"title: t\nidentities:\n- id: f.y\n  title: caf\xe9\n"}, {2}, "f.y"),
    ("yaml /dev/zero", {"catalog": Path("/dev/zero")}, {2}, "regular file"),
    ("yaml unclosed quote", {"catalog": 'title: t\nidentities:\n- id: f.z\n  title: "oops\n'
                             + "".join(f"- id: f.w{i}\n  title: w\n" for i in range(400))}, {2}, ":4: f.z"),
    ("yaml huge file", {"catalog": "title: t\n" + "# " + "x" * 2_000_000 + "\n"}, {2}, "larger than"),
]


@contextlib.contextmanager
def guarded(seconds: int = HANG_SECONDS):
    """Fail (instead of hanging or exhausting the machine) past ``seconds`` or MEMORY_HEADROOM."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as fh:
            used = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = used + MEMORY_HEADROOM
        if hard == resource.RLIM_INFINITY or cap < hard:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (OSError, ValueError):
        pass
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run(argv, tmp: Path) -> tuple[int, str, float]:
    """Run one entry in-process: its exit status, everything printed, and the seconds taken."""
    from matref.faces.cli import main

    env = {}
    if isinstance(argv, dict):
        path = tmp / "fam.yaml"
        payload = argv["catalog"]
        if isinstance(payload, Path):
            path.symlink_to(payload)
        elif isinstance(payload, bytes):
            path.write_bytes(payload)
        else:
            path.write_text(payload)
        env["MATREF_CATALOG"] = str(tmp)
        argv = ["list"]
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    start = time.perf_counter()
    try:
        with guarded(), contextlib.redirect_stderr(err):
            code = main(list(argv), out=out)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return code, out.getvalue() + err.getvalue(), time.perf_counter() - start
