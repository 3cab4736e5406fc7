"""Metadata header lines at the top of an article file, read only when they are unambiguous.

Why: exports from content systems and scrapers put their metadata into the text (``Datum: 2021-03-15``,
``date 15.03.2021``, ``Quelle: zeit.de``). Read as text, such a line became the title ("Datum: 2021-03-15
Die Regierung ...") and its date was lost, without a word. Guessing is worse than asking, so a line is
taken as metadata only when its value can mean one thing; otherwise it stays in the text (nothing is lost)
and the reindex summary names the file and the line.

Rules, stated once here:

* Keys, in any case: ``date``/``datum``, ``source``/``quelle``, ``url``, and with a colon ``title``/``titel``.
* A header line is a key, a colon or a space, and one value up to the end of the line. A field may also
  stand before the text on the same line (``date 2018-05 Knapp zwei Wochen ...``): a key, an ISO date or
  a URL, then the text; a source word only as ``source``/``quelle`` in lower case without a colon (after
  ``Quelle:`` the end of a name is anyone's guess).
* Dates: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` (also with ``/`` or ``.``), ``15.03.2021``, ``15. März 2021``,
  ``März 2021``, a weekday before and a time after them allowed (``2021-03-15T14:32:00Z``,
  ``Montag, 15.03.2021, 14:32 Uhr``). The precision is what the value writes: day, month or year.
  Ambiguous: two-digit years (``15.03.21``), slashes with the day first or last (``03/04/2021``: US or
  British order?), words (``gestern``), impossible days.
* Sources: a name of up to five words and 60 characters (``zeit.de``, ``Süddeutsche Zeitung``, ``dpa``).
  URLs: ``http(s)://`` and no space. Titles: up to 300 characters.
* At most ``MAX_LINES`` lines are read (blank lines between them too); a key is read once (a second line
  with the same key is ambiguous). A line counts as header-like, and is warned about when it cannot be
  read, when its key is followed by a colon or written in lower case (``date ...``, as tools write it);
  a capitalised key without a colon starts a sentence as often ("Datum und Ort stehen fest").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from search.enrich.dates import MONTHS

#: header lines read from the top of a file at most (and the blank lines between them)
MAX_LINES = 8
TITLE_MAX = 300
_KEYS = {
    "date": "date",
    "datum": "date",
    "source": "source",
    "quelle": "source",
    "url": "url",
    "title": "title",
    "titel": "title",
}
_LINE = re.compile(r"[ \t]*(?P<key>[A-Za-z]+)(?P<colon>[ \t]*:)?[ \t]+(?P<value>[^\n]*)(?:\n|\Z)")
#: a longer line is no header line (a field before the text on it still is one)
LINE_MAX = 1000
_KEY_ONLY = re.compile(r"[ \t]*(?P<key>[A-Za-z]+)[ \t]*:[ \t]*(?:\n|\Z)")  # "Datum:" with nothing after it
# " date 2018-05 Knapp zwei ..." — the field stands on the same line as the text.
_INLINE = re.compile(
    r"[ \t]*(?P<key>date|datum|source|quelle|url)(?P<colon>[ \t]*:)?[ \t]+(?P<value>\S+)[ \t]+", re.I
)
_INLINE_VALUE = {
    "date": re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?\Z"),
    "source": re.compile(r"[\w/.-]{1,40}\Z"),
    "url": re.compile(r"https?://\S+\Z"),
}

_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY = r"(?:(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag),?\s+(?:den\s+)?)?"
_TIME = (
    r"(?:(?:T|,?\s+(?:um\s+)?)\d{1,2}[:.]\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*Uhr)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|MES?Z))?)?"
)
_ISO = re.compile(rf"(?P<y>\d{{4}})(?:(?P<s>[-/.])(?P<m>\d{{1,2}})(?:(?P=s)(?P<d>\d{{1,2}}){_TIME})?)?\Z")
_GERMAN_NUMERIC = re.compile(rf"{_WEEKDAY}(?P<d>\d{{1,2}})\.\s?(?P<m>\d{{1,2}})\.\s?(?P<y>\d{{4}}){_TIME}\Z")
_GERMAN_WORDS = re.compile(
    rf"{_WEEKDAY}(?:(?P<d>\d{{1,2}})\.?\s+)?(?P<mname>{_MONTH_NAMES})\.?\s+(?P<y>\d{{4}}){_TIME}\Z", re.I
)
_SOURCE = re.compile(r"(?=.{1,60}\Z)[\w.&'/-]+(?: [\w.&'/-]+){0,4}\Z")
_URL = re.compile(r"https?://[^\s/]+\S*\Z")


@dataclass
class Header:
    """What the top of a file said: the fields read, the text without them, warnings for lines left in."""

    fields: dict[str, str] = field(default_factory=dict)  # date as ISO (YYYY, YYYY-MM, YYYY-MM-DD)
    text: str = ""
    warnings: list[str] = field(default_factory=list)


def header_date(value: str) -> str | None:
    """``value`` as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (as precise as written), None when ambiguous."""
    value = value.strip()
    m = _ISO.match(value)
    if m:
        month, day = m.group("m"), m.group("d")
        if m.group("s") and m.group("s") != "-" and not day:
            return None  # "2021/03" or "2021.03": a year and month, or a number?
        return _iso(int(m.group("y")), int(month) if month else None, int(day) if day else None)
    m = _GERMAN_NUMERIC.match(value)
    if m:
        return _iso(int(m.group("y")), int(m.group("m")), int(m.group("d")))
    m = _GERMAN_WORDS.match(value)
    if m:
        day = m.group("d")
        return _iso(int(m.group("y")), MONTHS[m.group("mname").lower()], int(day) if day else None)
    return None


def _iso(year: int, month: int | None, day: int | None) -> str | None:
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return None
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _value(key: str, raw: str) -> str | None:
    """The header value of ``key`` written as ``raw``, None when it is not unambiguous."""
    if key == "date":
        return header_date(raw)
    if key == "source":
        return raw if _SOURCE.match(raw) else None
    if key == "url":
        return raw if _URL.match(raw) else None
    return raw if 0 < len(raw) <= TITLE_MAX else None


def read_header(text: str) -> Header:
    """The header fields at the top of ``text`` and the text without the lines read (see the module rules).

    A header-like line that cannot be read stays in the text, in its place, with a warning."""
    out = Header()
    pos = 0
    kept: list[str] = []
    for _ in range(MAX_LINES):
        pos = _after_blank_lines(text, pos)
        end = _line_end(text, pos)
        line = _LINE.match(text, pos, end) if end else None
        key = _KEYS.get(line.group("key").lower()) if line else None
        if line is None or key is None or (key == "title" and not line.group("colon")):
            inline = _inline_fields(text, pos, out.fields)
            if inline > pos:  # fields before the text on its first line (a long one): the text starts there
                pos = inline
                break
            empty = _KEY_ONLY.match(text, pos, end or pos)
            if empty is None or empty.group("key").lower() not in _KEYS:
                break
            out.warnings.append(f"header line left in the text (no value): {empty.group(0).strip()!r}")
            kept.append(text[pos : empty.end()].rstrip("\n"))
            pos = empty.end()
            continue
        as_field = bool(line.group("colon")) or line.group("key").islower()  # or a sentence: "Quelle der ..."
        value = _value(key, line.group("value").strip()) if as_field or key == "date" else None
        if value is not None and key not in out.fields:
            out.fields[key] = value
            pos = line.end()
            continue
        inline = _inline_fields(text, pos, out.fields)
        if inline > pos:  # fields before the text on its first line: the text starts there
            pos = inline
            break
        if not as_field:
            break  # "Datum und Ort stehen fest": a sentence
        reason = "given twice" if key in out.fields else "not unambiguous"
        shown = text[pos : line.end()].strip()
        out.warnings.append(f"header line left in the text ({key} {reason}): {shown[:80]!r}")
        kept.append(text[pos : line.end()].rstrip("\n"))
        pos = line.end()
    rest = text[pos:]
    out.text = "\n".join([*kept, rest]) if kept else rest
    return out


def is_header_line(line: str) -> bool:
    """Is ``line`` header-like (a key with a colon, or a lower-case key, and a value)? Such a line left in
    the text is no title."""
    line = line.strip()
    if (m := _KEY_ONLY.fullmatch(line)) is not None:
        return m.group("key").lower() in _KEYS
    m = _LINE.fullmatch(line)
    key = _KEYS.get(m.group("key").lower()) if m else None
    return key is not None and (bool(m.group("colon")) or m.group("key").islower())


def _inline_fields(text: str, pos: int, fields: dict[str, str]) -> int:
    """Read fields that stand before the text on one line (``date 2018-05 Knapp ...``) into ``fields``;
    returns where the text starts (``pos`` when there is none)."""
    while True:
        m = _INLINE.match(text, pos)
        if not m:
            return pos
        key = _KEYS[m.group("key").lower()]
        written_as_field = m.group("colon") or m.group("key").islower()  # not "Quelle Nummer eins"
        if key == "source" and (m.group("colon") or not m.group("key").islower()):
            written_as_field = False  # "Quelle: Statistisches Bundesamt, ...": where would the name end?
        if key in fields or not written_as_field or not _INLINE_VALUE[key].match(m.group("value")):
            return pos
        fields[key] = m.group("value")
        pos = m.end()


def _line_end(text: str, pos: int) -> int | None:
    """Where the line at ``pos`` ends (after its newline), None when it is longer than ``LINE_MAX``."""
    end = text.find("\n", pos, pos + LINE_MAX)
    if end >= 0:
        return end + 1
    return len(text) if len(text) - pos <= LINE_MAX else None


def _after_blank_lines(text: str, pos: int) -> int:
    """``pos`` moved past lines that hold only whitespace."""
    while True:
        end = text.find("\n", pos)
        if end < 0 or text[pos:end].strip():
            return pos
        pos = end + 1
