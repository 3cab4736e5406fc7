"""``SEARCH_ENGINE=opensearch``: the :class:`~search.engine.base.Engine` over an OpenSearch cluster.

A snapshot is the concrete versioned index the alias names when it is taken (with the stamp of its last
reindex run): every part of one page is read from that index, so a reindex that swaps the alias meanwhile
cannot mix two indexes. Unreachable clusters raise :class:`~search.core.errors.EngineUnreachable` (503 in
the API, an error page in HTML, exit code 1 in the CLI). Searching is :mod:`.searcher`, facets
:mod:`.facets`, what an index knows about itself (names, values, corrections) :mod:`.overview`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.core.errors import ArticleNotFound, IndexUnavailable
from search.core.facets import BY_NAME
from search.core.labels import country_label, locale_or_default
from search.core.models import (
    ArticleView,
    EntityPage,
    HitStream,
    ReindexSummary,
    SearchRequest,
    SearchResponse,
)
from search.core.settings import Settings
from search.engine.base import Progress, SnapshotEngine, entity_page_request
from search.engine.cache import through_cache
from search.engine.opensearch import searcher
from search.engine.opensearch.client import Client
from search.engine.opensearch.indexer import live_index, live_state
from search.engine.opensearch.overview import entity_aliases, facts
from search.engine.opensearch.searcher import SOURCE, Context, _stored, valid_id
from search.engine.shared import article_json
from search.text.highlight import query_terms
from search.text.query import parse


class OpenSearchSnapshot:
    """One versioned index in one state (the alias's target when taken)."""

    def __init__(self, client: Client, alias: str, index: str, stamp: str = ""):
        self.client = client
        self.index = index
        self.ctx = Context(client, index, facts(client, alias, index, stamp))

    @property
    def name(self) -> str:
        """The versioned index's name."""
        return self.index

    def search(self, request: SearchRequest) -> SearchResponse:
        """See :func:`search.engine.opensearch.searcher.search`; answered from the response cache of this index
        state when asked before (a reindex stamps the index anew, so its answers start a new cache)."""
        return through_cache(
            lambda size: self.ctx.facts.responses(size),
            request,
            lambda req, started: searcher.search(self.ctx, req, started),
        )

    def export(self, request: SearchRequest, limit: int) -> HitStream:
        """See :func:`search.engine.opensearch.searcher.export`."""
        return searcher.export(self.ctx, request, limit)

    def article(self, article_id: str, q: str = "", lang: str = "de") -> ArticleView:
        """One article with its text, the query's matches marked, and its entities."""
        if not valid_id(article_id):
            raise ArticleNotFound(f"no article with id {article_id[:80]!r}")
        body = {"query": {"term": {"id": article_id}}, "size": 1, "_source": SOURCE}
        hits = self.ctx.search(body)["hits"]["hits"]
        if not hits:
            raise ArticleNotFound(f"no article with id {article_id[:80]!r}")
        terms = query_terms(parse(q).tree) if q else None
        data, matches = article_json(_stored(hits[0]["_source"]), terms, locale_or_default(lang), self.index)
        return ArticleView(data, matches)

    def similar(self, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """See :func:`search.engine.opensearch.searcher.similar`."""
        if not valid_id(article_id) or not self.ctx.count({"term": {"id": article_id}}):
            raise ArticleNotFound(f"no article with id {article_id[:80]!r}")
        return searcher.similar(self.ctx, article_id, limit)

    def suggest(self, q: str, lang: str = "de") -> dict[str, Any]:
        """See :func:`search.engine.opensearch.searcher.suggest`."""
        return searcher.suggest(self.ctx, q, lang)

    def entities(self, kind: str = "all", limit: int = 50, lang: str = "de") -> dict[str, list[dict]]:
        """Persons and countries of the whole index with article counts (persons with their aliases)."""
        registry = self.ctx.facts.registry()
        out: dict[str, list[dict]] = {}
        for name in ("person", "country"):
            if kind not in ("all", name):
                continue
            counts = self.ctx.facts.values(name)
            rows = []
            for value in sorted(counts, key=lambda v: (-counts[v], v))[:limit]:
                row: dict[str, Any] = {
                    "value": value,
                    "label": country_label(value, lang) if name == "country" else value,
                    "count": counts[value],
                }
                if name == "person":
                    row["aliases"] = registry.get(value, [value])
                rows.append(row)
            out[name] = rows
        return out

    def entity_exists(self, facet: str, value: str) -> bool:
        """Whether any article has ``value`` in the facet ``facet``."""
        return self.ctx.facts.values(facet).get(value, 0) > 0

    def entity_page(self, facet: str, value: str, page: int = 1, lang: str = "de") -> EntityPage | None:
        """The entity's articles, newest first, with its co-mentioned persons and countries counted."""
        if BY_NAME[facet].entity_page is None or not self.entity_exists(facet, value):
            return None
        request = entity_page_request(facet, value, page, lang)
        notes = self.ctx.facts.corrections().notes(facet, value)
        aliases = entity_aliases(self.client, self.index, facet, value)
        return EntityPage(facet, value, self.search(request), aliases, notes)

    def statistics(self) -> dict[str, Any]:
        """Counts for the statistics page: articles, distinct persons/countries/sources, months covered."""
        f = self.ctx.facts
        live = self.ctx.count({"match_all": {}})
        months = sorted(v for v in f.values("date") if len(v) == 7)
        record = f.record()
        return {
            "articles": int(record.get("articles", live)),
            "live_articles": live,
            "persons": len(f.values("person")),
            "countries": len(f.values("country")),
            "sources": len(f.values("source")),
            "first_month": months[0] if months else None,
            "last_month": months[-1] if months else None,
            "created": record.get("created"),
            "generation": self.index,
        }


class OpenSearchEngine(SnapshotEngine):
    """The engine over the alias ``alias`` of the cluster at ``url``; new indices get ``shards`` primary
    shards and ``replicas`` replicas."""

    def __init__(self, url: str, alias: str = "nachrichtensuche", shards: int = 1, replicas: int = 0):
        self.client = Client(url)
        self.alias = alias
        self.shards = shards
        self.replicas = replicas

    def snapshot(self) -> OpenSearchSnapshot:
        """The alias's index now (IndexUnavailable when there is none; EngineUnreachable when down)."""
        state = live_state(self.client, self.alias)
        if state is None:
            raise IndexUnavailable(f"no index yet in OpenSearch at {self.client.url}: run `search reindex`")
        return OpenSearchSnapshot(self.client, self.alias, *state)

    def health(self) -> dict[str, Any]:
        """``ok`` and the live index; IndexUnavailable / EngineUnreachable otherwise."""
        return {"status": "ok", "generation": self.snapshot().name}

    def warm_up(self) -> None:
        """The person names of the live index (name resolution, completions); the cluster caches the rest."""
        self.snapshot().ctx.facts.person_words()

    def has_index(self) -> bool:
        """Whether the alias names an index (EngineUnreachable when the cluster does not answer)."""
        return live_index(self.client, self.alias) is not None

    def reindex(
        self,
        articles_dir: Path,
        *,
        full: bool = False,
        ner: bool | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> ReindexSummary:
        """New, changed and deleted articles into the live index; a full run into a new index + alias swap."""
        from search.engine.opensearch.indexer import reindex
        from search.enrich.pipeline import default_enricher

        return reindex(
            self.client,
            self.alias,
            articles_dir,
            full=full,
            enrich=default_enricher(ner),
            progress=progress,
            shards=self.shards,
            replicas=self.replicas,
            replace=replace,
        )


def from_settings(settings: Settings) -> OpenSearchEngine:
    """The engine :func:`search.engine.open_engine` builds for ``SEARCH_ENGINE=opensearch``."""
    return OpenSearchEngine(
        settings.opensearch_url,
        settings.opensearch_index,
        settings.opensearch_shards,
        settings.opensearch_replicas,
    )
