"""JSON API and the search core over the five seeds: query language, facets, snippets, errors."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from openapi_spec_validator import validate as validate_spec

from .api_helpers import facet, get, ids, search
from .openapi_check import check, spec

LAWROW = "002_96c8ceafc6e47d4f"


# --- exact expectations over the seeds -------------------------------------------------------------


def test_lawrow_finds_exactly_one(client) -> None:
    data = search(client, q="Lawrow")
    assert data["total"] == 1 and ids(data) == [LAWROW]
    assert data["match"] == "all"


def test_a_genitive_finds_the_name(client) -> None:
    """A genitive the seeds never write ("Lawrows") finds the article that names Lawrow, and marks him."""
    data = search(client, q="Lawrows")
    assert ids(data) == ["002_96c8ceafc6e47d4f"] and data["match"] == "all"
    assert any("<mark>Lawrow</mark>" in s for s in data["results"][0]["snippets"])


def test_not_operator(client) -> None:
    assert ids(search(client, q="Putin -Lawrow")) == ["003_2eafdbd6af974de4"]
    assert ids(search(client, q="Putin NOT Lawrow")) == ["003_2eafdbd6af974de4"]
    assert search(client, q="Putin")["total"] == 2


def test_country_facet_counts_five_for_north_korea(client) -> None:
    data = search(client, q="")
    assert facet(data, "country")["KP"] == 5
    labels = {v["value"]: v["label"] for v in data["facets"]["country"]}
    assert labels["KP"] == "Nordkorea"


def test_two_persons_are_ored_with_person_op_or_and_facets_are_disjunctive(client) -> None:
    everything = search(client, q="")
    persons = facet(everything, "person")
    a, b = "Mike Pompeo", "Wladimir Putin"
    only_a = search(client, person=a, person_op="or")
    only_b = search(client, person=b, person_op="or")
    both = search(client, person=[a, b], person_op="or")
    assert both["facet_ops"]["person"] == "or"
    assert both["total"] == len(set(ids(only_a)) | set(ids(only_b))) > max(only_a["total"], only_b["total"])
    assert only_a["total"] == persons[a]
    # with "or", counts of the person facet ignore its own selection: siblings do not vanish
    assert facet(only_a, "person") == persons
    selected = {v["value"] for v in both["facets"]["person"] if v["selected"]}
    assert selected == {a, b}
    # a different facet combines with AND
    narrowed = search(client, person=[a, b], person_op="or", date="2019")
    assert narrowed["total"] == len([i for i in ids(both) if i.startswith("004")])


def test_two_persons_mean_both_by_default_and_counts_are_within_the_result(client) -> None:
    a, b = "Mike Pompeo", "Wladimir Putin"
    only_a, only_b = search(client, person=a), search(client, person=b)
    both = search(client, person=[a, b])
    assert both["facet_ops"]["person"] == "and" and both["facet_ops"]["source"] == "or"
    assert set(ids(both)) == set(ids(only_a)) & set(ids(only_b))
    assert both["total"] <= min(only_a["total"], only_b["total"])
    # "hits if you add this value": within the result, so no count exceeds the hit count ...
    assert all(c <= only_a["total"] for c in facet(only_a, "person").values())
    assert facet(only_a, "person")[a] == only_a["total"]
    # ... and a person's count is exactly what ticking it as well finds
    for value, count in list(facet(only_a, "person").items())[:4]:
        assert search(client, person=[a, value])["total"] == count
    assert search(client, person=[a, b], person_op="and")["total"] == both["total"]


def test_country_and_and_or_logic(client) -> None:
    everything = facet(search(client, q=""), "country")
    two = [c for c, n in sorted(everything.items(), key=lambda kv: -kv[1])][:2]
    both, either = search(client, country=two), search(client, country=two, country_op="or")
    per = [set(ids(search(client, country=c, per_page=100))) for c in two]
    assert set(ids(search(client, country=two, per_page=100))) == per[0] & per[1]
    assert set(ids(search(client, country=two, country_op="or", per_page=100))) == per[0] | per[1]
    assert both["total"] <= either["total"]
    # a date has one value per level: "or" is its default, "and" of two years finds nothing
    assert search(client, date=["2018", "2019"])["total"] == 5
    assert search(client, date=["2018", "2019"], date_op="and")["total"] == 0
    assert search(client, date=["2018", "2018-05"], date_op="and")["total"] == 2


def test_facet_op_must_be_and_or_or(client) -> None:
    data = search(client, 400, person="Mike Pompeo", person_op="xor")
    assert "person_op" in json.dumps(data)


def test_selected_value_shows_with_zero_count(client) -> None:
    data = search(client, q="Lawrow", country="VN")
    assert data["total"] == 0
    vn = [v for v in data["facets"]["country"] if v["value"] == "VN"]
    assert vn and vn[0]["selected"] and vn[0]["count"] == 0


def test_date_facet_years_open_into_months(client) -> None:
    dates = search(client, q="")["facets"]["date"]
    assert [(y["value"], y["count"]) for y in dates] == [("2018", 4), ("2019", 1)]
    assert [(m["value"], m["label"], m["count"]) for m in dates[0]["children"]] == [
        ("2018-04", "April 2018", 2),
        ("2018-05", "Mai 2018", 2),
    ]
    assert search(client, date="2018-05")["total"] == 2
    assert search(client, q="date:2018-05")["total"] == 2
    assert search(client, q="date:[2018-04 TO 2018-06]")["total"] == 4
    assert search(client, q="datum:2019")["total"] == 1


def test_facets_sorted_by_count_then_label_with_size_limit(client) -> None:
    data = search(client, q="", facet_size=3)
    persons = data["facets"]["person"]
    assert len(persons) == 3 and data["facet_totals"]["person"] > 3
    keys = [(-v["count"], v["label"].lower()) for v in persons]
    assert keys == sorted(keys)


def test_facet_value_search(client) -> None:
    data = get(client, "/api/facets/person", prefix="pom")
    check("FacetSearch", data)
    assert [v["value"] for v in data["values"]] == ["Mike Pompeo"]
    assert get(client, "/api/facets/person", prefix="zzzz")["values"] == []
    err = get(client, "/api/facets/nope", status=400)
    check("Error", err)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("person:Pompeo", {"000", "001", "002"}),
        ('person:"Mike Pompeo"', {"000", "001", "002"}),
        ("country:Nordkorea", {"000", "001", "002", "003", "004"}),
        ("country:VN", {"004"}),
        ("land:Vietnam", {"004"}),
        ("title:Singapur", {"003"}),
        ("Singapur OR Lawrow", {"002", "003", "004"}),
        ("(Singapur OR Lawrow) -Vietnam", {"002", "003"}),
        ('"Kim Jong Il"', {"001"}),
        ("Lawr*", {"002"}),
        ("Lawrov~", {"002"}),
        ("quelle:dpa", {"003"}),
    ],
)
def test_query_language(client, q: str, expected: set[str]) -> None:
    assert {i[:3] for i in ids(search(client, q=q, per_page=100))} == expected


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        "(Trump AND",
        "Trump)",
        "OR",
        "AND OR NOT",
        "***",
        "~~~",
        "?",
        "Trump OR",
        "NOT",
        "-",
        "person:",
        "a" * 1999,
        "Kim\x00Jong\x07Un",
        "\u202eKim",
        "🙂 Trump",
    ],
)
def test_anything_typed_is_accepted(client, q: str) -> None:
    search(client, q=q)


def test_overlong_and_invalid_dates_are_clear_errors(client) -> None:
    err = search(client, status=400, q="a" * 10_000)
    assert err["error"]["parameter"] == "q" and "too long" in err["error"]["message"]
    err = search(client, status=400, q="date:2018-13")
    assert "not a date" in err["error"]["message"]


def test_empty_query_lists_all_newest_first(client) -> None:
    data = search(client, q="")
    dates = [r["date"] for r in data["results"]]
    assert data["total"] == 5 and dates == sorted(dates, reverse=True)


def test_sort_and_paging(client) -> None:
    newest = [r["date"] for r in search(client, q="Trump", sort="newest")["results"]]
    oldest = [r["date"] for r in search(client, q="Trump", sort="oldest")["results"]]
    assert newest == sorted(newest, reverse=True) and oldest == sorted(oldest) and newest[0] > oldest[0]
    pages = [ids(search(client, q="Trump", per_page=2, page=p)) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(sum(pages, [])) == sorted(ids(search(client, q="Trump")))


def test_exact_match_ranks_above_compound_part(tmp_path) -> None:
    from .helpers import build_index
    from .helpers import ids as local_ids

    store = build_index(
        tmp_path,
        {
            "part": "Das Atomprogramm und das Atomprogramm und noch ein Atomprogramm.",
            "exact": "Das Programm wurde gestoppt.",
        },
    )
    assert local_ids(store, "Programm") == ["exact", "part"]
    store = build_index(
        tmp_path / "t",
        {
            "in_body": "Ein Treffen in der Stadt.\n\nDort gab es einen Gipfel am Abend.",
            "in_title": "Ein Gipfel in der Stadt.\n\nDort gab es ein Treffen am Abend.",
        },
    )
    assert local_ids(store, "Gipfel") == ["in_title", "in_body"]


def test_snippets_mark_stems_parts_and_phrases(client) -> None:
    snippets = search(client, q="Sanktion")["results"][0]["snippets"]
    assert any("<mark>Sanktionen</mark>" in s for s in snippets)
    text = " ".join(s for r in search(client, q="Programm")["results"] for s in r["snippets"])
    assert "<mark>Atomprogramm</mark>" in text or "<mark>Atomprogramms</mark>" in text
    assert "<mark>Raketenprogramm</mark>" in text
    phrase = " ".join(search(client, q='"Kim Jong Il"')["results"][0]["snippets"])
    assert "<mark>Kim</mark> <mark>Jong</mark> <mark>Il</mark>" in phrase
    for r in search(client, q="Trump")["results"]:
        assert 1 <= len(r["snippets"]) <= 3
        assert all(len(s) < 320 for s in r["snippets"])


def test_snippets_in_long_texts_find_every_spelling() -> None:
    """Only regions around prefilter hits are analysed: the prefilter must accept every spelling a word
    is indexed under (ß/ss, umlauts/ae), and a word found all over a long text still gives short snippets."""
    from search.text.highlight import match_spans, query_terms, snippets
    from search.text.query import parse

    filler = "Ein langer Satz ohne das gesuchte Wort steht hier nur als Füllung im Text. " * 60
    for query, spelling in [
        ("Maßnahmen", "Massnahmen"),
        ("Massnahmen", "Maßnahmen"),
        ("Straße", "Strasse"),
        ("Ärzte", "Aerzte"),
        ("Grüße", "Grüsse"),
    ]:
        text = filler + f"Am Ende nannte sie die {spelling} der Regierung. " + filler
        found = " ".join(snippets(text, query_terms(parse(query).tree)))
        assert f"<mark>{spelling}</mark>" in found, (query, spelling, found)
    dense = "Corona hier und dort. " * 400
    terms = query_terms(parse("Corona").tree)
    out = snippets(dense, terms)
    assert 1 <= len(out) <= 3 and all("<mark>Corona</mark>" in s for s in out)
    assert len(match_spans(dense, terms)) == 400  # marking a whole text still finds every occurrence


def test_facet_only_search_shows_the_lead(client) -> None:
    data = search(client, country="VN")
    assert ids(data) == ["004_3edf93f4457be493"]
    assert data["results"][0]["snippets"][0].startswith("US-Präsident Donald Trump")
    assert "<mark>" not in data["results"][0]["snippets"][0]


def test_did_you_mean(client) -> None:
    data = search(client, q="Pompep")
    assert data["suggestion"] == "Pompeo" and search(client, q="Pompeo")["total"] == 3


def test_questions_fall_back_to_some_words(client) -> None:
    data = search(client, q="Wann wurde das Treffen in Singapur abgesagt?")
    assert data["match"] == "some" and data["total"] > 0
    assert ids(data)[0] == "003_2eafdbd6af974de4"
    # operators, phrases and field scopes never fall back
    assert search(client, q='"Treffen in Singapur abgesagt wurde"')["total"] == 0
    assert search(client, q="Lawrow Vietnam -Trump")["match"] == "all"


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"sort": "best"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "x"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"country": "Atlantis"}, "country"),
        ({"country": "K1"}, "country"),
        ({"date": "May 2018"}, "date"),
        ({"facet_size": "-1"}, "facet_size"),
    ],
)
def test_bad_parameters_are_400_with_error_shape(client, params: dict, parameter: str) -> None:
    data = search(client, status=400, **params)
    assert data["error"]["code"] == "invalid_parameter"
    assert data["error"]["parameter"] == parameter
    assert data["error"]["message"]


def test_article_endpoint(client) -> None:
    data = get(client, f"/api/articles/{LAWROW}", q="Lawrow")
    check("Article", data)
    assert "Lawrow" in data["text"] and "<mark>Lawrow</mark>" in data["html"]
    assert "Mike Pompeo" in data["persons"]
    err = get(client, "/api/articles/nope", status=404)
    check("Error", err)
    assert err["error"]["code"] == "article_not_found"
    get(client, "/api/articles/..%2F..%2Fetc%2Fpasswd", status=404)


def test_suggest(client) -> None:
    data = get(client, "/api/suggest", q="Pomp")
    check("Suggestions", data)
    assert data["suggestions"][0] == {"value": "Mike Pompeo", "label": "Mike Pompeo", "kind": "person"}
    kinds = {s["kind"] for s in get(client, "/api/suggest", q="Nordk")["suggestions"]}
    assert "country" in kinds


def test_english_labels_and_readable_utf8(client) -> None:
    en = search(client, q="", lang="en")
    assert {v["value"]: v["label"] for v in en["facets"]["country"]}["US"] == "United States"
    resp = client.get("/api/search", query_string={"q": ""}, headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert {v["value"]: v["label"] for v in resp.get_json()["facets"]["country"]}["KP"] == "North Korea"
    raw = client.get("/api/search", query_string={"q": "Südkorea"}).get_data()
    assert "Südkorea".encode() in raw and b"\\u00fc" not in raw


def test_openapi_is_served_and_valid(client) -> None:
    data = get(client, "/api/openapi.json")
    validate_spec(data)
    assert data == spec()


def test_real_server_answers_json(live_server: str) -> None:
    with urllib.request.urlopen(f"{live_server}/api/search?q=Lawrow") as r:
        data = json.loads(r.read().decode("utf-8"))
    check("SearchResponse", data)
    assert ids(data) == [LAWROW]
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{live_server}/api/search?page=0")
    assert exc.value.code == 400
    check("Error", json.loads(exc.value.read().decode("utf-8")))
