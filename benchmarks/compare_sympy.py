"""matref derive beside SymPy's ``MatrixSymbol.diff``, on the catalog's gradients: `make compare-sympy`.

SymPy is a peer here, never matref's engine: each catalog function is converted from matref's own
parsed nodes to SymPy matrix expressions (no string is given to SymPy), at the sizes of a random
instance inside the entry's domain. SymPy's derivative is then evaluated at that instance and
compared with the catalog's proved gradient; matref's comes from ``matref.derive`` (proved before
it is returned). Each answer is right, wrong, unevaluated (a ``Derivative`` left in it), an
error, or, for SymPy, not expressible (an elementwise function of a matrix has no SymPy matrix
expression). Gradients of symmetric or diagonal variables are left out: SymPy's MatrixSymbol has
no structure to differentiate on.
"""

from __future__ import annotations

import collections
import sys
import warnings
from functools import singledispatch
from pathlib import Path

import numpy as np
import sympy as sp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_derive import catalog_case  # noqa: E402

import matref  # noqa: E402
from matref.engine.verify import draw_in_domain  # noqa: E402
from matref.expr import nodes as N  # noqa: E402


class NotExpressible(Exception):
    pass


def to_sympy(node: N.Node, shapes: dict) -> object:
    return _sp(node, shapes)


@singledispatch
def _sp(node, shapes):
    raise NotExpressible(type(node).__name__)


@_sp.register
def _(n: N.Symbol, shapes):
    r, c = shapes[n.name]
    return sp.MatrixSymbol(n.name, r, c)


@_sp.register
def _(n: N.Number, shapes):
    return sp.nsimplify(n.value)


@_sp.register
def _(n: N.Neg, shapes):
    return -_sp(n.arg, shapes)


@_sp.register
def _(n: N.Add, shapes):
    return _sp(n.left, shapes) + _sp(n.right, shapes)


@_sp.register
def _(n: N.Sub, shapes):
    return _sp(n.left, shapes) - _sp(n.right, shapes)


def _is_number(x) -> bool:
    return not isinstance(x, sp.MatrixExpr)


@_sp.register
def _(n: N.Mul, shapes):
    a, b = _sp(n.left, shapes), _sp(n.right, shapes)
    if _is_number(a) or _is_number(b):
        return a * b
    if a.shape == (1, 1) or b.shape == (1, 1):
        raise NotExpressible("1x1 matrix times a matrix")
    return sp.HadamardProduct(a, b)


@_sp.register
def _(n: N.Div, shapes):
    a, b = _sp(n.left, shapes), _sp(n.right, shapes)
    if _is_number(b):
        return a / b
    raise NotExpressible("division by a matrix")


@_sp.register
def _(n: N.MatMul, shapes):
    return _sp(n.left, shapes) * _sp(n.right, shapes)


@_sp.register
def _(n: N.Pow, shapes):
    base = _sp(n.base, shapes)
    if _is_number(base):
        return base ** sp.nsimplify(n.exponent)
    return sp.HadamardPower(base, sp.nsimplify(n.exponent))


@_sp.register
def _(n: N.Transpose, shapes):
    return _sp(n.arg, shapes).T


CALLS = {
    "tr": lambda a: sp.Trace(a),
    "det": lambda a: sp.Determinant(a),
    "logdet": lambda a: sp.log(sp.Determinant(a)),
    "inv": lambda a: sp.Inverse(a),
    "kron": lambda a, b: sp.KroneckerProduct(a, b),
    "norm": lambda a: sp.sqrt(sp.Trace(a.T * a)),
    "sum": lambda a: (sp.OneMatrix(1, a.shape[0]) * a * sp.OneMatrix(a.shape[1], 1)),
}


@_sp.register
def _(n: N.Call, shapes):
    if n.func == "mpow":
        return sp.MatPow(_sp(n.args[0], shapes), n.params[0])
    if n.func not in CALLS:
        raise NotExpressible(n.func)
    return CALLS[n.func](*(_sp(a, shapes) for a in n.args))


def evaluate(expr, values: dict) -> np.ndarray:
    """SymPy's answer at the instance, as a 2-D float array (ZeroMatrix and Identity made explicit)."""
    subs = {sp.MatrixSymbol(k, *v.shape): sp.ImmutableMatrix(v) for k, v in values.items()}
    out = expr.xreplace(subs).doit()
    if hasattr(out, "as_explicit") and not isinstance(out, sp.MatrixBase):
        out = out.as_explicit()
    if isinstance(out, sp.MatrixBase):
        return np.array(out.evalf().tolist(), dtype=float)
    if isinstance(out, sp.NDimArray):
        arr = np.array(out.tolist(), dtype=float)
        return arr.reshape(arr.shape[0], -1) if arr.ndim != 2 else arr
    return np.array([[float(out)]])


def main() -> int:
    warnings.simplefilter("ignore")  # SymPy's deprecation notices about its own internals
    rng = np.random.default_rng(2026)
    verdicts = {"matref": collections.Counter(), "sympy": collections.Counter()}
    examples = []
    for ident in matref.catalog():
        if ident.kind != "gradient" or ident.status != "proved" or not catalog_case(ident):
            continue
        f, wrt, assume, shapes = catalog_case(ident)
        if any(set(p) & {"symmetric", "spd", "diagonal"} for p in ident.assumptions.values()):
            continue
        drawn = draw_in_domain(ident, rng)
        if drawn is None:
            continue
        values = {k: np.asarray(v, dtype=float) for k, v in drawn[0].items()}
        truth = np.asarray(ident.numpy["grad"](**values), dtype=float)
        try:
            expr = to_sympy(ident.typed["f"].node, {k: v.shape for k, v in values.items()})
        except Exception:  # noqa: BLE001 - compared only where SymPy can state the function
            continue
        verdicts["matref"][matref_verdict(f, wrt, assume, shapes)] += 1
        try:
            d = expr.diff(sp.MatrixSymbol(wrt, *values[wrt].shape))
        except Exception as e:  # noqa: BLE001 - SymPy's own failures are a verdict here
            verdict, d = "error", f"{type(e).__name__}: {str(e)[:60]}"
        else:
            if d.has(sp.Derivative):
                verdict = "unevaluated"
            else:
                try:
                    got = evaluate(d, values)
                except Exception as e:  # noqa: BLE001 - an answer that cannot be evaluated
                    verdict, d = "unevaluated", f"{d} (cannot be evaluated: {type(e).__name__})"
                else:
                    if got.size == truth.size and got.shape != truth.shape:
                        got = got.reshape(truth.shape, order="F")  # a vector answer given as a row or array
                    scale = max(1.0, float(np.abs(truth).max()))
                    ok = got.shape == truth.shape and np.allclose(got, truth, rtol=1e-7, atol=1e-9 * scale)
                    verdict = "right" if ok else "wrong"
        verdicts["sympy"][verdict] += 1
        if verdict != "right":
            examples.append((ident.id, f, verdict, str(d)[:90]))
    total = sum(verdicts["sympy"].values())
    print(f"{total} catalog gradients that SymPy can state (MatrixSymbol algebra), same random instance each\n")
    print(f"{'':8} {'right':>6} {'wrong':>6} {'unevaluated':>12} {'error':>6} {'no rule':>8}")
    for who in ("matref", "sympy"):
        c = verdicts[who]
        print(f"{who:8} {c['right']:6} {c['wrong']:6} {c['unevaluated']:12} {c['error']:6} {c['no rule']:8}")
    print("\nSymPy's misses:")
    for ident, f, verdict, d in examples:
        print(f"  {verdict:12} {ident:42} {f:32} -> {d}")
    return 0


def matref_verdict(f, wrt, assume, shapes) -> str:
    try:
        d = matref.derive(f, wrt, assume=assume, shapes=shapes, seed=1, trials=3)
    except matref.calculus.reverse.NotDifferentiable:
        return "no rule"
    except matref.MatrefError:
        return "error"
    return "right" if d.report.ok else "wrong"


if __name__ == "__main__":
    raise SystemExit(main())
