"""Command line: ``search reindex | query | serve | entities | ...`` as thin click commands.

Each command parses options, calls one function of the package and prints the result; errors become a
plain message and a non-zero exit code.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from search.core.errors import ReindexLocked, SearchError
from search.core.export import FORMATS as EXPORT_FORMATS
from search.core.export import MAX_EXPORT_ROWS
from search.core.export import pieces as export_pieces
from search.core.facets import FACET_NAMES
from search.core.labels import SUPPORTED_LOCALES
from search.core.models import ReindexSummary
from search.core.params import search_request
from search.core.settings import Settings, settings
from search.engine import open_engine
from search.engine.base import Engine

if TYPE_CHECKING:
    from flask import Flask

#: What the commands print, per language.
WORDS = {
    "de": {"hits": "Treffer", "did_you_mean": "Meinten Sie:", "person": "Personen", "country": "Länder"},
    "en": {"hits": "results", "did_you_mean": "Did you mean:", "person": "Persons", "country": "Countries"},
}
#: ``search query --format``: one page of hits (text, json), or every hit as an export (csv, jsonl, ris).
QUERY_FORMATS = ("text", "json", *EXPORT_FORMATS)
FORMAT_HELP = f"text, json: one page of hits; csv, jsonl, ris: every hit (at most {MAX_EXPORT_ROWS:,})."
#: ``search serve`` bounds the queue in front of its threads: at most this many open connections per
#: process (each with at most one request waiting or in service; more clients wait in the kernel's listen
#: queue of LISTEN_BACKLOG), and idle keep-alive connections are closed after IDLE_CONNECTION_SECONDS so
#: they do not hold those places. Which client may occupy how many threads: search/web/security.py.
DEFAULT_CONNECTION_LIMIT = 100
LISTEN_BACKLOG = 128
IDLE_CONNECTION_SECONDS = 30
#: Bind addresses that mean every interface: they name no host a client would ask for.
_ALL_INTERFACES = ("", "0.0.0.0", "::", "[::]", "*")


def common_options(fn: Callable) -> Callable:
    """``--articles`` and ``--index`` (defaults from SEARCH_ARTICLES_DIR / SEARCH_INDEX_DIR)."""

    @click.option(
        "--articles",
        "articles_dir",
        type=click.Path(path_type=Path),
        help="Articles folder (SEARCH_ARTICLES_DIR; default: seeds/).",
    )
    @click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        help="Index folder (SEARCH_INDEX_DIR; default: index/).",
    )
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return wrapper


def lang_option(fn: Callable) -> Callable:
    """``--lang de|en`` for what the command prints (labels, messages); default SEARCH_LANG or German."""
    return click.option(
        "--lang",
        type=click.Choice(SUPPORTED_LOCALES),
        default=lambda: settings().lang,
        show_default="SEARCH_LANG or de",
        help="Language of labels and messages.",
    )(fn)


def fail_cleanly(fn: Callable) -> Callable:
    """Turn the package's errors into ``Error: message`` and exit code 1 (2 for bad parameters)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SearchError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            sys.exit(2 if exc.status == 400 else 1)

    return wrapper


@click.group()
@click.version_option(package_name="nachrichtensuche")
def main() -> None:
    """Search engine for German news archives."""


def _progress() -> Callable[[str, int, int], None] | None:
    if not sys.stderr.isatty():
        return None
    state: dict = {}

    def report(stage: str, done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = click.progressbar(length=total, label="Indexing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - state.get("done", 0))
        state["done"] = done
        if done >= total:
            bar.__exit__(None, None, None)

    return report


def _engine(index_dir: Path | None) -> Engine:
    return open_engine(settings(index_dir=index_dir))


def run_reindex(
    articles_dir: Path | None, index_dir: Path | None, full: bool, ner: bool | None = None
) -> ReindexSummary:
    """Reindex with the configured enrichment; shared by ``reindex`` and ``serve``."""
    s = settings(articles_dir=articles_dir, index_dir=index_dir)
    return open_engine(s).reindex(s.articles_dir, full=full, ner=ner, progress=_progress())


@main.command("reindex")
@common_options
@click.option("--full", is_flag=True, help="Rebuild from nothing instead of updating what changed.")
@click.option("--ner/--no-ner", default=None, help="Extract persons and countries (default: on; SEARCH_NER).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@fail_cleanly
def reindex_cmd(
    articles_dir: Path | None, index_dir: Path | None, full: bool, ner: bool | None, as_json: bool
) -> None:
    """Index new, changed and deleted articles (or everything with --full)."""
    summary = run_reindex(articles_dir, index_dir, full, ner)
    for w in summary.warnings:
        click.echo(f"warning: {w}", err=True)
    for sk in summary.skipped:
        click.echo(f"skipped: {sk.path}: {sk.reason}", err=True)
    if as_json:
        data = {k: v for k, v in summary.__dict__.items() if k != "skipped"}
        data["skipped"] = [sk.__dict__ for sk in summary.skipped]
        click.echo(json.dumps(data, ensure_ascii=False, default=str))
    else:
        click.echo(summary.line())


@main.command("query")
@common_options
@click.argument("text", default="")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON API response (--format json).")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="text", help=FORMAT_HELP)
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--limit", type=click.IntRange(1, 100), default=10, help="Hits to show (text and json).")
@click.option(
    "--filter",
    "filters",
    multiple=True,
    metavar="FACET=VALUE",
    help=f"Facet filter, e.g. country=KP (repeatable; facets: {', '.join(FACET_NAMES)}).",
)
@click.option("--from", "date_from", default="", metavar="DATE", help="Published from: YYYY[-MM[-DD]].")
@click.option("--to", "date_to", default="", metavar="DATE", help="Published until: YYYY[-MM[-DD]].")
@click.option("--base-url", default="", metavar="URL", help="Exports: the web search's address, for links.")
@lang_option
@fail_cleanly
def query_cmd(
    articles_dir: Path | None,
    index_dir: Path | None,
    text: str,
    as_json: bool,
    fmt: str,
    sort: str,
    limit: int,
    filters: tuple[str, ...],
    date_from: str,
    date_to: str,
    base_url: str,
    lang: str,
) -> None:
    """Search the index and print the ranked hits (or export all of them as CSV, JSON Lines or RIS)."""
    params: dict[str, list[str]] = {"q": [text], "sort": [sort], "per_page": [str(limit)], "lang": [lang]}
    params.update(date_from=[date_from], date_to=[date_to])
    for f in filters:
        name, _, value = f.partition("=")
        params.setdefault(name.strip(), []).append(value.strip())
    req = search_request(params)
    if fmt in EXPORT_FORMATS:  # bytes as written (the CSV's BOM), row by row
        stream = _engine(index_dir).snapshot().export(req, MAX_EXPORT_ROWS)
        out = sys.stdout.buffer
        out.writelines(export_pieces(fmt, stream.hits, base_url))
        out.flush()
        if stream.truncated:
            click.echo(f"warning: {stream.total:,} matched; exported the first {stream.limit:,}", err=True)
        return
    resp = _engine(index_dir).search(req)
    if as_json or fmt == "json":
        click.echo(json.dumps(resp.to_json(), ensure_ascii=False, indent=1))
        return
    words = WORDS[lang]
    click.echo(f"{resp.total} {words['hits']} ({resp.took_ms:.1f} ms, {resp.generation})")
    if resp.suggestion:
        click.echo(f"{words['did_you_mean']} {resp.suggestion}?")
    for i, hit in enumerate(resp.results, 1):
        score = f"{hit['score']:.2f}" if hit["score"] is not None else "-"
        click.echo(f"{i:>3}. [{score}] {hit['date'] or '----------'}  {hit['title']}  ({hit['id']})")


@main.command("serve")
@common_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads per process."
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
    threads: int,
    workers: int,
    connection_limit: int,
) -> None:
    """Serve the web search (waitress, or gunicorn workers) at once, and update the index from the articles
    folder meanwhile: the server answers from the last complete index and switches when the new one lands."""
    s = settings(articles_dir=articles_dir, index_dir=index_dir)
    _update_in_background(s)
    config = {
        "SEARCH_INDEX_DIR": str(s.index_dir),
        "SEARCH_ARTICLES_DIR": str(s.articles_dir),
        "SEARCH_SERVE_HOST": host,  # answered besides the loopback names unless SEARCH_ALLOWED_HOSTS says
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
    code = "import sys; from search.cli import _reindex_child; _reindex_child(*sys.argv[1:])"
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


@main.command("entities")
@common_options
@click.option("--kind", type=click.Choice(["all", "person", "country"]), default="all", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@lang_option
@fail_cleanly
def entities_cmd(
    articles_dir: Path | None, index_dir: Path | None, kind: str, limit: int, as_json: bool, lang: str
) -> None:
    """List persons and countries with their article counts and aliases."""
    data = _engine(index_dir).entities(kind, limit, lang)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    for name, rows in data.items():
        click.echo(f"{WORDS[lang][name]} ({len(rows)}):")
        for row in rows:
            aliases = ", ".join(a for a in row.get("aliases", []) if a != row["label"])
            click.echo(
                f"  {row['count']:>6}  {row['label']}"
                + (f"  [{row['value']}]" if name == "country" else "")
                + (f"  ({aliases})" if aliases else "")
            )


@main.command("train-ner")
@click.option(
    "--shared",
    "shared_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="The shared data folder (default: ../shared beside the project).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where the trained pipeline goes (default: search/models/de_news_ner).",
)
@click.option("--max-minutes", type=float, default=25.0, show_default=True, help="Training time budget.")
@click.option(
    "--wiktionary/--no-wiktionary",
    default=True,
    show_default=True,
    help="Use the CC BY-SA Wiktionary noun list as a lexicon feature.",
)
@fail_cleanly
def train_ner_cmd(
    shared_dir: Path | None, out_dir: Path | None, max_minutes: float, wiktionary: bool
) -> None:
    """Train our German NER model from ../shared/data/ner/train (never the dev part).

    Needs the training-only packages: pip install -e '.[train]'.
    """
    from search.core.settings import BUNDLED_NER_MODEL, PROJECT_ROOT
    from search_tools.nertrain import train_ner

    shared_dir = shared_dir or PROJECT_ROOT.parent / "shared"
    out = train_ner(
        shared_dir / "data" / "ner" / "train",
        out_dir or BUNDLED_NER_MODEL,
        max_minutes=max_minutes,
        lexicon_nouns=wiktionary,
        progress=lambda msg: click.echo(msg, err=True),
    )
    click.echo(f"model written to {out}; measure it with `search ner-report`")


@main.command("ner-report")
@click.option(
    "--dev",
    type=click.Path(path_type=Path),
    default=None,
    help="GermEval-format file (default: ../shared/data/ner/dev/germeval2014-dev-part1.tsv).",
)
@click.option(
    "--model",
    default="",
    help="spaCy pipeline name or path (default: SEARCH_SPACY_MODEL or the bundled model).",
)
@click.option(
    "--gold",
    type=click.Path(path_type=Path),
    default=None,
    help="Gold persons/countries of the seeds (default: tests/data/seeds_gold.json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@fail_cleanly
def ner_report_cmd(dev: Path | None, model: str, gold: Path | None, as_json: bool) -> None:
    """Entity quality: P/R/F for PER and LOC on GermEval dev, and facet precision/recall on the seeds."""
    from search.core.settings import DEFAULT_ARTICLES_DIR, PROJECT_ROOT
    from search_tools.ner_report import format_report, ner_report

    dev = dev or PROJECT_ROOT.parent / "shared" / "data" / "ner" / "dev" / "germeval2014-dev-part1.tsv"
    gold = gold or PROJECT_ROOT / "tests" / "data" / "seeds_gold.json"
    if not dev.is_file():
        click.echo(f"note: {dev} not found, GermEval scores skipped", err=True)
    report = ner_report(dev, model, gold, DEFAULT_ARTICLES_DIR)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=1))
        return
    click.echo(format_report(report, dev))


@main.command("eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--limit", type=int, default=None, help="Only the first N queries (a smoke test).")
@click.option("--ner/--no-ner", default=False, show_default=True, help="Extract entities while indexing.")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to build the index (default: a temporary folder).",
)
@fail_cleanly
def eval_cmd(folder: Path, limit: int | None, ner: bool, workdir: Path | None) -> None:
    """Measure ranking on a BEIR-layout set (corpus.jsonl, queries.jsonl, qrels.tsv)."""
    import tempfile

    from search_tools.evaluate import evaluate

    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate(folder, workdir or Path(tmp), limit=limit, ner=ner)
    click.echo(json.dumps(result, indent=1))


@main.command("entity-eval")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--context",
    type=click.IntRange(0, 41242),
    default=2000,
    show_default=True,
    help="Other FANG-COVID articles indexed with the annotated ones (the engine learns across articles).",
)
@click.option(
    "--seed", type=int, default=1, show_default=True, help="Which context articles, in which order."
)
@click.option(
    "--errors", "max_errors", type=click.IntRange(0), default=50, show_default=True, help="Errors shown."
)
@click.option(
    "--top", type=click.IntRange(0, 100000), default=100, show_default=True, help="Top persons shown."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=None,
    help="A new folder to build and keep the articles and the index in (default: a temporary folder).",
)
@fail_cleanly
def entity_eval_cmd(
    folder: Path, context: int, seed: int, max_errors: int, top: int, as_json: bool, workdir: Path | None
) -> None:
    """Measure the person and country facets on an annotated set (articles.jsonl + gold.jsonl)."""
    import tempfile

    from search_tools.entity_eval import evaluate_entities, format_report

    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate_entities(
            folder, workdir or Path(tmp), context, seed, top, progress=lambda msg: click.echo(msg, err=True)
        )
    if as_json:
        result["errors"] = result["errors"][:max_errors]
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    click.echo(format_report(result, max_errors))


def _warm_up(app: Flask) -> None:
    """Load word lists, facet columns, the scorer and the spelling vocabulary before the first visitor
    waits for them."""
    try:
        app.extensions["search_engine"].warm_up()
    except SearchError as exc:  # an empty or missing index is reported by the pages themselves
        click.echo(f"warning: {exc.message}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
