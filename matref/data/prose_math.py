"""ASCII math in the catalog's prose (titles, notes, introductions) as typeset Unicode.

The YAML is written as people type (``a^T X b``, ``X^-1``, ``dX_mn``, ``J^ij``, ``A^T kron I_m``);
the handbook shows it typeset (``aᵀ X b``, ``X⁻¹``, ``dXₘₙ``, ``Jⁱʲ``, ``Aᵀ ⊗ Iₘ``) in headings, the
contents, search results and notes alike, which TeX in a heading would not give. Only what has
an exact Unicode form is converted; :func:`leftover` finds what is left, and a test requires it
to be nothing.

Examples
--------
>>> unicode_math("Gradient of a^T X^-1 b")
'Gradient of aᵀ X⁻¹ b'
>>> unicode_math("d(XA)_ij / dX_mn = delta_im A_nj")
'd(XA)ᵢⱼ / dXₘₙ = δᵢₘ Aₙⱼ'
"""

from __future__ import annotations

import re

SUP = dict(zip("0123456789+-=()TnijkmptruHA", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵀⁿⁱʲᵏᵐᵖᵗʳᵘᴴᴬ"))
SUB = dict(zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ"))
GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ", "mu": "μ",
         "sigma": "σ", "Sigma": "Σ", "theta": "θ", "kappa": "κ", "tau": "τ", "phi": "φ", "psi": "ψ",
         "omega": "ω", "rho": "ρ", "eta": "η", "nu": "ν", "xi": "ξ", "pi": "π", "Lambda": "Λ", "Omega": "Ω"}

_BRACED_SUP = re.compile(r"\^\{([^{}]+)\}")
_BRACED_SUB = re.compile(r"(?<=[A-Za-z0-9)\]])_\{([^{}]+)\}")
_SUP = re.compile(r"\^(-?\d+(?![0-9])|-?(?:[TH]|[ijkmnpru]{1,2})(?![A-Za-z0-9])|\([-+0-9a-zA-Z/]+\))")
# A subscript: after one letter (x_i, X_mn, I_m), a closing bracket or a Greek name; never inside an
# identifier such as an identity id (linear.jac_atx_row), which has longer words on both sides.
_SUB = re.compile(r"((?<![A-Za-z0-9_.])(?:d[A-Z]|[A-Za-z]|" + "|".join(GREEK) + r")|\))_(\d+|[a-z]{1,2})(?![A-Za-z0-9_])")
_GREEK_WORD = re.compile(r"(?<![A-Za-z0-9_.])(" + "|".join(GREEK) + r")(?![A-Za-z0-9_])")
_KRON = re.compile(r"(?<=\S) kron (?=\S)")


def _map(text: str, table: dict) -> str | None:
    if text == "1/2" and table is SUP:
        return "¹ᐟ²"  # not ½, which after a symbol reads as a factor
    out = []
    for ch in text:
        if ch not in table:
            return None
        out.append(table[ch])
    return "".join(out)


# e^X, e^(tA), e^{tA}, e^tr(X): exponents with capital letters have no Unicode superscripts, so the
# matrix exponential reads as exp(...) in prose.
_EXP = re.compile(r"(?<![A-Za-z0-9_.])e\^(?:\{([^{}]+)\}|\(((?:[^()]|\([^()]*\))+)\)|([A-Za-z]\w*\([^()]*\)|-?[A-Za-z0-9]+))")


def unicode_math(text: str) -> str:
    """ASCII math in ``text`` as Unicode where the form is exact; everything else unchanged."""
    text = _EXP.sub(lambda m: f"exp({next(g for g in m.groups() if g is not None)})", text)
    def sup(m):
        body = m.group(1)
        if body.startswith("(") and body.endswith(")"):
            body = body[1:-1]
        mapped = _map(body, SUP)
        return mapped if mapped is not None else m.group(0)

    def sub_greek(m):
        base, index = m.group(1), m.group(2)
        mapped = _map(index, SUB)
        return (GREEK.get(base, base) + mapped) if mapped is not None else m.group(0)

    def braced_sub(m):
        mapped = _map(m.group(1).replace(" ", ""), SUB)
        return mapped if mapped is not None else m.group(0)

    text = _BRACED_SUP.sub(lambda m: _map(m.group(1).replace(" ", ""), SUP) or m.group(0), text)
    text = _SUP.sub(sup, text)
    text = _BRACED_SUB.sub(braced_sub, text)
    text = _SUB.sub(sub_greek, text)
    text = _GREEK_WORD.sub(lambda m: GREEK[m.group(1)], text)
    text = _KRON.sub(" ⊗ ", text)
    return text


_LEFTOVER = re.compile(r"\^[A-Za-z0-9{(-]|(?<![A-Za-z0-9_.])[A-Za-z]_\{|\\[A-Za-z]+")


def leftover(text: str) -> list[str]:
    """ASCII or TeX math still in ``text`` (outside backticks): ``^T``, ``^-1``, ``X_{``, ``\\frac``."""
    plain = re.sub(r"`[^`]*`", "", text)
    return [m.group(0) for m in _LEFTOVER.finditer(plain)]


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown or MyST would read as markup in prose (titles, sources).

    Examples
    --------
    >>> print(escape_markdown("log|det X|, x_i"))
    log\\|det X\\|, x\\_i
    """
    return re.sub(r"([\\`*_{}\[\]<>$|#])", r"\\\1", text)
