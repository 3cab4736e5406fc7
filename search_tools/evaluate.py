"""Ranking quality on a BEIR-layout set (``corpus.jsonl``, ``queries.jsonl``, ``qrels.tsv``).

The corpus is written as article files with a ``metadata.json`` sidecar (titles), indexed with the
project's own reindex, and every query is sent *as typed* through the same ``search`` function as
``/api/search``. Reports MRR@10, recall@10, nDCG@10 and the share of queries without any hit.
"""

from __future__ import annotations

import csv
import json
import math
import time
from pathlib import Path

from search.core.models import SearchRequest
from search.core.settings import settings
from search.engine import open_engine

K = 10


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_beir(folder: Path) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    """Corpus documents, queries and relevance judgements (query id -> doc id -> grade)."""
    corpus = _read_jsonl(folder / "corpus.jsonl")
    queries = _read_jsonl(folder / "queries.jsonl")
    qrels: dict[str, dict[str, int]] = {}
    with open(folder / "qrels.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if int(row["score"]) > 0:
                qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    return corpus, queries, qrels


def write_articles(corpus: list[dict], folder: Path) -> Path:
    """BEIR documents -> ``<id>.txt`` files plus a ``metadata.json`` with their titles."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = {}
    for doc in corpus:
        doc_id = str(doc["_id"])
        (folder / f"{doc_id}.txt").write_text(doc.get("text", ""), encoding="utf-8")
        if doc.get("title"):
            meta[doc_id] = {"title": str(doc["title"]).replace("_", " ")}
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def metrics(ranked: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int = K) -> dict[str, float]:
    """MRR@k, recall@k, nDCG@k (graded) and the share of queries with no hit at all."""
    mrr = recall = ndcg = 0.0
    empty = 0
    n = 0
    for qid, rel in qrels.items():
        n += 1
        docs = ranked.get(qid, [])[:k]
        if not ranked.get(qid):
            empty += 1
        first = next((i for i, d in enumerate(docs) if d in rel), None)
        mrr += 1.0 / (first + 1) if first is not None else 0.0
        recall += len([d for d in docs if d in rel]) / len(rel)
        dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(docs))
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(rel.values(), reverse=True)[:k]))
        ndcg += dcg / ideal if ideal else 0.0
    n = max(n, 1)
    return {
        "queries": n,
        "mrr@10": mrr / n,
        "recall@10": recall / n,
        "ndcg@10": ndcg / n,
        "no_hit_share": empty / n,
    }


def evaluate(
    folder: Path,
    workdir: Path,
    limit: int | None = None,
    ner: bool = False,
) -> dict:
    """Index the set in ``workdir`` and score every query as typed; ``limit`` takes the first N queries."""
    corpus, queries, qrels = load_beir(folder)
    queries = (
        [q for q in queries if q["_id"] in qrels][:limit]
        if limit
        else [q for q in queries if q["_id"] in qrels]
    )
    articles = write_articles(corpus, workdir / "articles")
    started = time.perf_counter()
    engine = open_engine(settings(index_dir=workdir / "index"))  # the configured engine (SEARCH_ENGINE)
    engine.reindex(articles, full=True, ner=ner)
    index_seconds = time.perf_counter() - started
    ranked: dict[str, list[str]] = {}
    modes = {"all": 0, "some": 0}
    latencies = []
    for q in queries:
        t = time.perf_counter()
        resp = engine.search(SearchRequest(q=q["text"], per_page=K))
        latencies.append((time.perf_counter() - t) * 1000)
        ranked[q["_id"]] = [r["id"] for r in resp.results]
        modes[resp.match] = modes.get(resp.match, 0) + 1
    result = metrics(ranked, {q["_id"]: qrels[q["_id"]] for q in queries})
    latencies.sort()
    result.update(
        {
            "documents": len(corpus),
            "index_seconds": round(index_seconds, 2),
            "match_modes": modes,
            "median_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
        }
    )
    return result
