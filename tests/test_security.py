"""Security: escaping of article text and queries, article ids that cannot leave the index, security
headers on every response, no stack traces, request-size limits and per-client rate limits.

Most checks run against a real ``search serve`` on 127.0.0.1 (waitress, production configuration) over a
small index that holds hostile articles; requests go through :mod:`http.client` so that nothing
normalises or re-encodes the paths we send. Checks that need a route of their own (a forced internal error)
or to watch which files a request opens use an app in this process.
"""

from __future__ import annotations

import http.client
import json
import shutil
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from search import create_app
from search.web.security import CONTENT_SECURITY_POLICY, DEFAULT_RATE_LIMIT, MAX_URL_BYTES, SECURITY_HEADERS

from .conftest import SEEDS, start_server, stop_server

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
HOSTILE_TEXT = (
    f"Donald Trump sprach in Berlin über Nordkorea {SCRIPT} und den Gipfel. "
    f"Ein Attribut {IMG} steht auch im Text.\n\n"
    f"Der zweite Absatz nennt Kim Jong-un und Nordkorea noch einmal {SCRIPT}."
)
HOSTILE_QUERIES = [SCRIPT, IMG, "</title><script>alert(3)</script>", "javascript:alert(4)", "'\"--></style>"]
TRAVERSALS = [
    "../../etc/passwd",
    "..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "%25252e%25252e%25252fetc%25252fpasswd",
    "....//....//etc/passwd",
    "..%5c..%5cetc%5cpasswd",
    "%c0%ae%c0%ae%c0%afetc%c0%afpasswd",
    "..%00/etc/passwd",
    "passwd%00.txt",
    "..",
    ".",
    "%2e%2e",
    "..%2fsecret",
    "..%2f..%2f..%2f..%2f..%2f..%2fproc%2fself%2fenviron",
]


# ----------------------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Seeds plus hostile articles (markup in text, title and metadata), indexed; and a canary file."""
    from search.engine.whoosh.indexer import reindex
    from search.enrich.pipeline import default_enricher

    tmp = tmp_path_factory.mktemp("security")
    articles = tmp / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / "boese.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (articles / "javascript-link.txt").write_text("Ein Artikel mit einer bösen Quelle.", encoding="utf-8")
    meta = json.loads((articles / "metadata.json").read_text(encoding="utf-8"))
    meta["javascript-link"] = {"url": "javascript:alert(5)", "title": f"Titel {SCRIPT}", "source": SCRIPT}
    (articles / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    (tmp / "secret.txt").write_text("CANARY-SECRET", encoding="utf-8")  # beside the articles folder
    reindex(articles, tmp / "index", enrich=default_enricher())  # entities: their markup is checked too
    return articles, tmp / "index"


@pytest.fixture(scope="module")
def server(corpus: tuple[Path, Path]) -> Iterator[str]:
    """``search serve`` in its production configuration, API rate limit off (checked separately)."""
    articles, index = corpus
    proc, base = start_server(index, articles, {"SEARCH_RATE_LIMIT": "off", "SEARCH_NER": "0"})
    pass  # start_server discards the server output: no pipe to drain
    yield base
    stop_server(proc)


@pytest.fixture(scope="module")
def prod_app(corpus: tuple[Path, Path]):
    """An app as in production (no TESTING), rate limit off; with a route that always fails."""
    articles, index = corpus
    app = create_app(
        {"SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(articles), "SEARCH_RATE_LIMIT": "off"}
    )

    def boom() -> str:
        raise RuntimeError("secret internal detail /etc/shadow")

    app.add_url_rule("/kaputt", "kaputt", boom)
    app.add_url_rule("/api/kaputt", "api_kaputt", boom)
    return app


def request(
    base: str, path: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request with the path sent byte for byte as given (no quoting, no normalisation)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def assert_security_headers(headers: http.client.HTTPMessage | dict, where: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (where, name, headers.get(name))
    csp = headers.get("Content-Security-Policy")
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, where
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp, where


def assert_json_error(status: int, headers, body: bytes, where: str) -> dict:
    assert headers.get("Content-Type", "").startswith("application/json"), (
        where,
        headers.get("Content-Type"),
    )
    error = json.loads(body.decode("utf-8"))["error"]
    assert isinstance(error["code"], str) and error["code"], where
    assert isinstance(error["message"], str) and error["message"].strip(), where
    assert set(error) <= {"code", "message", "parameter"}, where
    return error


def assert_no_markup(body: bytes, where: str) -> None:
    text = body.decode("utf-8", errors="replace")
    for needle in ("<script>alert", "<img src=x", "</title><script>", 'href="javascript:'):
        assert needle not in text, (where, needle)


# ----------------------------------------------------------------------------- escaping


def test_hostile_article_is_escaped_in_html_pages(server: str) -> None:
    for path in (
        "/artikel/boese",
        "/artikel/boese?q=Gipfel",
        "/artikel/boese?q=script",
        "/artikel/javascript-link",
        "/?q=Gipfel",
        "/?q=alert",
        "/?q=Quelle",
        "/?q=b%C3%B6sen&sort=newest",
        "/land/KP",
        "/statistik",
        "/",
    ):
        status, headers, body = request(server, path)
        assert status == 200, (path, status)
        assert headers["Content-Type"].startswith("text/html"), path
        assert_no_markup(body, path)
    status, _, body = request(server, "/artikel/boese")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body
    # a javascript: URL from the metadata never becomes a link; the title is text
    status, _, body = request(server, "/artikel/javascript-link")
    assert b'href="javascript' not in body and b"Titel &lt;script&gt;" in body


def test_hostile_article_is_plain_data_in_json(server: str) -> None:
    status, headers, body = request(server, "/api/articles/boese?q=Gipfel")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"  # never sniffed into HTML by a browser
    data = json.loads(body)
    assert SCRIPT in data["text"]  # the text as written: data, not markup
    assert "<script>" not in data["html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in data["html"]
    assert '<mark class="hit">Gipfel</mark>' in data["html"] or "<mark" in data["html"]
    status, _, body = request(server, "/api/search?q=Nordkorea")
    for hit in json.loads(body)["results"]:
        for snippet in hit["snippets"]:
            assert "<script>" not in snippet and "<img" not in snippet, snippet
    status, _, body = request(server, "/api/articles/javascript-link")
    data = json.loads(body)
    assert data["source_url"] == "javascript:alert(5)" and data["title"] == f"Titel {SCRIPT}"


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_hostile_queries_are_escaped_everywhere(server: str, q: str) -> None:
    enc = quote(q, safe="")
    html_paths = [
        f"/?q={enc}",
        f"/?q={enc}&lang=en",
        f"/?q=Gipfel&person={enc}",
        f"/?sort=newest&person_prefix={enc}",
        f"/?sort={enc}",
        f"/?country={enc}",
        f"/artikel/boese?q={enc}",
        f"/artikel/{enc}",
        f"/person/{enc}",
        f"/land/{enc}",
        f"/gibt-es-nicht/{enc}",
    ]
    for path in html_paths:
        status, headers, body = request(server, path)
        assert status in (200, 400, 404), (path, status)
        assert headers["Content-Type"].startswith("text/html"), path
        assert_no_markup(body, path)
        assert_security_headers(headers, path)
    for path in (
        f"/api/search?q={enc}",
        f"/api/search?sort={enc}",
        f"/api/search?country={enc}",
        f"/api/suggest?q={enc}",
        f"/api/facets/{enc}",
        f"/api/articles/{enc}",
        f"/suggest.json?q={enc}",
    ):
        status, headers, body = request(server, path)
        assert status in (200, 400, 404), (path, status)
        assert "json" in headers["Content-Type"] and "html" not in headers["Content-Type"], path
        json.loads(body)  # well-formed: the payload is a JSON string, nothing else


# ----------------------------------------------------------------------------- article ids


@pytest.mark.parametrize("prefix", ["/artikel/", "/api/articles/"])
def test_path_traversal_is_a_404(server: str, prefix: str) -> None:
    for ids in TRAVERSALS:
        path = prefix + ids
        status, headers, body = request(server, path)
        assert status == 404, (path, status)
        assert b"root:" not in body and b"CANARY-SECRET" not in body and b"PATH=" not in body, path
        if prefix.startswith("/api/"):
            assert_json_error(status, headers, body, path)
        else:
            assert b'class="error-page"' in body, path
    # an absolute path: Werkzeug merges the slashes with a redirect that stays here, then a 404
    for absolute in ("/etc/passwd", "%2fetc%2fpasswd"):
        status, headers, _ = request(server, prefix + absolute)
        assert status in (308, 404), (absolute, status)
        if status == 308:
            location = urlsplit(headers["Location"])
            assert location.netloc in ("", urlsplit(server).netloc) and location.path.startswith(prefix)
            assert request(server, location.path)[0] == 404


class OpenedFiles:
    """Records every file the process opens (an audit hook) while :attr:`active`."""

    def __init__(self) -> None:
        self.active = False
        self.paths: list[str] = []
        self.thread = threading.get_ident()

    def __call__(self, event: str, args: tuple) -> None:
        if self.active and event == "open" and threading.get_ident() == self.thread:
            path = args[0]
            if isinstance(path, bytes | str):
                self.paths.append(str(path if isinstance(path, str) else path.decode(errors="replace")))


_OPENED = OpenedFiles()
_HOOKED: list[bool] = []


def _opened_files() -> OpenedFiles:
    """Install the audit hook once (hooks cannot be removed; this one only records while active)."""
    if not _HOOKED:
        sys.addaudithook(_OPENED)
        _HOOKED.append(True)
    return _OPENED


def test_article_ids_never_touch_the_file_system(prod_app, corpus: tuple[Path, Path]) -> None:
    articles, index = corpus
    opened = _opened_files()
    client = prod_app.test_client()
    client.get("/artikel/boese")  # warm up: templates, translations, searchers
    client.get("/api/articles/boese")
    for prefix in ("/artikel/", "/api/articles/"):
        for ids in TRAVERSALS + ["boese", "002_96c8ceafc6e47d4f", "secret", "..%2fsecret"]:
            opened.thread = threading.get_ident()
            opened.paths.clear()
            opened.active = True
            try:
                resp = client.get(prefix + ids)
            finally:
                opened.active = False
            assert resp.status_code in (200, 404), (prefix + ids, resp.status_code)
            for path in opened.paths:
                resolved = Path(path).resolve()
                assert not resolved.is_relative_to(articles.resolve()), (prefix + ids, path)
                assert "passwd" not in path and "secret" not in path and "/proc/" not in path, (ids, path)


# ----------------------------------------------------------------------------- headers


def test_security_headers_on_every_kind_of_response(server: str) -> None:
    cases = [
        ("GET", "/", 200),
        ("GET", "/?q=Gipfel&country=KP", 200),
        ("GET", "/artikel/boese", 200),
        ("GET", "/hilfe", 200),
        ("GET", "/statistik", 200),
        ("GET", "/static/style.css", 200),
        ("GET", "/static/app.js", 200),
        ("GET", "/static/favicon.svg", 200),
        ("GET", "/opensearch.xml", 200),
        ("GET", "/suggest.json?q=Nord", 200),
        ("GET", "/healthz", 200),
        ("GET", "/api/search?q=Gipfel", 200),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/api/search?page=0", 400),
        ("GET", "/?sort=bogus", 400),
        ("GET", "/artikel/nope", 404),
        ("GET", "/api/articles/nope", 404),
        ("GET", "/gibt/es/nicht", 404),
        ("POST", "/api/search", 405),
        ("DELETE", "/", 405),
        ("HEAD", "/", 200),
    ]
    for method, path, expected in cases:
        status, headers, _ = request(server, path, method=method)
        assert status == expected, (method, path, status)
        assert_security_headers(headers, f"{method} {path}")
        assert "Server" not in headers or "Werkzeug" not in headers["Server"]


def test_csp_is_strict_and_pages_need_nothing_inline() -> None:
    parts = dict(p.strip().split(" ", 1) for p in CONTENT_SECURITY_POLICY.split(";"))
    assert parts["default-src"] == "'self'" and parts["script-src"] == "'self'"
    assert parts["style-src"] == "'self'" and parts["frame-ancestors"] == "'none'"
    assert (
        parts["base-uri"] == "'self'" and parts["form-action"] == "'self'" and parts["object-src"] == "'none'"
    )
    templates = Path(__file__).resolve().parents[1] / "templates"
    for tpl in templates.glob("*.html"):
        text = tpl.read_text(encoding="utf-8")
        assert "<style" not in text and " style=" not in text, tpl.name
        assert "<script>" not in text and " onclick=" not in text and " onload=" not in text, tpl.name


# ----------------------------------------------------------------------------- no stack traces


def test_internal_errors_show_no_traceback(prod_app) -> None:
    assert not prod_app.debug and not prod_app.testing
    client = prod_app.test_client()
    html = client.get("/kaputt")
    assert html.status_code == 500 and html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    assert 'class="error-page"' in text
    api = client.get("/api/kaputt")
    assert api.status_code == 500
    assert api.get_json() == {
        "error": {"code": "internal_error", "message": "Interner Fehler. Bitte später erneut versuchen."}
    }
    for resp in (html, api):
        body = resp.get_data(as_text=True)
        for leak in ("Traceback", "RuntimeError", "secret internal detail", "/etc/shadow", ".py", 'File "'):
            assert leak not in body, leak
        assert_security_headers(resp.headers, resp.request.path)


def test_flask_debug_in_the_environment_does_not_leak_tracebacks(
    corpus: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """FLASK_DEBUG=1 switches Flask's debug flag on even under waitress: errors must stay plain."""
    monkeypatch.setenv("FLASK_DEBUG", "1")
    articles, index = corpus
    app = create_app({"SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(articles)})
    app.add_url_rule("/kaputt", "kaputt", lambda: 1 / 0)
    resp = app.test_client().get("/kaputt")
    assert resp.status_code == 500
    assert "Traceback" not in resp.get_data(as_text=True)
    assert "ZeroDivisionError" not in resp.get_data(as_text=True)


# ----------------------------------------------------------------------------- size limits


def test_long_addresses_are_414_with_a_clear_message(server: str) -> None:
    long_q = "x" * (MAX_URL_BYTES + 10)
    status, headers, body = request(server, f"/api/search?q={long_q}")
    assert status == 414
    error = assert_json_error(status, headers, body, "api 414")
    assert "too long" in error["message"]
    status, headers, body = request(server, f"/?q={long_q}")
    assert status == 414 and headers["Content-Type"].startswith("text/html")
    assert b'class="error-page"' in body and b"the address is too long" in body
    assert_security_headers(headers, "html 414")
    # beyond waitress' header limit (256 kB) the server itself refuses: still no 500, no hang
    status, _, _ = request(server, "/?q=" + "y" * 300_000)
    assert 400 <= status < 500


def test_query_over_the_length_cap_is_400(server: str) -> None:
    status, headers, body = request(server, "/api/search?q=" + "Gipfel%20" * 400)
    assert status == 400
    error = assert_json_error(status, headers, body, "q cap")
    assert error["parameter"] == "q" and "query too long" in error["message"]


def test_large_bodies_are_413(server: str) -> None:
    status, headers, body = request(server, "/api/search", method="POST", body=b"x" * 200_000)
    assert status == 413
    assert_json_error(status, headers, body, "413")
    status, headers, body = request(server, "/", method="POST", body=b"x" * 200_000)
    assert status == 413 and b'class="error-page"' in body


# ----------------------------------------------------------------------------- rate limits


def test_rate_limit_defaults() -> None:
    from flask import Flask

    from search.web.security import rate_limit

    assert DEFAULT_RATE_LIMIT == "120/minute"
    prod, testing = Flask("a"), Flask("b")
    testing.testing = True
    assert rate_limit(prod) == "120/minute"
    assert rate_limit(testing) == ""  # the test client is not limited unless asked
    testing.config["SEARCH_RATE_LIMIT"] = "5/second"
    assert rate_limit(testing) == "5/second"
    prod.config["SEARCH_RATE_LIMIT"] = "off"
    assert rate_limit(prod) == ""


def test_rate_limit_answers_429_in_the_json_shape(corpus: tuple[Path, Path]) -> None:
    articles, index = corpus
    app = create_app(
        {
            "TESTING": True,
            "SEARCH_INDEX_DIR": str(index),
            "SEARCH_ARTICLES_DIR": str(articles),
            "SEARCH_RATE_LIMIT": "5/minute",
        }
    )
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/search?q=Gipfel").status_code == 200
    resp = client.get("/api/suggest?q=Nord")  # one budget for the whole API, not per endpoint
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "rate_limited"
    assert "5 per 1 minute" in resp.get_json()["error"]["message"]
    assert int(resp.headers["Retry-After"]) > 0
    assert_security_headers(resp.headers, "429")
    # pages count against a budget of their own (tests/test_trust.py), and another client has its own
    assert all(client.get("/?q=Gipfel").status_code == 200 for _ in range(8))
    other = client.get("/api/search?q=Gipfel", environ_base={"REMOTE_ADDR": "127.0.0.2"})
    assert other.status_code == 200 and "Retry-After" not in other.headers


def test_rate_limit_on_the_real_server(corpus: tuple[Path, Path]) -> None:
    articles, index = corpus
    env = {
        "SEARCH_RATE_LIMIT": "20/minute",
        "SEARCH_PAGE_RATE_LIMIT": "3/minute",
        "SEARCH_SUGGEST_RATE_LIMIT": "2/minute",
        "SEARCH_NER": "0",
    }
    proc, base = start_server(index, articles, env)
    try:
        statuses = [request(base, "/api/search?q=Gipfel")[0] for _ in range(20)]
        assert statuses == [200] * 20
        status, headers, body = request(base, "/api/search?q=Gipfel")
        assert status == 429 and assert_json_error(status, headers, body, "429")["code"] == "rate_limited"
        # HTML searches and the browser's suggestions have budgets of their own (issue 19: they had none)
        assert [request(base, "/?q=Gipfel")[0] for _ in range(3)] == [200] * 3
        status, headers, body = request(base, "/?q=Gipfel")
        assert status == 429 and b'class="error-page"' in body and int(headers["Retry-After"]) > 0
        assert [request(base, "/suggest.json?q=Nord")[0] for _ in range(2)] == [200] * 2
        status, headers, body = request(base, "/suggest.json?q=Nord")
        assert status == 429 and b"for suggestions" in body and int(headers["Retry-After"]) > 0
        assert request(base, "/static/style.css")[0] == 200  # static files are never counted
    finally:
        stop_server(proc)
