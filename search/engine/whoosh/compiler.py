"""Query tree (:mod:`search.text.query`) -> Whoosh query against one reader.

Needs the reader to expand ``prefix*`` and ``word~`` into the index's own words and to resolve entity
names; the engine-neutral parsing stays in the text layer. A ``prefix*`` or ``word~`` uses the index's
words in the order of their document frequency (the most frequent first, never alphabetical), all of them
while the query's budget allows (``MAX_TOTAL_EXPANSIONS``, shared by its ``*``/``~`` words: every expansion
is one postings read, ~0.25 ms each). A word whose expansions were cut gets a warning that says how many of
how many were used (:attr:`Compiler.warnings`, :attr:`Compiler.cuts`): the hit total is then a lower
bound. As in Lucene's
"AUTO" fuzziness, a word of up to five letters is looked up with at most one edit (``Haus~2`` as
``Haus~1``): two edits on a short word match hundreds of unrelated words, each looked up for its frequency.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.core import limits
from search.core.models import expansion_cut_warning
from search.engine.whoosh.schema import WEIGHTS
from search.engine.whoosh.spelling import Vocabulary
from search.text.analysis import fold, query_word, query_words, stem
from search.text.compounds import compound_parts
from search.text.query import And, Not, Or, Phrase, Scoped, Word

MAX_EXPANSIONS = 200  # words of the index tried for a word found nowhere (the searcher's last resort)
# for all * and ~ words of one query together: one such word uses up to this many, two half each, ...
MAX_TOTAL_EXPANSIONS = 2000
MAX_SCAN = 50_000  # words of the lexicon read (with their frequency) per prefix, to rank them
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
        prefixed: Callable[[str], tuple[tuple[int, str], ...]] | None = None,
    ) -> None:
        self.reader = reader
        # the index's words starting with a prefix, most frequent first: the generation's cache of
        # prefix_words (search.engine.whoosh.searcher), or read from this reader
        self.prefixed = prefixed or (lambda prefix: prefix_words(reader, prefix))
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
        # the * and ~ words whose expansions were cut: (word as typed, used, found; found > used)
        self.cuts: list[tuple[str, int, int]] = []
        self._share = MAX_TOTAL_EXPANSIONS  # expansions per * or ~ word of the query being compiled
        self._lexicons: dict[str, list[str]] = {}

    def compile(self, node: object | None) -> wq.Query:
        """The Whoosh query; stop words are dropped unless the query has nothing else (``"die"``)."""
        self.warnings = []
        self.cuts = []
        if node is None:
            return wq.Every()
        self._share = _share(node)
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
        self._share = _share(tree)
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
            return self._expanded("exact", self._prefix_terms(fold(node.text), f"{node.text}*"), "prefix")
        if node.fuzzy:
            typed = f"{node.text}~{node.fuzzy}" if node.fuzzy > 1 else f"{node.text}~"
            return self._expanded("exact", self._fuzzy_terms(fold(node.text), node.fuzzy, typed), "fuzzy")
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
            if not values:  # quelle:zeit.de without quotes arrives as the words "zeit de": dots aside
                values = [v for v in self._lexicons[name] if _value_key(v) == _value_key(text)]
            return _any_term(name, values or [text])
        return None

    def _prefix_terms(self, prefix: str, typed: str = "") -> list[str]:
        """The index's words starting with ``prefix``, the most frequent first, as many as the share allows."""
        limits.check(PHASE)
        if len(prefix) < MIN_PREFIX:
            return []
        found = self.prefixed(prefix)
        if len(found) > self._share:
            self._cut(typed or f"{prefix}*", self._share, len(found))
        return [t for _, t in found[: self._share]]

    def _fuzzy_terms(self, text: str, maxdist: int, typed: str = "") -> list[str]:
        limits.check(PHASE)
        if len(text) < 3:
            return [text]
        terms = self.within(text, min(maxdist, 1) if len(text) <= SHORT_FUZZY else maxdist)
        frequency = {t: self.reader.doc_frequency("exact", t) for t in limits.checked(terms, PHASE, every=64)}
        if len(terms) > self._share:
            self._cut(typed or f"{text}~", self._share, len(terms))
        return sorted(terms, key=lambda t: (-frequency[t], t))[: self._share]

    def _cut(self, typed: str, used: int, found: int) -> None:
        """Say that ``typed`` matched more words than the query's budget let it use (the API's warning)."""
        self.cuts.append((typed, used, found))
        message = cut_warning(typed, used, found)
        if message not in self.warnings:
            self.warnings.append(message)

    def _expanded(self, fieldname: str, terms: list[str], what: str) -> wq.Query | None:
        if not terms:
            return wq.NullQuery
        return wq.Or([wq.Term(fieldname, t, boost=WEIGHTS[fieldname]) for t in terms])


def prefix_words(reader: IndexReader, prefix: str) -> tuple[tuple[int, str], ...]:
    """``(-document frequency, word)`` of the ``exact`` words starting with ``prefix`` (at most ``MAX_SCAN``),
    most frequent first. Reading a word's frequency is a look-up in the term table, so a short prefix costs
    tens of milliseconds: the searcher keeps the answers per generation."""
    found: list[tuple[int, str]] = []
    for term, info in limits.checked(reader.iter_prefix("exact", prefix), PHASE, every=64):
        found.append((-info.doc_frequency(), term.decode("utf-8") if isinstance(term, bytes) else term))
        if len(found) >= MAX_SCAN:
            break
    return tuple(sorted(found))


def cut_warning(typed: str, used: int, found: int) -> str:
    """``Impf*: only the 2000 most frequent of 2345 matching words are used`` (``50000+`` when the lexicon
    had more than ``MAX_SCAN``)."""
    return expansion_cut_warning(typed, used, f"{found}+" if found >= MAX_SCAN else str(found))


def _share(tree: object) -> int:
    """Expansions each ``*``/``~`` word of ``tree`` may use: the query's budget split between them."""
    return max(1, MAX_TOTAL_EXPANSIONS // max(1, _expanding(tree)))


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


def _value_key(value: str) -> str:
    """A field value without its punctuation: ``zeit.de`` and ``zeit de`` are one key."""
    return " ".join(w for w in re.split(r"[\W_]+", value.lower()) if w)


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
