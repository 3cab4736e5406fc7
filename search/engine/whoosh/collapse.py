"""Near-duplicates shown as one hit: of each group of matching copies only the one the order puts first is a
hit; the others are listed with it ("auch bei: …"), and the hit total counts the group once.

Why after matching, not at index time: which copy is shown depends on the request — a source filter keeps
only that site's copy, a date sort shows the newest copy — so the groups (:mod:`.grouping`) are applied to
each request's matches.
"""

from __future__ import annotations

import numpy as np

from search.engine.shared import MAX_DUPLICATES_LISTED, duplicate_json, sorted_duplicates
from search.engine.whoosh.scoring import Scorer
from search.engine.whoosh.store import Generation


def fold_duplicates(
    matched: np.ndarray, score: np.ndarray, groups: np.ndarray | None, sc: Scorer, order: str
) -> np.ndarray:
    """``matched`` with every group's copies but the first in ``order`` taken out."""
    if groups is None:
        return matched
    grouped = matched & (groups[: len(matched)] >= 0)
    count = int(np.count_nonzero(grouped))
    if count < 2:
        return matched
    ranked = [d for d, _ in sc.top(grouped, score, count, order)]
    keys = groups[ranked]
    _, first = np.unique(keys, return_index=True)
    out = matched & ~grouped
    out[np.asarray(ranked)[first]] = True
    return out


def attach_duplicates(
    gen: Generation, results: list[dict], matched: np.ndarray, groups: np.ndarray | None
) -> None:
    """Add ``duplicates`` (the other matching copies, :func:`search.engine.shared.duplicate_json`) to each hit
    that stands for a group."""
    if groups is None:
        return
    searcher = gen.searcher()
    grouped = _grouped_docnums(gen, groups)
    for hit in results:
        docnum = grouped.get(hit["id"])
        if docnum is None:
            continue
        others = np.flatnonzero(matched & (groups[: len(matched)] == groups[docnum]))
        copies = []
        for other in others.tolist():
            if other == docnum:
                continue
            stored = searcher.stored_fields(other)
            copies.append(duplicate_json(stored))
            if len(copies) >= MAX_DUPLICATES_LISTED:
                break
        if copies:
            hit["duplicates"] = sorted_duplicates(copies)


def _grouped_docnums(gen: Generation, groups: np.ndarray) -> dict[str, int]:
    """Article id -> document number of every grouped document, once per generation (looking each page hit
    up by id cost a term look-up per hit)."""

    def build(g: Generation) -> dict[str, int]:
        searcher = g.searcher()
        return {searcher.stored_fields(int(d))["id"]: int(d) for d in np.flatnonzero(groups >= 0)}

    return gen.cached("grouped-docnums", build)
