"""Server CPU per API search request of ``search serve`` (issue 20), measured from outside.

    python -m benchmarks.request_cpu --index DIR --articles DIR [--passes 5] [--rounds 3]
                                     [--workers 1] [--load 0] [--clients 8] [--profile out.svg]

Starts the real server (:func:`benchmarks.http_load.start_server`: response cache off, rate limit off, no
NER) over an index built before, waits until its background reindex has reported (a no-op on an up-to-date
index), sends every request of :file:`benchmarks/queries.json` once as a warm-up, then ``--rounds`` times
``--passes`` sequential passes over the mix on one kept-alive connection, reading the server's CPU
(utime + stime of its process tree, :func:`benchmarks.http_measure.tree_cpu`) before and after each round:
CPU per request = difference / requests. CPU time is robust to other load on a shared machine, wall time
is not. ``--load S`` adds ``--clients`` threads for S seconds (requests per second, only indicative on a
shared machine); ``--profile`` records the server with py-spy during the rounds.

Not a test: nothing here asserts timings. The server may write to the index folder (its background
reindex), so point ``--index`` at a copy of a benchmark index, not at one another tool owns.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from benchmarks import http_load
from benchmarks.http_measure import Client, load, tree_cpu
from benchmarks.run import load_queries, resolve, top_values


def mix(index: Path) -> list[str]:
    """The API paths of the query mix, placeholders resolved against ``index``."""
    from search.engine.whoosh.searcher import columns
    from search.engine.whoosh.store import IndexStore

    gen = IndexStore(index).current()
    queries, _skipped = resolve(load_queries(), top_values(columns(gen)))
    return ["/api/search?" + urlencode(q["resolved"], doseq=True) for q in queries]


def wait_reindex_reported(proc, timeout: float = 600) -> str:
    """The background reindex's outcome line from the server log (``index: updated/not updated``)."""
    started = time.perf_counter()
    log = Path(proc.log.name)
    while time.perf_counter() - started < timeout:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(("index: updated", "index: not updated")):
                return line
        time.sleep(0.5)
    raise RuntimeError(f"no reindex outcome in {log} after {timeout:.0f} s")


def rounds(port: int, pid: int, paths: list[str], passes: int, count: int) -> list[float]:
    """``count`` rounds of ``passes`` passes over ``paths``; server CPU ms per request of each round."""
    client = Client(port)
    out = []
    try:
        for _ in range(count):
            cpu0 = tree_cpu(pid)
            for _ in range(passes):
                for path in paths:
                    status, data = client.send(("GET", path, None, {}))
                    if status != 200:
                        raise RuntimeError(f"{path} -> {status}: {data[:300]!r}")
            out.append(round((tree_cpu(pid) - cpu0) * 1000 / (passes * len(paths)), 3))
    finally:
        client.close()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="index folder (a copy: serve may update it)")
    ap.add_argument("--articles", type=Path, required=True, help="the articles folder it was built from")
    ap.add_argument("--passes", type=int, default=5, help="passes over the mix per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=1, help="1: waitress; more: gunicorn")
    ap.add_argument("--threads", type=int, default=None, help="threads per process (default: the server's)")
    ap.add_argument("--load", type=int, default=0, help="seconds of concurrent load after the rounds")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument(
        "--profile",
        type=Path,
        help="py-spy flame graph of the server during the rounds (.txt: collapsed stacks)",
    )
    args = ap.parse_args(argv)

    paths = mix(args.index)
    port = http_load.free_port()
    proc = http_load.start_server(
        args.articles, args.index, port, threads=args.threads, ner=False, workers=args.workers, cache=False
    )
    result: dict = {"requests_in_mix": len(paths), "workers": args.workers, "threads": args.threads}
    spy = None
    try:
        http_load.wait_ready(proc, port, paths[0])
        result["reindex"] = wait_reindex_reported(proc)
        client = Client(port)
        for path in paths * args.workers:  # warm-up (roughly each request once per worker)
            client.send(("GET", path, None, {}))
        client.close()
        if args.profile:
            py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
            spy = subprocess.Popen(
                [py_spy, "record", "--subprocesses", "-r", "200", "-o", str(args.profile)]
                + (["--format", "raw"] if args.profile.suffix == ".txt" else [])  # collapsed stacks
                + ["--pid", str(proc.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        result["cpu_ms_per_request"] = rounds(port, proc.pid, paths, args.passes, args.rounds)
        if spy is not None:
            spy.send_signal(signal.SIGINT)  # py-spy writes its flame graph when interrupted
            spy.wait(60)
        if args.load:
            cpu0 = tree_cpu(proc.pid)
            tp = load(port, [("GET", p, None, {}) for p in paths], args.load, args.clients)
            cpu = tree_cpu(proc.pid) - cpu0
            tp["server_cpu_ms_per_request"] = (
                round(cpu * 1000 / tp["requests"], 3) if tp["requests"] else None
            )
            result["throughput"] = tp
    finally:
        if spy is not None and spy.poll() is None:
            spy.kill()
        http_load.stop_server(proc)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
