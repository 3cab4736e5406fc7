"""Spelling corrections of typed words through the real API, on both engines (issue 16, "Corrections").

A query that finds nothing is searched with its confident correction instead (``corrected`` in the answer,
snippets marked with the corrected words); ``exact=1``, operators, phrases and field clauses turn that off;
"Meinten Sie" and the completions come in the articles' own spelling and case; a rare word of the index
(``Biontec``) gets a suggestion when a close word is much more frequent (``BioNTech``).

A small corpus written here holds each case (a real index of it, Whoosh on disk and OpenSearch on the
session's node); the seeds check the same over the engine contract (tests/test_engine_contract.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.engine.typos import Candidate, choose, spelling

from .api_helpers import engine_app, get, ids, search

#: Impfstoff in 3 articles, BioNTech in 5 (once "Biontech"), the typo BioNTec in one, "impfen" as a verb
#: (capitalised only at a sentence's start), Maske and Masse in 2 each, Wahlkampf in one.
ARTICLES = {
    "a1": "Impfstoff zugelassen\n\nDer Impfstoff von BioNTech wurde in Mainz zugelassen. BioNTech liefert ab Januar.",
    "a2": "Mehr Dosen\n\nDer Impfstoff kommt von BioNTech. Die Länder impfen zuerst die Älteren.",
    "a3": "Impfzentren öffnen\n\nImpfen ist freiwillig. Impfen schützt. Der Impfstoff wird in Mainz abgefüllt, sagt BioNTech.",
    "a4": "Börse\n\nDie Aktie von BioNTech stieg. Die Maske bleibt im Handel Pflicht.",
    "a5": "Bilanz\n\nDer Umsatz von Biontech wuchs, die Maske auch. Eine Masse an Aufträgen liegt vor.",
    "a6": "Kurzmeldung\n\nDie Firma BioNTec meldet neue Daten. Eine Masse an Daten.",
    "a7": "Wahlen\n\nDer Wahlkampf beginnt im Herbst.",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("typo-articles")
    for name, text in ARTICLES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def whoosh_client(corpus: Path, tmp_path_factory: pytest.TempPathFactory):
    from search.engine.whoosh.indexer import reindex

    index_dir = tmp_path_factory.mktemp("typo-index")
    reindex(corpus, index_dir)
    return engine_app("whoosh", index_dir, corpus).test_client()


@pytest.fixture(scope="module")
def opensearch_client(corpus: Path, opensearch_url: str, tmp_path_factory: pytest.TempPathFactory):
    from search.engine.opensearch.engine import OpenSearchEngine

    OpenSearchEngine(opensearch_url, "pytest-typos").reindex(corpus, full=True, ner=False)
    return engine_app(
        "opensearch", tmp_path_factory.mktemp("unused"), corpus, opensearch_url, "pytest-typos"
    ).test_client()


@pytest.fixture(params=["whoosh", "opensearch"])
def client(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"{request.param}_client")


# ----------------------------------------------------------------------------- through the API


@pytest.mark.parametrize("typed", ["Implstoff", "Impfstof", "impfstof"])
def test_a_query_that_finds_nothing_shows_the_corrected_results(client, typed: str) -> None:
    data = search(client, q=typed)
    right = search(client, q="Impfstoff")
    assert data["corrected"] == {"from": typed, "to": "Impfstoff"}  # the articles' case, whatever was typed
    assert data["query"] == typed and data["match"] == "all" and data["suggestion"] == "Impfstoff"
    assert data["total"] == right["total"] == 3 and ids(data) == ids(right)
    assert data["facets"] == right["facets"] and data["timeline"] == right["timeline"]
    assert all("<mark>Impfstoff</mark>" in " ".join(hit["snippets"]) for hit in data["results"])


def test_exact_searches_the_typed_words(client) -> None:
    data = search(client, q="Implstoff", exact="1")
    assert "corrected" not in data and data["total"] == 0
    assert data["suggestion"] == "Impfstoff"  # still offered, not searched


@pytest.mark.parametrize(
    "q",
    ['"Implstoff"', "titel:Implstoff", "Implstoff -Mainz", "Implstoff OR Wahlkanpf", "Implst*", "Implstof~"],
)
def test_operators_phrases_and_fields_are_never_corrected(client, q: str) -> None:
    data = search(client, q=q)
    assert "corrected" not in data
    assert not (
        data["total"] and any("<mark>Impfstoff</mark>" in " ".join(h["snippets"]) for h in data["results"])
    )


def test_two_typos_are_corrected_together(client) -> None:
    data = search(client, q="Impfstof Mainzz")
    assert data["corrected"] == {"from": "Impfstof Mainzz", "to": "Impfstoff Mainz"}
    assert sorted(ids(data)) == sorted(ids(search(client, q="Impfstoff Mainz")))


@pytest.mark.parametrize(
    "typed, why",
    [
        ("Mase", "Maske and Masse are in as many articles: no unique best candidate"),
        ("Wahlkanpf", "Wahlkampf is in one article only: not frequent enough"),
    ],
)
def test_an_unsure_correction_stays_a_suggestion(client, typed: str, why: str) -> None:
    data = search(client, q=typed)
    assert "corrected" not in data, why
    assert data["suggestion"] in ({"Maske", "Masse"} if typed == "Mase" else {"Wahlkampf"})


def test_a_rare_word_gets_the_frequent_spelling_suggested(client) -> None:
    data = search(client, q="Biontec")
    assert data["total"] == 1 and "corrected" not in data  # a word of the index is never auto-corrected
    assert data["suggestion"] == "BioNTech"  # the articles' spelling: 4 of 5 write it so


def test_completions_in_the_articles_spelling(client) -> None:
    values = [s["value"] for s in get(client, "/api/suggest", q="bion")["suggestions"] if s["kind"] == "term"]
    assert values[:2] == ["BioNTech", "BioNTec"]
    impf = [s["value"] for s in get(client, "/api/suggest", q="Impf")["suggestions"] if s["kind"] == "term"]
    assert "Impfstoff" in impf and "impfen" in impf  # a verb keeps its small letter ("Impfen ist …" starts)
    assert get(client, "/api/suggest", q="der imp")["suggestions"][0]["value"].startswith("der Impf")


# ----------------------------------------------------------------------------- the rules themselves


def test_confidence_rules() -> None:
    assert choose("impfstof", 0, [Candidate("impfstoff", 58), Candidate("impfstoffe", 38)]) == (
        "impfstoff",
        True,
    )
    assert choose("mase", 0, [Candidate("maske", 2), Candidate("masse", 2)]) == ("masse", False)  # no lead
    assert choose("mase", 0, [Candidate("maske", 4), Candidate("masse", 2)]) == (
        "maske",
        True,
    )  # twice as many
    assert choose("wahlkanpf", 0, [Candidate("wahlkampf", 1)]) == ("wahlkampf", False)  # one article
    assert choose("biontec", 1, [Candidate("biontech", 5)]) == ("biontech", False)  # known: only suggested
    assert choose("biontec", 1, [Candidate("biontech", 4)]) == (None, False)  # not 5 times as many
    assert choose("impstof", 0, [Candidate("umpstof", 9)]) == (None, False)  # another first letter
    # the most frequent candidate two edits away is suggested, but never corrected over a nearer one
    assert choose("gipfl", 0, [Candidate("gipfel", 5), Candidate("gipfeln", 9)]) == ("gipfeln", False)


def test_spelling_keeps_case_and_hyphens() -> None:
    texts = ["Die BioNTech-Impfung. BioNTech und Biontech.", "Aktie von BioNTech."]
    assert spelling(texts, "biontech") == "BioNTech"
    assert spelling(texts, "biontechimpfung") == "BioNTech-Impfung"
    assert spelling(["Treffen sie sich? Treffen wir uns! Sie treffen sich."], "treffen") == "treffen"
    assert spelling(["„Treffen sie sich?“"], "treffen") == "Treffen"  # seen only at a sentence's start
    assert spelling(["Nach Pjöngjang."], "pjongjang") == "Pjöngjang"
    assert spelling(["Nichts davon."], "biontech") is None


def test_the_response_cache_tells_exact_apart(app) -> None:
    """The seeds' app keeps finished responses (SEARCH_CACHE_SIZE default): exact=1 is another request."""
    seeds = app.test_client()
    assert search(seeds, q="Gipfl")["corrected"] == {"from": "Gipfl", "to": "Gipfel"}
    exact = search(seeds, q="Gipfl", exact="1")
    assert "corrected" not in exact and exact["match"] == "some"
