"""Publication dates from where archives keep them: the file's path and the article's first line.

Why: scraped pages, exports and agency feeds saved as files carry no metadata, but their folders
(``2020/11/03/``, ``2020-11/``, ``2020/``), their file names (``2020-11-03_bericht.txt``,
``20201103-bericht.txt``) or their first line (``Berlin, 3. November 2020``, ``03.11.2020``) say when
they appeared. Such a date is the publication date with the precision it is written in, not an estimate.

Rules:

* The file name wins over the folders; a date is read from the file name only when it is a whole
  date-shaped part (digits not glued to more digits): ``YYYY-MM-DD``, ``YYYY_MM_DD``, ``YYYY.MM.DD``,
  ``YYYYMMDD``, ``YYYY-MM``/``YYYY_MM``. A file name with only a year gives nothing (``top-2000.txt``).
* Folders, read from the deepest upwards: a folder ``YYYY-MM-DD``/``YYYYMMDD``/``YYYY-MM`` (also with ``_``),
  or a run ``YYYY/MM/DD``, ``YYYY/MM``, ``YYYY`` of folders named by digits alone.
* The first line: an optional place and weekday, then a date (``3. November 2020``, ``3.11.2020``,
  ``November 2020``, ``Wien, im März 2024``), then the end of the line, an agency in brackets or a dash.
  A month without a day has month precision (stored as its first day, shown as the month).
* Every date must be a real day and a plausible publication date
  (:func:`search.enrich.dates.check_publication_date`), else it is not one (a folder ``1000`` is a number).
"""

from __future__ import annotations

import datetime as dt
import re

from search.enrich.dates import MONTHS, check_publication_date

#: (first day, "day" | "month" | "year")
Dated = tuple[dt.date, str]

_SEP = r"[-_.]"
_NAME_DAY = re.compile(rf"(?<!\d)(?P<y>\d{{4}})(?P<s>{_SEP}?)(?P<m>\d{{2}})(?P=s)(?P<d>\d{{2}})(?!\d)")
_NAME_MONTH = re.compile(rf"(?<!\d)(?P<y>\d{{4}}){_SEP}(?P<m>\d{{2}})(?![\d])")
_FOLDER = re.compile(rf"(?P<y>\d{{4}})(?:(?P<s>{_SEP}?)(?P<m>\d{{2}})(?:(?P=s)(?P<d>\d{{2}}))?)?")
_TWO = re.compile(r"\d{1,2}")

_MONTH_WORDS = "|".join(
    sorted(
        (m.capitalize() for m in MONTHS if (len(m) > 3 or m == "mai") and m != "maerz"), key=len, reverse=True
    )
)
_WEEKDAY = r"(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonnabend|Sonntag)"
_NOT_PLACE = (
    r"(?!(?:Am|Im|In|Seit|Bis|Vom|Von|Ab|Ende|Anfang|Mitte|Zum|Vor|Nach|Um|Bereits|Schon|Erst|Noch)\b)"
)
_DATE_LINE = re.compile(
    r"(?P<place>" + _NOT_PLACE + r"[A-ZÄÖÜ][\w./ -]{0,50}?,\s+(?:den\s+)?)?"
    r"(?:" + _WEEKDAY + r",?\s+(?:den\s+)?)?"
    r"(?:(?P<d>[0-3]?\d)\.\s*(?:(?P<mname>" + _MONTH_WORDS + r")\s+|(?P<mnum>[01]?\d)\.\s*)(?P<y>\d{4})"
    r"|(?:[Ii]m\s+)?(?P<mname2>" + _MONTH_WORDS + r")\s+(?P<y2>\d{4}))"
    r"(?:,?\s+(?:um\s+)?\d{1,2}[:.]\d{2}(?:\s*Uhr)?)?\s*(?P<agency>\([^()\n]{1,40}\))?[ \t]*"
    r"(?P<tail>\n|\Z|[-–—|]\s)"
)
#: lines read from the start of the text for a date line (a title may stand before it)
_LINES = 3


def _checked(year: int, month: int | None, day: int | None) -> Dated | None:
    try:
        value = check_publication_date(dt.date(year, month or 1, day or 1))
    except ValueError:
        return None
    return value, "day" if day else "month" if month else "year"


def date_from_path(rel_path: str) -> Dated | None:
    """The publication date the path ``rel_path`` (relative to the articles folder) carries, or None."""
    *folders, name = rel_path.replace("\\", "/").split("/")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    for m in _NAME_DAY.finditer(stem):
        found = _checked(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if found:
            return found
    for m in _NAME_MONTH.finditer(stem):
        found = _checked(int(m.group("y")), int(m.group("m")), None)
        if found:
            return found
    return _from_folders(folders)


def _from_folders(folders: list[str]) -> Dated | None:
    """The date of the deepest folder (or run of digit folders) that names one."""
    for i in range(len(folders) - 1, -1, -1):
        m = _FOLDER.fullmatch(folders[i])
        if m:
            month, day = m.group("m"), m.group("d")
            if month is None and day is None:  # "2020": a run 2020/11/03 below it?
                parts = folders[i + 1 : i + 3]
                nums = []
                for p in parts:
                    if not _TWO.fullmatch(p):
                        break
                    nums.append(int(p))
                month_n = nums[0] if nums else None
                day_n = nums[1] if len(nums) > 1 else None
                if month_n is not None and not 1 <= month_n <= 12:
                    month_n = day_n = None
                year = int(m.group("y"))
                found = (
                    _checked(year, month_n, day_n)
                    or _checked(year, month_n, None)
                    or _checked(year, None, None)
                )
            else:
                found = _checked(int(m.group("y")), int(month) if month else None, int(day) if day else None)
            if found:
                return found
    return None


def date_from_first_line(text: str) -> Dated | None:
    """The date of a date line among the first lines of ``text`` (``3. November 2020``, ``Berlin, 3.
    November 2020``, ``Montag, 03.11.2020, 14:32 Uhr``), or of a dateline that opens one of them
    (``Berlin, 3. November 2020 (dpa) - Die ...``: a place is then required)."""
    start = 0
    for _ in range(_LINES):
        m = _DATE_LINE.match(text, start, start + 240)
        if m and (m.group("tail") in ("\n", "") or m.group("place")):
            return _first_line_date(m)
        end = text.find("\n", start, start + 2000)
        if end < 0:
            return None
        start = end + 1
        while text.startswith("\n", start):
            start += 1
    return None


def is_date_line(paragraph: str) -> bool:
    """Is ``paragraph`` only a date line (not a title: ``Berlin, 3. November 2020``)?"""
    m = _DATE_LINE.match(paragraph.strip() + "\n")
    return bool(m) and m.end() >= len(paragraph.strip())


def _first_line_date(m: re.Match[str]) -> Dated | None:
    if m.group("y2"):
        return _checked(int(m.group("y2")), MONTHS[m.group("mname2").lower()], None)
    month = MONTHS[m.group("mname").lower()] if m.group("mname") else int(m.group("mnum"))
    try:
        dt.date(int(m.group("y")), month, int(m.group("d")))
    except ValueError:
        return None
    return _checked(int(m.group("y")), month, int(m.group("d")))
