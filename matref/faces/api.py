"""``matref.check``: verify a user's own formula through the same path as the catalog."""

from __future__ import annotations

import dataclasses

from matref.errors import CatalogError, MatrefError
from matref.data.identity import Identity
from matref.data.schema import IdentitySpec, Location, SymbolSpec
from matref.kinds import KINDS
from matref.engine.verify import Report, shell_join, verify


def _items(value, what: str, form: str) -> list[tuple[str, object]]:
    if value is None:
        return []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = [_split(a, what, form) for a in value]
    else:
        raise MatrefError(f"{what} must be a dict or a list of {form!r} strings, not {type(value).__name__}")
    for name, _ in items:
        if not isinstance(name, str):
            raise MatrefError(f"{what}: a symbol name must be a string, not {name!r}")
    return items


def _as_assumptions(assume) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, props in _items(assume, "assume", "NAME=PROP"):
        if isinstance(props, str):
            props = [p.strip() for p in props.split(",") if p.strip()]
        if not isinstance(props, (list, tuple)) or not all(isinstance(p, str) for p in props):
            raise MatrefError(f"assume {name}: expected a property name or a list of them, not {props!r}")
        out.setdefault(name.strip(), []).extend(props)
    return out


def _as_shapes(shapes) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, shape in _items(shapes, "shape", "NAME=RxC"):
        if isinstance(shape, bool) or not isinstance(shape, (str, tuple, list)):
            raise MatrefError(f"shape {name}: expected 'R x C' or 'scalar', not {shape!r}")
        text = shape if isinstance(shape, str) else " x ".join(map(str, shape))
        if name in out and out[name] != text:
            raise MatrefError(f"--shape {name} is given twice ({out[name]} and {text}): give it once")
        out[name] = text
    return out


def _split(item: str, what: str, form: str):
    if not isinstance(item, str) or "=" not in item:
        raise MatrefError(f"--{what} {item!r}: expected {form}")
    name, value = item.split("=", 1)
    return name.strip(), value.strip()


def _claims(claims: dict) -> dict:
    """The claim keywords, checked against the kinds registry (one keyword per kind)."""
    known = {k.claim for k in KINDS.values()}
    for key in claims:
        if key not in known:
            raise MatrefError(f"unknown claim {key!r}: known are {', '.join(sorted(known))}")
    return {k.claim: claims.get(k.claim) for k in KINDS.values()}


def build(f=None, wrt=None, lhs=None, assume=None, shapes=None, **claims) -> Identity:
    """Build a one-off Identity from expression strings (see :func:`check`); the claim is given
    by its kind's keyword (``grad=``, ``jacobian=``, ``differential=``, ``hessian=``,
    ``partials=``, or ``rhs=`` with ``lhs=``)."""
    claims = _claims(claims)
    rhs = claims.pop(KINDS["equality"].claim)
    by_claim = {k.claim: k.name for k in KINDS.values() if k.has_variable}
    given = [k for k, v in claims.items() if v is not None]
    options = ", ".join(f"--{c}" for c in by_claim)
    if lhs is not None or rhs is not None:
        if f is not None or wrt is not None or given or lhs is None or rhs is None:
            raise MatrefError("an equality takes exactly --lhs and --rhs (and no --f, --wrt, --grad, ...)")
        kind = next(k.name for k in KINDS.values() if not k.has_variable)
    else:
        if f is None or wrt is None or len(given) != 1:
            raise MatrefError(f"give --f EXPR --wrt NAME and exactly one of {options}; or --lhs EXPR --rhs EXPR")
        kind = by_claim[given[0]]
    values = {"f": f, "lhs": lhs, "rhs": rhs, **claims}
    statement = tuple((role, values[role]) for role in KINDS[kind].roles)
    for role, text in statement:
        if not isinstance(text, str):
            raise MatrefError(f"--{role} must be an expression string, not {type(text).__name__}")
        if not text.strip():
            raise MatrefError(f"--{role}: empty expression")
    if wrt is not None and (not isinstance(wrt, str) or not wrt.strip()):
        raise MatrefError(f"--wrt must be a symbol name, not {wrt!r}")
    if KINDS[kind].directional:
        from matref.expr.parse import parse
        from matref.expr.nodes import symbols

        if f"d{wrt}" in symbols(parse(f)):
            raise MatrefError(f"--f uses a symbol d{wrt}, which in a differential names the direction of {wrt}: "
                              "rename that symbol")
    assumptions, shape_map = _as_assumptions(assume), _as_shapes(shapes)
    names = sorted(set(assumptions) | set(shape_map))
    symbols = tuple(SymbolSpec(n, shape_map.get(n), tuple(assumptions.get(n, ())), ()) for n in names)
    from matref.data import assumptions as vocab

    for n, props in assumptions.items():
        bad = vocab.unknown(props)
        if bad:
            import difflib

            close = difflib.get_close_matches(bad[0], list(vocab.VOCABULARY), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MatrefError(f"--assume {n}={bad[0]}: unknown assumption; {hint}"
                              f"(known: {', '.join(vocab.VOCABULARY)})")
    spec = IdentitySpec(id="check.formula", family="check", title="your formula", kind=kind,
                        statement=statement, wrt=wrt if KINDS[kind].has_variable else None, symbols=symbols,
                        sources=("user",), location=Location("<check>", 0))
    try:
        ident = Identity(spec, typed_by_hand=True)
    except CatalogError as e:
        raise MatrefError(e.message) from None
    parts = ["matref", "check"]
    for role, text in statement:
        parts.append(f"--{role}={text}")
        if role == "f":
            parts.append(f"--wrt={wrt}")
    for n in names:
        for p in assumptions.get(n, ()):
            parts.append(f"--assume={n}={p}")
        if n in shape_map:
            parts.append(f"--shape={n}={shape_map[n]}")
    ident.command = shell_join(parts)
    return ident


def check(f=None, wrt=None, grad=None, jacobian=None, differential=None, lhs=None, rhs=None,
          assume=None, shapes=None, trials: int = 5, seed: int | None = None, rng=None,
          hessian=None, partials=None, limits=None, inputs=None, method: str = "numeric") -> Report:
    """Verify your own derivative or equality numerically.

    The claim is built into a one-off :class:`Identity` (read with the usual habits: ``X'``,
    ``np.trace(X)``, ``X^-1``) and proved like the catalog's identities: random instances of
    every size regime, a three-way verdict, a counterexample when it fails. Give ``f``, ``wrt``
    and exactly one claim (``grad``, ``jacobian``, ``differential``, ``hessian`` or
    ``partials``), or ``lhs`` and ``rhs``.

    Parameters
    ----------
    f : str or callable, optional
        The function, in matref syntax; or a Python function of ``inputs`` (see ``inputs``).
    wrt : str or int, optional
        The variable: a symbol of ``f`` (with a Python function, the index of its input, or
        its key for a dict of inputs; the first by default).
    grad : str, callable or "autograd", optional
        The claimed gradient, shaped like ``wrt`` (denominator layout).
    jacobian : str, callable or "autograd", optional
        The claimed ``d vec f / d vec wrt`` (numerator layout, column-major ``vec``).
    differential : str, optional
        The claimed ``d f``, written with ``d<wrt>`` for the direction (``dX``).
    lhs, rhs : str or callable, optional
        Instead of the above: two expressions (or two Python functions) claimed equal.
    assume : dict or list of str, optional
        Hypotheses per symbol: ``{"A": ["symmetric"]}``, ``{"A": "symmetric,invertible"}`` or
        ``["A=symmetric"]``, from matref's vocabulary (symmetric, spd, invertible, orthogonal,
        diagonal, positive, square, ...).
    shapes : dict or list of str, optional
        ``{"t": "scalar", "X": "n x m"}`` or ``["t=scalar"]``; inferred when not given.
    trials : int, default 5
        Random instances (at least 3 run for an expression; exactly this many for a function).
    seed : int, optional
        The run's seed; a fresh one (reported) when neither it nor ``rng`` is given.
    rng : numpy.random.Generator, optional
        Source of the seed when ``seed`` is not given.
    hessian : str, callable or "autograd", optional
        The claimed ``d^2 f / d vec(wrt) d vec(wrt)^T`` of a scalar ``f``.
    partials : str, optional
        For a ``wrt`` assumed symmetric: the partial derivatives with respect to its free
        entries x_ij = x_ji, arranged as a symmetric matrix (not the gradient on Sym(n)).
    limits : matref.engine.limits.Limits, optional
        Bounds on the sizes and work of the request (:func:`matref.verify`).
    inputs : list, optional
        When ``f`` (or ``lhs``) is a Python function rather than an expression: its inputs
        (arrays or :mod:`matref.testing` specs); the check is then
        :func:`matref.testing.check_gradient` (or ``check_jacobian``, ``check_hessian``,
        ``check_equal``), which gets ``wrt``, the claim, ``seed`` and ``trials``; ``assume``,
        ``shapes``, ``rng``, ``limits`` and ``method`` are refused there (the inputs carry shapes
        and structure), rather than silently ignored.
    method : {"numeric", "exact", "all"}, default "numeric"
        The numerical proof; the exact one with SymPy (the ``exact`` extra); or both.

    Returns
    -------
    Report or matref.testing.Result
        ``report.ok`` is False when the claim is wrong; ``str(report)`` shows a counterexample.
        A :class:`matref.testing.Result` when ``f`` or ``lhs`` is a Python function.

    Raises
    ------
    MatrefError
        For bad input: a parse error with its column, a shape mismatch, an unknown assumption,
        no claim or two claims, a request over its limits.

    Examples
    --------
    >>> import matref
    >>> matref.check(f="tr(A @ X @ B)", wrt="X", grad="A.T @ B.T", seed=1).ok
    True
    >>> report = matref.check(f="tr(A @ X @ B)", wrt="X", grad="B @ A", seed=1)
    >>> report.ok, report.verdict
    (False, 'fails')
    >>> print(report.reproduce)
    matref check --f='tr(A @ X @ B)' --wrt=X --grad='B @ A' --trials 5 --seed 1
    >>> matref.check(f="x.T @ A @ x", wrt="x", grad="2 * A @ x", assume={"A": "symmetric"}, seed=0).ok
    True
    >>> matref.check(lhs="inv(A @ B)", rhs="inv(B) @ inv(A)",
    ...              assume=["A=invertible", "B=invertible"], seed=0).ok
    True

    A Python function is checked through :mod:`matref.testing`:

    >>> import numpy as np
    >>> from matref.testing import general
    >>> A = np.arange(9.0).reshape(3, 3)
    >>> matref.check(f=lambda X: np.trace(A @ X), grad=lambda X: A.T, inputs=[general(3)], seed=0).verdict
    'holds'
    """
    claims = {"grad": grad, "jacobian": jacobian, "differential": differential, "hessian": hessian,
              "partials": partials, "rhs": rhs}
    if callable(f) or callable(lhs):
        ignored = {"assume": assume, "shapes": shapes, "rng": rng, "limits": limits}
        unused = [k for k, v in ignored.items() if v is not None] + (["method"] if method != "numeric" else [])
        if unused:  # an option that would silently do nothing is refused
            raise MatrefError(f"{', '.join(unused)}: not used when f is a Python function (its inputs=[...] "
                              "carry the shapes and structure, e.g. matref.testing.spd(4))")
        return _check_callable(f, wrt, lhs, inputs, seed, claims, trials)
    ident = build(f, wrt, lhs, assume, shapes, **claims)
    report = verify(ident, trials=trials, seed=seed, rng=rng, limits=limits, method=method)
    extra = {**report.extra, "claim": {"statement": ident.statement, "wrt": ident.wrt}}
    if report.verdict == "fails":  # name the classic mistake, as `matref check` does
        found = diagnosis(ident, f, wrt, lhs, assume, shapes)
        extra["diagnosis"] = found.to_dict() if found else None
    return dataclasses.replace(report, extra=extra)


def diagnosis(ident, f, wrt, lhs, assume, shapes):
    """The classic mistake behind a refuted claim (:mod:`matref.engine.diagnose`), or None."""
    from matref.engine.diagnose import Claim, diagnose

    text = dict(ident.spec.statement)[KINDS[ident.kind].claim]
    return diagnose(Claim(f, wrt, ident.kind, text, _as_assumptions(assume), _as_shapes(shapes), lhs=lhs))


def _check_callable(f, wrt, lhs, inputs, seed, claims, trials):
    """``matref.check`` on Python functions: the same engine, through :mod:`matref.testing`."""
    from matref import testing

    if inputs is None:
        raise MatrefError("f is a Python function: give its inputs=[...] (arrays, or specs such as "
                          "matref.testing.spd(4)), or write f as an expression string")
    given = {k: v for k, v in claims.items() if v is not None}
    runners = {"grad": testing.check_gradient, "jacobian": testing.check_jacobian, "hessian": testing.check_hessian}
    if lhs is not None:
        if set(given) != {"rhs"} or not callable(claims["rhs"]):
            raise MatrefError("an equality of Python functions takes lhs= and rhs=, both functions")
        return testing.check_equal(lhs, claims["rhs"], inputs, seed=seed, trials=trials)
    if len(given) != 1 or next(iter(given)) not in runners:
        raise MatrefError("for a Python function give exactly one of grad=, jacobian=, hessian= "
                          "(an array, a function of the inputs, or 'autograd')")
    (name, claim), = given.items()
    index = 0 if wrt is None else wrt
    return runners[name](f, claim, inputs, wrt=index, seed=seed, trials=trials)
