"""User text -> query tree, for the German query language (engine-neutral; each engine compiles the tree).

Syntax: words are ANDed; ``OR``/``ODER``, ``AND``/``UND``, ``NOT``/``NICHT`` or ``-word``; ``"exact phrase"``;
``prefix*``; ``fuzzy~`` (``~2``); parentheses; field scopes ``person:``, ``country:``/``land:``,
``title:``/``titel:``, ``source:``/``quelle:``, ``date:``/``datum:`` (``2018``, ``2018-05``,
``2018-05-31``, ``[2018-04 TO 2018-06]``), ``mentioned:``/``erwähnt:``.

Parsing never fails on what a user can type: unbalanced quotes and brackets are closed, stray operators are
dropped, unknown ``field:`` prefixes are read as words. Only things that cannot mean anything (an invalid
date, a query longer than :data:`MAX_QUERY_CHARS`) raise :class:`QuerySyntaxError` with a clear message.
Work is bounded: at most :data:`MAX_CLAUSES` clauses (an engine bounds the terms per ``*`` or ``~``), at
most :data:`MAX_PHRASE_WORDS` words per phrase or hyphenated word (a 666-word ``"in in in …"`` cost
seconds of position matching), and a word or phrase repeated within one AND group counts once (``a a`` finds
what ``a`` finds; the repeats would use up the clause budget). Each cap that cuts adds a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from search.core.errors import QuerySyntaxError
from search.core.params import MAX_QUERY_CHARS, clean_text
from search.text.analysis import query_words

MAX_CLAUSES = 40
#: Words a phrase (or the pieces a hyphenated word) may have; a longer one is cut with a warning. Long enough
#: for a quoted sentence; each word costs a pass over the positions of the documents still matching.
MAX_PHRASE_WORDS = 32

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
        # Leaves already in each open AND group, keyed with the scope and sign they appear under
        # (``a -a`` and ``a person:a`` are different clauses; ``a a`` is one).
        self.groups: list[set] = []
        self.context: tuple[str | None, bool] = (None, False)

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
        self.groups.append(set())
        try:
            return self._and_group(parts)
        finally:
            self.groups.pop()

    def _and_group(self, parts: list) -> object | None:
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
            outer = self.context
            self.context = (outer[0], not outer[1])
            try:
                child = self.unary()
            finally:
                self.context = outer
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
            return self._count(Phrase(self._capped(tok.text))) if query_words(tok.text) else None
        if tok.kind == "field":
            self.plain = False
            outer = self.context
            self.context = (tok.text, outer[1])
            try:
                return self.scoped(tok.text)
            finally:
                self.context = outer
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
            return self._count(Scoped(name, Phrase(self._capped(tok.text))))
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
            text = qw.text if len(qw.exact) <= MAX_PHRASE_WORDS else self._capped(qw.text)
            nodes.append(self._count(Word(text, prefix=bool(prefix and last), fuzzy=fuzzy if last else 0)))
        return _and(nodes)

    def _capped(self, text: str) -> str:
        """``text`` cut to its first :data:`MAX_PHRASE_WORDS` words (hyphen pieces count singly)."""
        kept: list[str] = []
        room = MAX_PHRASE_WORDS
        for qw in query_words(text):
            if len(qw.exact) > room:
                if not kept:  # one giant hyphenated word: its first pieces
                    kept.append("-".join([p for p in _HYPHEN.split(qw.text) if p][:room]))
                break
            kept.append(qw.text)
            room -= len(qw.exact)
        else:
            return text
        message = f"only the first {MAX_PHRASE_WORDS} words of a phrase or hyphenated word are used"
        if message not in self.warnings:
            self.warnings.append(message)
        return " ".join(kept)

    def _count(self, node: object) -> object | None:
        if self.groups:
            key = (self.context, node)
            if key in self.groups[-1]:
                return None  # the same clause again in this AND group: it finds nothing new
            self.groups[-1].add(key)
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            if self.clauses == MAX_CLAUSES + 1:
                self.warnings.append(f"only the first {MAX_CLAUSES} terms are used")
            return None
        return node


_HYPHEN = re.compile(r"[-\u2010\u2011]")  # as search.text.analysis splits hyphenated words


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
