"""One search on OpenSearch, step for step as :mod:`search.engine.whoosh.searcher`: parse -> resolve names ->
one request with the text query, the facet filters as ``post_filter`` and one aggregation per facet (plus the
timeline) -> the "some words" fallback when a plain query finds nothing -> "Meinten Sie" when little is
found. The mention boost of a selected person or country is a ``script_score`` over the ``mentions`` doc
values (the same formula as Whoosh's); exports page through every hit with ``search_after``.

Why the same steps: both engines must give the same answers to the same request (the API contract tests
run against both), so each decision (when to fall back, what to suggest, how to rank by mentions) is taken
the same way, only counted by OpenSearch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from search.core.errors import QuerySyntaxError
from search.core.facets import MENTION_FIELDS
from search.core.labels import country_label, locale_or_default
from search.core.models import (
    Hit,
    HitStream,
    SearchRequest,
    SearchResponse,
    article_path,
    expansion_cut_warning,
)
from search.core.periods import bounds
from search.engine.names import NameResolver
from search.engine.opensearch import facets as agg
from search.engine.opensearch.client import Client, ShardsUnavailable
from search.engine.opensearch.compiler import Resolvers, compile_tree, word
from search.engine.opensearch.documents import mention_key
from search.engine.opensearch.explain import explain_hits
from search.engine.opensearch.overview import Facts
from search.engine.opensearch.spelling import respelled, suggestion_for, surface_forms
from search.engine.shared import (
    MAX_DUPLICATES_LISTED,
    PART_MATCH_SHARE,
    content_words,
    coordination_weight,
    duplicate_json,
    hit_json,
    sorted_duplicates,
)
from search.engine.typos import Respelling
from search.text.analysis import fold
from search.text.highlight import query_terms
from search.text.query import ParsedQuery, parse
from search.text.query import Word as QWord

SUGGEST_BELOW = 3  # offer "Meinten Sie ...?" when fewer hits than this (as the Whoosh engine)
COORDINATION = 0.9  # "some words": documents matching more of the words first (as the Whoosh engine)
MENTION_BOOST = 0.3  # score x (1 + 0.3 ln(1 + mentions)) of a selected person or country (as Whoosh)
MAX_EXPANSIONS = 200  # words sharing a beginning in the "similar words" fallback
EXPORT_PAGE = 500  # hits per request while an export streams
MAX_SUGGESTIONS = 8

ORDERS = {
    "newest": [{"pubdate": "desc"}, {"id": "asc"}],
    "oldest": [{"pubdate": "asc"}, {"id": "asc"}],
    "relevance": [{"_score": "desc"}, {"pubdate": "desc"}, {"id": "asc"}],
}
SOURCE = [
    "id",
    "dup_group",
    "title",
    "text",
    "date",
    "date_estimated",
    "date_precision",
    "url",
    "entities",
    "stored",
    "title_derived",
    "path",
]
#: Score by mentions: the sum of the selected values' counts (``mentions`` doc values), as Whoosh's weight.
MENTION_SCRIPT = """
double m = 0;
for (def v : doc['mentions']) {
  for (def k : params['keys']) {
    if (v.startsWith(k)) { m += Double.parseDouble(v.substring(k.length())); }
  }
}
double w = Math.log1p(m);
return params['empty'] ? w : _score * (1 + params['boost'] * w);
"""

Query = dict[str, Any]


@dataclass
class Context:
    """One snapshot's connection, index and per-state facts."""

    client: Client
    index: str
    facts: Facts

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One search request; a partial answer (a shard without a live copy) is an error, never shown."""
        answer = self.client.request("POST", f"/{self.index}/_search", body)
        shards = answer.get("_shards") or {}
        if shards.get("failed"):
            raise ShardsUnavailable(int(shards["failed"]), int(shards.get("total", 0)))
        return answer

    def count(self, query: Query) -> int:
        return int(self.client.request("POST", f"/{self.index}/_count", {"query": query})["count"])


@dataclass
class _Match:
    """What one request matches, before a page, facets or an export are read from it."""

    parsed: ParsedQuery
    text: Query  # the text query alone
    restrict: list[Query]  # date range, date_certain: apply to hits and every count
    filters: dict[str, tuple[str, ...]]  # facet filters, names resolved to indexed values
    facet_filters: dict[str, Query]
    resolvers: Resolvers
    names: NameResolver
    warnings: tuple[str, ...]
    match: str = "all"
    empty: bool = True  # no words and no mention ranking: ordered by date
    resolved: list[dict[str, str]] = field(default_factory=list)
    corrected: dict[str, str] | None = None  # {"from": typed, "to": searched} when the query was corrected

    def query(self, text: Query | None = None) -> Query:
        """The scored query (text, restrictions, mention boost) without the facet filters."""
        base: Query = {"bool": {"must": [text or self.text], "filter": self.restrict}}
        selected = [(f, vals) for f, vals in self.filters.items() if vals and f in MENTION_FIELDS]
        if not selected:
            return base
        keys = [mention_key(f, v) for f, vals in selected for v in vals]
        params = {"keys": keys, "empty": self.empty_text, "boost": MENTION_BOOST}
        return {"script_score": {"query": base, "script": {"source": MENTION_SCRIPT, "params": params}}}

    @property
    def empty_text(self) -> bool:
        return self.parsed.tree is None or self.text == {"match_all": {}}

    @property
    def post_filter(self) -> Query:
        return {"bool": {"filter": list(self.facet_filters.values())}}

    @property
    def mention_ranked(self) -> bool:
        return any(vals and f in MENTION_FIELDS for f, vals in self.filters.items())


def _match(ctx: Context, request: SearchRequest) -> _Match:
    parsed = parse(request.q)
    names = NameResolver(ctx.facts)
    resolvers = Resolvers(
        person=names.query_person(),
        country=names.query_country(),
        values=lambda facet: sorted(ctx.facts.values(facet)),
        expand=lambda prefix, n: prefix_words(ctx, prefix, n, ties_ascending=True),
    )
    text = compile_tree(parsed.tree, resolvers)
    cut = tuple(expansion_cut_warning(*c) for c in resolvers.cuts)  # the hit total is then a lower bound
    restrict: list[Query] = []
    span = bounds(request.date_from, request.date_to)
    if span is not None:
        restrict.append({"range": {"pubdate": {k: v for k, v in (("gte", span[0]), ("lte", span[1])) if v}}})
    if request.date_certain:
        restrict.append({"bool": {"must_not": [{"term": {"date_estimated": True}}]}})
    filters = names.filters(request.filters)
    m = _Match(
        parsed,
        text,
        restrict,
        filters,
        agg.facet_filters(filters, request.ops()),
        resolvers,
        names,
        parsed.warnings + cut,
    )
    m.empty = m.empty_text and not m.mention_ranked
    m.resolved = names.resolved
    return m


def _order(request: SearchRequest, m: _Match) -> list[dict]:
    """Hits without words and without mention ranking are listed newest first."""
    order = "newest" if request.sort == "relevance" and m.empty else request.sort
    return ORDERS.get(order, ORDERS["relevance"])


def _stored(source: dict[str, Any]) -> dict[str, Any]:
    """The stored fields in the shape :func:`search.engine.shared.hit_json` reads (as Whoosh stores them)."""
    stored = {k: v for k, v in source.items() if k not in ("stored", "text")}
    stored["body"] = source.get("text", "")
    stored.update(source.get("stored") or {})
    return stored


def search(ctx: Context, request: SearchRequest, started: float | None = None) -> SearchResponse:
    """Results of the requested page, facets, the timeline, snippets, suggestion and fallback."""
    started = time.perf_counter() if started is None else started
    lang = locale_or_default(request.lang)
    m = _match(ctx, request)
    answer = _request(ctx, m, request, m.query())
    total = _hits_total(answer)
    suggestion = None
    if total < SUGGEST_BELOW:
        respelling = respelled(ctx, m.parsed, correct=total == 0 and not request.exact)
        suggestion = suggestion_for(ctx, m.resolvers, respelling, total)
        if _correct(ctx, m, respelling):  # found nothing: the confident correction is searched instead
            answer = _request(ctx, m, request, m.query())
            total = _hits_total(answer)
    loose: Query | None = None
    if total == 0 and m.parsed.plain:
        loose = _some_words(ctx, m)
        if loose is not None:
            fallback = _request(ctx, m, request, m.query(loose))
            if _hits_total(fallback):
                answer, m.match, m.empty = fallback, "some", False
                total = _hits_total(answer)
    aggregations = answer["aggregations"]
    more = agg.needs_all(aggregations, request.facet_size, request.facet_prefix)
    if more:  # ties at the cut of an entity facet: count it in full
        body = {
            "query": m.query(loose if m.match == "some" else None),  # type: ignore[arg-type]
            "size": 0,
            "aggs": _facet_aggs(ctx, m, request, more),
        }
        aggregations.update(ctx.search(body)["aggregations"])
    facet_values, totals = agg.facet_values(
        aggregations, m.filters, lang, request.facet_size, request.facet_prefix
    )
    terms = query_terms(m.parsed.tree)
    results = [
        hit_json(
            _stored(h["_source"]),
            h.get("_score") if not m.empty else None,
            terms,
            lang,
            request.with_snippets,
        )
        for h in answer["hits"]["hits"]
    ]
    if request.explain and results:  # only the page's hits, never all matches
        stored = [_stored(h["_source"]) for h in answer["hits"]["hits"]]
        explained = explain_hits(m.parsed.tree, m.resolvers, m.match == "some", stored)
        for hit, entries in zip(results, explained, strict=True):
            hit["explain"] = entries
    for hit, h in zip(results, answer["hits"]["hits"], strict=True):
        copies = [c for c in h.get("inner_hits", {}).get(COPIES, {}).get("hits", {}).get("hits", ())]
        listed = [duplicate_json(_stored(c["_source"])) for c in copies if c["_source"]["id"] != hit["id"]]
        if listed:
            hit["duplicates"] = sorted_duplicates(listed[:MAX_DUPLICATES_LISTED])
    return SearchResponse(
        query=m.corrected["from"] if m.corrected else m.parsed.text,
        total=total,
        page=request.page,
        per_page=request.per_page,
        took_ms=(time.perf_counter() - started) * 1000,
        generation=ctx.index,
        results=results,
        facets=facet_values,
        facet_totals=totals,
        suggestion=suggestion,
        warnings=m.warnings,
        sort=request.sort,
        match=m.match,
        timeline=agg.timeline(aggregations),
        facet_ops=request.ops(),
        resolved=m.resolved,
        corrected=m.corrected,
    )


def _request(ctx: Context, m: _Match, request: SearchRequest, query: Query) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": query,
        "post_filter": m.post_filter,
        "aggs": _facet_aggs(ctx, m, request),
        "sort": _order(request, m),
        "from": (request.page - 1) * request.per_page,
        "size": request.per_page,
        "track_total_hits": True,
        "_source": SOURCE,
    }
    if ctx.facts.grouped():  # near-duplicates: one hit per group, its other matching copies listed with it
        inner = {"name": COPIES, "size": MAX_DUPLICATES_LISTED + 1, "_source": SOURCE, "sort": body["sort"]}
        body["collapse"] = {"field": "dup_group", "inner_hits": inner}
        body["aggs"][GROUPS] = {"filter": m.post_filter, "aggs": {"n": agg.group_count()}}
    return ctx.search(body)


def _facet_aggs(
    ctx: Context, m: _Match, request: SearchRequest, full: frozenset[str] | None = None
) -> dict[str, Any]:
    """The request's facet aggregations (``full``: only these facets, every value counted)."""
    args = (m.facet_filters, request.ops(), m.filters, request.facet_size, request.facet_prefix)
    if full is None:
        return agg.facet_aggs(*args, groups=_groups(ctx))
    return agg.facet_aggs(*args, full, full, groups=_groups(ctx))


def _groups(ctx: Context) -> agg.Groups | None:
    """The index's near-duplicate groups, for facet counts of groups (None: it has none)."""
    keys, articles = ctx.facts.groups()
    return agg.Groups(keys, articles) if keys else None


#: The inner hits of a collapsed hit and the aggregation counting the matching groups.
COPIES, GROUPS = "copies", "hit_groups"


def _hits_total(answer: dict[str, Any]) -> int:
    """The hit total of one answer: the matching groups of near-duplicates when hits are collapsed."""
    groups = (answer.get("aggregations") or {}).get(GROUPS)
    return int(groups["n"]["value"]) if groups else int(answer["hits"]["total"]["value"])


def export(ctx: Context, request: SearchRequest, limit: int) -> HitStream:
    """Every hit of ``request`` up to ``limit`` in page order, without snippets; pages of hits are read
    with ``search_after`` only as the stream is consumed."""
    m = _match(ctx, request)
    query = m.query()
    total = _total(ctx, m, query)
    if total == 0 and not request.exact and _correct(ctx, m, respelled(ctx, m.parsed, correct=True)):
        query = m.query()
        total = _total(ctx, m, query)
    if total == 0 and m.parsed.plain:
        loose = _some_words(ctx, m)
        if loose is not None:
            m.empty = False
            loose_total = _total(ctx, m, m.query(loose))
            if loose_total:
                query, total, m.match = m.query(loose), loose_total, "some"
    lang = locale_or_default(request.lang)
    sort = _order(request, m)

    def hits() -> Iterator[Hit]:
        seen: set[str] = set()
        after: list | None = None
        left = min(limit, total)
        while left > 0:
            body: dict[str, Any] = {
                "query": query,
                "post_filter": m.post_filter,
                "sort": sort,
                "size": min(EXPORT_PAGE, left),
                "_source": SOURCE,
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            page = ctx.search(body)["hits"]["hits"]
            for h in page:
                group = h["_source"].get("dup_group")
                if group in seen:
                    continue  # a copy of a hit already exported (hits are collapsed as on the pages)
                if group is not None:
                    seen.add(group)
                yield hit_json(
                    _stored(h["_source"]), h.get("_score") if not m.empty else None, None, lang, False
                )
                left -= 1
                if left <= 0:
                    return
            if len(page) < body["size"]:
                return
            after = page[-1]["sort"]

    return HitStream(total=total, limit=limit, generation=ctx.index, hits=hits())


def _total(ctx: Context, m: _Match, query: Query) -> int:
    body: dict[str, Any] = {
        "query": {"bool": {"must": [query], "filter": [m.post_filter]}},
        "size": 0,
        "track_total_hits": True,
    }
    if ctx.facts.grouped():
        body["aggs"] = {GROUPS: {"filter": {"match_all": {}}, "aggs": {"n": agg.group_count()}}}
    return _hits_total(ctx.search(body))


# ----------------------------------------------------------------------------- "some words" and suggestions


def _some_words(ctx: Context, m: _Match) -> Query | None:
    """A plain keyword query that found nothing with AND: any of its content words, documents matching more
    of them first (Whoosh's coordination: score x (0.1 + 0.9 x matched weight / all weight), each word weighted
    by :func:`search.engine.shared.coordination_weight`); a single word found nowhere:
    the words of the index that share its beginning."""
    words = content_words(m.parsed.words)
    if not words:
        return None
    if len(words) == 1:
        return _similar_words(ctx, words[0])
    pairs = [(word(QWord(w)), word(QWord(w), loose=True)) for w in words]
    pairs = [(whole, loose) for whole, loose in pairs if whole is not None and loose is not None]
    if not pairs:
        return None
    subqueries = [loose for _, loose in pairs]
    # every word's number of articles, as typed and with its parts, in one request (a filters aggregation), not
    # two count requests per word
    wholes = [whole for whole, _ in pairs]
    body = {
        "size": 0,
        "track_total_hits": True,
        "aggs": {"words": {"filters": {"filters": wholes + subqueries}}},
    }
    answer = ctx.search(body)
    live = max(1, int(answer["hits"]["total"]["value"]))
    counts = [int(b["doc_count"]) for b in answer["aggregations"]["words"]["buckets"]]
    as_typed, loosely = counts[: len(pairs)], counts[len(pairs) :]
    weights = [coordination_weight(live, n or n_loose) for n, n_loose in zip(as_typed, loosely, strict=True)]
    total = sum(weights)
    # a word matched as typed counts its whole weight, one matched only through a compound part a share of it
    # (all of it when the word is found nowhere as typed: its parts are the best there is)
    functions = [{"filter": {"match_all": {}}, "weight": 1 - COORDINATION}]
    for (whole, loose), w, n in zip(pairs, weights, as_typed, strict=True):
        share = PART_MATCH_SHARE if n else 1.0
        if n:
            functions.append({"filter": whole, "weight": COORDINATION * w * (1 - share) / total})
        functions.append({"filter": loose, "weight": COORDINATION * w * share / total})
    return {
        "function_score": {
            "query": {"bool": {"should": subqueries, "minimum_should_match": 1}},
            "functions": functions,
            "score_mode": "sum",
            "boost_mode": "multiply",
        }
    }


def _similar_words(ctx: Context, text: str) -> Query | None:
    """``Sepsis`` -> ``septische``: index words that begin like the word minus its last three letters."""
    lower = text.lower()
    if len(lower) < 5:
        return None
    prefix = fold(lower[: max(3, len(lower) - 3)])
    terms = prefix_words(ctx, prefix, MAX_EXPANSIONS, by_key=True)
    if not terms:
        return None
    return {
        "bool": {
            "should": [{"terms": {f: terms}} for f in ("t_exact", "t_exact_alt")],
            "minimum_should_match": 1,
        }
    }


def _regex_literal(text: str) -> str:
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def prefix_words(
    ctx: Context, prefix: str, size: int, by_key: bool = False, ties_ascending: bool = False
) -> list[str]:
    """Index words (folded) beginning with ``prefix``: in word order (``by_key``) or most documents first
    (ties in reverse word order as the completions take them, or in word order as expansions do)."""
    order = (
        [{"_key": "asc"}] if by_key else [{"_count": "desc"}, {"_key": "asc" if ties_ascending else "desc"}]
    )
    body = {
        "size": 0,
        "query": {"prefix": {"words": prefix}},
        "aggs": {
            "w": {
                "terms": {
                    "field": "words",
                    "include": _regex_literal(prefix) + ".*",
                    "size": size,
                    "order": order,
                }
            }
        },
    }
    return [b["key"] for b in ctx.search(body)["aggregations"]["w"]["buckets"]]


def _correct(ctx: Context, m: _Match, respelled: Respelling | None) -> bool:
    """Search the confident correction instead of a query that found nothing (``m`` then holds it), when the
    correction finds articles with the request's filters."""
    if respelled is None or respelled.correction is None:
        return False
    try:
        fixed = parse(respelled.correction)
    except QuerySyntaxError:
        return False
    text = compile_tree(fixed.tree, m.resolvers)
    if not _total(ctx, m, m.query(text)):
        return False
    m.corrected = {"from": m.parsed.text, "to": fixed.text}
    m.parsed, m.text = fixed, text
    return True


# ----------------------------------------------------------------------------- completions and similar articles


def suggest(ctx: Context, q: str, lang: str = "de") -> dict[str, Any]:
    """Completions for the last word typed: entity names first, then frequent words of the index."""
    q = q.strip()
    typed = q.split()
    if not typed:
        return {"query": q, "suggestions": []}
    last = typed[-1]
    head = " ".join(typed[:-1])
    want = fold(last)
    out: list[dict] = []
    for name in sorted(ctx.facts.values("person")):
        if any(fold(part).startswith(want) for part in name.replace("-", " ").split()):
            out.append({"value": name, "label": name, "kind": "person"})
    for code in sorted(ctx.facts.values("country")):
        label = country_label(code, lang)
        if fold(label).startswith(want):
            out.append({"value": code, "label": label, "kind": "country"})
    if len(want) >= 2 and len(out) < MAX_SUGGESTIONS:
        terms = prefix_words(ctx, want, MAX_SUGGESTIONS)
        forms = surface_forms(ctx, terms[: MAX_SUGGESTIONS - len(out)])
        for term in terms:
            if term in forms:
                text = f"{head} {forms[term]}".strip()
                out.append({"value": text, "label": text, "kind": "term"})
    return {"query": q, "suggestions": out[:MAX_SUGGESTIONS]}


_VALID_ID = re.compile(r"[^\x00-\x1f\x7f/\\]{1,255}\Z")


def valid_id(article_id: str) -> bool:
    """Whether ``article_id`` can be an article's id (never looked up otherwise)."""
    return bool(_VALID_ID.match(article_id or "")) and article_id not in (".", "..")


def similar(ctx: Context, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
    """Articles like this one: OpenSearch's more_like_this over the stemmed body (12 key terms, as Whoosh)."""
    body = {
        "query": {
            "bool": {
                "must": [
                    {
                        "more_like_this": {
                            "fields": ["t_body"],
                            "like": [{"_index": ctx.index, "_id": article_id}],
                            "max_query_terms": 12,
                            "min_term_freq": 1,
                            "min_doc_freq": 1,
                            "stop_words": ["_"],
                        }
                    }
                ],
                "must_not": [{"ids": {"values": [article_id]}}],
            }
        },
        "size": limit,
        "_source": ["id", "title", "date", "date_precision", "date_estimated"],
    }
    hits = ctx.search(body)["hits"]["hits"]
    return [
        {
            "id": h["_source"]["id"],
            "title": h["_source"].get("title", ""),
            "date": h["_source"].get("date"),
            "date_precision": h["_source"].get("date_precision"),  # a month is shown as the month
            "date_estimated": bool(h["_source"].get("date_estimated")),
            "url": article_path(h["_source"]["id"]),
        }
        for h in hits
    ]
