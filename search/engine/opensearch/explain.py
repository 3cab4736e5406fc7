"""``explain=1`` on the OpenSearch engine: the query parts compiled as the search compiled them, and each hit
probed through its own title and text analysed as they were indexed (the rules are engine-neutral:
:mod:`search.engine.explaining`).

Why not OpenSearch's ``explain`` or named queries: its explanation is a Lucene score tree, not "which word
matched through which form", and named queries would need a second request with a clause per term and hit.
The hit's stored text gives the same tokens the index holds (:mod:`search.engine.opensearch.documents`
indexes our own analysed tokens), so the answer equals the Whoosh engine's, for the page's hits only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rapidfuzz.distance import OSA

from search.engine.explaining import Part, TextProbe, explain, items
from search.engine.opensearch.compiler import SHORT_FUZZY, Query, Resolvers, compile_part
from search.text.analysis import fold
from search.text.query import Word

#: the facet fields a ``person:``/``land:``/``quelle:``/``erwähnt:`` scope is looked up in
_FACETS = ("person", "country", "source", "mentioned")


def explain_hits(
    tree: object | None, resolvers: Resolvers, loose: bool, hits: list[dict[str, Any]]
) -> list[list[dict]]:
    """Per hit (its stored fields as :func:`search.engine.shared.hit_json` reads them), one entry per query
    part; ``loose``: the hits of a "some words" search."""
    probes = [TextProbe(h.get("title", ""), h.get("body", ""), _values(h)) for h in hits]
    parts: list[Part] = []
    for kind, label, node in items(tree, loose):
        query = compile_part(node, tree, resolvers, loose)
        if query is None and isinstance(node, Word):  # a stop word the search left out
            continue
        if query is None:
            parts.append(Part(kind, label, node, None))
            continue
        terms = tuple(_terms(query))
        if isinstance(node, Word) and node.fuzzy:
            terms = tuple(("exact", w) for w in sorted(_within(node, probes)))
        parts.append(Part(kind, label, node, terms))
    return [explain(parts, probe) for probe in probes]


def _values(hit: dict[str, Any]) -> dict[str, set[str]]:
    out = {}
    for facet in _FACETS:
        value = hit.get(facet)
        out[facet] = set(value) if isinstance(value, list) else {v for v in (value or "").split(",") if v}
    return out


def _within(node: Word, probes: list[TextProbe]) -> set[str]:
    """The page's words a ``word~`` matches, with the edit distance the compiler gives OpenSearch's ``fuzzy``
    (transpositions count as one edit, as in Lucene)."""
    text = fold(node.text)
    if len(text) < 3:
        return {text}
    edits = min(node.fuzzy, 1) if len(text) <= SHORT_FUZZY else min(node.fuzzy, 2)
    return {w for p in probes for w in p.words("exact") if OSA.distance(text, w, score_cutoff=edits) <= edits}


def _terms(query: Query) -> Iterator[tuple[str, str]]:
    """The ``(field, term)`` pairs of a compiled query, fields named as in the Whoosh schema (``t_body`` and
    ``t_body_alt`` are ``body``)."""
    if isinstance(query, list):
        for q in query:
            yield from _terms(q)
        return
    if not isinstance(query, dict):
        return
    for key, value in query.items():
        if key == "term":
            for field, spec in value.items():
                yield _field(field), str(spec["value"] if isinstance(spec, dict) else spec)
        elif key == "terms":
            for field, values in value.items():
                if field == "boost":
                    continue
                for v in values:
                    yield _field(field), str(v)
        elif key == "match_phrase":
            for field, spec in value.items():
                for w in str(spec["query"] if isinstance(spec, dict) else spec).split():
                    yield _field(field), w
        elif isinstance(value, dict | list):
            yield from _terms(value)


def _field(name: str) -> str:
    if name.startswith("t_"):
        name = name[2:]
    return name.removesuffix("_alt")
