"""Requests to the JSON API through a Flask test client, checked against the OpenAPI schema: the helpers the
API, name and engine-contract tests share."""

from __future__ import annotations

from .openapi_check import check


def get(client, path: str, status: int = 200, **params) -> dict:
    """GET ``path`` with ``params``; asserts the status and a JSON answer."""
    resp = client.get(path, query_string=params)
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return resp.get_json()


def search(client, status: int = 200, **params) -> dict:
    """``/api/search``, its answer validated as a SearchResponse (or the Error shape)."""
    data = get(client, "/api/search", status, **params)
    check("SearchResponse" if status == 200 else "Error", data)
    return data


def ids(data: dict) -> list[str]:
    """The result ids of one answer, in order."""
    return [r["id"] for r in data["results"]]


def facet(data: dict, name: str) -> dict[str, int]:
    """One facet's values with their counts."""
    return {v["value"]: v["count"] for v in data["facets"][name]}
