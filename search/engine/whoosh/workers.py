"""The worker processes of a reindex: they read, enrich and analyse articles; the writer only writes.

Why a module of its own: preparing an article (reading the file, extracting entities and dates with spaCy,
analysing the text into tokens) is the expensive part of a reindex, and it runs in parallel, in processes
that must neither outlive the reindex nor keep its lock, nor let memory grow with the archive. This module
hands :mod:`search.engine.whoosh.indexer` the prepared documents in the order of the plan
(:func:`prepared`), from worker processes when there are at least ``PARALLEL_MIN`` changed articles, in
the reindex process itself otherwise.

Each worker reads a batch of files, prepares them and sends the finished documents back pickled. Memory
does not grow with the archive: at most ``IN_FLIGHT`` batches are submitted ahead of the writer, a worker
returns freed memory to the system after each batch (spaCy's arrays for a batch are large, see
:mod:`search.enrich`), and each worker is replaced by a fresh one after ``WORKER_ARTICLES`` articles,
which bounds what its caches and spaCy's vocabulary accumulate (:class:`_Lane`; batches go to the workers
in turn, so a run does not depend on timing). Workers are forked from a fork server that has loaded the
model and word lists once (:mod:`search.engine.whoosh.forkserver`), not from the reindex process: a worker
forked from it would carry a copy of its memory (the plan, the writer's buffer) for its whole life; an
enricher that cannot be pickled falls back to "fork". Every child dies with the reindex process
(``PR_SET_PDEATHSIG``), also one started a moment before the reindex was killed, and uses one BLAS thread
(there is a worker per core already).
"""

from __future__ import annotations

import copy
import gc
import multiprocessing as mp
import os
import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from search.core.errors import ReindexError
from search.core.models import Article
from search.core.settings import settings
from search.engine.whoosh.documents import document
from search.engine.whoosh.forkserver import detach, server_pid, worker_context
from search.engine.whoosh.generations import close_inherited_lock, holds_lock_descriptor, lock_holder
from search.engine.whoosh.planning import Job
from search.enrich.ingest import ArticleError, read_article
from search.enrich.pipeline import OverBudget, cpu_budget, warm_up

BATCH = 64
PARALLEL_MIN = 200  # fewer changed articles than this are prepared in the main process
# Batches submitted ahead of the writer: enough to keep the workers busy while the writer commits a
# segment; they wait pickled (~35 KB per article).
IN_FLIGHT = 24
WORKER_ARTICLES = 1_200  # articles per worker process before it is replaced by a fresh one

Enrich = Callable[[list[Article]], list[dict]]
Prepared = tuple[str, dict | None, str | None, tuple]  # (rel, document, skip reason, warnings)

_worker_enrich: Enrich | None = None


def in_parallel(jobs: int, workers: int) -> bool:
    """Whether ``jobs`` changed articles are prepared by worker processes (else in this process)."""
    return workers > 1 and jobs >= PARALLEL_MIN


def prepare(jobs: list[Job], enrich: Enrich | None = None) -> list[Prepared]:
    """``(rel, document, skip reason, warnings)`` for each job."""
    enrich = enrich if enrich is not None else _worker_enrich
    articles: list[Article] = []
    out: list[Prepared] = []
    for job in jobs:
        try:
            articles.append(read_article(job.path, job.root, job.meta, job.identity))
        except ArticleError as exc:
            out.append((job.rel, None, str(exc), ()))
    if not articles:
        return out
    budget = settings().article_seconds
    analysed, slow = _analysed(articles, enrich, budget)
    for article in slow:
        reason = (
            f"its analysis takes more than {budget} s of CPU time ({len(article.text):,} characters);"
            " not indexed (SEARCH_ARTICLE_SECONDS)"
        )
        out.append((article.path, None, reason, article.warnings))
    out.extend((article.path, doc, None, article.warnings) for article, doc in analysed)
    return out


def _analysed(
    articles: list[Article], enrich: Enrich | None, budget: int
) -> tuple[list[tuple[Article, dict]], list[Article]]:
    """The documents of ``articles``, and the articles whose analysis alone takes more than ``budget``
    seconds of CPU time (:func:`search.enrich.pipeline.cpu_budget`), which are left out.

    The batch is analysed within one budget, of which it normally takes a small part (64 news articles:
    about 3 s). Only when it runs over is each article analysed alone within the budget (a batch of one
    was that already), and the batch again without those over it (unbounded: each of the rest fits alone).
    So a pathological file costs about two budgets, and the others' documents are those of a run without
    it, as if it were unreadable. A run alone finds the words the interrupted run analysed in the caches,
    so an article is skipped when it needs more than one to two budgets: bounded either way.
    The enricher learns (:meth:`Enricher.learn`) only from the run whose documents are kept.
    """
    analyse = getattr(enrich, "analyse", enrich)
    if hasattr(enrich, "load"):
        enrich.load()  # the model and what it must learn first, outside any article's budget
    warm_up()

    def run(batch: list[Article]) -> tuple[list[tuple[Article, dict]], list[dict]]:
        extras = analyse(batch) if analyse and batch else [{} for _ in batch]
        return [(a, document(a, x)) for a, x in zip(batch, extras, strict=True)], extras

    slow: list[Article] = []
    try:
        with cpu_budget(budget):
            docs, extras = run(articles)
    except OverBudget:
        if len(articles) == 1:
            slow = list(articles)  # that run was the article alone
        for article in articles if len(articles) > 1 else ():
            try:
                with cpu_budget(budget):
                    run([article])
            except OverBudget:
                slow.append(article)
        over = {id(a) for a in slow}
        docs, extras = run([a for a in articles if id(a) not in over])
    if hasattr(enrich, "learn"):
        enrich.learn(extras)
    return docs, slow


def prepared(jobs: list[Job], enrich: Enrich | None, workers: int) -> Iterator[Prepared]:
    """Prepared documents in order, from worker processes when there are enough to be worth it."""
    batches = list(_batches(jobs, BATCH))
    if not in_parallel(len(jobs), workers):
        for batch in batches:
            yield from prepare(batch, enrich)
            _release_memory()
        return
    with worker_context(enrich) as ctx:
        yield from _in_workers(batches, enrich, workers, ctx)


def _in_workers(
    batches: list[list[Job]], enrich: Enrich | None, workers: int, ctx: mp.context.BaseContext
) -> Iterator[Prepared]:
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


def _batches(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# ------------------------------------------------------------------------------------ in a worker process


def _init_worker(enrich: Enrich | None, learn: bool = False, parent: int | None = None) -> None:
    """Worker set-up: drop an inherited lock descriptor, die with the parent, remember the enricher.

    ``learn``: teach the enricher its established persons first (:meth:`Enricher.established`: those of the
    index on an incremental run and those named in two or more articles written before the worker's
    knowledge point, see :class:`_Lane`), as the writer's spelling of them.
    ``parent``: the reindex process (default: the holder of the lock, for a forked child); a worker forked
    by the fork server dies with that server instead, which dies with the reindex process.
    """
    global _worker_enrich
    close_inherited_lock()  # the parent's lock stays; a worker orphaned by a kill -9 must not hold it
    _die_with_parent(server_pid() or (parent if parent is not None else lock_holder()))
    detach()
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
os.register_at_fork(after_in_child=lambda: holds_lock_descriptor() and _init_worker(_worker_enrich))


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


def _prepare_packed(jobs: list[Job]) -> bytes:
    """:func:`prepare` in a worker: the result pickled (it waits compactly until the writer takes it)."""
    data = pickle.dumps(prepare(jobs), protocol=pickle.HIGHEST_PROTOCOL)
    _release_memory()
    return data


# ---------------------------------------------------------------------------- in the reindex process


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
                except Exception:  # cannot be copied either: passed as it is (timing-dependent)
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

    def refill(self, batches: list[list[Job]], futures: dict[int, Future], k: int, known: _Knowledge) -> None:
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


def helper_pool(processes: int) -> ProcessPoolExecutor:
    """Processes for the reindex process's own parallel work after the workers have finished (the late
    stage's analysis of the documents it writes again, :meth:`search.engine.reindexing.LatePersons.changed`):
    started fresh ("spawn"), they die with the reindex process and use one BLAS thread, like the workers."""
    return ProcessPoolExecutor(
        processes, mp_context=mp.get_context("spawn"), initializer=_init_helper, initargs=(os.getpid(),)
    )


def _init_helper(parent: int) -> None:
    _die_with_parent(parent)
    _one_blas_thread()


def _unpack(future: Future) -> list[Prepared]:
    try:
        return pickle.loads(future.result())
    except BrokenProcessPool as exc:
        raise ReindexError(
            "reindex failed, previous index kept: a worker process died"
            " (killed, out of memory, or it could not start: see the messages above)"
        ) from exc
