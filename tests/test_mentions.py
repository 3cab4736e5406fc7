"""Mention counts in ranking: filtering on a person or country puts the articles about them before the
articles that name them in passing (real NER, real index on disk)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from search.core.models import SearchRequest
from search.engine.whoosh.searcher import MENTION_BOOST, scorer, search
from search.engine.whoosh.store import IndexStore
from search.enrich.pipeline import Enricher

from .helpers import build_index

ABOUT = (
    "date 2019-01-10 Bundeskanzlerin Angela Merkel hat am Donnerstag in Berlin ihre Pläne für Europa "
    "vorgestellt. Merkel sagte, Deutschland und Frankreich müssten enger zusammenarbeiten. Am Abend "
    "reiste Merkel nach Paris, wo sie den französischen Präsidenten traf. Merkel betonte dort, Frankreich "
    "sei der wichtigste Partner.\n\nKritiker warfen Merkel vor, die Pläne seien zu vage."
)
PASSING = (
    "date 2019-06-01 Der Berliner Verein hat am Samstag in Berlin das Pokalfinale gewonnen. Die Mannschaft "
    "feierte bis in die Nacht mit Tausenden Fans vor dem Rathaus. Der Trainer lobte die Abwehr und den "
    "Torwart, der zwei Elfmeter hielt. Auch Bundeskanzlerin Angela Merkel gratulierte der Mannschaft, die im "
    "Sommer in Frankreich ein Trainingslager plant.\n\nDie Saison beginnt im August."
)
OTHER = (
    "date 2019-07-01 In Hamburg hat am Montag ein Hafenfest begonnen. Hunderte Schiffe liegen im Hafen, "
    "die Veranstalter erwarten eine Million Besucher."
)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> IndexStore:
    tmp: Path = tmp_path_factory.mktemp("mentions")
    return build_index(tmp, {"about": ABOUT, "passing": PASSING, "other": OTHER}, enrich=Enricher())


def _ranked(store: IndexStore, q: str = "", **filters: tuple[str, ...]) -> list[tuple[str, float | None]]:
    resp = search(store, SearchRequest(q=q, filters=filters, per_page=10))
    return [(r["id"], r["score"]) for r in resp.results]


def _counts(store: IndexStore, field: str, value: str) -> dict[str, float]:
    gen = store.current()
    reader = gen.searcher().reader()
    ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
    weights = scorer(gen).mentions(field, [value])
    return {ids[d]: float(weights[d]) for d in ids if weights[d]}


def test_mention_fields_count_each_mention(store: IndexStore) -> None:
    stored = {f["id"]: f["entities"] for _, f in store.current().searcher().reader().iter_docs()}
    assert stored["about"]["persons"]["Angela Merkel"] >= 4
    assert stored["passing"]["persons"]["Angela Merkel"] == 1
    assert _counts(store, "person_mentions", "Angela Merkel") == {
        "about": stored["about"]["persons"]["Angela Merkel"],
        "passing": 1,
    }
    assert _counts(store, "country_mentions", "FR") == {
        "about": stored["about"]["countries"]["FR"],
        "passing": stored["passing"]["countries"]["FR"],
    }


def test_without_a_query_a_person_filter_ranks_by_mentions(store: IndexStore) -> None:
    assert [i for i, _ in _ranked(store)] == ["other", "passing", "about"]  # no filter: newest first
    assert [i for i, _ in _ranked(store, person=("Angela Merkel",))] == ["about", "passing"]  # older first
    assert [i for i, _ in _ranked(store, country=("FR",))] == ["about", "passing"]


def test_with_a_query_the_score_grows_with_the_mentions(store: IndexStore) -> None:
    plain = dict(_ranked(store, "Berlin"))
    filtered = dict(_ranked(store, "Berlin", person=("Angela Merkel",)))
    counts = _counts(store, "person_mentions", "Angela Merkel")
    assert set(filtered) == {"about", "passing"}
    for doc_id, score in filtered.items():
        expected = plain[doc_id] * (1 + MENTION_BOOST * math.log1p(counts[doc_id]))
        assert score == pytest.approx(expected, rel=1e-3)
    assert filtered["about"] / plain["about"] > filtered["passing"] / plain["passing"]
