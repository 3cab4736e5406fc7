"""Bad queries and parameters against a real server: known-nasty inputs and Hypothesis, on the HTML pages and
the JSON API. Never a 500; every error is a clear message (the JSON error shape under ``/api``, the styled
error page elsewhere); the work per request is bounded (length cap, clause and expansion caps, a time limit).

Requests go through :mod:`http.client` with the path sent byte for byte, so invalid UTF-8 (``%FF%FE``),
NUL bytes and over-long query strings reach the server exactly as written.
"""

from __future__ import annotations

import http.client
import inspect
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.core import limits
from search.core.params import MAX_QUERY_CHARS
from search.engine.whoosh.compiler import MAX_TOTAL_EXPANSIONS, Compiler
from search.text.query import MAX_CLAUSES, parse
from search.web.security import SECURITY_HEADERS

from .conftest import SEEDS, start_server, stop_server

NASTY = [
    '"unbalanced',
    'a "b c',
    '"""',
    "*",
    "?",
    "**",
    "a*",
    "*a",
    "~~~",
    "a~~~",
    "a~99999999999999999999",
    "~2",
    "AND OR NOT",
    "NOT",
    "NOT NOT NOT Gipfel",
    "OR",
    "-",
    "--",
    "-Gipfel",
    "!",
    "(((((",
    ")))))",
    "(" * 1000,
    "(" * MAX_QUERY_CHARS,
    ")" * 1000,
    "(a OR " * 300,
    "(NOT " * 400,
    "-(" * 500,
    "((a OR b) AND (c OR (d AND e)))",
    "x OR " * 300,
    "a* " * 100,
    "ab* " * 100,
    "wort~2 " * 100,
    "person:",
    "person:(",
    "land:Atlantis",
    "date:",
    "date:[",
    "date:[2018 TO",
    "date:[2019 TO 2017]",
    "date:[x TO y]",
    "date:99999",
    "date:2018-13",
    "date:0000-00-00",
    'title:"',
    "titel:*",
    "quelle:~",
    "*:*",
    "field:value",
    "\\",
    '\\\\\\"',
    "'; DROP TABLE articles; --",
    "{{7*7}}",
    "${jndi:ldap://127.0.0.1/x}",
    "%s%s%s%n",
    "%",
    "%%",
    "<script>alert(1)</script>",
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x1b[31m\x7f",
    "\t\n\r\x0b\x0c",
    "\u202egipfel\u202c",
    "\u200f\u200e\u061c",
    "\u200b\u200c\u200d\u2060\ufeff",
    "\ufffd\ufffe\uffff",
    "\U0010ffff",
    "🦄💥",
    "👨‍👩‍👧‍👦",
    "🇩🇪 🏳️‍🌈",
    "e\u0301" * 500,
    "Z\u0351\u0352\u0353\u0354" * 100,
    "İstanbul ǅ ß ẞ ﬀ Ǆ",
    "ß" * 2000,
    "Gipfel" + " " * 5000,
    "Ａｔｏｍ",  # fullwidth
    "𝐆𝐢𝐩𝐟𝐞𝐥",  # mathematical bold
    "ᚠᛇᚻ᛫ᛒᛦᚦ",
    "中文 日本語 한국어 العربية עברית",
    "x" * MAX_QUERY_CHARS,
    "x" * (MAX_QUERY_CHARS + 1),
    "Gipfel " * 2000,
    "a" * 100_000,  # 100 kB
]
# Raw query-string values, sent undecoded: invalid UTF-8 and broken percent escapes.
RAW_VALUES = [
    "%FF%FE",
    "%FF",
    "%C3",
    "%C3%28",
    "%E2%82",
    "%E2%28%A1",
    "%ED%A0%80",  # an encoded surrogate
    "%F4%90%80%80",  # beyond U+10FFFF
    "%C0%AF",  # overlong "/"
    "%F8%88%80%80%80",
    "%00",
    "%00%00%00",
    "%",
    "%%",
    "%G0",
    "%zz",
    "%2",
    "%25%",
    "+++",
    "%2B%20%2B",
    "a%26q%3Db",
    "%0D%0ASet-Cookie:%20x=1",
    "%E2%80%AE",
]
HTML_PATHS = ["/?q={}", "/?sort=newest&person_prefix={}", "/?q=Gipfel&person={}", "/artikel/{}", "/person/{}"]
API_PATHS = [
    "/api/search?q={}",
    "/api/suggest?q={}",
    "/api/facets/person?prefix={}",
    "/api/facets/date?q={}",
    "/api/articles/{}",
    "/suggest.json?q={}",
]
PARAMS = [
    "page=99999999999999999999999999999",
    "page=-1",
    "page=0",
    "page=1e3",
    "page=0x10",
    "page=%D9%A3",  # Arabic-Indic digit three
    "page=1001",
    "page=%201%20",
    "per_page=0",
    "per_page=101",
    "per_page=-5",
    "facet_size=999999999",
    "facet_size=",
    "sort=",
    "sort=RELEVANCE",
    "sort=%00",
    "lang=xx",
    "lang=..%2F..%2Fetc",
    "lang=de-DE-x-private-very-long-tag",
    "country=K",
    "country=KPX",
    "country=%C3%84%C3%96",
    "country=kp",
    "date=2018-13",
    "date=99999-01",
    "date=2018-00",
    "mentioned=gestern",
    "source=" + "s" * 500,
    "person=" + "p" * 201,
    "q=a&q=b&q=c",
    "page=1&page=2",
    "=",
    "&&&",
    "q",
    "q=&q=",
]


# ----------------------------------------------------------------------------- fixtures and checks


@pytest.fixture(scope="module")
def server(seed_index: Path) -> Iterator[str]:
    """``search serve`` over the seed index, production configuration, API rate limit off."""
    proc, base = start_server(seed_index, SEEDS, {"SEARCH_RATE_LIMIT": "off", "SEARCH_NER": "0"})
    drain(proc)
    yield base
    stop_server(proc)


def drain(proc: subprocess.Popen) -> None:
    """Read the server's output so that a burst of log lines can never fill the pipe and stall it."""
    pass  # start_server discards the server output: no pipe to drain


class Client:
    """Keep-alive connection to the server; the path goes out exactly as given."""

    def __init__(self, base: str) -> None:
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, http.client.HTTPMessage, bytes]:
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.putrequest("GET", path, skip_accept_encoding=True)
                self.conn.endheaders()
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.will_close:
                    self.close()
                return resp.status, resp.headers, body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed an idle keep-alive connection: once more
                if attempt:
                    raise
            except TimeoutError:
                self.close()
                raise AssertionError(f"no answer within 60 s: GET {path[:300]}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[Client]:
    c = Client(server)
    yield c
    c.close()


def check(status: int, headers: http.client.HTTPMessage, body: bytes, path: str) -> None:
    """No 500; under /api a JSON body (the error shape for errors); elsewhere HTML or the JSON of the
    OpenSearch suggestions; security headers everywhere; never a traceback."""
    where = path[:200]
    assert status < 500, (where, status, body[:300])
    assert b"Traceback" not in body and b'File "' not in body, where
    for name in SECURITY_HEADERS:
        assert name in headers, (where, name)
    ctype = headers.get("Content-Type", "")
    if path.startswith("/api/"):
        assert ctype.startswith("application/json"), (where, ctype)
        data = json.loads(body.decode("utf-8"))
        if status >= 400:
            error = data["error"]
            assert isinstance(error["code"], str) and error["code"], where
            assert isinstance(error["message"], str) and error["message"].strip(), where
            assert set(error) <= {"code", "message", "parameter"}, where
    elif path.startswith("/suggest.json") and status == 200:
        assert isinstance(json.loads(body.decode("utf-8")), list), where
    else:
        assert ctype.startswith("text/html"), (where, ctype)
        text = body.decode("utf-8")
        assert text.lstrip().startswith("<!doctype html>") and "</html>" in text, where
        if status >= 400:
            assert 'class="error-page"' in text or 'class="notice notice--error"' in text, where
    if status in (301, 302, 303, 307, 308):  # redirects stay on this server
        assert urlsplit(headers["Location"]).netloc.split(":")[0] in ("", "127.0.0.1"), where


def first_id(client: Client) -> str:
    return json.loads(client.get("/api/search?q=Gipfel")[2])["results"][0]["id"]


# ----------------------------------------------------------------------------- known-nasty inputs


@pytest.mark.parametrize("template", HTML_PATHS + API_PATHS)
def test_nasty_queries_never_fail(client: Client, template: str) -> None:
    for text in NASTY:
        path = template.format(quote(text, safe=""))
        status, headers, body = client.get(path)
        check(status, headers, body, path)
        if len(path) > 40_000:  # over the address limit: a clear 414
            assert status == 414, (template, status)


@pytest.mark.parametrize("template", HTML_PATHS + API_PATHS)
def test_invalid_utf8_and_broken_escapes(client: Client, template: str) -> None:
    for raw in RAW_VALUES:
        path = template.format(raw)
        status, headers, body = client.get(path)
        check(status, headers, body, path)
        assert status in (200, 400, 404), (path, status)


def test_article_page_with_nasty_query(client: Client) -> None:
    doc = first_id(client)
    for text in NASTY[:60]:
        for path in (
            f"/artikel/{doc}?q={quote(text, safe='')}",
            f"/api/articles/{doc}?q={quote(text, safe='')}",
        ):
            status, headers, body = client.get(path)
            check(status, headers, body, path)
            assert status in (200, 400, 414), (path, status)


@pytest.mark.parametrize("base", ["/", "/api/search", "/api/facets/person"])
def test_bad_parameters_are_clear_400s(client: Client, base: str) -> None:
    for param in PARAMS:
        path = f"{base}?{param}"
        status, headers, body = client.get(path)
        check(status, headers, body, path)
        assert status in (200, 400), (path, status)
        if status == 400 and base.startswith("/api/"):
            error = json.loads(body)["error"]
            assert error["code"] in ("invalid_parameter", "invalid_query"), error
            if "page=99999" in param:
                assert error["parameter"] == "page" and "1000" in error["message"]


@pytest.mark.parametrize("base", ["/", "/api/search"])
def test_parameters_repeated_a_thousand_times(client: Client, base: str) -> None:
    cases = {
        "same value": "&".join(["person=Donald%20Trump"] * 1000),
        "q repeated": "&".join(["q=Gipfel"] * 1000),
        "page repeated": "&".join(["page=1"] * 1000),
        "sort repeated": "&".join(["sort=newest"] * 1000),
        "country repeated": "&".join(["country=KP"] * 1000),
        "distinct values": "&".join(f"person=P{i}" for i in range(1000)),
        "distinct sources": "&".join(f"source=s{i}" for i in range(1000)),
        "empty names": "&".join(["="] * 1000),
    }
    for name, query in cases.items():
        path = f"{base}?{query}"
        started = time.monotonic()
        status, headers, body = client.get(path)
        check(status, headers, body, path)
        assert time.monotonic() - started < 20, name
        if name.startswith("distinct"):
            assert status == 400, (name, status)
            if base.startswith("/api/"):
                assert "at most 50 values" in json.loads(body)["error"]["message"]
        else:
            assert status == 200, (name, status)


def test_raw_bytes_on_the_wire(server: str) -> None:
    """Request lines that http.client refuses to send: raw non-ASCII, NUL, spaces and control bytes."""
    url = urlsplit(server)
    for line in (
        b"GET /?q=\xff\xfe HTTP/1.1",
        b"GET /artikel/\xc3\x28 HTTP/1.1",
        b"GET /?q=a\x00b HTTP/1.1",
        b"GET /?q=a b c HTTP/1.1",
        b"GET /api/search?q=\x1b[31m HTTP/1.1",
        b"GET /api/articles/\xff HTTP/1.1",
        b"GET " + b"/?q=" + b"\xe2\x80\xae" * 100 + b" HTTP/1.1",
        b"GARBAGE",
        b"GET",
        b"GET / HTTP/9.9",
    ):
        with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
            sock.sendall(line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        status_line = data.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1."), (line[:40], data[:200])
        status = int(status_line.split()[1])
        assert status < 500, (line[:40], status_line)
    # the server is still fine
    assert Client(server).get("/api/search?q=Gipfel")[0] == 200


# ----------------------------------------------------------------------------- Hypothesis

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
ANY_TEXT = st.one_of(TEXT, st.sampled_from(NASTY[:80]), st.text(max_size=20))
FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def enc(text: str) -> str:
    """Percent-encode any text, lone surrogates included (they become invalid UTF-8 on the wire)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


@FUZZ
@given(q=ANY_TEXT, template=st.sampled_from(HTML_PATHS + API_PATHS))
def test_fuzz_query_text(client: Client, q: str, template: str) -> None:
    path = template.format(enc(q))
    status, headers, body = client.get(path)
    check(status, headers, body, path)


@FUZZ
@given(raw=st.binary(max_size=40), template=st.sampled_from(HTML_PATHS + API_PATHS))
def test_fuzz_raw_bytes(client: Client, raw: bytes, template: str) -> None:
    path = template.format(quote(raw, safe=""))
    status, headers, body = client.get(path)
    check(status, headers, body, path)


PARAM_NAMES = st.sampled_from(
    ["q", "page", "per_page", "facet_size", "sort", "lang", "person", "country", "date", "mentioned"]
    + ["source", "person_prefix", "prefix", "x", ""]
)
PARAM_VALUES = st.one_of(
    TEXT,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "KP", "2018", "2018-05", "newest", "oldest", "en", "de", "Donald Trump", "dpa"]),
)


@FUZZ
@given(
    params=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=12),
    base=st.sampled_from(["/", "/api/search", "/api/facets/person", "/api/facets/date", "/api/suggest"]),
)
def test_fuzz_parameter_combinations(client: Client, params: list, base: str) -> None:
    query = urlencode([(n, v.encode("utf-8", "surrogatepass")) for n, v in params])
    path = f"{base}?{query}" if query else base
    status, headers, body = client.get(path)
    check(status, headers, body, path)
    assert status in (200, 400), (path, status)


# ----------------------------------------------------------------------------- bounded work


def test_clause_cap_holds() -> None:
    parsed = parse(" ".join(f"w{i}" for i in range(300)))
    words = []

    def walk(node: object) -> None:
        for child in getattr(node, "children", ()) or ():
            walk(child)
        if type(node).__name__ == "Word":
            words.append(node)

    walk(parsed.tree)
    assert len(words) == MAX_CLAUSES
    assert any(w.startswith(f"only the first {MAX_CLAUSES}") for w in parsed.warnings)


@pytest.fixture(scope="module")
def wide_lexicon(tmp_path_factory: pytest.TempPathFactory):
    """An index whose lexicon has 1,500 words beginning with ``ab`` (more than one ``*`` may expand to)."""
    from .helpers import build_index

    tmp = tmp_path_factory.mktemp("lexicon")
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f"ab{a}{b}{c}" for a in letters[:10] for b in letters[:15] for c in letters[:10]]
    docs = {f"d{i}": " ".join(words[i * 100 : (i + 1) * 100]) + "." for i in range(15)}
    return build_index(tmp, docs)


def _terms(q) -> int:
    return sum(1 for _ in q.leaves())


def test_expansion_caps_hold(wide_lexicon) -> None:
    from whoosh import query as wq

    reader = wide_lexicon.current().searcher().reader()
    compiler = Compiler(reader)
    prefix = compiler.compile(parse("ab*").tree)
    assert isinstance(prefix, wq.Or) and _terms(prefix) == min(
        1500, MAX_TOTAL_EXPANSIONS
    )  # all, if affordable
    fuzzy = compiler.compile(parse("abcde~2").tree)
    assert 0 < _terms(fuzzy) <= MAX_TOTAL_EXPANSIONS
    many = compiler.compile(parse(" OR ".join(["ab*"] * 100)).tree)
    assert _terms(many) <= MAX_TOTAL_EXPANSIONS
    assert compiler.compile(parse("a*").tree) is wq.NullQuery  # one letter: no expansion at all
    assert _terms(compiler.compile(parse("*").tree)) <= 1


def test_deeply_nested_parentheses_are_a_clear_error(client: Client) -> None:
    """Hundreds of nested "(" once crashed the recursive parser (RecursionError, HTTP 500)."""
    for depth in (10, 100, 200, 300, 990):
        for q in ("(" * depth + "Gipfel" + ")" * depth, "(a OR " * (depth // 6)):
            for path in ("/api/search?q=" + quote(q, safe=""), "/?q=" + quote(q, safe="")):
                status, headers, body = client.get(path)
                check(status, headers, body, path)
                assert status in (200, 400), (depth, status)
                if status == 400:
                    assert b"too many nested parentheses" in body


def test_query_length_cap_over_http(client: Client) -> None:
    status, headers, body = client.get("/api/search?q=" + "x" * (MAX_QUERY_CHARS + 1))
    assert status == 400
    error = json.loads(body)["error"]
    assert error == {
        "code": "invalid_parameter",
        "message": f"query too long ({MAX_QUERY_CHARS + 1:,} characters; at most {MAX_QUERY_CHARS:,})",
        "parameter": "q",
    }
    status, headers, body = client.get("/?q=" + "x" * (MAX_QUERY_CHARS + 1))
    assert status == 400 and b"query too long" in body


def test_worst_case_queries_are_answered_in_bounded_time(client: Client) -> None:
    """The most expensive queries the caps allow still answer (on this small index, quickly)."""
    worst = [
        " ".join(f"ab{i}~2" for i in range(60)),
        " OR ".join(f"{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}*" for i in range(60)),
        " ".join(["Verantwortungsbewusstseinsgesellschaft"] * 50),
        "(" * 500 + "Gipfel" + ")" * 500,
    ]
    for q in worst:
        started = time.monotonic()
        status, headers, body = client.get("/api/search?q=" + quote(q, safe=""))
        check(status, headers, body, "/api/search")
        assert status in (200, 400) and time.monotonic() - started < 30
        assert status == 200 or "nested parentheses" in json.loads(body)["error"]["message"]


# ----------------------------------------------------------------------------- time limit


def test_time_limit_helper() -> None:
    assert limits.remaining() is None
    limits.check("anything")  # no deadline: never raises
    assert list(limits.checked(range(5000))) == list(range(5000))
    with limits.time_limit(60):
        assert 59 < limits.remaining() <= 60
        limits.check("fast")
    with limits.time_limit(0.01), pytest.raises(limits.SearchTimeout) as err:
        time.sleep(0.02)
        list(limits.checked(range(10_000), "matching", every=100))
    assert err.value.code == "search_timeout" and err.value.status == 503 and err.value.phase == "matching"
    assert err.value.to_dict()["parameter"] == "q" and "took too long" in err.value.message
    assert limits.remaining() is None  # closed again
    with limits.time_limit(0):
        assert limits.remaining() is None  # 0: no limit


def _search_checks_the_deadline() -> bool:
    from search.engine.whoosh import searcher as search_module

    return "limits.check" in inspect.getsource(search_module)


needs_hook = pytest.mark.skipif(
    not _search_checks_the_deadline(),
    reason="search/search.py does not call search.core.limits.check yet (see RELIABILITY.md, 'time limit')",
)


@needs_hook
def test_search_over_its_time_limit_is_a_clear_error(seed_index: Path) -> None:
    from search import create_app

    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), "SEARCH_TIME_LIMIT": 1e-9})
    client = app.test_client()
    resp = client.get("/api/search?q=Gipfel")
    assert resp.status_code == 503
    error = resp.get_json()["error"]
    assert error["code"] == "search_timeout" and error["parameter"] == "q"
    assert "took too long" in error["message"]
    page = client.get("/?q=Gipfel")
    assert page.status_code in (400, 503)
    html = page.get_data(as_text=True)
    assert "took too long" in html and 'value="Gipfel"' in html  # the query stays in the box
    ok = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), "SEARCH_TIME_LIMIT": 30})
    assert ok.test_client().get("/api/search?q=Gipfel").status_code == 200


@needs_hook
def test_expensive_query_is_stopped_by_the_time_limit(wide_lexicon, monkeypatch) -> None:
    """A query that takes t seconds unlimited is stopped when the budget is a fraction of t."""
    from search.core.params import search_request

    # The response cache would answer the repeated query without searching at all.
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")
    from search.engine.whoosh.searcher import search

    q = " ".join(f"ab{chr(97 + i % 10)}{chr(97 + i // 10)}x~2" for i in range(MAX_CLAUSES))
    started = time.monotonic()
    search(wide_lexicon, search_request({"q": q}))
    took = time.monotonic() - started
    with limits.time_limit(took / 20), pytest.raises(limits.SearchTimeout):
        search(wide_lexicon, search_request({"q": q}))
    with limits.time_limit(took * 20 + 5):
        search(wide_lexicon, search_request({"q": q}))
