"""Result exports as CSV, JSON Lines and RIS: the same rows for the web (``/api/export``) and the CLI.

Each writer takes hits one at a time (an iterator, e.g. :meth:`Snapshot.export`'s stream) and yields
encoded pieces, so an export of 10,000 articles is written as it is read and never held in memory.

* CSV opens in a spreadsheet as written: UTF-8 with a byte-order mark (Excel reads umlauts), every field
  quoted where needed, lines ended by CRLF (RFC 4180), and cells that a spreadsheet would run as a
  formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) prefixed with ``'``
  (OWASP's advice against CSV injection: a title ``=HYPERLINK(...)`` stays text).
* JSON Lines: one hit per line in the JSON API's shape (snippets and score left out), plus ``link``.
* RIS: one ``TY  - NEWS`` record per article (title, source, date, URL) for citation managers.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from search.core.errors import InvalidParameter
from search.core.models import Hit

#: Articles one export holds at most (the newest, best or oldest first, as the search orders them).
MAX_EXPORT_ROWS = 10_000
#: format -> (media type, file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
}
CSV_COLUMNS = ("id", "date", "title", "source", "link", "source_url", "persons", "countries")
#: What a spreadsheet reads as the start of a formula (or, for tab and CR, of a hidden one).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Characters that cannot stand in one RIS field (a line break would start a new tag).
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x85]+")
#: Rows per piece written: few system calls, little memory.
_CHUNK_ROWS = 100


def check_format(value: str | None) -> str:
    """The export format asked for (``csv`` when none); InvalidParameter for an unknown one."""
    fmt = (value or "csv").strip().lower()
    if fmt not in FORMATS:
        raise InvalidParameter("format", fmt[:50], f"format must be one of {', '.join(FORMATS)}")
    return fmt


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text, never runs: a leading formula character gets a ``'``."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def link(hit: Hit, base_url: str = "") -> str:
    """The address of the article's page here (absolute when ``base_url`` is given)."""
    return base_url.rstrip("/") + hit["url"]


def precise_date(hit: Hit) -> str:
    """A hit's date as precisely as it is known, in ISO 8601: ``2024-03-15``, ``2024-03`` (a month), ``2024``
    (a year); a month is never written as its first day."""
    date, precision = hit.get("date") or "", hit.get("date_precision")
    return date[:7] if precision == "month" else date[:4] if precision == "year" else date


def _csv_row(hit: Hit, base_url: str) -> list[str]:
    cells = [
        hit["id"],
        precise_date(hit),
        hit.get("title") or "",
        hit.get("source") or "",
        link(hit, base_url),
        hit.get("source_url") or "",
        "; ".join(hit.get("persons") or ()),
        "; ".join(c["code"] for c in hit.get("countries") or ()),
    ]
    return [neutralise(str(c)) for c in cells]


def csv_pieces(hits: Iterable[Hit], base_url: str = "") -> Iterator[bytes]:
    """The CSV file in pieces: BOM and header first, then rows as they are read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for n, hit in enumerate(hits, 1):
        writer.writerow(_csv_row(hit, base_url))
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _json_record(hit: Hit, base_url: str) -> dict[str, Any]:
    record = {k: v for k, v in hit.items() if k not in ("snippets", "score")}
    record["link"] = link(hit, base_url)
    return record


def jsonl_pieces(hits: Iterable[Hit], base_url: str = "") -> Iterator[bytes]:
    """One JSON object per line (UTF-8, umlauts as they are)."""
    lines: list[str] = []
    for hit in hits:
        lines.append(json.dumps(_json_record(hit, base_url), ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= _CHUNK_ROWS:
            yield ("\n".join(lines) + "\n").encode("utf-8")
            lines = []
    if lines:
        yield ("\n".join(lines) + "\n").encode("utf-8")


def _ris_field(tag: str, value: object) -> str:
    text = _LINE_BREAKS.sub(" ", str(value)).strip()
    return f"{tag}  - {text}\r\n" if text else ""


def _ris_date(hit: Hit) -> tuple[str, str]:
    """``PY`` (the year) and ``DA`` (``YYYY/MM/DD/``, unknown parts empty) of a hit's date."""
    date = hit.get("date") or ""
    if len(date) < 10:
        return "", ""
    year, month, day = date[:4], date[5:7], date[8:10]
    precision = hit.get("date_precision")
    if precision == "year":
        month = day = ""
    elif precision == "month":
        day = ""
    return year, f"{year}/{month}/{day}/"


def ris_record(hit: Hit, base_url: str = "") -> str:
    """One RIS record (``TY  - NEWS`` ... ``ER  - ``): title, source, date, URL, persons as keywords."""
    year, date = _ris_date(hit)
    page = link(hit, base_url)
    parts = [
        "TY  - NEWS\r\n",
        _ris_field("ID", hit["id"]),
        _ris_field("TI", hit.get("title") or ""),
        _ris_field("T2", hit.get("source") or ""),
        _ris_field("PY", year),
        _ris_field("DA", date),
        _ris_field("UR", hit.get("source_url") or page),
        _ris_field("L2", page) if hit.get("source_url") else "",
        *(_ris_field("KW", p) for p in hit.get("persons") or ()),
        _ris_field("LA", "de"),
        "ER  - \r\n",
    ]
    return "".join(parts)


def ris_pieces(hits: Iterable[Hit], base_url: str = "") -> Iterator[bytes]:
    """The records one after another, separated by a blank line."""
    records: list[str] = []
    for hit in hits:
        records.append(ris_record(hit, base_url) + "\r\n")
        if len(records) >= _CHUNK_ROWS:
            yield "".join(records).encode("utf-8")
            records = []
    if records:
        yield "".join(records).encode("utf-8")


_WRITERS = {"csv": csv_pieces, "jsonl": jsonl_pieces, "ris": ris_pieces}


def pieces(fmt: str, hits: Iterable[Hit], base_url: str = "") -> Iterator[bytes]:
    """The export of ``hits`` in ``fmt`` (see :data:`FORMATS`), piece by piece."""
    return _WRITERS[check_format(fmt)](hits, base_url)


def filename(fmt: str) -> str:
    """The name a download is saved under."""
    return f"nachrichtensuche-export.{FORMATS[fmt][1]}"
