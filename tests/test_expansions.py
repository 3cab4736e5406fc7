"""``Impf*`` and ``word~`` through the real API (issue 16): the most frequent expansions are used (not the
first in alphabetical order), every expansion counts for the hit total while the query's budget allows, and
when the budget cuts a word's expansions the API's ``warnings`` and the page say how many of how many."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from search.engine.whoosh import compiler as compiler_module

# 300 rare words that sort before the common one (impfa000 .. impfa299), one article each; the common word
# "impfzentrum" sorts last and is in 40 articles of its own
RARE = [f"impfa{i:03d}" for i in range(300)]
COMMON = "impfzentrum"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    from search import create_app

    from .helpers import build_index

    docs = {f"r{i:03d}": f"Ein Bericht über {w} in der Stadt." for i, w in enumerate(RARE)}
    docs |= {f"c{i:03d}": f"Das {COMMON.capitalize()} öffnet am Montag, Nummer {i}." for i in range(40)}
    tmp = tmp_path_factory.mktemp("expansions")
    store = build_index(tmp, docs)
    return create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(store.index_dir)})


@pytest.fixture()
def client(app, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")  # the budget changes between tests: no cached answers
    return app.test_client()


def _search(client, q: str, **params) -> dict:
    resp = client.get("/api/search", query_string={"q": q, **params})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def test_every_expansion_counts_for_the_total_when_affordable(client) -> None:
    data = _search(client, "Impf*")
    assert data["total"] == 340 and data["warnings"] == []


def test_the_most_frequent_expansions_are_used_and_the_cut_is_told(client, monkeypatch) -> None:
    monkeypatch.setattr(compiler_module, "MAX_TOTAL_EXPANSIONS", 100)
    data = _search(client, "Impf*")
    # alphabetical order would have taken impfa000 .. impfa099 (100 hits) and missed the 40 common ones
    assert data["total"] == 40 + 99
    assert data["warnings"] == ["Impf*: only the 100 most frequent of 301 matching words are used"]
    page = client.get("/?q=" + quote("Impf*")).get_data(as_text=True)
    assert "Impf*: nur die 100 häufigsten von 301 passenden Wörtern wurden gesucht" in page
    en = client.get("/?lang=en&q=" + quote("Impf*")).get_data(as_text=True)
    assert "Impf*: only the 100 most frequent of 301 matching words were searched" in en


def test_fuzzy_expansions_by_frequency_with_a_warning(client, monkeypatch) -> None:
    monkeypatch.setattr(compiler_module, "MAX_TOTAL_EXPANSIONS", 3)
    data = _search(client, "impfa050~")
    assert len(data["warnings"]) == 1 and data["warnings"][0].startswith(
        "impfa050~: only the 3 most frequent"
    )
    assert data["total"] == 3
