"""JSON API blueprint: ``/api/search``, ``/api/articles/<id>``, ``/api/facets/<name>``, ``/api/suggest``.

Stability promise: keys are only ever added. Errors always have the shape
``{"error": {"code", "message", "parameter"?}}`` with a 4xx/5xx status.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request

from search.core.errors import InvalidParameter, SearchError
from search.core.labels import locale_or_default
from search.core.params import MAX_FACET_SIZE, search_request
from search.engine.whoosh.articles import ArticleNotFound, get_article, suggest
from search.engine.whoosh.columns import FACETS
from search.engine.whoosh.searcher import search

bp = Blueprint("api", __name__, url_prefix="/api")
OPENAPI_PATH = Path(__file__).with_name("openapi.json")


def json_response(data: object, status: int = 200) -> Response:
    """UTF-8 JSON with readable umlauts."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(
        body, status=status, mimetype="application/json", content_type="application/json; charset=utf-8"
    )


def error_response(exc: SearchError) -> Response:
    return json_response({"error": exc.to_dict()}, exc.status)


def request_lang() -> str:
    """``lang=`` parameter, else the best of ``Accept-Language``, else German."""
    if request.args.get("lang"):
        return locale_or_default(request.args["lang"])
    return locale_or_default(request.accept_languages.best_match(["de", "en"]) or "de")


@bp.errorhandler(SearchError)
def _search_error(exc: SearchError) -> Response:
    return error_response(exc)


@bp.get("/search")
def api_search() -> Response:
    req = search_request(request.args, lang=request_lang())
    return json_response(search(current_app.extensions["search_store"], req).to_json())


@bp.get("/articles/<path:article_id>")
def api_article(article_id: str) -> Response:
    try:
        article = get_article(
            current_app.extensions["search_store"], article_id, request.args.get("q", ""), request_lang()
        )
    except ArticleNotFound as exc:
        return error_response(exc)
    return json_response(article)


@bp.get("/facets/<name>")
def api_facet(name: str) -> Response:
    if name not in FACETS:
        raise InvalidParameter("name", name, f"unknown facet {name!r}; known: {', '.join(FACETS)}")
    req = search_request(request.args, lang=request_lang())
    prefix = (request.args.get("prefix") or "").strip()[:100]
    size = min(int(req.facet_size if "facet_size" in request.args else 50), MAX_FACET_SIZE)
    from dataclasses import replace

    req = replace(req, facet_size=size, facet_prefix={name: prefix}, per_page=1, with_snippets=False)
    resp = search(current_app.extensions["search_store"], req)
    return json_response(
        {
            "facet": name,
            "prefix": prefix,
            "values": resp.facets.get(name, []),
            "total": resp.facet_totals.get(name, 0),
        }
    )


@bp.get("/suggest")
def api_suggest() -> Response:
    q = (request.args.get("q") or "")[:200]
    return json_response(suggest(current_app.extensions["search_store"], q, request_lang()))


@bp.get("/openapi.json")
def api_openapi() -> Response:
    return json_response(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))
