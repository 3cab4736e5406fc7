"""Exports of every result (issue 17): CSV, JSON Lines and RIS from ``/api/export`` and ``search query``.

CSV is read back with :mod:`csv` (as a spreadsheet would read it), RIS line by line. Streaming is checked
where it matters: over real HTTP (chunked, complete), in the engine (stored fields read only as the
stream is consumed), and against the per-client budgets of ``search.web.security``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import urllib.request
from pathlib import Path

import pytest

from search.core import export
from search.core.params import search_request
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.store import IndexStore

from .openapi_check import check

#: Titles and sources a spreadsheet would run as formulas.
HOSTILE = {
    "formel": {
        "title": '=HYPERLINK("https://evil.example/x","Klick")',
        "date": "2020-01-15",
        "source": "+Presse",
    },
    "minus": {"title": "-1 Prozent: Haushalt schrumpft", "date": "2020-02"},
    "at": {"title": "@SUMME(A1:A9) im Haushalt", "date": "2019", "url": "https://example.org/at"},
    "zitat": {"title": 'Er sagte: "Ja, gern"; danach, eine Pause', "date": "2020-03-01"},
}
TEXT = "Die Regierung in Berlin beschloss am Montag einen Haushalt über {word}. Der Bundestag stimmte zu."


class NoEntities:
    def __call__(self, articles: list) -> list[dict]:
        return [{} for _ in articles]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """A test client over an archive whose titles and sources start like spreadsheet formulas."""
    from search import create_app

    root = tmp_path_factory.mktemp("hostile-export")
    folder = root / "articles"
    folder.mkdir()
    for i, doc_id in enumerate(HOSTILE):
        (folder / f"{doc_id}.txt").write_text(TEXT.format(word=f"Posten{i}"), encoding="utf-8")
    (folder / "metadata.json").write_text(json.dumps(HOSTILE), encoding="utf-8")
    reindex(folder, root / "index", enrich=NoEntities())
    app = create_app(
        {"TESTING": True, "SEARCH_INDEX_DIR": str(root / "index"), "SEARCH_ARTICLES_DIR": str(folder)}
    )
    return app.test_client()


def api_ids(client, **params) -> list[str]:
    data = client.get("/api/search", query_string={"per_page": 100, **params}).get_json()
    return [h["id"] for h in data["results"]]


def read_csv(raw: bytes) -> list[dict[str, str]]:
    assert raw.startswith(codecs.BOM_UTF8), "no byte-order mark: a spreadsheet would misread the umlauts"
    text = raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")  # RFC 4180 line ends
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == list(export.CSV_COLUMNS) if rows else True
    return rows


RIS_LINE = re.compile(r"([A-Z][A-Z0-9])  - (.*)")


def read_ris(raw: bytes) -> list[dict[str, list[str]]]:
    """Records of an RIS file, line by line: every line ``TAG  - value``, records from TY to ER."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in raw.decode("utf-8").split("\r\n"):
        if not line:
            continue
        m = RIS_LINE.fullmatch(line)
        assert m, f"not an RIS line: {line!r}"
        tag, value = m.groups()
        if tag == "TY":
            assert current is None, "TY inside a record"
            current = {}
        assert current is not None, f"{tag} outside a record"
        current.setdefault(tag, []).append(value)
        if tag == "ER":
            records.append(current)
            current = None
    assert current is None, "the last record has no ER"
    return records


# ----------------------------------------------------------------------------- the three formats


def test_csv_export_is_complete_in_search_order_and_spreadsheet_ready(client) -> None:
    resp = client.get("/api/export", query_string={"format": "csv", "q": "Gipfel", "sort": "newest"})
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="nachrichtensuche-export.csv"'
    rows = read_csv(resp.get_data())
    expected = client.get("/api/search?q=Gipfel&sort=newest&per_page=100").get_json()
    assert [r["id"] for r in rows] == [h["id"] for h in expected["results"]]
    assert resp.headers["X-Total-Count"] == resp.headers["X-Export-Count"] == str(expected["total"])
    for row, hit in zip(rows, expected["results"], strict=True):
        assert row["title"] == hit["title"] and row["date"] == (hit["date"] or "")
        assert row["source"] == (hit["source"] or "") and row["link"] == f"http://localhost{hit['url']}"
        assert row["persons"].split("; ") == hit["persons"] if hit["persons"] else row["persons"] == ""
    assert "Präsident" in "".join(r["title"] for r in rows)  # umlauts survive


def test_csv_cells_that_would_be_formulas_are_neutralised(hostile) -> None:
    rows = {r["id"]: r for r in read_csv(hostile.get("/api/export?q=Haushalt").get_data())}
    assert rows["formel"]["title"] == "'" + HOSTILE["formel"]["title"]
    assert rows["formel"]["source"] == "'+Presse"
    assert rows["minus"]["title"] == "'-1 Prozent: Haushalt schrumpft"
    assert rows["at"]["title"] == "'@SUMME(A1:A9) im Haushalt"
    assert rows["zitat"]["title"] == HOSTILE["zitat"]["title"]  # quotes, commas and semicolons round-trip
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows.values() for cell in r.values())


@pytest.mark.parametrize("cell", ["=1+1", "+49 30", "-2", "@A1", "\tversteckt", "\r=1"])
def test_every_formula_start_is_neutralised(cell: str) -> None:
    hit = {"id": "x", "title": cell, "url": "/artikel/x", "persons": [cell], "countries": []}
    rows = read_csv(b"".join(export.csv_pieces([hit])))
    assert rows[0]["title"] == "'" + cell and rows[0]["persons"] == "'" + cell


def test_jsonl_export_has_one_hit_per_line_in_the_api_shape(client) -> None:
    resp = client.get("/api/export?format=jsonl&country=KP&sort=oldest&lang=en")
    assert resp.headers["Content-Type"] == "application/x-ndjson; charset=utf-8"
    lines = resp.get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    expected = client.get("/api/search?country=KP&sort=oldest&lang=en&per_page=100").get_json()["results"]
    assert [r["id"] for r in records] == [h["id"] for h in expected]
    for record, hit in zip(records, expected, strict=True):
        assert record == {
            **{k: v for k, v in hit.items() if k not in ("snippets", "score")},
            "link": record["link"],
        }
        assert record["link"] == "http://localhost" + hit["url"]
        check("Hit", {**record, "score": None, "snippets": []})
    assert records[0]["countries"][0]["label"] in {"North Korea", "United States", "South Korea"} or records


def test_ris_export_parses_line_by_line(client, hostile) -> None:
    resp = client.get("/api/export?format=ris&q=Trump&sort=newest")
    assert resp.headers["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    records = read_ris(resp.get_data())
    expected = client.get("/api/search?q=Trump&sort=newest&per_page=100").get_json()["results"]
    assert len(records) == len(expected)
    for record, hit in zip(records, expected, strict=True):
        assert record["TY"] == ["NEWS"] and record["ID"] == [hit["id"]] and record["TI"] == [hit["title"]]
        assert record["PY"] == [hit["date"][:4]] and record["DA"] == [hit["date"].replace("-", "/") + "/"]
        assert record["UR"] == [hit["source_url"] or f"http://localhost{hit['url']}"]
        assert record.get("T2", []) == ([hit["source"]] if hit["source"] else [])
        assert record.get("KW", []) == hit["persons"]
    by_id = {r["ID"][0]: r for r in read_ris(hostile.get("/api/export?format=ris&q=Haushalt").get_data())}
    assert by_id["minus"]["DA"] == ["2020/02//"] and by_id["at"]["DA"] == ["2019///"]  # precision kept
    assert by_id["at"]["UR"] == ["https://example.org/at"]  # the original; the archive page as L2
    assert by_id["at"]["L2"] == ["http://localhost/artikel/at"]


def test_ris_fields_never_break_a_line() -> None:
    hit = {"id": "x", "title": "Erste Zeile\r\nER  - zweite\u2028dritte", "url": "/artikel/x", "persons": []}
    records = read_ris(export.ris_record(hit).encode("utf-8"))
    assert records == [
        {
            "TY": ["NEWS"],
            "ID": ["x"],
            "TI": ["Erste Zeile ER  - zweite dritte"],
            "UR": ["/artikel/x"],
            "LA": ["de"],
            "ER": [""],
        }
    ]


# ----------------------------------------------------------------------------- streaming and limits


def test_export_streams_over_real_http(live_server: str) -> None:
    with urllib.request.urlopen(f"{live_server}/api/export?format=csv&sort=oldest", timeout=30) as r:
        assert r.headers.get("Transfer-Encoding") == "chunked" and r.headers.get("Content-Length") is None
        raw = r.read()
    rows = read_csv(raw)
    with urllib.request.urlopen(f"{live_server}/api/search?sort=oldest&per_page=100", timeout=30) as r:
        assert [row["id"] for row in rows] == [h["id"] for h in json.loads(r.read())["results"]]
    assert rows[0]["link"] == f"{live_server}/artikel/{rows[0]['id']}"


def test_export_reads_each_article_only_as_the_stream_is_consumed(seed_index: Path, monkeypatch) -> None:
    """Nothing is read before the first row is asked for, and one stored document per row after that: an
    export of 10,000 articles is never held in memory whole."""
    from search.engine.whoosh.engine import WhooshSnapshot

    snap = WhooshSnapshot(IndexStore(seed_index).current())
    searcher = snap.gen.searcher()  # this thread's searcher: the one the stream reads through
    reads: list[int] = []
    original = searcher.stored_fields
    monkeypatch.setattr(searcher, "stored_fields", lambda n: reads.append(n) or original(n))
    stream = snap.export(search_request({"sort": "oldest"}), limit=3)
    assert stream.total == 5 and stream.truncated and reads == []
    first = next(stream.hits)
    assert len(reads) == 1
    rest = list(stream.hits)
    assert len(reads) == 3 and len(rest) == 2  # the limit holds
    everything = snap.export(search_request({"sort": "oldest"}), limit=export.MAX_EXPORT_ROWS)
    assert [h["id"] for h in everything.hits][:3] == [first["id"], *(h["id"] for h in rest)]


def test_export_says_when_the_cap_cut_it(client, monkeypatch) -> None:
    monkeypatch.setattr("search.web.api.MAX_EXPORT_ROWS", 2)
    resp = client.get("/api/export?format=jsonl&sort=newest")
    assert resp.headers["X-Total-Count"] == "5" and resp.headers["X-Export-Count"] == "2"
    assert len(resp.get_data(as_text=True).splitlines()) == 2
    page = client.get("/?sort=newest").get_data(as_text=True)
    assert "Ein Export enthält die ersten 2 Treffer" not in page  # the page states the real cap only
    monkeypatch.setattr("search.web.views.MAX_EXPORT_ROWS", 2)
    assert "Ein Export enthält die ersten 2 Treffer" in client.get("/?sort=newest").get_data(as_text=True)


def test_export_errors_come_before_any_row_in_the_json_shape(client) -> None:
    for params, parameter in (
        ({"format": "xls"}, "format"),
        ({"date_from": "2018-13"}, "date_from"),
        ({"page": "0"}, "page"),
    ):
        resp = client.get("/api/export", query_string=params)
        assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("application/json")
        body = resp.get_json()
        check("Error", body)
        assert body["error"]["parameter"] == parameter


def test_export_keeps_the_clients_place_until_the_download_ends(seed_index: Path) -> None:
    """An export counts as one of the client's concurrent requests for as long as it streams (and against
    the API's rate limit): a client cannot open exports without bound."""
    from search import create_app

    app = create_app(
        {
            "TESTING": True,
            "SEARCH_INDEX_DIR": str(seed_index),
            "SEARCH_CLIENT_CONCURRENCY": "1",
            "SEARCH_RATE_LIMIT": "off",
        }
    )
    in_flight = app.extensions["search_in_flight"]
    client = app.test_client()
    download = client.get("/api/export?format=csv", buffered=False)
    assert download.status_code == 200
    chunks = iter(download.response)
    assert next(chunks).startswith(codecs.BOM_UTF8)
    assert in_flight.count("127.0.0.1") == 1
    refused = client.get("/api/search")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_at_once"
    rest = b"".join(chunks)
    download.close()
    assert rest and in_flight.count("127.0.0.1") == 0
    assert client.get("/api/search").status_code == 200


def test_exports_count_against_the_api_rate_limit(seed_index: Path) -> None:
    from search import create_app

    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), "SEARCH_RATE_LIMIT": "2/minute"})
    client = app.test_client()
    assert [client.get("/api/export").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/export?format=ris")
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "rate_limited"


def test_export_stops_at_the_time_budget_before_sending_anything(seed_index: Path) -> None:
    from search import create_app

    app = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), "SEARCH_TIME_LIMIT": "0.000001"})
    resp = app.test_client().get("/api/export?format=csv&q=Atom*")
    assert resp.status_code == 503 and resp.get_json()["error"]["code"] == "search_timeout"


# ----------------------------------------------------------------------------- the command line


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "ris"])
def test_cli_export_writes_the_same_file_as_the_api(runner, seed_index: Path, client, fmt: str) -> None:
    from search.cli.commands import main

    args = [
        "query",
        "Gipfel",
        "--index",
        str(seed_index),
        "--format",
        fmt,
        "--from",
        "2018-05",
        "--sort",
        "newest",
    ]
    result = runner.invoke(main, [*args, "--base-url", "http://localhost/"])
    assert result.exit_code == 0, result.output
    web = client.get(f"/api/export?format={fmt}&q=Gipfel&date_from=2018-05&sort=newest").get_data()
    assert result.stdout_bytes == web
    if fmt == "csv":
        assert [r["id"] for r in read_csv(result.stdout_bytes)] == api_ids(
            client, q="Gipfel", date_from="2018-05", sort="newest"
        )


def test_cli_export_without_base_url_links_relative_and_rejects_bad_ranges(runner, seed_index: Path) -> None:
    from search.cli.commands import main

    result = runner.invoke(main, ["query", "--index", str(seed_index), "--format", "ris"])
    assert result.exit_code == 0
    assert len(read_ris(result.stdout_bytes)) == 5 and b"UR  - /artikel/" in result.stdout_bytes
    bad = runner.invoke(main, ["query", "--index", str(seed_index), "--format", "csv", "--to", "2018-02-30"])
    assert bad.exit_code == 2 and "date_to" in bad.output and not bad.stdout_bytes.startswith(codecs.BOM_UTF8)


def test_a_real_server_gives_the_place_back_after_each_download(seed_index: Path) -> None:
    """waitress closes each finished stream: with one request at a time allowed, exports one after the
    other (and a search after them) are all served; none leaks its place."""
    from .conftest import SEEDS, start_server, stop_server

    proc, base = start_server(
        seed_index, SEEDS, {"SEARCH_CLIENT_CONCURRENCY": "1", "SEARCH_RATE_LIMIT": "1000/minute"}
    )
    try:
        for fmt in ("csv", "jsonl", "ris", "csv"):
            with urllib.request.urlopen(f"{base}/api/export?format={fmt}", timeout=30) as r:
                assert r.status == 200 and r.read()
        with urllib.request.urlopen(f"{base}/api/search?q=Gipfel", timeout=30) as r:
            assert r.status == 200
    finally:
        stop_server(proc)
