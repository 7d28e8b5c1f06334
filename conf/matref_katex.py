"""Math typeset when the handbook is built, not in the reader's browser.

Every ``math`` and ``math_block`` node is rendered to HTML (with MathML for screen readers) by
KaTeX running in Node.js during the build, so a page shows its formulas at first paint, offline,
with no client-side typesetting. KaTeX's stylesheet and fonts are copied into ``_static``.
KaTeX itself comes from the npm registry once (``_build/katex-<version>``), as a pinned version.

A formula KaTeX cannot typeset is a warning naming the page and the TeX, so ``-W`` fails the
build on it rather than shipping a red error box.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
KATEX_VERSION = "0.16.22"
KATEX_DIR = ROOT / "_build" / f"katex-{KATEX_VERSION}"
RENDERER = Path(__file__).resolve().parent / "katex_render.js"


def ensure_katex(target: Path = KATEX_DIR) -> Path:
    """``target`` holding ``katex.min.js`` and ``static/`` (``katex.min.css``, ``fonts/``), fetched once from npm."""
    if (target / "katex.min.js").exists() and (target / "static" / "fonts").is_dir():
        return target
    npm = shutil.which("npm")
    if not npm or not shutil.which("node"):
        raise SystemExit("matref: the handbook typesets its math with KaTeX at build time, which needs "
                         "Node.js and npm on the PATH (Debian: apt install nodejs npm).")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [npm, "install", "--prefix", tmp, "--no-save", "--no-audit", "--no-fund",
               "--no-package-lock", "--loglevel=error", f"katex@{KATEX_VERSION}"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        dist = Path(tmp) / "node_modules" / "katex" / "dist"
        if result.returncode != 0 or not (dist / "katex.min.js").exists():
            raise SystemExit(f"matref: npm could not fetch katex@{KATEX_VERSION}:\n{result.stderr}")
        staging = target.with_name(target.name + ".part")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        shutil.copyfile(dist / "katex.min.js", staging / "katex.min.js")  # for the renderer only
        static = staging / "static"  # what the pages load: the stylesheet and its fonts
        (static / "fonts").mkdir(parents=True)
        # woff2 only: every browser that runs the book's JavaScript reads it; the others are 1 MB more.
        for font in (dist / "fonts").glob("*.woff2"):
            shutil.copyfile(font, static / "fonts" / font.name)
        css = (dist / "katex.min.css").read_text(encoding="utf-8")
        (static / "katex.min.css").write_text(woff2_only(css), encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    return target


def woff2_only(css: str) -> str:
    """KaTeX's ``@font-face`` rules list woff2, woff and ttf; keep the woff2 source alone."""
    import re

    return re.sub(r'(url\(fonts/[^)]+\.woff2\) format\("woff2"\)),url\([^;}]*', r"\1", css)


class Renderer:
    """One Node.js process per build process, fed one formula per line; answers are cached."""

    def __init__(self, katex_js: Path):
        self.katex_js = katex_js
        self.proc: subprocess.Popen | None = None
        self.pid = None
        self.cache: dict[tuple[str, bool, bool], tuple[str | None, str | None]] = {}

    def _process(self) -> subprocess.Popen:
        # ``-j 2`` forks writer processes: each needs a pipe of its own, not the parent's.
        if self.proc is None or self.pid != os.getpid() or self.proc.poll() is not None:
            self.proc = subprocess.Popen(["node", str(RENDERER), str(self.katex_js)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True, encoding="utf-8", bufsize=1)
            self.pid = os.getpid()
            atexit.register(self.close)
        return self.proc

    def close(self) -> None:
        if self.proc is not None and self.pid == os.getpid() and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)

    def render(self, tex: str, display: bool, mathml: bool = True) -> tuple[str | None, str | None]:
        """(html, None) or (None, KaTeX's error message)."""
        key = (tex, display, mathml)
        if key not in self.cache:
            proc = self._process()
            proc.stdin.write(json.dumps({"tex": tex, "display": display, "mathml": mathml}) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the KaTeX renderer (node conf/katex_render.js) stopped")
            answer = json.loads(line)
            self.cache[key] = (answer.get("html"), answer.get("error"))
        return self.cache[key]


_renderer: Renderer | None = None


def renderer() -> Renderer:
    global _renderer
    if _renderer is None:
        _renderer = Renderer(KATEX_DIR / "katex.min.js")
    return _renderer


def with_mathml(self) -> bool:
    """False on the pages of ``matref_katex_tex_labels``: there the formulas carry their TeX as an
    aria-label instead of MathML, which is a fifth of the quick reference's HTML and of its load time."""
    return getattr(self.builder, "current_docname", None) not in self.builder.config.matref_katex_tex_labels


def typeset(self, node, tex: str, display: bool) -> None:
    mathml = with_mathml(self)
    html, error = renderer().render(tex, display, mathml)
    if error is not None:
        logger.warning(f"KaTeX cannot typeset {tex!r}: {error}", location=node)
        self.body.append(f'<code class="matref-tex-error">{self.encode(tex)}</code>')
    elif mathml:
        self.body.append(html)
    else:
        label = self.attval(tex)
        self.body.append(f'<span role="math" aria-label="{label}">{html}</span>')


WIDE = 40
"""Inline formulas with at least this many TeX characters get their own sideways-scrolling box
(class ``matref-wide``), in case no line break fits them into a narrow column (a phone)."""


def visit_math(self, node) -> None:
    tex = node.astext()
    wide = " matref-wide" if len(tex) >= WIDE else ""
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate" + wide))
    typeset(self, node, tex, display=False)
    self.body.append("</span>")
    raise nodes.SkipNode


def display_tex(node) -> str:
    """The TeX of a math block: several equations (blank-line separated) are stacked and aligned."""
    if node.get("nowrap"):
        return node.astext()
    parts = [p.strip() for p in node.astext().split("\n\n") if p.strip()]
    parts = [rf"\begin{{split}}{p}\end{{split}}" if r"\\" in p and r"\begin" not in p else p for p in parts]
    if len(parts) > 1:
        return r"\begin{gathered}" + r"\\".join(parts) + r"\end{gathered}"
    return parts[0] if parts else ""


def visit_displaymath(self, node) -> None:
    # The box scrolls sideways inside itself when a formula is wider than the column.
    self.body.append(self.starttag(node, "div", CLASS="math notranslate matref-display"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    typeset(self, node, display_tex(node), display=True)
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup_static(app, config) -> None:
    if app.builder.format != "html":
        return
    target = ensure_katex()
    config.html_static_path = list(config.html_static_path) + [str(target / "static")]


def add_stylesheet(app) -> None:
    if app.builder.format == "html":
        app.add_css_file("katex.min.css", priority=300)


def setup(app):
    app.add_config_value("matref_katex_tex_labels", [], "html")
    app.add_html_math_renderer("matref_katex", (visit_math, None), (visit_displaymath, None))
    app.connect("config-inited", lambda app, config: setattr(config, "html_math_renderer", "matref_katex"))
    app.connect("builder-inited", lambda app: setup_static(app, app.config))
    app.connect("builder-inited", add_stylesheet)
    return {"version": KATEX_VERSION, "parallel_read_safe": True, "parallel_write_safe": True}
