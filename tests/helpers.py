"""Small helpers for tests that need their own real index on disk."""

from __future__ import annotations

import random
from pathlib import Path

from search.core.models import SearchRequest
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.searcher import search
from search.engine.whoosh.store import IndexStore
from search_tools.synthetic import article_text


def build_index(tmp_path: Path, docs: dict[str, str], enrich=None) -> IndexStore:
    """Write ``docs`` (id -> text) as article files and index them."""
    folder = tmp_path / "articles"
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in docs.items():
        (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    reindex(folder, tmp_path / "index", enrich=enrich)
    return IndexStore(tmp_path / "index")


def ids(store: IndexStore, q: str, **kwargs) -> list[str]:
    """Ids of all hits of ``q`` in rank order."""
    kwargs.setdefault("per_page", 100)
    resp = search(store, SearchRequest(q=q, **kwargs))
    return [r["id"] for r in resp.results]


def short_articles(folder: Path, count: int, seed: int, prefix: str = "a") -> Path:
    """``count`` short synthetic articles (2-4 paragraphs) in ``folder``: enough for the parallel reindex path."""
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"{prefix}_{i:04d}.txt").write_text(article_text(rng, rng.randint(2, 4)), encoding="utf-8")
    return folder
