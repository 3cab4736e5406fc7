"""The facet registry is the one list of facets: parameters, index fields, the sidebar and the OpenAPI
document all follow it, so a facet added there appears everywhere and nowhere else needs editing."""

from __future__ import annotations

import dataclasses

import pytest
from flask import Flask

from search.core.errors import InvalidParameter
from search.core.facets import BY_NAME, FACET_NAMES, FACETS, FIELDS, MENTION_FIELDS
from search.core.params import FILTER_PARAMS, search_request
from search.engine.whoosh.schema import FACET_FIELDS, build_schema
from search.web.openapi import openapi_document


def test_names_fields_and_order() -> None:
    assert FACET_NAMES == ("person", "country", "date", "mentioned", "source")
    assert FIELDS == {
        "person": "person",
        "country": "country",
        "date": "published",
        "mentioned": "mentioned",
        "source": "source",
    }
    assert MENTION_FIELDS == {"person": "person_mentions", "country": "country_mentions"}
    assert [f.name for f in FACETS if f.chronological] == ["date", "mentioned"]
    assert {f.name for f in FACETS if f.entity_page} == {"person", "country"}


def test_every_facet_is_a_filter_parameter_and_an_index_field() -> None:
    assert FILTER_PARAMS == FACET_NAMES
    schema = build_schema()
    for facet in FACETS:
        assert facet.field in FACET_FIELDS and facet.field in schema.names()
        if facet.mentions_field:
            assert facet.mentions_field in schema.names()


@pytest.mark.parametrize(
    ("name", "good", "normalised", "bad"),
    [
        ("country", "kp", "KP", "K1"),
        ("country", "Nordkorea", "Nordkorea", "12"),  # a name: the engine resolves it
        ("date", "2018-05", "2018-05", "2018-13"),
        ("mentioned", "2018", "2018", "18"),
        ("person", "Kim Jong-un", "Kim Jong-un", None),
        ("source", "dpa", "dpa", None),
    ],
)
def test_values_are_checked_by_the_facets_kind(
    name: str, good: str, normalised: str, bad: str | None
) -> None:
    assert search_request({name: good}).filters == {name: (normalised,)}
    if bad is not None:
        with pytest.raises(InvalidParameter) as err:
            search_request({name: bad})
        assert err.value.parameter == name


def test_openapi_lists_exactly_the_registry() -> None:
    doc = openapi_document()
    params = [p["name"] for p in doc["paths"]["/api/search"]["get"]["parameters"]]
    assert [p for p in params if p in FACET_NAMES] == list(FACET_NAMES)
    # each facet's filter, then how its values combine (person, person_op, country, country_op, ...)
    n = len(FACET_NAMES)
    assert params[0] == "q" and params[1 : 1 + 2 * n : 2] == list(FACET_NAMES)
    assert params[2 : 2 + 2 * n : 2] == [f"{name}_op" for name in FACET_NAMES]
    search_params = doc["paths"]["/api/search"]["get"]["parameters"]
    defaults = {p["name"]: p["schema"]["default"] for p in search_params if p["name"].endswith("_op")}
    assert defaults == {f"{f.name}_op": f.default_op for f in FACETS}
    assert defaults["person_op"] == defaults["country_op"] == "and" and defaults["source_op"] == "or"
    enum = doc["paths"]["/api/facets/{name}"]["get"]["parameters"][0]["schema"]["enum"]
    assert enum == list(FACET_NAMES)
    required = doc["components"]["schemas"]["SearchResponse"]["properties"]["facets"]["required"]
    assert required == list(FACET_NAMES)
    country = next(p for p in doc["paths"]["/api/search"]["get"]["parameters"] if p["name"] == "country")
    assert country["schema"]["items"]["pattern"] == "^([A-Za-z]{2}|[^0-9]{3,200})$"
    assert country["description"] == BY_NAME["country"].description


def test_sidebar_panels_follow_the_registry(app: Flask) -> None:
    """One panel per facet, in the registry's order, shaped by its kind (search box, date tree, more link)."""
    from search.core.models import SearchRequest, SearchResponse
    from search.web.results import panels

    resp = SearchResponse("", 0, 1, 10, 0.0, "gen", [], {}, {})
    with app.test_request_context("/?lang=en"):
        shown = panels(SearchRequest(lang="en"), resp)
    assert [p["name"] for p in shown] == list(FACET_NAMES)
    assert [p["title"] for p in shown] == [
        "Persons",
        "Countries",
        "Publication date",
        "Mentioned dates",
        "Sources",
    ]
    assert [p["name"] for p in shown if p["searchable"]] == ["person"]
    assert [p["name"] for p in shown if p["tree"]] == ["date", "mentioned"]
    with app.test_request_context("/?lang=de"):
        assert panels(SearchRequest(), resp)[0]["title"] == "Personen"


def test_facets_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FACETS[0].name = "other"  # type: ignore[misc]
