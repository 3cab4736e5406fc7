"""Real OpenSearch nodes for the tests, started and stopped through scripts/opensearch.sh.

Why a module: the engine tests, the API contract tests and the cluster test all need nodes, and none may be
left running when the tests end, also when a test fails (the fixtures stop them in ``finally``, and
scripts/test.sh stops the instances of the pytest process it ran). Every instance has its own ``--name``
ending in the pytest process id (own data folders, removed after; two test runs at once never share a node)
and its own free ports, so a developer's node on 9200 is neither used nor touched. The first start on a machine fetches the distribution with mvn (~90 s, cached in
~/.m2 and the script's folder).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "opensearch.sh"

#: Why no node can start here ("" when one can).
MISSING = (
    "OpenSearch needs java and mvn (to fetch the distribution once); install OpenJDK 17 and Maven"
    if shutil.which("java") is None or shutil.which("mvn") is None
    else ""
)
needs_node = pytest.mark.skipif(bool(MISSING), reason=MISSING)


def port_free(port: int) -> bool:
    """Nothing listens on ``port`` of 127.0.0.1."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_ports(nodes: int, first: int = 9500, last: int = 9599) -> int:
    """An HTTP base port whose ``nodes`` HTTP ports and transport twins (+100) are all free."""
    for port in range(first, last - nodes + 2):
        if all(port_free(p) and port_free(p + 100) for p in range(port, port + nodes)):
            return port
    pytest.skip(f"no {nodes} free port pairs between {first} and {last + 100} on 127.0.0.1")


def script(name: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``scripts/opensearch.sh ARGS --name NAME``, its output captured."""
    return subprocess.run(
        ["bash", str(SCRIPT), *args, "--name", name],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def node_pids(name: str) -> dict[int, int]:
    """HTTP port -> pid of each running node of the instance ``name`` (from ``status``)."""
    out = script(name, "status", timeout=60).stdout
    return {int(port): int(pid) for pid, port in re.findall(r"pid (\d+), http 127\.0\.0\.1:(\d+)", out)}


def instance(kind: str) -> str:
    """The instance name of this test process for ``kind`` (``pytest-session-4711``)."""
    return f"pytest-{kind}-{os.getpid()}"


@contextmanager
def running(name: str, nodes: int = 1, heap: str = "512m", first: int = 9500) -> Iterator[str]:
    """Nodes of the instance ``name`` on free ports; yields the first node's URL and stops every node (and
    removes the instance's data) after, whatever happened meanwhile."""
    try:
        for attempt in range(3):  # a port taken meanwhile (another test session's node): the next ones
            port = free_ports(nodes, first + 10 * attempt)
            args = ["start", "--http-port", str(port), "--heap", heap]
            if nodes > 1:
                args += ["--nodes", str(nodes)]
            started = script(name, *args)
            if started.returncode == 0:
                break
            script(name, "stop", "--purge")
        assert started.returncode == 0, started.stdout + started.stderr
        yield f"http://127.0.0.1:{port}"
    finally:
        script(name, "stop", "--purge")
