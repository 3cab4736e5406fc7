"""``explain=1``: per hit, which query words matched, in which field and through which form (issue 17).

Over the seed index: the forms are checked on words whose spelling in the seeds is known (``Gipfeltreffens``
is in the title of one seed only as ``Gipfeltreffen``, ``Sprengkopf`` only inside ``Atomsprengkopf``).
"""

from __future__ import annotations

import re

from search.core.models import SearchRequest
from search.core.params import search_request
from search.engine.cache import ResponseCache

from .openapi_check import check

GEHEIM = "000_19562264cc7ac219"  # "Der Geheimbesuch ...": has "Gipfeltreffens" in its text
ATOM = "004_3edf93f4457be493"


def api(client, **params) -> dict:
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    data = resp.get_json()
    check("SearchResponse", data)  # the documented shape, explain included
    return data


def explained(client, q: str, **params) -> dict[str, list[dict]]:
    data = api(client, q=q, explain=1, **params)
    assert data["results"]
    return {hit["id"]: hit["explain"] for hit in data["results"]}


def entry(explanation: list[dict], query: str) -> dict:
    return next(e for e in explanation if e["query"] == query)


def test_stemmed_match_reports_stem(client) -> None:
    hits = explained(client, "Gipfeltreffens")
    forms = {hit_id: entry(e, "Gipfeltreffens")["form"] for hit_id, e in hits.items()}
    assert GEHEIM in hits and forms[GEHEIM] == "exact"  # written so in its text
    stemmed = [hit_id for hit_id, form in forms.items() if form == "stem"]
    assert stemmed, forms  # the other seed only has "Gipfeltreffen"
    e = entry(hits[stemmed[0]], "Gipfeltreffens")
    assert e["matched"] and e["terms"] == ["gipfeltreff"] and "title" in e["fields"]


def test_exact_match_reports_exact_and_fields(client) -> None:
    hits = explained(client, "Trump")
    for e in hits.values():
        assert e == [
            {
                "query": "Trump",
                "kind": "word",
                "matched": True,
                "form": "exact",
                "fields": e[0]["fields"],
                "terms": ["trump"],
            }
        ]
        assert "body" in e[0]["fields"]
    assert any("title" in e[0]["fields"] for e in hits.values())


def test_compound_part(client) -> None:
    hits = explained(client, "Sprengkopf")
    e = entry(next(iter(hits.values())), "Sprengkopf")
    assert e["matched"] and e["form"] == "compound_part" and e["terms"] == ["sprengkopf"]


def test_prefix_lists_its_expansions(client) -> None:
    hits = explained(client, "Atomwaffen Atomspreng*")
    e = entry(hits[next(iter(hits))], "Atomspreng*")
    assert e == {
        "query": "Atomspreng*",
        "kind": "prefix",
        "matched": True,
        "form": "expansion",
        "fields": ["body"],
        "terms": ["atomsprengkopf"],
    }
    many = explained(client, "Atom*")
    for explanation in many.values():
        terms = entry(explanation, "Atom*")["terms"]
        assert terms and all(t.startswith("atom") for t in terms)
    assert len({t for e in many.values() for t in entry(e, "Atom*")["terms"]}) > 3


def test_phrase_reports_phrase(client) -> None:
    hits = explained(client, '"Kim Jong-un" Gipfel')
    for explanation in hits.values():
        assert entry(explanation, '"Kim Jong-un"')["form"] == "phrase"
        assert entry(explanation, "Gipfel")["matched"]


def test_person_and_country_scopes(client) -> None:
    hits = explained(client, "person:trump land:USA")
    for explanation in hits.values():
        person, country = explanation
        assert person["form"] == "person_alias" and person["terms"] == ["Donald Trump"]
        assert country["form"] == "country" and country["terms"] == ["US"]


def test_unmatched_word_of_some_words_result(client) -> None:
    data = api(client, q="Raketen Zwiebelkuchen", explain=1)
    assert data["match"] == "some" and data["results"]
    for hit in data["results"]:
        assert entry(hit["explain"], "Raketen")["matched"]
        missing = entry(hit["explain"], "Zwiebelkuchen")
        assert missing["matched"] is False and missing["form"] is None and missing["fields"] == []


def test_explain_off_leaves_the_response_unchanged(client) -> None:
    plain = api(client, q="Gipfel Atom*")
    assert all("explain" not in hit for hit in plain["results"])
    on = api(client, q="Gipfel Atom*", explain=1)
    for a, b in zip(plain["results"], on["results"], strict=True):
        assert {k: v for k, v in b.items() if k != "explain"} == a
    assert client.get("/api/search", query_string={"q": "Gipfel", "explain": "ja"}).status_code == 400


def test_only_the_page_is_explained(client) -> None:
    data = api(client, q="Trump", explain=1, per_page=2)
    assert data["total"] > 2 and len(data["results"]) == 2
    assert all("explain" in hit for hit in data["results"])


def test_cache_key_includes_explain() -> None:
    req = search_request({"q": "Gipfel", "explain": "1"})
    assert req.explain is True and search_request({"q": "Gipfel"}).explain is False
    assert ResponseCache.key(req) != ResponseCache.key(SearchRequest(q="Gipfel"))


def test_page_shows_the_disclosure(client) -> None:
    page = client.get("/", query_string={"q": "Raketen Zwiebelkuchen", "explain": "1"}).get_data(as_text=True)
    boxes = re.findall(r'<details class="explain">.*?</details>', page, re.S)
    assert boxes and "Warum dieser Treffer?" in boxes[0]
    assert "„Zwiebelkuchen“: kommt in diesem Artikel nicht vor" in boxes[0]
    assert "„Raketen“: genau dieses Wort im Text" in boxes[0]
    assert "Erklärungen ausblenden" in page
    english = client.get("/", query_string={"q": "Atom*", "explain": "1", "lang": "en"}).get_data(
        as_text=True
    )
    assert "Why this result?" in english and "the words atom" in english
    off = client.get("/", query_string={"q": "Raketen"}).get_data(as_text=True)
    assert '<details class="explain">' not in off
    toggle = re.search(r'<a class="explain-toggle" href="([^"]*)"[^>]*>Treffer erklären</a>', off)
    assert toggle and "explain=1" in toggle.group(1)
