"""Fingerprints of what derived artefacts are made from (the library's code, the YAML), so that a
cache is used only when nothing it depends on has changed."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

LIBRARY = Path(__file__).resolve().parent.parent


def digest(chunks) -> str:
    """A short sha256 of a sequence of bytes or strings (separated, so that order and bounds count)."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk if isinstance(chunk, bytes) else str(chunk).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def library_state() -> str:
    """Hash of matref's own code: a change to any module changes every fingerprint."""
    files = sorted(p for p in LIBRARY.rglob("*.py") if "__pycache__" not in p.parts)
    return digest(x for p in files for x in (p.relative_to(LIBRARY).as_posix(), p.read_bytes()))


def files_state(files) -> str:
    """Hash of the library, the interpreter and numpy versions, and the given files' names and bytes."""
    import numpy

    return digest([library_state(), sys.version, numpy.__version__]
                  + [x for p in files for x in (str(p), Path(p).read_bytes())])
