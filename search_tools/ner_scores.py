"""Scores of a NER pipeline on GermEval-format sentences: entity-level P/R/F per label, errors, a table.

Why a module of its own: the same exact-match measure serves the training tool (the score of a new
model, :mod:`search_tools.nertrain`) and ``search ner-report`` (the shipped model alone and with the
country/city rules), so it must not depend on the training code or its packages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from search_tools.ner_corpora import LABELS, Sentence, Span, read_germeval

if TYPE_CHECKING:  # spaCy is imported lazily
    from spacy.language import Language


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f": f, "tp": tp, "fp": fp, "fn": fn}


def predict_spans(nlp: Language, sentences: Sequence[Sentence], batch_size: int = 256) -> list[list[Span]]:
    """Run ``nlp`` over pre-tokenised sentences and return predicted token spans.

    Docs are built from the gold words so tokenisation cannot skew the score.
    """
    from spacy.tokens import Doc

    docs = (Doc(nlp.vocab, words=words) for words, _ in sentences)
    return [[(e.start, e.end, e.label_) for e in doc.ents] for doc in nlp.pipe(docs, batch_size=batch_size)]


def score_spans(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], labels: Sequence[str] = LABELS
) -> dict[str, dict]:
    """Entity-level exact-match P/R/F per label and micro ``overall``."""
    counts = {label: [0, 0, 0] for label in labels}
    for g, p in zip(gold, pred, strict=True):
        gs = {s for s in g if s[2] in counts}
        ps = {s for s in p if s[2] in counts}
        for s in gs & ps:
            counts[s[2]][0] += 1
        for s in ps - gs:
            counts[s[2]][1] += 1
        for s in gs - ps:
            counts[s[2]][2] += 1
    result = {label: _prf(*c) for label, c in counts.items()}
    result["overall"] = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return result


def evaluate_ner(nlp: Language, dev_path: Path, labels: Sequence[str] = LABELS) -> dict[str, dict]:
    """Score any spaCy pipeline on a GermEval-format file, per label plus micro overall.

    Returns ``{label: {"p", "r", "f", "tp", "fp", "fn"}}`` with an extra
    ``"overall"`` entry (micro average over ``labels``).
    """
    sentences = read_germeval(Path(dev_path))
    pred = predict_spans(nlp, sentences)
    return score_spans([s for _, s in sentences], pred, labels)


def error_examples(nlp: Language, dev_path: Path, label: str, limit: int = 50) -> dict[str, list[str]]:
    """Missed and spurious entities of one label, to see which error classes dominate."""
    sentences = read_germeval(Path(dev_path))
    pred = predict_spans(nlp, sentences)
    missed: list[str] = []
    spurious: list[str] = []
    for (words, gold), p in zip(sentences, pred, strict=True):
        gs = {s for s in gold if s[2] == label}
        ps = {s for s in p if s[2] == label}
        other = {(s, e): lab for s, e, lab in p}
        for s, e, _ in sorted(gs - ps):
            missed.append(f"{' '.join(words[s:e])}  [pred: {other.get((s, e), '-')}]")
        for s, e, _ in sorted(ps - gs):
            spurious.append(" ".join(words[s:e]))
    return {"missed": missed[:limit], "spurious": spurious[:limit]}


def format_scores(scores: dict[str, dict]) -> str:
    """A small text table of P/R/F per label."""
    lines = [f"{'label':8} {'P':>6} {'R':>6} {'F':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for label, s in scores.items():
        lines.append(
            f"{label:8} {s['p']:6.3f} {s['r']:6.3f} {s['f']:6.3f} {s['tp']:5d} {s['fp']:5d} {s['fn']:5d}"
        )
    return "\n".join(lines)
