"""Single-article look-ups and search-box completions (pure functions over an index generation)."""

from __future__ import annotations

import re

from whoosh import query as wq

from search.core.errors import ArticleNotFound
from search.core.labels import country_label
from search.core.models import ArticleView, article_path
from search.engine.shared import article_json
from search.engine.whoosh.generations import PERSONS, read_json
from search.engine.whoosh.searcher import columns, surface_form
from search.engine.whoosh.store import Generation, IndexStore
from search.text.analysis import fold
from search.text.highlight import query_terms
from search.text.query import parse

_VALID_ID = re.compile(r"[^\x00-\x1f\x7f/\\]{1,255}\Z")
MAX_SUGGESTIONS = 8


def _gen(store: IndexStore | Generation) -> Generation:
    return store.current() if isinstance(store, IndexStore) else store


def find_docnum(gen: Generation, article_id: str) -> int:
    """Document number of an article id; ids are only ever looked up in the index, never on disk."""
    if not _VALID_ID.match(article_id or "") or article_id in (".", ".."):
        raise ArticleNotFound(f"no article with id {article_id[:80]!r}")
    docnum = gen.searcher().document_number(id=article_id)
    if docnum is None:
        raise ArticleNotFound(f"no article with id {article_id[:80]!r}")
    return docnum


def get_article(
    store: IndexStore | Generation, article_id: str, q: str = "", lang: str = "de"
) -> ArticleView:
    """One article with full text (plain and with the query's matches marked) and its entities; the
    matches' character spans come along for the article page, so nobody computes them twice."""
    gen = _gen(store)
    docnum = find_docnum(gen, article_id)
    stored = gen.searcher().stored_fields(docnum)
    terms = query_terms(parse(q).tree) if q else None
    out, matches = article_json(stored, terms, lang, gen.name)
    return ArticleView(out, matches)


def suggest(store: IndexStore | Generation, q: str, lang: str = "de") -> dict:
    """Completions for the last word typed: entity names first, then frequent words of the index."""
    gen = _gen(store)
    q = q.strip()
    words = q.split()
    if not words:
        return {"query": q, "suggestions": []}
    last = words[-1]
    head = " ".join(words[:-1])
    want = fold(last)
    out: list[dict] = []
    cols = columns(gen)
    for name in cols.columns["person"].values:
        if any(fold(part).startswith(want) for part in name.replace("-", " ").split()):
            out.append({"value": name, "label": name, "kind": "person"})
    for code in cols.columns["country"].values:
        label = country_label(code, lang)
        if fold(label).startswith(want):
            out.append({"value": code, "label": label, "kind": "country"})
    reader = gen.searcher().reader()
    if len(want) >= 2:
        terms = []
        for term in reader.expand_prefix("exact", want):
            term = term.decode("utf-8") if isinstance(term, bytes) else term
            terms.append((reader.doc_frequency("exact", term), term))
            if len(terms) >= 500:
                break
        for _, term in sorted(terms, reverse=True)[:MAX_SUGGESTIONS]:
            text = f"{head} {surface_form(gen, term)}".strip()
            out.append({"value": text, "label": text, "kind": "term"})
    return {"query": q, "suggestions": out[:MAX_SUGGESTIONS]}


def more_like_this(store: IndexStore | Generation, article_id: str, limit: int = 5) -> list[dict]:
    """Articles similar to this one (Whoosh's key-term query over the stemmed body)."""
    gen = _gen(store)
    docnum = find_docnum(gen, article_id)
    searcher = gen.searcher()
    stored = searcher.stored_fields(docnum)
    keys = [w for w, _ in searcher.key_terms([docnum], "body", numterms=12)]
    if not keys:
        return []
    q = wq.Or([wq.Term("body", k) for k in keys])
    results = searcher.search(q, limit=limit + 1)
    return [
        {
            "id": hit["id"],
            "title": hit.get("title", ""),
            "date": hit.get("date"),
            "date_precision": hit.get("date_precision"),  # a month is shown as the month
            "date_estimated": bool(hit.get("date_estimated")),
            "url": article_path(hit["id"]),
        }
        for hit in results
        if hit["id"] != stored["id"]
    ][:limit]


def entity_list(store: IndexStore | Generation, kind: str = "all", limit: int = 50, lang: str = "de") -> dict:
    """Persons and countries of the whole index with article counts (and, for persons, their aliases)."""
    gen = _gen(store)
    cols = columns(gen)
    registry = read_json(gen.path / PERSONS, {})
    out: dict[str, list[dict]] = {}
    for name in ("person", "country"):
        if kind not in ("all", name):
            continue
        col = cols.columns[name]
        counts = col.counts(cols.live)
        rows = []
        for i in sorted(range(len(col.values)), key=lambda i: (-int(counts[i]), col.values[i]))[:limit]:
            if not counts[i]:
                continue
            value = col.values[i]
            row = {
                "value": value,
                "label": country_label(value, lang) if name == "country" else value,
                "count": int(counts[i]),
            }
            if name == "person":
                row["aliases"] = registry.get(value, [value])
            rows.append(row)
        out[name] = rows
    return out
