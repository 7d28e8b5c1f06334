"""The way people write transposes and inverses, read before the Python parser sees the text.

``X'`` and ``X.'`` (MATLAB), ``X^T``, ``X^{T}``, ``X^\\top`` and ``Xᵀ`` are the transpose ``X.T``;
``X^-1``, ``X^{-1}`` and ``X⁻¹`` the inverse ``inv(X)``; ``X^-T``, ``X^{-T}`` and ``X⁻ᵀ`` the
inverse transpose. Each applies only right after an operand (a name, a number, a closing bracket
or another transpose), where it cannot be misread; anything else after ``^`` (``X^2``: a matrix
power or an elementwise square?) is left for the parser to refuse with what to write instead.

The rewrite keeps, for each character it produces, the position in the text as typed, so that
every error still points at what the user wrote.
"""

from __future__ import annotations

import re

INVERSE = "_matref_inverse_"
"""The attribute the inverse is written as for the parser (``X^-1`` -> ``X._matref_inverse_``)."""

_TRANSPOSE = re.compile(r"\^\s*(?:T(?![A-Za-z0-9_])|\{\s*T\s*\}|\\top(?![A-Za-z])|\{\s*\\top\s*\})")
_INVERSE = re.compile(r"\^\s*(?:-\s*1(?![0-9.])|\{\s*-\s*1\s*\})")
_INVERSE_T = re.compile(r"\^\s*(?:-\s*T(?![A-Za-z0-9_])|\{\s*-\s*(?:T|\\top)\s*\}|-\\top(?![A-Za-z]))")
_UNICODE = [("⁻ᵀ", f".{INVERSE}.T"), ("⁻¹", f".{INVERSE}"), ("ᵀ", ".T")]


def _operand_end(out: list[str]) -> bool:
    """Whether the text so far ends with an operand (spaces ignored)."""
    text = "".join(out).rstrip()
    return bool(text) and (text[-1].isalnum() or text[-1] in "_)]")


def rewrite(source: str) -> tuple[str, list[int]]:
    """``source`` with the habits above in Python syntax, and the origin of each character.

    Examples
    --------
    >>> rewrite("x'")[0]
    'x.T'
    >>> rewrite("(A @ B)^{-1}")[0]
    '(A @ B)._matref_inverse_'
    """
    out: list[str] = []
    origin: list[int] = []

    def emit(text: str, at: int) -> None:
        out.extend(text)
        origin.extend([at] * len(text))

    def emit_habit(text: str, at: int, after: int) -> None:
        """A rewritten habit; a name right after it stays a separate token (b'A' is not b.TA)."""
        emit(text, at)
        if after < n and (source[after].isalnum() or source[after] == "_"):
            emit(" ", at)

    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in "'\"" and not (ch == "'" and _operand_end(out)):
            end = source.find(ch, i + 1)  # a string (norm(X, 'fro')): copied as it is
            end = n - 1 if end < 0 else end
            for k in range(i, end + 1):
                emit(source[k], k)
            i = end + 1
            continue
        if ch == "'":  # after an operand: the MATLAB transpose
            emit_habit(".T", i, i + 1)
            i += 1
            continue
        if ch == "." and source[i + 1:i + 2] == "'" and _operand_end(out):  # MATLAB X.'
            emit_habit(".T", i, i + 2)
            i += 2
            continue
        if ch == "^" and _operand_end(out):
            for pattern, text in ((_INVERSE_T, f".{INVERSE}.T"), (_INVERSE, f".{INVERSE}"), (_TRANSPOSE, ".T")):
                m = pattern.match(source, i)
                if m:
                    emit_habit(text, i, m.end())
                    i = m.end()
                    break
            else:
                emit(ch, i)
                i += 1
            continue
        for mark, text in _UNICODE:
            if source.startswith(mark, i) and _operand_end(out):
                emit_habit(text, i, i + len(mark))
                i += len(mark)
                break
        else:
            emit(ch, i)
            i += 1
    return "".join(out), origin
