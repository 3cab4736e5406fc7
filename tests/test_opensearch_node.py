"""scripts/opensearch.sh starts a real OpenSearch node with the German analysis, says what runs, and stops it.

The node is a separate instance (``--name pytest``, its own ports and data), so a developer's node on 9200 is
neither used nor touched. Skips only when java or mvn is missing (the script needs mvn once, to fetch).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "opensearch.sh"
NAME = "pytest-node"

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None or shutil.which("mvn") is None,
    reason="OpenSearch needs java and mvn (to fetch the distribution once); install OpenJDK 17 and Maven",
)


def _free_base_port() -> int:
    """An HTTP port whose transport twin (+100) is free too."""
    for port in range(9240, 9290):
        if all(_port_free(p) for p in (port, port + 100)):
            return port
    pytest.skip("no free port pair between 9240 and 9390 on 127.0.0.1")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _script(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args, "--name", NAME],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def node() -> Iterator[int]:
    port = _free_base_port()
    started = _script("start", "--http-port", str(port), "--heap", "512m")
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield port
    finally:
        _script("stop")


def _post(port: int, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _tokens(port: int, filters: list, text: str) -> list[str]:
    answer = _post(port, "/_analyze", {"tokenizer": "standard", "filter": filters, "text": text})
    return [token["token"] for token in answer["tokens"]]


def test_start_is_idempotent_and_status_says_where(node: int) -> None:
    again = _script("start", "--http-port", str(node))
    assert again.returncode == 0, again.stderr
    assert "already running" in again.stdout
    status = _script("status")
    assert status.returncode == 0
    assert f"http 127.0.0.1:{node}" in status.stdout
    assert f"transport 127.0.0.1:{node + 100}" in status.stdout
    assert "pid " in status.stdout
    assert "health green" in status.stdout or "health yellow" in status.stdout


def test_bound_to_loopback_only(node: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{node}/_nodes/_local/http", timeout=30) as response:
        nodes = json.load(response)["nodes"]
    (info,) = nodes.values()
    assert all(address.startswith("127.0.0.1:") for address in info["http"]["bound_address"])


def test_german_normalization(node: int) -> None:
    assert _tokens(node, ["lowercase", "german_normalization"], "Straße Häuser Öl") == [
        "strasse",
        "hauser",
        "ol",
    ]


def test_snowball_german_stemmer(node: int) -> None:
    stems = _tokens(node, ["lowercase", {"type": "snowball", "language": "German2"}], "Häuser Regierungen")
    assert stems == ["haus", "regier"]


def test_dictionary_decompounder(node: int) -> None:
    decompounder = {"type": "dictionary_decompounder", "word_list": ["haus", "tür", "schlüssel"]}
    tokens = _tokens(node, ["lowercase", decompounder], "Haustürschlüssel")
    assert tokens[0] == "haustürschlüssel"
    assert {"haus", "tür", "schlüssel"} <= set(tokens[1:])


def test_stop_ends_the_node(node: int) -> None:
    """Runs last in this file: stop really ends the process and frees the ports; a second stop is harmless."""
    stopped = _script("stop")
    assert stopped.returncode == 0
    assert "stopped node-1" in stopped.stdout
    assert _port_free(node)
    assert _port_free(node + 100)
    status = _script("status")
    assert "not running" in status.stdout
    assert status.returncode == 3
    assert _script("stop").returncode == 0
