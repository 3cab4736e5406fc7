"""HTTP hardening in one place: the hosts the app answers for, security headers on every response,
request-size limits, per-client rate and concurrency limits, and a time budget for the searches of each
request.

Why one module: it states what the app promises a browser (a strict Content-Security-Policy — the pages use
no inline script or style — no framing, no MIME sniffing, no referrer to other sites, redirects that stay on
this site) and what it refuses (requests for a host it does not serve, over-long addresses and bodies,
clients that send too many requests or too many at once, searches that run past ``SEARCH_TIME_LIMIT``
seconds), so the blueprints stay about search.

Configuration (app config wins over the environment, the environment over the default):

* ``SEARCH_ALLOWED_HOSTS``: host names the app answers for, comma-separated (``.example.org`` also allows
  its subdomains, ``*`` any host). Default: ``localhost``, ``127.0.0.1``, ``::1`` and the host ``search
  serve --host`` binds (app config ``SEARCH_SERVE_HOST``) when that is one name or address. Any other
  ``Host`` is a 400, so a page on another site cannot reach a local install by DNS rebinding, and no
  absolute URL the app builds (OpenSearch, suggestions, redirects) can name a host a client made up.
* ``SEARCH_RATE_LIMIT``: a Flask-Limiter limit string per client IP for ``/api/*`` (``"120/minute"``,
  ``"20/second;600/hour"``); ``"off"``/``"0"``/``""`` disables it. Default ``120/minute``, but off for an app
  created with ``TESTING`` (the test client sends hundreds of requests from one address). Off also
  switches the three limits below off unless they are set themselves.
* ``SEARCH_PAGE_RATE_LIMIT``: the same for the HTML pages (default ``10/second;180/minute``).
* ``SEARCH_SUGGEST_RATE_LIMIT``: the same for ``/suggest.json`` (default ``20/second;300/minute``).
* ``SEARCH_CLIENT_CONCURRENCY``: requests of one client address served at the same time (pages, API,
  suggestions; default 4, but one less than the threads of a ``search serve`` process when it has fewer
  than 5 (a gunicorn worker's 4: 3), ``0`` disables); one more is a 429 at once, so a single client never
  holds every server thread.
* ``SEARCH_TIME_LIMIT``: seconds of search work per request (default 5; ``0`` disables).

Behind a reverse proxy, wrap the app in ``werkzeug.middleware.proxy_fix.ProxyFix`` so the limits apply to
the real client address and not to the proxy's (and the forwarded host is the one checked).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, render_template, request
from flask_limiter import ApplicationLimit, Limiter
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
#: A person reads a page before the next: ten in one second or three a second for a whole minute is a
#: program. (Static files, /healthz and /opensearch.xml are not counted.)
DEFAULT_PAGE_RATE_LIMIT = "10/second;180/minute"
#: A browser's address bar asks once per keystroke: twenty a second is faster than anyone types.
DEFAULT_SUGGEST_RATE_LIMIT = "20/second;300/minute"
#: A page, the search box's suggestions and a facet update may overlap; more at once is a program.
DEFAULT_CLIENT_CONCURRENCY = 4
#: The names a local install answers for without configuration.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
#: Bind addresses that mean "every interface": they name no host a client would use.
_ALL_INTERFACES = {"", "0.0.0.0", "::", "*", "[::]"}
#: Endpoints no budget counts: cheap, and fetched by the browser for every page or by monitoring.
_UNCOUNTED = {"static", "web.healthz", "web.opensearch"}
#: Longest accepted path + query string. The longest sensible address (a 2,000-character query of
#: four-byte characters, percent-encoded, plus filters) stays below it; a longer one is a 414.
MAX_URL_BYTES = 32 * 1024
_OFF = {"", "0", "off", "none", "false", "no"}


_FROM_ENV = {
    "SEARCH_RATE_LIMIT": "rate_limit",
    "SEARCH_PAGE_RATE_LIMIT": "page_rate_limit",
    "SEARCH_SUGGEST_RATE_LIMIT": "suggest_rate_limit",
    "SEARCH_CLIENT_CONCURRENCY": "client_concurrency",
    "SEARCH_TIME_LIMIT": "time_limit",
    "SEARCH_ALLOWED_HOSTS": "allowed_hosts",
}


def _configured(app: Flask, name: str) -> str | None:
    """The app's config value, else the environment's (through the one settings object); None: neither."""
    if name in app.config:
        value = app.config[name]
        if isinstance(value, list | tuple | set | frozenset):
            return ",".join(str(v) for v in value)
        return str(value if value is not None else "").strip()
    from_env = getattr(settings(), _FROM_ENV[name])
    return from_env.strip() if from_env is not None else None


def _setting(app: Flask, name: str, default: str) -> str:
    """The configured value of ``name``, else ``default``."""
    value = _configured(app, name)
    return default if value is None else value


def _limit_string(app: Flask, name: str, default: str) -> str:
    """A Flask-Limiter string, "" when off. Its default is off too when ``SEARCH_RATE_LIMIT`` is off."""
    value = _setting(app, name, default if rate_limit(app) else "")
    return "" if value.lower() in _OFF else value


def rate_limit(app: Flask) -> str:
    """The effective API rate limit string of ``app`` ("" when rate limiting is off)."""
    value = _setting(app, "SEARCH_RATE_LIMIT", "" if app.testing else DEFAULT_RATE_LIMIT)
    return "" if value.lower() in _OFF else value


def page_rate_limit(app: Flask) -> str:
    """The per-client limit on HTML pages ("" when off)."""
    return _limit_string(app, "SEARCH_PAGE_RATE_LIMIT", DEFAULT_PAGE_RATE_LIMIT)


def suggest_rate_limit(app: Flask) -> str:
    """The per-client limit on ``/suggest.json`` ("" when off)."""
    return _limit_string(app, "SEARCH_SUGGEST_RATE_LIMIT", DEFAULT_SUGGEST_RATE_LIMIT)


def client_concurrency(app: Flask) -> int:
    """Requests one client address may have in service at once (0: no cap). By default fewer than the
    threads of a process that ``search serve`` runs (``SEARCH_SERVE_THREADS``), so that one client never
    holds them all: 4 of waitress' 8, 3 of a gunicorn worker's 4."""
    cap = DEFAULT_CLIENT_CONCURRENCY
    threads = app.config.get("SEARCH_SERVE_THREADS")
    if isinstance(threads, int) and threads > 0:
        cap = min(cap, max(1, threads - 1))
    default = str(cap) if rate_limit(app) else "0"
    raw = _setting(app, "SEARCH_CLIENT_CONCURRENCY", default)
    if raw.lower() in _OFF:
        return 0
    try:
        return max(0, int(raw))
    except ValueError:
        log.warning("SEARCH_CLIENT_CONCURRENCY=%r is not a whole number; using %s", raw, default)
        return int(default)


def normalize_host(name: str) -> str:
    """``Host``-header or configured name -> the bare lower-case host (no port, brackets or final dot)."""
    name = name.strip().lower()
    if name.startswith("["):  # [::1] or [::1]:8080
        name = name[1 : name.find("]")] if "]" in name else ""
    elif name.count(":") == 1:  # host:port (a bare IPv6 address has more colons)
        name = name.partition(":")[0]
    name = name.rstrip(".")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    return name


def allowed_hosts(app: Flask) -> frozenset[str] | None:
    """The host names ``app`` answers for (None: any). See ``SEARCH_ALLOWED_HOSTS`` above."""
    raw = _configured(app, "SEARCH_ALLOWED_HOSTS")
    if raw:
        names = raw.split(",")
    else:
        names = list(LOOPBACK_HOSTS)
        bound = str(app.config.get("SEARCH_SERVE_HOST") or "").strip()
        if bound.lower() not in _ALL_INTERFACES:
            names.append(bound)
    if any(n.strip() == "*" for n in names):
        return None
    return frozenset(host for n in names if (host := normalize_host(n)))


def host_allowed(host: str, allowed: frozenset[str] | None) -> bool:
    """Whether a request for ``host`` (``name[:port]``) may be answered; ``.example.org`` allows subdomains."""
    if allowed is None:
        return True
    name = normalize_host(host)
    if not name:
        return False
    return name in allowed or any(a.startswith(".") and (name.endswith(a) or name == a[1:]) for a in allowed)


def time_limit(app: Flask) -> float:
    """Seconds of search work per request (0: no limit)."""
    raw = _setting(app, "SEARCH_TIME_LIMIT", str(limits.DEFAULT_SEARCH_SECONDS))
    try:
        return max(0.0, float(raw or 0))
    except ValueError:
        log.warning("SEARCH_TIME_LIMIT=%r is not a number; using %s s", raw, limits.DEFAULT_SEARCH_SECONDS)
        return limits.DEFAULT_SEARCH_SECONDS


def wants_json() -> bool:
    """Whether an error of this request is JSON (the API) or the styled page (everything else)."""
    return request.path.startswith("/api/")


def budget() -> str:
    """The per-client budget this request counts against: "api", "suggest", "pages", or "" (none)."""
    endpoint = request.endpoint or ""
    if not endpoint or endpoint in _UNCOUNTED or endpoint.endswith(".static"):
        return ""
    if request.path.startswith("/api/"):
        return "api"
    return "suggest" if endpoint == "web.suggest_json" else "pages"


_BUDGET_NAMES = {"api": "the JSON API", "pages": "pages", "suggest": "suggestions"}


def _error(status: int, code: str, message: str) -> Response:
    """The app's error shapes: JSON under /api, the styled error page elsewhere."""
    if wants_json():
        return json_response({"error": {"code": code, "message": message}}, status)
    return Response(render_template("error.html", status=status, message=message), status=status)


class InFlight:
    """Requests in service per client address in this process, with a cap on each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[str, int] = {}

    def enter(self, key: str, cap: int) -> bool:
        """Count one more request of ``key``; False (and nothing counted) when it has ``cap`` already."""
        with self._lock:
            n = self._count.get(key, 0)
            if n >= cap:
                return False
            self._count[key] = n + 1
            return True

    def leave(self, key: str) -> None:
        """One request of ``key`` is finished (teardown: also after an error)."""
        with self._lock:
            n = self._count.get(key, 0) - 1
            if n > 0:
                self._count[key] = n
            else:
                self._count.pop(key, None)

    def count(self, key: str) -> int:
        """Requests of ``key`` in service now (for tests and diagnostics)."""
        with self._lock:
            return self._count.get(key, 0)


def _relative_location(response: Response) -> None:
    """A redirect to this very host becomes a path (``Location: /artikel/x``); never ``//other.site``."""
    location = response.headers.get("Location")
    if not location or not 300 <= response.status_code < 400:
        return
    parts = urlsplit(location)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != request.host.lower():
        return
    if parts.path.startswith("/") and not parts.path.startswith(("//", "/\\")):
        response.headers["Location"] = urlunsplit(("", "", parts.path, parts.query, parts.fragment))


def init_security(app: Flask) -> Limiter:
    """Install headers, limits and the per-request search deadline on ``app``; returns the rate limiter."""
    app.config["SEARCH_RATE_LIMIT"] = limit = rate_limit(app)
    app.config["SEARCH_PAGE_RATE_LIMIT"] = page_limit = page_rate_limit(app)
    app.config["SEARCH_SUGGEST_RATE_LIMIT"] = suggest_limit = suggest_rate_limit(app)
    app.config["SEARCH_CLIENT_CONCURRENCY"] = at_once = client_concurrency(app)
    app.config["SEARCH_TIME_LIMIT"] = seconds = time_limit(app)
    hosts = allowed_hosts(app)
    app.config["SEARCH_ALLOWED_HOSTS"] = "*" if hosts is None else ",".join(sorted(hosts))
    app.config.setdefault("MAX_CONTENT_LENGTH", 64 * 1024)
    in_flight = app.extensions["search_in_flight"] = InFlight()

    @app.before_request
    def _trusted_host() -> Response | None:
        # First of all: the 400 names no other host, and nothing after it can build a URL from this one.
        if host_allowed(request.host, hosts):
            return None
        shown = (request.headers.get("Host") or request.host)[:100]
        return _error(
            400,
            "host_not_allowed",
            f"this server does not answer for the host “{shown}”; "
            "its administrator can allow it with SEARCH_ALLOWED_HOSTS",
        )

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
        client = g.pop("search_client", None)
        if client is not None:
            in_flight.leave(client)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if response.status_code not in (429, 503):
            response.headers.pop("Retry-After", None)  # Flask-Limiter adds it to every limited response
        _relative_location(response)
        return response

    @app.after_request
    def _stream_keeps_its_place(response: Response) -> Response:
        # A streamed answer (an export) is sent after the request's teardown: its client keeps its place
        # among the requests it may have at once until the server closes the stream (also on a hang-up).
        client = g.get("search_client")
        if client is not None and response.is_streamed:
            g.pop("search_client")
            response.call_on_close(lambda: in_flight.leave(client))
        return response

    def _only(kind: str) -> Callable[[], bool]:
        return lambda: budget() != kind

    budgets = {"api": limit, "pages": page_limit, "suggest": suggest_limit}
    limiter = Limiter(  # its before_request runs after the two above: a foreign host costs no budget
        get_remote_address,
        app=app,
        application_limits=[
            ApplicationLimit(limit_provider=value, scope=kind, exempt_when=_only(kind))
            for kind, value in budgets.items()
            if value
        ],
        storage_uri="memory://",
        headers_enabled=True,
        enabled=any(budgets.values()),
    )

    @app.before_request
    def _admit() -> Response | None:
        # After the rate limits: a client over its budget is refused before it occupies anything.
        if not at_once or not budget():
            return None
        client = get_remote_address()
        if not in_flight.enter(client, at_once):
            response = _error(
                429,
                "too_many_at_once",
                f"too many requests from your address at the same time: at most {at_once}; "
                "please wait for the answers",
            )
            response.headers["Retry-After"] = "1"
            return response
        g.search_client = client
        return None

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded) -> Response:
        where = _BUDGET_NAMES.get(budget(), "this address")
        message = f"too many requests from your address: at most {exc.limit.limit} for {where}; please wait"
        return _error(429, "rate_limited", message)

    return limiter
