"""The catalog: every family file loaded, every identity built, ids unique across files."""

from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path

from matref.errors import CatalogError, MatrefError
from matref.data.identity import Identity
from matref.data.loader import display_path, load_yaml
from matref.data.fingerprint import files_state
from matref.data.schema import FamilySpec, family_from_yaml

DEFAULT_DIR = Path(__file__).parent.parent / "identities"
FAMILY_ORDER = ("linear", "quadratic", "trace", "determinant", "inverse", "vec")


class Family:
    """A family of identities (one YAML file): name, title, intro and its identities.

    Iterating over a family gives its identities in file order; ``len`` counts them. Families
    are built by :func:`matref.catalog`, not by hand.

    Parameters
    ----------
    spec : FamilySpec
        The validated contents of the file (kept as ``spec``; ``name``, ``title``, ``intro`` and
        ``location``, its ``file:line``, are copied from it as attributes).
    identities : tuple of Identity
        The family's identities, built from ``spec`` (kept as ``identities``).

    Examples
    --------
    >>> import matref
    >>> fam = matref.catalog().family("trace")
    >>> fam.name, fam.title, fam.location
    ('trace', 'Trace', 'matref/identities/trace.yaml:1')
    >>> "trace.grad_axb" in [i.id for i in fam]
    True
    """

    def __init__(self, spec: FamilySpec, identities: tuple[Identity, ...]):
        self.spec = spec
        self.name = spec.name
        self.title = spec.title
        self.intro = spec.intro
        self.identities = identities
        self.location = str(spec.location)

    def __iter__(self):
        return iter(self.identities)

    def __len__(self) -> int:
        return len(self.identities)

    def __repr__(self) -> str:
        return f"<Family {self.name}: {len(self)} identities>"


class Catalog:
    """All identities, in family order then file order.

    Iterating over a catalog gives its identities, ``len`` counts them and ``id in catalog``
    tells whether an id is known (former ids, kept as ``aliases``, resolve with :meth:`get` but
    are not ``in`` it). ``families`` is the tuple of :class:`Family`, ``identities`` the tuple
    of every :class:`Identity`. Use :func:`matref.catalog` rather than building one.

    Parameters
    ----------
    families : list of Family
        The families, in the order to keep; ids must be unique across them.

    Examples
    --------
    >>> import matref
    >>> cat = matref.catalog()
    >>> len(cat) >= 70, cat.get("trace.grad_axb").family
    (True, 'trace')
    >>> "trace.grad_axb" in cat, [f.name for f in cat.families][:3]
    (True, ['linear', 'quadratic', 'trace'])
    """

    def __init__(self, families: list[Family]):
        self.families = tuple(families)
        self.identities = tuple(i for fam in families for i in fam)
        self._by_id = {i.id: i for i in self.identities}
        # Former ids of merged duplicates still resolve, to the entry that replaced them.
        self.aliases = {a: i for i in self.identities for a in i.spec.aliases}

    def __iter__(self):
        return iter(self.identities)

    def __len__(self) -> int:
        return len(self.identities)

    def __contains__(self, ident_id: str) -> bool:
        return ident_id in self._by_id

    @property
    def ids(self) -> list[str]:
        """Every identity's id, in catalog order.

        Examples
        --------
        >>> import matref
        >>> matref.catalog().ids[:2]
        ['linear.grad_xta', 'linear.grad_atx']
        """
        return [i.id for i in self.identities]

    def family(self, name: str) -> Family:
        """One family by name (the name of its YAML file without ``.yaml``).

        Parameters
        ----------
        name : str
            The family's name, e.g. ``"trace"``.

        Returns
        -------
        Family

        Raises
        ------
        MatrefError
            No family has that name (the message suggests the closest one).

        Examples
        --------
        >>> import matref
        >>> len(matref.catalog().family("trace")) > 10
        True
        >>> matref.catalog().family("traces")
        Traceback (most recent call last):
        ...
        matref.expr.errors.MatrefError: unknown family 'traces'; did you mean 'trace'?
        """
        for fam in self.families:
            if fam.name == name:
                return fam
        names = [f.name for f in self.families]
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f" (families: {', '.join(names)})"
        raise MatrefError(f"unknown family {name!r}{hint}")

    def get(self, ident_id: str) -> Identity:
        """One identity by id, or by a former id (an alias) of an entry that was merged.

        Parameters
        ----------
        ident_id : str
            The id, ``"<family>.<name>"``.

        Returns
        -------
        Identity

        Raises
        ------
        MatrefError
            No identity has that id or alias (the message suggests close ones).

        Examples
        --------
        >>> import matref
        >>> matref.catalog().get("trace.grad_axb").statement
        {'f': 'tr(A @ X @ B)', 'grad': 'A.T @ B.T'}
        """
        try:
            return self._by_id.get(ident_id) or self.aliases[ident_id]
        except KeyError:
            close = difflib.get_close_matches(ident_id, self._by_id, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else " (see `matref list`)"
            raise MatrefError(f"unknown identity {ident_id!r}{hint}") from None


def _order(path: Path) -> tuple:
    name = path.stem
    return (FAMILY_ORDER.index(name) if name in FAMILY_ORDER else len(FAMILY_ORDER), name)


def load_catalog(directory: Path | str) -> Catalog:
    """Load and validate every ``*.yaml`` file of ``directory``; raise CatalogError on any problem."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"), key=_order)
    if not files:
        raise CatalogError("no *.yaml catalog files", display_path(directory))
    families, seen = [], {}
    for path in files:
        shown = display_path(path)
        spec = family_from_yaml(load_yaml(path), path.stem, shown)
        identities = []
        for ispec in spec.identities:
            if ispec.id in seen:
                raise CatalogError(f"duplicate id (first defined at {seen[ispec.id]})", str(ispec.location), ispec.id)
            seen[ispec.id] = str(ispec.location)
            identities.append(Identity(ispec))
        for ispec in spec.identities:
            for alias in ispec.aliases:
                if alias in seen:
                    raise CatalogError(f"alias {alias!r} is already an id or alias (at {seen[alias]})",
                                       str(ispec.location), ispec.id)
                seen[alias] = str(ispec.location)
        families.append(Family(spec, tuple(identities)))
    return Catalog(families)


CACHE_FORMAT = 1


def cache_dir() -> Path | None:
    """Where built catalogs are kept between processes: ``$MATREF_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/matref`` or ``~/.cache/matref``; None when ``MATREF_CACHE=0``."""
    if os.environ.get("MATREF_CACHE", "1") == "0":
        return None
    chosen = os.environ.get("MATREF_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "matref"


def _plain(path: Path) -> bool:
    """A regular file within the loader's size limit (only such files are hashed for the cache)."""
    import stat

    from matref.data.loader import MAX_BYTES

    try:
        st = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size <= MAX_BYTES


def _load_cached(directory: Path) -> Catalog:
    """The catalog of ``directory``, from the disk cache when the YAML files, matref's code, Python
    and numpy are exactly those it was built from (a sha256 of all of them names the file);
    otherwise built, validated and stored. A cache that cannot be read or written is ignored."""
    import pickle

    where = cache_dir()
    files = sorted(directory.glob("*.yaml"), key=_order)
    if where is None or not files or not all(_plain(f) for f in files):
        return load_catalog(directory)  # which reports what is wrong with the files
    path = where / f"catalog-{CACHE_FORMAT}-{files_state(files)}.pickle"
    try:
        with open(path, "rb") as fh:
            cat = pickle.load(fh)
        if isinstance(cat, Catalog):
            return cat
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    cat = load_catalog(directory)
    try:
        where.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(cat, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: parallel test workers never read half a file
        for old in where.glob("catalog-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, RecursionError):
        pass
    return cat


@lru_cache(maxsize=4)
def _cached(directory: str) -> Catalog:
    return _load_cached(Path(directory))


def catalog(path: Path | str | None = None) -> Catalog:
    """The catalog shipped with matref (or the one in ``path``, or in ``$MATREF_CATALOG``).

    Every ``*.yaml`` file of the directory is loaded and validated; the built catalog is kept
    in memory and on disk (see ``MATREF_CACHE_DIR`` in the README), so later calls are fast.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A directory of catalog files in matref's format; by default ``$MATREF_CATALOG`` when
        set, else the catalog shipped with matref.

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        A file is not valid (the message names its ``file:line`` and the identity), or the
        directory has no ``*.yaml`` file.

    Examples
    --------
    >>> import matref
    >>> cat = matref.catalog()
    >>> cat.get("trace.grad_axb").title
    'Gradient of tr(A X B)'
    >>> [fam.name for fam in cat.families][:4]
    ['linear', 'quadratic', 'trace', 'determinant']
    """
    chosen = path or os.environ.get("MATREF_CATALOG") or DEFAULT_DIR
    return _cached(str(Path(chosen).resolve()))


COVERAGE_FILE = Path(__file__).parent / "coverage.yaml"


def cookbook_coverage(path: Path | str = COVERAGE_FILE) -> tuple[list[tuple[int, int]], dict[int, str]]:
    """The Matrix Cookbook ranges matref covers, and the equations it does not state (with reasons)."""
    data = load_yaml(path)
    shown = display_path(Path(path))
    if not isinstance(data, dict) or set(data) != {"source", "ranges", "not_expressible"}:
        raise CatalogError("expected exactly the keys source, ranges, not_expressible", shown)
    ranges = [tuple(r) for r in data["ranges"]]
    gaps: dict[int, str] = {}
    for item in data["not_expressible"]:
        line = f"{shown}:{getattr(item, 'line', 0)}"
        if not isinstance(item, dict) or set(item) != {"eq", "reason"} or not str(item["reason"]).strip():
            raise CatalogError("each entry needs exactly eq and a non-empty reason", line)
        if item["eq"] in gaps:
            raise CatalogError(f"equation {item['eq']} listed twice", line)
        gaps[int(item["eq"])] = str(item["reason"])
    return ranges, gaps


def cited_equations(cat: "Catalog | None" = None, source: str = "mc2012") -> dict[int, list[str]]:
    """Cookbook equation number -> ids of the identities that cite it."""
    import re

    out: dict[int, list[str]] = {}
    for ident in cat or catalog():
        for s in ident.sources:
            m = re.match(rf"{source}:(\d+)", s)
            if m:
                out.setdefault(int(m.group(1)), []).append(ident.id)
    return out


def get(ident_id: str) -> Identity:
    """One identity of the catalog by id, e.g. ``matref.get("trace.grad_axb")``.

    The same as ``matref.catalog().get(ident_id)``.

    Parameters
    ----------
    ident_id : str
        The id, ``"<family>.<name>"``, or a former id of a merged entry.

    Returns
    -------
    Identity

    Raises
    ------
    MatrefError
        No identity has that id (the message suggests close ones).

    Examples
    --------
    >>> import matref
    >>> ident = matref.get("trace.grad_axb")
    >>> ident.kind, ident.statement["grad"]
    ('gradient', 'A.T @ B.T')
    >>> matref.get("trace.grad_abx")
    Traceback (most recent call last):
    ...
    matref.expr.errors.MatrefError: unknown identity 'trace.grad_abx'; did you mean ...?
    """
    return catalog().get(ident_id)
