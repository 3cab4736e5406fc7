"""Plain data passed between the stages: ingest -> analyse -> index -> search -> render.

Frozen dataclasses where a stage must not quietly change what an earlier stage produced. The search
models are engine-neutral: every engine answers a :class:`SearchRequest` with a :class:`SearchResponse`
whose hits are already in the JSON API's shape (:class:`Hit`), so HTML, JSON and CLI render one object.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from search.core.facets import BY_NAME, FACETS


@dataclass(frozen=True)
class Article:
    """One article as read from disk, normalised, with its metadata (before entity extraction)."""

    id: str
    path: str  # relative to the articles folder, POSIX separators
    text: str  # normalised body text (NFC, no soft hyphens, metadata header removed)
    title: str
    content_hash: str  # sha256 of the raw file bytes: decides whether a reindex must touch it
    title_derived: bool = True
    date: dt.date | None = None
    date_precision: str | None = None  # "year" | "month" | "day"
    date_estimated: bool = False
    source: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()
    # (size, mtime_ns, inode) of the file read, recorded in the index manifest (what was read, not scanned)
    read_stat: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (shown in the reindex summary)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ReindexSummary:
    """What a reindex did; printed as one line by the CLI and returned as JSON by tools."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    generation: str | None = None
    full: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        """One-line human summary (German field names would confuse scripts; keep it plain)."""
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)} in {self.seconds:.2f} s"
            + (f" -> {self.generation}" if self.generation else " (index unchanged)")
        )


#: Result orders a request may ask for.
SORTS = ("relevance", "newest", "oldest")
#: Where the web pages show one article; hits carry it as ``url`` (part of the JSON API).
ARTICLE_PATH = "/artikel/{id}"


def article_path(article_id: str) -> str:
    """The address of an article's page, as hits and similar-article lists link to it."""
    return ARTICLE_PATH.format(id=article_id)


@dataclass(frozen=True)
class SearchRequest:
    """A validated search request (see :mod:`search.core.params` for the HTTP/CLI edge)."""

    q: str = ""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    lang: str = "de"
    facet_size: int = 10
    facet_prefix: dict[str, str] = field(default_factory=dict)
    with_snippets: bool = True
    # Publication date range as given (YYYY, YYYY-MM or YYYY-MM-DD; "" leaves that end open), validated
    # by search.core.periods.date_range; every facet count respects it.
    date_from: str = ""
    date_to: str = ""
    # explain=1: each hit of the page says which query words matched it, where and how (only that page)
    explain: bool = False
    # date_certain=1: estimated publication dates are left out (articles with a date from metadata, the path
    # or a date line, and undated ones, remain)
    date_certain: bool = False
    # how several values of a facet combine ("and" | "or"), only where it differs from the registry's default
    facet_ops: dict[str, str] = field(default_factory=dict)
    # exact=1: the words as typed, never auto-corrected (the "search instead for" link of a corrected search)
    exact: bool = False

    def op(self, facet: str) -> str:
        """The logic of ``facet``'s values in this request: chosen, else the registry's default."""
        return self.facet_ops.get(facet) or BY_NAME[facet].default_op

    def ops(self) -> dict[str, str]:
        """Every facet's logic in this request (what the response reports as ``facet_ops``)."""
        return {f.name: self.op(f.name) for f in FACETS}


class Hit(TypedDict):
    """One result in the JSON API's shape (keys are only ever added)."""

    id: str
    title: str
    date: str | None
    date_estimated: bool
    date_precision: str | None
    source: str | None
    url: str
    source_url: str | None
    score: float | None
    snippets: list[str]
    persons: list[str]
    countries: list[dict[str, str]]
    explain: NotRequired[list[dict]]  # only with SearchRequest.explain


#: The warning of a ``*``/``~`` word that matched more index words than a query may use (the web page
#: translates it: :func:`expansion_cut`).
_EXPANSION_CUT = "{word}: only the {used} most frequent of {found} matching words are used"
_EXPANSION_CUT_PATTERN = re.compile(
    r"(.+): only the (\d+) most frequent of (\d+\+?) matching words are used\Z"
)


def expansion_cut_warning(word: str, used: int, found: str) -> str:
    """``Impf*: only the 2000 most frequent of 2345 matching words are used``."""
    return _EXPANSION_CUT.format(word=word, used=used, found=found)


def expansion_cut(warning: str) -> tuple[str, int, str] | None:
    """``(word, used, found)`` of an expansion warning (None for any other warning)."""
    m = _EXPANSION_CUT_PATTERN.match(warning)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else None


@dataclass
class SearchResponse:
    """Everything a renderer needs; ``to_json`` gives the stable API shape."""

    query: str
    total: int
    page: int
    per_page: int
    took_ms: float
    generation: str
    results: list[Hit]
    facets: dict[str, list[dict]]
    facet_totals: dict[str, int]
    suggestion: str | None = None
    match: str = "all"
    warnings: tuple[str, ...] = ()
    sort: str = "relevance"
    # Articles per month (per year over long spans) for the query and all filters: what the result page
    # draws (search.core.periods.period_series).
    timeline: list[dict] = field(default_factory=list)
    # how each facet's values combined ("and" | "or"): what the counts and the total mean
    facet_ops: dict[str, str] = field(default_factory=dict)
    # filter values typed as a name and resolved: {"facet", "value" (as typed), "resolved" (as indexed)}
    resolved: list[dict[str, str]] = field(default_factory=list)
    # a query that found nothing, searched corrected instead: {"from": typed query, "to": corrected query}
    # (search.engine.typos says when); the results, facets and snippets are the corrected query's
    corrected: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The ``/api/search`` body (``corrected`` only when the query was corrected)."""
        body: dict[str, Any] = {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "took_ms": round(self.took_ms, 2),
            "sort": self.sort,
            "match": self.match,
            "generation": self.generation,
            "results": self.results,
            "facets": self.facets,
            "facet_totals": self.facet_totals,
            "suggestion": self.suggestion,
            "warnings": list(self.warnings),
            "timeline": self.timeline,
            "facet_ops": self.facet_ops,
            "resolved": self.resolved,
        }
        if self.corrected:
            body["corrected"] = self.corrected
        return body


@dataclass
class HitStream:
    """All hits of a search (up to a limit) in its order, read one by one (exports): ``total`` counts every
    match, ``hits`` yields at most ``limit`` of them without snippets."""

    total: int
    limit: int
    generation: str
    hits: Iterator[Hit]

    @property
    def truncated(self) -> bool:
        """Whether more articles matched than the stream yields."""
        return self.total > self.limit


@dataclass(frozen=True)
class ArticleView:
    """One article for the API (``data``, the JSON body) and the article page (``matches``: the query's
    character spans in ``data["text"]``, computed once)."""

    data: dict[str, Any]
    matches: list[tuple[int, int]] = field(default_factory=list)


@dataclass(frozen=True)
class EntityPage:
    """What an entity page shows: its articles (with facets for the related entities) and its spellings."""

    facet: str
    value: str
    response: SearchResponse
    aliases: list[tuple[str, int]]
    # the user's corrections that concern this entity: {"line": n, "rule": "merge: A = B"}
    corrections: list[dict] = field(default_factory=list)
