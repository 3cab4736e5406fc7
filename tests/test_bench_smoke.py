"""Smoke test of the archive-scale benchmark (benchmarks/run.py) at a tiny size.

It checks that every step runs and produces sane figures, never how fast anything is: the benchmark is a
measuring tool, not a timed test. Tantivy is compared only when it is installed (the ``bench`` extra).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import run as bench
from benchmarks.corpora import write_fang, write_synthetic
from benchmarks.tantivy_ref import available


def test_benchmark_runs_end_to_end_at_a_tiny_size(tmp_path: Path) -> None:
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\n## Ranking quality\n\nkept as is\n", encoding="utf-8")
    http = 2 if shutil.which("wrk") else 0
    argv = ["--corpus", "synthetic", "--size", "50", "--no-ner", "--queries", "12", "--repeat", "1"]
    argv += ["--http", str(http), "--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "results")]
    argv += ["--write-md", "--md-path", str(md)]
    result = bench.main(argv)

    rx = result["reindex"]
    assert rx["articles"] == 50 and rx["skipped"] == 0
    assert rx["seconds"] > 0 and rx["articles_per_s"] > 0
    assert rx["peak_rss_mb"] > 10  # a Python process tree was sampled
    assert rx["index_bytes"] > 0 and rx["noop_added"] == 0
    q = result["queries"]
    assert q["queries"] == 12 and q["ours"]["samples"] == 12
    assert 0 < q["ours"]["median_ms"] <= q["ours"]["p95_ms"] <= q["ours"]["p99_ms"]
    assert q["ours_facets"]["median_ms"] > 0
    assert all(row["total"] >= 0 for row in q["per_query"])
    assert any(row["total"] > 0 for row in q["per_query"])  # the facet-only/prefix requests find articles
    if available():
        assert result["tantivy_index"]["docs"] == 50
        assert q["tantivy"]["samples"] == 12
        assert result["ratios"]["query_median"] > 0
    if http:
        assert result["http"]["requests"] > 0
        assert result["http"]["non_2xx"] == 0

    saved = json.loads((tmp_path / "results" / "main-synthetic-50-noner.json").read_text())
    assert saved["key"] == "synthetic-50-noner"
    text = md.read_text(encoding="utf-8")
    assert "## Ranking quality\n\nkept as is" in text  # sections of others are kept
    assert text.count(bench.MD_START) == 1 and text.count(bench.MD_END) == 1
    assert "Performance at archive scale" in text


def test_server_configurations_are_driven_in_turn(seed_index: Path, tmp_path: Path) -> None:
    """``benchmarks.serve_configs`` (how the threads per gunicorn worker were chosen) runs real servers of
    each configuration over copies of an index and reports figures for each; it asserts no speed."""
    from benchmarks import serve_configs

    from .conftest import SEEDS

    argv = ["--index", str(seed_index), "--articles", str(SEEDS), "--reps", "2", "--seconds", "1"]
    argv += ["--config", "workers=1", "--config", "workers=2,threads=2", "--clients", "2"]
    argv += ["--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "configs.json")]
    totals = serve_configs.main(argv)

    assert list(totals) == ["workers=1", "workers=2,threads=2"]
    for t in totals.values():
        assert len(t["rounds"]) == 2 and t["requests"] > 0 and t["requests_per_s"] > 0 and t["non_2xx"] == 0
        assert t["cpu_ms_per_request"] > 0 and t["rss_mb_largest_process"] > 5
    assert json.loads((tmp_path / "configs.json").read_text()) == totals
    assert serve_configs.parse_config("workers=2,threads=4") == {
        "workers": 2,
        "threads": 4,
        "name": "workers=2,threads=4",
    }
    with pytest.raises(SystemExit):
        serve_configs.parse_config("workers=2,procs=3")


def test_placeholders_resolve_against_the_index_values() -> None:
    queries = [
        {
            "kind": "f",
            "params": {"q": "", "person": ["@top:person:0", "@top:person:1"], "date": "@top:month:0"},
        },
        {"kind": "g", "params": {"q": "x", "country": "@top:country:5"}},
    ]
    tops = {"person": ["A", "B"], "country": ["DE"], "month": ["2020-03"], "year": ["2020"]}
    ready, skipped = bench.resolve(queries, tops)
    assert ready[0]["resolved"] == {"q": "", "person": ["A", "B"], "date": "2020-03"}
    assert [s["kind"] for s in skipped] == ["g"]


def test_committed_query_mix_is_valid() -> None:
    from search.core.params import search_request

    queries = bench.load_queries()
    assert len(queries) >= 30
    kinds = {q["kind"] for q in queries}
    assert {"word", "and", "or", "phrase", "prefix", "facet-only", "filter-3", "sorted"} <= kinds
    tops = {f: ["X1", "X2", "X3"] for f in ("person", "source")}
    tops |= {"country": ["DE", "AT", "FR"], "mentioned": ["2020", "2020-03"], "year": ["2020"]}
    tops |= {"month": ["2020-03", "2020-04", "2020-05"], "date": ["2020", "2020-03"]}
    ready, skipped = bench.resolve(queries, tops)
    assert not skipped
    for q in ready:
        search_request(q["resolved"])  # raises on an invalid parameter


def test_corpus_folders_follow_the_sidecar_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import corpora
    from search.enrich.ingest import read_sidecar

    monkeypatch.setattr(corpora, "FOLDER_SIZE", 10)  # 1,000 in real runs
    info = write_synthetic(tmp_path / "s", 25)
    parts = sorted(p for p in info.folder.iterdir() if p.is_dir())
    assert [len(list(p.glob("*.txt"))) for p in parts] == [10, 10, 5]
    meta, warnings = read_sidecar(parts[2])
    assert not warnings and len(meta) == 5 and all(m.date and m.source for m in meta.values())
    assert write_synthetic(tmp_path / "s", 25).articles == 25  # reused, not rewritten


def test_scaling_series_uses_synthetic_text_above_fang_covid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--scaling`` as in the real series (FANG-COVID up to its 41,242 articles, synthetic above), tiny."""
    from benchmarks import corpora

    monkeypatch.setattr(bench, "FANG_SIZE", 30)  # stands for 41,242: 45 is "beyond FANG-COVID"
    monkeypatch.setattr(corpora, "FOLDER_SIZE", 20)
    monkeypatch.setenv("SEARCH_CACHE_SIZE", "0")  # time searches, not the response cache
    md = tmp_path / "BENCHMARKS.md"
    argv = ["--scaling", "--sizes", "20,45", "--no-ner", "--no-tantivy", "--queries", "6", "--repeat", "1"]
    argv += ["--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "results")]
    result = bench.main([*argv, "--write-md", "--md-path", str(md)])

    assert result["corpus"]["name"] == "synthetic" and result["corpus"]["articles"] == 45
    assert result["reindex"]["articles"] == 45 and result["queries"]["ours"]["samples"] == 6
    fang_there = any(corpora.FANG_DIR.glob("*.jsonl.gz"))
    saved = sorted(p.name for p in (tmp_path / "results").glob("scaling-*.json"))
    assert saved == ["scaling-fang-20-noner.json"] * fang_there + ["scaling-synthetic-45-noner.json"]
    text = md.read_text(encoding="utf-8")
    assert "### Scaling" in text and "| 45 | synthetic |" in text
    assert ("| 20 | fang |" in text) == fang_there


def test_repeated_source_ids_become_distinct_files() -> None:
    from benchmarks.corpora import _unique_ids

    rows = [{"id": 7, "article": "a"}, {"id": 8, "article": "b"}, {"id": 7, "article": "c"}]
    assert [doc_id for doc_id, _, _ in _unique_ids(iter(rows))] == ["fang-7", "fang-8", "fang-7-2"]


def test_fang_corpus_when_shared_data_is_there(tmp_path: Path) -> None:
    from benchmarks.corpora import FANG_DIR
    from search.enrich.ingest import read_sidecar

    if not any(FANG_DIR.glob("*.jsonl.gz")):
        pytest.skip(f"FANG-COVID not found in {FANG_DIR} (shared/ absent)")
    info = write_fang(tmp_path / "f", 20)
    assert info.articles == 20
    meta, _ = read_sidecar(info.folder / "part-0000")
    first = meta["fang-0"]
    assert first.title and first.source and first.url and len(first.date) == 10
