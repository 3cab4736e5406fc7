"""Pure helpers behind the HTML pages: URL state, pagination, highlighting with entities, facet shapes
and bar charts.

Nothing here knows about Flask requests; the web blueprint passes in what it read. Everything that ends up
as HTML is built from escaped text (:func:`html.escape`) plus fixed markup, so article text can never
inject markup.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from html import escape
from urllib.parse import urlencode

from search.core.params import CERTAIN_PARAM, FILTER_PARAMS, OP_PARAMS, RANGE_PARAMS
from search.core.periods import month_series as month_series  # the charts' series (re-exported)
from search.text.spans import ENTITY_KINDS, EntitySpan, clean_entity_spans

# ----------------------------------------------------------------------------- URL state

#: Parameters that describe one result page; everything else in a URL is dropped from generated links.
STATE_PARAMS = (
    "q",
    *FILTER_PARAMS,
    *RANGE_PARAMS,
    CERTAIN_PARAM,
    *OP_PARAMS,
    "sort",
    "page",
    "per_page",
    "facet_size",
    "person_prefix",
    "lang",
    "explain",  # "Why this result?" disclosures on the page
    "view",  # "compact": titles with source and date only
    "exact",  # "1": the words as typed, never auto-corrected ("search instead for")
)
#: What a search is (the words, the filters, the date range): the export and the feed take exactly these.
SEARCH_PARAMS = ("q", "exact", *FILTER_PARAMS, *RANGE_PARAMS, CERTAIN_PARAM)
#: Parameters that survive "remove all filters" and links to a fresh search.
KEEP_ON_RESET = ("q", "exact", "sort", "per_page", "view", "lang")
#: The page sizes the result page offers (any size up to ``MAX_PER_PAGE`` works in a URL); the first is the default.
PER_PAGE_CHOICES = (10, 20, 50)
#: The result list views; the first is the default (titles, date, source, snippets, entity tags).
RESULT_VIEWS = ("full", "compact")


class QueryArgs:
    """An immutable, ordered list of query parameters with the edits the pages need.

    Every edit that changes what is found (a filter added or removed) drops ``page``, so a link never leads
    to a page number that no longer exists.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()):
        self.pairs: tuple[tuple[str, str], ...] = tuple(
            (k, v) for k, v in pairs if k in STATE_PARAMS and v is not None and str(v).strip() != ""
        )

    @classmethod
    def from_multidict(cls, args: Mapping) -> QueryArgs:
        if hasattr(args, "items") and hasattr(args, "getlist"):
            return cls((k, v) for k, v in args.items(multi=True))
        return cls((k, str(v)) for k, v in args.items())

    def get(self, key: str, default: str = "") -> str:
        return next((v for k, v in self.pairs if k == key), default)

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def has(self, key: str, value: str | None = None) -> bool:
        return any(k == key and (value is None or v == value) for k, v in self.pairs)

    def add(self, key: str, value: str) -> QueryArgs:
        """``key=value`` added (a filter value: OR within the facet); ``page`` reset."""
        pairs = [(k, v) for k, v in self.pairs if k != "page"]
        if (key, value) not in pairs:
            pairs.append((key, value))
        return QueryArgs(pairs)

    def remove(self, key: str, value: str | None = None) -> QueryArgs:
        """Every ``key`` (or only ``key=value``) removed; ``page`` reset."""
        return QueryArgs(
            (k, v) for k, v in self.pairs if k != "page" and not (k == key and (value is None or v == value))
        )

    def set(self, key: str, value: object | None) -> QueryArgs:
        """``key`` replaced by one value (``None`` removes it); ``page`` reset when ``key`` changes the hits."""
        keep_page = key in ("page", "lang", "facet_size", "person_prefix", "view")
        pairs = [(k, v) for k, v in self.pairs if k != key and (keep_page or k != "page")]
        if value is not None and str(value) != "":
            pairs.append((key, str(value)))
        return QueryArgs(pairs)

    def keep(self, *keys: str) -> QueryArgs:
        return QueryArgs((k, v) for k, v in self.pairs if k in keys)

    def without_filters(self) -> QueryArgs:
        dropped = (*FILTER_PARAMS, *RANGE_PARAMS, CERTAIN_PARAM, "page", "person_prefix")
        return QueryArgs((k, v) for k, v in self.pairs if k not in dropped)

    def filters(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in self.pairs if k in FILTER_PARAMS]

    def query_string(self) -> str:
        return urlencode(self.pairs)

    def href(self, path: str = "/") -> str:
        qs = self.query_string()
        return f"{path}?{qs}" if qs else path

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QueryArgs) and self.pairs == other.pairs

    def __hash__(self) -> int:
        return hash(self.pairs)

    def __repr__(self) -> str:
        return f"QueryArgs({list(self.pairs)!r})"


def pagination(total: int, page: int, per_page: int, max_page: int = 1000, window: int = 2) -> dict:
    """Page numbers to show (``None`` = a gap), the last page, previous and next."""
    last = max(1, min(math.ceil(total / per_page) if per_page else 1, max_page))
    wanted = {1, last, *range(max(1, page - window), min(last, page + window) + 1)}
    numbers: list[int | None] = []
    for n in sorted(wanted):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return {
        "pages": numbers if last > 1 else [],
        "last": last,
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "beyond": total > 0 and page > last,
    }


# ----------------------------------------------------------------------------- highlighting

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _clean_matches(spans: Iterable, text_length: int) -> list[tuple[int, int]]:
    out = sorted((int(s), int(e)) for s, e in (spans or ()) if 0 <= int(s) < int(e) <= text_length)
    merged: list[tuple[int, int]] = []
    for s, e in out:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def _entity_open(span: EntitySpan, labels: Mapping[str, str], value_label: Callable[[str, str], str]) -> str:
    css = ENTITY_KINDS[span.kind]
    kind_label = labels.get(span.kind, span.kind)
    shown = value_label(span.kind, span.value)
    return (
        f'<mark class="ent ent-{css}" data-value="{escape(span.value)}"'
        f' title="{escape(kind_label)}: {escape(shown)}">'
    )


def highlight_html(
    text: str,
    matches: Iterable[tuple[int, int]] = (),
    entities: Iterable = (),
    start: int = 0,
    end: int | None = None,
    labels: Mapping[str, str] | None = None,
    value_label: Callable[[str, str], str] | None = None,
    number_hits: bool = False,
) -> str:
    """HTML of ``text[start:end]`` with query matches and entity mentions marked; all text escaped.

    Entity mentions become ``<mark class="ent ent-per|ent-country">`` (outer) and query matches
    ``<mark class="hit">`` (inner); a match that crosses an entity boundary is split so tags always nest.
    ``labels`` maps ``"PER"``/``"COUNTRY"`` to the localised kind names and ``value_label(kind, value)``
    gives the display name of a value (a country's name for its code) for the tooltip. ``number_hits`` adds
    ``data-hit="n"`` (the match's place in the whole text) to each piece of a match, so the article page can
    step from match to match even where a match is split into pieces.
    """
    end = len(text) if end is None else min(end, len(text))
    labels = labels or {}
    value_label = value_label or (lambda kind, value: value)
    hits = _clean_matches(matches, len(text))
    ents = [e for e in clean_entity_spans(entities, len(text)) if e.end > start and e.start < end]
    hits = [(max(s, start), min(e, end), n) for n, (s, e) in enumerate(hits) if e > start and s < end]
    bounds = {start, end}
    for s, e, _n in hits:
        bounds.update((s, e))
    for ent in ents:
        bounds.update((max(ent.start, start), min(ent.end, end)))
    points = sorted(b for b in bounds if start <= b <= end)
    out: list[str] = []
    ei = hi = 0
    open_ent: EntitySpan | None = None
    for a, b in zip(points, points[1:], strict=False):
        while ei < len(ents) and ents[ei].end <= a:
            ei += 1
        while hi < len(hits) and hits[hi][1] <= a:
            hi += 1
        ent = ents[ei] if ei < len(ents) and ents[ei].start <= a < ents[ei].end else None
        in_hit = hi < len(hits) and hits[hi][0] <= a < hits[hi][1]
        if ent is not open_ent:
            if open_ent is not None:
                out.append("</mark>")
            if ent is not None:
                out.append(_entity_open(ent, labels, value_label))
            open_ent = ent
        piece = escape(text[a:b], quote=False)
        if in_hit:
            number = f' data-hit="{hits[hi][2]}"' if number_hits else ""
            piece = f'<mark class="hit"{number}>{piece}</mark>'
        out.append(piece)
    if open_ent is not None:
        out.append("</mark>")
    return "".join(out)


def match_count(text: str, matches: Iterable[tuple[int, int]]) -> int:
    """How many places of ``text`` are marked as matches (overlapping spans count once), as numbered by
    :func:`highlight_paragraphs`: the article page's "2 of 7"."""
    return len(_clean_matches(matches, len(text)))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Character ranges of the paragraphs of ``text`` (separated by blank lines), without the breaks."""
    out = []
    pos = 0
    for m in _PARAGRAPH_BREAK.finditer(text):
        if text[pos : m.start()].strip():
            out.append((pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        out.append((pos, len(text.rstrip())))
    return out


def highlight_paragraphs(
    text: str,
    matches: Iterable[tuple[int, int]] = (),
    entities: Iterable = (),
    labels: Mapping[str, str] | None = None,
    value_label: Callable[[str, str], str] | None = None,
) -> list[str]:
    """:func:`highlight_html` per paragraph (spans crossing a paragraph break are cut there), matches numbered
    across the whole text."""
    matches = list(matches or ())
    entities = list(entities or ())
    return [
        highlight_html(text, matches, entities, s, e, labels, value_label, number_hits=True)
        for s, e in paragraphs(text)
    ]


# ----------------------------------------------------------------------------- facet shapes


def group_periods(entries: list[dict]) -> list[dict]:
    """Flat ``YYYY``/``YYYY-MM`` facet entries -> years with their months as ``children`` (copies).

    A month whose year is not among the entries becomes a year entry of its own, without a count.
    """
    years: dict[str, dict] = {}
    for e in entries:
        if len(e["value"]) == 4:
            years[e["value"]] = {**e, "children": []}
    for e in entries:
        value = e["value"]
        if len(value) == 7:
            year = years.setdefault(
                value[:4],
                {"value": value[:4], "label": value[:4], "count": None, "selected": False, "children": []},
            )
            year["children"].append(dict(e))
    return [years[k] for k in sorted(years)]


def flat_labels(facets: Mapping[str, list[dict]]) -> dict[tuple[str, str], str]:
    """``(facet, value) -> label`` over all facet entries including date children."""
    out: dict[tuple[str, str], str] = {}
    for name, entries in facets.items():
        stack = list(entries)
        while stack:
            e = stack.pop()
            out[(name, e["value"])] = e["label"]
            stack.extend(e.get("children") or ())
    return out


def bar_chart(series: list[dict], width: int = 960, height: int = 120, gap: int = 3) -> dict:
    """Geometry of an SVG bar chart for :func:`month_series`: numbers for ``x``/``y``/``width``/``height``
    attributes only (no styles), plus the first and last period for the axis labels under it."""
    n = len(series)
    top = max((s["count"] for s in series), default=0)
    slots = max(n, 12)  # a few bars do not become a few huge blocks: they stand in the middle
    bar_w = max(1.0, (width - gap * (slots - 1)) / slots) if n else 0
    offset = (width - (n * bar_w + gap * max(n - 1, 0))) / 2 if n else 0
    bars = []
    for i, s in enumerate(series):
        h = round(height * s["count"] / top, 1) if top else 0
        bars.append(
            {
                **s,
                "x": round(offset + i * (bar_w + gap), 1),
                "y": round(height - h, 1),
                "width": round(bar_w, 1),
                "height": h,
            }
        )
    return {
        "width": width,
        "height": height,
        "plot": height,
        "max": top,
        "bars": bars,
        "first": series[0]["value"] if series else None,
        "last": series[-1]["value"] if series else None,
    }


def timeline_chart(series: list[dict], args: QueryArgs, path: str) -> dict:
    """:func:`bar_chart` of a result timeline in which every bar with articles links to its period as the
    date range (``date_from=date_to=2018-05``): narrowing to a month or year is a plain link, no script."""
    chart = bar_chart(series, height=80)
    for bar in chart["bars"]:
        if bar["count"]:
            bar["href"] = args.set("date_from", bar["value"]).set("date_to", bar["value"]).href(path)
    return chart
