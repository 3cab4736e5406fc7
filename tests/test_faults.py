"""Faults: bad article files, files that change during a reindex, kill -9 at random points (serial and
parallel worker paths), a full disk, a read-only index folder, and the reindex lock after a killed holder.

What must hold after every fault: ``CURRENT`` names a complete generation, searches answer from it (a real
``search serve`` is polled all the time the reindexes are killed), the reindex lock is free again, no worker
process outlives its reindex, and the next reindex repairs everything: the index then holds exactly the
articles a clean build would, with the content of the files on disk, and no half-built generation folders.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.core.errors import ReindexError, ReindexLocked
from search.engine.whoosh.generations import (
    KEEP_PREVIOUS,
    LOCK_NAME,
    META,
    current_generation,
    reindex_lock,
)
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.store import IndexStore
from search_tools.synthetic import article_text, write_corpus

from .conftest import ROOT, SEEDS, start_server, stop_server
from .helpers import short_articles
from .procs import alive, assert_family_gone, cpu_seconds, descendants
from .procs import state as proc_state

SEED = 20240611  # kill delays and corpus edits are random but reproducible


# ----------------------------------------------------------------------------- helpers


class CountingEnricher:
    """No entities; records which articles were analysed (a no-op run analyses none)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, articles):
        self.seen.extend(a.id for a in articles)
        return [{} for _ in articles]


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "search.cli", *args]


def reindex_cmd(articles: Path, index: Path, *extra: str) -> list[str]:
    return cli("reindex", "--no-ner", "--articles", str(articles), "--index", str(index), *extra)


def indexed(index: Path) -> dict[str, str]:
    """id -> content hash of every live document of the current generation."""
    gen = IndexStore(index).current()
    reader = gen.searcher().reader()
    return {f["id"]: f["content_hash"] for _, f in reader.iter_docs()}


def on_disk(articles: Path) -> dict[str, str]:
    """id -> sha256 of every article file: what a clean build indexes (all test articles are valid)."""
    return {p.name[:-4]: hashlib.sha256(p.read_bytes()).hexdigest() for p in articles.glob("*.txt")}


def lock_is_free(index: Path) -> bool:
    with open(index / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(fh, fcntl.LOCK_UN)
        return True


def wait_until(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def processes_of(index: Path) -> set[int]:
    """Living processes whose command line names ``index``: a reindex and every child it forked (a forked
    child keeps its parent's arguments), wherever it was reparented to."""
    needle = str(index).encode()
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if needle in cmdline and alive(int(entry)):
                found.add(int(entry))
    return found


def assert_no_survivors(index: Path) -> None:
    """No process of a killed reindex outlives it for long (and none outlives this test)."""
    if wait_until(lambda: not processes_of(index), 10):
        return
    survivors = {pid: proc_state(pid) for pid in processes_of(index)}
    for pid in survivors:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    raise AssertionError(f"processes of the killed reindex outlived it: {survivors}")


def assert_consistent(index: Path) -> str:
    """``CURRENT`` names a complete generation that opens and answers; returns its name."""
    live = current_generation(index)
    assert live is not None, "CURRENT does not name a generation"
    meta = json.loads((live / META).read_text(encoding="utf-8"))
    gen = IndexStore(index).current()
    assert gen.name == live.name
    assert gen.searcher().doc_count() == meta["articles"], (live.name, meta)
    return live.name


def assert_repaired(index: Path, articles: Path) -> None:
    """The index is what a clean build gives: same ids and contents; no half-built or surplus folders."""
    assert_consistent(index)
    assert indexed(index) == on_disk(articles)
    gens = sorted(p.name for p in index.glob("gen-*"))
    assert all((index / g / META).is_file() for g in gens), gens
    assert len(gens) <= 1 + KEEP_PREVIOUS, gens
    assert lock_is_free(index)


# ----------------------------------------------------------------------------- bad articles


def test_bad_articles_are_indexed_or_skipped_with_a_reason(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    outside = tmp_path / "outside.txt"
    outside.write_text("Außenseiterwort: Text außerhalb des Ordners.", encoding="utf-8")
    files = {
        "empty.txt": b"",
        "blank.txt": b" \n\t\r\n  \n",
        "binary.txt": bytes(range(256)) * 64,
        "nul-in-text.txt": b"Ein Text\x00mit NUL.",
        "latin1.txt": "Gespräch über Maßnahmen in Köln.".encode("latin-1"),
        "cp1252.txt": "Die „Bürgerversicherung“ – ein Streitthema.".encode("cp1252"),
        "utf16.txt": "Ölpreis steigt in Düsseldorf.".encode("utf-16"),  # with BOM
        "utf16be.txt": b"\xfe\xff" + "Überschwemmung in Passau.".encode("utf-16-be"),
        "utf8bom.txt": "\ufeffZwölf Boxkämpfer jagen Viktor.".encode(),
        "name with spaces.txt": b"Ein Artikel mit Leerzeichen im Dateinamen: Leerzeichenartikel.",
        "Bericht über Köln.txt": b"Umlaute im Dateinamen: Umlautdatei.",
        "broken-utf8.txt": b"Anfang gut, dann kaputt: " + b"\xc3\x28 Mittelbruch.",
        "only-markup.txt": b"<script>alert(1)</script>",
    }
    for name, data in files.items():
        (articles / name).write_bytes(data)
    big = articles / "riesig.txt"  # 50 MB, sparse: the size check must come before any reading
    with open(big, "wb") as fh:
        fh.write(b"Riesenartikelwort. ")
        fh.truncate(50 * 1024 * 1024)
    (articles / "link-outside.txt").symlink_to(outside)
    (articles / "link-inside.txt").symlink_to(articles / "latin1.txt")
    (articles / "dangling.txt").symlink_to(tmp_path / "does-not-exist.txt")
    (articles / "folder.txt").mkdir()  # a folder with an article's name is not an article
    (articles / ".hidden.txt").write_text("versteckt", encoding="utf-8")
    sub = articles / "Unterordner mit Ä"
    sub.mkdir()
    (sub / "tief.txt").write_text("Ein Artikel im Unterordner: Tiefseeartikel.", encoding="utf-8")

    summary = reindex(articles, tmp_path / "index")  # finishes despite everything above
    reasons = {s.path: s.reason for s in summary.skipped}
    assert reasons.keys() == {
        "empty.txt",
        "blank.txt",
        "binary.txt",
        "nul-in-text.txt",
        "riesig.txt",
        "link-outside.txt",
        "dangling.txt",
    }, reasons
    assert reasons["empty.txt"] == reasons["blank.txt"] == "empty file"
    assert reasons["binary.txt"].startswith("binary") and reasons["nul-in-text.txt"].startswith("binary")
    assert reasons["riesig.txt"].startswith("too large (50 MB")
    assert reasons["link-outside.txt"] == "link points outside the articles folder"
    assert "broken link" in reasons["dangling.txt"]
    warned = " ".join(summary.warnings)
    for name in ("latin1.txt", "cp1252.txt", "broken-utf8.txt"):
        assert name in warned, (name, summary.warnings)
    assert "utf16.txt" not in warned and "utf8bom.txt" not in warned

    from search.core.models import SearchRequest
    from search.engine.whoosh.searcher import search

    store = IndexStore(tmp_path / "index")
    expected = {
        "Maßnahmen": {"latin1", "link-inside"},
        "Bürgerversicherung": {"cp1252"},
        "Ölpreis": {"utf16"},
        "Überschwemmung": {"utf16be"},
        "Boxkämpfer": {"utf8bom"},
        "Leerzeichenartikel": {"name with spaces"},
        "Umlautdatei": {"Bericht über Köln"},
        "Mittelbruch": {"broken-utf8"},
        "Tiefseeartikel": {"tief"},
        "Außenseiterwort": set(),
        "Riesenartikelwort": set(),
    }
    for word, ids in expected.items():
        found = {r["id"] for r in search(store, SearchRequest(q=word, per_page=50)).results}
        assert found == ids, (word, found)
    total = search(store, SearchRequest(per_page=1)).total
    assert total == 5 + 11  # seeds + every readable file above (the inside link included)


def test_odd_file_names_are_served_by_id(tmp_path: Path) -> None:
    from search import create_app

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "name with spaces.txt").write_text("Leerzeichen im Namen.", encoding="utf-8")
    (articles / "Bericht über Köln.txt").write_text("Umlaute im Namen.", encoding="utf-8")
    (articles / "50% & mehr #1.txt").write_text("Sonderzeichen im Namen.", encoding="utf-8")
    reindex(articles, tmp_path / "index")
    client = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(tmp_path / "index")}).test_client()
    from urllib.parse import quote

    for doc_id in ("name with spaces", "Bericht über Köln", "50% & mehr #1"):
        assert client.get(f"/api/articles/{quote(doc_id)}").get_json()["id"] == doc_id
        assert client.get(f"/artikel/{quote(doc_id)}").status_code == 200
        hits = client.get("/api/search?q=Namen&per_page=10").get_json()["results"]
        assert any(h["id"] == doc_id and h["url"] == f"/artikel/{doc_id}" for h in hits)


def test_indexed_article_that_becomes_unreadable_leaves_the_index(tmp_path: Path) -> None:
    """An indexed file that turns empty or binary is skipped with a reason *and* its old text goes.

    (Before the fix the old document stayed searchable for good: its manifest entry was dropped, so no
    later run knew to delete it, and an incremental index differed from a clean build.)
    """
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    index = tmp_path / "index"
    reindex(articles, index)
    first, second = sorted(articles.glob("0*.txt"))[:2]
    first.write_bytes(b"")
    second.write_bytes(bytes(range(256)) * 8)
    summary = reindex(articles, index)
    assert {s.path for s in summary.skipped} == {first.name, second.name}
    assert set(indexed(index)) == {p.stem for p in articles.glob("*.txt")} - {first.stem, second.stem}
    again = reindex(articles, index)  # and it stays so
    assert set(indexed(index)) == set(on_disk(articles)) - {first.stem, second.stem}
    assert again.generation is None or again.removed == 0


def test_files_deleted_or_rewritten_during_a_reindex(tmp_path: Path) -> None:
    """Files that vanish or change between the scan and the read: skipped or indexed as read, and the
    next run settles everything without analysing anything twice."""
    articles = tmp_path / "articles"
    write_corpus(articles, 10, seed=1)
    index = tmp_path / "index"
    reindex(articles, index, workers=1)
    old = sorted(articles.glob("*.txt"))
    rng = random.Random(SEED)
    for i in range(150):  # 150 new files: three batches of 64 on the serial path
        (articles / f"neu_{i:03d}.txt").write_text(article_text(rng, 4), encoding="utf-8")
    late = [articles / f"neu_{i:03d}.txt" for i in (140, 141, 142)]  # in the third batch

    class Meddler(CountingEnricher):
        """After the first batch: delete a new file and an indexed one, rewrite two files."""

        calls = 0

        def __call__(self, batch):
            Meddler.calls += 1
            if Meddler.calls == 1:
                late[0].unlink()
                late[1].write_text("Nachträglich geschrieben: Nachtragswort.", encoding="utf-8")
                late[2].write_bytes(b"")  # now empty
            return super().__call__(batch)

    summary = reindex(articles, index, enrich=Meddler(), workers=1)
    reasons = {s.path: s.reason for s in summary.skipped}
    assert reasons[late[0].name].startswith("unreadable"), reasons
    assert reasons[late[2].name] == "empty file"
    assert summary.added == 150 - 2
    from .helpers import ids

    assert ids(IndexStore(index), "Nachtragswort") == [late[1].stem]
    # an indexed file changed, then deleted between the scan and the read (it sits in the second batch)
    for i in range(70):
        (articles / f"neu_{i:03d}.txt").write_text(article_text(rng, 3), encoding="utf-8")
    old[0].write_text("Geändert, dann gelöscht.", encoding="utf-8")

    class Deleter(CountingEnricher):
        def __call__(self, batch):
            with contextlib.suppress(FileNotFoundError):
                old[0].unlink()
            return super().__call__(batch)

    summary = reindex(articles, index, enrich=Deleter(), workers=1)
    assert {s.path for s in summary.skipped} == {old[0].name, late[2].name}
    assert old[0].stem not in indexed(index)  # its previous text is gone too
    counting = CountingEnricher()
    settle = reindex(articles, index, enrich=counting)
    assert counting.seen == [], "the next run had to analyse again"
    assert not settle.added and not settle.updated and not settle.removed
    readable = {k: v for k, v in on_disk(articles).items() if k != late[2].stem}
    assert indexed(index) == readable  # exactly what is readable on disk now
    late[2].unlink()
    reindex(articles, index)
    assert_repaired(index, articles)


# ----------------------------------------------------------------------------- kill -9 at random points


class Poller:
    """Searches a real server without pause (JSON and HTML) and records every answer or error."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.seen: dict[str, set[int]] = {}  # generation -> totals of the empty query
        self.requests = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=30) as r:
            self.requests += 1
            return r.read()

    def _run(self) -> None:
        paths = ("/?q=regierung", "/api/search?q=zeit&per_page=3", "/api/facets/source")
        n = 0
        while not self.stop.is_set():
            try:
                data = json.loads(self._get("/api/search?per_page=1"))
                self.seen.setdefault(data["generation"], set()).add(data["total"])
                self._get(paths[n % len(paths)])
            except (OSError, ValueError, KeyError) as exc:
                detail = exc.read()[:300] if isinstance(exc, urllib.error.HTTPError) else b""
                self.errors.append(f"{type(exc).__name__}: {exc} {detail!r}")
            n += 1
            time.sleep(0.02)


class KillState:
    """One articles folder, index and server for all kill trials (each trial starts where the last ended).

    210 short articles: a ``--full`` run takes the parallel path (>= PARALLEL_MIN), an incremental run
    with a few dozen changes the serial one, and both are quick enough to kill at any point of their run.
    """

    def __init__(self, root: Path) -> None:
        self.articles = root / "articles"
        self.articles.mkdir()
        self.index = root / "index"
        self.rng = random.Random(SEED)
        for i in range(210):
            self.write(self.articles / f"kurz_{i:03d}.txt")
        self.outcomes: list[str] = []
        self.lock_holders: list[str] = []
        self.workers_seen = 0
        self.seconds = {"serial": 0.0, "parallel": 0.0}

    def write(self, path: Path) -> None:
        path.write_text(article_text(self.rng, self.rng.randint(1, 3)), encoding="utf-8")

    def rewrite(self, count: int, tag: str) -> None:
        """Change ``count`` articles, delete up to two, add up to five: an incremental run's work."""
        files = sorted(self.articles.glob("*.txt"))
        for path in self.rng.sample(files, min(count, len(files))):
            self.write(path)
        for path in self.rng.sample(files, self.rng.randint(0, 2)):
            path.unlink(missing_ok=True)
        for k in range(self.rng.randint(0, 5)):
            self.write(self.articles / f"extra_{tag}_{k}.txt")

    def timed_run(self, *extra: str) -> float:
        started = time.monotonic()
        subprocess.run(
            reindex_cmd(self.articles, self.index, *extra), cwd=ROOT, check=True, capture_output=True
        )
        return time.monotonic() - started


@pytest.fixture(scope="module")
def kill_state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KillState, Poller]]:
    state = KillState(tmp_path_factory.mktemp("kill"))
    # one uninterrupted run of each kind (the first builds the index): how long the kill delays may be
    state.seconds["parallel"] = state.timed_run("--full")
    proc, base = start_server(state.index, state.articles, {"SEARCH_NER": "0", "SEARCH_RATE_LIMIT": "off"})
    pass  # start_server discards the server output: no pipe to drain
    poller = Poller(base)
    poller.thread.start()
    state.rewrite(40, "warmup")
    state.seconds["serial"] = state.timed_run()
    try:
        yield state, poller
    finally:
        poller.stop.set()
        poller.thread.join(timeout=60)
        stop_server(proc)


def _command(pid: int) -> str:
    """The command line of ``pid`` (for a failure message); "" when it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return ""


def _parent(pid: int) -> str:
    """The parent's pid and command line of ``pid`` (for a failure message)."""
    try:
        ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return "?"
    return f"{ppid} {_command(ppid)!r}"


def _holds_lock(pid: int, lock: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(lock):
                return True
    return False


@pytest.fixture(scope="module")
def parallel_articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,200 short articles: a ``--full`` run over them takes the parallel path for a few seconds."""
    return short_articles(tmp_path_factory.mktemp("parallel") / "articles", 1200, SEED)


@pytest.mark.parametrize("moment", ["settled", "at-fork", "at-fork-again"])
def test_no_process_of_a_killed_parallel_reindex_survives_or_keeps_the_lock(
    parallel_articles: Path, tmp_path: Path, moment: str
) -> None:
    """Every child of a reindex (its worker processes and multiprocessing's helper) must not hold the lock
    and must die with the reindex: once the workers are busy ("settled"), and when the reindex is killed the
    instant its first or second child appears, before that child could arm its parent-death signal.

    The lock is an ``flock``, which belongs to the open file description: a child that kept a copy would keep
    the lock after the kernel closed the dead parent's, and every later reindex would refuse with "another
    reindex is running" for as long as the orphan lives.
    """
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the reindex has no worker processes")
    articles = parallel_articles
    index = tmp_path / "index"
    index.mkdir()
    lock = (index / LOCK_NAME).resolve()
    proc = subprocess.Popen(reindex_cmd(articles, index, "--full"), cwd=ROOT, stderr=subprocess.PIPE)
    family: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            now = descendants(proc.pid)
            family |= now
            if moment == "at-fork" and now:
                break  # the first child has just appeared
            if moment == "at-fork-again" and len(family) >= 2:
                break  # a second child has just appeared (workers replaced mid-run: test_indexer_parallel)
            if moment == "settled" and len(now) >= 2 and sum(map(cpu_seconds, now)) > 1.0:
                break  # the workers are busy
            time.sleep(0.05 if moment == "settled" else 0.001)
        assert proc.poll() is None, "the reindex finished before its children could be seen"
        if moment == "settled":
            time.sleep(0.3)
            family |= descendants(proc.pid)
            holders = [pid for pid in family if _holds_lock(pid, lock)]
            assert holders == [], f"children holding the lock: {holders}"
            with pytest.raises(ReindexLocked, match=f"pid {proc.pid}"):
                reindex(articles, index)  # the live holder is named
        family |= descendants(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert_no_survivors(index)
        assert_family_gone(family)  # spawned workers do not name the index in their command line
        assert lock_is_free(index)
        assert (index / LOCK_NAME).read_text().strip() == str(proc.pid)  # stale content, harmless
        if moment == "settled":
            summary = reindex(articles, index, workers=1)  # no manual clean-up needed
            assert summary.added == 1200 and lock_is_free(index)
            assert [p.name for p in index.glob("gen-*")] == [summary.generation]
        else:
            with reindex_lock(index):  # the next reindex can start at once
                pass
    finally:  # whatever happened: no process of this test outlives it
        for pid in [proc.pid, *family, *descendants(proc.pid), *processes_of(index)]:
            if alive(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
        proc.wait()


TRIALS = [("serial", i) for i in range(14)] + [("parallel", i) for i in range(8)]


@pytest.mark.parametrize(("path", "trial"), TRIALS, ids=[f"{p}-{i}" for p, i in TRIALS])
def test_kill_9_during_reindex(kill_state: tuple[KillState, Poller], path: str, trial: int) -> None:
    """SIGKILL a ``search reindex`` after a random delay: the live index stays whole and searchable, the
    lock is free at once, and no worker process survives its parent."""
    state, poller = kill_state
    before = assert_consistent(state.index)
    if path == "serial":
        state.rewrite(state.rng.randint(1, 60), f"s{trial}")
        cmd = reindex_cmd(state.articles, state.index)  # < PARALLEL_MIN changes: prepared in-process
    else:
        state.rewrite(state.rng.randint(0, 10), f"p{trial}")
        cmd = reindex_cmd(state.articles, state.index, "--full")  # >= PARALLEL_MIN: worker processes
    delay = state.rng.uniform(0.0, state.seconds[path] * 1.1)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lock = (state.index / LOCK_NAME).resolve()
    family: set[int] = set()
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and proc.poll() is None:  # watch for workers until the kill
        for pid in descendants(proc.pid) - family:
            family.add(pid)
        time.sleep(0.05)
    family |= descendants(proc.pid)
    holders = [pid for pid in family if _holds_lock(pid, lock)]
    # with what each holder runs, and its parent's: which process of the tree kept the lock (seen once)
    state.lock_holders.extend(
        f"{path}-{trial}: pid {pid} {_command(pid)!r} of {_parent(pid)}" for pid in holders
    )
    finished = proc.poll() is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state.workers_seen += len(family)
    # the workers die with their parent (also those forked a moment before the kill), nothing keeps the lock
    assert_no_survivors(state.index)
    assert wait_until(lambda: lock_is_free(state.index), 5), "the lock is still held after the kill"
    after = assert_consistent(state.index)
    if finished:
        outcome = "finished"
    elif after != before:
        outcome = "killed after the swap"
    elif any(p.name > before for p in state.index.glob("gen-*")):
        outcome = "killed while building"
    else:
        outcome = "killed before building"
    state.outcomes.append(f"{path}: {outcome}")
    assert not poller.errors, poller.errors[:5]


def test_killed_reindexes_are_repaired_by_the_next_run(kill_state: tuple[KillState, Poller]) -> None:
    state, poller = kill_state
    if len(state.outcomes) < len(TRIALS):
        pytest.skip("runs after the kill trials")
    print("kill outcomes:", {o: state.outcomes.count(o) for o in sorted(set(state.outcomes))})
    assert any("while building" in o for o in state.outcomes), state.outcomes
    if (os.cpu_count() or 1) > 1:
        assert state.workers_seen > 0, "the parallel trials never saw a worker process"
    assert state.lock_holders == [], f"worker processes inherited the reindex lock: {state.lock_holders}"
    done = subprocess.run(reindex_cmd(state.articles, state.index), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert_repaired(state.index, state.articles)
    counting = CountingEnricher()
    assert not reindex(state.articles, state.index, enrich=counting).changed and counting.seen == []
    time.sleep(0.5)  # the poller sees the repaired generation
    poller.stop.set()
    poller.thread.join(timeout=60)
    assert poller.errors == []
    assert poller.requests > 100, poller.requests
    for name, totals in poller.seen.items():
        assert len(totals) == 1, (name, totals)  # a generation never changes
        meta = state.index / name / META
        if meta.is_file():
            assert totals == {json.loads(meta.read_text())["articles"]}, name
    live = current_generation(state.index)
    assert poller.seen.get(live.name) == {len(on_disk(state.articles))}


# ----------------------------------------------------------------------------- full disk, read-only folder


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)


@contextlib.contextmanager
def mounted(*args: str, target: Path) -> Iterator[None]:
    """``mount ARGS TARGET`` for the block, or skip the test where mounting is not allowed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting needs root")
    done = _run(["mount", *args, str(target)])
    if done.returncode != 0:
        pytest.skip(f"mount not permitted here: {done.stderr.strip()}")
    try:
        yield
    finally:
        if _run(["umount", str(target)]).returncode != 0:
            _run(["umount", "-l", str(target)])


def _good_index(tmp_path: Path, index: Path, n_new: int) -> tuple[Path, str, IndexStore]:
    """A good index of the seeds in ``index``, then ``n_new`` new articles waiting in the folder."""
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    reindex(articles, index)
    live = assert_consistent(index)
    store = IndexStore(index)
    store.current().searcher()  # a reader that has the live generation open, like a running server
    rng = random.Random(SEED)
    for i in range(n_new):
        (articles / f"neu_{i:03d}.txt").write_text(article_text(rng, rng.randint(4, 8)), encoding="utf-8")
    return articles, live, store


def _assert_untouched(index: Path, live: str, store: IndexStore) -> None:
    assert assert_consistent(index) == live
    assert [p.name for p in index.glob("gen-*")] == [live], "a half-built generation was left behind"
    assert store.current().name == live and len(indexed(index)) == 5
    from .helpers import ids

    assert ids(store, "Lawrow") == ["002_96c8ceafc6e47d4f"]
    assert lock_is_free(index)


def test_disk_full_is_a_clear_error_and_keeps_the_index(tmp_path: Path) -> None:
    """A real full file system: a tmpfs just larger than the live index (mount needs root; else skip)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=16m", "tmpfs", target=disk):
        index = disk / "index"
        articles, live, store = _good_index(tmp_path, index, 60)
        st = os.statvfs(disk)
        used = (st.f_blocks - st.f_bfree) * st.f_frsize
        assert _run(["mount", "-o", f"remount,size={used + 64 * 1024}", str(disk)]).returncode == 0
        with pytest.raises(ReindexError, match="the disk is full") as err:
            reindex(articles, index)
        assert "previous index kept" in str(err.value)
        _assert_untouched(index, live, store)
        done = _run(reindex_cmd(articles, index), cwd=ROOT)  # the command line says the same, exit 1
        assert (
            done.returncode == 1
            and "Error: reindex failed, previous index kept: the disk is full" in done.stderr
        )
        assert "Traceback" not in done.stderr
        _assert_untouched(index, live, store)
        assert _run(["mount", "-o", "remount,size=64m", str(disk)]).returncode == 0
        reindex(articles, index)  # space again: the next run repairs everything
        assert_repaired(index, articles)
        assert store.current().name != live


def test_file_size_limit_is_a_clear_error_and_keeps_the_index(tmp_path: Path) -> None:
    """Writes that fail half-way without root: RLIMIT_FSIZE makes them fail with EFBIG (Python ignores
    SIGXFSZ), the same failure as a full disk for the reindex."""
    index = tmp_path / "index"
    articles, live, store = _good_index(tmp_path, index, 40)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))

    done = _run(reindex_cmd(articles, index), cwd=ROOT, preexec_fn=limit)
    assert done.returncode == 1, done.stderr
    assert "Error: reindex failed, previous index kept: " + os.strerror(errno.EFBIG) in done.stderr
    assert "Traceback" not in done.stderr
    _assert_untouched(index, live, store)
    reindex(articles, index)
    assert_repaired(index, articles)


def test_read_only_mount_is_a_clear_error(tmp_path: Path) -> None:
    """A read-only bind mount stops even root (mount needs root; else skip)."""
    index = tmp_path / "index"
    articles, live, store = _good_index(tmp_path, index, 3)
    with mounted("--bind", "-o", "ro", str(index), target=index):
        if os.access(index, os.W_OK) and _run(["touch", str(index / "probe")]).returncode == 0:
            pytest.skip("the bind mount is not read-only here")
        with pytest.raises(ReindexError, match="Read-only file system"):
            reindex(articles, index)
        done = _run(reindex_cmd(articles, index), cwd=ROOT)
        assert (
            done.returncode == 1 and "Read-only file system" in done.stderr and "Traceback" not in done.stderr
        )
        assert assert_consistent(index) == live and store.current().name == live
    reindex(articles, index)
    assert_repaired(index, articles)


def _unprivileged() -> list[str]:
    """A command prefix under which permission bits apply: nothing for a normal user; for root, no
    capabilities (``setpriv``: root without CAP_DAC_OVERRIDE is bound by the mode bits like anyone)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permission bits would not apply")
    return ["setpriv", "--bounding-set=-all", "--inh-caps=-all"]


@pytest.mark.parametrize("lock_writable", [False, True], ids=["lock-file-read-only", "folder-read-only"])
def test_read_only_index_folder_is_a_clear_error(tmp_path: Path, lock_writable: bool) -> None:
    index = tmp_path / "index"
    articles, live, store = _good_index(tmp_path, index, 3)
    prefix = _unprivileged()
    (index / LOCK_NAME).chmod(0o666 if lock_writable else 0o444)
    index.chmod(0o555)
    try:
        done = _run(prefix + reindex_cmd(articles, index), cwd=ROOT)
    finally:
        index.chmod(0o755)
        (index / LOCK_NAME).chmod(0o644)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    if lock_writable:  # the lock is taken, the new generation cannot be created
        assert "Error: reindex failed, previous index kept: Permission denied" in done.stderr, done.stderr
    else:
        assert "Error: cannot create the lock file" in done.stderr and "Permission denied" in done.stderr
    _assert_untouched(index, live, store)
    reindex(articles, index)
    assert_repaired(index, articles)
