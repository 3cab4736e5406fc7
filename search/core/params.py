"""HTTP and CLI parameters -> a validated :class:`SearchRequest`, or :class:`InvalidParameter`.

Parsed once at the edge; everything inside trusts the request. Limits here bound the work per request.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from search.core.errors import InvalidParameter
from search.core.facets import BY_NAME, COUNTRY, FACET_NAMES, FACETS, OPS, PERIOD
from search.core.labels import locale_or_default
from search.core.models import SORTS, SearchRequest
from search.core.periods import date_range

MAX_QUERY_CHARS = 2000
MAX_PAGE = 1000
MAX_PER_PAGE = 100
MAX_FACET_SIZE = 200
MAX_VALUES_PER_FACET = 50
MAX_VALUE_CHARS = 200
#: The filter parameters: one per facet of the registry.
FILTER_PARAMS = FACET_NAMES
#: The two ends of the publication date range (YYYY, YYYY-MM or YYYY-MM-DD; either may be left out).
RANGE_PARAMS = ("date_from", "date_to")
#: ``date_certain=1``: only articles whose publication date is not estimated from the text (undated ones stay)
CERTAIN_PARAM = "date_certain"
#: How several values of one facet combine: ``person_op=and|or`` (one per facet of the registry).
OP_PARAMS = tuple(f.op_param for f in FACETS)


_INVALID = {
    COUNTRY: "{name} must be an ISO 3166-1 alpha-2 code such as KP or a country name such as Nordkorea, "
    "not {value!r}",
    PERIOD: "{name} must be YYYY or YYYY-MM, not {value!r}",
}

_QUOTES = str.maketrans({"„": "", "“": "", "”": "", "«": "", "»": "", "‚": "", "‘": "", "’": "'"})


def clean_text(text: str) -> str:
    """Normalise what a user typed: NFC, typographic quotes to ``"``, control characters to spaces."""
    text = unicodedata.normalize("NFC", text or "").translate(_QUOTES)
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).strip()


class Args:
    """Read access to multi-valued parameters, whatever the source (Flask's MultiDict, a dict of lists)."""

    def __init__(self, source: Mapping):
        self.source = source

    def get(self, name: str) -> str | None:
        values = self.getlist(name)
        return values[0] if values else None

    def getlist(self, name: str) -> list[str]:
        if hasattr(self.source, "getlist"):
            return list(self.source.getlist(name))
        value = self.source.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _int(args: Args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise InvalidParameter(
            name, raw[:50], f"{name} must be a whole number from {low} to {high}"
        ) from None
    if not low <= value <= high:
        raise InvalidParameter(name, value, f"{name} must be from {low} to {high}, not {value}")
    return value


def _values(args: Args, name: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in args.getlist(name):
        value = clean_text(raw)
        if not value:
            continue
        if len(value) > MAX_VALUE_CHARS:
            raise InvalidParameter(
                name, value[:50], f"{name} values are at most {MAX_VALUE_CHARS} characters"
            )
        pattern = BY_NAME[name].pattern
        if pattern is not None and not pattern.match(value):
            raise InvalidParameter(name, value, _INVALID[BY_NAME[name].kind].format(name=name, value=value))
        value = BY_NAME[name].normalise(value)
        if value not in out:
            out.append(value)
    if len(out) > MAX_VALUES_PER_FACET:
        raise InvalidParameter(name, len(out), f"at most {MAX_VALUES_PER_FACET} values for {name}")
    return tuple(out)


def _bound(args: Args, name: str) -> str:
    """One end of the date range as typed (``""``: open); the first value counts, like ``q``'s."""
    return clean_text(args.get(name) or "")[:MAX_VALUE_CHARS]


def facet_ops(args: Args) -> dict[str, str]:
    """``{facet: "and" | "or"}`` for the facets whose ``*_op`` differs from the registry's default."""
    out = {}
    for f in FACETS:
        raw = (args.get(f.op_param) or "").strip().lower()
        if not raw:
            continue
        if raw not in OPS:
            raise InvalidParameter(f.op_param, raw[:50], f"{f.op_param} must be one of {', '.join(OPS)}")
        if raw != f.default_op:
            out[f.name] = raw
    return out


def search_request(source: Mapping, lang: str | None = None) -> SearchRequest:
    """Validate request parameters into a :class:`SearchRequest`."""
    args = Args(source)
    q = args.get("q") or ""
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidParameter(
            "q", q[:50], f"query too long ({len(q):,} characters; at most {MAX_QUERY_CHARS:,})"
        )
    sort = (args.get("sort") or "relevance").strip().lower()
    if sort not in SORTS:
        raise InvalidParameter("sort", sort[:50], f"sort must be one of {', '.join(SORTS)}")
    filters = {name: vals for name in FILTER_PARAMS if (vals := _values(args, name))}
    date_from, date_to = date_range(_bound(args, "date_from"), _bound(args, "date_to"))
    return SearchRequest(
        q=q,
        filters=filters,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=_int(args, "page", 1, 1, MAX_PAGE),
        per_page=_int(args, "per_page", 10, 1, MAX_PER_PAGE),
        lang=locale_or_default(args.get("lang") or lang),
        facet_size=_int(args, "facet_size", 10, 1, MAX_FACET_SIZE),
        explain=_int(args, "explain", 0, 0, 1) == 1,
        date_certain=_int(args, CERTAIN_PARAM, 0, 0, 1) == 1,
        facet_ops=facet_ops(args),
        exact=_int(args, "exact", 0, 0, 1) == 1,
    )
