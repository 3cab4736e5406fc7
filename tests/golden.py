"""Golden files: what the running server answers over HTTP, recorded once and compared after a change.

Why: a refactor of the package layout must not change behaviour. This module proves it from the outside:
it builds an index with the ``search`` command line, starts ``search serve``, sends a fixed list of
requests with :mod:`urllib` and compares the normalised answers with a stored record. It never imports the
``search`` package, so it runs unchanged whatever the package looks like inside.

Two request sets:

* ``seeds``: the five articles in ``seeds/``; the golden file holds the full normalised answers.
* ``fang``: the first 300 FANG-COVID articles (written by :mod:`benchmarks.corpora` from ``../shared``).
  Their text must not be committed, so the golden file holds per request only the status, a sha256 of the
  canonical normalised body and a few numbers (hits, ids and scores of the first hits, facet counts).

Volatile parts are normalised away (see :data:`VOLATILE_KEYS` and :func:`scrub_text`): the time a search
took, the index generation's name, the time of the last reindex and the server's address.

Usage, from the repository root::

    .venv/bin/python -m tests.golden record --set seeds      # writes tests/data/golden/seeds.json
    .venv/bin/python -m tests.golden check --set fang        # compares with tests/data/golden/fang300.json
    .venv/bin/python -m tests.golden volatile --set seeds    # what differs between runs before normalising

``GOLDEN_SHARED_DIR`` (or ``--shared``) names the shared folder when the checkout is not beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "data" / "golden"
SEEDS_DIR = ROOT / "seeds"
#: The shared data beside the repository (as in tests/conftest.py and benchmarks/corpora.py).
DEFAULT_SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
FANG_ARTICLES = 300
#: JSON keys whose values change from run to run with the same articles and code: ``took_ms`` is a
#: timing, ``generation`` names the index folder (``gen-000001`` after one full reindex, another name
#: after the next). Both are dropped wherever they occur.
VOLATILE_KEYS = frozenset({"took_ms", "generation"})
#: Numbers kept for the FANG set: ids and scores of this many first hits.
FIRST_HITS = 10
MAX_SHOWN = 300  # characters of an old or new value shown in a difference
SERVER_START_SECONDS = 180
REQUEST_TIMEOUT_SECONDS = 120

NOTE = (
    "Recorded by tests/golden.py from `search serve` over HTTP. Normalised: the keys took_ms and generation "
    "dropped; the server address, index generation names and the reindex time replaced by placeholders."
)

_GENERATION = re.compile(r"\bgen-\d{6}\b")
# The time of the last reindex on /statistik; article dates are bare days (no "T"), never matched.
_TIMESTAMP = re.compile(r'<time datetime="\d{4}-\d\d-\d\dT[^"]*">[^<]*</time>')
_ARTICLE_LINK = re.compile(r'href="/artikel/([^"?#]+)')


def _url(path: str, *params: tuple[str, str]) -> str:
    """A request path with percent-encoded parameters (keeps ``: * ~ ,`` readable)."""
    if not params:
        return quote(path, safe="/:")
    query = "&".join(f"{k}={quote(v, safe=':*~,')}" for k, v in params)
    return f"{quote(path, safe='/:')}?{query}"


_S = "/api/search"
_A1, _A2, _A3, _A4, _A5 = (
    "000_19562264cc7ac219",
    "001_97987ffb7de63694",
    "002_96c8ceafc6e47d4f",
    "003_2eafdbd6af974de4",
    "004_3edf93f4457be493",
)

#: The seeds set: JSON API (search, articles, suggestions, facet search, errors) and the HTML pages, in
#: German and English. Values come from the seeds' facets (persons, countries, dates, sources).
REQUESTS: list[str] = [
    # --- /api/search: query language
    _url(_S),
    _url(_S, ("q", "Pompeo")),
    _url(_S, ("q", "Nordkorea Gipfel")),
    _url(_S, ("q", '"Kim Jong-un"')),
    _url(_S, ("q", '"auf höchster Ebene"')),
    _url(_S, ("q", "Atom*")),
    _url(_S, ("q", "Pjoengjang")),
    _url(_S, ("q", "Pompei~")),
    _url(_S, ("q", "Singapur OR Vietnam")),
    _url(_S, ("q", "Gipfel NOT Singapur")),
    _url(_S, ("q", "Trump -Vietnam")),
    _url(_S, ("q", "(Trump ODER Putin")),
    _url(_S, ("q", "person:Pompeo")),
    _url(_S, ("q", "land:Russland")),
    _url(_S, ("q", "country:JP Abe")),
    _url(_S, ("q", "date:2018-05")),
    _url(_S, ("q", "date:[2018-04 TO 2018-05]")),
    _url(_S, ("q", "erwähnt:1953")),
    _url(_S, ("q", "titel:Gipfel")),
    _url(_S, ("q", "quelle:dpa")),
    _url(_S, ("q", "Atomwaffenprogramm")),
    _url(_S, ("q", "US-Präsident")),
    _url(_S, ("q", "Xyzzy")),
    _url(_S, ("q", "Gipfl")),
    _url(_S, ("q", "Atomwafen")),
    _url(_S, ("q", "Nordkorea Fußball")),
    # --- /api/search: filters, sorting, paging, facets, language
    _url(_S, ("person", "Mike Pompeo")),
    _url(_S, ("person", "Donald Trump"), ("person", "Shinzo Abe")),
    _url(_S, ("country", "RU")),
    _url(_S, ("country", "CN"), ("country", "RU")),
    _url(_S, ("date", "2018-05")),
    _url(_S, ("date", "2019")),
    _url(_S, ("mentioned", "1953")),
    _url(_S, ("source", "dpa")),
    _url(_S, ("q", "Gipfel"), ("person", "Kim Jong-un"), ("country", "KR")),
    _url(_S, ("q", "Gipfel"), ("sort", "newest")),
    _url(_S, ("sort", "oldest"), ("per_page", "3")),
    _url(_S, ("q", "Trump"), ("per_page", "2"), ("page", "2")),
    _url(_S, ("facet_size", "3")),
    _url(_S, ("date", "2018"), ("facet_size", "50")),
    _url(_S, ("q", "Gipfel"), ("country", "KP"), ("lang", "en")),
    _url(_S, ("date", "2018"), ("lang", "en")),
    # --- /api/articles, /api/suggest, /api/facets
    _url(f"/api/articles/{_A1}"),
    _url(f"/api/articles/{_A3}", ("q", "Steak")),
    _url(f"/api/articles/{_A4}", ("q", '"Kim Jong Un"'), ("lang", "en")),
    _url("/api/suggest", ("q", "Pj")),
    _url("/api/suggest", ("q", "Nordkorea Tr")),
    _url("/api/suggest", ("q", "ru"), ("lang", "en")),
    _url("/api/facets/person", ("prefix", "ki")),
    _url("/api/facets/country", ("prefix", "s")),
    _url("/api/facets/country", ("prefix", "s"), ("lang", "en")),
    _url("/api/facets/mentioned"),
    _url("/api/facets/source", ("q", "Trump")),
    _url("/api/openapi.json"),
    # --- errors: 4xx JSON
    _url(_S, ("date", "2018-13")),
    _url(_S, ("q", "date:2018-13")),
    _url(_S, ("page", "99999")),
    _url(_S, ("per_page", "abc")),
    _url(_S, ("sort", "best")),
    _url(_S, ("country", "XYZ")),
    _url("/api/facets/foo"),
    _url("/api/articles/nope"),
    _url("/api/nothing"),
    # --- HTML pages
    _url("/"),
    _url("/", ("lang", "en")),
    _url("/", ("q", "Pompeo"), ("person", "Donald Trump"), ("country", "KP")),
    _url("/", ("q", "Gipfel"), ("date", "2018"), ("sort", "newest"), ("lang", "en")),
    _url("/", ("q", "Gipfl")),
    _url("/", ("q", "Xyzzy"), ("country", "KP")),
    _url("/", ("q", "Trump"), ("person_prefix", "ki"), ("facet_size", "50")),
    _url("/", ("q", "date:2018-13")),
    _url(f"/artikel/{_A1}"),
    _url(f"/artikel/{_A2}", ("q", "Pompeo")),
    _url(f"/artikel/{_A5}", ("q", "Gipfel"), ("lang", "en")),
    _url("/artikel/nope"),
    _url("/person/Donald Trump"),
    _url("/person/Kim Jong-un", ("lang", "en")),
    _url("/person/Niemand"),
    _url("/land/KP"),
    _url("/land/RU", ("lang", "en")),
    _url("/land/kp"),
    _url("/land/XX"),
    _url("/statistik"),
    _url("/statistik", ("lang", "en")),
    _url("/hilfe"),
    _url("/hilfe", ("lang", "en")),
    _url("/opensearch.xml"),
    _url("/suggest.json", ("q", "Pj")),
]

#: The FANG-COVID sample (first 300 articles): persons and countries among the index's top facet values
#: (Angela Merkel 71 articles, Donald Trump 89, Joe Biden 28, Christian Drosten 20; DE 202, US 196, SE 61,
#: IT 64), frequent words of its news (Corona 265, Pandemie 153, Impfung 62), the query language over them.
FANG_REQUESTS: list[str] = [
    _url(_S, ("facet_size", "25")),
    _url(_S, ("q", "Corona")),
    _url(_S, ("q", "Impfung")),
    _url(_S, ("q", "Pandemie"), ("per_page", "20"), ("page", "2")),
    _url(_S, ("q", "Maske OR Masken")),
    _url(_S, ("q", '"Bill Gates"')),
    _url(_S, ("q", "Impf*")),
    _url(_S, ("q", "Drosden~")),
    _url(_S, ("q", "Merkel NOT Trump")),
    _url(_S, ("q", "person:Spahn")),
    _url(_S, ("q", "land:Schweden")),
    _url(_S, ("q", "date:2020-11 Lockdown")),
    _url(_S, ("q", "Kinder Schule")),
    _url(_S, ("q", "Impstoff")),
    _url(_S, ("q", "Wirecard")),
    _url(_S, ("q", "Pandemie Gesundheitsamt Xylophon")),
    _url(_S, ("q", "Virus"), ("sort", "newest")),
    _url(_S, ("person", "Angela Merkel")),
    _url(_S, ("person", "Donald Trump"), ("person", "Joe Biden")),
    _url(_S, ("country", "SE")),
    _url(_S, ("country", "DE"), ("country", "IT"), ("facet_size", "20")),
    _url(_S, ("date", "2020"), ("facet_size", "20")),
    _url(_S, ("mentioned", "2019")),
    _url(_S, ("q", "Corona"), ("date", "2021"), ("lang", "en")),
    _url("/api/facets/person", ("prefix", "an")),
    _url("/api/facets/country", ("prefix", "s"), ("lang", "en")),
    _url("/api/suggest", ("q", "Imp")),
    _url("/api/suggest", ("q", "Corona Dro")),
    _url("/api/articles/fang-0", ("q", "Klima")),
    _url("/api/articles/fang-150"),
    _url("/", ("q", "Impfung"), ("country", "DE")),
    _url("/", ("q", "Corona"), ("person", "Angela Merkel"), ("lang", "en")),
    _url("/artikel/fang-0", ("q", "Greta")),
    _url("/artikel/fang-42", ("lang", "en")),
    _url("/person/Angela Merkel"),
    _url("/person/Christian Drosten", ("lang", "en")),
    _url("/land/SE"),
    _url("/land/US", ("lang", "en")),
    _url("/statistik"),
]


@dataclass(frozen=True)
class GoldenSet:
    """A request set with its articles and golden file; ``hashed``: store hashes and numbers, not text."""

    name: str
    requests: list[str]
    filename: str
    hashed: bool


SETS = {
    "seeds": GoldenSet("seeds", REQUESTS, "seeds.json", hashed=False),
    "fang": GoldenSet("fang", FANG_REQUESTS, "fang300.json", hashed=True),
}


# ----------------------------------------------------------------------------- fetching and normalising


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are behaviour too: record the 301 itself, not the page it leads to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def scrub_text(text: str, base: str) -> str:
    """Replace what differs between runs in a text body: server address, generation name, reindex time."""
    text = text.replace(base, "<BASE>")
    text = _GENERATION.sub("gen-<GENERATION>", text)
    return _TIMESTAMP.sub('<time datetime="<CREATED>"><CREATED></time>', text)


def _scrub_json(value: Any, base: str) -> Any:
    """Drop :data:`VOLATILE_KEYS` at any depth and scrub strings (URLs of ``/suggest.json``)."""
    if isinstance(value, dict):
        return {k: _scrub_json(v, base) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_scrub_json(v, base) for v in value]
    if isinstance(value, str):
        return scrub_text(value, base)
    return value


def fetch(base: str, request: str, normalise: bool = True) -> dict[str, Any]:
    """One GET: status, content type, Location of a redirect, and the body (JSON parsed, else text)."""
    try:
        with _OPENER.open(base + request, timeout=REQUEST_TIMEOUT_SECONDS) as resp:
            status, headers, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    content_type = headers.get("Content-Type", "")
    text = raw.decode("utf-8", errors="replace")  # an undecodable byte is a difference, not a crash
    body: Any = json.loads(text) if "json" in content_type else text
    out: dict[str, Any] = {"status": status, "content_type": content_type}
    if headers.get("Location"):
        out["location"] = headers["Location"]
    if normalise:
        body = _scrub_json(body, base) if not isinstance(body, str) else scrub_text(body, base)
        if "location" in out:
            out["location"] = scrub_text(out["location"], base)
    out["body"] = body
    return out


def fetch_all(base: str, requests: list[str], normalise: bool = True) -> dict[str, dict[str, Any]]:
    """Every request against the server at ``base``: {request: {"status", "content_type", "body", ...}}."""
    return {request: fetch(base, request, normalise) for request in requests}


# ----------------------------------------------------------------------------- hashed summaries


def canonical(body: Any) -> str:
    """The text hashed for a body: sorted-key compact JSON, or the normalised text itself."""
    if isinstance(body, str):
        return body
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256(body: Any) -> str:
    """Hex sha256 of :func:`canonical`: equal bodies, equal hashes, whatever the key order."""
    return hashlib.sha256(canonical(body).encode("utf-8")).hexdigest()


def _facet_counts(entries: list[dict]) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for e in entries:
        out[str(e.get("value"))] = e.get("count")
        out.update(_facet_counts(e.get("children") or []))
    return out


def _numbers(body: Any) -> dict[str, Any]:
    """Non-textual facts of a body that point at what changed when its hash differs."""
    if isinstance(body, str):
        return {
            "chars": len(body),
            "lines": body.count("\n") + 1,
            "marks": body.count("<mark>"),
            "article_links": list(dict.fromkeys(_ARTICLE_LINK.findall(body)))[:20],
        }
    if not isinstance(body, dict):
        return {"items": len(body) if isinstance(body, list) else None}
    out: dict[str, Any] = {}
    if "error" in body:
        out["error_code"] = body["error"].get("code")
        out["error_parameter"] = body["error"].get("parameter")
    for key in ("total", "page", "per_page", "match"):
        if key in body:
            out[key] = body[key]
    if "suggestion" in body:
        out["has_suggestion"] = body["suggestion"] is not None
    if isinstance(body.get("results"), list):
        first = body["results"][:FIRST_HITS]
        out["ids"] = [r.get("id") for r in first]
        out["scores"] = [r.get("score") for r in first]
    if isinstance(body.get("facets"), dict):
        out["facets"] = {name: _facet_counts(entries) for name, entries in body["facets"].items()}
        out["facet_totals"] = body.get("facet_totals")
    if isinstance(body.get("values"), list):  # /api/facets/<name>
        out["values"] = _facet_counts(body["values"])
    if isinstance(body.get("suggestions"), list):
        out["suggestions"] = [s.get("kind") for s in body["suggestions"]]
    if "text" in body and "id" in body:  # /api/articles/<id>
        out["id"] = body["id"]
        out["text_chars"] = len(body["text"] or "")
        for key in ("person_mentions", "country_mentions"):
            out[key] = body.get(key)
        out["mentioned"] = body.get("mentioned")
    out["parts"] = _part_hashes(body)
    return out


def _part_hashes(body: dict) -> dict[str, str]:
    """Short hashes per top-level key and per key of the items of a list of objects
    (``results[].snippets``), so that a changed hash says which part of the answer changed.
    """
    out = {}
    for key, value in body.items():
        out[key] = sha256(value)[:16]
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for sub in dict.fromkeys(k for v in value for k in v):
                out[f"{key}[].{sub}"] = sha256([v.get(sub) for v in value])[:16]
    return out


def summarise(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Hashes and numbers instead of bodies (for corpora whose text must not be committed)."""
    out = {}
    for request, r in results.items():
        entry = {k: v for k, v in r.items() if k != "body"}
        entry["sha256"] = sha256(r["body"])
        entry["numbers"] = _numbers(r["body"])
        out[request] = entry
    return out


# ----------------------------------------------------------------------------- comparing


class Difference(NamedTuple):
    """One difference between the golden record and a fresh run."""

    request: str
    path: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.request}  {self.path}:\n    old: {_show(self.old)}\n    new: {_show(self.new)}"


_ABSENT = "<absent>"


def _show(value: Any) -> str:
    text = value if isinstance(value, str) and "\n" in value else json.dumps(value, ensure_ascii=False)
    text = text.replace("\n", "\n         ")
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + f" … ({len(text):,} chars)"


def _diff(request: str, path: str, old: Any, new: Any, out: list[Difference]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            _diff(request, f"{path}.{key}", old.get(key, _ABSENT), new.get(key, _ABSENT), out)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            out.append(Difference(request, f"{path} (length)", len(old), len(new)))
        for i in range(max(len(old), len(new))):
            _diff(
                request,
                f"{path}[{i}]",
                old[i] if i < len(old) else _ABSENT,
                new[i] if i < len(new) else _ABSENT,
                out,
            )
    elif isinstance(old, str) and isinstance(new, str) and "\n" in old + new and old != new:
        a, b = old.splitlines(), new.splitlines()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if tag != "equal":
                where = f"{path} lines {i1 + 1}-{i2}" if i2 > i1 else f"{path} after line {i1}"
                out.append(Difference(request, where, "\n".join(a[i1:i2]), "\n".join(b[j1:j2])))
    elif old != new or type(old) is not type(new):
        out.append(Difference(request, path, old, new))


def compare(golden: dict[str, Any], fresh: dict[str, Any]) -> list[Difference]:
    """Every difference between a golden file's ``responses`` and a fresh run, request by request."""
    old, new = golden["responses"], fresh["responses"]
    out: list[Difference] = []
    for request in list(old) + [r for r in new if r not in old]:
        if request not in new:
            out.append(Difference(request, "(request)", "recorded", "not run"))
        elif request not in old:
            out.append(Difference(request, "(request)", "not recorded", "run"))
        else:
            _diff(request, "", old[request], new[request], out)
    return out


def compare_file(path: Path, fresh: dict[str, Any]) -> list[Difference]:
    """:func:`compare` against a golden JSON file."""
    return compare(json.loads(path.read_text(encoding="utf-8")), fresh)


def format_differences(diffs: list[Difference], limit: int = 60) -> str:
    """The first ``limit`` differences, one block each, with the number of changed requests."""
    requests = len({d.request for d in diffs})
    head = f"{len(diffs)} difference(s) in {requests} request(s):"
    more = [f"... and {len(diffs) - limit} more"] if len(diffs) > limit else []
    return "\n".join([head, *(str(d) for d in diffs[:limit]), *more])


# ----------------------------------------------------------------------------- index and server


def search_command() -> str:
    """The project's ``search`` command: beside this Python (the venv), else on PATH."""
    beside = Path(sys.executable).with_name("search")
    if beside.is_file():
        return str(beside)
    found = shutil.which("search")
    if not found:
        raise RuntimeError("the `search` command is not installed (run scripts/setup.sh)")
    return found


def _env() -> dict[str, str]:
    """The caller's environment without SEARCH_* settings, so the defaults are what is recorded.

    Rate limiting is off (one client sends every request) and so is the per-request time budget (a busy
    machine must not turn a search into a 503).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCH_")}
    return env | {"SEARCH_RATE_LIMIT": "off", "SEARCH_TIME_LIMIT": "0"}


def build_index(articles: Path, index: Path, search: str | None = None, full: bool = True) -> None:
    """``search reindex [--full] --ner``: the default entity extraction. Raises with its output on failure."""
    cmd = [search or search_command(), "reindex", "--ner", "--articles", str(articles), "--index", str(index)]
    done = subprocess.run(
        [*cmd, "--full"] if full else cmd, env=_env(), capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(base: str) -> bool:
    try:
        with _OPENER.open(base + "/healthz", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer: the server is up
    except OSError:
        return False


@contextlib.contextmanager
def running_server(articles: Path, index: Path, search: str | None = None) -> Iterator[str]:
    """``search serve`` on a free port of 127.0.0.1; yields its base URL, stops it afterwards.

    Its output goes to a file beside the index (never an unread pipe) and is shown if it fails to start.
    """
    port = _free_port()
    log = index.parent / f"serve-{port}.log"
    cmd = [search or search_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--index", str(index), "--articles", str(articles)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=_env(), stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not _answers(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`search serve` did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ----------------------------------------------------------------------------- articles of a set


def shared_dir() -> Path:
    """``GOLDEN_SHARED_DIR`` if set, else ``../shared`` beside the repository."""
    return Path(os.environ.get("GOLDEN_SHARED_DIR") or DEFAULT_SHARED_DIR)


def write_fang_sample(folder: Path, shared: Path | None = None) -> Path:
    """The first 300 FANG-COVID articles as .txt files with sidecars, by benchmarks.corpora.write_fang."""
    from benchmarks import corpora

    fang_dir = (shared or shared_dir()) / "corpora" / "fang-covid"
    # corpora finds the data beside its own checkout; point it at the shared folder given here instead
    with mock.patch.object(corpora, "FANG_DIR", fang_dir):
        info = corpora.write_fang(folder, FANG_ARTICLES)
    if info.articles != FANG_ARTICLES:
        raise RuntimeError(f"FANG-COVID sample has {info.articles} articles, expected {FANG_ARTICLES}")
    return info.folder


def articles_for(name: str, workdir: Path, shared: Path | None = None) -> Path:
    """The articles folder of a set: the seeds in place, or the FANG sample written under ``workdir``."""
    if name == "seeds":
        return SEEDS_DIR
    return write_fang_sample(workdir / "fang-articles", shared)


# ----------------------------------------------------------------------------- record and check


def run(name: str, shared: Path | None = None, search: str | None = None) -> dict[str, Any]:
    """Build a fresh index of a set in a temporary folder, serve it, send its requests: the golden data."""
    gset = SETS[name]
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal mark
        timings[step] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix=f"golden-{name}-") as tmp:
        work = Path(tmp)
        articles = articles_for(name, work, shared)
        lap("articles")
        build_index(articles, work / "index", search)
        lap("reindex")
        with running_server(articles, work / "index", search) as base:
            lap("server_start")
            results = fetch_all(base, gset.requests)
            lap("requests")
    return {
        "set": name,
        "note": NOTE,
        "requests": len(gset.requests),
        "responses": summarise(results) if gset.hashed else results,
        "timings": timings,  # seconds; not behaviour, never written to a golden file
    }


def golden_path(name: str) -> Path:
    """Where a set's golden file lives in the repository."""
    return GOLDEN_DIR / SETS[name].filename


def record(name: str, out: Path | None = None, shared: Path | None = None) -> dict[str, Any]:
    """Run a set and write its golden file (timings are left out: they are not behaviour)."""
    data = run(name, shared)
    path = out or golden_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = {k: v for k, v in data.items() if k != "timings"}
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def check(name: str, golden: Path | None = None, shared: Path | None = None) -> list[Difference]:
    """Run a set and compare it with its golden file; an empty list means unchanged behaviour."""
    return compare_file(golden or golden_path(name), run(name, shared))


def volatility(name: str, shared: Path | None = None) -> dict[str, list[Difference]]:
    """Where raw answers differ between runs: same server twice, after a restart with a no-op reindex,
    after a full reindex of the same folder and on a second fresh index; and whether the normalised
    answers still differ anywhere.
    """
    requests = SETS[name].requests
    out: dict[str, list[Difference]] = {}
    with tempfile.TemporaryDirectory(prefix=f"golden-volatile-{name}-") as tmp:
        work = Path(tmp)
        articles = articles_for(name, work, shared)
        runs: dict[str, tuple[dict, dict]] = {}

        def both(base: str) -> tuple[dict, dict]:
            return fetch_all(base, requests, normalise=False), fetch_all(base, requests)

        build_index(articles, work / "a")
        with running_server(articles, work / "a") as base:
            runs["first"] = both(base)
            runs["same server again"] = both(base)
        build_index(articles, work / "a", full=False)  # no-op: `search serve` runs one on start, too
        with running_server(articles, work / "a") as base:
            runs["restart after no-op reindex"] = both(base)
        build_index(articles, work / "a")  # the same articles again, as the next generation
        with running_server(articles, work / "a") as base:
            runs["full reindex of the same folder"] = both(base)
        build_index(articles, work / "b")
        with running_server(articles, work / "b") as base:
            runs["second fresh index"] = both(base)
    raw0, norm0 = runs.pop("first")
    for label, (raw, norm) in runs.items():
        out[f"raw: {label}"] = compare({"responses": raw0}, {"responses": raw})
        out[f"normalised: {label}"] = compare({"responses": norm0}, {"responses": norm})
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.golden record|check|volatile --set seeds|fang [--out FILE] [--shared DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["record", "check", "volatile"])
    parser.add_argument("--set", dest="name", choices=sorted(SETS), default="seeds")
    parser.add_argument(
        "--out", "--file", dest="path", type=Path, help="golden file (default: in GOLDEN_DIR)"
    )
    parser.add_argument("--shared", type=Path, help="shared folder (default: GOLDEN_SHARED_DIR, ../shared)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    path = args.path or golden_path(args.name)
    if args.command == "record":
        data = record(args.name, path, args.shared)
        print(f"recorded {data['requests']} requests to {path}; seconds: {data['timings']}")
    elif args.command == "check":
        data = run(args.name, args.shared)
        diffs = compare_file(path, data)
        print(f"ran {data['requests']} requests; seconds: {data['timings']}")
        if diffs:
            print(format_differences(diffs, limit=500))
            return 1
        print(f"{args.name}: every request answers as recorded in {path}")
    else:
        for label, diffs in volatility(args.name, args.shared).items():
            print(f"== {label}: {len(diffs)} difference(s)")
            for d in diffs:
                print(d)
    print(f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
