"""Spelling on OpenSearch, as :mod:`search.engine.whoosh.searcher` does it on Whoosh: the index words close to
a typed word (the term suggester), how the articles write an index word, and the respelled query behind
"Meinten Sie" and the auto-correction; the decisions themselves are :mod:`search.engine.typos`'s, shared by
both engines.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from search.core.errors import QuerySyntaxError
from search.engine.opensearch.compiler import Resolvers, compile_tree
from search.engine.typos import SPELLING_TEXTS, Candidate, Respelling, respell, spelling
from search.text.query import ParsedQuery, parse

if TYPE_CHECKING:  # the searcher imports this module
    from search.engine.opensearch.searcher import Context


def surface_forms(ctx: Context, folded: list[str]) -> dict[str, str]:
    """How folded index words are written in the articles, case kept (the first articles with each, by id:
    :func:`search.engine.typos.spelling`)."""
    if not folded:
        return {}
    lines = []
    for term in folded:
        lines.append(b"{}\n")
        body = {
            "query": {"term": {"words": term}},
            "sort": [{"id": "asc"}],
            "size": SPELLING_TEXTS,
            "_source": ["text"],
        }
        lines.append(json.dumps(body).encode() + b"\n")
    answer = ctx.client.request("POST", f"/{ctx.index}/_msearch", ndjson=b"".join(lines))
    out = {}
    for term, response in zip(folded, answer.get("responses", []), strict=False):
        hits = response.get("hits", {}).get("hits", [])
        out[term] = spelling((h["_source"].get("text", "") for h in hits), term) or term
    return out


def respelled(ctx: Context, parsed: ParsedQuery, correct: bool) -> Respelling | None:
    """The query's unknown or rare words replaced by close, more frequent index words, in the articles' own
    spelling (:func:`search.engine.typos.respell`: which, and which replacements are confident)."""
    if not parsed.words:
        return None
    return respell(
        parsed, lambda folded, edits: close(ctx, folded, edits), lambda w: surface_forms(ctx, [w])[w], correct
    )


def suggestion_for(
    ctx: Context, resolvers: Resolvers, respelling: Respelling | None, total: int
) -> str | None:
    """ "Meinten Sie ...?": the respelled query, when it finds more than the typed one."""
    if respelling is None:
        return None
    try:
        alt_tree = parse(respelling.suggestion).tree
    except QuerySyntaxError:  # the corrected words made the query longer than a query may be
        return None
    alt_total = ctx.count(compile_tree(alt_tree, resolvers)) if alt_tree is not None else 0
    return respelling.suggestion if alt_total > total else None


def close(ctx: Context, folded: str, edits: int) -> tuple[int, list[Candidate]]:
    """In how many articles a folded word is, and the index words within ``edits`` of it (with theirs)."""
    body = {
        "size": 0,
        "track_total_hits": True,
        "query": {"term": {"words": folded}},
        "suggest": {
            "text": folded,
            "close": {
                "term": {
                    "field": "words",
                    "suggest_mode": "always",
                    "max_edits": edits,
                    "prefix_length": 0,
                    "min_word_length": 1,
                    "accuracy": 0.0,
                    "size": 100,
                    "max_inspections": 10,
                    "string_distance": "damerau_levenshtein",
                }
            },
        },
    }
    answer = ctx.search(body)
    options = [o for entry in answer.get("suggest", {}).get("close", []) for o in entry.get("options", [])]
    own = int(answer["hits"]["total"]["value"])
    return own, [Candidate(o["text"], o["freq"]) for o in options if o["freq"] > 0]
