/* The handbook's search for identities, on search.html only (see conf/matref_search.py).
 *
 * window.MATREF_SEARCH_INDEX (written at build time into _static/matref-search-index.js) holds one
 * record per identity of the catalog and the normalisation rules of conf/search_rules.yaml. The
 * query is normalised with those rules, exactly as the identities' texts were when the index was
 * written, and every identity is scored on
 *   - its id or a former id (aliases), typed in full;
 *   - the Matrix Cookbook equations it states ("mc2012:101", "(101)", "101");
 *   - words (BM25F over its id, title, tags, kind, the functions of its formulas, notes, ...);
 *   - formulas: 1- to 3-grams of the tokens typed against each part of its statement and the
 *     formula of its title, with symbols renamed by order of appearance (so x'Ax finds x^T B x)
 *     and as written.
 * The best identities are listed above Sphinx's own results, which follow unchanged.
 *
 * MatrefSearch.normalise(text) and MatrefSearch.search(query) are exposed for the tests.
 */
(function () {
  "use strict";

  // -- normalisation: the rules of conf/search_rules.yaml ---------------------------------------
  const SYMBOL = /^[A-Za-z]$/;
  const NUMBER = /^[0-9]/;
  const OPERATOR = /^[+\-/=()∘]$/;

  function compile(rules) {
    return {
      rewrite: rules.rewrite.map((r) =>
        r.spread !== undefined
          ? { spread: true, re: new RegExp(r.spread, "g") }
          : { re: new RegExp(r.pattern, "g"), replace: r.replace, repeat: r.repeat },
      ),
      token: new RegExp(rules.token, "g"),
      word: new RegExp(rules.word),
      stem: rules.stem.map((r) => ({ re: new RegExp(r.pattern, "g"), replace: r.replace })),
      synonyms: new Map(Object.entries(rules.synonyms)),
      stopwords: new Set(rules.stopwords),
    };
  }

  function normaliseWith(c, text) {
    for (const rule of c.rewrite) {
      if (rule.spread) {
        text = text.replace(rule.re, (m) => m.split("").join(" "));
        continue;
      }
      for (;;) {
        const next = text.replace(rule.re, rule.replace);
        if (!rule.repeat || next === text) {
          text = next;
          break;
        }
        text = next;
      }
    }
    const tokens = [];
    for (const match of text.matchAll(c.token)) {
      let token = match[0];
      if (c.word.test(token)) {
        let word = token.toLowerCase();
        for (const s of c.stem) word = word.replace(s.re, s.replace);
        token = c.synonyms.has(word) ? c.synonyms.get(word) : word;
        if (c.stopwords.has(token)) continue;
      }
      tokens.push(token);
    }
    return tokens;
  }

  // -- tokens --------------------------------------------------------------------------------------
  const split = (s) => (s ? s.split(" ") : []);
  const isSymbol = (t) => SYMBOL.test(t);
  const isNumber = (t) => NUMBER.test(t);
  const isWord = (t) => !isSymbol(t) && !isNumber(t) && !OPERATOR.test(t);

  /** Symbols renamed by order of first appearance, matrices and vectors apart (I stays I). The
   * variable, if `variable` names it, becomes V (a matrix) or u (a vector); `null` takes X and x
   * for variables (a query, an equality); `""` renames every symbol by order. */
  function canonical(tokens, variable) {
    const names = new Map();
    let upper = 0;
    let lower = 0;
    const isVariable = variable === null ? (t) => t === "X" || t === "x" : (t) => t === variable;
    return tokens.map((t) => {
      if (!isSymbol(t) || t === "I") return t;
      const matrix = t === t.toUpperCase();
      if (isVariable(t)) return matrix ? "V" : "u";
      if (!names.has(t)) names.set(t, matrix ? `M${++upper}` : `v${++lower}`);
      return names.get(t);
    });
  }

  /** 1-, 2- and 3-grams of a token list, each weighted by its length. */
  function grams(tokens) {
    const found = new Map();
    for (let n = 1; n <= 3; n++)
      for (let i = 0; i + n <= tokens.length; i++) found.set(tokens.slice(i, i + n).join(" "), n);
    return found;
  }

  function dice(a, b) {
    let shared = 0;
    let total = 0;
    for (const [gram, weight] of a) {
      total += weight;
      if (b.has(gram)) shared += weight;
    }
    for (const weight of b.values()) total += weight;
    return total ? (2 * shared) / total : 0;
  }

  function oneTypoApart(a, b) {
    if (Math.abs(a.length - b.length) > 1 || a === b) return false;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length)
      return a.slice(i + 1) === b.slice(i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    return a.length < b.length ? a.slice(i) === b.slice(i + 1) : a.slice(i + 1) === b.slice(i);
  }

  // -- the engine ----------------------------------------------------------------------------------
  class Engine {
    constructor(index) {
      this.rules = compile(index.rules);
      this.s = index.rules.scoring;
      this.formulaWords = new Set(index.rules.formula_words);
      this.items = index.identities.map((record) => this.prepare(record));
      this.fieldNames = Object.keys(this.s.fields);
      // document frequencies and mean field lengths, for BM25F
      this.df = new Map();
      this.meanLength = {};
      for (const f of this.fieldNames) this.meanLength[f] = 0;
      for (const item of this.items) {
        const seen = new Set();
        for (const f of this.fieldNames) {
          this.meanLength[f] += item.length[f];
          for (const w of item.counts[f].keys()) seen.add(w);
        }
        for (const w of seen) this.df.set(w, (this.df.get(w) || 0) + 1);
      }
      for (const f of this.fieldNames) this.meanLength[f] = this.meanLength[f] / this.items.length || 1;
      // what a word may be completed or corrected to: the index's words and their other spellings
      this.spellings = new Map([...this.df.keys()].map((w) => [w, w]));
      for (const [variant, word] of this.rules.synonyms) if (this.df.has(word)) this.spellings.set(variant, word);
    }

    isFormula(t) {
      return isSymbol(t) || isNumber(t) || OPERATOR.test(t) || t[0] === "^" || this.formulaWords.has(t);
    }

    formula(tokens, variable) {
      const kept = tokens.filter((t) => this.isFormula(t));
      return { literal: grams(kept), canonical: grams(canonical(kept, variable)), ordinal: grams(canonical(kept, "")) };
    }

    similarity(typed, f) {
      const s = this.s;
      const renamed = Math.max(s.canonical * dice(typed.canonical, f.canonical), s.ordinal * dice(typed.ordinal, f.ordinal));
      return f.weight * (renamed + s.literal * dice(typed.literal, f.literal));
    }

    prepare(record) {
      const words = {};
      for (const [field, text] of Object.entries(record.words)) words[field] = split(text).filter(isWord);
      words.formulas = Object.values(record.formulas).flatMap((text) => split(text).filter(isWord));
      const counts = {};
      const length = {};
      for (const f of Object.keys(this.s.fields)) {
        const list = words[f] || [];
        length[f] = list.length;
        counts[f] = new Map();
        for (const w of list) counts[f].set(w, (counts[f].get(w) || 0) + 1);
      }
      const formulas = [];
      const variable = record.wrt || null;
      for (const [role, text] of Object.entries(record.formulas))
        formulas.push({ weight: this.s.roles[role] ?? 0.6, ...this.formula(split(text), variable) });
      formulas.push({ weight: this.s.roles.title, ...this.formula(split(record.words.title), variable) });
      const names = new Set([record.id, ...record.aliases].map((n) => n.toLowerCase()));
      const title = split(record.words.title);
      return { record, counts, length, formulas, names, title: grams(canonical(title, variable)) };
    }

    idf(word) {
      const df = this.df.get(word) || 0;
      return Math.log(1 + (this.items.length - df + 0.5) / (df + 0.5));
    }

    /** BM25F saturation of one word in one identity, in [0, 1). */
    saturation(item, word) {
      let tf = 0;
      for (const f of this.fieldNames) {
        const n = item.counts[f].get(word);
        if (!n) continue;
        const norm = 1 - this.s.b + (this.s.b * item.length[f]) / this.meanLength[f];
        tf += (this.s.fields[f] * n) / norm;
      }
      return tf / (this.s.k1 + tf);
    }

    /** A query word as index words, with their weights: itself, or its completions, or the words
     * one typo away (a letter added, dropped, changed, or two swapped). */
    terms(word) {
      if (this.df.has(word)) return [[word, 1]];
      if (word.length < 4 || !/^[a-z]/.test(word)) return [];
      const near = (test) => [...new Set([...this.spellings].filter(([w]) => test(w)).map(([, to]) => to))];
      const completions = near((w) => w.startsWith(word));
      if (completions.length) return completions.map((w) => [w, this.s.prefix]);
      if (word.length < 5) return [];
      return near((w) => oneTypoApart(word, w)).map((w) => [w, this.s.typo]);
    }

    search(query) {
      const text = String(query || "").trim();
      if (!text) return [];
      const tokens = normaliseWith(this.rules, text);
      const words = [...new Set(tokens.filter(isWord))].map((w) => this.terms(w)).filter((t) => t.length);
      const symbols = tokens.some(isSymbol);
      const numbers = symbols ? [] : [...new Set(tokens.filter((t) => /^[0-9]+$/.test(t)))];
      const typed = symbols ? this.formula(tokens, null) : null;
      const title = grams(canonical(tokens, null));
      const asked = new Set(tokens);
      const lower = text.toLowerCase();
      const weights = this.s.weights;
      let idfTotal = 0;
      const idfs = words.map((terms) => Math.max(...terms.map(([w]) => this.idf(w))));
      for (const v of idfs) idfTotal += v;

      const results = [];
      for (const item of this.items) {
        const r = item.record;
        const parts = {};
        parts.exact_id = item.names.has(lower) ? 1 : 0;
        parts.cookbook_number = numbers.length ? numbers.filter((n) => r.numbers.includes(n)).length / numbers.length : 0;
        let wordScore = 0;
        words.forEach((terms, i) => {
          let best = 0;
          for (const [w, factor] of terms) best = Math.max(best, factor * this.saturation(item, w));
          wordScore += idfs[i] * best;
        });
        parts.words = idfTotal ? wordScore / idfTotal : 0;
        parts.formula = 0;
        if (typed) for (const f of item.formulas) parts.formula = Math.max(parts.formula, this.similarity(typed, f));
        parts.title = dice(title, item.title);
        let score = 0;
        for (const [name, value] of Object.entries(parts)) score += (weights[name] || 0) * value;
        score *= this.s.kinds[r.kind] ?? 1;
        if (r.status === "erratum") score *= this.s.erratum;
        if (r.special.length && !r.special.some((w) => asked.has(w))) score *= this.s.special;
        if (score > 0) results.push({ id: r.id, score, parts, record: r });
      }
      results.sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
      if (!results.length) return [];
      const floor = Math.max(this.s.minimum, this.s.relative * results[0].score);
      return results.filter((x) => x.score >= floor).slice(0, this.s.limit);
    }
  }

  // -- the page ------------------------------------------------------------------------------------
  function render(results) {
    const anchor = document.getElementById("search-results");
    if (!anchor || !results.length) return;
    // As Sphinx's own results: relative to search.html at the root, or to the content root when
    // the search page is search/index.html (the dirhtml builder).
    const options = window.DOCUMENTATION_OPTIONS || {};
    const prefix = options.BUILDER === "dirhtml" ? document.documentElement.dataset.content_root || "" : "";
    const section = document.createElement("section");
    section.id = "matref-identity-results";
    const heading = section.appendChild(document.createElement("h2"));
    heading.textContent = "Identities";
    const summary = section.appendChild(document.createElement("p"));
    summary.className = "search-summary";
    summary.textContent =
      results.length === 1 ? "One identity of the catalog matches." : `${results.length} identities of the catalog match, best first.`;
    const list = section.appendChild(document.createElement("ul"));
    list.className = "search matref-identities";
    list.setAttribute("role", "list");
    for (const { record } of results) {
      const item = list.appendChild(document.createElement("li"));
      item.className = "kind-object";
      const link = item.appendChild(document.createElement("a"));
      link.setAttribute("href", prefix + record.url);
      link.textContent = record.title;
      const about = [record.id];
      if (record.numbers.length) about.push("Cookbook " + record.numbers.map((n) => `(${n})`).join(", "));
      if (record.status === "erratum") about.push("a published error");
      item.appendChild(document.createElement("span")).textContent = ` (${about.join(" · ")})`;
      if (record.claim) {
        const context = item.appendChild(document.createElement("p"));
        context.className = "context";
        context.appendChild(document.createElement("code")).textContent = record.claim;
      }
    }
    anchor.parentNode.insertBefore(section, anchor);
  }

  let engine = null;
  const api = {
    engine() {
      if (!engine) engine = new Engine(window.MATREF_SEARCH_INDEX);
      return engine;
    },
    normalise(text) {
      return normaliseWith(api.engine().rules, String(text));
    },
    search(query) {
      return api.engine().search(query);
    },
  };
  if (typeof window !== "undefined") window.MatrefSearch = api;
  if (typeof module !== "undefined") module.exports = { Engine, compile, normaliseWith, api };

  if (typeof document !== "undefined" && window.MATREF_SEARCH_INDEX) {
    const run = () => {
      const query = new URLSearchParams(window.location.search).get("q");
      if (query) render(api.search(query));
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  }
})();
