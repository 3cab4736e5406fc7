"""Facets on OpenSearch: one filtered aggregation per facet, read back into the shape the Whoosh engine gives.

A facet whose op is ``or`` counts with every *other* facet's filter (disjunctive: ticking a value never
hides its siblings); an ``and`` facet counts within the result (its own filter applies too). The hits
themselves are filtered by a ``post_filter``, so the aggregations see the query without the facet filters.
The answer is shaped exactly as :func:`search.engine.whoosh.columns.facet_values` shapes it (same order:
count, then label; dates as a year/month tree with estimated counts and ``none`` for undated articles;
selected values always shown), so pages and API do not know which engine counted.

Entity facets ask for ``size + MARGIN`` buckets and the number of distinct values; when the values tied at
the cut may go on beyond the buckets returned (Whoosh orders ties by label, OpenSearch by key), the facet
is counted again in full (:func:`needs_all`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from search.core.facets import AND, BY_NAME, FACETS, FIELDS, PUBLICATION, UNDATED
from search.core.labels import label
from search.core.periods import period_series
from search.engine.shared import date_tree, facet_entry, matches_facet_prefix

#: Buckets beyond the requested size, so that ties at the cut are complete in most answers.
MARGIN = 50
#: Buckets of a facet counted in full (dates always; entities when ties or a prefix need every value).
ALL = 60_000
CHRONOLOGICAL = frozenset(f.name for f in FACETS if f.chronological)
TIMELINE = "_timeline"

Query = dict[str, Any]


def facet_filters(filters: dict[str, tuple[str, ...]], ops: dict[str, str]) -> dict[str, Query]:
    """One filter per facet with selected values (``none``: the articles without a value); ``and``
    facets require every value."""
    out: dict[str, Query] = {}
    for name, values in filters.items():
        if not values or name not in FIELDS:
            continue
        clauses = [_value_filter(name, v) for v in values]
        if ops.get(name) == AND and len(values) > 1:
            out[name] = {"bool": {"filter": clauses}}
        else:
            out[name] = (
                clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}
            )
    return out


def _value_filter(name: str, value: str) -> Query:
    field = FIELDS[name]
    if value == UNDATED and BY_NAME[name].undated:
        return {"bool": {"must_not": [{"exists": {"field": field}}]}}
    return {"term": {field: value}}


def facet_aggs(
    filters: dict[str, Query],
    ops: dict[str, str],
    selected: dict[str, tuple[str, ...]],
    size: int,
    prefix: dict[str, str],
    full: frozenset[str] = frozenset(),
    only: frozenset[str] | None = None,
    groups: Groups | None = None,
) -> dict[str, Any]:
    """The aggregations of one search: per facet its counts, and the timeline (every filter applies).
    With ``groups`` (the index's near-duplicate groups) every count is of groups (:meth:`Groups.copies`),
    so a text on three sites counts once, as its hit does."""
    aggs: dict[str, Any] = {}
    for name, field in FIELDS.items():
        if only is not None and name not in only:
            continue
        others = [q for other, q in filters.items() if other != name or ops.get(name) == AND]
        every = name in CHRONOLOGICAL or name in full or bool(prefix.get(name))
        inner: dict[str, Any] = {
            "values": {
                "terms": {
                    "field": field,
                    "size": ALL if every else size + MARGIN,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            },
            "distinct": {"cardinality": {"field": field, "precision_threshold": 40_000}},
        }
        wanted = [v for v in selected.get(name, ()) if v != UNDATED]
        if wanted:
            inner["selected"] = {"terms": {"field": field, "include": wanted, "size": len(wanted)}}
        if BY_NAME[name].undated:
            inner["undated"] = {"missing": {"field": field}}
            inner["estimated"] = {
                "filter": {"term": {"date_estimated": True}},
                "aggs": {"values": {"terms": {"field": field, "size": ALL}}},
            }
        if groups:
            for key in ("values", "selected", "undated"):
                if key in inner:
                    inner[key]["aggs"] = {COPIES: groups.copies()}
            if "estimated" in inner:
                inner["estimated"]["aggs"]["values"]["aggs"] = {COPIES: groups.copies()}
        aggs[name] = {"filter": {"bool": {"filter": others}}, "aggs": inner}
    if only is None:
        values: dict[str, Any] = {"terms": {"field": FIELDS[PUBLICATION], "size": ALL}}
        if groups:
            values["aggs"] = {COPIES: groups.copies()}
        aggs[TIMELINE] = {"filter": {"bool": {"filter": list(filters.values())}}, "aggs": {"values": values}}
    return aggs


#: The sub-aggregation that counts a bucket's near-duplicate groups instead of its articles.
GROUP_COUNT = "groups"
#: The sub-aggregation of a facet bucket over its articles that have copies (see :class:`Groups`).
COPIES = "copies"


def group_count() -> dict[str, Any]:
    """Distinct near-duplicate groups of one set (an article without copies is its own group); exact to
    40,000. For one set only: per facet bucket it cost 0.45 s a search (:class:`Groups`)."""
    return {"cardinality": {"field": "dup_group", "precision_threshold": 40_000}}


@dataclass(frozen=True)
class Groups:
    """The index's near-duplicate groups that have copies: their keys and how many articles they hold.

    Why: a facet bucket counts groups, not articles. A distinct count of ``dup_group`` over each bucket's
    articles (exact only with the largest precision threshold) took 449 of 458 ms per search on 41,242
    FANG-COVID articles (about 800 ``mentioned`` buckets, each with its own counting sketch). Only articles
    with copies can make a bucket's groups fewer than its articles, so each bucket counts those apart: groups
    = articles - articles with copies + their distinct groups (:func:`_count`), a distinct count over a few
    articles, exact below a threshold set to how many there are (10,000 articles: 14 instead of 660 ms)."""

    keys: tuple[str, ...]
    articles: int

    def copies(self) -> dict[str, Any]:
        threshold = min(40_000, max(100, self.articles))
        return {
            "filter": {"terms": {"dup_group": list(self.keys)}},
            "aggs": {GROUP_COUNT: {"cardinality": {"field": "dup_group", "precision_threshold": threshold}}},
        }


def _count(bucket: dict[str, Any]) -> int:
    """A bucket's count: its groups when they were counted, else its articles."""
    if COPIES in bucket:
        copies = bucket[COPIES]
        return int(bucket["doc_count"]) - int(copies["doc_count"]) + int(copies[GROUP_COUNT]["value"])
    return int(bucket[GROUP_COUNT]["value"]) if GROUP_COUNT in bucket else int(bucket["doc_count"])


def needs_all(aggregations: dict[str, Any], size: int, prefix: dict[str, str]) -> frozenset[str]:
    """The entity facets whose buckets may cut a group of equal counts short (to be counted in full)."""
    out = set()
    for name in FIELDS:
        if name in CHRONOLOGICAL or prefix.get(name) or name not in aggregations:
            continue
        values = aggregations[name]["values"]
        buckets = values["buckets"]
        cut = size > 0 and len(buckets) >= size and bool(values.get("sum_other_doc_count"))
        if cut and _count(buckets[-1]) == _count(buckets[size - 1]):
            out.add(name)
    return frozenset(out)


def timeline(aggregations: dict[str, Any]) -> list[dict]:
    """Articles per month (or year) of the result, every filter applied."""
    buckets = aggregations[TIMELINE]["values"]["buckets"]
    return period_series({b["key"]: _count(b) for b in buckets})


def facet_values(
    aggregations: dict[str, Any],
    selected: dict[str, tuple[str, ...]],
    lang: str,
    size: int,
    prefix: dict[str, str],
) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """``{facet: [{value, label, count, selected}, ...]}`` and the number of non-zero values per facet."""
    out: dict[str, list[dict]] = {}
    totals: dict[str, int] = {}
    for name in FIELDS:
        agg = aggregations[name]
        counts = {b["key"]: _count(b) for b in agg["values"]["buckets"]}
        counts.update({b["key"]: _count(b) for b in agg.get("selected", {}).get("buckets", ())})
        chosen = selected.get(name, ())
        wanted_prefix = prefix.get(name, "").lower()
        values = [v for v, c in counts.items() if c]
        if wanted_prefix:
            values = [v for v in values if matches_facet_prefix(v, label(name, v, lang), wanted_prefix)]
            totals[name] = len(values)
        else:
            totals[name] = max(int(agg["distinct"]["value"]), len(values)) if values else 0
        if name in CHRONOLOGICAL:
            shown = _shown_dates(values, counts, chosen, size)
        else:
            shown = sorted(values, key=lambda v: (-counts[v], label(name, v, lang).lower(), v))[:size]
        entries = {v: facet_entry(name, v, counts[v], v in chosen, lang) for v in shown}
        for value in chosen:  # selected values always show, even with count 0 or unknown to the index
            if value not in entries and value != UNDATED:
                if wanted_prefix and not matches_facet_prefix(value, label(name, value, lang), wanted_prefix):
                    continue
                entries[value] = facet_entry(name, value, counts.get(value, 0), True, lang)
        if name in CHRONOLOGICAL:
            tree = date_tree(entries)
            if BY_NAME[name].undated:
                estimated = {b["key"]: _count(b) for b in agg["estimated"]["values"]["buckets"]}
                for year in tree:
                    for e in (year, *year.get("children", ())):
                        e["estimated"] = estimated.get(e["value"], 0)
                undated = _count(agg["undated"])
                if undated or UNDATED in chosen:
                    tree.append(
                        {**facet_entry(name, UNDATED, undated, UNDATED in chosen, lang), "children": []}
                    )
                    totals[name] += bool(undated)
            out[name] = tree
        else:
            shown_entries = list(entries.values())
            head = sorted(shown_entries[: len(shown)], key=lambda e: (-e["count"], e["label"].lower()))
            out[name] = head + sorted(
                shown_entries[len(shown) :], key=lambda e: (-e["count"], e["label"].lower())
            )
    return out, totals


def _shown_dates(
    values: list[str], counts: dict[str, int], selected: tuple[str, ...], size: int
) -> list[str]:
    """All years (with their months) when there are at most ``size``, else the ``size`` years with most
    articles plus the years of selected values (as the Whoosh engine chooses them)."""
    years = [v for v in values if len(v) == 4]
    if len(years) <= size:
        return sorted(values)
    kept = {v for v in sorted(years, key=lambda v: (-counts[v], v))[:size]}
    kept |= {v[:4] for v in selected}
    return sorted(v for v in values if v[:4] in kept)
