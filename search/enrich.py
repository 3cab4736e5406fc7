"""Analysis step between ingest and index: entities (persons, countries) and dates for a batch of articles.

Returns, per article, the extra index fields: ``person``, ``country``, ``mentioned`` (facet values),
``entities`` (stored detail: mention counts, aliases, character spans) and ``estimated_date`` for
articles without a publication date. The spaCy pipeline is loaded once per process, lazily, so a no-op
reindex never loads it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache

from .config import settings
from .models import Article

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _extractor(model: str):  # noqa: ANN202
    from .entities import EntityExtractor

    return EntityExtractor(model or None)


def enrich_articles(articles: list[Article], model: str = "", ner: bool = True) -> list[dict]:
    """Extra index fields for each article (see the module docstring)."""
    from .dates import estimate_published, extract_mentioned

    ents = list(_extractor(model).extract_many([a.text for a in articles])) if ner else [None] * len(articles)
    out = []
    for article, ent in zip(articles, ents, strict=True):
        fields: dict = {}
        mentioned = extract_mentioned(article.text, article.date)
        values: set[str] = set()
        for m in mentioned:
            values.add(str(m.year))
            if m.month:
                values.add(f"{m.year}-{m.month:02d}")
        if values:
            fields["mentioned"] = ",".join(sorted(values))
        if article.date is None:
            estimate, estimated = estimate_published(article.text, mentioned)
            if estimate and estimated:
                fields["estimated_date"] = estimate
        if ent is not None:
            fields["person"] = ",".join(sorted(ent.persons))
            fields["country"] = ",".join(sorted(ent.countries))
            fields["entities"] = {
                "persons": dict(ent.persons),
                "aliases": {k: list(v) for k, v in ent.person_aliases.items()},
                "countries": dict(ent.countries),
                "spans": [list(s) for s in ent.spans],
            }
        out.append(fields)
    return out


def default_enricher() -> Callable[[list[Article]], list[dict]] | None:
    """The enrichment configured by the environment (``SEARCH_NER``, ``SEARCH_SPACY_MODEL``)."""
    s = settings()
    try:
        from . import dates, entities  # noqa: F401
    except ImportError as exc:  # pragma: no cover - modules missing in a broken install
        log.warning("entity/date extraction unavailable: %s", exc)
        return None

    def run(articles: list[Article]) -> list[dict]:
        return enrich_articles(articles, s.spacy_model, s.ner_enabled)

    return run
