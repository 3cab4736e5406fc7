"""Flask application factory.

``create_app(config)`` wires configuration, the shared :class:`IndexStore`, the JSON API blueprint and the
HTML blueprint, and one error policy: parameter errors are 400 pages (or JSON under ``/api``), unknown
pages 404, and anything unexpected a plain 500 page without a stack trace.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException

from search.core.errors import SearchError
from search.core.settings import STATIC_DIR, TEMPLATES_DIR, settings
from search.engine.whoosh.indexer import current_generation, reindex
from search.engine.whoosh.store import IndexStore
from search.web import api, i18n, security
from search.web import views as web

log = logging.getLogger(__name__)


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
        from search.enrich.pipeline import default_enricher

        summary = reindex(Path(app.config["SEARCH_ARTICLES_DIR"]), index_dir, enrich=default_enricher())
        log.info("built index: %s", summary.line())
    app.extensions["search_store"] = IndexStore(index_dir)
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    i18n.init_app(app)  # Flask-Babel, locale choice, localised template filters
    _register_errors(app)
    security.init_security(app)
    return app


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
