"""A timeline of a running process tree: every few seconds, each process's kind, CPU time, RSS and Pss.

Why: a reindex's wall time is not its CPU time over the cores. Where it runs on fewer cores than it has
(the writer alone while the workers start or after they have finished) shows only over time, per process.
Used to find the two costs of issue 13's rate (ENTITIES.md "Speed"); reads /proc only (Linux).

    python -m benchmarks.timeline PID timeline.txt [--every 2]

One line per sample: seconds since the start, then ``pid:kind:cpu_s:rss_mb:pss_mb`` per process of the tree
(kind: main, fs for a fork server and the workers it forked, spawn for a spawned helper, tracker, child).
"""

from __future__ import annotations

import argparse
import os
import time

from benchmarks.run import process_tree


def _kind(pid: int, root: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            cmd = fh.read()
    except OSError:
        return "gone"
    if b"forkserver" in cmd:
        return "fs"
    if b"resource_tracker" in cmd:
        return "tracker"
    if b"spawn_main" in cmd:
        return "spawn"
    return "main" if pid == root else "child"


def sample(pid: int, root: int) -> str | None:
    """``pid:kind:cpu_s:rss_mb:pss_mb`` of one process, None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        rss = pss = 0
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) // 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) // 1024
    except (OSError, IndexError, ValueError):
        return None
    return f"{pid}:{_kind(pid, root)}:{cpu:.0f}:{rss}:{pss}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pid", type=int, help="the root of the tree (e.g. the reindex process)")
    parser.add_argument("out", help="the file the lines are appended to")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between samples")
    args = parser.parse_args()
    started = time.monotonic()
    with open(args.out, "a", encoding="utf-8", buffering=1) as out:
        while os.path.exists(f"/proc/{args.pid}"):
            rows = [row for pid in process_tree(args.pid) if (row := sample(pid, args.pid))]
            out.write(f"{time.monotonic() - started:.0f} {' '.join(rows)}\n")
            time.sleep(args.every)


if __name__ == "__main__":
    main()
