"""The engine interface: everything web, API and CLI may ask of an index, and nothing more.

Two protocols. A :class:`Snapshot` is one consistent state of the index (for Whoosh: one generation);
every part of one page or response comes from one snapshot, so a reindex that swaps generations between
two parts of a page cannot mix them. An :class:`Engine` hands out snapshots, answers the same questions
on its newest state, reports its health and reindexes. The Whoosh engine
(:mod:`search.engine.whoosh.engine`) is the first implementation and the default; another engine is added
in :mod:`search.engine` without touching web, API or CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from search.core.models import (
    ArticleView,
    EntityPage,
    HitStream,
    ReindexSummary,
    SearchRequest,
    SearchResponse,
)

#: ``progress(stage, done, total)`` during a reindex.
Progress = Callable[[str, int, int], None]


@runtime_checkable
class Snapshot(Protocol):
    """One consistent state of the index; cheap to take, used for one response."""

    @property
    def name(self) -> str:
        """The state's name (a generation), reported in responses."""
        ...

    def search(self, request: SearchRequest) -> SearchResponse:
        """Hits of one page, facets with disjunctive counts, the timeline, snippets, a spelling suggestion."""
        ...

    def export(self, request: SearchRequest, limit: int) -> HitStream:
        """Every hit of ``request`` (at most ``limit``) in its order, without snippets; matched and
        ordered at once, each hit's stored fields read only when the stream is consumed (exports)."""
        ...

    def article(self, article_id: str, q: str = "", lang: str = "de") -> ArticleView:
        """One article with its text, entities and the query's matches; ArticleNotFound when unknown."""
        ...

    def similar(self, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """Articles like this one (id, title, date, url)."""
        ...

    def suggest(self, q: str, lang: str = "de") -> dict[str, Any]:
        """Completions for the last word typed: entity names first, then frequent words."""
        ...

    def entities(self, kind: str = "all", limit: int = 50, lang: str = "de") -> dict[str, list[dict]]:
        """Persons and countries of the whole index with article counts (persons with aliases)."""
        ...

    def entity_page(self, facet: str, value: str, page: int = 1, lang: str = "de") -> EntityPage | None:
        """An entity's articles (newest first) and spellings; None when no article mentions it."""
        ...

    def entity_exists(self, facet: str, value: str) -> bool:
        """Whether any article has ``value`` in the entity facet ``facet``."""
        ...

    def statistics(self) -> dict[str, Any]:
        """Counts for the statistics page: articles, distinct entities and sources, months covered."""
        ...


@runtime_checkable
class Engine(Protocol):
    """An index that web, API and CLI can use: snapshots, the same questions on the newest state, health
    and reindexing."""

    def snapshot(self) -> Snapshot:
        """The newest complete state; IndexUnavailable when there is none."""
        ...

    def search(self, request: SearchRequest) -> SearchResponse:
        """:meth:`Snapshot.search` on the newest state."""
        ...

    def export(self, request: SearchRequest, limit: int) -> HitStream:
        """:meth:`Snapshot.export` on the newest state."""
        ...

    def article(self, article_id: str, q: str = "", lang: str = "de") -> ArticleView:
        """:meth:`Snapshot.article` on the newest state."""
        ...

    def similar(self, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """:meth:`Snapshot.similar` on the newest state."""
        ...

    def suggest(self, q: str, lang: str = "de") -> dict[str, Any]:
        """:meth:`Snapshot.suggest` on the newest state."""
        ...

    def entities(self, kind: str = "all", limit: int = 50, lang: str = "de") -> dict[str, list[dict]]:
        """:meth:`Snapshot.entities` on the newest state."""
        ...

    def entity_page(self, facet: str, value: str, page: int = 1, lang: str = "de") -> EntityPage | None:
        """:meth:`Snapshot.entity_page` on the newest state."""
        ...

    def statistics(self) -> dict[str, Any]:
        """:meth:`Snapshot.statistics` on the newest state."""
        ...

    def health(self) -> dict[str, Any]:
        """``{"status": "ok", "generation": ...}``; IndexUnavailable when there is no usable index."""
        ...

    def warm_up(self) -> None:
        """Load what the first search would otherwise wait for (word lists, columns, vocabulary)."""
        ...

    def has_index(self) -> bool:
        """Whether a complete index exists (without opening it)."""
        ...

    def reindex(
        self,
        articles_dir: Path,
        *,
        full: bool = False,
        ner: bool | None = None,
        progress: Progress | None = None,
        replace: bool = False,
    ) -> ReindexSummary:
        """Bring the index up to date with the articles folder (everything anew with ``full``); an index
        built from another folder is refused (ReindexError) unless ``replace``."""
        ...


class SnapshotEngine:
    """What every engine does alike: each question is answered by the newest snapshot (so one answer never
    mixes two index states). Subclasses give :meth:`snapshot`, health, warm-up, ``has_index`` and reindex."""

    def snapshot(self) -> Snapshot:
        """The newest complete state; IndexUnavailable when there is none."""
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchResponse:
        """Search the newest state."""
        return self.snapshot().search(request)

    def export(self, request: SearchRequest, limit: int) -> HitStream:
        """Every hit (up to ``limit``) of the newest state, read as it is consumed."""
        return self.snapshot().export(request, limit)

    def article(self, article_id: str, q: str = "", lang: str = "de") -> ArticleView:
        """One article of the newest state."""
        return self.snapshot().article(article_id, q, lang)

    def similar(self, article_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """Similar articles in the newest state."""
        return self.snapshot().similar(article_id, limit)

    def suggest(self, q: str, lang: str = "de") -> dict[str, Any]:
        """Completions from the newest state."""
        return self.snapshot().suggest(q, lang)

    def entities(self, kind: str = "all", limit: int = 50, lang: str = "de") -> dict[str, list[dict]]:
        """Persons and countries of the newest state."""
        return self.snapshot().entities(kind, limit, lang)

    def entity_page(self, facet: str, value: str, page: int = 1, lang: str = "de") -> EntityPage | None:
        """An entity page from the newest state."""
        return self.snapshot().entity_page(facet, value, page, lang)

    def statistics(self) -> dict[str, Any]:
        """Statistics of the newest state."""
        return self.snapshot().statistics()


#: Articles per entity page (newest first).
ENTITY_PER_PAGE = 20
#: Related persons and countries counted on an entity page (the page shows the first dozen besides itself).
ENTITY_FACET_SIZE = 15


def entity_page_request(facet: str, value: str, page: int, lang: str) -> SearchRequest:
    """The search behind an entity page, the same on every engine: the entity's articles newest first; the
    related persons and countries are counted within them (co-mentions: AND on the entity's own facet)."""
    from search.core.facets import AND

    return SearchRequest(
        filters={facet: (value,)},
        sort="newest",
        page=page,
        per_page=ENTITY_PER_PAGE,
        lang=lang,
        facet_size=ENTITY_FACET_SIZE,
        with_snippets=False,
        facet_ops={facet: AND},
    )
