"""Every kind of claim, one record each: the single place a kind is defined.

A record says everything the rest of matref needs to know about a kind: the roles of its two
expressions (the second is also its ``matref check`` option and :func:`matref.check` keyword),
the shape the claim must have, how the engine checks it (the claim object, its order, the
structured space it must lie in, whether it must be symmetric, whether it can be applied to
directions without being formed), its left side in LaTeX, its layouts and words in the book,
its elementwise explanation on failure, and a true and a wrong example that the test suite
proves and refutes through every face (``tests/test_kinds.py`` walks this registry, so a place
forgotten when a kind is added fails a test).

Adding a kind means adding a record here (plus its explanation in :mod:`matref.engine.explain`
when none of the existing ones fits).

Examples
--------
>>> from matref.kinds import KINDS
>>> KINDS["gradient"].claim, KINDS["hessian"].order
('grad', 2)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from matref.engine import claims
from matref.expr.dims import product


def _wrap(f_tex: str, prec: int, add: int) -> str:
    return "\\left(" + f_tex + "\\right)" if prec <= add else f_tex


@dataclass(frozen=True)
class Lhs:
    """What a left side in LaTeX is built from: the function's LaTeX and precedence, the
    variable's, and whether f and the variable are columns (vectors)."""

    f: str
    prec: int
    x: str
    f_column: bool
    x_column: bool

    @property
    def paren(self) -> str:
        return "\\left(" + self.f + "\\right)"

    @property
    def atom(self) -> str:
        from matref.expr.functions import ATOM

        return self.f if self.prec >= ATOM else self.paren

    @property
    def wrapped(self) -> str:
        from matref.expr.functions import ADD

        return self.paren if self.prec <= ADD else self.f

    def vec_x(self) -> str:
        return self.x if self.x_column else "\\operatorname{vec}\\left(" + self.x + "\\right)"


def _lhs_gradient(s: Lhs) -> str:
    return "\\frac{\\partial}{\\partial " + s.x + "} " + s.wrapped


def _lhs_partials(s: Lhs) -> str:
    return ("\\left[\\frac{\\partial}{\\partial " + s.x + "_{ij}} " + s.wrapped
            + "\\right]_{" + s.x + " = " + s.x + "^{\\top}}")


def _lhs_hessian(s: Lhs) -> str:
    v = s.vec_x()
    return "\\frac{\\partial^{2} " + s.atom + "}{\\partial " + v + " \\, \\partial " + v + "^{\\top}}"


def _lhs_jacobian(s: Lhs) -> str:
    num = "\\partial " + s.atom if s.f_column else "\\partial \\operatorname{vec}" + s.paren
    den = "\\partial " + s.x + "^{\\top}" if s.x_column else "\\partial \\operatorname{vec}\\left(" + s.x + "\\right)^{\\top}"
    return f"\\frac{{{num}}}{{{den}}}"


@dataclass(frozen=True)
class Layouts:
    """A kind stated in one layout of two: the book shows both (``stated`` first in the data)."""

    stated: str  # the name of the stated layout (a key of Identity.layouts)
    other: str
    heads: tuple[str, str]  # table heads, denominator layout first; {x} is the variable's LaTeX
    denominator_first_is_stated: bool


@dataclass(frozen=True)
class Example:
    """A one-off claim of this kind: ``check(f=..., wrt=..., <claim>=true)`` holds and with
    ``wrong`` it fails (the registry test runs both through the API and the command line)."""

    f: str
    wrt: str | None
    true: str
    wrong: str
    assume: tuple[str, ...] = ()
    shape: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One kind of claim (see the module docstring)."""

    name: str
    roles: tuple[str, str]
    noun: str
    plural: str
    help: str  # the command line's help for the claim option
    scalar_f: bool  # f must be 1x1
    shape: Callable  # (shape of f or lhs, shape of wrt) -> the shape the claim must have
    shape_words: str  # that shape in words; {wrt} is the variable
    order: int  # 0: an equality; 1: a first derivative; 2: a second derivative
    example: Example
    dense: Callable | None = None  # (matrix, err, spread) -> an engine claim; None: applied only
    space: str | None = None  # the in-space check: "vector" (G = P(G)), "operator" (P H P), "columns" (J P)
    symmetric: bool = False  # the claim must be a symmetric matrix
    lazy: bool = False  # may be applied to directions without being formed (large operators)
    directional: bool = False  # the claim is written with the direction d<wrt> (a differential)
    lhs: Callable | None = None  # Lhs -> LaTeX of the left side; None: the lhs expression itself
    layouts: Layouts | None = None
    words: str = ""  # a sentence the book adds once to a family page that has entries of this kind
    explain: str = ""  # the elementwise explanation in matref.engine.explain
    needs: tuple[str, ...] = ()  # assumptions the variable must carry
    vec_f: bool = False  # f may be written as vec(F): the same statement as F (duplicate detection)
    quickref: str = ""  # its section of the book's quick reference ("": by the shapes of f and the variable)
    exact: str = ""  # its exact proof in matref.engine.exact.CLAIMS ("": not attempted)
    mutations: tuple[str, ...] = field(default=())  # kind-specific mistakes the mutation tests add

    @property
    def claim(self) -> str:
        return self.roles[1]

    @property
    def has_variable(self) -> bool:
        return self.order > 0


def _gradient(m, err=0.0, spread=0.0):
    return claims.Gradient(m, err, spread)


def _partials(m, err=0.0, spread=0.0):
    return claims.Gradient(m, err, spread, partials=True)


def _jacobian(m, err=0.0, spread=0.0):
    return claims.Jacobian(m, err, spread)


def _hessian(m, err=0.0, spread=0.0):
    return claims.Hessian(m, err, spread)


KINDS: dict[str, Kind] = {k.name: k for k in [
    Kind("gradient", ("f", "grad"), "gradient", "gradients", "claimed gradient, shaped like the variable",
         True, lambda f, w: w, "the shape of {wrt}", 1,
         Example("a.T @ X @ b", "X", "a @ b.T", "b @ a.T"),
         dense=_gradient, space="vector", lhs=_lhs_gradient,
         layouts=Layouts("gradient", "numerator",
                         ("denominator layout (the gradient, shaped like ${x}$; as stated)",
                          "numerator layout (shaped like ${x}^{{\\top}}$)"), True),
         explain="gradient", mutations=("transposed claim",), exact="gradient"),
    Kind("jacobian", ("f", "jacobian"), "Jacobian", "Jacobians",
         "claimed d vec(f) / d vec(wrt), numerator layout, column-major",
         False, lambda f, w: (product(*f), product(*w)), "(numel f) x (numel wrt)", 1,
         Example("A @ X @ B", "X", "kron(B.T, A)", "kron(A, B.T)"),
         dense=_jacobian, space="columns", lazy=True, lhs=_lhs_jacobian, vec_f=True,
         layouts=Layouts("numerator", "denominator",
                         ("denominator layout (the transpose)",
                          "numerator layout (one row per entry of the function; as stated)"), False),
         explain="jacobian", mutations=("transposed claim",), exact="jacobian"),
    Kind("differential", ("f", "differential"), "differential", "differentials",
         "claimed differential, written with d<wrt>, e.g. -inv(X) @ dX @ inv(X)",
         False, lambda f, w: f, "the shape of f", 1,
         Example("inv(X)", "X", "-inv(X) @ dX @ inv(X)", "-inv(X) @ inv(X) @ dX", ("X=invertible",)),
         directional=True, lhs=lambda s: "\\mathrm{d}\\," + s.atom,
         words=("A differential is layout-free: it has the shape of the function and is linear in "
                "the differential of the variable ($\\mathrm{d}X$ for $X$)."),
         explain="differential", quickref="differentials", exact="differential"),
    Kind("equality", ("lhs", "rhs"), "equality", "equalities", "right side of an equality",
         False, lambda f, w: f, "the shape of lhs", 0,
         Example("tr(A @ B)", None, "tr(B @ A)", "2 * tr(B @ A)", (), ("A=n x m",)),
         explain="equality", quickref="equalities", exact="equality"),
    Kind("hessian", ("f", "hessian"), "Hessian", "Hessians", "claimed Hessian d^2 f / d vec(wrt) d vec(wrt)^T",
         True, lambda f, w: (product(*w), product(*w)), "(numel wrt) x (numel wrt)", 2,
         Example("x.T @ A @ x", "x", "A + A.T", "2 * A"),
         dense=_hessian, space="operator", symmetric=True, lazy=True, lhs=_lhs_hessian, explain="hessian",
         quickref="hessians", exact="hessian"),
    Kind("symmetric_partials", ("f", "partials"), "set of free-entry partials", "sets of free-entry partials",
         "for a symmetric variable: the partials with respect to its free entries",
         True, lambda f, w: w, "the shape of {wrt}", 1,
         Example("a.T @ X @ b", "X", "a @ b.T + b @ a.T - diag(diag(a @ b.T))", "a @ b.T + b @ a.T",
                 ("X=symmetric",)),
         dense=_partials, symmetric=True, lhs=_lhs_partials, explain="partials", needs=("symmetric",),
         exact="partials"),
]}
"""Every kind of claim, one record each."""
