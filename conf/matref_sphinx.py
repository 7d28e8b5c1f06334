"""Sphinx glue for the matref handbook (loaded by conf.py; the library never imports Sphinx).

- ``config-inited``: write the generated pages (``matref_pages.py``) into ``book/identities/``,
  place the jupyter-cache database next to the output folder (created up front, so that
  ``-j 2`` workers do not race to create it), and run kernels over Unix sockets with a profile
  of their own. (Math is typeset at build time by ``matref_katex``.)
- ``matref:identity`` directive + transform: the section of an identity gets the identity's id
  as its first HTML id (``trace.html#trace.grad_axb``) and is registered as a search object,
  so the search box finds it by id as well as by title.
- ``env-get-outdated``: re-read a page whose notebook failed last time (so a wrong formula keeps
  failing incremental builds), and hand-written notebooks when an identity they name, or the
  library, changed (their cells are not generated, so the execution cache cannot see it).
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.domains import Domain, ObjType
from sphinx.roles import XRefRole
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent


# -- generated pages -------------------------------------------------------------------------------
def generate_pages(app, config) -> None:
    from matref import MatrefError
    import matref_pages as book

    outdir = Path(app.srcdir) / book.GENERATED_DIR
    try:
        changed = book.write_pages(outdir)
    except MatrefError as e:  # a catalog that does not load: file, line and id, not a Sphinx crash report
        print(f"\nmatref: the catalog does not load, so the handbook cannot be built:\n{e}", file=sys.stderr)
        raise SystemExit(2) from None
    if changed:
        logger.info(f"matref: generated {len(changed)} page(s) in {outdir}")
    book.write_downloads(outdir)


# -- execution cache -------------------------------------------------------------------------------
def setup_cache(app, config) -> None:
    if not config.nb_execution_cache_path:
        config.nb_execution_cache_path = str(Path(app.outdir).resolve().parent / ".jupyter_cache")
    path = Path(config.nb_execution_cache_path).resolve()
    config.nb_execution_cache_path = str(path)
    if config.nb_execution_mode == "cache":
        from jupyter_cache import get_cache

        get_cache(str(path)).list_cache_records()  # creates the sqlite database now, in one process


# -- kernels: a profile of their own ------------------------------------------------------------------
def use_ipc_kernels() -> None:
    """Talk to kernels over Unix sockets instead of TCP ports.

    With ``-j 2`` two processes start kernels at the same time, and jupyter_client picks TCP
    ports by probing for free ones before the kernel binds them: another process can take a port
    in between ("Address already in use", "Kernel died before replying to kernel_info"), which
    fails the build at random. Sockets named after a fresh id cannot collide.
    """
    from nbclient.client import NotebookClient

    if getattr(NotebookClient, "_matref_ipc", False):
        return
    original = NotebookClient.create_kernel_manager

    def create_kernel_manager(self):
        km = original(self)
        km.transport = "ipc"
        # short, unique and outside the sources (a Unix socket path is limited to ~100 bytes)
        km.ip = os.path.join(tempfile.gettempdir(), f"matref-kernel-{uuid.uuid4().hex[:12]}")
        return km

    NotebookClient.create_kernel_manager = create_kernel_manager
    NotebookClient._matref_ipc = True


def setup_kernels(app, config) -> None:
    """Run the notebooks' kernels over Unix sockets, with an IPython profile under the build folder.

    The user's ~/.ipython (startup files, extensions) cannot change what a page computes, and the
    kernel's start-up log stays quiet.
    """
    use_ipc_kernels()
    ipython_dir = Path(app.outdir).resolve().parent / "ipython"
    config_file = ipython_dir / "profile_default" / "ipython_kernel_config.py"
    if not config_file.exists():
        config_file.parent.mkdir(parents=True, exist_ok=True)
        config_file.write_text("# Written by conf/matref_sphinx.py for the handbook's kernels.\n"
                               "c.IPKernelApp.log_level = 'ERROR'\n")
    os.environ["IPYTHONDIR"] = str(ipython_dir)


# -- identities as anchors and search objects ------------------------------------------------------
class identity_marker(nodes.Element):
    """Placeholder left by the directive; the transform moves its id onto the section."""


class IdentityDirective(SphinxDirective):
    """``{matref:identity} <id>`` inside the section of an identity."""

    required_arguments = 1
    has_content = False

    def run(self):
        return [identity_marker(ident=self.arguments[0].strip())]


class IdentityAnchors(SphinxTransform):
    """Give each identity's section its id as first (HTML) id; note it in the domain."""

    default_priority = 700  # after docutils' reference transforms, before domains collect labels

    def apply(self, **kwargs) -> None:
        domain = self.env.domains["matref"]
        for marker in list(self.document.findall(identity_marker)):
            ident = marker["ident"]
            section = marker.parent
            if not isinstance(section, nodes.section):
                logger.warning(f"matref:identity {ident} is not directly inside a section",
                               location=marker)
                marker.parent.remove(marker)
                continue
            if ident in self.document.ids and self.document.ids[ident] is not section:
                logger.warning(f"duplicate identity anchor {ident}", location=marker)
            else:
                section["ids"] = [ident] + [i for i in section["ids"] if i != ident]
                self.document.ids[ident] = section
                if ident in self.document.nameids:
                    self.document.nameids[ident] = ident
            title = section[0].astext() if section.children and isinstance(section[0], nodes.title) else ident
            domain.note_identity(ident, title, self.env.current_document.docname)
            section.remove(marker)
            section.insert(1, addnodes.index(entries=index_entries(ident, title)))


def cookbook_numbers(ident: str) -> list[str]:
    """The Matrix Cookbook (2012) equations an identity cites, as written (``101``, ``57a``)."""
    import re

    import matref

    try:
        found = matref.get(ident)
    except matref.MatrefError:
        return []
    return [m.group(1) for m in (re.match(r"mc2012:(\d+[a-z]?)$", s) for s in found.sources) if m]


def index_entries(ident: str, title: str) -> list[tuple]:
    """The general index's entries for an identity: its title, its id, its family and the
    equation numbers of the sources it cites (the Cookbook's (101) is listed under its number)."""
    import matref

    entries = [("single", title.replace(";", ","), ident, "", None), ("single", ident, ident, "", None)]
    try:
        found = matref.get(ident)
    except matref.MatrefError:
        return entries
    entries.append(("single", f"{found.family} (family); {title.replace(';', ',')}", ident, "", None))
    for number in cookbook_numbers(ident):
        entries.append(("single", f"Matrix Cookbook (2012); eq. ({number})", ident, "", None))
    return entries


def row_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{matref:row}`trace.grad_axb trace symmetric``` in a quick-reference row: the entry's id,
    shown small, in a span whose classes carry its family and assumptions for the page's filter."""
    ident, family, *props = text.split()
    classes = ["matref-row", f"family-{family}"] + [f"assume-{p}" for p in props]
    return [nodes.inline("", "", nodes.literal(ident, ident), classes=classes)], []


class MatrefDomain(Domain):
    name = "matref"
    label = "matref"
    object_types = {"identity": ObjType("identity", "id"),
                    "cookbook": ObjType("Matrix Cookbook equation", "id")}
    directives = {"identity": IdentityDirective}
    roles = {"id": XRefRole(), "row": row_role}
    initial_data = {"identities": {}}  # id -> (docname, title)

    @property
    def identities(self) -> dict:
        return self.data.setdefault("identities", {})

    def note_identity(self, ident: str, title: str, docname: str) -> None:
        self.identities[ident] = (docname, title)

    def clear_doc(self, docname: str) -> None:
        for ident, (doc, _) in list(self.identities.items()):
            if doc == docname:
                del self.identities[ident]

    def merge_domaindata(self, docnames, otherdata) -> None:
        for ident, (doc, title) in otherdata.get("identities", {}).items():
            if doc in docnames:
                self.identities[ident] = (doc, title)

    def get_objects(self):
        for ident, (doc, title) in self.identities.items():
            yield ident, ident, "identity", doc, ident, 1
            # One search object per cited equation: "mc2012:101", "(101)" and "101" find the
            # identities that state the Cookbook's equation 101.
            for number in cookbook_numbers(ident):
                name = f"{ident} (mc2012.{number})"
                yield name, name, "cookbook", doc, ident, 1

    def resolve_xref(self, env, fromdocname, builder, typ, target, node, contnode):
        if target not in self.identities:
            return None
        doc, title = self.identities[target]
        return make_refnode(builder, fromdocname, doc, target, contnode, title)

    def resolve_any_xref(self, env, fromdocname, builder, target, node, contnode):
        ref = self.resolve_xref(env, fromdocname, builder, "id", target, node, contnode)
        return [("matref:id", ref)] if ref is not None else []


# -- what to re-read -------------------------------------------------------------------------------
def outdated(app, env, added, changed, removed):
    """Pages to re-read although their source did not change."""
    import matref_pages as book

    try:
        from myst_nb.sphinx_ import NbMetadataCollector
    except ImportError:  # pragma: no cover
        NbMetadataCollector = None
    extra = set()
    for docname in sorted(env.all_docs):  # a proof that failed last time must run (and fail) again
        data = NbMetadataCollector.get_doc_data(env).get(docname, {}).get("exec_data") if NbMetadataCollector else None
        if data and data.get("succeeded") is False:
            extra.add(docname)
    # Hand-written notebooks: re-read when an entry they name, or the library, changed. With the
    # catalog and the library untouched only new or edited pages need a (new) state.
    fingerprint = book.source_fingerprint()
    unchanged = getattr(env, "matref_fingerprint", None) == fingerprint
    states = getattr(env, "matref_states", {})
    generated = book.GENERATED_DIR + "/"
    for docname in sorted(env.found_docs):
        if docname.startswith(generated) or (unchanged and docname not in added | changed):
            continue
        path = Path(env.doc2path(docname))
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if "{code-cell}" not in text and '"cell_type": "code"' not in text:  # a MyST or an .ipynb notebook
            continue
        state = book.text_state(text)
        if states.get(docname) != state:
            if docname in env.all_docs and docname not in added and docname not in changed:
                extra.add(docname)
            states[docname] = state
    env.matref_states = states
    env.matref_fingerprint = fingerprint
    if extra:
        logger.info(f"matref: re-reading {len(extra)} page(s) whose proofs are out of date: "
                    + ", ".join(sorted(extra)))
    return sorted(extra)


# -- a rebuild compares the configuration with the one it was read with ----------------------------
def remember_config(app, config) -> None:
    """The configuration as ``conf.py`` and the ``config-inited`` handlers leave it.

    The theme (and ``matref_katex``) then add files and defaults to html_* options when the builder
    starts. Sphinx pickles the environment with those additions and compares them with the next
    run's fresh configuration, so every rebuild said "The configuration has changed (8 options)"
    and compared nothing useful. The environment is pickled with the configuration as read.
    """
    import pickle

    snapshot = {}
    for name in config._options:
        try:
            snapshot[name] = pickle.dumps(getattr(config, name))
        except Exception:  # noqa: BLE001 - an unpicklable value is one Sphinx does not compare either
            continue
    app._matref_config_as_read = snapshot


def pickle_config_as_read(app, env) -> None:
    import pickle

    snapshot = getattr(app, "_matref_config_as_read", None)
    if not snapshot:
        return
    frozen = pickle.loads(pickle.dumps(app.config))
    for name, value in snapshot.items():
        setattr(frozen, name, pickle.loads(value))
    env.config = frozen


def config_back(app, *args) -> None:
    app.env.config = app.config  # writing sees the configuration the builder and theme completed


# -- a long page paints fast ------------------------------------------------------------------------
def fast_tables(app, pagename, templatename, context, doctree) -> None:
    """The quick reference's tables lose the theme's ``pst-scrollable-table-container`` class.

    On "load" the theme reads ``scrollWidth`` of every element with that class (to give scrollable
    ones a tab stop), which lays out every table of the page, including the sections the browser
    skips until they are scrolled to (``content-visibility: auto``): 0.8 s on the quick reference.
    The renamed wrapper keeps the same CSS (it scrolls sideways when its table is too wide).
    """
    if "body" in context and 'class="matref-quickref' in context["body"]:
        context["body"] = context["body"].replace('class="pst-scrollable-table-container"',
                                                  'class="matref-table-scroll"')


def setup(app):
    app.connect("config-inited", generate_pages, priority=400)
    app.add_js_file("matref-copy.js")
    app.connect("config-inited", setup_cache, priority=600)
    app.connect("config-inited", setup_kernels, priority=600)
    app.add_node(identity_marker)
    app.add_domain(MatrefDomain)
    app.add_transform(IdentityAnchors)
    app.connect("env-get-outdated", outdated)
    app.connect("html-page-context", fast_tables)
    app.connect("config-inited", remember_config, priority=999)
    app.connect("env-updated", pickle_config_as_read, priority=999)
    app.connect("env-check-consistency", config_back)
    app.connect("write-started", config_back)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True,
            "env_version": 1}
