"""JSON API blueprint: ``/api/search``, ``/api/export``, ``/api/articles/<id>``, ``/api/facets/<name>``,
``/api/suggest``.

Stability promise: keys are only ever added. Errors always have the shape
``{"error": {"code", "message", "parameter"?}}`` with a 4xx/5xx status. Each view asks the engine for
one snapshot and answers from it alone.
"""

from __future__ import annotations

from dataclasses import replace

import orjson
from flask import Blueprint, Response, current_app, request

from search.core.errors import InvalidParameter, SearchError
from search.core.export import FORMATS, MAX_EXPORT_ROWS, check_format, filename, pieces
from search.core.facets import BY_NAME, FACET_NAMES
from search.core.params import MAX_FACET_SIZE, search_request
from search.engine.base import Engine
from search.web.i18n import select_locale
from search.web.openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")


def engine() -> Engine:
    """The app's engine (set up by the application factory)."""
    return current_app.extensions["search_engine"]


def json_response(data: object, status: int = 200) -> Response:
    """Compact UTF-8 JSON with readable umlauts (orjson: the encoding was 6-8 % of a search request)."""
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    return Response(
        body, status=status, mimetype="application/json", content_type="application/json; charset=utf-8"
    )


def error_response(exc: SearchError) -> Response:
    """The one JSON error shape."""
    return json_response({"error": exc.to_dict()}, exc.status)


@bp.errorhandler(SearchError)
def _search_error(exc: SearchError) -> Response:
    return error_response(exc)


@bp.get("/search")
def api_search() -> Response:
    """The search as JSON."""
    req = search_request(request.args, lang=select_locale())
    return json_response(engine().search(req).to_json())


@bp.get("/export")
def api_export() -> Response:
    """All hits of a search (up to ``MAX_EXPORT_ROWS``) as CSV, JSON Lines or RIS, streamed.

    Matching and ordering run inside the request's time budget, so a bad or too costly search is a 4xx/503
    in the JSON error shape before anything is sent. The rows are then written as they are read from one
    snapshot (bounded work: at most ``MAX_EXPORT_ROWS`` stored documents). The export counts against the
    API's rate limit, and the client's place among its concurrent requests is given back only when the
    download has ended (``search.web.security``).
    """
    fmt = check_format(request.args.get("format"))
    req = search_request(request.args, lang=select_locale())
    stream = engine().snapshot().export(req, MAX_EXPORT_ROWS)
    base_url = request.host_url
    media_type = FORMATS[fmt][0]
    response = Response(pieces(fmt, stream.hits, base_url), content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename(fmt)}"'
    response.headers["X-Total-Count"] = str(stream.total)
    response.headers["X-Export-Count"] = str(min(stream.total, stream.limit))
    response.headers["X-Index-Generation"] = stream.generation
    return response


@bp.get("/articles/<path:article_id>")
def api_article(article_id: str) -> Response:
    """One article with text, entities and (with ``q``) the query's matches marked."""
    return json_response(engine().article(article_id, request.args.get("q", ""), select_locale()).data)


@bp.get("/facets/<name>")
def api_facet(name: str) -> Response:
    """Search within the values of one facet over the current result set."""
    if name not in BY_NAME:
        raise InvalidParameter("name", name, f"unknown facet {name!r}; known: {', '.join(FACET_NAMES)}")
    req = search_request(request.args, lang=select_locale())
    prefix = (request.args.get("prefix") or "").strip()[:100]
    size = min(int(req.facet_size if "facet_size" in request.args else 50), MAX_FACET_SIZE)
    req = replace(req, facet_size=size, facet_prefix={name: prefix}, per_page=1, with_snippets=False)
    resp = engine().search(req)
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
    """Completions for the search box."""
    q = (request.args.get("q") or "")[:200]
    return json_response(engine().suggest(q, select_locale()))


@bp.get("/openapi.json")
def api_openapi() -> Response:
    """The OpenAPI 3.1 description, its facet parameters from the facet registry."""
    return json_response(openapi_document())
