"""What an empty result would become with less: without the words, without all filters, without each
filter. Engine-neutral: it asks a snapshot for counts only (one hit, no snippets, one facet value)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from search.core.models import SearchRequest
from search.engine.base import Snapshot

#: Filter values for which the count without that one value is given (each costs one search).
MAX_RELAXED_FILTERS = 8


@dataclass(frozen=True)
class Relaxations:
    """Hit counts of the relaxed requests (None: not asked, e.g. no words to drop)."""

    without_query: int | None = None
    without_all: int | None = None
    per_filter: list[tuple[str, str, int]] = field(default_factory=list)  # (facet, value, count)
    without_range: int | None = None  # without the date range (None: the request has none)


def relaxations(snapshot: Snapshot, request: SearchRequest) -> Relaxations:
    """Counts for the empty-result page's hints, all from the same snapshot as the empty result."""
    ranged = bool(request.date_from or request.date_to)
    if not request.filters and not ranged and not request.date_certain:
        return Relaxations()
    light = replace(request, page=1, per_page=1, with_snippets=False, facet_size=1)
    without_query = snapshot.search(replace(light, q="")).total if request.q.strip() else None
    without_all = snapshot.search(
        replace(light, filters={}, date_from="", date_to="", date_certain=False)
    ).total
    without_range = snapshot.search(replace(light, date_from="", date_to="")).total if ranged else None
    per_filter = []
    values = [(f, v) for f, vals in request.filters.items() for v in vals][:MAX_RELAXED_FILTERS]
    for facet, value in values:
        rest = {
            f: tuple(x for x in vals if not (f == facet and x == value))
            for f, vals in request.filters.items()
        }
        rest = {f: vals for f, vals in rest.items() if vals}
        per_filter.append((facet, value, snapshot.search(replace(light, filters=rest)).total))
    return Relaxations(without_query, without_all, per_filter, without_range)
