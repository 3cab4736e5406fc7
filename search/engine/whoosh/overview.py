"""Entity and index overviews from the facet columns: does an entity occur, how is it written, how big
is the index. Behind the engine's entity pages and statistics."""

from __future__ import annotations

from collections import Counter

import numpy as np

from search.engine.shared import entity_forms
from search.engine.whoosh.generations import CORRECTIONS
from search.engine.whoosh.searcher import columns
from search.engine.whoosh.store import Generation
from search.enrich.entities.corrections import Corrections

# ----------------------------------------------------------------------------- entity pages


def _column_docs(gen: Generation, facet: str, value: str) -> list[int]:
    col = columns(gen).columns[facet]
    ordinal = col.ordinal.get(value)
    if ordinal is None:
        return []
    return sorted(set(col.docs[col.ords == ordinal].tolist()))


def entity_exists(gen: Generation, facet: str, value: str) -> bool:
    """Whether any live article has ``value`` in facet ``facet`` (``person`` or ``country``)."""
    return bool(_column_docs(gen, facet, value))


def entity_aliases(gen: Generation, facet: str, value: str, limit_docs: int = 2000) -> list[tuple[str, int]]:
    """The ways an entity is written, with the number of articles using each form, most used first.

    Persons: the per-article ``entities.aliases`` lists; countries: the text of the ``COUNTRY`` spans
    (``Nordkorea``, ``Nordkoreas``, ``Pjöngjang`` …). The canonical name itself is left out.
    """
    searcher = gen.searcher()
    counts: Counter[str] = Counter()
    for docnum in _column_docs(gen, facet, value)[:limit_docs]:
        counts.update(entity_forms(searcher.stored_fields(docnum), facet, value))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))


# ----------------------------------------------------------------------------- statistics


def index_statistics(gen: Generation) -> dict:
    """Counts for the statistics page: articles, distinct persons/countries/sources, date range."""
    cols = columns(gen)

    def distinct(facet: str) -> int:
        col = cols.columns.get(facet)
        return int(np.unique(col.ords).size) if col is not None and len(col.ords) else 0

    months = [v for v in cols.columns["date"].values if len(v) == 7]
    live_months = []
    if months:
        col = cols.columns["date"]
        present = set(np.unique(col.ords).tolist())
        live_months = sorted(v for v in months if col.ordinal[v] in present)
    return {
        "articles": int(gen.meta.get("articles", int(cols.live.sum()))),
        "live_articles": int(cols.live.sum()),
        "persons": distinct("person"),
        "countries": distinct("country"),
        "sources": distinct("source"),
        "first_month": live_months[0] if live_months else None,
        "last_month": live_months[-1] if live_months else None,
        "created": gen.meta.get("created"),
        "generation": gen.name,
    }


def stored_corrections(gen: Generation) -> Corrections:
    """The user's corrections this generation was built with (see :mod:`search.enrich.entities.corrections`)."""

    def read(g: Generation) -> Corrections:
        try:
            return Corrections.parse((g.path / CORRECTIONS).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return Corrections()

    return gen.cached("corrections", read)
