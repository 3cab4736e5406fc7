"""What the server must not trust: the ``Host`` header, the path of the request, and one client's appetite.

* Hosts: only ``SEARCH_ALLOWED_HOSTS`` (default the loopback names and the host ``search serve`` binds)
  are answered; any other is a 400 in the app's error shapes, so DNS rebinding reaches nothing and no
  absolute URL (OpenSearch, suggestions, redirects) names a host a client made up. Checked over a real
  ``search serve`` on 127.0.0.1 with requests sent byte for byte through :mod:`http.client`.
* Paths: no path produces a link to another site (a tab or backslash that a browser drops or turns into
  ``/``, a leading ``//``).
* ``Vary: Accept-Language`` on every answer whose words depend on that header (pages, JSON, suggestions).
* Budgets: HTML pages and ``/suggest.json`` have per-client rate limits of their own, and one client
  address has at most ``SEARCH_CLIENT_CONCURRENCY`` requests in service at once; ``search serve
  --connection-limit`` bounds the queue in front of the threads.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from search import create_app
from search.web.security import (
    DEFAULT_CLIENT_CONCURRENCY,
    DEFAULT_PAGE_RATE_LIMIT,
    DEFAULT_SUGGEST_RATE_LIMIT,
    allowed_hosts,
    client_concurrency,
    host_allowed,
    normalize_host,
    page_rate_limit,
    suggest_rate_limit,
)

from .conftest import ROOT, SEEDS, free_port, start_server, stop_server

EVIL = "evil.example"
ARTICLE = "002_96c8ceafc6e47d4f"


def send(
    base: str, path: str, host: str | None = None, headers: dict | None = None
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One GET with the path byte for byte and the given ``Host`` header (default: the server's)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest("GET", path, skip_host=host is not None, skip_accept_encoding=True)
        if host is not None:
            conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[str]:
    """``search serve`` on 127.0.0.1 with the default hosts (limits off: this module sends many requests)."""
    proc, base = start_server(seed_index, SEEDS, {"SEARCH_ALLOWED_HOSTS": "", "SEARCH_RATE_LIMIT": "off"})
    yield base
    stop_server(proc)


# ----------------------------------------------------------------------------- hosts


FOREIGN_HOSTS = [
    EVIL,
    f"{EVIL}:8080",
    "127.0.0.1.evil.example",  # a rebinding name that merely starts like an allowed one
    "localhost.evil.example",
    "evil.example@127.0.0.1",
    "",
]
PATHS = [
    "/",
    "/?q=Gipfel",
    "/opensearch.xml",
    "/suggest.json?q=Nord",
    "/artikel//x",  # Werkzeug's slash-merging redirect: it used to say Location: http://<Host>/artikel/x
    f"/artikel/{ARTICLE}",
    "/static/style.css",
    "/healthz",
    "/gibt/es/nicht",
    "/api/search?q=Gipfel",
    "/api/suggest?q=Nord",
]


def test_foreign_host_is_refused_on_the_real_server(server: str) -> None:
    for host in FOREIGN_HOSTS:
        for path in PATHS:
            status, headers, body = send(server, path, host=host)
            where = (host, path)
            assert status == 400, (where, status)
            assert "Location" not in headers, where
            assert b"//evil.example" not in body and b"//127.0.0.1.evil" not in body, where
            if path.startswith("/api/"):
                assert headers["Content-Type"].startswith("application/json"), where
                error = json.loads(body)["error"]
                assert error["code"] == "host_not_allowed" and "SEARCH_ALLOWED_HOSTS" in error["message"]
            else:
                assert headers["Content-Type"].startswith("text/html"), where
                assert b'class="error-page"' in body and b"SEARCH_ALLOWED_HOSTS" in body, where
            assert headers["X-Frame-Options"] == "DENY", where  # the error has every security header


def test_allowed_hosts_get_urls_of_their_own(server: str) -> None:
    port = urlsplit(server).port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost.:{port}", f"[::1]:{port}"):
        status, _, body = send(server, "/opensearch.xml", host=host)
        assert status == 200, (host, status)
        text = body.decode()
        urls = re.findall(r'template="([^"]+)"', text) + re.findall(r">(https?://[^<]+)<", text)
        own = f"http://{host.lower()}/"
        assert len(urls) == 5 and all(u.startswith(own) for u in urls), (host, urls)
        status, _, body = send(server, "/suggest.json?q=Nord", host=host)
        assert status == 200 and all(u.startswith(own) for u in json.loads(body)[3]), host
        # redirects stay on this site: a path, not a URL built from the Host header
        status, headers, _ = send(server, "/artikel//x", host=host)
        assert status == 308 and headers["Location"] == "/artikel/x", (host, status, headers["Location"])
    # HTTP/1.0 without a Host header: the server's own address, not "waitress.invalid", and not refused
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /opensearch.xml HTTP/1.0\r\n\r\n")
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    assert raw.startswith(b"HTTP/1.0 200") and f"http://127.0.0.1:{port}/?q=".encode() in raw


def test_allowed_hosts_setting(seed_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def statuses(config: dict, hosts: list[str]) -> list[int]:
        app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), **config})
        client = app.test_client()
        return [client.get("/healthz", headers={"Host": h}).status_code for h in hosts]

    monkeypatch.delenv("SEARCH_ALLOWED_HOSTS", raising=False)
    loopback = ["localhost", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"]
    assert statuses({}, [*loopback, EVIL, "search.lan"]) == [200] * 4 + [400, 400]
    # the host `search serve --host` binds is answered too, unless it means every interface
    assert statuses({"SEARCH_SERVE_HOST": "search.lan"}, ["search.lan:8080", "localhost", EVIL]) == [
        200,
        200,
        400,
    ]
    assert statuses({"SEARCH_SERVE_HOST": "0.0.0.0"}, ["0.0.0.0", "localhost"]) == [400, 200]
    # an explicit list replaces the defaults; ".name" allows its subdomains; "*" allows any host
    listed = {"SEARCH_ALLOWED_HOSTS": "suche.example.org, .intern.example"}
    hosts = ["suche.example.org", "a.b.intern.example:81", "intern.example", "localhost", "xintern.example"]
    assert statuses(listed, hosts) == [200, 200, 200, 400, 400]
    assert statuses({"SEARCH_ALLOWED_HOSTS": "*"}, [EVIL, "localhost"]) == [200, 200]
    monkeypatch.setenv("SEARCH_ALLOWED_HOSTS", "suche.example.org")  # the environment, read by settings
    assert statuses({}, ["suche.example.org", "localhost"]) == [200, 400]


def test_host_names_are_compared_without_port_case_brackets_or_final_dot() -> None:
    assert normalize_host("[::1]:8080") == "::1" and normalize_host("::1") == "::1"
    assert (
        normalize_host("LocalHost.:80") == "localhost" and normalize_host("bücher.de") == "xn--bcher-kva.de"
    )
    allowed = frozenset({"localhost", "::1", ".intern.example"})
    assert host_allowed("localhost:1", allowed) and host_allowed("[::1]", allowed)
    assert host_allowed("x.intern.example", allowed) and not host_allowed("evilintern.example", allowed)
    assert not host_allowed("", allowed) and not host_allowed("[::2]:80", allowed)
    assert host_allowed("anything", None)


# ----------------------------------------------------------------------------- links from paths

OFF_SITE_PATHS = [
    "/%09/evil.example",
    "/%09/evil.example?lang=en",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/%09%09/evil.example",
    "/%5C/evil.example",
    "/%5C%5Cevil.example",
    "/%2F/evil.example",
    "/%2F%2Fevil.example",
    "//evil.example",
    "///evil.example",
    "//evil.example/%2e%2e",
    "/%20/evil.example",
    "/%E3%80%80/evil.example",
    "/person//evil.example",
    "/person/%09/evil.example",
    "/artikel/%09/evil.example",
    "/land/%09/evil.example",
    "/hilfe/%09/evil.example",
]
_LINK = re.compile(r"""(?:href|src|action)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def browser_target(page_url: str, link: str) -> str:
    """Where a browser goes: it drops tabs and newlines, trims spaces, reads ``\\`` as ``/``."""
    cleaned = re.sub(r"[\t\n\r]", "", link).strip(" \x00-\x1f").replace("\\", "/")
    return urljoin(page_url, cleaned.replace("&amp;", "&"))


def test_no_path_produces_an_off_site_link(server: str) -> None:
    own = urlsplit(server).netloc
    for path in OFF_SITE_PATHS:
        for lang in ({}, {"Accept-Language": "en"}):
            status, headers, body = send(server, path, headers=lang)
            assert status in (200, 308, 400, 404), (path, status)
            page_url = server + (path if path.startswith("/") else "/" + path)
            targets = [browser_target(page_url, link) for link in _LINK.findall(body.decode("utf-8"))]
            if "Location" in headers:
                targets.append(browser_target(page_url, headers["Location"]))
            assert targets or status != 404, path  # a 404 page has links (language, start page, help)
            for target in targets:
                assert urlsplit(target).netloc == own, (path, target)


# ----------------------------------------------------------------------------- Vary


def test_every_answer_that_depends_on_accept_language_says_so(client) -> None:
    paths = [
        "/?q=Nordkorea",
        "/",
        "/hilfe",
        "/gibt/es/nicht",
        f"/artikel/{ARTICLE}",
        "/api/search?q=Nordkorea",
        f"/api/articles/{ARTICLE}",
        "/api/facets/country?q=Nordkorea",
        "/api/suggest?q=Nord",
        "/api/search?page=0",  # the error, too: its status and shape came from a request in one language
        "/suggest.json?q=Nord",
        "/opensearch.xml",
    ]
    for path in paths:
        resp = client.get(path, headers={"Accept-Language": "en"})
        assert "Accept-Language" in resp.headers.get("Vary", ""), (path, resp.headers.get("Vary"))
    # the dependence is real: the JSON's labels change with the header alone
    en = client.get("/api/search?q=Nordkorea", headers={"Accept-Language": "en"}).get_json()
    de = client.get("/api/search?q=Nordkorea", headers={"Accept-Language": "de"}).get_json()
    labels = [{e["value"]: e.get("label") for e in data["facets"]["country"]} for data in (en, de)]
    assert labels[0]["KP"] == "North Korea" and labels[1]["KP"] == "Nordkorea"
    suggest_en = client.get("/suggest.json?q=Nord", headers={"Accept-Language": "en"}).get_json()
    suggest_de = client.get("/suggest.json?q=Nord", headers={"Accept-Language": "de"}).get_json()
    assert suggest_en != suggest_de
    # an explicit lang= decides alone, and a static file depends on no language
    assert "Accept-Language" not in client.get("/static/style.css").headers.get("Vary", "")
    explicit = client.get("/api/search?q=Nordkorea&lang=en", headers={"Accept-Language": "de"})
    assert "Accept-Language" not in explicit.headers.get("Vary", "")


# ----------------------------------------------------------------------------- budgets


def test_budget_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask import Flask

    for name in ("SEARCH_RATE_LIMIT", "SEARCH_PAGE_RATE_LIMIT", "SEARCH_SUGGEST_RATE_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SEARCH_CLIENT_CONCURRENCY", raising=False)
    prod, testing, off = Flask("a"), Flask("b"), Flask("c")
    testing.testing = True
    off.config["SEARCH_RATE_LIMIT"] = "off"
    assert page_rate_limit(prod) == DEFAULT_PAGE_RATE_LIMIT == "10/second;180/minute"
    assert suggest_rate_limit(prod) == DEFAULT_SUGGEST_RATE_LIMIT == "20/second;300/minute"
    assert client_concurrency(prod) == DEFAULT_CLIENT_CONCURRENCY == 4
    # SEARCH_RATE_LIMIT=off (and a TESTING app) switch the other budgets off unless they are set themselves
    for app in (testing, off):
        assert (page_rate_limit(app), suggest_rate_limit(app), client_concurrency(app)) == ("", "", 0)
    off.config.update(SEARCH_PAGE_RATE_LIMIT="5/minute", SEARCH_CLIENT_CONCURRENCY="2")
    assert page_rate_limit(off) == "5/minute" and client_concurrency(off) == 2
    monkeypatch.setenv("SEARCH_SUGGEST_RATE_LIMIT", "off")
    monkeypatch.setenv("SEARCH_CLIENT_CONCURRENCY", "many")  # not a number: the default, with a warning
    assert suggest_rate_limit(prod) == "" and client_concurrency(prod) == 4
    assert allowed_hosts(prod) == frozenset({"localhost", "127.0.0.1", "::1"})


def test_one_client_gets_fewer_than_the_threads_serve_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """``search serve`` runs 8 waitress threads or 4 per gunicorn worker (issue 20: more requests at once
    in one worker only take turns at the interpreter lock); one client's cap stays below them."""
    from flask import Flask

    from search.cli.serve import serve_threads

    monkeypatch.delenv("SEARCH_CLIENT_CONCURRENCY", raising=False)
    monkeypatch.delenv("SEARCH_RATE_LIMIT", raising=False)
    assert (serve_threads(None, 1), serve_threads(None, 2), serve_threads(6, 2), serve_threads(1, 1)) == (
        8,
        4,
        6,
        1,
    )
    caps = {}
    for threads in (1, 2, 4, 8, 16):
        app = Flask(f"t{threads}")
        app.config["SEARCH_SERVE_THREADS"] = threads
        caps[threads] = client_concurrency(app)
    assert caps == {1: 1, 2: 1, 4: 3, 8: 4, 16: 4}
    app.config["SEARCH_CLIENT_CONCURRENCY"] = "6"  # set explicitly: as set
    assert client_concurrency(app) == 6


def _budget_app(seed_index: Path, **config: str):
    return create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), **config})


def test_pages_and_suggestions_have_budgets_of_their_own(seed_index: Path) -> None:
    app = _budget_app(
        seed_index,
        SEARCH_RATE_LIMIT="100/minute",
        SEARCH_PAGE_RATE_LIMIT="3/minute",
        SEARCH_SUGGEST_RATE_LIMIT="2/minute",
    )
    client = app.test_client()
    for path in ("/?q=Gipfel", f"/artikel/{ARTICLE}", "/land/KP"):
        assert client.get(path).status_code == 200, path
    page = client.get("/statistik")  # the fourth page within the minute
    assert page.status_code == 429 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert 'class="error-page"' in text and "3 per 1 minute" in text and "for pages" in text
    assert int(page.headers["Retry-After"]) > 0
    # uncounted: static files, the health check, the OpenSearch description; the API has its own budget
    for path in ("/static/style.css", "/healthz", "/opensearch.xml", "/api/search?q=Gipfel"):
        assert client.get(path).status_code == 200, path
    assert [client.get("/suggest.json?q=Nord").status_code for _ in range(2)] == [200, 200]
    over = client.get("/suggest.json?q=Nord")  # outside /api: the error page, as every error there
    assert over.status_code == 429 and "for suggestions" in over.get_data(as_text=True)
    # another address has budgets of its own
    other = {"REMOTE_ADDR": "127.0.0.9"}
    assert client.get("/?q=Gipfel", environ_base=other).status_code == 200
    assert client.get("/suggest.json?q=Nord", environ_base=other).status_code == 200


def test_one_client_cannot_hold_every_thread(seed_index: Path) -> None:
    app = _budget_app(seed_index, SEARCH_CLIENT_CONCURRENCY="2")
    inside = threading.Semaphore(0)
    release = threading.Event()

    def slow() -> str:  # a search that takes long: it holds its thread until released
        inside.release()
        release.wait(60)
        return "{}"

    app.add_url_rule("/api/langsam", "langsam", slow)
    me = {"REMOTE_ADDR": "10.0.0.1"}
    answers: list[int] = []
    threads = [
        threading.Thread(
            target=lambda: answers.append(app.test_client().get("/api/langsam", environ_base=me).status_code)
        )
        for _ in range(2)
    ]
    try:
        for t in threads:
            t.start()
        for _ in threads:
            assert inside.acquire(timeout=30), "the slow requests did not start"
        client = app.test_client()
        # a third request of the same address, to any counted endpoint, is refused at once
        api = client.get("/api/search?q=Gipfel", environ_base=me)
        assert api.status_code == 429 and api.get_json()["error"]["code"] == "too_many_at_once"
        assert api.headers["Retry-After"] == "1"
        page = client.get("/?q=Gipfel", environ_base=me)
        assert page.status_code == 429 and 'class="error-page"' in page.get_data(as_text=True)
        # static files are not counted (a page loads several at once); other addresses are served
        assert client.get("/static/app.js", environ_base=me).status_code == 200
        assert client.get("/api/search?q=Gipfel", environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200
    finally:
        release.set()
        for t in threads:
            t.join(30)
    assert answers == [200, 200]
    assert app.extensions["search_in_flight"].count("10.0.0.1") == 0  # every finished request left
    assert client.get("/api/search?q=Gipfel", environ_base=me).status_code == 200


def _serve_on(host: str, index: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """``search serve --host <host>`` (start_server assumes 127.0.0.1); returns it and its port."""
    port = free_port()
    env = {**os.environ, "SEARCH_INDEX_DIR": str(index), "SEARCH_ARTICLES_DIR": str(SEEDS)}
    env.pop("SEARCH_ALLOWED_HOSTS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--host", host, "--port", str(port), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"server exited with code {proc.returncode}"
        try:
            if send(f"http://{host}:{port}", "/healthz")[0] == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("server did not start in time")


def test_serve_answers_its_bind_host_and_bounds_its_connections(seed_index: Path) -> None:
    host = "127.0.0.2"  # a loopback address, but not one of the default names
    proc, port = _serve_on(host, seed_index, "--connection-limit", "4")
    base = f"http://{host}:{port}"
    idle: list[socket.socket] = []
    try:
        assert send(base, "/opensearch.xml", host=f"{host}:{port}")[0] == 200
        assert send(base, "/opensearch.xml", host=EVIL)[0] == 400
        # the bound: while 4 connections are open (they send nothing), a further request is not served ...
        idle = [socket.create_connection((host, port), timeout=30) for _ in range(4)]
        waiting = socket.create_connection((host, port), timeout=2)
        waiting.sendall(f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        with pytest.raises(TimeoutError):
            waiting.recv(100)
        # ... and is answered as soon as they are gone: it waited in the queue, it was not dropped
        for sock in idle:
            sock.close()
        waiting.settimeout(30)
        assert waiting.recv(100).startswith(b"HTTP/1.1 200")
        waiting.close()
    finally:
        for sock in idle:
            sock.close()
        stop_server(proc)
