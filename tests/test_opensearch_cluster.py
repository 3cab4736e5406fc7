"""A real three-node OpenSearch cluster on 127.0.0.1 (scripts/opensearch.sh --nodes 3), the index with two
primary shards and one replica: searches keep their answers while a node is killed with ``kill -9`` and after it
rejoins, articles indexed while it is down are all found afterwards, and the cluster returns to green.

One test on purpose: starting three nodes costs most of the time (~45 s), the steps depend on each other,
and the fixture stops every node also when a step fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.core.models import SearchRequest
from search.engine.opensearch.engine import OpenSearchEngine

from .conftest import SEEDS
from .opensearch_nodes import instance, needs_node, node_pids, running, script

pytestmark = needs_node

NAME = instance("cluster")
ALIAS = "pytest-cluster"
NEW_ARTICLES = 12
#: Requests whose answers must not change while a node is down (the new articles match none of them).
REQUESTS = [
    SearchRequest(q="Trump", per_page=50, sort="newest"),
    SearchRequest(q="Kim Jong-un", per_page=50),
    SearchRequest(q="Gipfel OR Vietnam", per_page=50, sort="oldest"),
    SearchRequest(q="Singapur", filters={"source": ("dpa",)}, per_page=50),
    SearchRequest(q="Nordkorea Atomwaffen", per_page=50, sort="newest"),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    with running(NAME, nodes=3, heap="384m", first=9530) as url:
        yield url


def _answers(engine: OpenSearchEngine) -> list[tuple]:
    out = []
    for request in REQUESTS:
        response = engine.search(request)
        out.append((response.total, [h["id"] for h in response.results]))
    return out


def _health(engine: OpenSearchEngine, status: str, seconds: int) -> dict:
    return engine.client.request(
        "GET", "/_cluster/health", params={"wait_for_status": status, "timeout": f"{seconds}s"}, ok=(408,)
    )


def test_searches_survive_a_killed_node_and_writes_arrive(cluster: str, tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    engine = OpenSearchEngine(cluster, ALIAS, shards=2, replicas=1)
    first = engine.reindex(articles, full=True, ner=False)
    settings = engine.client.request("GET", f"/{first.generation}/_settings")[first.generation]["settings"][
        "index"
    ]
    assert (settings["number_of_shards"], settings["number_of_replicas"]) == ("2", "1")
    assert _health(engine, "green", 60)["status"] == "green"
    baseline = _answers(engine)
    assert all(total for total, _ in baseline)

    # kill -9 a node other than the one we talk to, preferring one that holds a primary shard
    base_port = int(cluster.rsplit(":", 1)[1])
    pids = node_pids(NAME)
    assert len(pids) == 3, pids
    shards = engine.client.request("GET", f"/_cat/shards/{first.generation}", params={"format": "json"})
    nodes = engine.client.request("GET", "/_cat/nodes", params={"format": "json", "h": "name,http_address"})
    port_of = {n["name"]: int(n["http_address"].rsplit(":", 1)[1]) for n in nodes}
    primaries = {port_of[s["node"]] for s in shards if s["prirep"] == "p" and s.get("node") in port_of}
    others = sorted(p for p in pids if p != base_port)
    victim = next((p for p in others if p in primaries), others[-1])
    os.kill(pids[victim], signal.SIGKILL)

    for _ in range(3):  # right after the kill and while the cluster notices: the same answers
        assert _answers(engine) == baseline
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = _health(engine, "yellow", 5)
        if health["number_of_nodes"] == 2:
            break
        time.sleep(1)
    assert health["number_of_nodes"] == 2 and health["status"] in ("yellow", "green")
    assert _answers(engine) == baseline

    # articles written while the node is down: all there, then and after it rejoined
    for i in range(NEW_ARTICLES):
        (articles / f"neu_{i:03d}.txt").write_text(
            f"Quallenforschung im Meer, Bericht {i}\n\nDie Quallenforschung meldet heute Ergebnis {i}.\n",
            "utf-8",
        )
    added = engine.reindex(articles, ner=False)
    assert added.added == NEW_ARTICLES
    assert engine.search(SearchRequest(q="Quallenforschung", per_page=50)).total == NEW_ARTICLES

    restarted = script(NAME, "start", "--nodes", "3", "--http-port", str(base_port), "--heap", "384m")
    assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert len(node_pids(NAME)) == 3
    assert _health(engine, "green", 120)["status"] == "green"
    for _ in range(4):  # requests spread over the shard copies, the rejoined node's included
        assert _answers(engine) == baseline
        found = engine.search(SearchRequest(q="Quallenforschung", per_page=50))
        assert found.total == NEW_ARTICLES and len({h["id"] for h in found.results}) == NEW_ARTICLES
