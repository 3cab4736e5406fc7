"""Throughput of several ``search serve`` configurations on one index, in alternating runs (issue 20).

    python -m benchmarks.serve_configs --index DIR --articles DIR --config workers=2,threads=8 \\
        --config workers=2,threads=4 [--reps 6] [--seconds 6] [--clients 8]

Every configuration is started at once (a server of its own on a copy of ``--index`` under ``--workdir``,
response cache and rate limit off, no NER), warmed with ``--clients`` threads for a few seconds, and then
driven in turn: ``--reps`` rounds of ``--seconds`` per configuration, the order rotating each round. The
idle servers cost nothing while another one is driven, so a slower or faster phase of a shared machine
falls on every configuration alike; a single run per configuration, one after another, differed by 10-20 %
between repetitions of the same configuration here. Reports requests per second and server CPU (utime +
stime of the process tree) per request, per round and in total, and each server's largest process RSS.

Not a test: nothing here asserts timings. Why it exists: the default threads per gunicorn worker were
chosen with it (``search serve``, BENCHMARKS.md "Threads per worker").
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from benchmarks import http_load
from benchmarks.http_measure import RssSampler, load, tree_cpu
from benchmarks.request_cpu import mix, wait_reindex_reported


def parse_config(text: str) -> dict[str, int | str]:
    """``workers=2,threads=4`` -> ``{"workers": 2, "threads": 4}`` (threads omitted: the server's default)."""
    out: dict[str, int | str] = {}
    for part in filter(None, text.split(",")):
        key, _, value = part.partition("=")
        if key not in ("workers", "threads"):
            raise SystemExit(f"unknown setting {key!r} in --config {text!r} (workers, threads)")
        out[key] = int(value)
    out.setdefault("workers", 1)
    out["name"] = text
    return out


def main(argv: list[str] | None = None) -> dict:
    """Run the configurations; the totals per configuration (also as ``--results`` JSON)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True, help="an index built before (copied per config)")
    ap.add_argument("--articles", type=Path, required=True, help="the articles folder it was built from")
    ap.add_argument("--config", action="append", required=True, help="workers=N,threads=M (repeatable)")
    ap.add_argument("--reps", type=int, default=6, help="rounds over all configurations")
    ap.add_argument("--seconds", type=float, default=6.0, help="load per configuration and round")
    ap.add_argument("--clients", type=int, default=8, help="client threads with kept-alive connections")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/serve_configs"))
    ap.add_argument("--results", type=Path, help="write the results as JSON")
    args = ap.parse_args(argv)

    configs = [parse_config(c) for c in args.config]
    servers = []
    totals: dict = {}
    try:
        for i, cfg in enumerate(configs):
            index = args.workdir / f"config{i}" / "index"
            if index.exists():
                shutil.rmtree(index)
            shutil.copytree(args.index, index)
            port = http_load.free_port()
            proc = http_load.start_server(
                args.articles,
                index,
                port,
                threads=int(cfg["threads"]) if "threads" in cfg else None,
                ner=False,
                workers=int(cfg["workers"]),
                cache=False,
            )
            servers.append((cfg, proc, port))
        for _cfg, proc, port in servers:
            http_load.wait_ready(proc, port, "/healthz")
            wait_reindex_reported(proc)
        reqs = [("GET", p, None, {"Accept": "application/json"}) for p in mix(args.index)]
        for _cfg, _proc, port in servers:
            load(port, reqs, 3, args.clients)  # every worker sees the mix before the rounds
        rss = RssSampler({cfg["name"]: proc.pid for cfg, proc, _port in servers})
        rss.phase = "load"
        totals = {cfg["name"]: {"requests": 0, "non_2xx": 0, "cpu_s": 0.0, "rounds": []} for cfg in configs}
        with rss:
            _rounds(servers, reqs, args, totals)
        largest = rss.mb("load", per_process=True)
        for name, t in totals.items():
            t["requests_per_s"] = round(t["requests"] / (args.seconds * args.reps), 1)
            t["cpu_ms_per_request"] = round(t["cpu_s"] * 1000 / max(1, t["requests"]), 3)
            t["rss_mb_largest_process"] = largest.get(name)
            print(
                f"TOTAL {name}: {t['requests_per_s']} req/s, {t['cpu_ms_per_request']} ms CPU/request, "
                f"largest process {t['rss_mb_largest_process']} MB"
            )
        if args.results:
            args.results.write_text(json.dumps(totals, indent=1), encoding="utf-8")
    finally:
        for _cfg, proc, _port in servers:
            http_load.stop_server(proc)
    return totals


def _rounds(servers: list, reqs: list, args: argparse.Namespace, totals: dict) -> None:
    """``--reps`` rounds, each configuration driven in turn (the order rotating), into ``totals``."""
    for r in range(args.reps):
        for cfg, proc, port in servers[r % len(servers) :] + servers[: r % len(servers)]:
            cpu0 = tree_cpu(proc.pid)
            res = load(port, reqs, args.seconds, args.clients)
            cpu = tree_cpu(proc.pid) - cpu0
            t = totals[cfg["name"]]
            t["requests"] += res["requests"]
            t["non_2xx"] += res["non_2xx"]
            t["cpu_s"] += cpu
            t["rounds"].append(round(res["requests"] / args.seconds, 1))
            print(
                f"round {r}: {cfg['name']}: {res['requests'] / args.seconds:.1f} req/s, "
                f"{cpu * 1000 / max(1, res['requests']):.3f} ms CPU/request, non-2xx {res['non_2xx']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
