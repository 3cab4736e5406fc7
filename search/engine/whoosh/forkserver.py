"""Where a reindex's worker processes come from: a fork server that has loaded what every worker needs.

Why a module of its own: a worker started as a fresh interpreter ("spawn") first imports the analysis, reads
the word lists and loads the spaCy pipeline, about 3 s of CPU, and a 41,242-article reindex starts 35 of them
(each is replaced after ``WORKER_ARTICLES`` articles, :mod:`search.engine.whoosh.workers`). A fork server
does that once per reindex (:func:`preload`, run when it imports :mod:`search.engine.whoosh.preloaded`), and
each worker is a fork of it. The fork server never analyses an article and learns no person, so every worker
starts from the state a fresh interpreter would have had: the documents of a run are the same.

The server is started from this process's current environment for each reindex (:func:`worker_context`)
and stopped when the last reindex of the process that uses it ends, so a long-running process (``search
serve``, which may build the index first) does not keep a loaded model it no longer needs. It exits by
itself, at once, when the reindex process dies (multiprocessing's "alive" pipe, which only the reindex
process holds: :func:`detach`), and its workers die with it (``PR_SET_PDEATHSIG``,
:func:`search.engine.whoosh.workers._die_with_parent`).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import multiprocessing.forkserver
import os
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress

log = logging.getLogger(__name__)

#: The environment variable that tells the fork server what to load: ``ner:MODEL`` (the pipeline as
#: ``search.enrich.pipeline`` loads it for MODEL, "" for the default) or ``plain`` (analysis only).
PRELOAD = "SEARCH_WORKER_PRELOAD"

_lock = threading.Lock()
_users = 0  # reindexes of this process using the running fork server
_server: int | None = None  # in the fork server and its children: the fork server's pid


@contextmanager
def worker_context(enrich: object) -> Iterator[mp.context.BaseContext]:
    """The start method for the workers of one reindex with ``enrich``.

    The fork server when ``enrich`` can be pickled (it is sent to each worker), "fork" otherwise (an enricher
    local to a test: a forked worker gets a copy of it).
    """
    global _users
    try:
        pickle.dumps(enrich)
    except (pickle.PicklingError, TypeError, AttributeError):
        yield mp.get_context("fork")
        return
    ctx = mp.get_context("forkserver")
    with _lock:
        if not _users:
            _start(ctx, enrich)
        _users += 1
    try:
        yield ctx
    finally:
        with _lock:
            _users -= 1
            if not _users:
                _stop()


def _start(ctx: mp.context.BaseContext, enrich: object) -> None:
    """A new fork server, started with the current environment and told what ``enrich`` will need."""
    _stop()  # one started by an earlier reindex of this process (with its environment then)
    ctx.set_forkserver_preload(["search.engine.whoosh.preloaded"])
    ner = bool(getattr(enrich, "ner", False))
    previous = os.environ.get(PRELOAD)
    os.environ[PRELOAD] = f"ner:{getattr(enrich, 'model', '') or ''}" if ner else "plain"
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if previous is None:
            os.environ.pop(PRELOAD, None)
        else:
            os.environ[PRELOAD] = previous


def _stop() -> None:
    """Stop the fork server if one runs: it exits at once, and takes the workers still busy (a failed
    reindex) with it (:func:`detach`). Uses a private method of multiprocessing; without it the server lives
    until this process ends, which costs memory only."""
    stop = getattr(getattr(multiprocessing.forkserver, "_forkserver", None), "_stop", None)
    if stop is not None:
        stop()


def detach() -> None:
    """In a worker forked by the server: close its copy of the "alive" pipe, so the server's life depends on
    the reindex process alone; the worker dies with the server (``PR_SET_PDEATHSIG``, set before)."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if _server is not None and fd is not None:
        server._forkserver_alive_fd = None  # type: ignore[union-attr]
        with suppress(OSError):
            os.close(fd)


def preload() -> None:
    """In the fork server: load what ``PRELOAD`` names, leaving it out of garbage collection in the workers.

    A failure is logged and not raised: a worker then loads for itself and reports the error in the reindex.
    """
    global _server
    _server = os.getpid()
    spec = os.environ.pop(PRELOAD, "plain")
    try:
        from search.enrich.pipeline import load_model, warm_up

        warm_up()
        if spec.startswith("ner:"):
            load_model(spec.removeprefix("ner:"))
    except Exception:
        log.exception("the worker fork server could not preload %s; each worker loads it itself", spec)
    gc.freeze()


def server_pid() -> int | None:
    """The fork server's pid in it and in the workers it forked (their parent), else None."""
    return _server
