"""Property-based tests: arbitrary queries and parameter combinations never give a 500, and every
response matches the OpenAPI schema (success or error shape)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .openapi_check import check

QUERY_ALPHABET = st.characters(blacklist_categories=("Cs",))
SYNTAX = st.sampled_from(
    [
        '"',
        "(",
        ")",
        "*",
        "~",
        "-",
        "OR",
        "AND",
        "NOT",
        ":",
        "[",
        "]",
        " TO ",
        "person:",
        "date:",
        "country:",
        "title:",
    ]
)
WORDS = st.sampled_from(
    ["Trump", "Kim", "Jong-un", "Pjöngjang", "Gipfel", "2018-05", "KP", "Nordkorea", "Lawrow", "Straße"]
)
query = st.lists(st.one_of(st.text(QUERY_ALPHABET, max_size=12), SYNTAX, WORDS), max_size=12).map(" ".join)

params = st.fixed_dictionaries(
    {},
    optional={
        "q": query,
        "sort": st.one_of(st.sampled_from(["relevance", "newest", "oldest"]), st.text(max_size=8)),
        "page": st.one_of(st.integers(-5, 2000).map(str), st.text(max_size=5)),
        "per_page": st.one_of(st.integers(-5, 200).map(str), st.text(max_size=5)),
        "country": st.lists(
            st.one_of(st.sampled_from(["KP", "us", "VN", "XX"]), st.text(max_size=4)), max_size=4
        ),
        "person": st.lists(
            st.one_of(st.sampled_from(["Mike Pompeo", "Donald Trump"]), st.text(max_size=20)), max_size=4
        ),
        "date": st.lists(
            st.one_of(st.sampled_from(["2018", "2018-05", "2019-02"]), st.text(max_size=8)), max_size=3
        ),
        "source": st.lists(st.text(max_size=10), max_size=3),
        "lang": st.sampled_from(["de", "en", "fr", ""]),
        "facet_size": st.integers(-1, 300).map(str),
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=params)
def test_search_endpoint_never_fails(client, params: dict) -> None:
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code in (200, 400), (params, resp.status_code, resp.get_data(as_text=True)[:300])
    data = resp.get_json()
    check("SearchResponse" if resp.status_code == 200 else "Error", data)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query, article_id=st.text(max_size=30), prefix=st.text(max_size=10))
def test_other_endpoints_never_fail(client, q: str, article_id: str, prefix: str) -> None:
    resp = client.get("/api/suggest", query_string={"q": q})
    assert resp.status_code == 200
    check("Suggestions", resp.get_json())
    resp = client.get("/api/facets/person", query_string={"q": q, "prefix": prefix})
    assert resp.status_code in (200, 400)
    check("FacetSearch" if resp.status_code == 200 else "Error", resp.get_json())
    resp = client.get(
        "/api/articles/" + article_id.replace("/", "_").replace("?", "_").replace("#", "_")
        if article_id.strip("/")
        else "/api/articles/x"
    )
    assert resp.status_code in (200, 404), resp.get_data(as_text=True)[:300]
    check("Article" if resp.status_code == 200 else "Error", resp.get_json())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=params)
def test_html_page_never_fails(client, params: dict) -> None:
    resp = client.get("/", query_string=params)
    assert resp.status_code in (200, 400), (params, resp.status_code)
