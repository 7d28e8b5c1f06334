"""An identity as a self-contained Python module: one numpy function per side (``matref show ID
--format numpy``).

The functions are printed from the very expression trees that matref proves, by
:mod:`matref.expr.to_python`; functions numpy lacks under one name (``vech``, ``expm``, ...) are
written into the module from :mod:`matref.expr.python_helpers`, so it needs numpy only.
``tests/test_numpy_source.py`` runs the module of every catalog entry against matref's own
evaluation.
"""

from __future__ import annotations

import dataclasses

from matref.errors import MatrefError
from matref.expr import python_helpers
from matref.expr import nodes as N
from matref.expr.dims import Var, atoms
from matref.expr.to_python import ARRAY, Unprintable, dim_source, to_python
from matref.data.prose_math import unicode_math
from matref.data.sources import source_text
from matref.kinds import KINDS

_RESERVED = frozenset({"np", "sum", "range"})


def _describe_role(ident, role: str) -> str:
    kind = KINDS[ident.kind]
    first, claim = kind.roles
    if kind.order == 0:
        return (f"The left side, {ident.statement[first]}." if role == first
                else f"The right side, {ident.statement[claim]}: equal to {first}(...) wherever the conditions hold.")
    if role == first:
        return f"The function {ident.statement[first]}."
    wrt = ident.wrt
    shape = kind.shape_words.format(wrt=wrt)
    layout = ""
    if kind.layouts is not None:  # the head of the stated layout, without its LaTeX gloss
        stated = kind.layouts.heads[0 if kind.layouts.denominator_first_is_stated else 1]
        layout = f" ({stated.split(' (')[0]})"
    direction = f", along the direction {ident.direction}" if ident.direction else ""
    return f"The {kind.noun} of {first} with respect to {wrt}{direction}: {shape}{layout}."


def _dim_names(ident, scope) -> dict:
    """A name for every size of the symbols: the declared one (``p`` of ``p x m``), else a free
    letter, so that docstrings say ``(n, n)`` rather than ``(rows(X), rows(X))``."""
    u = scope.unifier
    taken = set(ident.names) | {name for name, _ in ident.spec.params}
    found = [v for name in ident.names for d in scope.shape_of_symbol(name) for v in atoms(u.resolve(d))]
    names: dict = {}
    for v in found:
        if v not in names and v.name.isidentifier() and v.name not in taken:
            names[v] = v.name
            taken.add(v.name)
    letters = iter(c for c in "nmpqrsklabcdefghij" if c not in taken)
    for v in found:
        if v not in names:
            names[v] = next(letters, v.name)
    return names


def _shape_of(scope, shape, names: dict) -> str:
    r, c = (dim_source(scope.unifier.resolve(d), names) for d in shape)
    return f"({r}, {c})"


def _shape_text(scope, name: str, names: dict) -> str:
    return _shape_of(scope, scope.shape_of_symbol(name), names)


@dataclasses.dataclass
class _Printed:
    """The pieces of an identity's numpy functions."""

    shown: object  # the identity printed (an erratum's corrected form)
    typed: dict
    scope: object
    bodies: dict
    arguments: list
    params: list
    free_sizes: list
    numbers: set
    constants: list


def _printed(ident) -> _Printed:
    shown = ident.corrected if getattr(ident, "corrected", None) is not None else ident
    typed, scope = shown._render
    params = [name for name, _ in shown.spec.params]
    names = list(shown.names)
    clash = sorted((set(names) | set(params)) & _RESERVED)
    if clash:
        raise MatrefError(f"{ident.id}: the symbol {clash[0]} would hide numpy's or Python's name in printed code")
    u = scope.unifier
    numbers = {n for n in names if u.is_scalar(scope.shape_of_symbol(n))} | set(params)
    fixed = {n: shown.values[n] for n in names if n in shown.values}
    arguments = [n for n in names if n not in fixed]
    sizes: dict = {}
    for name in arguments:
        for axis, d in enumerate(scope.shape_of_symbol(name)):
            d = u.resolve(d)
            if isinstance(d, Var) and d not in sizes and name not in numbers:
                sizes[d] = f"{name}.shape[{axis}]"
    # A size no argument has (norm(I) ** 2 = tr(I)) is an argument of its own.
    free_sizes = []
    for t in typed.values():
        for node in N.walk(t.node):
            if isinstance(node, N.Identity):
                for v in atoms(u.resolve(t.shape_of(node)[0])):
                    if v not in sizes:
                        name = next(c for c in ("n", "k", "size") if c not in names + params + free_sizes)
                        sizes[v] = name
                        free_sizes.append(name)
    try:
        bodies = {role: to_python(t, sizes, numbers) for role, t in typed.items()}
        constants = [f"    {n} = {float(v)!r}" if n in numbers else
                     f"    {n} = np.full(({', '.join(dim_source(u.resolve(d), sizes) for d in scope.shape_of_symbol(n))}), "
                     f"{float(v)!r})" for n, v in fixed.items()]
    except Unprintable as e:
        raise MatrefError(f"{ident.id}: no numpy function: {e}") from None

    return _Printed(shown, typed, scope, bodies, arguments, params, free_sizes, numbers, constants)


def statement_source(ident) -> str:
    """The two sides as numpy assignments (what the handbook's "numpy" button copies): numpy
    only, vectors as columns, with the helper functions the expressions call.

    Parameters
    ----------
    ident : Identity
        A catalog entry.

    Returns
    -------
    str
        ``import numpy as np`` and one line per side, e.g. ``grad = A.T @ B.T``.

    Examples
    --------
    >>> import matref
    >>> print(statement_source(matref.get("trace.grad_axb")))
    import numpy as np
    # trace.grad_axb, as functions with docstrings: matref show trace.grad_axb --format numpy
    f = np.trace(A @ X @ B)
    grad = A.T @ B.T
    """
    p = _printed(ident)
    helpers = python_helpers.needed("\n".join(b.text for b in p.bodies.values()))
    out = ["import numpy as np"] + ([python_helpers.source(helpers), ""] if helpers else [])
    out.append(f"# {ident.id}, as functions with docstrings: matref show {ident.id} --format numpy")
    out += [c.strip() for c in p.constants]
    out += [f"{role} = {body.text}" for role, body in p.bodies.items()]
    return "\n".join(out)


def module_source(ident) -> str:
    """A self-contained Python module with a numpy function for each side of an identity.

    This is ``matref.numpy_source``; the command ``matref show ID --format numpy`` prints it.

    Both functions take the identity's symbols as arguments (a 1x1 symbol as a number, a vector
    as a column or a 1-D array, anything else as a 2-D array); a function with an integer
    parameter takes it last. For an erratum, the corrected form is printed.

    Parameters
    ----------
    ident : Identity or str
        A catalog entry, or its id.

    Returns
    -------
    str
        Python source that imports numpy only.

    Raises
    ------
    MatrefError
        When an expression uses a size that cannot be read from the arguments.

    Examples
    --------
    >>> import matref
    >>> text = matref.numpy_source("trace.grad_axb")
    >>> namespace = {}
    >>> exec(text, namespace)
    >>> import numpy as np
    >>> A, X, B = np.eye(2), np.ones((2, 2)), 2 * np.eye(2)
    >>> float(namespace["f"](A, X, B)), namespace["grad"](A, X, B).tolist()
    (4.0, [[2.0, 0.0], [0.0, 2.0]])
    """
    import matref

    if isinstance(ident, str):
        ident = matref.get(ident)
    p = _printed(ident)
    shown, typed, scope, bodies, arguments = p.shown, p.typed, p.scope, p.bodies, p.arguments
    params, free_sizes, numbers, constants = p.params, p.free_sizes, p.numbers, p.constants
    u = scope.unifier
    columns = [n for n in arguments if n not in numbers and u.is_one(scope.shape_of_symbol(n)[1])]
    words = _docs(shown)
    words.update({name: "int; the size of I" for name in free_sizes})
    out = [f'"""{ident.id}: {unicode_math(ident.title)}', "",
           f"Generated by `matref show {ident.id} --format numpy` (matref {matref.__version__})",
           f"from the catalog entry {ident.location}.",
           "matref checks it on random instances on every build;",
           f"repeat the check with `matref verify {ident.id}`."]
    if shown is not ident:
        out += ["", "The formula as printed in its source is wrong:",
                *(f"    {r} = {t}" for r, t in ident.statement.items()),
                "These functions are the corrected form."]
    out += ["", "Matrices are 2-D arrays, a vector a column or a 1-D array, a 1x1 symbol a number.", '"""', "",
            "import numpy as np"]
    helpers = python_helpers.needed("\n".join(b.text for b in bodies.values()))
    if helpers:
        out += ["", "", python_helpers.source(helpers)]
    for role, body in bodies.items():
        extra = [shown.direction] if role == shown.roles[1] and shown.direction else []
        signature = arguments + extra + params + free_sizes
        lines = [f"def {role}({', '.join(signature)}):", f'    """{_describe_role(shown, role)}', "",
                 "    Parameters", "    ----------"]
        for name in signature:
            lines += [f"    {name} : {words.get(name, 'array')}"]
        number = body.form != ARRAY or u.is_scalar(typed[role].shape)
        lines += ["", "    Returns", "    -------",
                  "    float" if number else f"    ndarray, shape {_shape_of(scope, typed[role].shape, words['_dims'])}"]
        lines += words["_notes"] + ['    """']
        lines += [f"    {n} = np.reshape({n}, (-1, 1))  # a column" for n in columns + ([shown.direction] if
                                                                                       extra and shown.direction in columns else [])]
        lines += constants
        value = body.text
        if body.form == ARRAY and number:
            value = f"({value}).item()"  # a 1x1 result is a number
        lines.append(f"    return {value}")
        out += ["", "", "\n".join(lines)]
    return "\n".join(out) + "\n"


def _docs(ident) -> dict:
    """The Parameters lines (shape and assumptions of each symbol) and the Notes of the docstrings."""
    typed, scope = ident._render
    u = scope.unifier
    dims = _dim_names(ident, scope)
    out: dict = {"_dims": dims}
    for s in ident.spec.symbols:
        if s.name not in ident.names:
            continue
        if u.is_scalar(scope.shape_of_symbol(s.name)):
            text = "float"
        else:
            text = f"ndarray, shape {_shape_text(scope, s.name, dims)}"
        props = ", ".join(s.assume)
        out[s.name] = text + (f"; {props}" if props else "") + (f"; {s.doc}" if s.doc else "")
    for name in ident.names:
        out.setdefault(name, "float" if u.is_scalar(scope.shape_of_symbol(name))
                       else f"ndarray, shape {_shape_text(scope, name, dims)}")
    if ident.direction:
        out[ident.direction] = f"ndarray, shape {_shape_text(scope, ident.wrt, dims)}; the direction (the differential of {ident.wrt})"
    for name, values in ident.spec.params:
        out[name] = f"int; proved for {name} = {', '.join(map(str, values))}"
    notes = []
    if ident.conditions:
        notes.append("    Holds where: " + "; ".join(f"{c.kind} {c.text}" for c in ident.conditions) + ".")
    notes.append("    Sources: " + "; ".join(source_text(x) for x in ident.sources) + ".")
    out["_notes"] = ["", "    Notes", "    -----", *notes]
    return out
