"""The differential of any expression, derived symbolically in forward mode.

``d f`` is written with ``dX`` (the differential of the variable X): ``d(A @ X @ B) = A @ dX @ B``,
``d inv(X) = -inv(X) @ dX @ inv(X)``. It has the shape of f and is linear in dX, so it is the
Jacobian's action, ``vec(d f) = J vec(dX)``, for functions of any shape. Each rule applied is a
step, written as a person writes a derivation with differentials.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch
from typing import Callable

from matref.calculus import build as B
from matref.calculus.reverse import CONSTANTS, NotDifferentiable
from matref.expr import nodes as N
from matref.expr.infer import Typed


@dataclass
class Pass:
    typed: Typed
    wrt: str
    steps: list[tuple[str, N.Node, N.Node]] = field(default_factory=list)  # (rule, node, d node)

    @property
    def dx(self) -> N.Symbol:
        return N.Symbol(f"d{self.wrt}")

    def scalar(self, node: N.Node) -> bool:
        return self.typed.is_scalar(node)

    def d(self, node: N.Node) -> N.Node | None:
        """The differential of ``node`` (None when it does not depend on the variable)."""
        if self.wrt not in N.symbols(node):
            return None
        return _d(node, self)

    def step(self, rule: str, node: N.Node, result: N.Node | None) -> N.Node | None:
        if result is not None and not isinstance(node, N.Symbol):
            self.steps.append((rule, node, result))
        return result


def differential(typed: Typed, wrt: str) -> tuple[N.Node, list[tuple[str, N.Node, N.Node]]]:
    """``d f`` written with ``d<wrt>``, and the steps (rule, node, its differential), innermost first.

    Raises
    ------
    NotDifferentiable
        For a function without a rule (the message names it).
    """
    p = Pass(typed, wrt)
    result = p.d(typed.node)
    return (result if result is not None else B.num(0)), p.steps


# -- nodes -----------------------------------------------------------------------------------------
@singledispatch
def _d(node: N.Node, p: Pass) -> N.Node | None:
    raise NotDifferentiable(f"no derivative rule for {type(node).__name__} ({node})")


@_d.register
def _(n: N.Symbol, p: Pass):
    return p.dx if n.name == p.wrt else None


@_d.register
def _(n: N.Neg, p: Pass):
    da = p.d(n.arg)
    return p.step("d(-A) = -dA", n, None if da is None else B.neg(da))


@_d.register
def _(n: N.Add, p: Pass):
    return p.step("sum rule", n, B.add(p.d(n.left), p.d(n.right)))


@_d.register
def _(n: N.Sub, p: Pass):
    da, db = p.d(n.left), p.d(n.right)
    if db is None:
        return p.step("sum rule", n, da)
    return p.step("sum rule", n, B.neg(db) if da is None else B.sub(da, db))


def _product(p: Pass, n: N.Node, make: Callable[[N.Node, N.Node], N.Node], rule: str):
    da, db = p.d(n.left), p.d(n.right)
    left = None if da is None else make(da, n.right)
    right = None if db is None else make(n.left, db)
    return p.step(rule, n, B.add(left, right))


@_d.register
def _(n: N.Mul, p: Pass):
    rule = "product rule" if p.scalar(n.left) or p.scalar(n.right) else "product rule (Hadamard)"
    return _product(p, n, B.mul, rule)


@_d.register
def _(n: N.MatMul, p: Pass):
    return _product(p, n, B.matmul, "product rule: d(AB) = dA B + A dB")


@_d.register
def _(n: N.Div, p: Pass):
    da, db = p.d(n.left), p.d(n.right)
    first = None if da is None else B.div(da, n.right)
    second = None if db is None else B.neg(B.div(B.mul(n.left, db), B.power(n.right, 2)))
    return p.step("quotient rule", n, B.add(first, second))


@_d.register
def _(n: N.Pow, p: Pass):
    da = p.d(n.base)
    if da is None or n.exponent == 0:
        return None
    return p.step("power rule (elementwise)", n,
                  B.mul(B.num(n.exponent), B.mul(B.power(n.base, n.exponent - 1), da)))


@_d.register
def _(n: N.Transpose, p: Pass):
    da = p.d(n.arg)
    return p.step("d(Aᵀ) = (dA)ᵀ", n, None if da is None else B.t(da))


@_d.register
def _(n: N.Call, p: Pass):
    if n.func in CONSTANTS:
        return None
    rule = CALLS.get(n.func)
    if rule is None:
        raise NotDifferentiable(f"{n.func}(...) in {n}: {NOT_YET[n.func]}")
    name, make = rule
    ds = [p.d(a) for a in n.args]
    if all(d is None for d in ds):
        return None
    return p.step(name, n, make(n, ds, p))


# -- functions: (rule, (call, differentials of the arguments, pass) -> d call) ----------------------
def _unary(name: str, make: Callable[[N.Node, N.Node, N.Node], N.Node]):
    return name, lambda n, ds, p: make(n.args[0], ds[0], n)


def _mpow(n: N.Call, ds, p: Pass):
    a, da, (k,) = n.args[0], ds[0], n.params
    total = None
    for i in range(k):
        left = B.call("mpow", a, params=(i,)) if i else B.I
        right = B.call("mpow", a, params=(k - 1 - i,)) if k - 1 - i else B.I
        total = B.add(total, B.matmul(B.matmul(left, da), right))
    return total


def _kron(n: N.Call, ds, p: Pass):
    (a, b), (da, db) = n.args, ds
    return B.add(None if da is None else B.call("kron", da, b), None if db is None else B.call("kron", a, db))


def _softmax(n: N.Call, ds, p: Pass):
    y, dx = n, ds[0]
    if not p.typed.scope.unifier.is_scalar((p.typed.shape_of(n.args[0])[1], 1)):
        # Column j: dy = y ∘ dx - y (yᵀ dx); the numbers yⱼᵀ dxⱼ are the diagonal of Yᵀ dX.
        return B.sub(B.mul(y, dx), B.matmul(y, B.call("diag", B.call("diag", B.matmul(B.t(y), dx)))))
    return B.sub(B.mul(y, dx), B.mul(y, B.matmul(B.t(y), dx)))


def _eigval(n: N.Call, ds, p: Pass):
    v = B.call("eigvec", n.args[0], params=n.params)
    return B.matmul(B.matmul(B.t(v), ds[0]), v)


def _pinv(n: N.Call, ds, p: Pass):
    """Golub and Pereyra (1973), for A of constant rank."""
    a, da, ap = n.args[0], ds[0], n
    first = B.neg(B.matmul(B.matmul(ap, da), ap))
    second = B.matmul(B.matmul(B.matmul(ap, B.t(ap)), B.t(da)), B.sub(B.I, B.matmul(a, ap)))
    third = B.matmul(B.matmul(B.sub(B.I, B.matmul(ap, a)), B.t(da)), B.matmul(B.t(ap), ap))
    return B.add(B.add(first, second), third)


def _eigvec(n: N.Call, ds, p: Pass):
    a, (i,) = n.args[0], n.params
    shifted = B.sub(B.mul(B.call("eigval", a, params=(i,)), B.I), a)
    return B.matmul(B.matmul(B.call("pinv", shifted), ds[0]), n)


def _second_frechet(name):
    def make(n: N.Call, ds, p: Pass):
        if ds[0] is not None:
            raise NotDifferentiable(f"{n}: the second Fréchet derivative of {name[1:]} has no rule "
                                    "(the point must not depend on the variable)")
        return B.call(name, n.args[0], ds[1])

    return make


def _sylvester(n: N.Call, ds, p: Pass):
    """A X + X B = C gives A dX + dX B = dC - dA X - X dB."""
    (a, b, _), (da, db, dc) = n.args, ds
    rhs = dc
    if da is not None:
        rhs = B.sub(rhs, B.matmul(da, n)) if rhs is not None else B.neg(B.matmul(da, n))
    if db is not None:
        rhs = B.sub(rhs, B.matmul(n, db)) if rhs is not None else B.neg(B.matmul(n, db))
    return B.call("sylvester", a, b, rhs)


def phi(m: N.Node) -> N.Node:
    """Φ(M): the lower triangle of M with its diagonal halved (the Cholesky derivative's projection)."""
    return B.sub(B.call("tril", m), B.div(B.call("diag", B.call("diag", m)), B.num(2)))


def _chol(n: N.Call, ds, p: Pass):
    linv = B.call("inv", n)
    return B.matmul(n, phi(B.matmul(B.matmul(linv, ds[0]), B.t(linv))))


def polar(a: N.Node) -> N.Node:
    """A (AᵀA)^(-1/2) = U Vᵀ for A of full column rank: the gradient of the nuclear norm."""
    return B.matmul(a, B.call("inv", B.call("sqrtm", B.matmul(B.t(a), a))))


def _sigma(n: N.Call, ds, p: Pass):
    u, v = B.call("lsv", n.args[0], params=n.params), B.call("rsv", n.args[0], params=n.params)
    return B.matmul(B.matmul(B.t(u), ds[0]), v)


def _flat(n: N.Call, ds, p: Pass):
    return None  # sign, step, hardmax: constant away from their jumps


def _block(n: N.Call, ds, p: Pass):
    # An argument that does not depend on the variable contributes a zero block of its shape.
    return B.call("block", *[d if d is not None else N.Mul(N.Number(0.0), N.Pow(a, 0)) for a, d in zip(n.args, ds)])


def _eigvalg(n: N.Call, ds, p: Pass):
    w, v = B.call("eigvecl", n.args[0], params=n.params), B.call("eigvecr", n.args[0], params=n.params)
    return B.div(B.matmul(B.matmul(B.t(w), ds[0]), v), B.matmul(B.t(w), v))


CALLS: dict[str, tuple[str, Callable]] = {
    "eigvalg": ("a simple eigenvalue, left and right eigenvectors w, v: d λᵢ = wᵢᵀ dA vᵢ / (wᵢᵀ vᵢ)", _eigvalg),
    "block": ("block is linear: d [[A, B], [C, D]] = [[dA, dB], [dC, dD]]", _block),
    "vech": _unary("vech is linear: d vech(A) = vech(dA)", lambda a, da, n: B.call("vech", da)),
    "expm": _unary("the Frechet derivative of the exponential: d e^A = L_exp(A, dA)",
                   lambda a, da, n: B.call("dexpm", a, da)),
    "logm": _unary("the Frechet derivative of the logarithm: d log A = L_log(A, dA)",
                   lambda a, da, n: B.call("dlogm", a, da)),
    "sqrtm": _unary("the square root S solves S S = A: S dS + dS S = dA", lambda a, da, n: B.call("sylvester", n, n, da)),
    "dexpm": ("L_exp(A, E) is linear in E", _second_frechet("dexpm")),
    "dlogm": ("L_log(A, E) is linear in E", _second_frechet("dlogm")),
    "sylvester": ("the Sylvester equation A X + X B = C: A dX + dX B = dC - dA X - X dB", _sylvester),
    "chol": ("Cholesky, with Phi the lower triangle with its diagonal halved: dL = L Phi(L⁻¹ dA L⁻ᵀ)", _chol),
    "tril": _unary("tril is linear: d tril(A) = tril(dA)", lambda a, da, n: B.call("tril", da)),
    "sigma": ("a simple nonzero singular value: d σᵢ = uᵢᵀ dA vᵢ", _sigma),
    "nucnorm": _unary("nuclear norm, A of full column rank: d ‖A‖_* = tr((A (AᵀA)^(-1/2))ᵀ dA)",
                      lambda a, da, n: B.call("tr", B.matmul(B.t(polar(a)), da))),
    "abs": _unary("away from 0: d|A| = sign(A) ∘ dA", lambda a, da, n: B.mul(B.call("sign", a), da)),
    "relu": _unary("away from 0: d relu(A) = H(A) ∘ dA", lambda a, da, n: B.mul(B.call("step", a), da)),
    "max": _unary("a unique largest entry: d max(A) = sum(hardmax(A) ∘ dA)",
                  lambda a, da, n: B.call("sum", B.mul(B.call("hardmax", a), da))),
    "sign": ("sign is constant away from 0", _flat),
    "step": ("H is constant away from 0", _flat),
    "hardmax": ("hardmax is constant away from ties", _flat),
    "tr": _unary("d tr(A) = tr(dA)", lambda a, da, n: B.call("tr", da)),
    "det": _unary("Jacobi's formula: d det(A) = det(A) tr(inv(A) dA)",
                  lambda a, da, n: B.mul(n, B.call("tr", B.matmul(B.call("inv", a), da)))),
    "logdet": _unary("d log|det A| = tr(inv(A) dA)", lambda a, da, n: B.call("tr", B.matmul(B.call("inv", a), da))),
    "inv": _unary("d inv(A) = -inv(A) dA inv(A)", lambda a, da, n: B.neg(B.matmul(B.matmul(n, da), n))),
    "sum": _unary("d sum(A) = sum(dA)", lambda a, da, n: B.call("sum", da)),
    "norm": _unary("d ‖A‖ = sum(A ∘ dA) / ‖A‖", lambda a, da, n: B.div(B.call("sum", B.mul(a, da)), n)),
    "logsumexp": _unary("d LSE(A) = sum(exp(A) ∘ dA) / sum(exp(A))",
                        lambda a, da, n: B.div(B.call("sum", B.mul(B.call("exp", a), da)), B.call("sum", B.call("exp", a)))),
    "exp": _unary("d exp(A) = exp(A) ∘ dA", lambda a, da, n: B.mul(n, da)),
    "log": _unary("d log(A) = dA ⊘ A", lambda a, da, n: B.div(da, a)),
    "sin": _unary("d sin(A) = cos(A) ∘ dA", lambda a, da, n: B.mul(B.call("cos", a), da)),
    "cos": _unary("d cos(A) = -sin(A) ∘ dA", lambda a, da, n: B.neg(B.mul(B.call("sin", a), da))),
    "tanh": _unary("d tanh(A) = (1 - tanh(A)²) ∘ dA", lambda a, da, n: B.mul(B.sub(B.ONE, B.power(n, 2)), da)),
    "sigmoid": _unary("d σ(A) = σ(A) ∘ (1 - σ(A)) ∘ dA", lambda a, da, n: B.mul(B.mul(n, B.sub(B.ONE, n)), da)),
    "sqrt": _unary("d sqrt(A) = dA ⊘ (2 sqrt(A))", lambda a, da, n: B.div(da, B.mul(B.num(2), n))),
    "softmax": ("softmax of a vector: d softmax(x) = y ∘ dx - y (yᵀ dx); of a matrix, by columns: dY = Y ∘ dX - Y diag(diag(Yᵀ dX))", _softmax),
    "diag": _unary("diag is linear: d diag(A) = diag(dA)", lambda a, da, n: B.call("diag", da)),
    "vec": _unary("vec is linear: d vec(A) = vec(dA)", lambda a, da, n: B.call("vec", da)),
    "kron": ("d(A ⊗ B) = dA ⊗ B + A ⊗ dB", _kron),
    "mpow": ("d Aᵏ = Σ Aⁱ dA Aᵏ⁻¹⁻ⁱ", _mpow),
    "eigval": ("a simple eigenvalue of a symmetric A: d λᵢ = vᵢᵀ dA vᵢ", _eigval),
    "eigvec": ("its unit eigenvector: d vᵢ = pinv(λᵢ I - A) dA vᵢ", _eigvec),
    "pinv": ("Golub-Pereyra, A of constant rank: d A⁺ = -A⁺ dA A⁺ + A⁺ A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺ A) dAᵀ A⁺ᵀ A⁺",
             _pinv),
}
"""The differential of each function of the language that has a rule."""

NOT_YET: dict[str, str] = {
    "eigvecr": "no rule yet for the eigenvectors of a matrix that is not symmetric",
    "eigvecl": "no rule yet for the eigenvectors of a matrix that is not symmetric",
    "lsv": "no rule yet for singular vectors (their differential needs all the other singular pairs)",
    "rsv": "no rule yet for singular vectors (their differential needs all the other singular pairs)",
}
"""Functions without a rule, and why (a test requires every function to be in CALLS, here or in
:data:`matref.calculus.reverse.CONSTANTS`)."""
