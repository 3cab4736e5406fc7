"""The only writer: incremental and full reindex into index generations with an atomic pointer.

Layout of the index folder::

    index/CURRENT            "gen-000007" — replaced atomically with os.replace
    index/gen-000007/        a complete Whoosh index + manifest.json (path -> id, hash, size, mtime)
    index/.reindex.lock      flock()ed by the running reindex (released by the OS if it dies)

A reindex never modifies the live generation. An incremental run hard-links the live generation's files
into a new folder (Whoosh never rewrites a file in place), applies deletions and additions there, and flips
``CURRENT``; a full run builds the new folder from nothing. A run killed at any moment leaves ``CURRENT``
pointing at the previous, complete generation; leftovers are removed by the next run.

Many changed articles (``PARALLEL_MIN``) are prepared by ``workers`` worker processes: each reads a batch
of files, extracts entities and dates (spaCy, the expensive part) and analyses the text into tokens, and
sends the finished documents back pickled. The reindex process itself is the only writer: it gives every
person one spelling across workers (:class:`_PersonNames`) and adds the documents to one plain Whoosh
writer, which commits a segment every ``SEGMENT_DOCS`` documents, so that writing postings overlaps with
the workers' extraction instead of following it. No Whoosh ``MpWriter``: its sub-writers were a second
set of forked processes with posting buffers of their own (and copies of this process's memory), and one
writer keeps up: with NER it needs about a sixth of the CPU time, without about half.

Memory does not grow with the archive: at most ``IN_FLIGHT`` batches are submitted ahead of the writer, the
writer's posting buffer is spilled to disk beyond ``WRITER_MB``, a worker returns freed memory to the system
after each batch (spaCy's arrays for a batch are large, see :mod:`search.enrich`), and each worker is
replaced by a fresh one after ``WORKER_ARTICLES`` articles, which bounds what its caches and spaCy's
vocabulary accumulate (:class:`_Lane`; batches go to the workers in turn, so a run does not depend on
timing). Workers are started with "spawn" (a fresh interpreter): a forked worker would carry a copy of
this process's memory (the plan, the writer's buffer) for its whole life. Every child dies with the
reindex process (``PR_SET_PDEATHSIG``), also one started a moment before the reindex was killed.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import errno
import fcntl
import gc
import hashlib
import json
import logging
import multiprocessing as mp
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import PostingPool, SegmentWriter

from search.core.errors import ReindexError, ReindexLocked
from search.core.models import Article, ReindexSummary, Skipped
from search.engine.whoosh.mapped_io import share_mapped_files
from search.engine.whoosh.schema import build_schema, mention_values
from search.enrich.ingest import (
    MAX_FILE_BYTES,
    ArticleError,
    Metadata,
    article_id,
    iter_article_files,
    read_article,
    read_sidecar,
)
from search.text.analysis import pre_analyzed

POINTER = "CURRENT"
GEN_PREFIX = "gen-"
LOCK_NAME = ".reindex.lock"
MANIFEST = "manifest.json"
META = "meta.json"
PERSONS = "persons.json"  # canonical persons with aliases, to keep names consistent across runs
KEEP_PREVIOUS = 2  # older generations kept for readers that still have them open
# Bump when analysis or schema change in a way that makes old generations incompatible: the next
# reindex then rebuilds fully instead of mixing old and new documents.
INDEX_FORMAT = 3  # 3: person_mentions / country_mentions fields
BATCH = 64
PARALLEL_MIN = 200  # fewer changed articles than this are prepared in the main process
# Parallel path (see the module docstring). Batches submitted ahead of the writer: enough to keep the workers
# busy while the writer commits a segment; they wait pickled (~35 KB per article).
IN_FLIGHT = 24
WORKER_ARTICLES = 1_200  # articles per worker process before it is replaced by a fresh one
# Documents per segment the writer commits while the workers go on. Committing 5,000 FANG-COVID articles
# takes about 27 s, within the workers' in-flight batches; 10,000 took 55 s and left them idle for 35 s.
SEGMENT_DOCS = 5_000
WRITER_MB = 64  # Whoosh's posting buffer (its own estimate; the real size is about 1.5x)
PROGRESS_EVERY = 10.0  # seconds between progress log lines

log = logging.getLogger(__name__)
share_mapped_files()  # an incremental run reads the live segments in place (see search.whoosh_io)

Progress = Callable[[str, int, int], None]
Enrich = Callable[[list[Article]], list[dict]]


@dataclass(frozen=True)
class _Job:
    """A file to (re)index: read and analysed later, in a worker when there are many."""

    path: Path
    root: Path
    rel: str
    meta: Metadata | None


@dataclass
class _Plan:
    add: list[_Job]  # files to (re)index
    remove: list[str]  # ids to delete
    manifest: dict[str, dict]  # the new manifest (path -> entry)
    skipped: list[Skipped]
    warnings: list[str]
    unchanged: int
    old_ids: set[str]


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder named by ``CURRENT``, or None when there is none yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReindexError(f"cannot read {index_dir / POINTER}: {exc.strerror}") from exc
    path = index_dir / name
    if not name.startswith(GEN_PREFIX) or "/" in name or not path.is_dir():
        return None
    return path


def read_json(path: Path, default: object) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


@contextmanager
def reindex_lock(index_dir: Path) -> Iterator[None]:
    """Hold the reindex lock; a second reindex refuses instead of waiting or corrupting anything.

    ``flock`` is released by the kernel when the holder dies, so a killed reindex never leaves a stale lock.
    """
    path = index_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ReindexError(f"cannot create the lock file {path}: {exc.strerror}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise ReindexLocked(
                f"another reindex is running (pid {holder}) on {index_dir}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        global _lock_fd, _lock_pid
        _lock_fd, _lock_pid = fd, os.getpid()
        yield
    finally:
        _lock_fd = None
        os.close(fd)


def _scan(articles_dir: Path, old: dict[str, dict], full: bool) -> _Plan:
    """Compare the folder with the previous manifest.

    Files whose size, mtime and metadata are unchanged are not read at all; the others are hashed
    (streamed, never held in memory) and only those whose content or metadata changed are planned.
    """
    new_manifest: dict[str, dict] = {}
    add: list[_Job] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    unchanged = 0
    seen_ids: dict[str, str] = {}
    sidecars: dict[Path, dict[str, Metadata]] = {}
    root = articles_dir.resolve()
    for item in iter_article_files(root):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        rel = item.relative_to(root).as_posix()
        doc_id = article_id(item)
        if doc_id in seen_ids:
            skipped.append(Skipped(rel, f"duplicate id {doc_id!r} (also {seen_ids[doc_id]})"))
            continue
        folder = item.parent
        if folder not in sidecars:
            sidecars[folder], sidecar_warnings = read_sidecar(folder)
            warnings.extend(sidecar_warnings)
        meta = sidecars[folder].get(doc_id)
        meta_sig = json.dumps(meta.__dict__, sort_keys=True, default=str) if meta else ""
        try:
            st = item.stat()
        except OSError as exc:
            skipped.append(Skipped(rel, f"unreadable ({exc.strerror})"))
            continue
        prev = old.get(rel)
        same_meta = bool(prev) and prev.get("meta") == meta_sig
        if (
            not full
            and same_meta
            and prev.get("size") == st.st_size
            and prev.get("mtime_ns") == st.st_mtime_ns
        ):
            new_manifest[rel] = prev
            seen_ids[doc_id] = rel
            unchanged += 1
            continue
        if st.st_size > MAX_FILE_BYTES:
            skipped.append(
                Skipped(
                    rel,
                    f"too large ({st.st_size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)",
                )
            )
            continue
        try:
            with open(item, "rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError as exc:
            skipped.append(Skipped(rel, f"unreadable ({exc.strerror})"))
            continue
        seen_ids[doc_id] = rel
        new_manifest[rel] = {
            "id": doc_id,
            "hash": digest,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "meta": meta_sig,
        }
        if not full and same_meta and prev.get("hash") == digest:
            unchanged += 1  # touched but identical: no analysis
            continue
        add.append(_Job(item, root, rel, meta))
    old_ids = {entry["id"] for entry in old.values()}
    new_ids = {entry["id"] for entry in new_manifest.values()}
    remove = [] if full else sorted(old_ids - new_ids)
    return _Plan(add, remove, new_manifest, skipped, warnings, unchanged, set() if full else old_ids)


def _file_signature(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}"


def document(article: Article, extra: dict | None = None) -> dict:
    """The Whoosh fields of one article (``extra``: entity and date fields from the enrichment step)."""
    # Analyse once: the title+text value feeds body (stemmed), exact and parts; only the text is
    # stored.
    full = pre_analyzed(f"{article.title}\n\n{article.text}", ("stem", "exact", "parts"))
    doc: dict = {
        "id": article.id,
        "path": article.path,
        "content_hash": article.content_hash,
        "title": pre_analyzed(article.title, ("stem",)),
        "_stored_title": article.title,
        "body": full,
        "_stored_body": article.text,
        "exact": full,
        "parts": full,
        "title_derived": article.title_derived,
        "date_estimated": article.date_estimated,
        "pubdate": 0,
    }
    if article.source:
        doc["source"] = article.source
    if article.url:
        doc["url"] = article.url
    date = article.date
    precision = article.date_precision
    extra = dict(extra or {})
    if date is None and extra.get("estimated_date"):
        date, precision = extra["estimated_date"], "day"
        doc["date_estimated"] = True
    extra.pop("estimated_date", None)
    if date is not None:
        doc["date"] = date.isoformat()
        doc["date_precision"] = precision
        doc["pubdate"] = int(date.strftime("%Y%m%d"))
        doc["published"] = date_facet_values(date, precision)
    for key, value in extra.items():
        if value:
            doc[key] = value
    return doc


def date_facet_values(date: dt.date, precision: str | None) -> str:
    """``2018`` and ``2018-05`` for a month- or day-precise date, ``2018`` for a year-only date."""
    return f"{date.year}" if precision == "year" else f"{date.year},{date.year}-{date.month:02d}"


def _next_generation(index_dir: Path) -> Path:
    numbers = [
        int(p.name[len(GEN_PREFIX) :])
        for p in index_dir.glob(GEN_PREFIX + "*")
        if p.name[len(GEN_PREFIX) :].isdigit()
    ]
    return index_dir / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"


def _link_copy(src: Path, dst: Path) -> None:
    """Hard-link a generation's Whoosh files into ``dst`` (copy where links are not possible)."""
    dst.mkdir()
    for f in src.iterdir():
        if f.name in (MANIFEST, META, PERSONS) or f.name.endswith("LOCK") or not f.is_file():
            continue
        try:
            os.link(f, dst / f.name)
        except OSError:
            shutil.copy2(f, dst / f.name)


def _fsync_tree(folder: Path) -> None:
    for f in folder.iterdir():
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _flip_pointer(index_dir: Path, generation: Path) -> None:
    tmp = index_dir / (POINTER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / POINTER)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _cleanup(index_dir: Path, live: Path | None) -> None:
    """Remove unfinished generations and all but the newest ``KEEP_PREVIOUS`` older ones."""
    gens = sorted(p for p in index_dir.glob(GEN_PREFIX + "*") if p.is_dir())
    if live is None:
        return
    older = [g for g in gens if g.name < live.name and (g / META).is_file()]
    doomed = [g for g in gens if g.name > live.name or not (g / META).is_file()]
    doomed += older[: max(0, len(older) - KEEP_PREVIOUS)]
    for g in doomed:
        if g != live:
            shutil.rmtree(g, ignore_errors=True)


def _batches(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ---------------------------------------------------------------------------------------------- workers
# A worker reads, enriches (entities, dates) and analyses a batch of files; the main process only writes
# to Whoosh. Workers are spawned (see the module docstring); an enricher that cannot be pickled falls back
# to fork.

_worker_enrich: Enrich | None = None
_lock_fd: int | None = None  # the reindex lock held by this process (workers must not keep it alive)
_lock_pid: int | None = None  # the process that took it: the parent of every child forked meanwhile


def _init_worker(enrich: Enrich | None, learn: bool = False, parent: int | None = None) -> None:
    """Worker set-up: drop an inherited lock descriptor, die with the parent, remember the enricher.

    ``learn``: teach the enricher its established persons first (:meth:`Enricher.established`: those of the
    index on an incremental run and those named in two or more articles written before the worker's
    knowledge point, see :class:`_Lane`), as the writer's spelling of them.
    ``parent``: the reindex process (default: the holder of the lock, for a forked child).
    """
    global _worker_enrich, _lock_fd
    if _lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(_lock_fd)  # the parent's lock stays; a worker orphaned by a kill -9 must not hold it
        _lock_fd = None
    _die_with_parent(parent if parent is not None else _lock_pid)
    _one_blas_thread()
    _worker_enrich = enrich
    if learn and getattr(enrich, "registry", None) and hasattr(enrich, "established"):
        enrich.prime(enrich.established())
    if hasattr(enrich, "load"):
        enrich.load()
    # What is alive now lives as long as the process (the spaCy pipeline, the persons learned): leave it out
    # of garbage collection, which otherwise scans it again and again (5 % of a worker's time, measured).
    gc.freeze()


# Every child forked while the lock is held (whatever forks it: a library's helper process too) drops it.
os.register_at_fork(after_in_child=lambda: _lock_fd is not None and _init_worker(_worker_enrich))


def _one_blas_thread() -> None:
    """One BLAS thread in this worker: there is a worker per core already, more threads would only compete
    (numpy's OpenBLAS starts one per core by default; the NER model multiplies its matrices with it)."""
    import numpy  # noqa: F401 - threadpoolctl limits the BLAS libraries loaded so far
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def _die_with_parent(parent: int | None) -> None:
    """Linux: this child gets SIGKILL when ``parent``, which started it, dies (best effort elsewhere).

    Children are started by the main thread only (the death signal follows the thread that started them).
    """
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the reindex died between our start and the line above: the signal would never come


_libc: object = None  # glibc through ctypes (False where there is none), loaded on first use


def _release_memory() -> None:
    """Give freed heap memory back to the system (glibc keeps spaCy's large freed arrays otherwise)."""
    global _libc
    if _libc is None:
        try:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim  # noqa: B018 - glibc only
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


def _prepare(
    jobs: list[_Job], enrich: Enrich | None = None
) -> list[tuple[str, dict | None, str | None, tuple]]:
    """``(rel, document, skip reason, warnings)`` for each job."""
    enrich = enrich if enrich is not None else _worker_enrich
    articles: list[Article] = []
    out: list[tuple[str, dict | None, str | None, tuple]] = []
    for job in jobs:
        try:
            articles.append(read_article(job.path, job.root, job.meta))
        except ArticleError as exc:
            out.append((job.rel, None, str(exc), ()))
    extras = enrich(articles) if enrich and articles else [{} for _ in articles]
    for article, extra in zip(articles, extras, strict=True):
        out.append((article.path, document(article, extra), None, article.warnings))
    return out


def _prepare_packed(jobs: list[_Job]) -> bytes:
    """:func:`_prepare` in a worker: the result pickled (it waits compactly until the writer takes it)."""
    data = pickle.dumps(_prepare(jobs), protocol=pickle.HIGHEST_PROTOCOL)
    _release_memory()
    return data


def _prepared(
    plan: _Plan, enrich: Enrich | None, workers: int
) -> Iterator[tuple[str, dict | None, str | None, tuple]]:
    """Prepared documents in order, from worker processes when there are enough to be worth it."""
    batches = list(_batches(plan.add, BATCH))
    if workers <= 1 or len(plan.add) < PARALLEL_MIN:
        for batch in batches:
            yield from _prepare(batch, enrich)
            _release_memory()
        return
    ctx = _worker_context(enrich)
    count = min(workers, len(batches))
    ahead = max(1, IN_FLIGHT // count)  # batches submitted to a lane and not yet written
    lanes = [_Lane(i, count, ahead, ctx) for i in range(count)]
    known = _Knowledge(lane.knowledge_point(n) for lane in lanes for n in lane.starts(len(batches)))
    futures: dict[int, Future] = {}
    finished = False
    try:
        for k in range(len(batches)):
            known.take(k, enrich)  # every batch before k has been written (and its persons registered)
            while True:
                for lane in lanes:  # top up every lane; one whose process has done its share gets a new one
                    lane.refill(batches, futures, k, known)
                if futures[k].done():
                    break
                retiring = [f for lane in lanes if (f := lane.retiring()) is not None]
                wait([futures[k], *retiring], return_when=FIRST_COMPLETED)
            result = _unpack(futures.pop(k))
            lanes[k % count].outstanding -= 1
            yield from result
        finished = True
    finally:
        for lane in lanes:  # on an error: drop the queued batches, do not wait for the running ones
            lane.close(wait=finished)


class _Knowledge:
    """The enricher as it was when the writer reached given batch numbers (what a new worker learns)."""

    def __init__(self, points: Iterable[int]):
        self.uses: dict[int, int] = {}
        for point in points:
            self.uses[point] = self.uses.get(point, 0) + 1
        self.saved: dict[int, object] = {}

    def take(self, k: int, enrich: Enrich | None) -> None:
        if k in self.uses:
            try:
                self.saved[k] = pickle.dumps(enrich, protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError):  # forked workers: a copy, if possible
                try:
                    self.saved[k] = copy.deepcopy(enrich)
                except Exception:  # noqa: BLE001 - cannot be copied either: passed as it is (timing-dependent)
                    self.saved[k] = enrich

    def get(self, point: int) -> Enrich | None:
        saved = self.saved[point]
        self.uses[point] -= 1
        if not self.uses[point]:
            del self.saved[point]
        return pickle.loads(saved) if isinstance(saved, bytes) else saved  # type: ignore[return-value]


class _Lane:
    """One worker process at a time, preparing batches ``first, first + stride, ...`` in order.

    A process is replaced after ``WORKER_ARTICLES`` articles, as soon as it has finished them (the writer
    may still be busy, e.g. committing a segment). The new process starts knowing the persons of every batch
    before ``knowledge_point(its first batch)``: a batch number that depends on the numbering alone and
    that the writer has always passed by then. So which batches a process prepares, and what it knows
    when, do not depend on timing: a run gives the same documents however fast each part is (the spelling
    a worker gives a person depends on the persons it has seen). While one lane changes processes, the
    others go on with the batches already submitted to them.
    """

    def __init__(self, first: int, stride: int, ahead: int, ctx: mp.context.BaseContext):
        self.first = first
        self.next = first  # the next batch of this lane to submit
        self.stride = stride
        self.ahead = ahead
        self.ctx = ctx
        self.executor: ProcessPoolExecutor | None = None
        self.handed = 0  # batches handed to the current process
        self.last: Future | None = None  # the last batch handed to the current process
        self.outstanding = 0  # batches submitted and not yet taken by the writer
        self.per_process = max(1, WORKER_ARTICLES // BATCH)

    def starts(self, total: int) -> range:
        """The first batch of each process this lane will start."""
        return range(self.first, total, self.stride * self.per_process)

    def knowledge_point(self, start: int) -> int:
        """The batch whose predecessors a process starting at batch ``start`` learns the persons of.

        When the lane submits ``start``, fewer than ``ahead`` of its batches before it are still unwritten,
        so the writer has reached at least ``start - ahead * stride``.
        """
        return max(0, start - self.ahead * self.stride)

    def retiring(self) -> Future | None:
        """The last batch of a process that has been handed its share and is still working on it."""
        if self.executor is not None and self.handed >= self.per_process and not self.last.done():
            return self.last
        return None

    def refill(
        self, batches: list[list[_Job]], futures: dict[int, Future], k: int, known: _Knowledge
    ) -> None:
        """Submit this lane's batches up to ``ahead`` beyond the writer, which is at batch ``k``."""
        while self.next < len(batches) and self.outstanding < self.ahead:
            if self.executor is not None and self.handed >= self.per_process:
                if self.retiring() is not None:
                    return  # replaced once it has finished its share
                self.close(wait=True)
            if self.executor is None:
                point = self.knowledge_point(self.next)
                assert point <= k, "the writer has always passed a knowledge point (see knowledge_point)"
                enrich = known.get(point)
                self.executor = ProcessPoolExecutor(
                    1, mp_context=self.ctx, initializer=_init_worker, initargs=(enrich, True, os.getpid())
                )
                self.handed = 0
            self.last = futures[self.next] = self.executor.submit(_prepare_packed, batches[self.next])
            self.next += self.stride
            self.handed += 1
            self.outstanding += 1

    def close(self, wait: bool) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=wait, cancel_futures=not wait)
            self.executor = None


def _worker_context(enrich: Enrich | None) -> mp.context.BaseContext:
    """The "spawn" start method, or "fork" for an enricher that cannot be pickled (a class local to a test)."""
    try:
        pickle.dumps(enrich)
    except (pickle.PicklingError, TypeError, AttributeError):
        return mp.get_context("fork")
    return mp.get_context("spawn")


def _unpack(future) -> list[tuple[str, dict | None, str | None, tuple]]:  # noqa: ANN001 - a Future
    try:
        return pickle.loads(future.result())
    except BrokenProcessPool as exc:
        raise ReindexError(
            "reindex failed, previous index kept: a worker process died"
            " (killed, out of memory, or it could not start: see the messages above)"
        ) from exc


class _Throughput:
    """Progress callback every batch; a log line with articles per second every ``PROGRESS_EVERY`` s."""

    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.progress = progress
        self.started = self.last = time.monotonic()

    def __call__(self, done: int) -> None:
        if self.progress and (done % BATCH == 0 or done == self.total):
            self.progress("index", done, self.total)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or done == self.total:
            self.last = now
            rate = done / max(now - self.started, 1e-9)
            left = (self.total - done) / rate if rate else 0.0
            log.info(
                "indexed %d of %d articles, %.1f articles/s, about %.0f s left", done, self.total, rate, left
            )


def reindex(
    articles_dir: Path,
    index_dir: Path,
    full: bool = False,
    enrich: Enrich | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> ReindexSummary:
    """Bring the index in line with the articles folder; returns what was done.

    Incremental by default (only new, changed and deleted articles are touched); ``full`` rebuilds a new
    generation from nothing. ``workers`` processes read and analyse (default: one per core). Raises
    :class:`ReindexError` with a plain message when it cannot finish; the live generation is never modified.
    """
    started = time.perf_counter()
    articles_dir = Path(articles_dir)
    index_dir = Path(index_dir)
    workers = workers or os.cpu_count() or 1
    if not articles_dir.is_dir():
        raise ReindexError(f"articles folder not found: {articles_dir}")
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReindexError(f"cannot create the index folder {index_dir}: {exc.strerror}") from exc
    with reindex_lock(index_dir):
        live = current_generation(index_dir)
        meta = read_json(live / META, {}) if live else {}
        if live and meta.get("format") != INDEX_FORMAT:
            full = True  # incompatible or unfinished generation: rebuild rather than mix
        old_manifest = read_json(live / MANIFEST, {}) if live and not full else {}
        plan = _scan(articles_dir, old_manifest if isinstance(old_manifest, dict) else {}, full)
        if live and not full and not plan.add and not plan.remove:
            _cleanup(index_dir, live)
            return ReindexSummary(
                skipped=tuple(plan.skipped),
                warnings=tuple(plan.warnings),
                unchanged=plan.unchanged,
                seconds=time.perf_counter() - started,
            )
        new_gen = _next_generation(index_dir)
        if live and not full and hasattr(enrich, "prime"):
            enrich.prime(read_json(live / PERSONS, {}))
        try:
            written = _build(live, new_gen, plan, full, enrich, progress, workers)
            _write_json(new_gen / MANIFEST, plan.manifest)
            if hasattr(enrich, "registry"):
                _write_json(new_gen / PERSONS, enrich.registry)
            _write_json(
                new_gen / META,
                {
                    "format": INDEX_FORMAT,
                    "generation": new_gen.name,
                    "parent": live.name if live and not full else None,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "articles": len(plan.manifest),
                    "articles_dir": str(articles_dir.resolve()),
                },
            )
            _fsync_tree(new_gen)
            _flip_pointer(index_dir, new_gen)
        except OSError as exc:
            shutil.rmtree(new_gen, ignore_errors=True)
            reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
            raise ReindexError(
                f"reindex failed, previous index kept: {reason} ({exc.filename or index_dir})"
            ) from exc
        except BaseException:
            shutil.rmtree(new_gen, ignore_errors=True)
            raise
        _cleanup(index_dir, new_gen)
        updated = len(written & plan.old_ids)
        return ReindexSummary(
            skipped=tuple(plan.skipped),
            warnings=tuple(plan.warnings),
            unchanged=plan.unchanged,
            added=len(written) - updated,
            updated=updated,
            removed=len(plan.remove),
            seconds=time.perf_counter() - started,
            generation=new_gen.name,
            full=full,
        )


def _build(
    live: Path | None,
    new_gen: Path,
    plan: _Plan,
    full: bool,
    enrich: Enrich | None,
    progress: Progress | None,
    workers: int,
) -> set[str]:
    """Write the new generation; returns the ids written. Skips found while reading update ``plan``."""
    if live and not full:
        _link_copy(live, new_gen)
        ix = whoosh_index.open_dir(str(new_gen))
    else:
        new_gen.mkdir()
        ix = whoosh_index.create_in(str(new_gen), build_schema())
    parallel = workers > 1 and len(plan.add) >= PARALLEL_MIN
    # One writer in this process, also on the parallel path (see the module docstring).
    writer = _writer(ix, WRITER_MB if parallel else 256)
    written: set[str] = set()
    canon = _PersonNames(enrich) if parallel else None
    report = _Throughput(len(plan.add), progress)
    try:
        for doc_id in plan.remove:
            writer.delete_by_term("id", doc_id)
        in_segment = 0
        for done, (rel, doc, reason, warnings) in enumerate(_prepared(plan, enrich, workers), 1):
            plan.warnings.extend(warnings)
            if doc is None:
                plan.skipped.append(Skipped(rel, reason or "unreadable"))
                plan.manifest.pop(rel, None)
                writer.delete_by_term("id", article_id(Path(rel)))  # its previous text must go too
            else:
                if canon is not None:
                    canon.apply(doc)
                _add_mentions(doc)
                if doc["id"] in plan.old_ids:
                    writer.delete_by_term("id", doc["id"])
                writer.add_document(**doc)
                written.add(doc["id"])
                entry = plan.manifest.get(rel)
                if entry is not None:
                    entry["hash"] = doc[
                        "content_hash"
                    ]  # what was indexed, even if the file changed meanwhile
                in_segment += 1
            report(done)
            if parallel and in_segment >= SEGMENT_DOCS and done < len(plan.add):
                # Write this segment now, while the workers go on (the generation is not live yet).
                writer.commit(merge=False)
                writer = _writer(ix, WRITER_MB)
                in_segment = 0
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    return written


def _add_mentions(doc: dict) -> None:
    """The mention-count fields from the entity detail (after the persons got their run-wide spelling)."""
    ents = doc.get("entities") or {}
    for key, field in (("persons", "person_mentions"), ("countries", "country_mentions")):
        if ents.get(key):
            doc[field] = mention_values(ents[key])


class _ChunkedPostingPool(PostingPool):
    """Whoosh's posting buffer, writing its sorted runs (spilled beyond ``limitmb``) a chunk of postings per
    pickle call instead of one posting per call: the same runs, written and read back in about a third of
    the time (the spilling was a quarter of the writer's CPU time)."""

    CHUNK = 4096

    def _write_run(self, f, items) -> None:  # noqa: ANN001
        chunk: list = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= self.CHUNK:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def _writer(ix, limitmb: int) -> SegmentWriter:  # noqa: ANN001 - a whoosh FileIndex
    """A plain Whoosh writer with :class:`_ChunkedPostingPool` as its posting buffer."""
    writer = ix.writer(limitmb=limitmb)
    if type(writer) is SegmentWriter and type(writer.pool) is PostingPool and not writer.pool.current:
        writer.pool = _ChunkedPostingPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
    return writer


class _PersonNames:
    """One spelling per person across worker processes: the first spelling seen for a person key wins.

    Workers resolve names within their own batches; this pass in the writer makes the facet value of a
    person the same in every document of the run, and records aliases in the enricher's registry.
    """

    def __init__(self, enrich: Enrich | None):
        from search.enrich.entities import person_key

        self.key = person_key
        self.registry: dict[str, list[str]] | None = getattr(enrich, "registry", None)
        self.articles: dict[str, int] | None = getattr(enrich, "articles", None)
        self.by_key: dict[str, str] = {}
        for name in self.registry or {}:
            self.by_key.setdefault(self.key(name), name)

    def name(self, value: str) -> str:
        return self.by_key.setdefault(self.key(value), value)

    def apply(self, doc: dict) -> None:
        ents = doc.get("entities")
        if not ents or not ents.get("persons"):
            return
        persons: dict[str, int] = {}
        aliases: dict[str, list[str]] = {}
        for name, count in ents["persons"].items():
            canonical = self.name(name)
            persons[canonical] = persons.get(canonical, 0) + count
            merged = set(aliases.get(canonical, [])) | set(ents.get("aliases", {}).get(name, [])) | {name}
            aliases[canonical] = sorted(merged)
            if self.registry is not None:
                self.registry[canonical] = sorted(set(self.registry.get(canonical, [])) | merged)
        if self.articles is not None:
            for canonical in persons:
                self.articles[canonical] = self.articles.get(canonical, 0) + 1
        ents["persons"], ents["aliases"] = persons, aliases
        ents["spans"] = [
            [s, e, kind, self.name(v) if kind == "PER" else v] for s, e, kind, v in ents.get("spans", [])
        ]
        doc["person"] = ",".join(sorted(persons))
