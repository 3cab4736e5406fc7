"""Reindex: incremental and no-op runs, full rebuild with atomic swap, lock, killed runs, bad files."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.core.errors import ReindexError, ReindexLocked
from search.core.models import SearchRequest
from search.engine.whoosh.generations import LOCK_NAME, MANIFEST, POINTER, current_generation
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.searcher import search
from search.engine.whoosh.store import IndexStore
from search_tools.synthetic import write_corpus

from .conftest import ROOT
from .helpers import ids


class CountingEnricher:
    """A real enrichment step that records how many articles it was asked to analyse."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, articles):
        self.seen.extend(a.id for a in articles)
        return [{} for _ in articles]


def test_first_run_then_noop(articles: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    enrich = CountingEnricher()
    first = reindex(articles, index, enrich=enrich)
    assert (first.added, first.updated, first.removed) == (5, 0, 0)
    assert len(enrich.seen) == 5
    gen = current_generation(index)
    enrich.seen.clear()
    again = reindex(articles, index, enrich=enrich)
    assert not again.changed and again.unchanged == 5 and again.generation is None
    assert enrich.seen == []  # no analysis at all
    assert current_generation(index) == gen


def test_incremental_touches_only_changes(articles: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    reindex(articles, index)
    store = IndexStore(index)
    assert ids(store, "Lawrow") == ["002_96c8ceafc6e47d4f"]
    # change one, delete one, add one, touch one without changing it
    (articles / "001_97987ffb7de63694.txt").write_text("Lawrow besuchte Wladiwostok.", encoding="utf-8")
    (articles / "000_19562264cc7ac219.txt").unlink()
    (articles / "new article.txt").write_text("Ein neuer Artikel über Wladiwostok.", encoding="utf-8")
    os.utime(articles / "003_2eafdbd6af974de4.txt")
    enrich = CountingEnricher()
    summary = reindex(articles, index, enrich=enrich)
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 1, 1, 3)
    assert sorted(enrich.seen) == ["001_97987ffb7de63694", "new article"]
    assert sorted(ids(store, "Wladiwostok")) == ["001_97987ffb7de63694", "new article"]
    assert sorted(ids(store, "Lawrow")) == ["001_97987ffb7de63694", "002_96c8ceafc6e47d4f"]
    assert ids(store, "Geheimbesuch") == []
    assert len(ids(store, "")) == 5


def test_full_rebuild_swaps_generation(articles: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    reindex(articles, index)
    old = current_generation(index)
    store = IndexStore(index)
    before = store.current()
    summary = reindex(articles, index, full=True)
    assert summary.full and summary.added == 5
    new = current_generation(index)
    assert new != old and (new / MANIFEST).is_file()
    assert (index / POINTER).read_text().strip() == new.name
    assert store.current().name == new.name != before.name
    assert len(ids(store, "")) == 5


def test_second_reindex_refuses_while_locked(articles: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    with open(index / LOCK_NAME, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write("4242\n")
        fh.flush()
        with pytest.raises(ReindexLocked, match="another reindex is running"):
            reindex(articles, index)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "search.cli",
                "reindex",
                "--articles",
                str(articles),
                "--index",
                str(index),
                "--no-ner",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    assert proc.returncode != 0
    assert "another reindex is running" in proc.stderr
    assert current_generation(index) is None
    # lock released: now it works
    assert reindex(articles, index).added == 5


def test_non_utf8_and_bad_files_are_reported(articles: Path, tmp_path: Path) -> None:
    (articles / "latin1.txt").write_bytes("Gespräch über Maßnahmen in Köln.".encode("latin-1"))
    (articles / "empty.txt").write_bytes(b"")
    (articles / "binary.txt").write_bytes(bytes(range(256)) * 4)
    summary = reindex(articles, tmp_path / "index")
    assert summary.added == 6
    assert sorted((s.path, s.reason.split(" ")[0]) for s in summary.skipped) == [
        ("binary.txt", "binary"),
        ("empty.txt", "empty"),
    ]
    assert any("latin1.txt" in w and "UTF-8" in w for w in summary.warnings)
    assert ids(IndexStore(tmp_path / "index"), "Maßnahmen") == ["latin1"]


def test_missing_articles_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReindexError, match="articles folder not found"):
        reindex(tmp_path / "nope", tmp_path / "index")


def test_cli_reindex_summary_and_exit_codes(articles: Path, tmp_path: Path, runner) -> None:
    from search.cli.commands import main

    result = runner.invoke(
        main, ["reindex", "--articles", str(articles), "--index", str(tmp_path / "ix"), "--no-ner"]
    )
    assert result.exit_code == 0, result.output
    assert "added 5, updated 0, removed 0, unchanged 0, skipped 0" in result.output
    result = runner.invoke(
        main, ["reindex", "--articles", str(tmp_path / "missing"), "--index", str(tmp_path / "ix")]
    )
    assert result.exit_code != 0 and "articles folder not found" in result.output


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("big") / "articles", 300)


@pytest.mark.parametrize("delay", [0.4, 1.2, 2.5, 4.0])
def test_killed_full_reindex_leaves_previous_index_searchable(
    big_corpus: Path, articles: Path, tmp_path: Path, delay: float
) -> None:
    index = tmp_path / "index"
    reindex(articles, index)  # the previous, good index: the five seeds
    good = current_generation(index)
    # a full rebuild of 300 + 5 articles, killed with SIGKILL part-way
    for src in articles.glob("*.txt"):
        (big_corpus / src.name).write_bytes(src.read_bytes())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "search.cli",
            "reindex",
            "--full",
            "--replace",  # another folder than the seeds' copy the index was built from
            "--no-ner",
            "--articles",
            str(big_corpus),
            "--index",
            str(index),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    store = IndexStore(index)
    assert ids(store, "Lawrow") == ["002_96c8ceafc6e47d4f"]  # searchable during the run
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    live = current_generation(index)
    assert live is not None
    if live == good:
        assert len(ids(IndexStore(index), "")) == 5
    else:  # it had already finished and swapped: then the new index is complete
        assert search(IndexStore(index), SearchRequest(q="")).total == 305
    assert ids(IndexStore(index), "Lawrow") == ["002_96c8ceafc6e47d4f"]
    # the next run repairs everything and cleans up the half-built generation
    summary = reindex(big_corpus, index, replace=True)
    assert summary.unchanged + summary.added + summary.updated == 305
    assert len(ids(IndexStore(index), "", per_page=100)) == 100
    assert IndexStore(index).current().searcher().doc_count() == 305
    leftovers = [p.name for p in index.glob("gen-*") if not (p / "meta.json").exists()]
    assert leftovers == []
