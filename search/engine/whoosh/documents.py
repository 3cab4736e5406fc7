"""One article as a Whoosh document: the field values the index stores for it.

Why a module of its own: the fields are filled in two places, in a worker process (:func:`document`: the
text analysed once for all its fields, the dates and the entity fields of the enrichment step) and in
the writer (:func:`add_mentions`, after every person has its one spelling for the run). Both follow the
schema in :mod:`search.engine.whoosh.schema`.
"""

from __future__ import annotations

import datetime as dt
import re

from search.core.models import Article
from search.engine.whoosh.schema import mention_values
from search.enrich.dates import check_publication_date
from search.enrich.duplicates import packed_signature
from search.text.analysis import pre_analyzed

#: The key under which a document carries the ``fstat`` of the file read; the writer takes it out for the
#: manifest (Whoosh ignores keys that start with "_" anyway).
READ_STAT = "_read_stat"
#: The key under which a document carries its packed MinHash signature (near-duplicates); the writer takes
#: it out for the generation's signature file.
MINHASH = "_minhash"
_PERIOD = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2]))?\Z")


def document(article: Article, extra: dict | None = None) -> dict:
    """The Whoosh fields of one article (``extra``: entity and date fields from the enrichment step)."""
    # Analyse once: the title+text value feeds body (stemmed), exact and parts; only the text is
    # stored.
    full = pre_analyzed(f"{article.title}\n\n{article.text}", ("stem", "exact", "parts"))
    doc: dict = {
        "id": article.id,
        "path": article.path,
        "content_hash": article.content_hash,
        "title": pre_analyzed(article.title, ("stem",)),
        "_stored_title": article.title,
        "body": full,
        "_stored_body": article.text,
        "exact": full,
        "parts": full,
        "title_derived": article.title_derived,
        "date_estimated": article.date_estimated,
        "pubdate": 0,
    }
    if article.source:
        doc["source"] = article.source
    if article.url:
        doc["url"] = article.url
    date = article.date
    precision = article.date_precision
    extra = dict(extra or {})
    if date is None and extra.get("estimated_date"):
        estimate = extra["estimated_date"]  # (date, precision), or a date (to the day)
        date, precision = estimate if isinstance(estimate, tuple) else (estimate, "day")
        doc["date_estimated"] = True
    extra.pop("estimated_date", None)
    if date is not None and not _plausible(date):
        # ingest drops such a metadata date with a warning; an estimate from the text is only a guess
        date = precision = None
        doc["date_estimated"] = article.date_estimated
    if date is not None:
        doc["date"] = date.isoformat()
        doc["date_precision"] = precision
        doc["pubdate"] = date.year * 10_000 + date.month * 100 + date.day
        doc["published"] = date_facet_values(date, precision)
    if extra.get("mentioned"):  # only values the date facet can show and filter (YYYY, YYYY-MM)
        extra["mentioned"] = ",".join(v for v in extra["mentioned"].split(",") if _PERIOD.match(v))
    for key, value in extra.items():
        if value:
            doc[key] = value
    doc[MINHASH] = packed_signature(article.text)
    if article.read_stat is not None:
        size, mtime_ns, ino = article.read_stat
        doc[READ_STAT] = {"size": size, "mtime_ns": mtime_ns, "ino": ino}
    return doc


def _plausible(date: dt.date) -> bool:
    try:
        check_publication_date(date)
    except ValueError:
        return False
    return True


def date_facet_values(date: dt.date, precision: str | None) -> str:
    """``2018`` and ``2018-05`` for a month- or day-precise date, ``2018`` for a year-only date.

    Years are written with four digits: the facet's values and the charts expect ``YYYY`` (year 1 was
    written ``1`` and broke them)."""
    year = f"{date.year:04d}"
    return year if precision == "year" else f"{year},{year}-{date.month:02d}"


def add_mentions(doc: dict) -> None:
    """The mention-count fields from the entity detail (after the persons got their run-wide spelling)."""
    ents = doc.get("entities") or {}
    for key, field in (("persons", "person_mentions"), ("countries", "country_mentions")):
        if ents.get(key):
            doc[field] = mention_values(ents[key])
