"""Analysis step between ingest and index: entities (persons, countries) and dates for a batch of articles.

Returns, per article, the extra index fields: ``person``, ``country``, ``mentioned`` (facet values),
``entities`` (stored detail: mention counts, aliases, character spans) and ``estimated_date`` for
articles without a publication date. The spaCy pipeline is loaded once per process, lazily, so a no-op
reindex never loads it.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from .config import settings
from .models import Article

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _extractor(model: str):  # noqa: ANN202
    from .entities import EntityExtractor

    return EntityExtractor(model or None)


class Enricher:
    """Entities and dates for batches of articles, consistent across batches and runs.

    Persons seen in earlier batches (and, through :meth:`prime`, in the live index) are fed back to the
    extractor so a bare surname resolves and a person keeps one canonical value across the corpus.
    :attr:`registry` collects canonical persons with their aliases; the indexer stores it per generation.
    """

    def __init__(self, model: str = "", ner: bool = True):
        self.model = model
        self.ner = ner
        self.registry: dict[str, list[str]] = {}

    def prime(self, registry: dict[str, list[str]]) -> None:
        """Persons already in the index (``{canonical: [aliases]}``) before an incremental run."""
        if not registry or not self.ner:
            return
        from .entities import ArticleEntities

        known = ArticleEntities(
            persons=dict.fromkeys(registry, 1), person_aliases=registry, countries={}, spans=[]
        )
        _extractor(self.model).learn([known])
        for name, aliases in registry.items():
            self._remember(name, aliases)

    def _remember(self, name: str, aliases: list[str]) -> None:
        merged = set(self.registry.get(name, ())) | set(aliases)
        self.registry[name] = sorted(merged)

    def __call__(self, articles: list[Article]) -> list[dict]:
        out = enrich_articles(articles, self.model, self.ner)
        if self.ner:
            ents = [f.get("entities") for f in out if f.get("entities")]
            from .entities import ArticleEntities

            learned = [
                ArticleEntities(persons=e["persons"], person_aliases=e["aliases"], countries={}, spans=[])
                for e in ents
            ]
            _extractor(self.model).learn(learned)
            for e in ents:
                for name, aliases in e["aliases"].items():
                    self._remember(name, aliases)
        return out


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


def default_enricher(ner: bool | None = None) -> Enricher:
    """The enrichment configured by the environment (``SEARCH_NER``, ``SEARCH_SPACY_MODEL``)."""
    s = settings()
    return Enricher(s.spacy_model, s.ner_enabled if ner is None else ner)
