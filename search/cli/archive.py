"""``search reindex | query | entities``: build the index, search it, list its persons and countries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from search.cli.common import common_options, engine, fail_cleanly, lang_option, main, run_reindex
from search.core.export import FORMATS as EXPORT_FORMATS
from search.core.export import MAX_EXPORT_ROWS, precise_date
from search.core.export import pieces as export_pieces
from search.core.facets import FACET_NAMES
from search.core.params import search_request
from search.core.settings import settings
from search.enrich.entities.corrections import append_rule
from search.enrich.ingest import CORRECTIONS_FILE

#: What the commands print, per language.
WORDS = {
    "de": {"hits": "Treffer", "did_you_mean": "Meinten Sie:", "person": "Personen", "country": "Länder"},
    "en": {"hits": "results", "did_you_mean": "Did you mean:", "person": "Persons", "country": "Countries"},
}
#: ``search query --format``: one page of hits (text, json), or every hit as an export (csv, jsonl, ris).
QUERY_FORMATS = ("text", "json", *EXPORT_FORMATS)
FORMAT_HELP = f"text, json: one page of hits; csv, jsonl, ris: every hit (at most {MAX_EXPORT_ROWS:,})."


@main.command("reindex")
@common_options
@click.option("--full", is_flag=True, help="Rebuild from nothing instead of updating what changed.")
@click.option("--ner/--no-ner", default=None, help="Extract persons and countries (default: on; SEARCH_NER).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--replace",
    is_flag=True,
    help="The index was built from another articles folder: replace its articles with this folder's.",
)
@fail_cleanly
def reindex_cmd(
    articles_dir: Path | None,
    index_dir: Path | None,
    full: bool,
    ner: bool | None,
    as_json: bool,
    replace: bool,
) -> None:
    """Index new, changed and deleted articles (or everything with --full)."""
    summary = run_reindex(articles_dir, index_dir, full, ner, replace)
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
    help=f"Facet filter, e.g. country=KP, country=Nordkorea, person=Trump (repeatable; facets: "
    f"{', '.join(FACET_NAMES)}; several values of person or country: all of them, any with person_op=or).",
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
        stream = engine(index_dir).snapshot().export(req, MAX_EXPORT_ROWS)
        out = sys.stdout.buffer
        out.writelines(export_pieces(fmt, stream.hits, base_url))
        out.flush()
        if stream.truncated:
            click.echo(f"warning: {stream.total:,} matched; exported the first {stream.limit:,}", err=True)
        return
    resp = engine(index_dir).search(req)
    if as_json or fmt == "json":
        click.echo(json.dumps(resp.to_json(), ensure_ascii=False, indent=1))
        return
    words = WORDS[lang]
    for r in resp.resolved:  # names typed as people type them, and what the search used
        click.echo(f"{r['facet']}: {r['value']} -> {r['resolved']}", err=True)
    click.echo(f"{resp.total} {words['hits']} ({resp.took_ms:.1f} ms, {resp.generation})")
    if resp.suggestion:
        click.echo(f"{words['did_you_mean']} {resp.suggestion}?")
    for i, hit in enumerate(resp.results, 1):
        score = f"{hit['score']:.2f}" if hit["score"] is not None else "-"
        click.echo(f"{i:>3}. [{score}] {shown_date(hit):<10}  {hit['title']}  ({hit['id']})")


def shown_date(hit: dict) -> str:
    """A hit's date as precise as it is known: ``2024-03-15``, ``2024-03`` (a month), ``2024`` (a year)."""
    return precise_date(hit) or "----------"


@main.command("entities")
@common_options
@click.option("--kind", type=click.Choice(["all", "person", "country"]), default="all", show_default=True)
@click.option("--limit", type=click.IntRange(1, 100000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--not-person", "not_person", metavar="NAME", help="Correction: NAME is no person.")
@click.option(
    "--merge", metavar="'NAME = OTHER'", help="Correction: NAME is the person OTHER (shown as OTHER)."
)
@click.option(
    "--not-country", "not_country", metavar="WORDS|CODE", help="Correction: these words are no country."
)
@lang_option
@fail_cleanly
def entities_cmd(
    articles_dir: Path | None,
    index_dir: Path | None,
    kind: str,
    limit: int,
    as_json: bool,
    not_person: str | None,
    merge: str | None,
    not_country: str | None,
    lang: str,
) -> None:
    """List persons and countries with their article counts and aliases; or add a correction to the articles
    folder's corrections.txt (applied by the next reindex to the articles it concerns)."""
    lines = [
        f"{k}: {v}"
        for k, v in (("not-person", not_person), ("merge", merge), ("not-country", not_country))
        if v
    ]
    if lines:
        folder = settings(articles_dir=articles_dir).articles_dir
        for line in lines:
            try:
                number = append_rule(folder, line)
            except (ValueError, OSError) as exc:
                raise click.ClickException(f"{folder / CORRECTIONS_FILE}: {exc}") from exc
            click.echo(f"{folder / CORRECTIONS_FILE} line {number}: {line}")
        click.echo("run `search reindex` to apply it to the articles it concerns")
        return
    data = engine(index_dir).entities(kind, limit, lang)
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
