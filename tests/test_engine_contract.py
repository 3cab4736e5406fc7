"""The API contract on both engines: the same requests over the five seeds, once on Whoosh and once on a real
OpenSearch node (tests/conftest.py starts it through scripts/opensearch.sh), and the two answers compared.

Two kinds of tests. The contract tests (``engine_client``, parametrised over ``whoosh`` and ``opensearch``)
are checks of tests/test_api.py and tests/test_web.py that any engine must pass: query language, facet
logic, dates, suggestions, fallback, entity pages, statistics, exports. The parity tests put both
engines' answers to the same request side by side: identical result sets, facet counts (with the date
tree), timelines, entity pages and statistics.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from .api_helpers import engine_app, facet, get, ids, search
from .conftest import SEEDS
from .openapi_check import check

ENGINES = ("whoosh", "opensearch")
LAWROW = "002_96c8ceafc6e47d4f"


@pytest.fixture(scope="module")
def whoosh_client(seed_index: Path):
    return engine_app("whoosh", seed_index, SEEDS).test_client()


@pytest.fixture(scope="module")
def opensearch_client(seed_index: Path, opensearch_seeds, opensearch_url: str):
    return engine_app("opensearch", seed_index, SEEDS, opensearch_url, "pytest-seeds").test_client()


@pytest.fixture(params=ENGINES)
def engine_client(request: pytest.FixtureRequest):
    """A test client of the app on one engine (both over the seeds)."""
    return request.getfixturevalue(f"{request.param}_client")


# ------------------------------------------------------------------------------------- the contract


def test_words_not_and_phrases(engine_client) -> None:
    data = search(engine_client, q="Lawrow")
    assert data["total"] == 1 and ids(data) == [LAWROW] and data["match"] == "all"
    assert ids(search(engine_client, q="Putin -Lawrow")) == ["003_2eafdbd6af974de4"]
    assert search(engine_client, q="Putin")["total"] == 2


@pytest.mark.parametrize(
    "q, expected",
    [
        ("person:Pompeo", {"000", "001", "002"}),
        ('person:"Mike Pompeo"', {"000", "001", "002"}),
        ("country:Nordkorea", {"000", "001", "002", "003", "004"}),
        ("land:Vietnam", {"004"}),
        ("title:Singapur", {"003"}),
        ("(Singapur OR Lawrow) -Vietnam", {"002", "003"}),
        ('"Kim Jong Il"', {"001"}),
        ("Lawr*", {"002"}),
        ("Lawrov~", {"002"}),
        ("jongu*", {"000", "002"}),  # only the joined form "jongun" of "Jong-un" begins so
        ("quelle:dpa", {"003"}),
    ],
)
def test_query_language(engine_client, q: str, expected: set[str]) -> None:
    assert {i[:3] for i in ids(search(engine_client, q=q, per_page=100))} == expected


def test_cut_expansions_are_said(engine_client) -> None:
    """Forty ``*`` words share the expansion budget: each engine says which were cut (its own budget)."""
    prefixes = "ge be ve ab an au ei er ha ko st un vo zu wa da de di in ma mi na ni re sa se si so ta te"
    prefixes += " ti tr fr gr kr pr sp sc al el"
    data = search(engine_client, q=" OR ".join(f"{p}*" for p in prefixes.split()))
    assert data["total"] == 5
    assert any(
        w.startswith("ge*: only the ") and w.endswith(" matching words are used") for w in data["warnings"]
    )
    assert not any(w.startswith("Lawr*") for w in search(engine_client, q="Lawr*")["warnings"])


def test_country_facet_and_labels(engine_client) -> None:
    data = search(engine_client, q="")
    assert facet(data, "country")["KP"] == 5
    assert {v["value"]: v["label"] for v in data["facets"]["country"]}["KP"] == "Nordkorea"
    en = search(engine_client, q="", lang="en")
    assert {v["value"]: v["label"] for v in en["facets"]["country"]}["US"] == "United States"


def test_person_and_or_logic(engine_client) -> None:
    everything = facet(search(engine_client, q=""), "person")
    a, b = "Mike Pompeo", "Wladimir Putin"
    only_a, only_b = (
        search(engine_client, person=a, person_op="or"),
        search(engine_client, person=b, person_op="or"),
    )
    either = search(engine_client, person=[a, b], person_op="or")
    assert either["total"] == len(set(ids(only_a)) | set(ids(only_b)))
    assert facet(only_a, "person") == everything  # "or": the person facet ignores its own selection
    both = search(engine_client, person=[a, b])
    assert both["facet_ops"]["person"] == "and"
    assert set(ids(both)) == set(ids(only_a)) & set(ids(only_b))
    within = search(engine_client, person=a)
    assert facet(within, "person")[a] == within["total"]
    for value, count in list(facet(within, "person").items())[:4]:
        assert search(engine_client, person=[a, value])["total"] == count


def test_dates_tree_ranges_and_undated(engine_client) -> None:
    dates = search(engine_client, q="")["facets"]["date"]
    assert [(y["value"], y["count"]) for y in dates] == [("2018", 4), ("2019", 1)]
    assert [(m["value"], m["label"], m["count"]) for m in dates[0]["children"]] == [
        ("2018-04", "April 2018", 2),
        ("2018-05", "Mai 2018", 2),
    ]
    assert search(engine_client, date="2018-05")["total"] == 2
    assert search(engine_client, q="date:[2018-04 TO 2018-06]")["total"] == 4
    assert search(engine_client, date=["2018", "2019"], date_op="and")["total"] == 0
    assert search(engine_client, date_from="2018-05", date_to="2019")["total"] == 3
    assert search(engine_client, date="none")["total"] == 0
    timeline = search(engine_client, q="")["timeline"]
    assert sum(bar["count"] for bar in timeline) == 5


def test_selected_value_shows_with_zero_count(engine_client) -> None:
    data = search(engine_client, q="Lawrow", country="VN")
    vn = [v for v in data["facets"]["country"] if v["value"] == "VN"]
    assert data["total"] == 0 and vn and vn[0]["selected"] and vn[0]["count"] == 0


def test_facet_size_order_and_value_search(engine_client) -> None:
    data = search(engine_client, q="", facet_size=3)
    persons = data["facets"]["person"]
    assert len(persons) == 3 and data["facet_totals"]["person"] > 3
    keys = [(-v["count"], v["label"].lower()) for v in persons]
    assert keys == sorted(keys)
    found = get(engine_client, "/api/facets/person", prefix="pom")
    assert [v["value"] for v in found["values"]] == ["Mike Pompeo"]


def test_name_resolution(engine_client) -> None:
    data = search(engine_client, person="Pompeo", country="Nordkorea")
    assert data["total"] == 3
    assert {(r["facet"], r["resolved"]) for r in data["resolved"]} == {
        ("person", "Mike Pompeo"),
        ("country", "KP"),
    }


def test_did_you_mean_and_some_words(engine_client) -> None:
    assert search(engine_client, q="Pompep")["suggestion"] == "Pompeo"
    assert search(engine_client, q="Gipfl", exact="1")["match"] == "some"
    data = search(engine_client, q="Wann wurde das Treffen in Singapur abgesagt?")
    assert data["match"] == "some" and data["total"] > 0
    assert ids(data)[0] == "003_2eafdbd6af974de4"
    assert search(engine_client, q='"Treffen in Singapur abgesagt wurde"')["total"] == 0


def test_a_query_that_finds_nothing_is_searched_corrected(engine_client) -> None:
    data = search(engine_client, q="gipfl", per_page=50)
    assert data["corrected"] == {"from": "gipfl", "to": "Gipfel"} and data["match"] == "all"
    right = search(engine_client, q="Gipfel", per_page=50)
    assert ids(data) == ids(right) and data["results"] == right["results"]  # snippets marked as for Gipfel
    assert any("<mark>Gipfel</mark>" in " ".join(hit["snippets"]) for hit in data["results"])
    assert "corrected" not in search(engine_client, q="gipfl -Trump")


@pytest.mark.parametrize("name", ["Donald Trump", "Kim Jong-un"])
def test_mentions_rank_a_selected_person_first(engine_client, name: str) -> None:
    data = search(engine_client, person=name, per_page=100)
    counts = []
    for hit in data["results"]:
        article = get(engine_client, f"/api/articles/{hit['id']}")
        counts.append(article["person_mentions"].get(name, 0))
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert ids(data) != ids(search(engine_client, person=name, per_page=100, sort="newest"))  # not by date


def test_article_similar_and_suggest(engine_client) -> None:
    data = get(engine_client, f"/api/articles/{LAWROW}", q="Lawrow")
    check("Article", data)
    assert "<mark>Lawrow</mark>" in data["html"] and "Mike Pompeo" in data["persons"]
    assert get(engine_client, "/api/articles/nope", status=404)["error"]["code"] == "article_not_found"
    page = engine_client.get(f"/artikel/{LAWROW}")
    assert page.status_code == 200 and "Lawrow" in page.get_data(as_text=True)
    suggestions = get(engine_client, "/api/suggest", q="Pomp")["suggestions"]
    assert suggestions[0] == {"value": "Mike Pompeo", "label": "Mike Pompeo", "kind": "person"}
    assert "term" in {s["kind"] for s in get(engine_client, "/api/suggest", q="Gipf")["suggestions"]}


def test_entity_pages_and_statistics(engine_client) -> None:
    person = engine_client.get(f"/person/{quote('Mike Pompeo')}")
    assert person.status_code == 200
    html = person.get_data(as_text=True)
    assert "<h1>Mike Pompeo</h1>" in html and "In 3 Artikeln erwähnt." in html
    assert engine_client.get("/land/KP").status_code == 200
    assert engine_client.get(f"/person/{quote('Niemand Unbekannt')}").status_code == 404
    stats = engine_client.get("/statistik").get_data(as_text=True)
    assert "<dt>Artikel</dt>" in stats


def test_exports(engine_client) -> None:
    resp = engine_client.get(
        "/api/export", query_string={"format": "jsonl", "country": "KP", "sort": "oldest"}
    )
    assert resp.status_code == 200
    rows = [json.loads(line) for line in resp.get_data(as_text=True).splitlines() if line.strip()]
    assert len(rows) == 5
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)


# ------------------------------------------------------------------------------------- parity

REQUESTS = [
    {},
    {"q": "Regierung"},
    {"q": "Trump", "sort": "newest"},
    {"q": "Gipfel OR Vietnam", "country": "KP"},
    {"person": ["Mike Pompeo", "Wladimir Putin"], "person_op": "or"},
    {"person": "Mike Pompeo"},
    {"country": ["KP", "US"]},
    {"date": "2018"},
    {"date": ["2018-05", "none"]},
    {"date_from": "2018-05"},
    {"q": "Pompep"},
    {"q": "Atomwafen"},
    {"q": "Gipfl", "exact": "1"},
    {"q": "Wann wurde das Treffen in Singapur abgesagt?"},
    {"person": "Trump"},
    {"q": "person:Pompeo nordkorea*"},
    {"q": "", "facet_size": 2},
    {"q": "Kim", "lang": "en"},
]


def _comparable(data: dict) -> dict:
    return {
        "total": data["total"],
        "ids": sorted(ids(data)),
        "facets": data["facets"],
        "facet_totals": data["facet_totals"],
        "timeline": data["timeline"],
        "match": data["match"],
        "suggestion": data["suggestion"],
        "corrected": data.get("corrected"),
        "resolved": data.get("resolved"),
        "facet_ops": data.get("facet_ops"),
    }


@pytest.mark.parametrize("params", REQUESTS, ids=[json.dumps(r, ensure_ascii=False) for r in REQUESTS])
def test_same_answers_on_both_engines(params: dict, whoosh_client, opensearch_client) -> None:
    params = {"per_page": 50, **params}
    assert _comparable(search(opensearch_client, **params)) == _comparable(search(whoosh_client, **params))


@pytest.mark.parametrize(
    "name, prefix", [("person", "mi"), ("person", "pu"), ("country", "nord"), ("source", "d")]
)
def test_same_facet_value_search(name: str, prefix: str, whoosh_client, opensearch_client) -> None:
    path = f"/api/facets/{name}"
    assert get(opensearch_client, path, prefix=prefix) == get(whoosh_client, path, prefix=prefix)


def test_same_entity_pages_lists_and_statistics(whoosh_client, opensearch_client, seed_index: Path) -> None:
    from search.engine.whoosh.engine import WhooshEngine

    whoosh = WhooshEngine(seed_index)
    opensearch = opensearch_client.application.extensions["search_engine"]
    assert opensearch.entities(limit=100) == whoosh.entities(limit=100)
    persons = [row["value"] for row in whoosh.entities("person", 100)["person"]]
    for facet_name, value in [("country", "KP"), ("country", "VN"), *(("person", p) for p in persons)]:
        want, have = whoosh.entity_page(facet_name, value), opensearch.entity_page(facet_name, value)
        assert want is not None and have is not None
        assert (have.aliases, have.corrections) == (want.aliases, want.corrections), value
        assert _comparable(have.response.to_json()) == _comparable(want.response.to_json()), value
        assert ids(have.response.to_json()) == ids(want.response.to_json())  # newest first, same order
    skip = {"generation", "created"}
    stats = {k: v for k, v in opensearch.statistics().items() if k not in skip}
    assert stats == {k: v for k, v in whoosh.statistics().items() if k not in skip}
    for q in ("Pomp", "Nordk", "Gipf", "Trump Sing"):
        assert opensearch.suggest(q) == whoosh.suggest(q), q


EXPLAINED = [
    "Gipfeltreffens",  # stem, and the exact form in one seed
    "Sprengkopf",  # a compound part (only inside "Atomsprengkopf")
    "Nordkorea*",  # expansions
    "Lawrov~",  # fuzzy: the index words found
    '"Kim Jong Un" Singapur',  # phrase and a word
    "Kim-Jong-Un",  # hyphenated
    "person:Pompeo OR land:Vietnam OR quelle:dpa",  # scopes
    "title:Singapur OR title:Gipfel",
    "Wann wurde das Treffen in Singapur abgesagt?",  # a "some words" result: unmatched words too
    "Wann trafen sich Kim-Moon Xylophon?",  # some words: a hyphenated word explained by its pieces
]


@pytest.mark.parametrize("q", EXPLAINED)
def test_same_explanations_on_both_engines(q: str, whoosh_client, opensearch_client) -> None:
    """explain=1 says the same on both engines: per hit, which part matched, where and through which form."""
    ours = search(whoosh_client, q=q, explain=1, per_page=50)
    theirs = search(opensearch_client, q=q, explain=1, per_page=50)
    assert ours["total"], q
    explained = {h["id"]: h["explain"] for h in ours["results"]}
    assert {h["id"]: h["explain"] for h in theirs["results"]} == explained
    assert any(e["matched"] for entries in explained.values() for e in entries)
    if "Kim-Moon" in q:  # the pieces the "some words" ranking used, each matched
        assert [(e["query"], e["matched"]) for e in explained[ids(ours)[0]]][2:4] == [
            ("Kim", True),
            ("Moon", True),
        ]
