"""User text -> query tree -> Whoosh query, for the German query language.

Syntax: words are ANDed; ``OR``/``ODER``, ``AND``/``UND``, ``NOT``/``NICHT`` or ``-word``; ``"exact phrase"``;
``prefix*``; ``fuzzy~`` (``~2``); parentheses; field scopes ``person:``, ``country:``/``land:``,
``title:``/``titel:``, ``source:``/``quelle:``, ``date:``/``datum:`` (``2018``, ``2018-05``,
``2018-05-31``, ``[2018-04 TO 2018-06]``), ``mentioned:``/``erwähnt:``.

Parsing never fails on what a user can type: unbalanced quotes and brackets are closed, stray operators are
dropped, unknown ``field:`` prefixes are read as words. Only things that cannot mean anything (an invalid
date, a query longer than :data:`MAX_QUERY_CHARS`) raise :class:`QuerySyntaxError` with a clear message.
Work is bounded: at most :data:`MAX_CLAUSES` clauses, :data:`MAX_EXPANSIONS` terms per ``*`` or ``~``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import query as wq
from whoosh.reading import IndexReader

from search.core import limits
from search.core.errors import QuerySyntaxError
from search.engine.whoosh.schema import WEIGHTS
from search.engine.whoosh.spelling import Vocabulary
from search.text.analysis import fold, query_word, query_words, stem
from search.text.compounds import compound_parts

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 40
MAX_EXPANSIONS = 200
MIN_PREFIX = 2

FIELD_ALIASES = {
    "person": "person",
    "personen": "person",
    "country": "country",
    "land": "country",
    "title": "title",
    "titel": "title",
    "date": "date",
    "datum": "date",
    "source": "source",
    "quelle": "source",
    "mentioned": "mentioned",
    "erwähnt": "mentioned",
    "erwaehnt": "mentioned",
}
OPERATORS = {"OR": "OR", "ODER": "OR", "AND": "AND", "UND": "AND", "NOT": "NOT", "NICHT": "NOT"}
# Typographic quotes are punctuation, not phrase syntax: people paste and type them inside questions
# (Was wurde „die Tesla-Einheit“ genannt?). Only the ASCII " starts an exact phrase.
_QUOTES = str.maketrans({"„": "", "“": "", "”": "", "«": "", "»": "", "‚": "", "‘": "", "’": "'"})
_BARE = re.compile(r"[^\s()\"]+")
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\Z")


# ----------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False
    fuzzy: int = 0


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass(frozen=True)
class Scoped:
    """``field:value``; ``value`` is a Word or Phrase, or for dates a (low, high) range."""

    field: str
    value: object


@dataclass(frozen=True)
class Not:
    child: object


@dataclass(frozen=True)
class And:
    children: tuple


@dataclass(frozen=True)
class Or:
    children: tuple


@dataclass(frozen=True)
class ParsedQuery:
    """A parsed query: the tree (None = everything) and what the rest of the search needs to know."""

    text: str
    tree: object | None
    warnings: tuple[str, ...] = ()
    # A plain keyword query (no operators, phrases, scopes, wildcards): may fall back to "some words".
    plain: bool = True
    words: tuple[str, ...] = field(default=())  # positive free-text words, for suggestions and fallback


# ----------------------------------------------------------------------------- lexer


@dataclass
class _Tok:
    kind: str  # word | phrase | op | lparen | rparen | minus | field | range
    text: str


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            toks.append(_Tok("phrase", text[i + 1 : end]))
            i = end + 1
        elif c == "(":
            toks.append(_Tok("lparen", c))
            i += 1
        elif c == ")":
            toks.append(_Tok("rparen", c))
            i += 1
        elif c in "-!" and i + 1 < n and not text[i + 1].isspace() and (i == 0 or text[i - 1] in " \t\n("):
            toks.append(_Tok("minus", c))
            i += 1
        else:
            m = _BARE.match(text, i)
            assert m is not None
            raw = m.group()
            fm = re.match(r"([^\W\d_]+):(.*)\Z", raw)
            if fm and fm.group(1).lower() in FIELD_ALIASES:
                toks.append(_Tok("field", FIELD_ALIASES[fm.group(1).lower()]))
                rest = fm.group(2)
                i += len(fm.group(1)) + 1
                if rest.startswith("["):
                    end = text.find("]", i)
                    end = n if end < 0 else end
                    toks.append(_Tok("range", text[i + 1 : end]))
                    i = end + 1
                continue
            if raw in OPERATORS:
                toks.append(_Tok("op", OPERATORS[raw]))
            else:
                toks.append(_Tok("word", raw))
            i = m.end()
    return toks


# ----------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, toks: list[_Tok]):
        self.toks = toks
        self.i = 0
        self.warnings: list[str] = []
        self.plain = True
        self.clauses = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> object | None:
        node = self.or_expr()
        while self.peek() is not None:  # stray ")" — drop it and go on
            tok = self.take()
            if tok.kind == "rparen":
                self.warnings.append("unbalanced ')' ignored")
            more = self.or_expr()
            node = _and([node, more])
        return node

    def or_expr(self) -> object | None:
        parts = [self.and_expr()]
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text == "OR":
            self.take()
            self.plain = False
            parts.append(self.and_expr())
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self) -> object | None:
        parts = []
        while (tok := self.peek()) is not None and tok.kind != "rparen":
            if tok.kind == "op" and tok.text == "OR":
                break
            if tok.kind == "op" and tok.text == "AND":
                self.take()
                continue
            node = self.unary()
            if node is not None:
                parts.append(node)
        return _and(parts)

    def unary(self) -> object | None:
        tok = self.peek()
        if tok is not None and (tok.kind == "minus" or (tok.kind == "op" and tok.text == "NOT")):
            self.take()
            self.plain = False
            child = self.unary()
            return Not(child) if child is not None else None
        return self.primary()

    def primary(self) -> object | None:
        if self.peek() is None:
            return None
        tok = self.take()
        if tok.kind == "lparen":
            self.plain = False
            node = self.or_expr()
            if self.peek() is not None and self.peek().kind == "rparen":
                self.take()
            else:
                self.warnings.append("missing ')' added")
            return node
        if tok.kind == "op":  # NOT handled above; a lone AND/OR is dropped
            return None
        if tok.kind == "phrase":
            self.plain = False
            return self._count(Phrase(tok.text)) if query_words(tok.text) else None
        if tok.kind == "field":
            self.plain = False
            return self.scoped(tok.text)
        if tok.kind in ("word", "range"):
            return self.word(tok.text)
        return None

    def scoped(self, name: str) -> object | None:
        tok = self.peek()
        if tok is None or tok.kind in ("rparen", "op", "field", "minus", "lparen"):
            return None  # "person:" with nothing after it
        tok = self.take()
        if tok.kind == "range":
            if name != "date":
                raise QuerySyntaxError(tok.text, f"a range [.. TO ..] only works with date:, not {name}:")
            lo, _, hi = tok.text.partition(" TO ")
            return self._count(
                Scoped("date", (_parse_date(lo.strip(), False), _parse_date(hi.strip(), True)))
            )
        if name == "date":
            return self._count(Scoped("date", (_parse_date(tok.text, False), _parse_date(tok.text, True))))
        if tok.kind == "phrase":
            return self._count(Scoped(name, Phrase(tok.text)))
        node = self.word(tok.text)
        return Scoped(name, node) if node is not None else None

    def word(self, raw: str) -> object | None:
        prefix = fuzzy = 0
        m = re.match(r"(.*?)~(\d?)\Z", raw)
        if m:
            raw, fuzzy = m.group(1), min(int(m.group(2) or 1), 2)
            self.plain = False
        if raw.endswith("*"):
            raw, prefix = raw.rstrip("*"), 1
            self.plain = False
        pieces = query_words(raw)
        if not pieces:
            return None
        nodes = []
        for k, qw in enumerate(pieces):
            last = k == len(pieces) - 1
            nodes.append(self._count(Word(qw.text, prefix=bool(prefix and last), fuzzy=fuzzy if last else 0)))
        return _and(nodes)

    def _count(self, node: object) -> object | None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            if self.clauses == MAX_CLAUSES + 1:
                self.warnings.append(f"only the first {MAX_CLAUSES} terms are used")
            return None
        return node


def _and(parts: list) -> object | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _parse_date(text: str, upper: bool) -> int:
    """``2018``/``2018-05``/``2018-05-31`` -> yyyymmdd, the first (or with ``upper`` the last) day covered."""
    m = _DATE.match(text.strip())
    if not m:
        raise QuerySyntaxError(text, f"not a date: {text!r} (use 2018, 2018-05 or 2018-05-31)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
        raise QuerySyntaxError(text, f"not a date: {text!r} (month 1-12, day 1-31)")
    if upper:
        return year * 10000 + int(month or 12) * 100 + int(day or 31)
    return year * 10000 + int(month or 1) * 100 + int(day or 1)


def clean_text(text: str) -> str:
    """Normalise what a user typed: NFC, typographic quotes to ``"``, control characters to spaces."""
    text = unicodedata.normalize("NFC", text or "").translate(_QUOTES)
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).strip()


def parse(text: str) -> ParsedQuery:
    """Parse user input; never raises for odd input, only for invalid dates or oversize queries."""
    cleaned = clean_text(text)
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QuerySyntaxError(
            cleaned[:50], f"query too long ({len(cleaned):,} characters; at most {MAX_QUERY_CHARS:,})"
        )
    parser = _Parser(_lex(cleaned))
    try:
        tree = parser.parse()
    except RecursionError:  # hundreds of nested "(": a clear error instead of a crash
        raise QuerySyntaxError(cleaned[:50], "too many nested parentheses") from None
    return ParsedQuery(
        text=cleaned,
        tree=tree,
        warnings=tuple(parser.warnings),
        plain=parser.plain,
        words=tuple(_positive_words(tree)),
    )


def _positive_words(node: object) -> list[str]:
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, And | Or):
        return [w for c in node.children for w in _positive_words(c)]
    return []


# ----------------------------------------------------------------------------- compiling


class Compiler:
    """Tree -> Whoosh query against one reader (needed to expand ``*``/``~`` and to resolve entity names)."""

    def __init__(self, reader: IndexReader, resolve_country=None, resolve_person=None, within=None):  # noqa: ANN001
        self.reader = reader
        self.resolve_country = resolve_country
        self.resolve_person = resolve_person
        # words of the index within an edit distance: the generation's vocabulary (search.vocabulary), or
        # one read from this reader
        self.within = within or Vocabulary(reader).within
        self.keep_stopwords = False
        # "some words" mode: compound parts of a query word count too (with a low weight)
        self.loose = False

    def compile(self, node: object | None) -> wq.Query:
        """The Whoosh query; stop words are dropped unless the query has nothing else (``"die"``)."""
        if node is None:
            return wq.Every()
        q = self._node(node)
        if q is None:
            self.keep_stopwords = True
            try:
                q = self._node(node)
            finally:
                self.keep_stopwords = False
        return q if q is not None else wq.NullQuery

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
            values = [v for v in _lexicon(self.reader, name) if v.lower() == wanted]
            return _any_term(name, values or [text])
        return None

    def _prefix_terms(self, prefix: str) -> list[str]:
        limits.check("expanding * and ~")
        if len(prefix) < MIN_PREFIX:
            return []
        out = []
        for term in self.reader.expand_prefix("exact", prefix):
            out.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if len(out) >= MAX_EXPANSIONS:
                break
        return out

    def _fuzzy_terms(self, text: str, maxdist: int) -> list[str]:
        limits.check("expanding * and ~")
        if len(text) < 3:
            return [text]
        terms = self.within(text, maxdist)
        limits.check("expanding * and ~")
        return sorted(terms, key=lambda t: (-self.reader.doc_frequency("exact", t), t))[:MAX_EXPANSIONS]

    def _expanded(self, fieldname: str, terms: list[str], what: str) -> wq.Query | None:
        if not terms:
            return wq.NullQuery
        return wq.Or([wq.Term(fieldname, t, boost=WEIGHTS[fieldname]) for t in terms])


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
