"""Parity of the OpenSearch engine with Whoosh on the first N FANG-COVID articles (issue 15, step 3).

Both engines index the same articles folder (with entity extraction, as a user would run it); then the
benchmark query mix (``benchmarks/queries.json``, placeholders resolved on the Whoosh index) runs on both.
Reported per request and in total: whether every facet count is identical (all values of every facet, the
date tree flattened), the overlap of the first ten hits (``|whoosh ∩ opensearch| / |whoosh|``), and the
totals; plus both reindex times and the mean search time of each engine.

    .venv/bin/python -m benchmarks.opensearch_parity --size 2000            # starts its own node
    .venv/bin/python -m benchmarks.opensearch_parity --url http://127.0.0.1:9200

Writes ``benchmarks/results/opensearch-parity-fang-<size>.json``. Needs ../shared (FANG-COVID); says so and
exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.corpora import CorpusUnavailable, write_fang
from benchmarks.run import load_queries, resolve, top_values

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results")
NODE = "bench-parity"


def node_script(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``scripts/opensearch.sh ARGS --name NAME``, its output captured."""
    cmd = ["bash", str(ROOT / "scripts/opensearch.sh"), *args, "--name", name]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def start_node(name: str, port: int, heap: str = "512m") -> str:
    """One node of the instance ``name`` on 127.0.0.1:``port`` with ``heap``; its URL (RuntimeError with the
    script's output when it does not start). The benchmarks stop it with :func:`stop_node` in ``finally``."""
    out = node_script(name, "start", "--http-port", str(port), "--heap", heap)
    if out.returncode:
        raise RuntimeError(out.stdout + out.stderr)
    return f"http://127.0.0.1:{port}"


def stop_node(name: str, purge: bool = False) -> None:
    """Stop every node of the instance ``name`` (``purge``: remove its data too)."""
    node_script(name, "stop", *(["--purge"] if purge else []))


def node_pid(name: str) -> int | None:
    """The pid of the (first) running node of the instance ``name``, from ``opensearch.sh status``."""
    found = re.search(r"pid (\d+), http 127\.0\.0\.1:\d+", node_script(name, "status").stdout)
    return int(found.group(1)) if found else None


def _flat(facets: dict[str, list[dict]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name, values in facets.items():
        flat = out.setdefault(name, {})
        for v in values:
            flat[v["value"]] = v["count"]
            for child in v.get("children", ()):
                flat[child["value"]] = child["count"]
    return out


def compare(whoosh, opensearch, queries: list[dict]) -> list[dict]:
    """Each resolved request on both engines: totals, facet equality, top-10 overlap, times."""
    from dataclasses import replace

    from search.core.params import search_request

    rows = []
    for q in queries:
        request = replace(search_request(q["resolved"]), per_page=10, facet_size=20_000)
        t = time.perf_counter()
        w = whoosh.search(request)
        w_ms = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        o = opensearch.search(request)
        o_ms = (time.perf_counter() - t) * 1000
        w_ids, o_ids = [h["id"] for h in w.results], [h["id"] for h in o.results]
        overlap = len(set(w_ids) & set(o_ids)) / len(w_ids) if w_ids else float(not o_ids)
        wf, of = _flat(w.facets), _flat(o.facets)
        differing = {f: _diff(wf.get(f, {}), of.get(f, {})) for f in wf.keys() | of.keys()}
        differing = {f: d for f, d in differing.items() if d}
        rows.append(
            {
                "params": q["resolved"],
                "kind": q.get("kind"),
                "whoosh_total": w.total,
                "opensearch_total": o.total,
                "match": [w.match, o.match],
                "overlap_at_10": round(overlap, 3),
                "facets_identical": not differing,
                "facet_differences": {f: d[:5] for f, d in differing.items()},
                "whoosh_ms": round(w_ms, 2),
                "opensearch_ms": round(o_ms, 2),
            }
        )
    return rows


def _diff(a: dict[str, int], b: dict[str, int]) -> list:
    return [(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--url", default="", help="an OpenSearch node to use (default: start one)")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "nachrichtensuche-parity"
    )
    parser.add_argument("--no-ner", action="store_true", help="index without entity extraction")
    parser.add_argument("--reuse", action="store_true", help="keep a complete Whoosh index of an earlier run")
    args = parser.parse_args(argv)
    os.environ["SEARCH_CACHE_SIZE"] = "0"
    try:
        info = write_fang(args.workdir / f"fang-{args.size}", args.size)
    except CorpusUnavailable as exc:
        print(f"skipped: {exc}")
        return 0
    from search.engine.opensearch.engine import OpenSearchEngine
    from search.engine.whoosh.engine import WhooshEngine
    from search.engine.whoosh.searcher import columns

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its node
    url, started = args.url, False
    if not url:
        try:
            url, started = start_node(NODE, 9290), True
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
    try:
        ner = False if args.no_ner else None
        index = args.workdir / f"whoosh-{args.size}"
        whoosh = WhooshEngine(index)
        t = time.perf_counter()
        if not (args.reuse and whoosh.has_index()):
            whoosh.reindex(info.folder, full=True, ner=ner)
        whoosh_s = time.perf_counter() - t
        opensearch = OpenSearchEngine(url, f"parity-{args.size}")
        t = time.perf_counter()
        opensearch.reindex(info.folder, full=True, ner=ner)
        opensearch_s = time.perf_counter() - t
        queries, skipped = resolve(load_queries(), top_values(columns(whoosh.snapshot().gen)))
        rows = compare(whoosh, opensearch, queries)
        live = opensearch.snapshot().name
        opensearch.client.request("POST", f"/{live}/_forcemerge", params={"max_num_segments": "1"})
        # one segment may still hold the first versions of the documents the person stage rewrote
        opensearch.client.request("POST", f"/{live}/_forcemerge", params={"only_expunge_deletes": "true"})
        opensearch.client.request("POST", f"/{live}/_refresh")
        stats = opensearch.client.request("GET", f"/{live}/_stats/store,docs")["_all"]["primaries"]
        sizes = {
            "whoosh": sum(f.stat().st_size for f in index.rglob("*") if f.is_file()),
            "opensearch": stats["store"]["size_in_bytes"],
        }
    finally:
        if started:
            stop_node(NODE)
    summary = {
        "articles": info.articles,
        "ner": not args.no_ner,
        "requests": len(rows),
        "skipped": len(skipped),
        "facets_identical": sum(r["facets_identical"] for r in rows),
        "totals_identical": sum(r["whoosh_total"] == r["opensearch_total"] for r in rows),
        "mean_overlap_at_10": round(statistics.mean(r["overlap_at_10"] for r in rows), 4),
        "reindex_seconds": {"whoosh": round(whoosh_s, 1), "opensearch": round(opensearch_s, 1)},
        "index_bytes_per_article": {k: round(v / max(1, info.articles)) for k, v in sizes.items()},
        "median_search_ms": {
            "whoosh": round(statistics.median(r["whoosh_ms"] for r in rows), 2),
            "opensearch": round(statistics.median(r["opensearch_ms"] for r in rows), 2),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"opensearch-parity-fang-{args.size}.json"
    target.write_text(
        json.dumps({"summary": summary, "requests": rows}, ensure_ascii=False, indent=1), "utf-8"
    )
    print(json.dumps(summary, indent=1))
    for r in rows:
        if not r["facets_identical"] or r["overlap_at_10"] < 1:
            print(
                json.dumps(
                    {k: r[k] for k in ("params", "overlap_at_10", "facet_differences")}, ensure_ascii=False
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
