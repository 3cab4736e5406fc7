"""What every command shares: the ``search`` group, the folder and language options, clean failures."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from search.core.errors import SearchError
from search.core.labels import SUPPORTED_LOCALES
from search.core.models import ReindexSummary
from search.core.settings import select_engine, settings
from search.engine import ENGINES, open_engine
from search.engine.base import Engine


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


def measurement_options(errors: int) -> Callable[[Callable], Callable]:
    """``--errors N`` (``errors`` by default), ``--json`` and ``--workdir`` for the commands that build an index
    from a measured set and report on it (``entity-eval``, ``date-eval``)."""

    def decorate(fn: Callable) -> Callable:
        fn = click.option(
            "--workdir",
            type=click.Path(path_type=Path),
            default=None,
            help="A new folder to build and keep the articles and the index in (default: a temporary folder).",
        )(fn)
        fn = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(fn)
        return click.option(
            "--errors",
            "max_errors",
            type=click.IntRange(0),
            default=errors,
            show_default=True,
            help="Errors shown.",
        )(fn)

    return decorate


def print_measurement(
    result: dict[str, Any], as_json: bool, max_errors: int, text: Callable[[dict[str, Any], int], str]
) -> None:
    """A measurement as JSON (errors cut to ``max_errors``) or as the command's text report."""
    import json

    if as_json:
        result["errors"] = result.get("errors", [])[:max_errors]
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        click.echo(text(result, max_errors))


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
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(sorted(ENGINES)),
    default=None,
    help="Search engine for this command (default: SEARCH_ENGINE or whoosh).",
)
@click.option(
    "--opensearch-url",
    default=None,
    metavar="URL",
    help="OpenSearch cluster of --engine opensearch (default: SEARCH_OPENSEARCH_URL or http://127.0.0.1:9200).",
)
@click.version_option(package_name="nachrichtensuche")
def main(engine_name: str | None, opensearch_url: str | None) -> None:
    """Search engine for German news archives."""
    select_engine(engine_name, opensearch_url)


def progress() -> Callable[[str, int, int], None] | None:
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


def engine(index_dir: Path | None) -> Engine:
    return open_engine(settings(index_dir=index_dir))


def run_reindex(
    articles_dir: Path | None,
    index_dir: Path | None,
    full: bool,
    ner: bool | None = None,
    replace: bool = False,
) -> ReindexSummary:
    """Reindex with the configured enrichment; shared by ``reindex`` and ``serve``."""
    s = settings(articles_dir=articles_dir, index_dir=index_dir)
    return open_engine(s).reindex(s.articles_dir, full=full, ner=ner, progress=progress(), replace=replace)
