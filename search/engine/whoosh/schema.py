"""The Whoosh schema: every indexed and stored field, in one place.

Text is indexed three ways (see :mod:`search.analysis`): ``title``/``body`` stemmed, ``exact`` folded but
unstemmed with positions (phrases, exact-match boost, spelling), ``parts`` compound parts. Facet fields are
keywords so filters are plain term queries and facet columns can be read from the term index.
"""

from __future__ import annotations

from whoosh.fields import BOOLEAN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search.core.facets import FIELDS, MENTION_FIELDS
from search.engine.whoosh.analyzer import GermanAnalyzer

# Field weights for BM25F-style scoring: a title match counts more than a body match, an exact (unstemmed)
# match more than a stem-only match, a compound part least.
WEIGHTS = {"title": 3.0, "body": 1.0, "exact": 1.0, "parts": 0.35}
TEXT_FIELDS = tuple(WEIGHTS)
FACET_FIELDS = tuple(FIELDS.values())


def _keyword() -> KEYWORD:
    return KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)


MAX_MENTIONS = 50  # mentions counted per article and value (beyond that an article is about it anyway)


def _mentions() -> KEYWORD:
    return KEYWORD(stored=False, commas=True, lowercase=False, scorable=True)


def mention_values(counts: dict[str, int]) -> str:
    """The value of a mention field: each value repeated as often as it is mentioned (capped)."""
    return ",".join(v for v, n in sorted(counts.items()) for _ in range(max(1, min(int(n), MAX_MENTIONS))))


def build_schema() -> Schema:
    """A fresh schema object (Whoosh pickles it into each index generation)."""
    return Schema(
        id=ID(stored=True, unique=True),
        path=STORED(),
        content_hash=STORED(),
        title=TEXT(analyzer=GermanAnalyzer("stem"), stored=True, phrase=False),
        body=TEXT(analyzer=GermanAnalyzer("stem"), stored=True, phrase=False),
        exact=TEXT(analyzer=GermanAnalyzer("exact"), phrase=True),
        parts=TEXT(analyzer=GermanAnalyzer("parts"), phrase=False),
        title_derived=BOOLEAN(stored=True),
        # Publication date: "YYYY-MM-DD" as stored text, yyyymmdd as a sortable number (0 = undated).
        date=STORED(),
        pubdate=NUMERIC(int, bits=32, stored=False, sortable=True, signed=False),
        date_precision=STORED(),
        date_estimated=BOOLEAN(stored=True),
        url=STORED(),
        # Facets (the registry in search.core.facets names them): "person" canonical names, "country" ISO
        # 3166-1 alpha-2, "published"/"mentioned" as "YYYY" and "YYYY-MM" values (the year value lets a year
        # facet count without summing months), "source" as written.
        **{fieldname: _keyword() for fieldname in FIELDS.values()},
        # How often the article mentions each person and country: the value repeated once per mention (up
        # to MAX_MENTIONS), so the term frequency is the count. Not stored; ranks an article about a person
        # above one that names them in passing when that person is filtered on.
        **{fieldname: _mentions() for fieldname in MENTION_FIELDS.values()},
        # Per-article detail the result list and article page show: mention counts, aliases, spans.
        entities=STORED(),
    )
