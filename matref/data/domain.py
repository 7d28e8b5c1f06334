"""The domain of an identity's expressions: what is inferred for sampling, and what to advise.

Two jobs, both read off the expression tree:

* :func:`inferred_positive` finds symbols that appear directly under ``log``, ``sqrt`` or a
  fractional power: they are sampled with positive entries (the expression is undefined
  elsewhere), and the report says so.
* :func:`describe` turns a point outside the domain into words and, where the sub-expression
  shows what is missing, the assumption to add (``log(det(X))`` needs ``det(X) > 0``:
  ``--assume X=spd``; ``inv(X.T @ X)`` singular: ``--assume X=full_column_rank``).
"""

from __future__ import annotations

from matref.expr import nodes as N
from matref.expr.rounding import OutOfDomain


def _strip(node: N.Node) -> N.Node:
    """The symbol under transposes, vec and diag (which keep the sign of every entry)."""
    while True:
        if isinstance(node, N.Transpose):
            node = node.arg
        elif isinstance(node, N.Call) and node.func in ("vec", "diag") and len(node.args) == 1:
            node = node.args[0]
        else:
            return node


def _positive_arguments(node: N.Node):
    for n in N.walk(node):
        if isinstance(n, N.Call) and n.func in ("log", "sqrt"):
            yield n, n.args[0]
        elif isinstance(n, N.Pow) and not float(n.exponent).is_integer():
            yield n, n.base


def inferred_positive(trees: dict[str, N.Node], source) -> dict[str, str]:
    """``{symbol: why}`` for symbols whose entries must be positive for the expressions to be
    defined; ``source(node)`` gives the text of a sub-expression."""
    out: dict[str, str] = {}
    for tree in trees.values():
        for call, arg in _positive_arguments(tree):
            inner = _strip(arg)
            if isinstance(inner, N.Symbol) and inner.name not in out:
                out[inner.name] = f"{source(call)} is defined for positive entries only"
    return out


def _symbol(node) -> str | None:
    inner = _strip(node) if node is not None else None
    return inner.name if isinstance(inner, N.Symbol) else None


def _gram(node) -> tuple[str, str] | None:
    """``S.T @ S`` -> (S, full_column_rank); ``S @ S.T`` -> (S, full_row_rank); also with a
    weight in the middle (``S.T @ C @ S``)."""
    if not isinstance(node, N.MatMul):
        return None
    factors = []

    def flat(n):
        if isinstance(n, N.MatMul):
            flat(n.left)
            flat(n.right)
        else:
            factors.append(n)

    flat(node)
    first, last = factors[0], factors[-1]
    if isinstance(first, N.Transpose) and isinstance(first.arg, N.Symbol) and isinstance(last, N.Symbol) \
            and first.arg.name == last.name:
        return last.name, "full_column_rank"
    if isinstance(last, N.Transpose) and isinstance(last.arg, N.Symbol) and isinstance(first, N.Symbol) \
            and last.arg.name == first.name:
        return first.name, "full_row_rank"
    return None


def describe(ident, exc: OutOfDomain) -> tuple[str, str]:
    """(what went wrong, the assumption to add) for a point outside the domain."""
    node = exc.node
    where = exc.where or "an expression"
    flag = "--assume" if getattr(ident, "command", None) else "assume"
    if isinstance(node, N.Call) and node.args:
        arg = node.args[0]
        name = _symbol(arg)
        argtext = str(arg)
        if node.func in ("log", "sqrt") and "positive" in exc.reason:
            if isinstance(arg, N.Call) and arg.func == "det" and _symbol(arg.args[0]):
                s = _symbol(arg.args[0])
                return f"{where} needs {argtext} > 0", f"add {flag} {s}=spd (or posdef)"
            if name:
                return f"{where} needs {argtext} > 0", f"add {flag} {name}=positive"
            return f"{where} needs {argtext} > 0", ""
        if node.func in ("inv", "logdet", "det", "pinv"):
            gram = _gram(arg)
            if gram:
                return f"{where}: {argtext} is singular or nearly so", f"add {flag} {gram[0]}={gram[1]}"
            if name:
                return f"{where}: {name} is singular or nearly so", f"add {flag} {name}=invertible"
        if node.func in ("chol", "logm", "sqrtm", "dlogm") and name:
            return f"{where}: {exc.reason}", f"add {flag} {name}=spd"
        if node.func in ("sigma", "lsv", "rsv", "nucnorm") and name and "rank" in exc.hint:
            return f"{where}: {exc.reason}", f"add {flag} {name}=full_column_rank"
        if node.func in ("eigval", "eigvec"):
            if "symmetric" in exc.reason and name:
                return f"{where}: {exc.reason}", f"add {flag} {name}=symmetric"
            if "simple" in exc.reason and name:
                return f"{where}: {exc.reason}", f"add {flag} {name}=distinct_eigenvalues"
    if exc.hint.startswith("moderate"):
        return f"{where} {exc.reason}", "the expression overflows or saturates at every size tried"
    return f"{where} {exc.reason}", ""
