// Search ranking of the matref handbook: Sphinx's default scores, plus a boost for matches in a
// section title (every identity is a section) and for identity ids (search objects), so that
// searching an identity's title or id lists that identity before pages that merely mention it.
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, descr, score, filename, kind] = result;
    if ((kind === "title" && anchor) || kind === "object") return score + 30;
    return score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
