"""The Whoosh engine: the embedded default behind :class:`search.engine.base.Engine`.

A :class:`WhooshSnapshot` wraps one open index generation; every method of it reads that generation
only. :class:`WhooshEngine` opens the live generation through :class:`IndexStore` (which notices a new
``CURRENT`` pointer with one ``stat``) and runs the reindex in :mod:`search.engine.whoosh.indexer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.core.facets import BY_NAME
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
from search.engine.whoosh import articles, overview, searcher
from search.engine.whoosh.overview import stored_corrections
from search.engine.whoosh.store import Generation, IndexStore
from search.text.compounds import zipf


class WhooshSnapshot:
    """One Whoosh index generation, answering every question of :class:`~search.engine.base.Snapshot`."""

    def __init__(self, gen: Generation):
        self.gen = gen

    @property
    def name(self) -> str:
        """The generation's folder name (``gen-000042``)."""
        return self.gen.name

    def search(self, request: SearchRequest) -> SearchResponse:
        """See :func:`search.engine.whoosh.searcher.search`."""
        return searcher.search(self.gen, request)

    def export(self, request: SearchRequest, limit: int) -> HitStream:
        """See :func:`search.engine.whoosh.searcher.hit_stream`."""
        return searcher.hit_stream(self.gen, request, limit)

    def article(self, article_id: str, q: str = "", lang: str = "de") -> ArticleView:
        """See :func:`search.engine.whoosh.articles.get_article`."""
        return articles.get_article(self.gen, article_id, q, lang)

    def similar(self, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """See :func:`search.engine.whoosh.articles.more_like_this`."""
        return articles.more_like_this(self.gen, article_id, limit)

    def suggest(self, q: str, lang: str = "de") -> dict[str, Any]:
        """See :func:`search.engine.whoosh.articles.suggest`."""
        return articles.suggest(self.gen, q, lang)

    def entities(self, kind: str = "all", limit: int = 50, lang: str = "de") -> dict[str, list[dict]]:
        """See :func:`search.engine.whoosh.articles.entity_list`."""
        return articles.entity_list(self.gen, kind, limit, lang)

    def entity_exists(self, facet: str, value: str) -> bool:
        """Whether a live article has ``value`` in the facet column ``facet``."""
        return overview.entity_exists(self.gen, facet, value)

    def entity_page(self, facet: str, value: str, page: int = 1, lang: str = "de") -> EntityPage | None:
        """The entity's articles, newest first, with facets for its related persons and countries."""
        if BY_NAME[facet].entity_page is None or not self.entity_exists(facet, value):
            return None
        request = entity_page_request(facet, value, page, lang)
        notes = stored_corrections(self.gen).notes(facet, value)
        aliases = overview.entity_aliases(self.gen, facet, value)
        return EntityPage(facet, value, self.search(request), aliases, notes)

    def statistics(self) -> dict[str, Any]:
        """See :func:`search.engine.whoosh.overview.index_statistics`."""
        return overview.index_statistics(self.gen)


class WhooshEngine(SnapshotEngine):
    """The embedded engine over an index folder of generations (see :mod:`search.engine.whoosh.indexer`)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self.store = IndexStore(self.index_dir)

    def snapshot(self) -> WhooshSnapshot:
        """The live generation (IndexUnavailable when there is none)."""
        return WhooshSnapshot(self.store.current())

    def health(self) -> dict[str, Any]:
        """The live generation's name; IndexUnavailable when there is none."""
        return {"status": "ok", "generation": self.store.current().name}

    def warm_up(self) -> None:
        """Word frequencies, facet columns, the scorer and the spelling vocabulary of the live generation."""
        zipf("warmup")
        snap = self.snapshot()
        snap.search(SearchRequest(q="Programm"))
        searcher.vocabulary(snap.gen)

    def has_index(self) -> bool:
        """Whether ``CURRENT`` names a complete generation."""
        from search.engine.whoosh.generations import current_generation

        return current_generation(self.index_dir) is not None

    def reindex(
        self,
        articles_dir: Path,
        *,
        full: bool = False,
        ner: bool | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> ReindexSummary:
        """Index new, changed and deleted articles (everything with ``full``) into a new generation."""
        from search.engine.whoosh.indexer import reindex  # the writer: workers, ingest, spaCy on demand
        from search.enrich.pipeline import default_enricher

        return reindex(
            articles_dir,
            self.index_dir,
            full=full,
            enrich=default_enricher(ner),
            progress=progress,
            replace=replace,
        )


def from_settings(settings: Settings) -> WhooshEngine:
    """The engine :func:`search.engine.open_engine` builds for ``SEARCH_ENGINE=whoosh`` (the default)."""
    return WhooshEngine(settings.index_dir)
