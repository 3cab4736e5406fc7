"""Flask application factory and the HTML pages.

``create_app(config)`` wires configuration, the shared :class:`IndexStore`, the JSON API blueprint and the
HTML blueprint, and one error policy: parameter errors are 400 pages (or JSON under ``/api``), unknown
pages 404, and anything unexpected a plain 500 page without a stack trace.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from . import api
from .articles import ArticleNotFound, get_article, more_like_this
from .config import STATIC_DIR, TEMPLATES_DIR, settings
from .errors import IndexUnavailable, SearchError
from .indexer import current_generation, reindex
from .labels import date_label, number_label
from .params import search_request
from .search import search
from .store import IndexStore

log = logging.getLogger(__name__)
bp = Blueprint("web", __name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory: ``SEARCH_INDEX_DIR``/``SEARCH_ARTICLES_DIR`` from config or environment.

    When the index folder holds no index yet, it is built from the articles folder first.
    """
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR))
    s = settings()
    app.config.update(
        SEARCH_INDEX_DIR=str(s.index_dir),
        SEARCH_ARTICLES_DIR=str(s.articles_dir),
        SEARCH_BUILD_IF_MISSING=True,
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if config:
        app.config.update(config)
    index_dir = Path(app.config["SEARCH_INDEX_DIR"])
    if app.config["SEARCH_BUILD_IF_MISSING"] and current_generation(index_dir) is None:
        from .enrich import default_enricher

        summary = reindex(Path(app.config["SEARCH_ARTICLES_DIR"]), index_dir, enrich=default_enricher())
        log.info("built index: %s", summary.line())
    app.extensions["search_store"] = IndexStore(index_dir)
    app.register_blueprint(api.bp)
    app.register_blueprint(bp)
    app.jinja_env.filters["date_label"] = _date_filter
    app.jinja_env.filters["number"] = lambda n: number_label(n, "de")
    _register_errors(app)
    return app


def _date_filter(value: str | None) -> str:
    import datetime as dt

    if not value:
        return ""
    try:
        return date_label(dt.date.fromisoformat(value), "de")
    except ValueError:
        return value


def _register_errors(app: Flask) -> None:
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    @app.errorhandler(SearchError)
    def search_error(exc: SearchError):  # noqa: ANN202
        if wants_json():
            return api.error_response(exc)
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # noqa: ANN202
        if wants_json():
            err = SearchError(exc.description or exc.name)
            err.code = exc.name.lower().replace(" ", "_")
            return api.json_response({"error": err.to_dict()}, exc.code or 500)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):  # noqa: ANN202
        log.exception("unexpected error on %s", request.path)
        message = "Interner Fehler. Bitte später erneut versuchen."
        if wants_json():
            return api.json_response({"error": {"code": "internal_error", "message": message}}, 500)
        return render_template("error.html", status=500, message=message), 500


@bp.get("/")
def index():  # noqa: ANN201
    store = current_app.extensions["search_store"]
    req = search_request(request.args)
    resp = search(store, req)
    return render_template("search.html", req=req, resp=resp, q=req.q)


@bp.get("/artikel/<path:article_id>")
def article(article_id: str):  # noqa: ANN201
    store = current_app.extensions["search_store"]
    try:
        art = get_article(store, article_id, request.args.get("q", ""))
    except ArticleNotFound as exc:
        return render_template("error.html", status=404, message=exc.message), 404
    similar = more_like_this(store, article_id)
    return render_template("article.html", article=art, similar=similar, q=request.args.get("q", ""))


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    try:
        gen = current_app.extensions["search_store"].current()
    except IndexUnavailable as exc:
        return {"status": "no-index", "message": exc.message}, 503
    return {"status": "ok", "generation": gen.name}
