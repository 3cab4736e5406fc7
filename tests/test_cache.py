"""The response cache and the phrase matcher give exactly what an uncached search gives.

Why: repeated requests (the start page's facet overview, paging back) are served from a per-generation
cache, and phrases are matched on numpy position arrays instead of Whoosh's span matchers. Both are
only allowed to be faster, never different, and a reindex must never serve a stale cached answer.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from whoosh import query as wq

from search.core.models import SearchRequest
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.scoring import Scorer
from search.engine.whoosh.searcher import scorer, search
from search.engine.whoosh.store import IndexStore

from .helpers import build_index


def _json(store: IndexStore, **kw) -> dict:
    data = search(store, SearchRequest(**kw)).to_json()
    data.pop("took_ms")
    return data


@pytest.mark.parametrize(
    "kw",
    [
        {"q": "Trump"},
        {"q": ""},
        {"q": "Kim", "filters": {"country": ("KP",)}},
        {"q": '"Kim Jong Un"', "sort": "newest"},
        {"q": "Gipfel", "page": 2, "per_page": 2, "lang": "en"},
    ],
)
def test_cached_responses_equal_fresh_ones(
    store: IndexStore, monkeypatch: pytest.MonkeyPatch, kw: dict
) -> None:
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")
    fresh = _json(store, **kw)
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "64")
    first, second = _json(store, **kw), _json(store, **kw)
    assert first == fresh and second == fresh


def test_callers_cannot_change_a_cached_response(store: IndexStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "64")
    request = SearchRequest(q="Pompeo")
    first = search(store, request)
    first.results.clear()
    for values in first.facets.values():
        for v in values:
            v["toggle_url"] = "changed"
    again = search(store, request)
    assert again.results and all("toggle_url" not in v for vs in again.facets.values() for v in vs)


def test_a_reindex_is_never_answered_from_the_old_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "64")
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.txt").write_text("Eins\n\nDer Gipfel in Hanoi.", encoding="utf-8")
    index = tmp_path / "index"
    reindex(articles, index, enrich=None)
    store = IndexStore(index)
    assert search(store, SearchRequest(q="Gipfel")).total == 1
    (articles / "b.txt").write_text("Zwei\n\nNoch ein Gipfel in Singapur.", encoding="utf-8")
    reindex(articles, index, enrich=None)
    assert search(store, SearchRequest(q="Gipfel")).total == 2


def test_phrase_matcher_equals_whoosh(tmp_path: Path) -> None:
    """Random phrases (adjacent words, repeated words, words that occur but never adjacently) over a
    generated corpus: the numpy matcher finds exactly Whoosh's documents."""
    rnd = random.Random(7)
    vocab = ["Gipfel", "Treffen", "Kim", "Jong", "Un", "Trump", "und", "die", "der", "Koch-Institut", "Welle"]
    docs = {
        f"d{i:03d}": "Titel\n\n" + " ".join(rnd.choice(vocab) for _ in range(rnd.randint(3, 60)))
        for i in range(120)
    }
    store = build_index(tmp_path, docs)
    gen = store.current()
    searcher = gen.searcher()
    sc = scorer(gen)
    exact = [w.lower().replace("-", " ").split() for w in vocab]
    flat = [w for ws in exact for w in ws]
    checked = 0
    for _ in range(150):
        words = tuple(rnd.choice(flat) for _ in range(rnd.choice([2, 2, 3, 4])))
        expected = sorted(searcher.docs_for_query(wq.Phrase("exact", list(words))))
        got = sc.phrase_ids("exact", words).tolist()
        assert got == expected, words
        checked += bool(expected)
    assert checked > 20  # the random phrases did find something
    assert np.array_equal(sc.phrase_ids("exact", ("nichtda", "kim")), np.zeros(0))


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_top_k_equals_a_full_sort(sort: str) -> None:
    """``Scorer.top`` partitions before sorting; with many ties it must still give the full sort's order."""
    rnd = np.random.default_rng(3)
    n = 500
    for _ in range(300):
        fake = SimpleNamespace(pubdate=rnd.integers(0, 4, size=n))  # few distinct dates: ties everywhere
        score = rnd.integers(0, 3, size=n).astype(np.float32)
        matched = rnd.random(n) < rnd.random()
        k = int(rnd.integers(1, n + 2))
        docs = np.flatnonzero(matched)
        if sort == "relevance":
            order = docs[np.lexsort((-fake.pubdate[docs], -score[docs]))]
        elif sort == "newest":
            order = docs[np.lexsort((docs, -fake.pubdate[docs]))]
        else:
            order = docs[np.lexsort((docs, fake.pubdate[docs]))]
        assert [d for d, _ in Scorer.top(fake, matched, score, k, sort)] == order[:k].tolist()
