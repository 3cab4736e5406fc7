"""Smoke test of the Whoosh vs OpenSearch vs Tantivy benchmark (benchmarks/vs_opensearch.py), issue 15.

It runs the whole benchmark tiny (30 synthetic articles, one pass, one second of load) against the session's
OpenSearch node of tests/conftest.py (``--url`` and ``--jvm-pid``, so no second node is started), and checks
that every engine was really measured: the articles landed in OpenSearch, the JVM's CPU was read, both servers
answered every request, the JSON and the BENCHMARKS.md section were written. Never how fast anything is.
Skipped, with the reason, when no OpenSearch node can be started here.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from benchmarks.run import saved_results
from benchmarks.tantivy_ref import available
from tests.opensearch_nodes import instance, needs_node, node_pids


@needs_node
def test_comparison_runs_end_to_end_at_a_tiny_size(opensearch_url: str, tmp_path: Path) -> None:
    from benchmarks import vs_opensearch
    from search.engine.opensearch.client import Client

    jvm = node_pids(instance("session"))[urlparse(opensearch_url).port]
    md = tmp_path / "BENCHMARKS.md"
    md.write_text("# Benchmarks\n\n## Ranking quality\n\nkept as is\n", encoding="utf-8")
    argv = ["--corpus", "synthetic", "--size", "30", "--repeat", "1", "--http", "1", "--clients", "2"]
    argv += ["--url", opensearch_url, "--jvm-pid", str(jvm)]
    argv += ["--workdir", str(tmp_path / "work"), "--results", str(tmp_path / "results")]
    result = vs_opensearch.main([*argv, "--write-md", "--md-path", str(md)])

    imp, store = result["import"], result["opensearch_store"]
    assert imp["whoosh"]["articles"] == 30 and imp["opensearch"]["articles"] == 30
    assert imp["whoosh"]["index_bytes"] > 0 and imp["whoosh"]["cpu_seconds"] > 0
    # the reindex went into OpenSearch (not into a Whoosh folder), and the JVM's work was read from /proc
    assert store["after_reindex"]["docs"] == 30 and store["after_reindex"]["bytes"] > 0
    assert store["force_merged"]["segments"] == 1 and store["force_merged"]["docs"] == 30
    assert imp["opensearch"]["jvm_cpu_seconds"] > 0 and result["rss_mb"]["reindex"]["jvm"] > 100
    n = result["requests"]
    assert n >= 20
    for engine in ("whoosh", "opensearch"):
        passes = result["interleaved"][engine]
        assert passes["non_200"] == 0 and passes["latency"]["samples"] == n
        assert result["throughput"][engine]["requests"] > 0 and result["throughput"][engine]["non_2xx"] == 0
        assert result["rss_mb"]["serving"][engine] > 5
    assert result["interleaved"]["opensearch"]["jvm_cpu_ms_per_request"] > 0  # its server asked the node
    assert result["mean_overlap_at_10"] > 0.5  # the same articles: both servers answered the same mix
    assert result["in_process"]["ours_facets"]["samples"] == n
    in_os = result["opensearch_in_process"]
    assert in_os["aggs_took"]["samples"] > 0 and in_os["search"]["samples"] == n
    assert in_os["node_requests"]["median_ms"] >= 1 and "source" in in_os["per_facet_took_median_ms"]
    if available():
        assert imp["tantivy"]["docs"] == 30 and result["in_process"]["tantivy"]["samples"] == n
    live = Client(opensearch_url).request("GET", f"/{result['opensearch']['alias']}/_count")
    assert live["count"] == 30
    assert (tmp_path / "results" / "opensearch-scale-synthetic-30-noner.json").is_file()
    assert saved_results(tmp_path / "results", partial=True) == []  # benchmarks.run's renderer skips it
    text = md.read_text(encoding="utf-8")
    assert "## Ranking quality\n\nkept as is" in text
    assert text.count(vs_opensearch.MD_START) == 1 and "| index per article |" in text
