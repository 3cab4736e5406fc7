"""Soak test: ``search serve`` (waitress) on 127.0.0.1 under a mixed load for minutes, with a reindex in the
middle, reporting the error rate (must be 0), the server's memory at start and end, latency percentiles,
requests per second and the index generations the answers came from.

    python -m benchmarks.soak [--seconds 300] [--threads 8] [--articles 300] [--markdown]

It builds a corpus in a temporary folder (the seeds plus ``--articles`` synthetic ones; no entity
extraction unless ``--ner``), indexes it, starts the server with the API rate limit off (every request
comes from one address), and drives it from ``--threads`` keep-alive clients with a mix of searches (JSON
and HTML), facet clicks, article views and suggestions. Half-way through it adds 50 articles and runs
``search reindex`` while the load goes on; answers must move to the new generation without an error.
Only loopback traffic, bounded by ``--seconds`` and ``--max-requests``. Exit status 1 when any request
failed or the new generation was never seen.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
HOST = "127.0.0.1"
WORDS = [
    "regierung", "zeit", "präsident", "land", "gipfel", "wirtschaft", "deutschland", "stadt", "polizei",
    "europa", "krieg", "wahl", "kinder", "schule", "geld", "nordkorea", "trump", "berlin", "wien", "paris",
    "Atom*", "Regier*", "Präsidnt~1", "zeit OR geld", "land -stadt", '"in der"', "Kim Jong-un",
]  # fmt: skip
# kind -> weight of the request mix
MIX = {"search_json": 30, "search_html": 20, "facet_click": 20, "article": 20, "suggest": 10}


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident memory of a process in KiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def machine() -> dict:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in ln
        ),
        platform.processor(),
    )
    mem = next(
        ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def write_articles(folder: Path, n: int, seed: int, prefix: str) -> None:
    from search_tools.synthetic import article_text

    rng = random.Random(seed)
    for i in range(n):
        (folder / f"{prefix}_{i:05d}.txt").write_text(article_text(rng, rng.randint(3, 12)), encoding="utf-8")


class Stats:
    """Latencies, statuses and generations, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.generations: Counter = Counter()
        self.requests = 0
        self.ids: list[str] = ["002_96c8ceafc6e47d4f"]

    def record(self, kind: str, ms: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.requests += 1
            self.latency[kind].append(ms)
            if not ok:
                self.errors.append(f"{kind}: {detail}"[:300])


class Client:
    """One keep-alive connection; each call is one request of the mix."""

    def __init__(self, port: int, stats: Stats, rng: random.Random) -> None:
        self.port, self.stats, self.rng = port, stats, rng
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)

    def get(self, kind: str, path: str) -> tuple[int, bytes]:
        started = time.perf_counter()
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
            body = resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
            self.stats.record(kind, (time.perf_counter() - started) * 1000, False, f"{path}: {exc!r}")
            return 0, b""
        ms = (time.perf_counter() - started) * 1000
        self.stats.record(kind, ms, status == 200, f"{path}: HTTP {status} {body[:120]!r}")
        return status, body

    def search_json(self, q: str) -> dict | None:
        status, body = self.get("search_json", "/api/search?" + urlencode({"q": q}))
        if status != 200:
            return None
        data = json.loads(body)
        with self.stats.lock:
            self.stats.generations[data["generation"]] += 1
            if data["results"]:
                self.stats.ids = [h["id"] for h in data["results"]][:10]
        return data

    def step(self) -> None:
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        q = self.rng.choice(WORDS)
        if kind == "search_json":
            self.search_json(q)
        elif kind == "search_html":
            self.get(kind, "/?" + urlencode({"q": q, "page": self.rng.choice([1, 1, 1, 2])}))
        elif kind == "facet_click":  # tick a facet value of a result page, then list a facet's values
            data = self.search_json(q)
            values = [
                (name, v["value"]) for name, vs in (data or {}).get("facets", {}).items() for v in vs[:5]
            ]
            params = [("q", q)]
            if values:
                params.append(self.rng.choice(values))
            self.get(kind, "/?" + urlencode(params))
            self.get(
                kind,
                "/api/facets/" + self.rng.choice(["source", "date", "mentioned"]) + "?" + urlencode({"q": q}),
            )
        elif kind == "article":
            doc = self.rng.choice(self.stats.ids)
            self.get(kind, f"/artikel/{quote(doc)}?" + urlencode({"q": q}))
            self.get(kind, f"/api/articles/{quote(doc)}")
        else:
            self.get(kind, "/api/suggest?" + urlencode({"q": q[: self.rng.randint(2, 5)]}))


def drive(port: int, stats: Stats, stop: threading.Event, seed: int, max_requests: int) -> None:
    client = Client(port, stats, random.Random(seed))
    while not stop.is_set() and stats.requests < max_requests:
        client.step()


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    try:
        return _run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> dict:
    articles, index = work / "articles", work / "index"
    shutil.copytree(SEEDS, articles)
    write_articles(articles, args.articles, 1, "soak")
    env = {**os.environ, "SEARCH_RATE_LIMIT": "off", "SEARCH_NER": "1" if args.ner else "0"}
    cli = [sys.executable, "-m", "search.cli"]
    where = ["--articles", str(articles), "--index", str(index)]
    built = subprocess.run([*cli, "reindex", *where], env=env, cwd=ROOT, capture_output=True, text=True)
    if built.returncode:
        raise SystemExit(built.stderr)
    port = free_port()
    log = (work / "server.log").open("w")
    server = subprocess.Popen(
        [*cli, "serve", *where, "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        return _load(args, server, port, articles, where, cli, env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _load(args, server, port, articles, where, cli, env) -> dict:
    deadline = time.monotonic() + 300
    while True:  # wait for the server (it warms its caches first)
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                break
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the server did not start")
        time.sleep(0.3)
    warm = Client(port, Stats(), random.Random(0))
    for _ in range(50):  # warm-up outside the figures: caches, templates, searchers
        warm.step()
    start_gen = json.loads(warm.get("w", "/api/search?per_page=1")[1])
    rss: list[tuple[float, int]] = [(0.0, rss_kib(server.pid))]
    stats = Stats()
    stop = threading.Event()
    threads = [
        threading.Thread(target=drive, args=(port, stats, stop, 100 + i, args.max_requests), daemon=True)
        for i in range(args.threads)
    ]
    load_start = os.getloadavg()
    started = time.monotonic()
    for t in threads:
        t.start()
    reindex: dict = {}
    next_sample = 10.0
    while (elapsed := time.monotonic() - started) < args.seconds and stats.requests < args.max_requests:
        if elapsed >= next_sample:
            rss.append((round(elapsed), rss_kib(server.pid)))
            next_sample += 10
        if not reindex and elapsed >= args.seconds / 2:  # the reindex in the middle, under load
            write_articles(articles, 50, 2, "neu")
            t0 = time.monotonic()
            done = subprocess.run(
                [*cli, "reindex", *where], env=env, cwd=ROOT, capture_output=True, text=True
            )
            reindex = {
                "at_s": round(elapsed),
                "seconds": round(time.monotonic() - t0, 1),
                "exit": done.returncode,
                "summary": (done.stdout.strip() or done.stderr.strip()).splitlines()[-1:],
            }
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    duration = time.monotonic() - started
    rss.append((round(duration), rss_kib(server.pid)))
    end_gen = json.loads(Client(port, Stats(), random.Random(0)).get("w", "/api/search?per_page=1")[1])
    all_ms = [ms for values in stats.latency.values() for ms in values]
    return {
        "machine": machine(),
        "load_average_start": [round(x, 2) for x in load_start],
        "load_average_end": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(duration, 1),
        "threads": args.threads,
        "articles_start": start_gen["total"],
        "articles_end": end_gen["total"],
        "requests": stats.requests,
        "errors": len(stats.errors),
        "error_rate": round(len(stats.errors) / max(1, stats.requests), 6),
        "first_errors": stats.errors[:10],
        "requests_per_s": round(stats.requests / duration, 1),
        "latency_ms": {
            kind: {
                "n": len(values),
                "p50": round(percentile(values, 50), 1),
                "p90": round(percentile(values, 90), 1),
                "p99": round(percentile(values, 99), 1),
                "max": round(max(values), 1),
            }
            for kind, values in sorted({**stats.latency, "all": all_ms}.items())
            if values
        },
        "rss_mib": {"start": round(rss[0][1] / 1024, 1), "end": round(rss[-1][1] / 1024, 1)},
        "rss_samples_mib": [(t, round(k / 1024, 1)) for t, k in rss],
        "generations_seen": dict(stats.generations),
        "generation_start": start_gen["generation"],
        "generation_end": end_gen["generation"],
        "reindex": reindex,
    }


def markdown(r: dict) -> str:
    lines = [
        f"* machine: {r['machine']['cpu']}, {r['machine']['cores']} cores, {r['machine']['memory_gib']} GiB, "
        f"Python {r['machine']['python']}; load average {r['load_average_start']} -> {r['load_average_end']}",
        f"* {r['seconds']} s, {r['threads']} client threads, {r['requests']:,} requests, "
        f"**{r['requests_per_s']} requests/s**, **errors {r['errors']} (rate {r['error_rate']})**",
        f"* articles {r['articles_start']} -> {r['articles_end']}; reindex at {r['reindex'].get('at_s')} s took "
        f"{r['reindex'].get('seconds')} s (exit {r['reindex'].get('exit')}): {' '.join(r['reindex'].get('summary', []))}",
        f"* server RSS {r['rss_mib']['start']} MiB at start -> {r['rss_mib']['end']} MiB at end; samples (s, MiB): "
        + ", ".join(f"{t}: {m}" for t, m in r["rss_samples_mib"]),
        f"* generations seen (answers): {r['generations_seen']}",
        "",
        "| requests | n | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for kind, v in r["latency_ms"].items():
        lines.append(f"| {kind} | {v['n']:,} | {v['p50']} | {v['p90']} | {v['p99']} | {v['max']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0, help="how long the load runs (default 300)")
    ap.add_argument("--threads", type=int, default=8, help="concurrent keep-alive clients (default 8)")
    ap.add_argument("--articles", type=int, default=300, help="synthetic articles besides the seeds")
    ap.add_argument("--max-requests", type=int, default=500_000, help="hard cap on requests")
    ap.add_argument("--ner", action="store_true", help="extract entities while indexing (slower)")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown summary after the JSON")
    args = ap.parse_args()
    result = run(args)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.markdown:
        print(markdown(result))
    new_gen_seen = result["generation_end"] != result["generation_start"]
    sys.exit(0 if result["errors"] == 0 and new_gen_seen and result["reindex"].get("exit") == 0 else 1)


if __name__ == "__main__":
    main()
