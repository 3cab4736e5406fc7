"""Requests to the JSON API through a Flask test client, checked against the OpenAPI schema: the helpers the
API, name and engine-contract tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from .openapi_check import check


def engine_app(engine: str, index_dir: Path, articles_dir: Path, url: str = "", alias: str = ""):
    """The app on ``engine`` (``whoosh`` over ``index_dir``; ``opensearch`` at ``url``, index alias ``alias``),
    response cache off, so every request is answered by the engine."""
    from search import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEARCH_ENGINE", engine)
        mp.setenv("SEARCH_CACHE_SIZE", "0")
        if url:
            mp.setenv("SEARCH_OPENSEARCH_URL", url)
            mp.setenv("SEARCH_OPENSEARCH_INDEX", alias)
        return create_app(
            {"TESTING": True, "SEARCH_INDEX_DIR": str(index_dir), "SEARCH_ARTICLES_DIR": str(articles_dir)}
        )


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
