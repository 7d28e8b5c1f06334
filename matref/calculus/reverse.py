"""The gradient of a scalar expression, derived symbolically in reverse mode.

Each node passes its adjoint G (the gradient of f with respect to that node, shaped like it) to
its children by the node's rule: for ``A @ B``, A gets ``G @ B.T`` and B gets ``A.T @ G``; for
``inv(A)``, A gets ``-(inv(A).T @ G @ inv(A).T)``; for ``tr(A)``, A gets ``G * I``. The symbol
differentiated collects the sum of what reaches it: that sum is the gradient, shaped like the
symbol (denominator layout). One handler per node type; one rule per function in :data:`CALLS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import singledispatch
from typing import Callable

from matref.calculus import build as B
from matref.expr import nodes as N
from matref.expr.errors import MatrefError
from matref.expr.infer import Typed


class NotDifferentiable(MatrefError):
    """The expression has a part matref cannot differentiate (yet), named in the message."""


@dataclass
class Pass:
    """One reverse pass: the typed tree, the variable, and the steps taken (rule, node, adjoint)."""

    typed: Typed
    wrt: str
    total: N.Node | None = None
    steps: list[tuple[str, str, str]] = field(default_factory=list)

    def scalar(self, node: N.Node) -> bool:
        return self.typed.is_scalar(node)

    def depends(self, node: N.Node) -> bool:
        return self.wrt in N.symbols(node)

    def send(self, node: N.Node, adjoint: N.Node | None, rule: str) -> None:
        if adjoint is None or not self.depends(node):
            return
        self.steps.append((rule, str(node), str(adjoint)))
        _back(node, adjoint, self)


def gradient(typed: Typed, wrt: str) -> tuple[N.Node, list[tuple[str, str, str]]]:
    """The gradient of the scalar expression ``typed.node`` with respect to ``wrt`` and the steps.

    Raises
    ------
    NotDifferentiable
        For a function without a rule (the message names it).
    """
    p = Pass(typed, wrt)
    root = typed.node
    if not p.depends(root):
        return B.num(0), []
    _back(root, B.ONE, p)
    return (p.total if p.total is not None else B.num(0)), p.steps


# -- nodes -----------------------------------------------------------------------------------------
@singledispatch
def _back(node: N.Node, g: N.Node, p: Pass) -> None:
    raise NotDifferentiable(f"no derivative rule for {type(node).__name__} ({node})")


@_back.register
def _(n: N.Symbol, g: N.Node, p: Pass) -> None:
    if n.name == p.wrt:
        p.total = B.add(p.total, g)


@_back.register(N.Number)
@_back.register(N.Identity)
def _(n, g, p) -> None:
    return None


@_back.register
def _(n: N.Neg, g: N.Node, p: Pass) -> None:
    p.send(n.arg, B.neg(g), "negation")


def _unbroadcast(p: Pass, n: N.Node, side: N.Node, g: N.Node) -> N.Node:
    """The adjoint of a scalar side that was broadcast over a matrix: the sum of the matrix's."""
    if p.scalar(side) and not p.scalar(n):
        return B.call("sum", g)
    return g


@_back.register
def _(n: N.Add, g: N.Node, p: Pass) -> None:
    p.send(n.left, _unbroadcast(p, n, n.left, g), "sum rule")
    p.send(n.right, _unbroadcast(p, n, n.right, g), "sum rule")


@_back.register
def _(n: N.Sub, g: N.Node, p: Pass) -> None:
    p.send(n.left, _unbroadcast(p, n, n.left, g), "sum rule")
    p.send(n.right, B.neg(_unbroadcast(p, n, n.right, g)), "sum rule")


@_back.register
def _(n: N.Mul, g: N.Node, p: Pass) -> None:
    a, b = n.left, n.right
    sa, sb, sn = p.scalar(a), p.scalar(b), p.scalar(n)
    if sa and not sn:  # scalar times matrix
        p.send(a, B.call("sum", B.mul(g, b)), "product rule (scaling)")
        p.send(b, B.mul(a, g), "product rule (scaling)")
    elif sb and not sn:
        p.send(a, B.mul(b, g), "product rule (scaling)")
        p.send(b, B.call("sum", B.mul(g, a)), "product rule (scaling)")
    else:  # same shapes (or both scalar): elementwise
        p.send(a, B.hadamard(g, b), "product rule (Hadamard)")
        p.send(b, B.hadamard(g, a), "product rule (Hadamard)")


@_back.register
def _(n: N.Div, g: N.Node, p: Pass) -> None:
    a, b = n.left, n.right
    sa, sb, sn = p.scalar(a), p.scalar(b), p.scalar(n)
    b2 = B.power(b, 2)
    if sb and not sn:  # matrix / scalar
        p.send(a, B.div(g, b), "quotient rule")
        p.send(b, B.neg(B.div(B.call("sum", B.mul(g, a)), b2)), "quotient rule")
    elif sa and not sn:  # scalar / matrix, elementwise
        p.send(a, B.call("sum", B.div(g, b)), "quotient rule")
        p.send(b, B.neg(B.div(B.mul(a, g), b2)), "quotient rule")
    else:
        p.send(a, B.div(B.ONE if B.is_ones(g) else g, b), "quotient rule")
        p.send(b, B.neg(B.div(B.hadamard(g, a), b2)), "quotient rule")


@_back.register
def _(n: N.MatMul, g: N.Node, p: Pass) -> None:
    p.send(n.left, B.matmul(g, B.t(n.right)), "product rule (matrix product)")
    p.send(n.right, B.matmul(B.t(n.left), g), "product rule (matrix product)")


@_back.register
def _(n: N.Pow, g: N.Node, p: Pass) -> None:
    k = n.exponent
    if k == 0:
        return
    p.send(n.base, B.mul(B.num(k), B.mul(g, B.power(n.base, k - 1))), "power rule (elementwise)")


@_back.register
def _(n: N.Transpose, g: N.Node, p: Pass) -> None:
    p.send(n.arg, B.t(g), "transpose")


@_back.register
def _(n: N.Call, g: N.Node, p: Pass) -> None:
    if n.func in CONSTANTS:
        return
    rule = CALLS.get(n.func)
    if rule is None:
        why = NOT_YET.get(n.func, "no derivative rule")
        raise NotDifferentiable(f"{n.func}(...) in {n}: {why}")
    name, adjoints = rule
    for arg, adjoint in zip(n.args, adjoints(n, g, p)):
        p.send(arg, adjoint, name)


# -- functions: (rule name, (call, G, pass) -> adjoint of each argument) ----------------------------
def _elementwise(name: str, derivative: Callable[[N.Node, N.Node], N.Node]):
    """f applied entrywise: the argument's adjoint is G ∘ f'(A)."""
    def adjoint(n, g, p):
        return (B.hadamard(g, derivative(n.args[0], n)),)  # d is shaped like the argument, as g is

    return name, adjoint


def _softmax(n: N.Call, g: N.Node, p: Pass):
    a = n.args[0]
    y = n
    if not p.typed.scope.unifier.is_scalar((p.typed.shape_of(a)[1], 1)):
        # The adjoint of dY = Y ∘ dX - Y D(Yᵀ dX), D keeping the diagonal (D is self-adjoint).
        return (B.sub(B.mul(y, g), B.matmul(y, B.call("diag", B.call("diag", B.matmul(B.t(y), g))))),)
    return (B.mul(y, B.sub(g, B.matmul(B.t(y), g))),)


def _mpow(n: N.Call, g: N.Node, p: Pass):
    a, (k,) = n.args[0], n.params
    total = None
    for i in range(k):
        left = B.call("mpow", B.t(a), params=(i,)) if i else B.I
        right = B.call("mpow", B.t(a), params=(k - 1 - i,)) if k - 1 - i else B.I
        total = B.add(total, B.matmul(B.matmul(left, g), right))
    return (total,)


def _eigval(n: N.Call, g: N.Node, p: Pass):
    v = B.call("eigvec", n.args[0], params=n.params)
    return (B.mul(g, B.matmul(v, B.t(v))),)


def _pinv(n: N.Call, g: N.Node, p: Pass):
    """The adjoint of Golub and Pereyra's differential (each term's transpose, by the cyclic trace)."""
    a, ap = n.args[0], n
    first = B.neg(B.matmul(B.matmul(B.t(ap), g), B.t(ap)))
    second = B.matmul(B.matmul(B.sub(B.I, B.matmul(a, ap)), B.t(g)), B.matmul(ap, B.t(ap)))
    third = B.matmul(B.matmul(B.matmul(B.t(ap), ap), B.t(g)), B.sub(B.I, B.matmul(ap, a)))
    return (B.add(B.add(first, second), third),)


def _eigvec(n: N.Call, g: N.Node, p: Pass):
    a, (i,) = n.args[0], n.params
    shifted = B.sub(B.mul(B.call("eigval", a, params=(i,)), B.I), a)
    return (B.matmul(B.matmul(B.t(B.call("pinv", shifted)), g), B.t(n)),)


def _adjoint_frechet(name):
    def adjoint(n: N.Call, g: N.Node, p: Pass):
        if p.depends(n.args[0]):
            raise NotDifferentiable(f"{n}: the second Fréchet derivative of {name[1:]} has no rule")
        return (None, B.call(name, B.t(n.args[0]), g))

    return adjoint


def _sylvester(n: N.Call, g: N.Node, p: Pass):
    """X = syl(A, B, C): with Λ = syl(Aᵀ, Bᵀ, G), C̄ = Λ, Ā = -Λ Xᵀ, B̄ = -Xᵀ Λ."""
    a, b, c = n.args
    lam = B.call("sylvester", B.t(a), B.t(b), g)
    return (B.neg(B.matmul(lam, B.t(n))), B.neg(B.matmul(B.t(n), lam)), lam)


def _chol(n: N.Call, g: N.Node, p: Pass):
    from matref.calculus.forward import phi

    linv = B.call("inv", n)
    return (B.matmul(B.matmul(B.t(linv), phi(B.matmul(B.t(n), g))), linv),)


def _sigma(n: N.Call, g: N.Node, p: Pass):
    u, v = B.call("lsv", n.args[0], params=n.params), B.call("rsv", n.args[0], params=n.params)
    return (B.mul(g, B.matmul(u, B.t(v))),)


def _nucnorm(n: N.Call, g: N.Node, p: Pass):
    from matref.calculus.forward import polar

    return (B.mul(g, polar(n.args[0])),)


def _flat(n: N.Call, g: N.Node, p: Pass):
    return (None,)


def _eigvalg(n: N.Call, g: N.Node, p: Pass):
    w, v = B.call("eigvecl", n.args[0], params=n.params), B.call("eigvecr", n.args[0], params=n.params)
    return (B.mul(g, B.div(B.matmul(w, B.t(v)), B.matmul(B.t(w), v))),)


CALLS: dict[str, tuple[str, Callable]] = {
    "eigvalg": ("a simple eigenvalue, left and right eigenvectors w, v: ∂λᵢ/∂A = wᵢ vᵢᵀ / (wᵢᵀ vᵢ)", _eigvalg),
    "expm": ("the Frechet derivative of the exponential: d e^A = L_exp(A, dA); adjoint: ∂f/∂A = L_exp(Aᵀ, G)",
             lambda n, g, p: (B.call("dexpm", B.t(n.args[0]), g),)),
    "logm": ("the Frechet derivative of the logarithm: d log A = L_log(A, dA); adjoint: ∂f/∂A = L_log(Aᵀ, G)",
             lambda n, g, p: (B.call("dlogm", B.t(n.args[0]), g),)),
    "sqrtm": ("the square root S solves S S = A: S dS + dS S = dA; adjoint: ∂f/∂A = Λ where Sᵀ Λ + Λ Sᵀ = G",
              lambda n, g, p: (B.call("sylvester", B.t(n), B.t(n), g),)),
    "dexpm": ("L_exp(A, E) is linear in E", _adjoint_frechet("dexpm")),
    "dlogm": ("L_log(A, E) is linear in E", _adjoint_frechet("dlogm")),
    "sylvester": ("the Sylvester equation A X + X B = C: A dX + dX B = dC - dA X - X dB", _sylvester),
    "chol": ("Cholesky, with Phi the lower triangle with its diagonal halved: dL = L Phi(L⁻¹ dA L⁻ᵀ); adjoint: ∂f/∂A = L⁻ᵀ Phi(Lᵀ G) L⁻¹", _chol),
    "tril": ("tril is linear (its adjoint is tril)", lambda n, g, p: (B.call("tril", g),)),
    "sigma": ("a simple nonzero singular value: d σᵢ = uᵢᵀ dA vᵢ", _sigma),
    "nucnorm": ("A of full column rank: ∂‖A‖_*/∂A = A (AᵀA)^(-1/2) = U Vᵀ", _nucnorm),
    "abs": _elementwise("away from 0: d|a| = sign(a)", lambda a, n: B.call("sign", a)),
    "relu": _elementwise("away from 0: d relu(a) = H(a)", lambda a, n: B.call("step", a)),
    "max": ("a unique largest entry: ∂ max(A)/∂A = hardmax(A)", lambda n, g, p: (B.mul(g, B.call("hardmax", n.args[0])),)),
    "sign": ("sign is constant away from 0", _flat),
    "step": ("H is constant away from 0", _flat),
    "hardmax": ("hardmax is constant away from ties", _flat),
    "tr": ("d tr(A) = tr(dA)", lambda n, g, p: (B.mul(g, B.I),)),
    "det": ("Jacobi's formula: d det(A) = det(A) tr(inv(A) dA)",
            lambda n, g, p: (B.mul(B.mul(g, n), B.t(B.call("inv", n.args[0]))),)),
    "logdet": ("d log|det A| = tr(inv(A) dA)", lambda n, g, p: (B.mul(g, B.t(B.call("inv", n.args[0]))),)),
    "inv": ("d inv(A) = -inv(A) dA inv(A)",
            lambda n, g, p: (B.neg(B.matmul(B.matmul(B.t(n), g), B.t(n))),)),
    "sum": ("d sum(A) = sum(dA)", lambda n, g, p: (B.mul(g, B.ones_like(n.args[0])),)),
    "norm": ("d ‖A‖ = <A, dA> / ‖A‖", lambda n, g, p: (B.mul(g, B.div(n.args[0], n)),)),
    "logsumexp": ("d LSE(A) = <exp(A) / sum(exp(A)), dA>",
                  lambda n, g, p: (B.mul(g, B.div(B.call("exp", n.args[0]), B.call("sum", B.call("exp", n.args[0])))),)),
    "exp": _elementwise("d exp = exp", lambda a, n: n),
    "log": ("d log = 1 / A (elementwise)",
            lambda n, g, p: (B.neg(B.div(B.ONE, n.args[0])) if isinstance(g, N.Neg) and B.is_ones(g.arg)
                             else B.div(B.ONE if B.is_ones(g) else g, n.args[0]),)),
    "sin": _elementwise("d sin = cos", lambda a, n: B.call("cos", a)),
    "cos": _elementwise("d cos = -sin", lambda a, n: B.neg(B.call("sin", a))),
    "tanh": _elementwise("d tanh = 1 - tanh²", lambda a, n: B.sub(B.ONE, B.power(n, 2))),
    "sigmoid": _elementwise("d σ = σ (1 - σ)", lambda a, n: B.mul(n, B.sub(B.ONE, n))),
    "sqrt": ("d sqrt(A) = dA / (2 sqrt(A)) (elementwise)", lambda n, g, p: (B.div(g, B.mul(B.num(2), n)),)),
    "softmax": ("d softmax(x) = (diag(y) - y yᵀ) dx; by columns: ∂f/∂X = Y ∘ G - Y diag(diag(Yᵀ G))", _softmax),
    "diag": ("diag is linear (its adjoint is diag)", lambda n, g, p: (B.call("diag", g),)),
    "mpow": ("d Aᵏ = Σ Aⁱ dA Aᵏ⁻¹⁻ⁱ", _mpow),
    "eigval": ("a simple eigenvalue of a symmetric A: d λᵢ = vᵢᵀ dA vᵢ", _eigval),
    "eigvec": ("its unit eigenvector: d vᵢ = pinv(λᵢ I - A) dA vᵢ", _eigvec),
    "pinv": ("Golub-Pereyra, A of constant rank: d A⁺ = -A⁺ dA A⁺ + A⁺ A⁺ᵀ dAᵀ (I - A A⁺) + (I - A⁺ A) dAᵀ A⁺ᵀ A⁺",
             _pinv),
}
"""The reverse-mode rule of each function of the language that has one."""

NOT_YET = {
    "eigvecr": "no rule yet for the eigenvectors of a matrix that is not symmetric",
    "eigvecl": "no rule yet for the eigenvectors of a matrix that is not symmetric",
    "block": "no rule yet for block matrices (the adjoint needs the blocks of G: slicing is not in the language)",
    "vech": "no rule yet for vech (its adjoint puts G in a lower triangle, which the language cannot write)",
    "lsv": "no rule yet for singular vectors (their differential needs all the other singular pairs)",
    "rsv": "no rule yet for singular vectors (their differential needs all the other singular pairs)",
    "kron": "no rule yet for the Kronecker product (its adjoint needs a reshape the language lacks)",
    "vec": "no rule yet for vec (its adjoint, unvec, is not in the language)",
}
"""Functions without a rule, and why (a test requires every function to be in CALLS, here or in
:data:`CONSTANTS`)."""

CONSTANTS = {"commutation", "eye", "duplication", "elimination"}
"""Functions whose value does not depend on their argument's entries (only on its shape)."""
