"""Quality commands: ``search train-ner | ner-report | eval | entity-eval | date-eval`` (the work is in search_tools)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from search.cli.common import fail_cleanly, main, measurement_options, print_measurement


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
    "--top", type=click.IntRange(0, 100000), default=100, show_default=True, help="Top persons shown."
)
@measurement_options(errors=50)
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
    print_measurement(result, as_json, max_errors, format_report)


@main.command("date-eval")
@click.option(
    "--corpus",
    type=click.Choice(["fang", "10kgnad"]),
    default="fang",
    show_default=True,
    help="FANG-COVID (known days) or 10kGNAD (Austrian news of 2015-2016).",
)
@click.option("--n", "n", type=click.IntRange(1, 41242), default=500, show_default=True, help="Articles.")
@click.option("--seed", type=int, default=1, show_default=True, help="Which articles are drawn.")
@click.option(
    "--offset",
    type=click.IntRange(0, 41241),
    default=0,
    show_default=True,
    help="First FANG-COVID position drawn from (file order).",
)
@click.option(
    "--pool",
    type=click.IntRange(1, 41242),
    default=20000,
    show_default=True,
    help="Positions drawn from, from --offset on (the estimator learns only on positions >= 20,000).",
)
@measurement_options(errors=15)
@fail_cleanly
def date_eval_cmd(
    corpus: str,
    n: int,
    seed: int,
    offset: int,
    pool: int,
    max_errors: int,
    as_json: bool,
    workdir: Path | None,
) -> None:
    """Measure publication dates on articles written as bare files (dates withheld)."""
    import tempfile

    from search_tools.date_eval import evaluate_dates, format_report

    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate_dates(
            workdir or Path(tmp), corpus, n, seed, offset, pool, progress=lambda m: click.echo(m, err=True)
        )
    print_measurement(result, as_json, max_errors, format_report)
