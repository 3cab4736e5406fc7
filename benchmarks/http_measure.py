"""Measuring servers over HTTP from outside: CPU and RSS of their process trees, kept-alive clients, load.

Used by :mod:`benchmarks.vs_typesense` for both engines alike (our ``search serve`` and typesense-server):
server CPU from ``/proc/<pid>/stat`` (utime + stime, reaped children included) of the whole process tree,
VmRSS sampled in a thread, requests timed at the client over kept-alive HTTP/1.1 connections. Only
127.0.0.1; the load generator is bounded in time and in request count.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import threading
import time

from benchmarks.http_load import api_path
from benchmarks.run import percentile, process_tree, tree_rss_each

HOST = "127.0.0.1"
MAX_REQUESTS = 500_000  # the load generator's hard cap per engine
CLK_TCK = os.sysconf("SC_CLK_TCK")

# one request: (method, path, body, headers)
Request = tuple[str, str, bytes | None, dict[str, str]]


# ------------------------------------------------------------------------------------- process figures


def tree_cpu(root: int) -> float:
    """CPU seconds (user + system, reaped children included) of ``root`` and all its descendants."""
    total = 0
    for pid in process_tree(root):
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / CLK_TCK


def settle(root: int, timeout: float = 600) -> float:
    """Wait until ``root`` has no child processes (``search serve``'s startup reindex has ended), so its
    CPU is not counted in a measured phase; the seconds waited."""
    started = time.perf_counter()
    while len(process_tree(root)) > 1 and time.perf_counter() - started < timeout:
        time.sleep(0.5)
    return round(time.perf_counter() - started, 1)


class RssSampler:
    """Peak VmRSS of some process trees, sampled every 0.2 s in a thread while ``phase`` names the phase."""

    def __init__(self, pids: dict[str, int]):
        self.pids = pids
        self.peaks: dict[str, dict[str, int]] = {}
        self.process_peaks: dict[str, dict[str, int]] = {}  # the largest single process of each tree
        self.phase = "start"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(0.2)

    def sample(self) -> None:
        for name, pid in list(self.pids.items()):
            each = tree_rss_each(pid)
            peaks = self.peaks.setdefault(self.phase, {})
            peaks[name] = max(peaks.get(name, 0), sum(each))
            largest = self.process_peaks.setdefault(self.phase, {})
            largest[name] = max(largest.get(name, 0), max(each, default=0))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sample()

    def mb(self, phase: str, per_process: bool = False) -> dict[str, float]:
        """Peak RSS in MB per tree in ``phase`` (``per_process``: of its largest single process)."""
        peaks = (self.process_peaks if per_process else self.peaks).get(phase, {})
        return {k: round(v / 2**20, 1) for k, v in peaks.items()}


# ------------------------------------------------------------------------------------------ HTTP client


def api_request(params: dict) -> Request:
    """One request of the mix to our ``search serve`` (``/api/search``), whatever engine serves it."""
    return "GET", api_path(params), None, {}


def api_summary(data: bytes) -> dict:
    """What our API answered: total, top ids, bytes (for :func:`warm_up`)."""
    answer = json.loads(data)
    return {"total": answer["total"], "ids": [r["id"] for r in answer["results"]], "bytes": len(data)}


class Client:
    """Kept-alive HTTP/1.1 connection to one server; reconnects after an error."""

    def __init__(self, port: int, timeout: float = 120):
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Request) -> tuple[int, bytes]:
        method, path, body, headers = req
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, resp.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load(
    port: int, reqs: list[Request], seconds: float, clients: int, latencies: list[float] | None = None
) -> dict:
    """``clients`` threads, each with its own kept-alive connection, cycling ``reqs`` for ``seconds``
    (``latencies``: a list that receives every request's milliseconds)."""
    lock = threading.Lock()
    latencies = [] if latencies is None else latencies
    counts = {"requests": 0, "non_2xx": 0, "socket_errors": 0}
    statuses: dict[str, int] = {}  # which non-2xx answers (e.g. 503: the search time limit)
    deadline = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        client, i = Client(port, timeout=60), offset
        while time.perf_counter() < deadline:
            with lock:
                if counts["requests"] >= MAX_REQUESTS:
                    break
                counts["requests"] += 1
            req = reqs[i % len(reqs)]
            i += clients
            t = time.perf_counter()
            try:
                status, _ = client.send(req)
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["socket_errors"] += 1
                continue
            ms = (time.perf_counter() - t) * 1000
            with lock:
                latencies.append(ms)
                counts["non_2xx"] += not 200 <= status < 300
                if not 200 <= status < 300:
                    statuses[str(status)] = statuses.get(str(status), 0) + 1
        client.close()

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for th in pool:
        th.start()
    for th in pool:
        th.join(seconds + 120)
    duration = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "duration_s": round(duration, 2),
        "requests_per_s": round(len(latencies) / duration, 1) if duration else 0.0,
        "non_2xx": counts["non_2xx"],
        "socket_errors": counts["socket_errors"],
        "non_2xx_statuses": statuses,
        "latency_ms": stats(latencies),
    }


def stats(values: list[float]) -> dict:
    if not values:
        return {}
    return {
        "median_ms": round(statistics.median(values), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "mean_ms": round(statistics.fmean(values), 2),
        "samples": len(values),
    }


# ------------------------------------------------------------------------------------------- measuring


def interleaved(engines: dict[str, tuple[int, int, list[Request]]], repeat: int) -> dict:
    """``repeat`` passes over the mix, engines interleaved request by request; latency and CPU per request.

    ``engines``: name -> (port, server pid, requests in mix order). The first engine of a request alternates
    between passes, so neither always meets the other's cache misses or CPU frequency steps.
    """
    names = list(engines)
    clients = {n: Client(engines[n][0]) for n in names}
    samples: dict[str, list[list[float]]] = {n: [[] for _ in engines[n][2]] for n in names}
    errors = dict.fromkeys(names, 0)
    count = len(engines[names[0]][2])
    cpu_before = {n: tree_cpu(engines[n][1]) for n in names}
    started = time.perf_counter()
    for p in range(repeat):
        order = names if p % 2 == 0 else names[::-1]
        for i in range(count):
            for n in order:
                t = time.perf_counter()
                status, _ = clients[n].send(engines[n][2][i])
                samples[n][i].append((time.perf_counter() - t) * 1000)
                errors[n] += status != 200
    wall = time.perf_counter() - started
    out: dict = {"passes": repeat, "requests_per_engine": repeat * count, "wall_s": round(wall, 2)}
    for n in names:
        clients[n].close()
        cpu = tree_cpu(engines[n][1]) - cpu_before[n]
        flat = [x for per in samples[n] for x in per]
        out[n] = {
            "latency": stats(flat),
            "per_request_median_ms": [round(statistics.median(s), 2) for s in samples[n]],
            "server_cpu_s": round(cpu, 2),
            "server_cpu_ms_per_request": round(cpu * 1000 / (repeat * count), 3),
            "non_200": errors[n],
        }
    return out


def warm_up(
    engines: dict[str, tuple[int, int, list[Request]]], summarise: dict, strict: bool = True
) -> list[dict]:
    """Every request once per engine (status 200 checked); what each answered (total, top-10 ids). Not
    ``strict``: another status (a 503 past the search time limit) is recorded as ``status``, no ids."""
    rows: list[dict] = [{} for _ in next(iter(engines.values()))[2]]
    for n, (port, _pid, reqs) in engines.items():
        client = Client(port)
        for i, req in enumerate(reqs):
            status, data = client.send(req)
            if status != 200 and strict:
                raise RuntimeError(f"{n}: {req[0]} {req[1][:200]} -> {status}: {data[:300]!r}")
            rows[i][n] = summarise[n](data) if status == 200 else {"status": status, "total": None, "ids": []}
        client.close()
    return rows
