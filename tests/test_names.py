"""Names as people type them (issue 16), through the real API, page and CLI over the seeds: ``person=Trump``
and ``person:Trump`` resolve a unique family name or alias and say to what; an ambiguous name is a 400 that
lists the candidates; ``country=Nordkorea`` works wherever ``country=KP`` does; ``quelle:zeit.de`` needs no
quotes."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from .api_helpers import ids as result_ids
from .api_helpers import search


def ids(data: dict) -> set[str]:
    return set(result_ids(data))


def test_person_filter_takes_a_unique_family_name_and_says_to_what(client) -> None:
    full = search(client, person="Donald Trump", per_page=100)
    short = search(client, person="Trump", per_page=100)
    assert short["total"] == full["total"] > 0 and ids(short) == ids(full)
    assert short["resolved"] == [
        {"facet": "person", "value": "Trump", "resolved": "Donald Trump", "parameter": "person"}
    ]
    assert [e["value"] for e in short["facets"]["person"] if e["selected"]] == ["Donald Trump"]
    assert full["resolved"] == []
    # case and hyphens aside, and two names resolved at once (both must appear: AND)
    both = search(client, person=["putin", "pompeo"])
    assert both["total"] == search(client, person=["Wladimir Putin", "Mike Pompeo"])["total"]
    assert {r["resolved"] for r in both["resolved"]} == {"Wladimir Putin", "Mike Pompeo"}


def test_person_clause_in_the_query_resolves_too(client) -> None:
    data = search(client, q="person:Trump")
    assert data["total"] == search(client, person="Donald Trump")["total"]
    assert {"facet": "person", "value": "Trump", "resolved": "Donald Trump", "parameter": "q"} in data[
        "resolved"
    ]


def test_an_alias_resolves_to_its_person(client) -> None:
    for hit in search(client, per_page=100)["results"]:
        art = client.get(f"/api/articles/{hit['id']}").get_json()
        for name, forms in art["person_aliases"].items():
            for form in forms:
                if form != name:
                    data = search(client, person=form)
                    assert data["total"] == search(client, person=name)["total"]
                    assert [e["value"] for e in data["facets"]["person"] if e["selected"]] == [name]
                    return
    pytest.skip("no person with another spelling in the seeds")


def test_an_ambiguous_name_is_a_400_with_the_candidates(client) -> None:
    kims = [
        e["value"] for e in search(client, facet_size=100)["facets"]["person"] if "Kim" in e["value"].split()
    ]
    assert len(kims) > 1
    for params in ({"person": "Kim"}, {"q": "person:Kim"}):
        err = search(client, 400, **params)["error"]
        assert err["code"] == "ambiguous_name" and err["parameter"] == next(iter(params))
        # the persons articles called "Kim", else all whose name has the word: never a silent pick
        assert len(err["candidates"]) > 1 and set(err["candidates"]) <= set(kims)
        assert "Kim Jong-un" in err["candidates"] and "Kim Jong-un" in err["message"]
    page = client.get("/?person=Kim&country=KP")
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "passt auf mehrere Personen" in html
    # each candidate is a link to the same search with that person
    assert "/?country=KP&amp;person=Kim+Jong-un" in html
    q = client.get("/?q=" + quote("Gipfel person:Kim")).get_data(as_text=True)
    assert "q=Gipfel+person%3A%22Kim+Jong-un%22" in q


def test_country_names_work_wherever_codes_do(client, runner, seed_index) -> None:
    from search.cli.commands import main

    by_code = search(client, country="KP", per_page=100)
    by_name = search(client, country="Nordkorea", per_page=100)
    assert by_name["total"] == by_code["total"] == 5 and ids(by_name) == ids(by_code)
    assert by_name["resolved"][0]["resolved"] == "KP"
    assert search(client, country="North Korea")["total"] == 5
    assert (
        search(client, country=["Nordkorea", "Vietnam"])["total"]
        == search(client, country=["KP", "VN"])["total"]
    )
    err = search(client, 400, country="Atlantis")["error"]
    assert err["parameter"] == "country" and "Atlantis" in err["message"]
    # the result page goes to the indexed values, so its boxes and chips are those of country=KP
    moved = client.get("/?q=Gipfel&country=Nordkorea&person=%20Trump&page=1")
    assert moved.status_code == 302
    assert moved.headers["Location"].endswith("/?q=Gipfel&country=KP&person=Donald+Trump&page=1")
    page = client.get(moved.headers["Location"]).get_data(as_text=True)
    assert 'class="chip chip--country"' in page and "Nordkorea" in page
    # the export and the CLI
    assert client.get("/api/export?format=jsonl&country=Nordkorea").get_data(as_text=True).count("\n") == 5
    cli = runner.invoke(
        main, ["query", "--index", str(seed_index), "--filter", "country=Nordkorea", "--json"]
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout)["total"] == 5
    text = runner.invoke(main, ["query", "--index", str(seed_index), "--filter", "person=Trump"])
    assert text.exit_code == 0 and "person: Trump -> Donald Trump" in text.output


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory):
    from search import create_app

    from .helpers import build_index

    docs = {
        "a": "source zeit.de Die Impfkampagne beginnt im Januar in allen Ländern.",
        "b": "source spiegel.de Die Impfkampagne beginnt im Februar in allen Ländern.",
        "c": "source APA/dpa Die Impfkampagne beginnt im März in allen Ländern.",
    }
    store = build_index(tmp_path_factory.mktemp("sources"), docs)
    return create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(store.index_dir)}).test_client()


@pytest.mark.parametrize("q", ["quelle:zeit.de", 'quelle:"zeit.de"', "source:ZEIT.DE Impfkampagne"])
def test_dotted_field_values_need_no_quotes(sources, q: str) -> None:
    data = search(sources, q=q)
    assert data["total"] == 1 and data["results"][0]["source"] == "zeit.de"
    assert search(sources, q="quelle:APA/dpa")["total"] == 1
    page = sources.get("/?q=" + quote(q)).get_data(as_text=True)
    assert 'id="result-count"' in page and "1 Treffer" in page
