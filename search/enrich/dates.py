"""Dates in German news text: dates the article mentions and metadata values (the estimated publication
date is :mod:`search.enrich.estimate`).

Why rules and not a model: German date expressions are a small closed language ("am 12. Juni 2018", "Anfang
Juni", "Ende 2018", "27. und 28. Februar", "12.06.2018"), and what matters for the date facet is resolving them
to a year, which no tagger does.

Rules, stated once here:

* A month or day without a year takes the year written earlier in the same sentence ("2017 ... Anfang
  September"); else the year that puts it **nearest to the publication date** (the year
  before, of, or after publication). News mostly report recent events and announce near ones, so this is
  right most of the time; it is wrong for an event more than six months back or ahead ("the June summit",
  written in February 2019 about June 2018, resolves to June 2019). Without a publication date such a
  mention takes the nearest year written in the same text (before it, else after it) and is dropped when
  the text names no year.
* A standalone four-digit number from 1800 to 2100 is a year when a date word precedes it ("im", "seit",
  "von", "bis", "Ende", "Jahr", ...) or when nothing after it makes it a quantity: it is not a year before a
  capitalised noun ("2000 Menschen"), a unit ("2000 km", "1900 Euro", "%") or after "rund", "etwa",
  "Resolution", "Nr." and similar. A capitalised place name after it is fine ("hatte 2014 Pjöngjang besucht").
* "Anfang/Mitte/Ende Juni" has month precision (day None); "Anfang 2019" year precision.
* Weekdays ("am Dienstag") and relative expressions ("vergangene Woche") are ignored: resolving them needs a
  publication date to the day, which few articles without metadata have.
* "27. und 28. Februar" gives two dates that share the span of the whole expression.
* "August" alone is also a given name: it counts as a month only with a day, a year or a preposition.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

_MONTHS = {
    "januar": 1,
    "jänner": 1,
    "jan": 1,
    "februar": 2,
    "feber": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
}
#: German month names and abbreviations (lower case) -> month number
MONTHS = _MONTHS
_FULL_MONTHS = sorted(
    (m for m in _MONTHS if len(m) > 4 or m in {"mai", "juni", "juli", "märz"}), key=len, reverse=True
)
_ABBR_MONTHS = sorted((m for m in _MONTHS if m not in _FULL_MONTHS), key=len, reverse=True)
_MONTH_RE = (
    r"(?P<month>"
    + "|".join([m.capitalize() for m in _FULL_MONTHS] + [m.capitalize() + r"\." for m in _ABBR_MONTHS])
    + r")"
)
_MOD = r"(?P<mod>Anfang|Mitte|Ende|Beginn|Anfang/Mitte|Mitte/Ende)"
_YEAR = r"(?P<year>1[89]\d\d|20\d\d|2100)"

_DAY_MONTH = re.compile(
    r"(?<![\w.])(?:(?P<d1>[0-3]?\d)\.\s*(?:(?:und|bis|u\.|/|–|-)\s*(?P<d2>[0-3]?\d)\.\s*)?|"
    + _MOD
    + r"\s+)?"
    + _MONTH_RE
    + r"(?:\s+"
    + _YEAR
    + r")?(?![\w])"
)
_MOD_YEAR = re.compile(r"(?<![\w])" + _MOD + r"\s+(?:des\s+Jahres\s+)?" + _YEAR + r"(?![\d])")
_NUMERIC = re.compile(r"(?<![\w.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>\d{4}|\d{2})(?![\d])")
_ISO = re.compile(r"(?<![\w.-])(?P<y>1[89]\d\d|20\d\d)-(?P<m>[01]\d)(?:-(?P<d>[0-3]\d))?(?![\w-])")
_SENTENCE_END = re.compile(r"(?<!\d)(?<!\b[A-ZÄÖÜ])[.!?]\s+(?=[A-ZÄÖÜ„\"«])|\n\s*\n")
_LONE_YEAR = re.compile(r"(?<![\w.,])" + _YEAR + r"(?![\w]|[.,]\d)")

_YEAR_CUES = frozenset(
    [
        "im",
        "in",
        "seit",
        "bis",
        "von",
        "vom",
        "ab",
        "vor",
        "nach",
        "um",
        "zwischen",
        "und",
        "oder",
        "bzw",
        "jahr",
        "jahres",
        "jahre",
        "jahren",
        "anfang",
        "mitte",
        "ende",
        "beginn",
        "frühjahr",
        "sommer",
        "herbst",
        "winter",
        "frühjahrs",
        "sommers",
        "herbstes",
        "winters",
        "ostern",
        "weihnachten",
        "saison",
        "jahreswechsel",
        "spätestens",
        "frühestens",
        "zuletzt",
        "bereits",
        "schon",
        "erst",
        "damals",
        "noch",
        "jahrgang",
        "geboren",
        "gestorben",
    ]
)
_QUANTITY_CUES = frozenset(
    [
        "rund",
        "etwa",
        "circa",
        "ca",
        "knapp",
        "fast",
        "über",
        "mehr",
        "mindestens",
        "höchstens",
        "insgesamt",
        "nur",
        "je",
        "pro",
        "zu",
        "resolution",
        "nr",
        "nummer",
        "artikel",
        "paragraf",
        "paragraph",
        "§",
        "seite",
        "kapitel",
        "flug",
        "linie",
        "zimmer",
        "platz",
        "modell",
        "version",
        "typ",
        "plz",
        "tel",
    ]
)
_UNITS = frozenset(
    [
        "km",
        "m",
        "cm",
        "mm",
        "kg",
        "g",
        "t",
        "mg",
        "l",
        "ml",
        "ha",
        "qm",
        "m²",
        "km²",
        "mio",
        "mrd",
        "euro",
        "dollar",
        "franken",
        "pfund",
        "yen",
        "prozent",
        "%",
        "€",
        "$",
        "ps",
        "kw",
        "mw",
        "gb",
        "mb",
        "mal",
        "fach",
        "stück",
        "stunden",
        "minuten",
        "sekunden",
    ]
)


@dataclass(frozen=True)
class MentionedDate:
    """A date the text mentions: ``year`` always, ``month``/``day`` when the text gives them.

    ``start``/``end`` are character offsets of the expression in the text, ``text`` the expression itself.
    ``year_explicit`` is False when the year was resolved (see the module docstring) rather than written.
    """

    year: int
    month: int | None
    day: int | None
    start: int
    end: int
    text: str
    year_explicit: bool = True

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        return "day" if self.day else "month" if self.month else "year"

    def first_day(self) -> dt.date:
        """The first day the mention covers (for sorting and facets)."""
        return dt.date(self.year, self.month or 1, self.day or 1)


@dataclass
class _Raw:
    year: int | None
    month: int | None
    day: int | None
    start: int
    end: int


def _valid(year: int, month: int | None, day: int | None) -> bool:
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return False
    return True


def _month_number(word: str) -> int:
    return _MONTHS[word.rstrip(".").lower()]


def _is_quantity(text: str, start: int, end: int) -> bool:
    """Is the number at [start, end) a count or an amount rather than a year (see module docstring)?"""
    before = text[max(0, start - 40) : start].split()
    prev = before[-1].lower().strip(".,;:()") if before else ""
    if prev in _YEAR_CUES:
        return False
    if prev in _QUANTITY_CUES:
        return True
    if before and re.fullmatch(r"\d{1,3}", before[-1]):  # "28 500": part of a larger number
        return True
    after = text[end : end + 40]
    if re.match(r"\s*(?:%|€|\$)", after):
        return True
    m = re.match(r"\s+([^\W\d_][\w.-]*)", after)
    if not m:
        return False
    word = m.group(1)
    if word.lower().rstrip(".") in _UNITS:
        return True
    if word[0].isupper():
        from search.enrich.countries import gazetteer

        return gazetteer().form(word) is None and word.rstrip(".").lower() not in _MONTHS
    return False


def _in_url(text: str, start: int) -> bool:
    """Does the number at ``start`` stand inside a web address ("…/uploads/2020/04/…": not a date)?"""
    word = text[max(0, start - 200) : start].rsplit(None, 1)[-1:]
    return bool(word) and ("://" in word[0] or word[0].lower().startswith("www."))


class _Taken:
    """The character spans already claimed by a date expression, for the overlap test of later patterns.

    Each pattern's matches come in text order and never overlap each other, so a pass only tests against
    the spans of earlier passes (a sorted list, searched by bisection) and adds its own at the end of the
    pass: O(log n) per test, instead of a scan of every span (quadratic in the dates of a text).
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.new: list[tuple[int, int]] = []

    def free(self, s: int, e: int) -> bool:
        """No earlier pass claimed a character of [s, e) (the spans are disjoint: only the last one
        starting before ``e`` can reach past ``s``)."""
        i = bisect_left(self.starts, e) - 1
        return i < 0 or self.ends[i] <= s

    def add(self, span: tuple[int, int]) -> None:
        self.new.append(span)

    def end_pass(self) -> None:
        spans = sorted([*zip(self.starts, self.ends, strict=True), *self.new])
        self.starts, self.ends = [s for s, _ in spans], [e for _, e in spans]
        self.new = []


def _raw_mentions(text: str) -> list[_Raw]:
    out: list[_Raw] = []
    taken = _Taken()
    free = taken.free

    for m in _NUMERIC.finditer(text):
        d, mo, y = int(m.group("d")), int(m.group("m")), m.group("y")
        year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 50 else 1900 + int(y))
        if 1 <= mo <= 12 and _valid(year, mo, d):
            out.append(_Raw(year, mo, d, m.start(), m.end()))
            taken.add(m.span())
    taken.end_pass()
    for m in _ISO.finditer(text):
        if not free(*m.span()) or _in_url(text, m.start()):
            continue
        y, mo, d = int(m.group("y")), int(m.group("m")), m.group("d")
        day = int(d) if d else None
        if _valid(y, mo, day):
            out.append(_Raw(y, mo, day, m.start(), m.end()))
            taken.add(m.span())
    taken.end_pass()
    for m in _DAY_MONTH.finditer(text):
        if not free(*m.span()):
            continue
        month = _month_number(m.group("month"))
        year = int(m.group("year")) if m.group("year") else None
        days = [int(x) for x in (m.group("d1"), m.group("d2")) if x]
        if m.group("month") == "August" and not (days or year or m.group("mod")):
            before = text[max(0, m.start() - 12) : m.start()].split()
            if not before or before[-1].lower() not in {
                "im",
                "seit",
                "bis",
                "ab",
                "vom",
                "zum",
                "monat",
                "den",
                "anfang",
                "ende",
                "mitte",
            }:
                continue
        if not days:
            out.append(_Raw(year, month, None, m.start(), m.end()))
        for day in days:
            if 1 <= day <= 31 and (year is None or _valid(year, month, day)):
                out.append(_Raw(year, month, day, m.start(), m.end()))
        taken.add(m.span())
    taken.end_pass()
    for m in _MOD_YEAR.finditer(text):
        if free(*m.span()):
            out.append(_Raw(int(m.group("year")), None, None, m.start(), m.end()))
            taken.add(m.span())
    taken.end_pass()
    for m in _LONE_YEAR.finditer(text):
        s, e = m.span()
        if free(s, e) and not _is_quantity(text, s, e) and not _in_url(text, s):
            out.append(_Raw(int(m.group("year")), None, None, s, e))
    out.sort(key=lambda r: (r.start, r.day or 0))
    return out


def _nearest_year(month: int, day: int | None, published: dt.date) -> int:
    """The year (publication year +-1) that puts month/day nearest to the publication date."""
    best = None
    for year in (published.year - 1, published.year, published.year + 1):
        if not _valid(year, month, day):
            continue
        when = dt.date(year, month, day or 15)
        distance = abs((when - published).days)
        if best is None or distance < best[0]:
            best = (distance, year)
    return best[1] if best else published.year


# "März dieses Jahres", "Mai vergangenen Jahres", "Juni des Vorjahres", "Januar nächsten Jahres": the year
# relative to publication (offset); "seit 26. März": a day before publication.
_RELATIVE_YEAR = re.compile(
    r"\s*(?:(?P<this>dieses|diesen|des\s+laufenden)|(?P<last>(?:des\s+)?(?:vergangenen|letzten|vorigen))"
    r"|(?P<next>(?:des\s+)?(?:nächsten|kommenden)))\s+Jahres|\s*(?P<prev>des\s+Vorjahres)"
)
_SINCE = re.compile(r"(?:^|\s)(?:seit|seitdem)(?:\s+(?:dem|den|Anfang|Mitte|Ende|Beginn))?\s*\Z", re.I)


def _year_by_words(text: str, r: _Raw, published: dt.date) -> int | None:
    """The year the words around a year-less mention give, relative to publication (None: they give none).

    Why: the nearest year put "seit 26. März" (an article of December) into the next year, 17 % of all
    "seit" mentions into the future; "März dieses Jahres" into another year in 32 % and "Mai vergangenen
    Jahres" in 61 % of the cases (6,000 FANG-COVID articles, issue 18)."""
    m = _RELATIVE_YEAR.match(text, r.end, r.end + 40)
    if m:
        return published.year + (0 if m.group("this") else 1 if m.group("next") else -1)
    if _SINCE.search(text[max(0, r.start - 20) : r.start]):
        for year in (published.year, published.year - 1):
            if _valid(year, r.month, r.day) and dt.date(year, r.month or 1, r.day or 1) <= published:
                return year
    return None


def extract_mentioned(text: str, published: dt.date | None) -> list[MentionedDate]:
    """All dates ``text`` mentions, in text order, years resolved as the module docstring says."""
    raws = _raw_mentions(text)
    # Written years in text order (raws are sorted by start), and where sentences start: each question
    # below is a bisection, so the whole text costs O(n log n) (it was a scan of both lists per mention).
    explicit_starts = [r.start for r in raws if r.year is not None]
    explicit_years = [r.year for r in raws if r.year is not None]
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]

    out: list[MentionedDate] = []
    for r in raws:
        year, explicit_year = r.year, True
        if year is None:
            explicit_year = False
            sentence_start = starts[bisect_right(starts, r.start) - 1]
            last_before = bisect_left(explicit_starts, r.start) - 1  # the last year written before it
            if last_before >= 0 and explicit_starts[last_before] >= sentence_start:  # in its sentence
                year = explicit_years[last_before]
            elif published is not None:
                year = _year_by_words(text, r, published) or _nearest_year(r.month or 1, r.day, published)
            else:
                first_after = bisect_right(explicit_starts, r.start)
                year = (
                    explicit_years[last_before]
                    if last_before >= 0
                    else explicit_years[first_after]
                    if first_after < len(explicit_years)
                    else None
                )
            if year is None or not _valid(year, r.month, r.day):
                continue
        out.append(MentionedDate(year, r.month, r.day, r.start, r.end, text[r.start : r.end], explicit_year))
    return out


_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def parse_date_value(s: str) -> tuple[dt.date, str]:
    """Metadata date ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> (first day it covers, "year"|"month"|"day").

    Raises ValueError for anything else (other formats, impossible dates, years before 1000).
    """
    m = _VALUE.match(s.strip()) if isinstance(s, str) else None
    if not m:
        raise ValueError(f"not a date (YYYY, YYYY-MM or YYYY-MM-DD): {s!r}")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if year < 1000:
        raise ValueError(f"year out of range: {s!r}")
    try:
        value = dt.date(year, int(month) if month else 1, int(day) if day else 1)
    except ValueError as exc:
        raise ValueError(f"impossible date: {s!r}") from exc
    return value, "day" if day else "month" if month else "year"


# Publication dates outside this range are placeholders or typos ("0001-01" for "unknown", "9999-12-31"
# for "never"), not dates: they are dropped at ingest with a warning. 1800: the oldest newspaper archives
# (and the year range of mentioned dates); 31 days ahead: time zones, embargoed pieces and a monthly
# issue dated next month ("2019-03" is its first day), but not a year ahead.
EARLIEST_PUBLICATION = dt.date(1800, 1, 1)
FUTURE_MARGIN = dt.timedelta(days=31)


def latest_publication(today: dt.date | None = None) -> dt.date:
    """The latest plausible publication date when indexing on ``today`` (default: today)."""
    return (today or dt.date.today()) + FUTURE_MARGIN


def check_publication_date(value: dt.date, today: dt.date | None = None) -> dt.date:
    """``value`` if it is a plausible publication date; ValueError with the reason otherwise.

    Why: an implausible year broke the date facet and the charts (year 1 was stored unpadded, years
    10-999 fell out of the facet, 9999 drew 7,983 yearly bars); dropped values are reported instead.
    """
    latest = latest_publication(today)
    if value < EARLIEST_PUBLICATION:
        raise ValueError(f"{value.isoformat()} is before {EARLIEST_PUBLICATION.year}, not a publication date")
    if value > latest:
        raise ValueError(
            f"{value.isoformat()} is more than {FUTURE_MARGIN.days} days after indexing"
            f" ({latest.isoformat()}), not a publication date"
        )
    return value
