"""Query tree (:mod:`search.text.query`) -> Whoosh query against one reader.

Needs the reader to expand ``prefix*`` and ``word~`` into the index's own words and to resolve entity
names; the engine-neutral parsing stays in the text layer. Expansions are bounded per word
(``MAX_EXPANSIONS``) and per query (``MAX_TOTAL_EXPANSIONS``, shared by its ``*``/``~`` words): forty
prefixes of 200 words each cost ~2 s of postings reads on 3,000 articles, a quarter of that when they share
1,000. A query whose expansions were cut gets a warning (:attr:`Compiler.warnings`). As in Lucene's
"AUTO" fuzziness, a word of up to five letters is looked up with at most one edit (``Haus~2`` as
``Haus~1``): two edits on a short word match hundreds of unrelated words, each looked up for its frequency.
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.core import limits
from search.engine.whoosh.schema import WEIGHTS
from search.engine.whoosh.spelling import Vocabulary
from search.text.analysis import fold, query_word, query_words, stem
from search.text.compounds import compound_parts
from search.text.query import And, Not, Or, Phrase, Scoped, Word

MAX_EXPANSIONS = 200
MAX_TOTAL_EXPANSIONS = 1000  # for all * and ~ words of one query together (five get their full 200)
MIN_PREFIX = 2
SHORT_FUZZY = 5  # words of at most this many letters get at most one edit
PHASE = "expanding * and ~"


class Compiler:
    """Tree -> Whoosh query against one reader (needed to expand ``*``/``~`` and to resolve entity names)."""

    def __init__(
        self,
        reader: IndexReader,
        resolve_country: Callable[[str], list[str]] | None = None,
        resolve_person: Callable[[str], list[str]] | None = None,
        within: Callable[[str, int], list[str]] | None = None,
    ) -> None:
        self.reader = reader
        self.resolve_country = resolve_country
        self.resolve_person = resolve_person
        # words of the index within an edit distance: the generation's vocabulary (search.vocabulary), or
        # one read from this reader
        self.within = within or Vocabulary(reader).within
        self.keep_stopwords = False
        # "some words" mode: compound parts of a query word count too (with a low weight)
        self.loose = False
        # what the last compile() left out, for the response (the parser's warnings say the rest)
        self.warnings: list[str] = []
        self._share = MAX_EXPANSIONS  # expansions per * or ~ word of the query being compiled
        self._lexicons: dict[str, list[str]] = {}

    def compile(self, node: object | None) -> wq.Query:
        """The Whoosh query; stop words are dropped unless the query has nothing else (``"die"``)."""
        self.warnings = []
        if node is None:
            return wq.Every()
        self._share = max(1, min(MAX_EXPANSIONS, MAX_TOTAL_EXPANSIONS // max(1, _expanding(node))))
        q = self._node(node)
        if q is None:
            self.keep_stopwords = True
            try:
                q = self._node(node)
            finally:
                self.keep_stopwords = False
        return q if q is not None else wq.NullQuery

    def part(self, node: object, tree: object) -> wq.Query | None:
        """One part of ``tree`` compiled as the whole tree compiles it (with its share of expansions)."""
        self._share = max(1, min(MAX_EXPANSIONS, MAX_TOTAL_EXPANSIONS // max(1, _expanding(tree))))
        return self._node(node)

    def _node(self, node: object) -> wq.Query | None:
        if isinstance(node, Word):
            return self.word(node)
        if isinstance(node, Phrase):
            return self.phrase(node.text)
        if isinstance(node, Scoped):
            return self.scoped(node)
        if isinstance(node, Not):
            inner = self._node(node.child)
            return wq.Not(inner) if inner is not None else None
        if isinstance(node, Or):
            subs = [q for q in (self._node(c) for c in node.children) if q is not None]
            return wq.Or(subs) if subs else None
        if isinstance(node, And):
            subs = [self._node(c) for c in node.children]
            positives = [q for q in subs if q is not None and not isinstance(q, wq.Not)]
            negatives = [q.query for q in subs if isinstance(q, wq.Not)]
            if not positives and not negatives:
                return None
            base = wq.And(positives) if len(positives) > 1 else positives[0] if positives else wq.Every()
            return wq.AndNot(base, wq.Or(negatives)) if negatives else base
        raise TypeError(f"unknown node {node!r}")

    def word(self, node: Word, fields: tuple[str, ...] = tuple(WEIGHTS)) -> wq.Query | None:
        qw = query_word(node.text)
        if qw.stop and not self.keep_stopwords and not (node.prefix or node.fuzzy):
            return None
        if node.prefix:
            return self._expanded("exact", self._prefix_terms(fold(node.text)), "prefix")
        if node.fuzzy:
            return self._expanded("exact", self._fuzzy_terms(fold(node.text), node.fuzzy), "fuzzy")
        if len(qw.stems) > 1:  # hyphenated: pieces as a phrase, or the joined word
            alts = [wq.Phrase("exact", list(qw.exact), boost=WEIGHTS["exact"])]
            for f in fields:
                if f in ("title", "body"):
                    alts.append(wq.Term(f, qw.joined_stem, boost=WEIGHTS[f]))
            return wq.Or(alts)
        clauses = []
        for f in fields:
            term = qw.exact[0] if f == "exact" else qw.stems[0]
            if f == "parts" and len(term) < 3:
                continue
            clauses.append(wq.Term(f, term, boost=WEIGHTS[f]))
        if self.loose and node.text[:1].isupper():
            for part in compound_parts(node.text):
                clauses.append(wq.Term("body", stem(part), boost=WEIGHTS["parts"]))
        return wq.Or(clauses)

    def phrase(self, text: str, title_only: bool = False) -> wq.Query | None:
        forms = [form for qw in query_words(text) for form in qw.exact]
        if not forms:
            return None
        if title_only:
            stems = [stem(f) for f in forms]
            return wq.And([wq.Term("title", s) for s in stems])
        if len(forms) == 1:
            return wq.Term("exact", forms[0], boost=WEIGHTS["exact"])
        return wq.Phrase("exact", forms, boost=WEIGHTS["exact"])

    def scoped(self, node: Scoped) -> wq.Query | None:
        name, value = node.field, node.value
        if name == "date":
            lo, hi = value
            return wq.NumericRange("pubdate", lo, hi)
        if name == "title":
            if isinstance(value, Phrase):
                return self.phrase(value.text, title_only=True)
            return self.word(value, fields=("title",)) if isinstance(value, Word) else None
        text = value.text if isinstance(value, Word | Phrase) else str(value)
        if isinstance(value, And):
            text = " ".join(w.text for w in value.children if isinstance(w, Word))
        if name == "country":
            codes = self.resolve_country(text) if self.resolve_country else [text.upper()]
            return _any_term("country", codes)
        if name == "person":
            names = self.resolve_person(text) if self.resolve_person else [text]
            return _any_term("person", names)
        if name in ("source", "mentioned"):
            wanted = text.lower()
            if name not in self._lexicons:  # read once per query, not once per clause
                self._lexicons[name] = _lexicon(self.reader, name)
            values = [v for v in self._lexicons[name] if v.lower() == wanted]
            return _any_term(name, values or [text])
        return None

    def _prefix_terms(self, prefix: str) -> list[str]:
        limits.check(PHASE)
        if len(prefix) < MIN_PREFIX:
            return []
        out = []
        for term in limits.checked(self.reader.expand_prefix("exact", prefix), PHASE, every=64):
            if len(out) >= self._share:
                self._cut()
                break
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
        return out

    def _fuzzy_terms(self, text: str, maxdist: int) -> list[str]:
        limits.check(PHASE)
        if len(text) < 3:
            return [text]
        terms = self.within(text, min(maxdist, 1) if len(text) <= SHORT_FUZZY else maxdist)
        frequency = {t: self.reader.doc_frequency("exact", t) for t in limits.checked(terms, PHASE, every=64)}
        if len(terms) > self._share:
            self._cut()
        return sorted(terms, key=lambda t: (-frequency[t], t))[: self._share]

    def _cut(self) -> None:
        """Note that the query's shared expansion budget (not the per-word cap) left words out."""
        if self._share < MAX_EXPANSIONS:
            message = f"only the first {self._share} words matching each * or ~ are used"
            if message not in self.warnings:
                self.warnings.append(message)

    def _expanded(self, fieldname: str, terms: list[str], what: str) -> wq.Query | None:
        if not terms:
            return wq.NullQuery
        return wq.Or([wq.Term(fieldname, t, boost=WEIGHTS[fieldname]) for t in terms])


def _expanding(node: object) -> int:
    """How many ``*``/``~`` words the tree has (they share ``MAX_TOTAL_EXPANSIONS``)."""
    if isinstance(node, Word):
        return int(node.prefix or bool(node.fuzzy))
    if isinstance(node, And | Or):
        return sum(_expanding(c) for c in node.children)
    if isinstance(node, Not):
        return _expanding(node.child)
    if isinstance(node, Scoped) and node.field == "title":
        return _expanding(node.value)
    return 0


def _any_term(fieldname: str, values: list[str]) -> wq.Query:
    values = [v for v in values if v]
    if not values:
        return wq.NullQuery
    if len(values) == 1:
        return wq.Term(fieldname, values[0])
    return wq.Or([wq.Term(fieldname, v) for v in values])


def _lexicon(reader: IndexReader, fieldname: str) -> list[str]:
    if fieldname not in reader.schema:
        return []
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(fieldname)]
