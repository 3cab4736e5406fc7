"""The result page's parts built from one search response: filter chips, facet panels, entity links and
the hints of an empty result. Presentation only: counts come from the engine, the facets from the
registry (:mod:`search.core.facets`), links from :class:`~search.web.pages.QueryArgs`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from search.core.facets import BY_NAME, COUNTRY, FACETS
from search.core.labels import country_label, label, period_label
from search.core.models import SearchRequest, SearchResponse
from search.engine.relax import Relaxations
from search.web.pages import QueryArgs, flat_labels, group_periods

DEFAULT_FACET_SIZE = 10
MORE_FACET_SIZE = 50
#: Entity pages linked above the results ("All about …").
MAX_ENTITY_LINKS = 3


def _value_label(facet: str, value: str, lang: str, labels: dict[tuple[str, str], str]) -> str:
    """The label the response gave a value, else the registry's kind decides (a country's CLDR name)."""
    return labels.get((facet, value)) or label(facet, value, lang)


def chips(args: QueryArgs, req: SearchRequest, resp: SearchResponse, path: str) -> list[dict[str, Any]]:
    """The active filters as removable chips, in the order of the URL, each value once."""
    labels = flat_labels(resp.facets)
    out = []
    seen = set()
    for name, raw in args.filters():
        facet = BY_NAME[name]
        value = raw.strip().upper() if facet.kind == COUNTRY else raw.strip()
        if (name, value) in seen:
            continue
        seen.add((name, value))
        out.append(
            {
                "facet": name,
                "value": value,
                "label": _value_label(name, value, req.lang, labels),
                "title": _(facet.item),
                "href": args.remove(name, raw).href(path),
            }
        )
    if req.date_certain:
        out.append(
            {
                "facet": "certain",
                "value": "1",
                "label": _("only certain dates"),
                "title": _("Published"),
                "href": args.remove("date_certain").href(path),
            }
        )
    if req.date_from or req.date_to:
        out.append(
            {
                "facet": "range",
                "value": f"{req.date_from}..{req.date_to}",
                "label": range_label(req.date_from, req.date_to, req.lang),
                "title": _("Period"),
                "href": args.remove("date_from").remove("date_to").href(path),
            }
        )
    return out


def range_label(date_from: str, date_to: str, lang: str) -> str:
    """A date range in words: "Mai 2018 – 2019", "ab 3. Mai 2018", "bis 2019"."""
    start, end = period_label(date_from, lang), period_label(date_to, lang)
    if date_from and date_to:
        return start if date_from == date_to else f"{start} – {end}"
    return _("from %(date)s", date=start) if date_from else _("until %(date)s", date=end)


def panels(req: SearchRequest, resp: SearchResponse) -> list[dict[str, Any]]:
    """One sidebar panel per facet of the registry, with the values the response counted."""
    labels = flat_labels(resp.facets)
    out = []
    for facet in FACETS:
        entries = resp.facets.get(facet.name, [])
        if not facet.chronological:
            # a selected value hidden by the person filter box stays in the form, or the next change of the
            # form would silently drop it
            shown = {e["value"] for e in entries}
            entries = entries + [
                {
                    "value": v,
                    "label": labels.get((facet.name, v))
                    or (country_label(v, req.lang) if facet.kind == COUNTRY else v),
                    "count": None,
                    "selected": True,
                }
                for v in req.filters.get(facet.name, ())
                if v not in shown
            ]
        if facet.grouped:
            entries = group_periods(entries)
        shown_flat = sum(1 for e in resp.facets.get(facet.name, []) if e.get("count"))
        total = resp.facet_totals.get(facet.name, 0)
        out.append(
            {
                "name": facet.name,
                "title": _(facet.title),
                "entries": entries,
                "total": total,
                "searchable": facet.searchable,
                "tree": facet.chronological,
                "more": facet.more_link and total > shown_flat,
                "fewer": facet.more_link
                and req.facet_size > DEFAULT_FACET_SIZE
                and total > DEFAULT_FACET_SIZE,
                # how ticked values combine: the switch "all of them" / "any of them" (links, no script needed)
                "op": req.op(facet.name),
                "op_param": facet.op_param,
                "op_default": facet.default_op,
                # the publication date: the "only certain dates" box (estimated dates left out)
                "certain": req.date_certain if facet.undated else None,
            }
        )
    return out


def entity_links(
    active: list[dict[str, Any]], exists: Callable[[str, str], bool], url: Callable[[str, str], str]
) -> list[dict[str, str]]:
    """Links to the pages of the filtered persons and countries that the index has."""
    out = []
    for chip in active:
        facet = BY_NAME.get(chip["facet"])  # the date range's chip is no facet
        if facet is None or facet.entity_page is None or not exists(chip["facet"], chip["value"]):
            continue
        out.append({"label": chip["label"], "href": url(facet.entity_page, chip["value"])})
    return out[:MAX_ENTITY_LINKS]


def empty_help(
    args: QueryArgs, req: SearchRequest, resp: SearchResponse, relaxed: Relaxations, path: str
) -> dict[str, Any]:
    """The empty-result page's hints: the suggestion, and what dropping the words or a filter would find."""
    out: dict[str, Any] = {
        "without_all": relaxed.without_all,
        "per_filter": [],
        "suggestion": resp.suggestion,
        "without_query": None,
        "without_range": None,
    }
    if relaxed.without_range is not None:
        out["without_range"] = {
            "count": relaxed.without_range,
            "label": range_label(req.date_from, req.date_to, req.lang),
            "href": args.remove("date_from").remove("date_to").href(path),
        }
    if relaxed.without_query is not None:
        out["without_query"] = {"count": relaxed.without_query, "href": args.remove("q").href(path)}
    for name, value, count in relaxed.per_filter:
        out["per_filter"].append(
            {
                "facet": name,
                "title": _(BY_NAME[name].item),
                "label": label(name, value, req.lang),
                "count": count,
                "href": args.remove(name, value).href(path),
            }
        )
    return out
