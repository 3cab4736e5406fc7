"""Date ranges (``date_from``/``date_to``) and the month series of a result list's timeline.

Engine-neutral and in one place, so the JSON API, the result page and the command line read a range the
same way and draw the same series: the engine counts articles per ``YYYY``/``YYYY-MM`` value, and
:func:`period_series` turns those counts into the bars that the page draws and the API returns.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping

from search.core.errors import InvalidParameter, ReversedDateRange

#: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
_BOUND = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z")
_YEAR_VALUE = re.compile(r"\d{4}")
_MONTH_VALUE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])")
#: Bars a timeline draws at most (months, else years).
MAX_BARS = 72


def bound_value(name: str, text: str, upper: bool) -> int:
    """``2018``/``2018-05``/``2018-05-31`` -> yyyymmdd: the first day it covers, or with ``upper`` the last.

    Only days of the calendar pass (``2018-02-30`` does not), so a range never silently means something
    else than what was typed.
    """
    m = _BOUND.match(text)
    problem = None
    if not m:
        problem = "must be a date written YYYY, YYYY-MM or YYYY-MM-DD (such as 2018, 2018-05 or 2018-05-31)"
    else:
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if year < 1:
            problem = "must have a year from 0001 to 9999"
        elif month and not 1 <= int(month) <= 12:
            problem = "must have a month from 01 to 12"
        elif day and not 1 <= int(day) <= calendar.monthrange(year, int(month))[1]:
            problem = "must be a day of the calendar"
    if problem:
        raise InvalidParameter(name, text[:50], f"{name} {problem}, not {text[:50]!r}")
    assert m is not None
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if upper:
        last_month = int(month or 12)
        last_day = int(day or calendar.monthrange(year, last_month)[1])
        return year * 10_000 + last_month * 100 + last_day
    return year * 10_000 + int(month or 1) * 100 + int(day or 1)


def date_range(date_from: str | None, date_to: str | None) -> tuple[str, str]:
    """Validated ``(date_from, date_to)`` as given (``""``: that end is open).

    Raises :class:`InvalidParameter` for a value that is not a date and :class:`ReversedDateRange` when
    the range ends before it starts (``date_from=2019`` with ``date_to=2018``).
    """
    start = (date_from or "").strip()
    end = (date_to or "").strip()
    lo = bound_value("date_from", start, False) if start else None
    hi = bound_value("date_to", end, True) if end else None
    if lo is not None and hi is not None and lo > hi:
        raise ReversedDateRange(start, end)
    return start, end


def bounds(date_from: str, date_to: str) -> tuple[int, int | None] | None:
    """The inclusive yyyymmdd bounds of a validated range (None: no range). An open start is 1, so an
    undated article (stored as 0) never falls inside a range."""
    if not date_from and not date_to:
        return None
    lo = bound_value("date_from", date_from, False) if date_from else 1
    hi = bound_value("date_to", date_to, True) if date_to else None
    return lo, hi


def period_series(counts: Mapping[str, int], max_bars: int = MAX_BARS) -> list[dict]:
    """Bars from article counts per ``YYYY`` and ``YYYY-MM`` value: one per month, gaps filled with zeros.

    One bar per year instead when the months span more than ``max_bars``, and only the years that have
    articles when the years do too (at most ``max_bars`` of them, the latest). Values that are not ``YYYY``
    or ``YYYY-MM`` are left out: never thousands of bars. Entries: ``{"value": "2018-05", "count": 2}``.
    """
    months = {v: int(c) for v, c in counts.items() if c and _MONTH_VALUE.fullmatch(str(v))}
    years = {v: int(c) for v, c in counts.items() if c and _YEAR_VALUE.fullmatch(str(v))}
    if not months:
        return [{"value": y, "count": c} for y, c in sorted(years.items())][-max_bars:]
    first, last = min(months), max(months)
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    if (ly - y) * 12 + (lm - m) + 1 > max_bars:
        lo, hi = int(min(years or {first[:4]: 0})), int(max(years or {last[:4]: 0}))
        if hi - lo + 1 > max_bars:  # gaps of centuries: only the years with articles
            return [{"value": yy, "count": c} for yy, c in sorted(years.items())][-max_bars:]
        return [{"value": f"{yy:04d}", "count": years.get(f"{yy:04d}", 0)} for yy in range(lo, hi + 1)]
    out = []
    while (y, m) <= (ly, lm):
        key = f"{y:04d}-{m:02d}"
        out.append({"value": key, "count": months.get(key, 0)})
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def month_series(date_facet: list[dict], max_bars: int = MAX_BARS) -> list[dict]:
    """:func:`period_series` of a ``date`` facet (years with month ``children``), as the entity and
    statistics pages have it."""
    counts: dict[str, int] = {}
    for year in date_facet or ():
        if year.get("count"):
            counts[str(year.get("value"))] = int(year["count"])
        for child in year.get("children") or ():
            if child.get("count"):
                counts[str(child.get("value"))] = int(child["count"])
    return period_series(counts, max_bars)
