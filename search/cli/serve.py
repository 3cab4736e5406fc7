"""``search serve``: the web search (waitress, or gunicorn workers), updating the index in the background."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from search.cli.common import common_options, fail_cleanly, main
from search.core.errors import ReindexLocked, SearchError
from search.core.settings import Settings, settings
from search.engine import open_engine

if TYPE_CHECKING:
    from flask import Flask

#: ``search serve`` bounds the queue in front of its threads: at most this many open connections per
#: process (each with at most one request waiting or in service; more clients wait in the kernel's listen
#: queue of LISTEN_BACKLOG), and idle keep-alive connections are closed after IDLE_CONNECTION_SECONDS so
#: they do not hold those places. Which client may occupy how many threads: search/web/security.py.
DEFAULT_CONNECTION_LIMIT = 100
#: Threads per process when ``--threads`` is not given. waitress (one process) reads and writes every
#: connection in its own loop, so its threads only run the app. A gunicorn worker runs each request's
#: Python in one of its threads, and more than about four requests at once in one process only take turns
#: at the interpreter lock: with 8 threads per worker the same two-worker server answered 20-25 % fewer
#: requests per second under 8 clients than with 2-4 (and each thread's allocations grow the process), so
#: a worker has four (issue 20, BENCHMARKS.md "Threads per worker").
WAITRESS_THREADS = 8
WORKER_THREADS = 4
LISTEN_BACKLOG = 128
IDLE_CONNECTION_SECONDS = 30
#: Bind addresses that mean every interface: they name no host a client would ask for.
_ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]", "*")


@main.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help=f"Threads per process [default: {WAITRESS_THREADS} with one process, {WORKER_THREADS} per gunicorn worker].",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes. 1: waitress in this process. More: gunicorn pre-forks that many worker processes "
    "(Python runs one thread at a time per process, so this is how a server uses several cores).",
)
@click.option(
    "--connection-limit",
    default=DEFAULT_CONNECTION_LIMIT,
    show_default=True,
    type=click.IntRange(4, 100_000),
    help="Open connections per process. Each has at most one request waiting or in service, so this "
    f"bounds the queue in front of the threads; further clients wait in a kernel queue of {LISTEN_BACKLOG}.",
)
@fail_cleanly
def serve_cmd(
    articles_dir: Path | None,
    index_dir: Path | None,
    host: str,
    port: int,
    threads: int | None,
    workers: int,
    connection_limit: int,
) -> None:
    """Serve the web search (waitress, or gunicorn workers) at once, and update the index from the articles
    folder meanwhile: the server answers from the last complete index and switches when the new one lands."""
    s = settings(articles_dir=articles_dir, index_dir=index_dir)
    _update_in_background(s)
    threads = serve_threads(threads, workers)
    config = {
        "SEARCH_INDEX_DIR": str(s.index_dir),
        "SEARCH_ARTICLES_DIR": str(s.articles_dir),
        "SEARCH_SERVE_HOST": host,  # answered besides the loopback names unless SEARCH_ALLOWED_HOSTS says
        "SEARCH_SERVE_THREADS": threads,  # one client's share of them: search/web/security.py
    }
    click.echo(f"Nachrichtensuche: http://{host}:{port}/  (Ctrl+C to stop)")
    every_interface = host.strip().lower() in _ALL_INTERFACES
    if every_interface and not s.allowed_hosts:
        click.echo(
            "note: on every interface, but only requests for localhost/127.0.0.1/::1 are answered; "
            "set SEARCH_ALLOWED_HOSTS to the names clients use",
            err=True,
        )
    if workers > 1:
        _serve_workers(config, host, port, threads, workers, connection_limit)
        return
    import waitress

    from search import create_app

    app = create_app(config)
    _warm_up(app)
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="nachrichtensuche",
        connection_limit=connection_limit,
        backlog=LISTEN_BACKLOG,
        channel_timeout=IDLE_CONNECTION_SECONDS,
        # the host of a request without a Host header (HTTP/1.0): an allowed name, not "waitress.invalid"
        server_name="localhost" if every_interface else host,
    )


def serve_threads(threads: int | None, workers: int) -> int:
    """Threads per process: ``--threads`` when given, else the default of the server that runs."""
    if threads is not None:
        return threads
    return WAITRESS_THREADS if workers == 1 else WORKER_THREADS


def _update_in_background(s: Settings) -> None:
    """Start an incremental reindex in a child process; say what is served until it lands, and its outcome.

    Serving never waits for indexing: the engine reads the last complete generation and picks up a new
    one when ``CURRENT`` flips (with no index yet, the pages say so until the first lands). A reindex
    that already holds the lock is reported and not waited for; its generation is picked up the same way.
    The child is a fresh interpreter (its own main thread, where the per-article time budget works) and
    dies with the server (a reindex killed at any moment keeps the previous generation).
    """
    import subprocess
    import threading

    try:
        has_index = open_engine(s).has_index()
    except SearchError:  # an unreadable index folder: the pages report it
        has_index = False
    click.echo(
        "index: updating in the background; serving the last complete index meanwhile"
        if has_index
        else "index: none yet, building it in the background; the pages say so until it lands"
    )
    code = "import sys; from search.cli.serve import _reindex_child; _reindex_child(*sys.argv[1:])"
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(s.articles_dir), str(s.index_dir), str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,  # one JSON line: the outcome (warnings and log lines go to our stderr)
        text=True,
    )

    def report() -> None:
        out, _ = child.communicate()
        try:
            state, message = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            state, message = "failed", f"the reindex ended without an answer (exit {child.returncode})"
        if state == "updated":
            click.echo(f"index: updated: {message}")
        else:
            served = "the last complete index" if has_index else "no index yet"
            click.echo(f"index: not updated: {message} (serving {served}; a new one is served when it lands)")

    threading.Thread(target=report, name="reindex-report", daemon=True).start()


def _reindex_child(articles_dir: str, index_dir: str, server: str) -> None:
    """The background reindex of ``search serve``: runs it, prints its outcome as one JSON line."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with it
    except (OSError, AttributeError):
        pass
    if os.getppid() != int(server):
        return  # the server is gone already
    s = settings(articles_dir=Path(articles_dir), index_dir=Path(index_dir))
    try:
        outcome = ["updated", open_engine(s).reindex(s.articles_dir, full=False).line()]
    except ReindexLocked as exc:
        outcome = ["locked", exc.message]
    except SearchError as exc:
        outcome = ["failed", exc.message]
    except KeyboardInterrupt:  # Ctrl+C reaches the whole process group: the server stops, so do we
        return
    print(json.dumps(outcome, ensure_ascii=False), flush=True)


def _serve_workers(
    config: dict, host: str, port: int, threads: int, workers: int, connection_limit: int
) -> None:
    """gunicorn with ``workers`` processes of ``threads`` threads, each opening the index itself.

    The app is not preloaded: Whoosh reads its files with seek + read, and a file opened before a fork
    would share its offset between processes. Each worker builds the app and warms it up once; a worker
    that dies is replaced by gunicorn.
    """
    from gunicorn.app.base import BaseApplication

    from search import create_app

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_connections", connection_limit)  # per worker, as waitress' limit
            self.cfg.set("backlog", LISTEN_BACKLOG)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 120)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("proc_name", "nachrichtensuche")
            self.cfg.set("accesslog", None)
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24: no socket in $HOME
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Flask:  # the WSGI app, built in each worker
            app = create_app(config)
            _warm_up(app)
            return app

    _App().run()


def _warm_up(app: Flask) -> None:
    """Load word lists, facet columns, the scorer and the spelling vocabulary before the first visitor
    waits for them."""
    try:
        app.extensions["search_engine"].warm_up()
    except SearchError as exc:  # an empty or missing index is reported by the pages themselves
        click.echo(f"warning: {exc.message}", err=True)
