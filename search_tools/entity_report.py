"""Quality of the person and country facets against a hand-annotated gold file.

Why: the facets are only useful when a value means the same person or country in every article, so the
measure is per article *after normalisation* — a predicted person counts when its :func:`person_key` equals
the key of a gold person — summed over articles (micro precision and recall).

Gold file format (JSON): ``{"<article id>": {"persons": [full names], "countries": [ISO codes]}, ...}``;
keys starting with ``_`` are comments. The article id is the file name without ``.txt``.
"""

from __future__ import annotations

import json
from pathlib import Path

from search.enrich.entities.extractor import EntityExtractor
from search.enrich.entities.names import person_key


def _prf(tp: int, fp: int, fn: int) -> dict:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def facet_scores(extractor: EntityExtractor, articles_dir: Path, gold_path: Path) -> dict:
    """Micro precision/recall of the person and country facets over the gold articles.

    Returns ``{"persons": {...}, "countries": {...}, "articles": {id: {"persons": {"missing": [...],
    "extra": [...]}, "countries": {...}}}}`` where the facet dicts hold precision, recall, tp, fp and fn.
    All gold articles are extracted in one :meth:`EntityExtractor.extract_many` batch, as the indexer does.
    """
    gold = {
        k: v
        for k, v in json.loads(Path(gold_path).read_text(encoding="utf-8")).items()
        if not k.startswith("_")
    }
    ids = sorted(gold)
    texts = [(Path(articles_dir) / f"{i}.txt").read_text(encoding="utf-8") for i in ids]
    totals = {"persons": [0, 0, 0], "countries": [0, 0, 0]}
    articles: dict[str, dict] = {}
    for article_id, found in zip(ids, extractor.extract_many(texts), strict=True):
        want_p = {person_key(p): p for p in gold[article_id].get("persons", [])}
        got_p = {person_key(p): p for p in found.persons}
        want_c = {c.upper() for c in gold[article_id].get("countries", [])}
        got_c = set(found.countries)
        detail = {}
        for facet, want, got in (("persons", set(want_p), set(got_p)), ("countries", want_c, got_c)):
            t = totals[facet]
            t[0] += len(want & got)
            t[1] += len(got - want)
            t[2] += len(want - got)
            show = (lambda keys, names: sorted(names.get(k, k) for k in keys)) if facet == "persons" else None
            missing = sorted(want - got) if show is None else show(want - got, want_p)
            extra = sorted(got - want) if show is None else show(got - want, got_p)
            detail[facet] = {"missing": missing, "extra": extra}
        articles[article_id] = detail
    return {
        "persons": _prf(*totals["persons"]),
        "countries": _prf(*totals["countries"]),
        "articles": articles,
    }
