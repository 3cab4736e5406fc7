"""Flask application factory.

``create_app(config)`` wires configuration, the engine (:func:`search.engine.open_engine`), the JSON API
blueprint and the HTML blueprint, and one error policy: parameter errors are 400 pages (or JSON under
``/api``), unknown pages 404, and anything unexpected a plain 500 page in the reader's language without a
stack trace. :mod:`search.web.security` refuses some requests before any view runs (a host not in
``SEARCH_ALLOWED_HOSTS``, over-long requests, clients over their budget), in the same shapes. Starting the
app never indexes: ``search serve`` (or ``search reindex``) builds the index.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from search.core.errors import SearchError
from search.core.settings import STATIC_DIR, TEMPLATES_DIR, settings
from search.engine import open_engine
from search.web import api, i18n, security
from search.web import views as web

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Application factory: ``SEARCH_INDEX_DIR``/``SEARCH_ARTICLES_DIR`` from config or environment."""
    app = Flask(__name__, template_folder=str(TEMPLATES_DIR), static_folder=str(STATIC_DIR))
    s = settings()
    app.config.update(
        SEARCH_INDEX_DIR=str(s.index_dir),
        SEARCH_ARTICLES_DIR=str(s.articles_dir),
        JSON_AS_ASCII=False,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    if config:
        app.config.update(config)
    app.extensions["search_engine"] = open_engine(s, Path(app.config["SEARCH_INDEX_DIR"]))
    app.register_blueprint(api.bp)
    app.register_blueprint(web.bp)
    i18n.init_app(app)  # Flask-Babel, locale choice, localised template filters
    _register_errors(app)
    security.init_security(app)
    return app


def _register_errors(app: Flask) -> None:
    wants_json = security.wants_json  # the API answers errors in the JSON shape

    @app.errorhandler(SearchError)
    def search_error(exc: SearchError) -> ResponseReturnValue:
        if wants_json():
            return api.error_response(exc)
        return render_template("error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if wants_json():
            err = SearchError(exc.description or exc.name)
            err.code = exc.name.lower().replace(" ", "_")
            return api.json_response({"error": err.to_dict()}, exc.code or 500)
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        log.exception("unexpected error on %s", request.path)
        message = _("Internal error. Please try again later.")
        if wants_json():
            return api.json_response({"error": {"code": "internal_error", "message": message}}, 500)
        return render_template("error.html", status=500, message=message), 500
