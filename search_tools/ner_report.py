"""``search ner-report``: entity quality on GermEval 2014 dev (P/R/F for PER and LOC) and the person and
country facets' precision and recall on the hand-annotated seeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.enrich.countries import ADJECTIVE, DEMONYM, gazetteer
from search.enrich.entities.extractor import EntityExtractor
from search.enrich.entities.ner import load_pipeline
from search_tools.entity_report import facet_scores
from search_tools.ner_corpora import read_germeval
from search_tools.ner_scores import format_scores, predict_spans, score_spans


def ner_report(dev: Path, model: str, gold: Path, seeds_dir: Path) -> dict[str, Any]:
    """Scores as a dict: ``dev_model``/``dev_pipeline`` when ``dev`` exists, ``seed_facets`` when ``gold``
    does."""
    report: dict[str, Any] = {}
    if dev.is_file():
        sentences = read_germeval(dev)
        gold_spans = [spans for _, spans in sentences]
        nlp = load_pipeline(model or None)
        report["dev_pipeline"] = score_spans(
            gold_spans, as_germeval(sentences, predict_spans(nlp, sentences))
        )
        if "ner" in nlp.pipe_names:
            rules = [p for p in nlp.pipe_names if p not in ("tok2vec", "ner")]
            with nlp.select_pipes(disable=rules):
                report["dev_model"] = score_spans(gold_spans, predict_spans(nlp, sentences))
    if gold.is_file():
        scores = facet_scores(EntityExtractor(model or None), seeds_dir, gold)
        report["seed_facets"] = {k: scores[k] for k in ("persons", "countries")}
    return report


def format_report(report: dict[str, Any], dev: Path) -> str:
    """The report as the lines ``search ner-report`` prints."""
    lines = []
    if "dev_model" in report:
        lines.append(f"GermEval 2014 dev part ({dev.name}), statistical model alone:")
        lines.append(format_scores(report["dev_model"]))
    if "dev_pipeline" in report:
        lines.append(f"GermEval 2014 dev part ({dev.name}), model + rules (country/city names as LOC):")
        lines.append(format_scores(report["dev_pipeline"]))
    for name, sc in report.get("seed_facets", {}).items():
        lines.append(f"seed {name} facet: precision {sc['precision']:.3f} recall {sc['recall']:.3f}")
    return "\n".join(lines)


def as_germeval(sentences: list, predicted: list) -> list:
    """Gazetteer matches in GermEval's terms: place *names* are LOC; adjectives and demonyms
    (``nordkoreanische``) are not entities in GermEval's outer level."""
    gaz = gazetteer()
    out = []
    for (words, _), spans in zip(sentences, predicted, strict=True):
        kept = []
        for s, e, label in spans:
            if label in ("COUNTRY", "CITY"):
                form = gaz.form(" ".join(words[s:e]))
                if form is None or form.kind in (ADJECTIVE, DEMONYM):
                    continue
                label = "LOC"
            kept.append((s, e, label))
        out.append(kept)
    return out
