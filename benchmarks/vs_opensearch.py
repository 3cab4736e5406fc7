"""Whoosh vs OpenSearch (1 node) vs Tantivy on the same FANG-COVID articles, in one run (issue 15, step 5).

    python -m benchmarks.vs_opensearch --size 41242 [--ner/--no-ner] [--repeat 5] [--http 20] [--clients 8]
                                       [--heap 1g] [--write-md] [--workdir DIR] [--url URL --jvm-pid PID]

Steps (corpus, indexes and logs under ``--workdir``; results as JSON in ``--results``):

1. the first N FANG-COVID articles as an articles folder (:mod:`benchmarks.corpora`, reused when present);
2. Whoosh: ``search reindex --full`` as a subprocess (:func:`benchmarks.run.measure_reindex`: wall, CPU of
   the process tree, peak RSS), the live generation's size on disk;
3. OpenSearch: one node started here (``scripts/opensearch.sh``, stopped and purged at the end, also on
   error), or ``--url`` with ``--jvm-pid``; the same reindex command with ``SEARCH_ENGINE=opensearch``:
   our process tree as for Whoosh, plus the JVM's CPU (``/proc/<pid>/stat``) and peak RSS (sampled every
   0.2 s); primary store size of the live index as a user gets it after the reindex, and after
   ``_forcemerge?max_num_segments=1`` (done at the end, after every query was timed);
4. Tantivy built in-process from our Whoosh index's stored documents (:mod:`benchmarks.tantivy_ref`);
5. in-process query mix (:func:`benchmarks.run.measure_queries`): Whoosh and Tantivy interleaved, the
   Whoosh facet part alone; OpenSearch's facet aggregations alone: the aggregations our engine sends for
   each request, as one ``size: 0`` request, timed beside the same query without aggregations;
6. HTTP: ``search serve`` on Whoosh and on OpenSearch (the same server code; response cache and rate
   limit off), the mix interleaved request by request (:func:`benchmarks.http_measure.interleaved`),
   server CPU per request of our server's process tree and of the JVM, then ``--clients`` threads for
   ``--http`` seconds per server, and the serving RSS of each process tree.

Not a test: nothing here asserts timings. On a shared machine the CPU figures are the comparable ones.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import statistics
import sys
import time
from pathlib import Path

from benchmarks import http_load
from benchmarks.corpora import CorpusUnavailable, build_corpus
from benchmarks.http_measure import (
    RssSampler,
    api_request,
    api_summary,
    interleaved,
    load,
    settle,
    stats,
    tree_cpu,
    warm_up,
)
from benchmarks.opensearch_parity import node_pid, node_script, start_node, stop_node
from benchmarks.run import (
    code_version,
    load_queries,
    load_snapshot,
    machine,
    measure_queries,
    measure_reindex,
    resolve,
    top_values,
)
from benchmarks.sections import add_output_options, run_or_render

MD_START = "<!-- opensearch-scale:start -->"
MD_END = "<!-- opensearch-scale:end -->"
NODE = "bench-scale"
PORT = 9291


class OpenSearchUnavailable(RuntimeError):
    """No node could be started (java/mvn missing, or the node did not come up)."""


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


# ------------------------------------------------------------------------------------------ OpenSearch


def store_stats(client, index: str) -> dict:  # a search.engine.opensearch.client.Client
    """Primary store size, documents and segments of ``index`` (no replica on one node)."""
    prim = client.request("GET", f"/{index}/_stats/store,docs,segments")["_all"]["primaries"]
    return {
        "bytes": prim["store"]["size_in_bytes"],
        "docs": prim["docs"]["count"],
        "segments": prim["segments"]["count"],
    }


def record_searches(snapshot, request) -> list[tuple[dict, float]]:  # OpenSearchSnapshot, SearchRequest
    """Every request body our OpenSearch engine sends for ``request``, with the ``took`` ms of its answer
    (wrapping ``Context.search`` during one search, as :func:`benchmarks.run.capture_facet_inputs` does for
    Whoosh)."""
    from search.engine.opensearch import searcher as oss

    original, sent = oss.Context.search, []

    def spy(ctx, body):
        answer = original(ctx, body)
        sent.append((body, float(answer.get("took", 0))))
        return answer

    oss.Context.search = spy  # type: ignore[method-assign]
    try:
        snapshot.search(request)
    finally:
        oss.Context.search = original  # type: ignore[method-assign]
    return sent


def facet_bodies(bodies: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the facet aggregations alone, the same queries alone): from the last page request of a search (the
    one with a ``post_filter``) and any later complete counting of a facet (``size: 0`` with aggs)."""
    from search.engine.opensearch.searcher import GROUPS

    last = max((i for i, b in enumerate(bodies) if "post_filter" in b), default=None)
    if last is None:
        return [], []
    aggs, bare = [], []
    for body in bodies[last:]:
        facets = {k: v for k, v in (body.get("aggs") or {}).items() if k != GROUPS}
        if facets:
            aggs.append({"query": body["query"], "size": 0, "track_total_hits": False, "aggs": facets})
            bare.append({"query": body["query"], "size": 0, "track_total_hits": True})
    return aggs, bare


def measure_os_queries(url: str, alias: str, queries: list[dict], repeat: int, per_facet: int = 5) -> dict:
    """In-process on the OpenSearch side, ``repeat`` passes after a warm-up: each request's whole search
    through our engine (wall ms, summed ``took`` of its requests to the node, how many), its facet
    aggregations alone and its query alone (OpenSearch's shard request cache off for these two), and for the
    first ``per_facet`` requests each facet's aggregation alone (one pass: where the facet time goes)."""
    import os

    from search.core.params import search_request
    from search.engine.opensearch.engine import OpenSearchEngine

    saved = os.environ.get("SEARCH_CACHE_SIZE")
    os.environ["SEARCH_CACHE_SIZE"] = "0"  # the engine, not our response cache
    try:
        engine = OpenSearchEngine(url, alias)
        snap = engine.snapshot()
        index = snap.ctx.index
        reqs = [search_request(q["resolved"]) for q in queries]
        plans = [facet_bodies([b for b, _ in record_searches(snap, r)]) for r in reqs]
        samples: dict[str, list[float]] = {k: [] for k in ("search", "search_took", "aggs", "aggs_took")}
        samples |= {"query": [], "query_took": [], "node_requests": []}

        def timed(body: dict) -> tuple[float, float]:
            t = time.perf_counter()
            answer = engine.client.request(
                "POST", f"/{index}/_search", body, params={"request_cache": "false"}
            )
            return (time.perf_counter() - t) * 1000, float(answer.get("took", 0))

        for p in range(repeat + 1):  # pass 0 warms up
            for req, (aggs, bare) in zip(reqs, plans, strict=True):
                t = time.perf_counter()
                sent = record_searches(snap, req)
                if p:
                    samples["search"].append((time.perf_counter() - t) * 1000)
                    samples["search_took"].append(sum(k for _, k in sent))
                    samples["node_requests"].append(len(sent))
                pairs = [("aggs", aggs), ("query", bare)]
                for kind, bodies in pairs if p % 2 == 0 else pairs[::-1]:
                    wall = took = 0.0
                    for body in bodies:
                        w, k = timed(body)
                        wall, took = wall + w, took + k
                    if p and bodies:
                        samples[kind].append(wall)
                        samples[f"{kind}_took"].append(took)
        facets: dict[str, list[float]] = {}
        for aggs, _ in plans[:per_facet]:
            for name, agg in (aggs[0]["aggs"] if aggs else {}).items():
                body = aggs[0] | {"aggs": {name: agg}}
                facets.setdefault(name, []).append(timed(body)[1])
    finally:
        if saved is None:
            os.environ.pop("SEARCH_CACHE_SIZE", None)
        else:
            os.environ["SEARCH_CACHE_SIZE"] = saved
    out = {k: stats(v) for k, v in samples.items()}
    out["per_facet_took_median_ms"] = {k: round(statistics.median(v), 1) for k, v in facets.items()}
    return out | {"requests": sum(1 for a, _ in plans if a)}


# ------------------------------------------------------------------------------------------------ run


def run(args: argparse.Namespace) -> dict:
    """One comparison run; the results dict (also saved as JSON in ``args.results``)."""
    from search.engine.opensearch.engine import OpenSearchEngine
    from search.engine.whoosh.searcher import columns
    from search.engine.whoosh.store import IndexStore

    before = load_snapshot()
    info = build_corpus(args.corpus, args.size, args.workdir)
    key = f"{info.name}-{info.articles}-{'ner' if args.ner else 'noner'}"
    alias = f"bench-{key}"
    whoosh_index = args.workdir / "index" / key
    print(f"[{key}] {info.description}: {info.articles:,} articles", flush=True)
    whoosh_import = measure_reindex(info.folder, whoosh_index, args.ner, info.articles)
    print(f"[{key}] whoosh reindex: {_brief(whoosh_import)}", flush=True)

    url, started, servers = args.url, False, []
    try:
        if not url:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still stops its node
            try:
                url, started = start_node(NODE, args.port, args.heap), True
            except RuntimeError as exc:
                raise OpenSearchUnavailable(str(exc)) from exc
        jvm = args.jvm_pid or node_pid(NODE)
        if not jvm:
            raise OpenSearchUnavailable(f"no pid for the node at {url} (give --jvm-pid)")
        env = {"SEARCH_ENGINE": "opensearch", "SEARCH_OPENSEARCH_URL": url, "SEARCH_OPENSEARCH_INDEX": alias}
        os_index = args.workdir / "index" / f"{key}-opensearch"  # unused by that engine; logs go beside it
        with RssSampler({"jvm": jvm}) as rss:
            rss.phase = "reindex"
            jvm_cpu0 = tree_cpu(jvm)
            os_import = measure_reindex(info.folder, os_index, args.ner, info.articles, env)
            os_import["jvm_cpu_seconds"] = round(tree_cpu(jvm) - jvm_cpu0, 2)
            os_index.mkdir(parents=True, exist_ok=True)
            engine = OpenSearchEngine(url, alias)
            live = engine.snapshot().name
            os_store = {"after_reindex": store_stats(engine.client, live)}
            os_store["manifest_bytes"] = store_stats(engine.client, f"{alias}-manifest")["bytes"]
            print(f"[{key}] opensearch reindex: {_brief(os_import)}, {os_store}", flush=True)

            rss.phase = "queries"
            gen = IndexStore(whoosh_index).current()
            queries, skipped = resolve(load_queries(), top_values(columns(gen)))
            tv = None
            if args.tantivy:
                from benchmarks.tantivy_ref import build_from_generation

                tv = build_from_generation(gen, args.workdir / "tantivy" / key)
            del gen
            inproc = measure_queries(whoosh_index, queries, args.repeat, tv[0] if tv else None)
            os_facets = measure_os_queries(url, alias, queries, args.repeat)
            print(f"[{key}] in-process: whoosh {inproc['ours']} facets {inproc['ours_facets']}", flush=True)
            print(f"[{key}] opensearch facet aggregations alone: {os_facets['aggs_took']}", flush=True)

            rss.phase = "startup"
            plist = [q["resolved"] for q in queries]
            reqs = [api_request(p) for p in plist]
            engines: dict[str, tuple[int, int, list]] = {}
            ready = {}
            for name, index, extra in (("whoosh", whoosh_index, None), ("opensearch", os_index, env)):
                port = http_load.free_port()
                proc = http_load.start_server(
                    info.folder, index, port, args.threads, args.ner, workers=1, cache=False, extra_env=extra
                )
                servers.append(proc)
                rss.pids[name] = proc.pid
                ready[name] = round(http_load.wait_ready(proc, port, reqs[0][1]), 2)
                ready[f"{name}_startup_reindex_s"] = settle(proc.pid)
                engines[name] = (port, proc.pid, reqs)
            idle0, t0 = tree_cpu(jvm), time.perf_counter()
            time.sleep(5)
            jvm_idle = (tree_cpu(jvm) - idle0) * 1000 / (time.perf_counter() - t0)
            rss.phase = "serving"
            answers = warm_up(engines, {"whoosh": api_summary, "opensearch": api_summary}, strict=False)
            jvm_cpu0 = tree_cpu(jvm)
            passes = interleaved(engines, args.repeat)
            jvm_ms = (tree_cpu(jvm) - jvm_cpu0) * 1000
            passes["opensearch"]["jvm_cpu_ms_per_request"] = round(jvm_ms / passes["requests_per_engine"], 3)
            passes["opensearch"]["jvm_cpu_ms_per_request_net_of_idle"] = round(
                max(0.0, jvm_ms - jvm_idle * passes["wall_s"]) / passes["requests_per_engine"], 3
            )
            print(f"[{key}] interleaved: {_passes(passes)}", flush=True)
            throughput: dict = {}
            for name in ("whoosh", "opensearch") if args.http else ():
                port, pid, _ = engines[name]
                cpu0, jvm_cpu0 = tree_cpu(pid), tree_cpu(jvm)
                tp = load(port, reqs, args.http, args.clients)
                n = tp["requests"] or 1
                tp["server_cpu_ms_per_request"] = round((tree_cpu(pid) - cpu0) * 1000 / n, 3)
                tp["jvm_cpu_ms_per_request"] = round((tree_cpu(jvm) - jvm_cpu0) * 1000 / n, 3)
                throughput[name] = tp
                print(f"[{key}] throughput {name}: {tp['requests_per_s']} req/s", flush=True)
            for proc in servers:
                http_load.stop_server(proc)
            servers.clear()
            rss.phase = "merge"
            t = time.perf_counter()
            engine.client.request("POST", f"/{live}/_forcemerge", params={"max_num_segments": "1"})
            engine.client.request("POST", f"/{live}/_refresh")  # releases the merged-away segments
            os_store["forcemerge_s"] = round(time.perf_counter() - t, 1)
            os_store["force_merged"] = store_stats(engine.client, live)
    finally:
        for proc in servers:
            http_load.stop_server(proc)
        if started:
            _keep_node_logs(args.workdir / "opensearch-logs")
            stop_node(NODE, purge=True)
    result = {
        "key": key,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "command": "python -m benchmarks.vs_opensearch " + shlex.join(sys.argv[1:]),
        "machine": machine() | {"load_before": before["loadavg"], "busy_before": before["busy"][:4]},
        "code": code_version(),
        "load_after": load_snapshot()["loadavg"],
        "corpus": info.to_json(),
        "ner": args.ner,
        "opensearch": {"url": url, "heap": args.heap if started else "(external node)", "alias": alias},
        "import": {"whoosh": whoosh_import, "opensearch": os_import, "tantivy": tv[1] if tv else None},
        "opensearch_store": os_store,
        "requests": len(queries),  # not "queries": benchmarks.run reads that key in results/*.json
        "skipped": [{"params": s["params"], "missing": s["missing"]} for s in skipped],
        "in_process": {k: inproc[k] for k in ("ours", "ours_facets", "tantivy", "tantivy_agg", "cpu")},
        "opensearch_in_process": os_facets,
        "ready_s": ready,
        "jvm_idle_cpu_ms_per_s": round(jvm_idle, 1),
        "interleaved": passes,
        "throughput": throughput | ({"clients": args.clients, "seconds": args.http} if throughput else {}),
        "rss_mb": {phase: rss.mb(phase) for phase in rss.peaks},
        "mean_overlap_at_10": _overlap(answers),
        "warm_up_non_200": {
            n: sum(1 for a in answers if a[n].get("status")) for n in ("whoosh", "opensearch")
        },
        "notes": list(args.note or []),
    }
    args.results.mkdir(parents=True, exist_ok=True)
    path = args.results / f"opensearch-scale-{key}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"[{key}] saved {path}", flush=True)
    return result


def _keep_node_logs(target: Path) -> None:
    """Copy the node's logs (why it answered errors) out of its data folder before it is purged."""
    import re
    import shutil

    found = re.search(r"data (\S+)/data", node_script(NODE, "status").stdout)
    if found and Path(found.group(1), "logs").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(Path(found.group(1), "logs"), target)


def _brief(r: dict) -> str:
    return (
        f"{r['seconds']} s, CPU {r['cpu_seconds']} s, peak RSS {r['peak_rss_mb']} MB, "
        f"{r['articles']} articles"
    )


def _passes(p: dict) -> str:
    return "; ".join(
        f"{n} {p[n]['latency']} CPU/request {p[n]['server_cpu_ms_per_request']} ms"
        for n in p
        if isinstance(p[n], dict)
    )


def _ok_rate(tp: dict) -> float | None:
    """Requests per second answered with 2xx (fast errors must not count as throughput)."""
    if not tp or not tp.get("duration_s"):
        return None
    return round((tp["requests"] - tp.get("non_2xx", 0)) / tp["duration_s"], 1)


def _overlap(answers: list[dict]) -> float | None:
    """Mean share of the same articles in both top tens (requests where either found something)."""
    shares = []
    for row in answers:
        a, b = row["whoosh"]["ids"], row["opensearch"]["ids"]
        if a or b:
            shares.append(len(set(a) & set(b)) / max(1, min(len(a), len(b))))
    return round(statistics.fmean(shares), 3) if shares else None


# ------------------------------------------------------------------------------------------- markdown


def _f(value: float | None, unit: str = "", digits: int = 1) -> str:
    return f"{value:,.{digits}f}{unit}" if value is not None else "–"


def per_article(r: dict) -> dict:
    """The per-article figures SCALING.md plans from (bytes, CPU-ms, ms)."""
    n = r["corpus"]["articles"] or 1
    wi, oi, st = r["import"]["whoosh"], r["import"]["opensearch"], r["opensearch_store"]
    return {
        "whoosh_index_kb": round(wi["index_bytes"] / n / 1000, 1),
        "opensearch_index_kb": round(st["after_reindex"]["bytes"] / n / 1000, 1),
        "opensearch_merged_kb": round(st["force_merged"]["bytes"] / n / 1000, 1),
        "whoosh_reindex_cpu_ms": round(wi["cpu_seconds"] * 1000 / n, 1),
        "opensearch_reindex_cpu_ms": round(oi["cpu_seconds"] * 1000 / n, 1),
        "opensearch_jvm_cpu_ms": round(oi["jvm_cpu_seconds"] * 1000 / n, 1),
    }


def render_md(r: dict) -> str:
    """The OpenSearch-at-scale section of BENCHMARKS.md from one saved run."""
    m, imp, st = r["machine"], r["import"], r["opensearch_store"]
    wi, oi, ti = imp["whoosh"], imp["opensearch"], imp["tantivy"] or {}
    w, o = r["interleaved"]["whoosh"], r["interleaved"]["opensearch"]
    tp, rss, ip, of = r["throughput"], r["rss_mb"], r["in_process"], r["opensearch_in_process"]
    tpw, tpo = tp.get("whoosh", {}), tp.get("opensearch", {})
    serving, reindex = rss.get("serving", {}), rss.get("reindex", {})
    n = r["corpus"]["articles"]
    mb = 2**20

    def row(label: str, a: float | None, b: float | None, c: str, unit: str, digits: int = 1) -> str:
        return (
            f"| {label} | {_f(a, unit, digits)} | {_f(b, unit, digits)} | {c} | {_f(_ratio(b, a), '×', 2)} |"
        )

    def ms(s: dict, k: str) -> float | None:
        return s.get(k)

    lines = [
        MD_START,
        f"## OpenSearch at scale: Whoosh vs OpenSearch vs Tantivy on {n:,} "
        + ("FANG-COVID articles" if r["corpus"]["name"] == "fang" else f"{r['corpus']['name']} articles"),
        "",
        f"Command: `{r['command']}` ({r['date']}). Machine: {m['nproc']} cores ({m['cpu']}), "
        f"{m['memory_gib']} GiB, shared with other jobs: load average before {' '.join(m['load_before'])}, "
        f"after {' '.join(r['load_after'])}, so the CPU figures are the comparable ones. Code: commit "
        f"{r['code'].get('head', '?')}"
        + (" (uncommitted changes in search/)" if r["code"].get("uncommitted_in_search") else "")
        + ".",
        "",
        f"{r['corpus']['description']}, "
        + ("with" if r["ner"] else "**without** entity extraction (`--no-ner`: with it a reindex takes "
           "~20 min "
           "per engine on this machine; the NER cost per article is in SCALING.md)")
        + f". OpenSearch 2.19, one node (`scripts/opensearch.sh`), heap {r['opensearch']['heap']}, 1 primary "
        f"shard, no replica. {r['requests']} requests of `benchmarks/queries.json` ({len(r['skipped'])} "
        f"skipped for facet values this corpus lacks), {r['interleaved']['passes']} passes interleaved "
        "request "
        "by request over kept-alive HTTP/1.1 between two `search serve` (waitress, 8 threads, one process, "
        "`SEARCH_CACHE_SIZE=0 SEARCH_RATE_LIMIT=off`; the same server code, `SEARCH_ENGINE` differs).",
        "",
        "| figure | Whoosh | OpenSearch | Tantivy | OpenSearch / Whoosh |",
        "|---|---|---|---|---|",
        row("full reindex, wall", wi["seconds"], oi["seconds"], _f(ti.get("seconds"), " s"), " s"),
        row("reindex CPU, our process tree", wi["cpu_seconds"], oi["cpu_seconds"],
            _f(ti.get("cpu_seconds"), " s"), " s"),
        row("reindex CPU of the JVM", None, oi.get("jvm_cpu_seconds"), "–", " s"),
        row("reindex peak RSS, our process tree", wi["peak_rss_mb"], oi["peak_rss_mb"], "–", " MB", 0),
        row("JVM peak RSS during the reindex", None, reindex.get("jvm"), "–", " MB", 0),
        row("index on disk after the reindex", wi["index_bytes"] / mb, st["after_reindex"]["bytes"] / mb,
            _f(ti["bytes"] / mb if ti else None, " MB"), " MB"),
        row("index on disk, OpenSearch force-merged to 1 segment", None, st["force_merged"]["bytes"] / mb,
            "–", " MB"),
        row("index per article", wi["index_bytes"] / n / 1000, st["after_reindex"]["bytes"] / n / 1000,
            _f(ti["bytes"] / n / 1000 if ti else None, " KB"), " KB"),
        row("query mix over HTTP, median (client)", ms(w["latency"], "median_ms"),
            ms(o["latency"], "median_ms"), "–", " ms", 2),
        row("query mix over HTTP, p95", ms(w["latency"], "p95_ms"), ms(o["latency"], "p95_ms"), "–",
            " ms", 2),
        row("server CPU per request: our server", w["server_cpu_ms_per_request"],
            o["server_cpu_ms_per_request"], "–", " ms", 2),
        row("server CPU per request: the JVM", None, o.get("jvm_cpu_ms_per_request"), "–", " ms", 2),
        row("query mix in-process, median (our engine's `search()` / Tantivy)", ms(ip["ours"], "median_ms"),
            ms(of["search"], "median_ms"), _f(ms(ip["tantivy"], "median_ms"), " ms", 2), " ms", 2),
        row("query mix in-process, p95", ms(ip["ours"], "p95_ms"), ms(of["search"], "p95_ms"),
            _f(ms(ip["tantivy"], "p95_ms"), " ms", 2), " ms", 2),
        row("facets alone, median (see below)", ms(ip["ours_facets"], "median_ms"),
            ms(of["aggs_took"], "median_ms"), _f(ms(ip["tantivy_agg"], "median_ms"), " ms", 2), " ms", 2),
        row("facets alone, p95", ms(ip["ours_facets"], "p95_ms"), ms(of["aggs_took"], "p95_ms"),
            _f(ms(ip["tantivy_agg"], "p95_ms"), " ms", 2), " ms", 2),
        row(f"throughput (2xx only), {tp.get('clients', '–')} clients × {tp.get('seconds', '–')} s",
            _ok_rate(tpw), _ok_rate(tpo), "–", " req/s"),
        row("CPU per request under that load: server (+ JVM)", tpw.get("server_cpu_ms_per_request"),
            (tpo.get("server_cpu_ms_per_request") or 0) + (tpo.get("jvm_cpu_ms_per_request") or 0)
            if tpo else None, "–", " ms", 2),
        row("serving RSS, max: our server", serving.get("whoosh"), serving.get("opensearch"), "–",
            " MB", 0),
        row("serving RSS, max: the JVM", None, serving.get("jvm"), "–", " MB", 0),
    ]  # fmt: skip
    errors = {
        k: v.get("non_2xx", 0) + v.get("socket_errors", 0) for k, v in (("whoosh", tpw), ("opensearch", tpo))
    }
    pa = per_article(r)
    lines += [
        "",
        f"Errors under load: Whoosh {errors['whoosh']}, OpenSearch {errors['opensearch']} (HTTP statuses "
        f"{tpw.get('non_2xx_statuses') or {}} / {tpo.get('non_2xx_statuses') or {}}; our API answers 502 "
        "when OpenSearch answered an error); non-200 in the "
        f"interleaved passes: {w['non_200']} / {o['non_200']} (the server's search time limit, 5 s by "
        "default, answers 503: such requests are timed up to it; the in-process figures have no limit). "
        f"Mean top-10 overlap of the two servers' answers: {r['mean_overlap_at_10']}. OpenSearch after "
        f"the reindex: {st['after_reindex']['segments']} segments "
        f"(as a user gets it; the queries ran on this), force merge {st.get('forcemerge_s', '–')} s; its "
        f"manifest index (the reindex plan, person registry) {st['manifest_bytes'] / mb:,.1f} MB more. "
        f"The idle JVM used {r['jvm_idle_cpu_ms_per_s']} CPU-ms per second.",
        "",
        f"Per article (SCALING.md starts from these): index {pa['whoosh_index_kb']} KB Whoosh, "
        f"{pa['opensearch_index_kb']} KB OpenSearch ({pa['opensearch_merged_kb']} KB force-merged); "
        "reindex CPU "
        f"{pa['whoosh_reindex_cpu_ms']} ms Whoosh, {pa['opensearch_reindex_cpu_ms']} ms our side into "
        f"OpenSearch + {pa['opensearch_jvm_cpu_ms']} ms in the JVM.",
        "",
        "What each figure covers, and what is not comparable:",
        "",
        "* Reindex: the same `search reindex --full` command (reading, our German analysis, dates, facet "
        "values, near-duplicates in worker processes); Whoosh writes its segments in our processes, "
        "OpenSearch receives finished token streams in bulk requests and indexes them in the JVM. Tantivy is "
        "built in-process from our index's stored titles, texts and facet values (no reading, no analysis of "
        "ours), so its time is not a reindex.",
        "* Facets alone: Whoosh = the facet part of `search()` alone (`filter_masks` + `facet_values` on the "
        "match set `search()` computed; no matching), in-process. OpenSearch = `took` of one `size: 0` "
        "request "
        "holding exactly the aggregations our engine sends for that request (plus the complete counting of a "
        "facet with ties, when it asks for one), with `request_cache=false` (OpenSearch caches `size: 0` "
        "answers per shard: repeated passes would time that cache); it includes matching the query again: "
        "the same query "
        f"without aggregations took {_f(ms(of['query_took'], 'median_ms'), ' ms', 2)} median (client wall "
        f"with HTTP: aggregations {_f(ms(of['aggs'], 'median_ms'), ' ms', 2)}, query alone "
        f"{_f(ms(of['query'], 'median_ms'), ' ms', 2)}). Tantivy = its aggregation calls for the same "
        "facets.",
        "* Per facet (`took` of each aggregation alone, median over the first requests of the mix): "
        + ", ".join(f"{k} {v} ms" for k, v in of.get("per_facet_took_median_ms", {}).items())
        + ". Our engine's whole search in-process sent "
        f"{_f(ms(of['node_requests'], 'median_ms'), '', 0)} requests to the node (median; spelling, fallback "
        "and tie counting add some), whose `took` summed to "
        f"{_f(ms(of['search_took'], 'median_ms'), ' ms', 2)} "
        "median: the rest of the in-process time is HTTP, JSON and our Python around it.",
        "* Server CPU per request: our server's process tree from /proc (both), and for OpenSearch also the "
        "JVM's CPU over the same passes divided by its requests (the idle JVM's background work included; "
        f"without it, at the idle rate measured before: "
        f"{_f(o.get('jvm_cpu_ms_per_request_net_of_idle'), ' ms', 2)}).",
        "* The load generator runs in Python on the same two cores as both servers and the JVM.",
    ]
    lines += [f"* {note}" for note in r.get("notes", [])]
    lines += ["", MD_END]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------------ main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.vs_opensearch", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--corpus", choices=("fang", "synthetic"), default="fang", help="synthetic: tests")
    ap.add_argument("--size", type=int, default=41242, help="first N FANG-COVID articles")
    ap.add_argument("--ner", action=argparse.BooleanOptionalAction, default=False, help="entity extraction")
    ap.add_argument("--repeat", type=int, default=5, help="passes over the query mix")
    ap.add_argument("--http", type=int, default=20, metavar="SECONDS", help="throughput per server (0: none)")
    ap.add_argument("--clients", type=int, default=8, help="client threads of the throughput run")
    ap.add_argument("--threads", type=int, default=8, help="waitress threads of each search serve")
    ap.add_argument(
        "--heap",
        default="1g",
        help="heap of the node started here (1g: the 41k index's global ordinals and aggregation "
        "buffers fit with room; the postings are read through the file system cache, not the heap)",
    )
    ap.add_argument("--port", type=int, default=PORT, help="HTTP port of the node started here")
    ap.add_argument("--url", default="", help="use this node instead of starting one (needs --jvm-pid)")
    ap.add_argument("--jvm-pid", type=int, default=0, help="pid of that node's JVM (CPU and RSS)")
    ap.add_argument("--tantivy", action=argparse.BooleanOptionalAction, default=True, help="Tantivy too")
    add_output_options(ap, "corpus, indexes, logs")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict | None:
    """Run (or only render) the comparison; None when skipped (no corpus, no OpenSearch)."""
    return run_or_render(
        parse_args(argv), run, render_md, (MD_START, MD_END), (CorpusUnavailable, OpenSearchUnavailable)
    )


if __name__ == "__main__":
    main()
