"""Archive-scale benchmark: reindex, query mix, facet counting, HTTP throughput, all against Tantivy.

    python -m benchmarks.run --corpus fang|synthetic --size N [--ner/--no-ner] [--tantivy/--no-tantivy]
                             [--http SECONDS] [--write-md] [--workdir DIR] [--queries N] [--repeat R]
    python -m benchmarks.run --scaling [--sizes 1000,10000,41242,100000] [--write-md]

Steps of one run (corpora, indexes and servers under ``--workdir``, default /tmp/nachrichtensuche-bench;
the results as JSON under ``--results``, default ``benchmarks/results/`` in the repository, committed so that
BENCHMARKS.md can be re-rendered and compared on another machine):

1. the articles folder (FANG-COVID's first N articles, or the synthetic generator; reused when present);
2. ``python -m search.cli reindex --full`` as a subprocess, sampling the RSS of its process tree (workers
   included) every 0.2 s; then a no-op reindex; optionally a ``--no-ner`` full reindex for comparison;
3. the query mix of :file:`benchmarks/queries.json` through ``search(store, search_request(params))`` (the
   JSON endpoint's function), after one warm-up pass, plus the facet part alone (``filter_masks`` +
   ``facet_values`` on the same masks), interleaved with the same requests in Tantivy;
4. ``search serve`` driven by wrk (or a bounded Python load generator) for ``--http`` seconds;
5. results as JSON in ``--results``; ``--write-md`` renders them into BENCHMARKS.md between the
   ``perf`` markers (other sections of the file are kept).

``--scaling`` runs the sizes with fewer repetitions and no HTTP: FANG-COVID up to its 41,242 articles,
the synthetic generator above that. A long reindex can be split off: ``--reindex-only`` now,
``--reuse-index`` later (any earlier run's index and reindex figures for the same corpus, size and NER
setting); ``--md-only [--note TEXT ...]`` re-renders BENCHMARKS.md from the saved results.

Where the time goes is measured as wall time *and* CPU time (the reindex's whole process tree from
``getrusage(RUSAGE_CHILDREN)``, per request ``time.process_time``): on a shared machine the CPU figures are
the comparable ones. Not a test: nothing here asserts timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpora import FANG_SIZE, CorpusUnavailable, build_corpus

PROJECT_ROOT = Path(__file__).resolve().parents[1]
QUERIES_JSON = Path(__file__).with_name("queries.json")
MD_PATH = PROJECT_ROOT / "BENCHMARKS.md"
MD_START = "<!-- perf:start -->"
MD_END = "<!-- perf:end -->"
DEFAULT_WORKDIR = Path("/tmp/nachrichtensuche-bench")
DEFAULT_RESULTS = PROJECT_ROOT / "benchmarks" / "results"
SAMPLE_EVERY = 0.2
SCALING_SIZES = (1000, 10000, FANG_SIZE, 100000)
_PLACEHOLDER = re.compile(r"@top:(\w+):(\d+)\Z")


# ------------------------------------------------------------------------------------- process sampling


def _children_map() -> dict[int, list[int]]:
    """ppid -> pids, from /proc/*/stat (the process name may contain spaces and parentheses)."""
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            out.setdefault(int(fields[1]), []).append(int(entry.name))
    return out


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (from one snapshot of /proc)."""
    children = _children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def tree_rss(root: int) -> int:
    """Summed VmRSS in bytes of ``root`` and all its descendants (0 when it is gone)."""
    return sum(tree_rss_each(root))


def tree_rss_each(root: int) -> list[int]:
    """VmRSS in bytes of ``root`` and of each of its descendants (a server's worker processes apart)."""
    out = []
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        out.append(int(line.split()[1]) * 1024)
                        break
        except OSError:
            continue
    return out


def tree_pss(root: int) -> int:
    """Summed proportional set size (Pss) in bytes of ``root`` and its descendants: memory shared between
    them (a fork server's loaded model and the workers forked from it) counted once, not once per process
    as in :func:`tree_rss`."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def run_sampled(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``, sampling its process tree's RSS every :data:`SAMPLE_EVERY` s; wall time, peak, output."""
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-{os.getpid()}-{time.monotonic_ns()}.out"
    started = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out_path, "w+b") as out, open(str(out_path) + ".err", "w+b") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=PROJECT_ROOT)
        peak = peak_pss = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            peak_pss = max(peak_pss, tree_pss(proc.pid))
            time.sleep(SAMPLE_EVERY)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    out_path.unlink()
    Path(str(out_path) + ".err").unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(cmd)} failed ({proc.returncode}): {stderr[-2000:]}")
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss": peak,
        "peak_pss": peak_pss,
        "stdout": stdout,
        "stderr": stderr,
    }


def dir_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


# ------------------------------------------------------------------------------------------- reindex


def reindex_cmd(articles: Path, index: Path, full: bool, ner: bool) -> list[str]:
    cmd = [sys.executable, "-m", "search.cli", "reindex", "--articles", str(articles), "--index", str(index)]
    return cmd + (["--full"] if full else []) + ["--ner" if ner else "--no-ner", "--json"]


def measure_reindex(
    articles: Path, index: Path, ner: bool, articles_count: int, env: dict[str, str] | None = None
) -> dict:
    """A full reindex from nothing, then a no-op reindex; wall time, peak tree RSS, live generation size
    (``env``: more variables for the reindex, e.g. ``SEARCH_ENGINE=opensearch``: no generation on disk then).
    """
    import shutil

    from search.engine.whoosh.generations import current_generation

    if index.exists():
        shutil.rmtree(index)
    full_env = {**os.environ, **env} if env else None
    full = run_sampled(reindex_cmd(articles, index, full=True, ner=ner), full_env)
    summary = json.loads(full["stdout"].strip().splitlines()[-1])
    live = current_generation(index)
    noop = run_sampled(reindex_cmd(articles, index, full=False, ner=ner), full_env)
    noop_summary = json.loads(noop["stdout"].strip().splitlines()[-1])
    indexed = summary.get("added", 0) + summary.get("updated", 0)
    return {
        "command": shlex.join(reindex_cmd(articles, index, full=True, ner=ner)),
        "ner": ner,
        "seconds": round(full["seconds"], 2),
        # CPU of the whole process tree (workers are reaped by the reindex process): robust to other load
        "cpu_seconds": round(full["cpu_seconds"], 2),
        "indexer_seconds": round(summary.get("seconds", 0.0), 2),
        "articles": indexed,
        "skipped": len(summary.get("skipped", [])),
        "articles_per_s": round(indexed / full["seconds"], 2) if full["seconds"] else 0.0,
        "peak_rss_mb": round(full["peak_rss"] / 2**20, 1),
        "peak_pss_mb": round(full["peak_pss"] / 2**20, 1),
        "index_bytes": dir_bytes(live) if live else 0,
        "generation": live.name if live else None,
        "noop_seconds": round(noop["seconds"], 2),
        "noop_peak_rss_mb": round(noop["peak_rss"] / 2**20, 1),
        "noop_added": noop_summary.get("added", 0),
        "expected_articles": articles_count,
    }


# ------------------------------------------------------------------------------------------- queries


def load_queries(path: Path = QUERIES_JSON) -> list[dict]:
    """The committed query mix (see the ``about`` text in the file for placeholders)."""
    return json.loads(path.read_text(encoding="utf-8"))["queries"]


def top_values(cols) -> dict[str, list[str]]:  # search.engine.whoosh.columns.Columns
    """Facet values by frequency over all live articles, for resolving ``@top:`` placeholders."""
    import numpy as np

    out: dict[str, list[str]] = {}
    for facet, col in cols.columns.items():
        counts = np.bincount(col.ords, minlength=len(col.values)) if len(col.ords) else np.zeros(0)
        order = sorted(range(len(col.values)), key=lambda i: (-int(counts[i]), col.values[i]))
        out[facet] = [col.values[i] for i in order if counts[i] > 0]
    out["month"] = [v for v in out.get("date", []) if len(v) == 7]
    out["year"] = [v for v in out.get("date", []) if len(v) == 4]
    return out


def resolve(queries: list[dict], tops: dict[str, list[str]]) -> tuple[list[dict], list[dict]]:
    """Queries with placeholders replaced by this index's values; those that cannot be are skipped."""
    ready, skipped = [], []
    for entry in queries:
        params, missing = {}, []
        for key, value in entry["params"].items():
            values = value if isinstance(value, list) else [value]
            out = []
            for v in values:
                m = _PLACEHOLDER.match(str(v))
                if m:
                    pool = tops.get(m.group(1), [])
                    k = int(m.group(2))
                    if k >= len(pool):
                        missing.append(str(v))
                        continue
                    v = pool[k]
                out.append(v)
            params[key] = out if isinstance(value, list) else (out[0] if out else "")
        if missing:
            skipped.append({**entry, "missing": missing})
        else:
            ready.append({**entry, "resolved": params})
    return ready, skipped


def capture_facet_inputs(store, request) -> dict:
    """The arguments ``search()`` passes to ``facet_values`` for ``request`` (its base and filter masks).

    Recorded by wrapping ``search.engine.whoosh.searcher.facet_values`` during one search, so the facet timing uses exactly
    the masks of that search (including any fallback) whatever the internals of ``search()`` look like.
    """
    import inspect

    from search.engine.whoosh import searcher as s

    original = s.facet_values
    captured: dict = {}

    def spy(*args, **kwargs):
        captured.update(inspect.signature(original).bind(*args, **kwargs).arguments)
        return original(*args, **kwargs)

    s.facet_values = spy
    try:
        s.search(store, request)
    finally:
        s.facet_values = original
    return captured


def time_facets(args: dict) -> tuple[float, float]:
    """The facet part alone, as wall and CPU ms: ``filter_masks`` + ``facet_values`` on captured masks."""
    from search.engine.whoosh.columns import facet_values, filter_masks

    rest = {k: v for k, v in args.items() if k not in ("cols", "base", "masks", "filters")}
    started, cpu_started = time.perf_counter(), time.process_time()
    masks = filter_masks(args["cols"], args["filters"])
    facet_values(args["cols"], args["base"], masks, args["filters"], **rest)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: a p99 is a measured request)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def _stats(values: list[float]) -> dict:
    if not values:
        return {}
    return {
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "samples": len(values),
    }


def measure_queries(index: Path, queries: list[dict], repeat: int, tantivy_ref=None) -> dict:
    """Warm-up pass, then ``repeat`` passes over the mix, ours and Tantivy interleaved per request."""
    from search.core.params import search_request
    from search.engine.whoosh.searcher import search
    from search.engine.whoosh.store import IndexStore

    # The engine is measured, not the response cache: repeated passes over one mix would otherwise time
    # dictionary look-ups. The cache is timed separately below ("cached").
    saved_cache = os.environ.get("SEARCH_CACHE_SIZE")
    os.environ["SEARCH_CACHE_SIZE"] = "0"
    store = IndexStore(index)
    requests = [(q, search_request(q["resolved"])) for q in queries]
    first_pass: list[float] = []
    facet_inputs = []
    kinds_of_samples = ("ours", "facets", "tv", "tv_agg", "ours_cpu", "facets_cpu", "tv_cpu", "tv_agg_cpu")
    samples: dict[str, list[list[float]]] = {k: [[] for _ in requests] for k in kinds_of_samples}
    info: list[dict] = []
    for q, req in requests:  # warm-up (also loads facet columns, caches, Tantivy's readers)
        t = time.perf_counter()
        resp = search(store, req)
        first_pass.append((time.perf_counter() - t) * 1000)
        facet_inputs.append(capture_facet_inputs(store, req))
        time_facets(facet_inputs[-1])
        row = {"kind": q["kind"], "params": q["resolved"], "total": resp.total, "match": resp.match}
        if tantivy_ref is not None:
            tv = tantivy_ref.run(req)
            ours_ids = [r["id"] for r in resp.results]
            row["tantivy_total"] = tv["total"]
            row["overlap_at_10"] = (
                round(len(set(ours_ids) & set(tv["ids"])) / max(1, min(len(ours_ids), len(tv["ids"]))), 2)
                if ours_ids or tv["ids"]
                else None
            )
        info.append(row)
    for _ in range(repeat):
        for i, (_q, req) in enumerate(requests):
            t, c = time.perf_counter(), time.process_time()
            search(store, req)
            samples["ours"][i].append((time.perf_counter() - t) * 1000)
            samples["ours_cpu"][i].append((time.process_time() - c) * 1000)
            wall, cpu = time_facets(facet_inputs[i])
            samples["facets"][i].append(wall)
            samples["facets_cpu"][i].append(cpu)
            if tantivy_ref is not None:
                tv = tantivy_ref.run(req)
                samples["tv"][i].append(tv["total_ms"])
                samples["tv_agg"][i].append(tv["agg_ms"])
                samples["tv_cpu"][i].append(tv["total_cpu_ms"])
                samples["tv_agg_cpu"][i].append(tv["agg_cpu_ms"])
    os.environ["SEARCH_CACHE_SIZE"] = "512"
    cached: list[float] = []
    for _q, req in requests:  # fill the response cache
        search(store, req)
    for _q, req in requests:
        t = time.perf_counter()
        search(store, req)
        cached.append((time.perf_counter() - t) * 1000)
    if saved_cache is None:
        os.environ.pop("SEARCH_CACHE_SIZE", None)
    else:
        os.environ["SEARCH_CACHE_SIZE"] = saved_cache
    for i, row in enumerate(info):
        row["ours_median_ms"] = round(statistics.median(samples["ours"][i]), 2)
        row["ours_cpu_median_ms"] = round(statistics.median(samples["ours_cpu"][i]), 2)
        row["facets_median_ms"] = round(statistics.median(samples["facets"][i]), 2)
        if tantivy_ref is not None:
            row["tantivy_median_ms"] = round(statistics.median(samples["tv"][i]), 3)
            row["tantivy_agg_median_ms"] = round(statistics.median(samples["tv_agg"][i]), 3)
            row["tantivy_cpu_median_ms"] = round(statistics.median(samples["tv_cpu"][i]), 3)
    flat = {k: [x for per in v for x in per] for k, v in samples.items()}
    kinds: dict[str, dict] = {}
    for row in info:
        k = kinds.setdefault(row["kind"], {"n": 0, "ours": [], "tv": [], "ours_cpu": [], "tv_cpu": []})
        k["n"] += 1
        k["ours"].append(row["ours_median_ms"])
        k["ours_cpu"].append(row["ours_cpu_median_ms"])
        if "tantivy_median_ms" in row:
            k["tv"].append(row["tantivy_median_ms"])
            k["tv_cpu"].append(row["tantivy_cpu_median_ms"])
    by_kind = {
        name: {
            "queries": k["n"],
            "ours_median_ms": round(statistics.median(k["ours"]), 2),
            "tantivy_median_ms": round(statistics.median(k["tv"]), 3) if k["tv"] else None,
            "ours_cpu_median_ms": round(statistics.median(k["ours_cpu"]), 2),
            "tantivy_cpu_median_ms": round(statistics.median(k["tv_cpu"]), 3) if k["tv_cpu"] else None,
        }
        for name, k in kinds.items()
    }
    overlaps = [r["overlap_at_10"] for r in info if r.get("overlap_at_10") is not None]
    return {
        "queries": len(requests),
        "repeat": repeat,
        "ours": _stats(flat["ours"]),
        "ours_first_pass": _stats(first_pass),
        "ours_cached": _stats(cached),
        "ours_facets": _stats(flat["facets"]),
        "tantivy": _stats(flat["tv"]),
        "tantivy_agg": _stats(flat["tv_agg"]),
        # process CPU time per request: less distorted than wall time when other work shares the cores
        "cpu": {
            "ours": _stats(flat["ours_cpu"]),
            "ours_facets": _stats(flat["facets_cpu"]),
            "tantivy": _stats(flat["tv_cpu"]),
            "tantivy_agg": _stats(flat["tv_agg_cpu"]),
        },
        "mean_overlap_at_10": round(statistics.fmean(overlaps), 2) if overlaps else None,
        "by_kind": by_kind,
        "per_query": info,
        "tantivy_notes": sorted(tantivy_ref.notes) if tantivy_ref is not None else [],
    }


def profile_query(index: Path, params: dict, top: int = 25) -> str:
    """cProfile of one request (5 runs after a warm-up), cumulative top functions as text."""
    import cProfile
    import io
    import pstats

    from search.core.params import search_request
    from search.engine.whoosh.searcher import search
    from search.engine.whoosh.store import IndexStore

    store = IndexStore(index)
    req = search_request(params)
    search(store, req)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(5):
        search(store, req)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------- machine


def machine() -> dict:
    """What the figures were measured on, and what else was using the machine."""
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal")
    )
    from search.core.settings import BUNDLED_NER_MODEL

    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "ner_model": os.environ.get("SEARCH_SPACY_MODEL")
        or (
            f"bundled {BUNDLED_NER_MODEL.relative_to(PROJECT_ROOT)}"
            if (BUNDLED_NER_MODEL / "meta.json").exists()
            else "none: search/models/de_news_ner absent, SEARCH_SPACY_MODEL unset -> rules only (spacy.blank)"
        ),
    }


def code_version() -> dict:
    """The commit measured and the engine files changed on top of it (the tree is shared and moving)."""

    def git(*cmd: str) -> str:
        try:
            return subprocess.run(
                ["git", *cmd], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [ln[3:] for ln in git("status", "--porcelain", "--", "search").splitlines() if len(ln) > 3]
    return {"head": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_in_search": changed}


def load_snapshot() -> dict:
    """Load average and the busiest other processes (the machine is shared while we measure)."""
    loadavg = Path("/proc/loadavg").read_text().split()[:3]
    try:
        ps = subprocess.run(
            ["ps", "-eo", "pid,ppid,pcpu,rss,etime,args", "--sort=-pcpu"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        ps = []
    own = {str(os.getpid())}
    busy = []
    for ln in ps[1:]:
        pid, ppid, rest = (ln.split(None, 2) + ["", ""])[:3]
        if pid in own or ppid in own:  # the benchmark and its own children are not "other work"
            own.add(pid)
            continue
        if rest and not rest.startswith("0.0"):
            busy.append(rest.strip()[:160])
    busy = busy[:6]
    return {"at": dt.datetime.now().isoformat(timespec="seconds"), "loadavg": loadavg, "busy": busy}


# ------------------------------------------------------------------------------------------- one run


def run_one(
    args: argparse.Namespace, corpus: str, size: int | None, repeat: int, http: int, tag: str
) -> dict:
    """Corpus, reindex, queries (+ Tantivy), HTTP for one corpus and size; saved as JSON in ``args.results``."""
    from benchmarks import tantivy_ref

    workdir: Path = args.workdir
    before = load_snapshot()
    info = build_corpus(corpus, size, workdir)
    key = f"{info.name}-{info.articles}-{'ner' if args.ner else 'noner'}"
    index = workdir / "index" / key
    results_dir: Path = args.results
    results_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"[{key}] {info.description}: {info.articles:,} articles, {info.chars / 1e6:.1f} M chars", flush=True
    )
    previous = results_dir / f"{tag}-{key}.json"
    earlier = [p for p in (previous, *results_dir.glob(f"*-{key}.json")) if p.is_file()]
    if args.reuse_index and earlier and (index / "CURRENT").is_file():
        reindex = json.loads(earlier[0].read_text(encoding="utf-8"))["reindex"]
        reindex["reused"] = True  # measured by an earlier invocation (e.g. --reindex-only)
        print(f"[{key}] reusing the index and reindex figures of {earlier[0]}", flush=True)
    else:
        reindex = measure_reindex(info.folder, index, args.ner, info.articles)
        print(
            f"[{key}] reindex {reindex['seconds']} s ({reindex['articles_per_s']} articles/s), "
            f"peak RSS {reindex['peak_rss_mb']} MB (Pss {reindex.get('peak_pss_mb', '-')} MB), index {reindex['index_bytes'] / 2**20:.1f} MB, "
            f"no-op {reindex['noop_seconds']} s",
            flush=True,
        )
        _save(previous, {"reindex": reindex, "partial": True, "date": _now(), "corpus": info.to_json()})
    if args.reindex_only:
        return {"key": key, "reindex": reindex}
    no_ner = None
    if args.ner and args.compare_no_ner:
        no_ner = measure_reindex(info.folder, workdir / "index" / f"{key}-cmp-noner", False, info.articles)
        print(f"[{key}] --no-ner reindex {no_ner['seconds']} s", flush=True)

    from search.engine.whoosh.searcher import columns
    from search.engine.whoosh.store import IndexStore

    gen = IndexStore(index).current()
    queries, skipped = resolve(load_queries(), top_values(columns(gen)))
    if args.queries:
        queries = queries[: args.queries]
    tv = None
    tantivy_build = None
    tv_version = tantivy_ref.available() if args.tantivy else None
    if args.tantivy and tv_version is None:
        print(f"[{key}] tantivy is not installed: reference skipped (pip install tantivy)", flush=True)
    if tv_version:
        docs = tantivy_ref.documents_from_index(gen.searcher())
        tv = tantivy_ref.TantivyRef(workdir / "tantivy" / key, threads=args.tantivy_threads)
        tantivy_build = tv.build(docs) | {"version": tv_version}
        del docs
        print(f"[{key}] tantivy {tv_version} index {tantivy_build['seconds']} s", flush=True)
    query_results = measure_queries(index, queries, repeat, tv)
    query_results["skipped"] = [
        {"kind": s["kind"], "params": s["params"], "missing": s["missing"]} for s in skipped
    ]
    print(f"[{key}] queries ours {query_results['ours']}  tantivy {query_results['tantivy']}", flush=True)
    slow = max(query_results["per_query"], key=lambda r: r["ours_median_ms"]) if queries else None
    profile = profile_query(index, slow["params"]) if args.profile and slow else None
    http_result = None
    http_runs: list[dict] = []
    if http > 0:
        from benchmarks.http_load import http_benchmark

        http_runs = []
        for cache in (False, True):  # the engine alone, then as deployed (response cache on)
            run = http_benchmark(
                info.folder,
                index,
                [q["resolved"] for q in queries],
                http,
                args.connections,
                ner=args.ner,
                workers=args.workers,
                cache=cache,
            )
            print(
                f"[{key}] HTTP {run['server']}: {run['requests_per_s']} req/s, {run['latency_ms']}",
                flush=True,
            )
            http_runs.append(run)
        http_result = http_runs[0]
    result = {
        "tag": tag,
        "key": key,
        "date": _now(),
        "command": "python -m benchmarks.run " + shlex.join(sys.argv[1:]),
        "machine": machine(),
        "code": code_version(),
        "load_before": before,
        "load_after": load_snapshot(),
        "corpus": info.to_json(),
        "reindex": reindex,
        "reindex_no_ner": no_ner,
        "tantivy_index": tantivy_build,
        "queries": query_results,
        "slowest_query": slow["params"] if slow else None,
        "query_profile": profile,
        "http": http_result,
        "http_runs": http_runs if http > 0 else [],
        "ratios": ratios(reindex, tantivy_build, query_results),
        "notes": list(args.note or []),
    }
    _save(previous, result)
    return result


def ratios(reindex: dict, tv_index: dict | None, q: dict) -> dict:
    """ours / Tantivy: index time (ours incl. NER when on), median and p95 query, facet counting."""
    if not tv_index or not q.get("tantivy"):
        return {}

    def r(a: float, b: float) -> float | None:
        return round(a / b, 1 if a >= b else 2) if b else None

    return {
        "index_time": r(reindex["seconds"], tv_index["seconds"]),
        "query_median": r(q["ours"]["median_ms"], q["tantivy"]["median_ms"]),
        "query_p95": r(q["ours"]["p95_ms"], q["tantivy"]["p95_ms"]),
        "facets_median": r(q["ours_facets"]["median_ms"], q["tantivy_agg"]["median_ms"]),
        "facets_p95": r(q["ours_facets"]["p95_ms"], q["tantivy_agg"]["p95_ms"]),
        "index_bytes": r(reindex["index_bytes"], tv_index["bytes"]),
        "cpu_query_median": r(q["cpu"]["ours"]["median_ms"], q["cpu"]["tantivy"]["median_ms"]),
        "cpu_query_p95": r(q["cpu"]["ours"]["p95_ms"], q["cpu"]["tantivy"]["p95_ms"]),
        "cpu_facets_median": r(q["cpu"]["ours_facets"]["median_ms"], q["cpu"]["tantivy_agg"]["median_ms"]),
        "cpu_index_time": r(reindex["cpu_seconds"], tv_index["cpu_seconds"])
        if reindex.get("cpu_seconds") and tv_index.get("cpu_seconds")
        else None,
    }


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _save(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# ------------------------------------------------------------------------------------------- markdown


def _mb(n: float) -> str:
    return f"{n / 2**20:,.1f} MB"


def _num(value: float | None, unit: str = "") -> str:
    return f"{value:,.1f}{unit}" if value is not None else "–"


def _x(value: float | None) -> str:
    return f"{value}×" if value is not None else "–"


def _ms(stats: dict, key: str = "median_ms") -> str:
    return f"{stats[key]:,.2f}" if stats and key in stats else "–"


def render_md(main: dict | None, scaling: list[dict]) -> str:
    """The perf section of BENCHMARKS.md from saved results (a main run and/or scaling rows)."""
    lines = [MD_START, "## Performance at archive scale", ""]
    lines.append(
        "Written by `python -m benchmarks.run` (see its docstring); figures from the run JSON files in "
        "`benchmarks/results/`. Timings on a shared two-core machine are noisy: read the ratios to Tantivy "
        "(measured in the same run, interleaved request by request) rather than the absolute numbers."
    )
    lines.append("")
    if main:
        m, rx, q = main["machine"], main["reindex"], main["queries"]
        tv, ra = main.get("tantivy_index"), main.get("ratios") or {}
        lines += [
            f"### {main['corpus']['description']}",
            "",
            f"* Date: {main['date']}; command: `{main['command']}`",
            f"* Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, Python {m['python']}",
            f"* NER: {'on, model: ' + m['ner_model'] if rx['ner'] else 'off (--no-ner)'}",
            f"* Code: commit {main.get('code', {}).get('head', '?')}"
            + (
                f" plus uncommitted changes to {', '.join(main['code']['uncommitted_in_search'])}"
                if main.get("code", {}).get("uncommitted_in_search")
                else ""
            ),
            f"* Other load before: load average {' '.join(main['load_before']['loadavg'])}; "
            f"after: {' '.join(main['load_after']['loadavg'])}. Busiest other processes at the start:",
        ]
        others = [b for b in main["load_before"]["busy"] if "benchmarks.run" not in b][:4]
        lines += [f"  * `{b}`" for b in others] or ["  * none"]
        if rx.get("reused"):
            lines.append(
                f"* Reindex measured by an earlier run of the benchmark on the same folder (`--reuse-index`): "
                f"`{rx['command']}`"
            )
        lines += [f"* {note}" for note in main.get("notes", [])]
        lines += [
            f"* Corpus: {main['corpus']['articles']:,} articles, {main['corpus']['chars'] / 1e6:,.1f} M characters",
            "",
            "| reindex | figure |",
            "|---|---|",
            f"| full reindex ({'with NER' if rx['ner'] else 'no NER'}), wall | {rx['seconds']:,.1f} s |",
            f"| CPU time of the reindex process tree | {_num(rx.get('cpu_seconds'), ' s')} |",
            f"| articles per second | {rx['articles_per_s']:,.1f} |",
            f"| peak RSS of the process tree (sampled every 0.2 s) | {rx['peak_rss_mb']:,.0f} MB |",
            f"| index size (live generation) | {_mb(rx['index_bytes'])} |",
            f"| no-op reindex | {rx['noop_seconds']:,.2f} s (peak {rx['noop_peak_rss_mb']:,.0f} MB) |",
        ]
        if main.get("reindex_no_ner"):
            nn = main["reindex_no_ner"]
            lines.append(
                f"| full reindex `--no-ner` | {nn['seconds']:,.1f} s ({nn['articles_per_s']:,.1f} articles/s, "
                f"peak {nn['peak_rss_mb']:,.0f} MB) |"
            )
        lines += [
            "",
            f"Query mix: {q['queries']} requests of `benchmarks/queries.json` ({len(q['skipped'])} skipped "
            f"for lack of facet values), {q['repeat']} timed passes after a warm-up pass, all facets, 10 "
            "results with snippets (the JSON endpoint's defaults).",
            "",
        ]
        lines += [
            "| ms per request | median | p95 | p99 |",
            "|---|---|---|---|",
            f"| ours: `search()` | {_ms(q['ours'])} | {_ms(q['ours'], 'p95_ms')} | {_ms(q['ours'], 'p99_ms')} |",
            f"| ours: facet counting alone | {_ms(q['ours_facets'])} | {_ms(q['ours_facets'], 'p95_ms')} | "
            f"{_ms(q['ours_facets'], 'p99_ms')} |",
        ]
        for label, k in (
            ("ours: first pass (postings and phrase caches cold)", "ours_first_pass"),
            ("ours: repeated request, answered by the response cache", "ours_cached"),
        ):
            if q.get(k):
                lines.append(f"| {label} | {_ms(q[k])} | {_ms(q[k], 'p95_ms')} | {_ms(q[k], 'p99_ms')} |")
        if q.get("tantivy"):
            lines += [
                f"| Tantivy: query + top 10 + snippets + aggregations | {_ms(q['tantivy'])} | "
                f"{_ms(q['tantivy'], 'p95_ms')} | {_ms(q['tantivy'], 'p99_ms')} |",
                f"| Tantivy: aggregations alone | {_ms(q['tantivy_agg'])} | {_ms(q['tantivy_agg'], 'p95_ms')} | "
                f"{_ms(q['tantivy_agg'], 'p99_ms')} |",
            ]
        cpu = q.get("cpu") or {}
        if cpu:
            lines += ["", "The same as process CPU time (less distorted by other work on the machine):", ""]
            lines += ["| CPU ms per request | median | p95 | p99 |", "|---|---|---|---|"]
            for label, k in (
                ("ours: `search()`", "ours"),
                ("ours: facet counting alone", "ours_facets"),
                ("Tantivy: query + top 10 + snippets + aggregations", "tantivy"),
                ("Tantivy: aggregations alone", "tantivy_agg"),
            ):
                if cpu.get(k):
                    lines.append(
                        f"| {label} | {_ms(cpu[k])} | {_ms(cpu[k], 'p95_ms')} | {_ms(cpu[k], 'p99_ms')} |"
                    )
        if tv:
            lines += [
                "",
                f"Tantivy {tv['version']} (tantivy-py, {tv['threads']} indexing thread(s)): index "
                f"{tv['seconds']:,.1f} s wall, {_num(tv.get('cpu_seconds'), ' s')} CPU, {_mb(tv['bytes'])} on "
                f"disk; mean top-10 overlap with ours {q.get('mean_overlap_at_10')} (same documents in both "
                "top tens, over requests where either found something).",
                "",
                "| ours / Tantivy | wall time | CPU time |",
                "|---|---|---|",
                f"| index time (ours {'with' if rx['ner'] else 'without'} NER, Tantivy given our entities) | "
                f"{_x(ra.get('index_time'))} | {_x(ra.get('cpu_index_time'))} |",
                f"| median query | {_x(ra.get('query_median'))} | {_x(ra.get('cpu_query_median'))} |",
                f"| p95 query | {_x(ra.get('query_p95'))} | {_x(ra.get('cpu_query_p95'))} |",
                f"| facet counting, median | {_x(ra.get('facets_median'))} | {_x(ra.get('cpu_facets_median'))} |",
                f"| facet counting, p95 | {_x(ra.get('facets_p95'))} | |",
                f"| index size on disk | {_x(ra.get('index_bytes'))} | |",
            ]
        lines += [
            "",
            "Per kind of request (median over the kind's requests of each request's median; wall / CPU ms):",
            "",
            "| kind | requests | ours wall | ours CPU | Tantivy wall | Tantivy CPU |",
            "|---|---|---|---|---|---|",
        ]
        for kind, k in q["by_kind"].items():
            lines.append(
                f"| {kind} | {k['queries']} | {k['ours_median_ms']:,.2f} | {_num(k.get('ours_cpu_median_ms'))} | "
                f"{k['tantivy_median_ms'] if k['tantivy_median_ms'] is not None else '–'} | "
                f"{k.get('tantivy_cpu_median_ms') if k.get('tantivy_cpu_median_ms') is not None else '–'} |"
            )
        slow = sorted(q["per_query"], key=lambda r: -r["ours_median_ms"])[:5]
        lines += [
            "",
            "Slowest requests (ours, median ms): "
            + "; ".join(
                f"`{json.dumps(r['params'], ensure_ascii=False)}` {r['ours_median_ms']:,.1f} ({r['total']:,} hits)"
                for r in slow
            )
            + ".",
        ]
        runs = main.get("http_runs") or ([main["http"]] if main.get("http") else [])
        for h in runs:
            lat = h["latency_ms"]
            lines += [
                "",
                f"HTTP (`{h.get('server', 'search serve, waitress 8 threads')}`, 127.0.0.1; {h['tool']}, "
                f"{h['distinct_paths']} distinct `/api/search` requests cycled): **{h['requests_per_s']:,.1f} "
                f"requests/s**, {h['requests']:,} requests, latency p50 {lat['p50']:,.1f} ms, p90 {lat['p90']:,.1f} ms, "
                f"p99 {lat['p99']:,.1f} ms, max {lat['max']:,.1f} ms; non-2xx: {h['non_2xx']}, socket errors: "
                f"{h['socket_errors']}; server ready {h['startup_s']:,.1f} s after start (startup reindex + first "
                "request)." + (f" Warning: {h['warning']}." if h.get("warning") else ""),
            ]
        notes = q.get("tantivy_notes") or []
        lines += [
            "",
            "Tantivy translation: words/AND/OR/-NOT/phrases through its query parser on title^3 + body (German "
            "Snowball stemmer, stop words, ASCII folding), `prefix*` as up to 200 expansions of an unstemmed "
            "field (as ours), facet filters as term queries, disjunctive facets as one aggregation request per "
            "filtered facet, date sort on a fast field. Not reproduced: our exact-form and compound-part "
            'scoring fields, the "some words" fallback and spelling suggestions.'
            + (" Also: " + "; ".join(notes) + "." if notes else ""),
        ]
    if scaling:
        lines += [
            "",
            "### Scaling",
            "",
            "Every saved run in `benchmarks/results/`, newest per corpus, size and NER setting (FANG-COVID: its first N "
            "articles; synthetic: `search.synthetic`). Wall times under the load of the day: compare CPU seconds.",
            "",
            "| articles | corpus | M chars | NER | reindex s (CPU s) | articles/s | peak RSS MB | index MB | no-op s "
            "| query median / p95 ms (CPU median) | facets median ms | Tantivy index s | Tantivy median ms | date |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in sorted(scaling, key=lambda r: (r["corpus"]["articles"], r["corpus"]["name"])):
            rx, q, tv = r["reindex"], r["queries"], r.get("tantivy_index") or {}
            chars = r["corpus"].get("chars")
            lines.append(
                f"| {r['corpus']['articles']:,} | {r['corpus']['name']} | {_num(chars / 1e6 if chars else None)} | "
                f"{'yes' if rx['ner'] else 'no'} | {rx['seconds']:,.1f} ({_num(rx.get('cpu_seconds'))}) | "
                f"{rx['articles_per_s']:,.1f} | "
                f"{rx['peak_rss_mb']:,.0f} | {rx['index_bytes'] / 2**20:,.1f} | {rx['noop_seconds']:,.2f} | "
                f"{_ms(q.get('ours') or {})} / {_ms(q.get('ours') or {}, 'p95_ms')} "
                f"({_ms((q.get('cpu') or {}).get('ours') or {})}) | "
                f"{_ms(q.get('ours_facets') or {})} | "
                f"{tv.get('seconds', '–')} | {_ms(q.get('tantivy') or {})} | {r['date'][:16]} |"
            )
    lines += ["", MD_END]
    return "\n".join(lines) + "\n"


def update_md(section: str, path: Path = MD_PATH, markers: tuple[str, str] = (MD_START, MD_END)) -> None:
    """Replace only the text between the ``markers`` (default: perf; append the section when missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start, end = text.find(markers[0]), text.find(markers[1])
    if start != -1 and end > start:
        text = text[:start] + section.rstrip("\n") + text[end + len(markers[1]) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def saved_results(results: Path, tag: str = "", partial: bool = False) -> list[dict]:
    """Results of earlier runs in ``results`` (``tag``: only ``main`` or ``scaling`` runs).

    With ``partial``, runs that stopped after the reindex count too (the scaling table shows their
    reindex figures).
    """
    out = []
    for path in sorted(results.glob(f"{tag}*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if not data.get("partial") and "queries" in data:
            out.append(data)
        elif partial and "reindex" in data:
            key = path.stem.split("-", 1)[1]
            out.append(
                {
                    "key": key,
                    "date": data["date"],
                    "corpus": data["corpus"],
                    "reindex": data["reindex"],
                    "queries": {},
                }
            )
    return out


def latest_per_size(results: list[dict]) -> list[dict]:
    """One row per corpus, size and NER setting: the newest run."""
    best: dict[str, dict] = {}
    for r in results:
        if r["key"] not in best or r["date"] > best[r["key"]]["date"]:
            best[r["key"]] = r
    return list(best.values())


# ------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=("fang", "synthetic"), default="fang")
    ap.add_argument("--size", type=int, default=None, help="articles (fang: first N, default all 41,242)")
    ap.add_argument("--ner", action=argparse.BooleanOptionalAction, default=True, help="entity extraction")
    ap.add_argument("--compare-no-ner", action="store_true", help="also time a --no-ner full reindex")
    ap.add_argument(
        "--tantivy", action=argparse.BooleanOptionalAction, default=True, help="Tantivy reference"
    )
    ap.add_argument("--tantivy-threads", type=int, default=1, help="Tantivy indexing threads (0 = auto)")
    ap.add_argument("--http", type=int, default=0, metavar="SECONDS", help="HTTP load test length (0 = none)")
    ap.add_argument("--connections", type=int, default=8, help="HTTP load generator connections")
    ap.add_argument(
        "--workers", type=int, default=2, help="server processes for the HTTP test (search serve --workers)"
    )
    ap.add_argument("--queries", type=int, default=0, help="only the first N requests of the mix")
    ap.add_argument("--repeat", type=int, default=10, help="timed passes over the query mix")
    ap.add_argument("--profile", action="store_true", help="cProfile the slowest request")
    ap.add_argument("--reuse-index", action="store_true", help="keep an index built by an earlier run")
    ap.add_argument(
        "--reindex-only",
        action="store_true",
        help="stop after the reindex (continue later with --reuse-index)",
    )
    ap.add_argument(
        "--scaling", action="store_true", help="run the scaling sizes (fewer repetitions, no HTTP)"
    )
    ap.add_argument("--sizes", default=",".join(str(s) for s in SCALING_SIZES), help="sizes for --scaling")
    ap.add_argument("--write-md", action="store_true", help="update BENCHMARKS.md (perf section only)")
    ap.add_argument("--note", action="append", help="a remark for BENCHMARKS.md (repeatable)")
    ap.add_argument("--md-only", action="store_true", help="only re-render BENCHMARKS.md from saved results")
    ap.add_argument("--md-path", type=Path, default=MD_PATH, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help="corpora, indexes (large)")
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results as JSON (committed)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> dict | None:
    """Run the benchmark; returns the last run's results (None when skipped)."""
    args = parse_args(argv)
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    args.results = args.results.resolve()
    result = None
    try:
        if args.md_only:
            args.write_md = True
        elif args.scaling:
            for size in (int(s) for s in args.sizes.split(",") if s.strip()):
                corpus = "fang" if size <= FANG_SIZE else "synthetic"
                try:
                    result = run_one(args, corpus, size, repeat=min(args.repeat, 3), http=0, tag="scaling")
                except CorpusUnavailable as exc:
                    print(f"skipped {size:,}: {exc}", flush=True)
        else:
            result = run_one(args, args.corpus, args.size, args.repeat, args.http, tag="main")
    except CorpusUnavailable as exc:
        print(f"skipped: {exc}", flush=True)
        return None
    if args.write_md:
        mains = saved_results(args.results, "main")
        latest = max(mains, key=lambda r: r["date"]) if mains else None
        if latest and args.md_only and args.note:
            latest["notes"] = list(args.note)
        rows = latest_per_size(saved_results(args.results, partial=True))
        update_md(render_md(latest, rows), args.md_path)
        print(f"updated {args.md_path}", flush=True)
    return result


if __name__ == "__main__":
    main()
