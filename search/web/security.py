"""HTTP hardening in one place: security headers on every response, request-size limits, per-client rate
limits on the JSON API, and a time budget for the searches of each request.

Why one module: it states what the app promises a browser (a strict Content-Security-Policy — the pages use
no inline script or style — no framing, no MIME sniffing, no referrer to other sites) and what it refuses
(over-long addresses and bodies, clients that send more than ``SEARCH_RATE_LIMIT`` API requests, searches
that run past ``SEARCH_TIME_LIMIT`` seconds), so the blueprints stay about search.

Configuration (app config wins over the environment, the environment over the default):

* ``SEARCH_RATE_LIMIT``: a Flask-Limiter limit string per client IP for ``/api/*`` (``"120/minute"``,
  ``"20/second;600/hour"``); ``"off"``/``"0"``/``""`` disables it. Default ``120/minute``, but off for an app
  created with ``TESTING`` (the test client sends hundreds of requests from one address).
* ``SEARCH_TIME_LIMIT``: seconds of search work per request (default 5; ``0`` disables).

Behind a reverse proxy, wrap the app in ``werkzeug.middleware.proxy_fix.ProxyFix`` so the limit applies to
the real client address and not to the proxy's.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, render_template, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import RequestEntityTooLarge, RequestURITooLarge

from search.core import limits
from search.core.settings import settings
from search.web.api import json_response

log = logging.getLogger(__name__)

#: The pages load only their own script, style sheet and SVG icons; nothing inline, nothing foreign.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Links to the original articles go to news sites: they learn nothing about what was searched here.
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # for browsers without CSP frame-ancestors
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
DEFAULT_RATE_LIMIT = "120/minute"
#: Longest accepted path + query string. The longest sensible address (a 2,000-character query of
#: four-byte characters, percent-encoded, plus filters) stays below it; a longer one is a 414.
MAX_URL_BYTES = 32 * 1024
_OFF = {"", "0", "off", "none", "false", "no"}


def _setting(app: Flask, name: str, default: str) -> str:
    """The app's config value, else the environment's (through the one settings object), else ``default``."""
    if name in app.config:
        return str(app.config[name] if app.config[name] is not None else "")
    from_env = {"SEARCH_RATE_LIMIT": settings().rate_limit, "SEARCH_TIME_LIMIT": settings().time_limit}[name]
    return (from_env if from_env is not None else default).strip()


def rate_limit(app: Flask) -> str:
    """The effective API rate limit string of ``app`` ("" when rate limiting is off)."""
    value = _setting(app, "SEARCH_RATE_LIMIT", "" if app.testing else DEFAULT_RATE_LIMIT)
    return "" if value.lower() in _OFF else value


def time_limit(app: Flask) -> float:
    """Seconds of search work per request (0: no limit)."""
    raw = _setting(app, "SEARCH_TIME_LIMIT", str(limits.DEFAULT_SEARCH_SECONDS))
    try:
        return max(0.0, float(raw or 0))
    except ValueError:
        log.warning("SEARCH_TIME_LIMIT=%r is not a number; using %s s", raw, limits.DEFAULT_SEARCH_SECONDS)
        return limits.DEFAULT_SEARCH_SECONDS


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, code: str, message: str) -> Response:
    """The app's error shapes: JSON under /api, the styled error page elsewhere."""
    if _is_api():
        return json_response({"error": {"code": code, "message": message}}, status)
    return Response(render_template("error.html", status=status, message=message), status=status)


def init_security(app: Flask) -> Limiter:
    """Install headers, limits and the per-request search deadline on ``app``; returns the rate limiter."""
    app.config["SEARCH_RATE_LIMIT"] = limit = rate_limit(app)
    app.config["SEARCH_TIME_LIMIT"] = seconds = time_limit(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)

    @app.before_request
    def _bounds() -> Response | None:
        raw_uri = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        size = len(raw_uri) if raw_uri else len(request.full_path.encode("utf-8"))
        if size > MAX_URL_BYTES:
            raise RequestURITooLarge(
                f"the address is too long ({size:,} bytes; at most {MAX_URL_BYTES:,}): "
                "shorten the query or remove filters"
            )
        length = request.content_length
        cap = current_app.config.get("MAX_CONTENT_LENGTH")
        if length is not None and cap and length > cap:
            raise RequestEntityTooLarge(f"the request body is too large ({length:,} bytes; at most {cap:,})")
        g.search_deadline = limits.start(seconds)
        return None

    @app.teardown_request
    def _end_deadline(_exc: BaseException | None) -> None:
        token = g.pop("search_deadline", None)
        if token is not None:
            limits.end(token)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)  # Flask-Limiter adds it to every limited response
        return response

    limiter = Limiter(
        get_remote_address,
        app=app,
        application_limits=[lambda: current_app.config["SEARCH_RATE_LIMIT"]],
        application_limits_exempt_when=lambda: not _is_api(),
        storage_uri="memory://",
        headers_enabled=True,
        enabled=bool(limit),
    )

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        message = (
            f"too many requests from your address: at most {exc.limit.limit} for the JSON API; please wait"
        )
        return _error(429, "rate_limited", message)

    return limiter
