"""Shared fixtures: real indexes on disk, the Flask app and client, a real server on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a clear message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"{path} not found: the shared data (../shared beside the repository) is needed for this test"
        )
    return path


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the five seeds (with entity extraction), built once per test session."""
    from search.engine.whoosh.indexer import reindex
    from search.enrich.pipeline import default_enricher

    index_dir = tmp_path_factory.mktemp("seed-index")
    reindex(SEEDS, index_dir, enrich=default_enricher())
    return index_dir


@pytest.fixture(scope="session")
def store(seed_index: Path):
    from search.engine.whoosh.store import IndexStore

    return IndexStore(seed_index)


@pytest.fixture()
def articles(tmp_path: Path) -> Path:
    """A writable copy of the seeds folder."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def app(seed_index: Path):
    from search import create_app

    app = create_app(
        {"TESTING": True, "SEARCH_INDEX_DIR": str(seed_index), "SEARCH_ARTICLES_DIR": str(SEEDS)}
    )
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner():
    from click.testing import CliRunner

    return CliRunner()


#: The line `search serve` prints when its update of the index in the background has ended.
UPDATE_ENDED = re.compile(r"^index: (?:not )?updated", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    index_dir: Path, articles_dir: Path, extra_env: dict | None = None, args: tuple[str, ...] = ()
) -> tuple[subprocess.Popen, str]:
    """``search serve`` as a real process on 127.0.0.1; returns it and its base URL once it answers and its
    own update of the index (a reindex in the background) has ended, so a test's reindex never meets it."""
    port = free_port()
    env = {
        **os.environ,
        "SEARCH_INDEX_DIR": str(index_dir),
        "SEARCH_ARTICLES_DIR": str(articles_dir),
        **(extra_env or {}),
    }
    fd, log = tempfile.mkstemp(prefix="serve-", suffix=".log")  # never an unread pipe: it would block
    proc = subprocess.Popen(
        [sys.executable, "-m", "search.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=fd,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    os.close(fd)
    proc.log_path = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                if r.status == 200 and UPDATE_ENDED.search(Path(log).read_text(errors="replace")):
                    return proc, base
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start in time")


@pytest.fixture(scope="session")
def live_server(seed_index: Path):
    """A real ``search serve`` process over the seed index, shared by every browser and HTTP test of the session.

    The limits stay switched on (that path runs) but out of reach: one client address makes all the session's
    requests, and a browser page loads scripts, styles and suggestions in parallel, so the per-client defaults
    refused a request now and then (a 429 in a browser test). The limits themselves are tested in
    tests/test_security.py and tests/test_export.py on servers of their own."""
    unreachable = {
        "SEARCH_RATE_LIMIT": "100000/minute",
        "SEARCH_PAGE_RATE_LIMIT": "1000/second",
        "SEARCH_SUGGEST_RATE_LIMIT": "1000/second",
        "SEARCH_CLIENT_CONCURRENCY": "64",
    }
    proc, base = start_server(seed_index, SEEDS, unreachable)
    yield base
    stop_server(proc)


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if getattr(proc, "log_path", None):
        Path(proc.log_path).unlink(missing_ok=True)


@pytest.fixture(scope="session")
def opensearch_url():
    """One real OpenSearch node (scripts/opensearch.sh, instance ``pytest-session-<pid>``) for every test of the
    session that needs one; stopped at the end of the session, also when tests failed."""
    from .opensearch_nodes import MISSING, instance, running

    if MISSING:
        pytest.skip(MISSING)
    with running(instance("session")) as url:
        yield url


@pytest.fixture(scope="session")
def opensearch_seeds(opensearch_url: str):
    """The OpenSearch engine over the five seeds (alias ``pytest-seeds``), indexed once per session."""
    from search.engine.opensearch.engine import OpenSearchEngine

    engine = OpenSearchEngine(opensearch_url, "pytest-seeds")
    engine.reindex(SEEDS, full=True)
    return engine
