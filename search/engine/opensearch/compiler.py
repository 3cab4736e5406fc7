"""Query tree (:mod:`search.text.query`) -> OpenSearch query DSL over our token fields.

Mirrors :mod:`search.engine.whoosh.compiler` clause by clause (the same analysed forms in the same
fields, the same weights), so both engines match the same articles. ``prefix*`` expands as Whoosh does:
the most frequent index words with the prefix, each a scored term (a plain ``prefix`` query scores every
match alike, and its top ten shared 0-1 of ten hits with Whoosh's on FANG-COVID); ``word~`` uses
OpenSearch's ``fuzzy`` on the exact field with the same edit distances. Entity names
in ``person:``/``land:`` go through the request's :class:`Resolvers` (the index's persons, the country
gazetteer), and ``quelle:``/``erwähnt:`` values are matched against the index's values as in Whoosh.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from search.engine.opensearch.documents import WEIGHTS
from search.enrich.countries import resolve_country
from search.text.analysis import fold, query_word, query_words, stem
from search.text.compounds import compound_parts
from search.text.query import And, Not, Or, Phrase, Scoped, Word

MAX_EXPANSIONS = 200
#: Expansions of all * words of one query together, as the Whoosh engine's budget (2,000), but within
#: OpenSearch's default limit of 1,024 clauses per boolean query.
MAX_CLAUSES = 1000
SHORT_FUZZY = 5

Query = dict[str, Any]
NOTHING: Query = {"match_none": {}}


@dataclass(frozen=True)
class Resolvers:
    """What a query's entity and value clauses are resolved with (None: taken as written)."""

    person: Callable[[str], list[str]] | None = None
    country: Callable[[str], list[str]] | None = None
    values: Callable[[str], list[str]] | None = None  # facet -> the index's values (sources, mentioned)
    # (prefix, n) -> the n most frequent index words with that prefix (ties: in word order), as Whoosh expands
    expand: Callable[[str, int], list[str]] | None = None
    share: int = MAX_CLAUSES  # expansions each * word of the query may use
    # the * words whose expansions were cut: (word as typed, used, found), for the response's warnings
    cuts: list[tuple[str, int, str]] = dataclasses.field(default_factory=list)


#: The resolvers of the query being compiled (a context variable: server threads compile at the same time).
_current: contextvars.ContextVar[Resolvers | None] = contextvars.ContextVar("resolvers", default=None)


def compile_tree(node: object | None, resolvers: Resolvers | None = None) -> Query:
    """The query; stop words are dropped unless the query has nothing else (as in the Whoosh engine)."""
    if node is None:
        return {"match_all": {}}
    with _compiling(node, resolvers):
        q = _node(node, keep_stopwords=False)
        if q is None:
            q = _node(node, keep_stopwords=True)
    return q if q is not None else NOTHING


def compile_part(
    node: object, tree: object, resolvers: Resolvers | None = None, loose: bool = False
) -> Query | None:
    """One part of ``tree`` compiled as :func:`compile_tree` compiles it (with its share of the expansions;
    ``loose``: as the "some words" search), stop words left out as in the Whoosh engine's explanations: what
    ``explain=1`` looks up."""
    with _compiling(tree, resolvers):
        return word(node, loose=loose) if isinstance(node, Word) else _node(node, keep_stopwords=False)


@contextlib.contextmanager
def _compiling(tree: object, resolvers: Resolvers | None) -> Iterator[None]:
    """The resolvers of ``tree``'s compilation, with each ``*`` word's share of the clause budget."""
    resolvers = resolvers or Resolvers()
    expanding = _expanding(tree)
    if expanding:
        resolvers = dataclasses.replace(resolvers, share=_share(expanding))
    token = _current.set(resolvers)
    try:
        yield
    finally:
        _current.reset(token)


def _share(expanding: int) -> int:
    """Expansions each of ``expanding`` ``*`` words may use: the clause budget shared, one clause of each word
    kept for its joined forms (see :func:`word`)."""
    return max(1, MAX_CLAUSES // expanding - 1)


def _term(field: str, value: str) -> Query:
    return {"term": {field: {"value": value, "boost": WEIGHTS.get(field, 1.0)}}}


def _any(clauses: list[Query]) -> Query:
    return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}


def _node(node: object, keep_stopwords: bool) -> Query | None:
    if isinstance(node, Word):
        return word(node, keep_stopwords)
    if isinstance(node, Phrase):
        return phrase(node.text)
    if isinstance(node, Scoped):
        return scoped(node, keep_stopwords)
    if isinstance(node, Not):
        inner = _node(node.child, keep_stopwords)
        return {"bool": {"must_not": [inner]}} if inner is not None else None
    if isinstance(node, Or):
        subs = [q for q in (_node(c, keep_stopwords) for c in node.children) if q is not None]
        return _any(subs) if subs else None
    if isinstance(node, And):
        subs = [q for q in (_node(c, keep_stopwords) for c in node.children) if q is not None]
        if not subs:
            return None
        positives = [q for q in subs if not _negative(q)]
        negatives = [q["bool"]["must_not"][0] for q in subs if _negative(q)]
        out: dict[str, Any] = {"must": positives or [{"match_all": {}}]}
        if negatives:
            out["must_not"] = negatives
        return {"bool": out}
    raise TypeError(f"unknown node {node!r}")


def _negative(q: Query) -> bool:
    return set(q) == {"bool"} and set(q["bool"]) == {"must_not"}


def word(
    node: Word,
    keep_stopwords: bool = False,
    fields: tuple[str, ...] = ("title", "body", "exact", "parts"),
    loose: bool = False,
) -> Query | None:
    """One word in its fields and forms; ``loose`` ("some words" mode): a capitalised compound's parts
    count too, in the body with the parts' weight."""
    qw = query_word(node.text)
    if qw.stop and not keep_stopwords and not (node.prefix or node.fuzzy):
        return None
    if node.prefix:
        prefix = fold(node.text)
        if len(prefix) < 2:
            return NOTHING
        resolvers = _current.get() or Resolvers()
        if resolvers.expand is None:
            return _any(
                [{"prefix": {f: {"value": prefix, "boost": 1.0}}} for f in ("t_exact", "t_exact_alt")]
            )
        terms = resolvers.expand(prefix, resolvers.share + 1)  # scored like Whoosh's: each word a term
        if not terms:
            return NOTHING
        if len(terms) > resolvers.share:  # more words than the query's budget: say so, as Whoosh does
            terms = terms[: resolvers.share]
            cut = (f"{node.text}*", resolvers.share, f"{resolvers.share + 1}+")
            if cut not in resolvers.cuts:
                resolvers.cuts.append(cut)
        # a word that is only ever a joined form (``jongun`` of ``Jong-un``) is in the alt field alone: one
        # ``terms`` clause finds those there (a scored term per word and field would double the clauses)
        alt = {"terms": {"t_exact_alt": terms, "boost": WEIGHTS["t_exact_alt"]}}
        return _any([*(_term("t_exact", t) for t in terms), alt])
    if node.fuzzy:
        text = fold(node.text)
        if len(text) < 3:
            return _any([_term("t_exact", text), _term("t_exact_alt", text)])
        edits = min(node.fuzzy, 1) if len(text) <= SHORT_FUZZY else min(node.fuzzy, 2)
        return _any(
            [
                {"fuzzy": {f: {"value": text, "fuzziness": edits, "max_expansions": MAX_EXPANSIONS}}}
                for f in ("t_exact", "t_exact_alt")
            ]
        )
    if len(qw.stems) > 1:  # hyphenated: pieces as a phrase, or the joined word
        alts = [{"match_phrase": {"t_exact": {"query": " ".join(qw.exact), "boost": WEIGHTS["t_exact"]}}}]
        for f in fields:
            if f in ("title", "body"):
                alts.append(_term(f"t_{f}", qw.joined_stem or ""))
                if f == "body":
                    alts.append(_term("t_body_alt", qw.joined_stem or ""))
        alts.append(_term("t_exact_alt", qw.joined_exact or ""))
        return _any(alts)
    clauses = []
    for f in fields:
        term = qw.exact[0] if f == "exact" else qw.stems[0]
        if f == "parts" and len(term) < 3:
            continue
        clauses.append(_term(f"t_{f}", term))
        if f in ("body", "exact"):
            clauses.append(_term(f"t_{f}_alt", term))
    if loose and node.text[:1].isupper():
        for part in compound_parts(node.text):
            for f in ("t_body", "t_body_alt"):
                clauses.append({"term": {f: {"value": stem(part), "boost": WEIGHTS["t_parts"]}}})
    return _any(clauses)


def phrase(text: str, title_only: bool = False) -> Query | None:
    forms = [form for qw in query_words(text) for form in qw.exact]
    if not forms:
        return None
    if title_only:
        return {"bool": {"must": [_term("t_title", stem(f)) for f in forms]}}
    if len(forms) == 1:
        return _any([_term("t_exact", forms[0]), _term("t_exact_alt", forms[0])])
    return {"match_phrase": {"t_exact": {"query": " ".join(forms), "boost": WEIGHTS["t_exact"]}}}


def scoped(node: Scoped, keep_stopwords: bool) -> Query | None:
    name, value = node.field, node.value
    if name == "date":
        lo, hi = value
        return {"range": {"pubdate": {"gte": lo, "lte": hi}}}
    if name == "title":
        if isinstance(value, Phrase):
            return phrase(value.text, title_only=True)
        return word(value, keep_stopwords, fields=("title",)) if isinstance(value, Word) else None
    _resolvers = _current.get() or Resolvers()
    text = value.text if isinstance(value, Word | Phrase) else str(value)
    if isinstance(value, And):
        text = " ".join(w.text for w in value.children if isinstance(w, Word))
    if name == "country":
        codes = _resolvers.country(text) if _resolvers.country else resolve_country(text)
        codes = [c for c in codes if c]
        return {"terms": {"country": codes}} if codes else NOTHING
    if name == "person":
        names = _resolvers.person(text) if _resolvers.person else [text]
        return {"terms": {"person": names}} if names else NOTHING
    if name in ("source", "mentioned"):
        if _resolvers.values is None:
            return {"term": {name: {"value": text, "case_insensitive": True}}}
        known = _resolvers.values(name)
        found = [v for v in known if v.lower() == text.lower()]
        if not found:  # quelle:zeit.de without quotes arrives as the words "zeit de": dots aside
            found = [v for v in known if _value_key(v) == _value_key(text)]
        return {"terms": {name: found or [text]}}
    return None


def _value_key(value: str) -> str:
    """A field value without its punctuation: ``zeit.de`` and ``zeit de`` are one key."""
    return " ".join(w for w in re.split(r"[\W_]+", value.lower()) if w)


def _expanding(node: object) -> int:
    """How many ``*`` words the tree has (they share the expansions)."""
    if isinstance(node, Word):
        return int(bool(node.prefix))
    if isinstance(node, And | Or):
        return sum(_expanding(c) for c in node.children)
    if isinstance(node, Not):
        return _expanding(node.child)
    if isinstance(node, Scoped):
        return _expanding(node.value)
    return 0
