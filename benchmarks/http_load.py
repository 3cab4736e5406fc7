"""HTTP throughput of ``search serve`` (waitress) on 127.0.0.1 under the benchmark's query mix.

The server is started as a subprocess over an already built index (its startup reindex is then a no-op)
with the API rate limit off (``SEARCH_RATE_LIMIT=off``: one address sends every request),
driven for a fixed time by ``wrk`` (Debian package) with :file:`wrk_mix.lua` cycling through the
``/api/search?...`` paths, or by a bounded Python thread pool when wrk is not installed, and stopped
afterwards. Only loopback traffic; bounded in time and in request count.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
LUA = Path(__file__).with_name("wrk_mix.lua")
STARTUP_TIMEOUT = 300.0  # opening a large index and its facet columns on first request


def free_port() -> int:
    """A free loopback port (bound and released; the race is harmless on a benchmark machine)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def api_path(params: dict) -> str:
    """``/api/search?...`` for one request of the mix (lists become repeated parameters)."""
    return "/api/search?" + urlencode(params, doseq=True)


def start_server(
    articles: Path,
    index: Path,
    port: int,
    threads: int | None = None,
    ner: bool = True,
    workers: int = 1,
    cache: bool = True,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """``python -m search.cli serve`` on 127.0.0.1:port; output goes to a log file beside the index
    (``extra_env``: more variables, e.g. ``SEARCH_ENGINE=opensearch`` and its cluster)."""
    log = open(Path(index).parent / f"serve-{port}.log", "wb")  # noqa: SIM115 - closed with the process
    cmd = [sys.executable, "-m", "search.cli", "serve", "--host", HOST, "--port", str(port)]
    cmd += ["--threads", str(threads)] if threads is not None else []  # None: the server's default
    cmd += [
        "--workers",
        str(workers),
        "--articles",
        str(articles),
        "--index",
        str(index),
    ]
    # The per-client API rate limit (search/security.py) would answer most requests with 429 from one
    # address: the benchmark measures the engine, so it is off; the per-request search time limit stays.
    # SEARCH_NER as in the benchmarked index, should serve's startup reindex find anything to do.
    env = {**os.environ, "SEARCH_RATE_LIMIT": "off", "SEARCH_NER": "1" if ner else "0"}
    env["SEARCH_CACHE_SIZE"] = "512" if cache else "0"
    env.update(extra_env or {})
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    proc.log = log  # type: ignore[attr-defined]
    return proc


def wait_ready(proc: subprocess.Popen, port: int, probe: str, timeout: float = STARTUP_TIMEOUT) -> float:
    """Seconds until ``probe`` answers 200 (the first request also loads the facet columns)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} (see {proc.log.name})")  # type: ignore[attr-defined]
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{probe}", timeout=60) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"server on port {port} not ready after {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server we started (its own session), SIGKILL if it does not stop."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
    proc.log.close()  # type: ignore[attr-defined]


def run_wrk(port: int, paths: list[str], seconds: int, connections: int, threads: int) -> dict:
    """Drive the server with wrk; the Lua script prints one JSON line with the summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(paths) + "\n")
        paths_file = fh.name
    try:
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s"]
        cmd += ["-s", str(LUA), f"http://{HOST}:{port}", "--", paths_file]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout
    finally:
        os.unlink(paths_file)
    line = next(ln for ln in out.splitlines() if ln.startswith("WRK_JSON "))
    data = json.loads(line[len("WRK_JSON ") :])
    us = data.pop("latency_us")
    data["latency_ms"] = {k: round(v / 1000, 2) for k, v in us.items()}
    data["requests_per_s"] = round(data["requests"] / data["duration_s"], 2) if data["duration_s"] else 0.0
    data["tool"] = f"wrk -t{threads} -c{connections} -d{seconds}s"
    return data


def run_python(port: int, paths: list[str], seconds: int, connections: int) -> dict:
    """A bounded thread-pool load generator (:func:`benchmarks.http_measure.load`, one kept-alive connection
    per thread): the fallback when wrk is missing."""
    from benchmarks.http_measure import load

    latencies: list[float] = []
    result = load(port, [("GET", p, None, {}) for p in paths], seconds, connections, latencies)
    duration = result["duration_s"]
    lat = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, round(p / 100 * (len(lat) - 1)))], 2)

    return {
        "requests": len(latencies),
        "duration_s": duration,
        "requests_per_s": round(len(latencies) / duration, 2) if duration else 0.0,
        "non_2xx": result["non_2xx"],
        "socket_errors": result["socket_errors"],
        "latency_ms": {
            "p50": pct(50),
            "p90": pct(90),
            "p95": pct(95),
            "p99": pct(99),
            "max": round(lat[-1], 2),
            "mean": round(statistics.fmean(lat), 2),
        },
        "tool": f"python threads x{connections}, {seconds}s",
    }


def http_benchmark(
    articles: Path,
    index: Path,
    params_list: list[dict],
    seconds: int,
    connections: int = 8,
    ner: bool = True,
    workers: int = 2,
    cache: bool = False,
) -> dict:
    """Start the server, drive it for ``seconds`` with the query mix, stop it; the figures as a dict."""
    from search.cli.serve import serve_threads
    from search.engine.whoosh.generations import current_generation

    paths = [api_path(p) for p in params_list]
    port = free_port()
    before = current_generation(index)
    proc = start_server(articles, index, port, ner=ner, workers=workers, cache=cache)
    try:
        ready_s = wait_ready(proc, port, paths[0])
        for path in paths * workers:  # warm-up: every distinct request once per worker (roughly)
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=120) as resp:
                resp.read()
        if shutil.which("wrk"):
            result = run_wrk(port, paths, seconds, connections, threads=2)
        else:
            result = run_python(port, paths, seconds, connections)
    finally:
        stop_server(proc)
    after = current_generation(index)
    if after != before:  # serve's startup reindex changed the index (code changed since it was built)
        result["warning"] = (
            f"serve rebuilt the index ({before.name if before else None} -> {after.name if after else None})"
        )
    result["startup_s"] = round(ready_s, 2)
    result["distinct_paths"] = len(paths)
    result["server"] = (
        f"search serve --workers {workers} (threads: the default, {serve_threads(None, workers)} per process)"
        + (" (gunicorn)" if workers > 1 else " (waitress)")
        + f", SEARCH_CACHE_SIZE={'512' if cache else '0'}, SEARCH_RATE_LIMIT=off"
    )
    result["cache"] = cache
    result["workers"] = workers
    return result
