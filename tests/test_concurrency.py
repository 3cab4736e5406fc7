"""Concurrency: searches from many threads and several processes while reindexes run and swap the index.

The writer builds generations with different, known article sets (adds, deletions, a full rebuild). Every
answer names its generation; an empty query with a page larger than the corpus must then list exactly the
articles of that generation (total and ids), so an answer that mixed two generations, or one that came
from a half-built generation, would show. No request may fail.
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from search.core.models import SearchRequest
from search.engine.whoosh.generations import MANIFEST, current_generation
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.searcher import search
from search.engine.whoosh.store import IndexStore
from search_tools.synthetic import article_text

from .conftest import ROOT, SEEDS, start_server, stop_server

SEED = 7
EMPTY = "/api/search?per_page=100&sort=newest"
OTHERS = ("/api/search?q=zeit&per_page=5", "/?q=regierung", "/api/facets/source", "/?q=&sort=newest&page=2")

# A client in another process: the same requests, answers as JSON lines (gen, total, ids) or errors.
CLIENT = r"""
import http.client, json, sys, time
from pathlib import Path
from urllib.parse import urlsplit
base, out, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
url = urlsplit(base)
conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
others = __OTHERS__
n = 0
with out.open("w") as fh:
    while not stop.exists():
        try:
            conn.request("GET", __EMPTY__)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise RuntimeError(f"{r.status}: {body[:200]!r}")
            data = json.loads(body)
            fh.write(json.dumps({"gen": data["generation"], "total": data["total"],
                                 "ids": sorted(h["id"] for h in data["results"])}) + "\n")
            path = others[n % len(others)]
            conn.request("GET", path)
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise RuntimeError(f"{path}: {r.status}: {body[:200]!r}")
        except Exception as exc:
            fh.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}) + "\n")
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        n += 1
""".replace("__OTHERS__", repr(OTHERS)).replace("__EMPTY__", repr(EMPTY))


class Recorder:
    """Answers and errors of the in-process clients (threads)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: list[tuple[str, int, tuple[str, ...]]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def add(self, gen: str, total: int, ids: list[str]) -> None:
        with self.lock:
            self.answers.append((gen, total, tuple(sorted(ids))))

    def fail(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def http_client(base: str, rec: Recorder) -> None:
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    n = 0
    while not rec.stop.is_set():
        try:
            conn.request("GET", EMPTY)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, (r.status, body[:200])
            data = json.loads(body)
            rec.add(data["generation"], data["total"], [h["id"] for h in data["results"]])
            conn.request("GET", OTHERS[n % len(OTHERS)])
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, (OTHERS[n % len(OTHERS)], r.status, body[:200])
        except Exception as exc:  # every failure is recorded and fails the test
            rec.fail(f"http: {type(exc).__name__}: {exc}")
            conn.close()
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        n += 1


def store_client(store: IndexStore, rec: Recorder) -> None:
    """Searches through a shared IndexStore in this process, as the server's threads do."""
    while not rec.stop.is_set():
        try:
            resp = search(store, SearchRequest(per_page=100, sort="newest", with_snippets=False))
            rec.add(resp.generation, resp.total, [h["id"] for h in resp.results])
            search(store, SearchRequest(q="zeit OR regierung", per_page=5))
        except Exception as exc:
            rec.fail(f"store: {type(exc).__name__}: {exc}")


@pytest.fixture()
def corpus(tmp_path: Path) -> Iterator[tuple[Path, Path, str]]:
    articles = tmp_path / "articles"
    articles.mkdir()
    rng = random.Random(SEED)
    for i in range(60):
        (articles / f"a_{i:03d}.txt").write_text(article_text(rng, rng.randint(1, 3)), encoding="utf-8")
    index = tmp_path / "index"
    reindex(articles, index, workers=1)
    proc, base = start_server(index, articles, {"SEARCH_NER": "0", "SEARCH_RATE_LIMIT": "off"})
    # start_server sends the output to DEVNULL: nothing to drain
    yield articles, index, base
    stop_server(proc)


def generation_ids(index: Path) -> tuple[str, tuple[str, ...]]:
    """The live generation and the ids its manifest lists."""
    live = current_generation(index)
    manifest = json.loads((live / MANIFEST).read_text(encoding="utf-8"))
    return live.name, tuple(sorted(entry["id"] for entry in manifest.values()))


def test_searches_during_reindexes_see_one_whole_generation(
    corpus: tuple[Path, Path, str], tmp_path: Path
) -> None:
    articles, index, base = corpus
    rng = random.Random(SEED + 1)
    expected: dict[str, tuple[str, ...]] = dict([generation_ids(index)])
    rec = Recorder()
    store = IndexStore(index)
    threads = [threading.Thread(target=http_client, args=(base, rec), daemon=True) for _ in range(6)]
    threads += [threading.Thread(target=store_client, args=(store, rec), daemon=True) for _ in range(2)]
    stop = tmp_path / "stop"
    outs = [tmp_path / f"client{i}.jsonl" for i in range(3)]
    procs = [
        subprocess.Popen([sys.executable, "-c", CLIENT, base, str(out), str(stop)], cwd=ROOT) for out in outs
    ]
    for t in threads:
        t.start()

    def write(n: int, tag: str) -> None:
        for k in range(n):
            (articles / f"{tag}_{k:03d}.txt").write_text(article_text(rng, 2), encoding="utf-8")

    def delete(n: int) -> None:
        for path in rng.sample(sorted(articles.glob("*.txt")), n):
            path.unlink()

    steps = [
        ("add 20", lambda: write(20, "b"), False),
        ("delete 30", lambda: delete(30), False),
        ("full rebuild", lambda: None, True),
        ("add 25, change 5", lambda: (write(25, "c"), write(5, "b")), False),
        ("delete 10, add 5", lambda: (delete(10), write(5, "d")), False),
        ("delete 1", lambda: delete(1), False),
        ("full rebuild with 12 more", lambda: write(12, "e"), True),
    ]
    try:
        time.sleep(1.0)
        for _name, change, full in steps:
            change()
            summary = reindex(articles, index, full=full, workers=1)
            assert summary.generation is not None
            gen, ids = generation_ids(index)
            assert gen == summary.generation and len(ids) == len(list(articles.glob("*.txt")))
            expected[gen] = ids
            time.sleep(0.6)  # let every client see this generation
    finally:
        rec.stop.set()
        stop.touch()
        for t in threads:
            t.join(timeout=60)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    assert rec.errors == [], rec.errors[:5]
    answers = list(rec.answers)
    for out in outs:
        for line in out.read_text().splitlines():
            data = json.loads(line)
            assert "error" not in data, data
            answers.append((data["gen"], data["total"], tuple(data["ids"])))
    assert len(answers) > 50, len(answers)
    seen: dict[str, int] = {}
    for gen, total, ids in answers:
        assert gen in expected, f"an answer from generation {gen}, which was never live ({list(expected)})"
        assert total == len(expected[gen]) and ids == expected[gen], (
            f"{gen}: total {total}, {len(ids)} ids; the generation has {len(expected[gen])} articles; "
            f"missing {sorted(set(expected[gen]) - set(ids))[:5]}, extra {sorted(set(ids) - set(expected[gen]))[:5]}"
        )
        seen[gen] = seen.get(gen, 0) + 1
    # the swaps were observed (not every short-lived generation need be: the machine may be busy)
    assert len(seen) >= 4, (seen, list(expected))
    print(f"{len(answers)} consistent answers from {len(seen)} generations: {seen}")


def test_replaced_generations_are_released(tmp_path: Path) -> None:
    """A long-running server must not keep every generation it ever served: after a swap, the previous
    generation (its open index, per-thread searchers and facet columns) is garbage once no request uses it."""
    import gc
    import weakref

    articles = tmp_path / "articles"
    articles.mkdir()
    rng = random.Random(SEED)
    for i in range(30):
        (articles / f"a_{i:03d}.txt").write_text(article_text(rng, 2), encoding="utf-8")
    reindex(articles, tmp_path / "index", workers=1)
    store = IndexStore(tmp_path / "index")
    old = []
    for round_ in range(4):
        threads = [
            threading.Thread(target=search, args=(store, SearchRequest(q="zeit OR regierung")))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        old.append(weakref.ref(store.current()))
        (articles / f"neu_{round_}.txt").write_text(article_text(rng, 2), encoding="utf-8")
        reindex(articles, tmp_path / "index", workers=1)
        assert search(store, SearchRequest(per_page=1)).total == 31 + round_  # the store moved on
    gc.collect()
    assert [ref() for ref in old] == [None] * len(old)


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_serve_with_worker_processes(seed_index: Path) -> None:
    """``serve --workers 2``: two real worker processes answer the same JSON as one process, in parallel."""
    proc, base = start_server(seed_index, SEEDS, {"SEARCH_RATE_LIMIT": "off"}, args=("--workers", "2"))
    try:
        workers = _children(proc.pid)
        assert len(workers) == 2, workers
        url = base + "/api/search?q=Trump&person=Donald+Trump"

        def fetch(_: int) -> dict:
            with urllib.request.urlopen(url, timeout=60) as r:
                data = json.loads(r.read())
            data.pop("took_ms")
            return data

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(fetch, range(40)))
        assert answers[0]["total"] >= 1 and all(a == answers[0] for a in answers)
    finally:
        stop_server(proc)
    deadline = time.time() + 10
    while time.time() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.1)
    assert not any(Path(f"/proc/{w}/stat").exists() for w in workers)


def test_threads_read_postings_through_their_own_readers(tmp_path: Path) -> None:
    """The generation's shared scorer reads postings for many threads at once: each through its own reader
    (one shared reader's file position was raced: wrong bytes, UnpicklingError on /suggest.json under load)."""
    from search.engine.whoosh.searcher import scorer

    folder = tmp_path / "articles"
    folder.mkdir()
    rng = random.Random(7)
    for i in range(300):
        (folder / f"a{i:03d}.txt").write_text(article_text(rng, 3), encoding="utf-8")
    reindex(folder, tmp_path / "index")
    gen = IndexStore(tmp_path / "index").current()
    sc = scorer(gen)
    reader = gen.searcher().reader()
    terms = [t.decode() if isinstance(t, bytes) else t for t in reader.lexicon("exact")][:400]
    expected = {t: sc.postings("exact", t).ids.tolist() for t in terms}
    seen_readers: set[int] = set()

    together = threading.Barrier(6, timeout=60)  # six tasks on six threads at once, never one thread twice

    def read_all(seed: int) -> list[str]:
        together.wait()
        seen_readers.add(id(gen.searcher().reader()))
        wrong = []
        for t in random.Random(seed).sample(terms, len(terms)):
            with sc._lock:
                sc._cache.clear()  # force a read from the index every time
            if sc.postings("exact", t).ids.tolist() != expected[t]:
                wrong.append(t)
        return wrong

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(read_all, range(6)))
    assert len(seen_readers) == 6  # each thread has a reader of its own
    assert results == [[]] * 6
