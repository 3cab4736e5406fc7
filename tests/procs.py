"""Processes seen through /proc: who descends from a reindex, who is still alive, how much CPU it used.

Shared by the tests that kill a reindex and require that none of its children outlives it. Children are
found by ancestry, not by command line: spawned workers and multiprocessing's resource tracker do not carry
the index path in their arguments.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a process, None when it is gone."""
    return _stat_path(Path(f"/proc/{pid}/stat"))


def _stat_path(path: Path) -> tuple[int, str] | None:
    """(parent pid, state) from a process's or a thread's stat file, None when it is gone."""
    try:
        raw = path.read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def descendants(pid: int) -> set[int]:
    """All living descendants of ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            children.setdefault(st[0], []).append(int(entry))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def alive(pid: int) -> bool:
    """Whether any thread of ``pid`` still runs.

    A fully exited process is a zombie and holds no memory, files or locks. But the main thread of a
    killed multi-threaded process turns zombie before its other threads have exited, and the files (the
    reindex lock) are released only with the last thread: so every thread must be a zombie or gone.
    """
    st = _stat(pid)
    if st is None:
        return False
    if st[1] != "Z":
        return True
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    return any(
        (t := _stat_path(Path(f"/proc/{pid}/task/{tid}/stat"))) is not None and t[1] != "Z" for tid in threads
    )


def state(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) for an error message."""
    return _stat(pid)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def watch(proc: subprocess.Popen, until: float, family: set[int]) -> None:
    """Record ``proc``'s descendants until the monotonic time ``until`` (or until it exits)."""
    while time.monotonic() < until and proc.poll() is None:
        family |= descendants(proc.pid)
        time.sleep(0.01)


def assert_family_gone(family: set[int], seconds: float = 5.0) -> None:
    """Every process in ``family`` is gone within ``seconds`` (survivors are killed, then reported)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(p) for p in family):
        time.sleep(0.05)
    survivors = {p: _stat(p) for p in family if alive(p)}
    for pid in survivors:  # never leave them behind, whatever the outcome
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert not survivors, f"processes of the killed reindex outlived it: {survivors}"


def kill_and_check(proc: subprocess.Popen, family: set[int], seconds: float = 5.0) -> None:
    """SIGKILL ``proc``; every process recorded in ``family`` must be gone within ``seconds``."""
    family |= descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert_family_gone(family, seconds)
