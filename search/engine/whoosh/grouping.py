"""Near-duplicate groups of one generation: the articles' MinHash signatures (``minhash.npz``, carried from
generation to generation like the manifest) and the groups found over all of them (``duplicates.json``).

Why files beside the index rather than fields: a group is known only when every article is, and an
incremental reindex must compare new articles with the old ones without reading every stored text again.
At search time :func:`doc_groups` turns the groups into one array per generation (document -> group),
which the searcher uses to show a group as one hit and the facet columns to count it once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from search.engine.whoosh.generations import GROUPS, SIGNATURES, read_json, write_json
from search.engine.whoosh.store import Generation
from search.enrich.duplicates import PERMUTATIONS, group, packed_signature, unpack


def _load(gen_dir: Path | None) -> dict[str, np.ndarray]:
    if gen_dir is None or not (gen_dir / SIGNATURES).is_file():
        return {}
    try:
        with np.load(gen_dir / SIGNATURES) as data:
            ids, matrix = data["ids"], data["sigs"]
    except (OSError, ValueError, KeyError):
        return {}  # unreadable: the signatures are computed again from the stored texts
    if matrix.ndim != 2 or matrix.shape[1] != PERMUTATIONS:
        return {}
    return {str(i): row for i, row in zip(ids.tolist(), matrix, strict=True)}


def write_groups(
    live: Path | None,
    new_gen: Path,
    ids: Iterable[str],
    new: dict[str, bytes | None],
    stored_texts: Callable[[set[str]], dict[str, str]],
) -> int:
    """Save the signatures of the articles ``ids`` (the new generation's) and their groups; returns how
    many articles are grouped. ``new``: signatures the workers computed in this run; older ones come from
    ``live``; an article with neither (an index built before signatures) is signed from its stored text."""
    wanted = set(ids)
    sigs = {i: row for i, row in _load(live).items() if i in wanted and i not in new}
    for i, packed in new.items():
        row = unpack(packed) if packed else None
        if row is not None and i in wanted:
            sigs[i] = row
    missing = wanted - sigs.keys() - {i for i, p in new.items() if not p}
    for i, text in stored_texts(missing).items():
        packed = packed_signature(text)
        if packed is not None:
            sigs[i] = unpack(packed)
    order = sorted(sigs)
    matrix = np.stack([sigs[i] for i in order]) if order else np.zeros((0, PERMUTATIONS), dtype=np.uint32)
    tmp = new_gen / (SIGNATURES + ".tmp")
    with open(tmp, "wb") as f:
        np.savez(f, ids=np.array(order, dtype=str), sigs=matrix)
    os.replace(tmp, new_gen / SIGNATURES)
    groups = group((i, sigs[i]) for i in order)
    write_json(new_gen / GROUPS, groups)
    return len(groups)


def doc_groups(gen: Generation) -> np.ndarray | None:
    """Per document of ``gen``: its group's number, -1 for an article without near-duplicates; None when
    the generation has no groups (nothing to fold)."""

    def build(g: Generation) -> np.ndarray | None:
        groups = read_json(g.path / GROUPS, {})
        if not isinstance(groups, dict) or not groups:
            return None
        searcher = g.searcher()
        out = np.full(searcher.doc_count_all(), -1, dtype=np.int32)
        numbers: dict[str, int] = {}
        for article_id, key in groups.items():
            docnum = searcher.document_number(id=article_id)
            if docnum is not None:
                out[docnum] = numbers.setdefault(str(key), len(numbers))
        return out if (out >= 0).any() else None

    return gen.cached("duplicate-groups", build)
