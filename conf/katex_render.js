// Render TeX with KaTeX for the handbook at build time (driven by conf/matref_katex.py).
// Reads one JSON request per line: {"tex": "...", "display": true|false, "mathml": true|false};
// writes one JSON line
// back: {"html": "..."} or {"error": "..."}. Errors are answers, not crashes, so one bad formula
// is reported with its page and the build goes on to list the others.
"use strict";
const katex = require(process.argv[2]);
const readline = require("readline");
const macros = JSON.parse(process.argv[3] || "{}");
const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  let answer;
  try {
    const req = JSON.parse(line);
    const html = katex.renderToString(req.tex, {
      displayMode: !!req.display,
      throwOnError: true,
      strict: "ignore",
      trust: false,
      output: req.mathml === false ? "html" : "htmlAndMathml",
      macros: Object.assign({}, macros),
    });
    answer = { html };
  } catch (e) {
    answer = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
