"""In-process latency of the JSON search (all facets, snippets) over an index, for 20 typical queries.

    python -m benchmarks.latency [--index DIR] [--repeat 20]

Without --index it builds a fresh index of seeds/ in a temporary folder (with entity extraction).
Prints median and 95th percentile per query and over all; not a test (no timing assertions).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from search.core.params import search_request
from search.core.settings import DEFAULT_ARTICLES_DIR
from search.engine.whoosh.indexer import reindex
from search.engine.whoosh.searcher import search
from search.engine.whoosh.store import IndexStore
from search.enrich.pipeline import default_enricher

QUERIES = [
    {"q": "Trump"},
    {"q": "Kim Jong-un"},
    {"q": "Gipfel Singapur"},
    {"q": '"Kim Jong Un"'},
    {"q": "Pjöngjang"},
    {"q": "Atomprogramm"},
    {"q": "Programm"},
    {"q": "Sanktionen"},
    {"q": "Trump OR Putin"},
    {"q": "Putin -Lawrow"},
    {"q": "Atom*"},
    {"q": "Pompep"},
    {"q": ""},
    {"q": "", "country": "KP"},
    {"q": "", "person": ["Mike Pompeo", "Donald Trump"]},
    {"q": "Gipfel", "date": "2018"},
    {"q": "person:Trump country:KP"},
    {"q": "date:[2018-04 TO 2018-06]"},
    {"q": "Wann wurde das Treffen in Singapur abgesagt?"},
    {"q": "Nordkorea", "sort": "newest"},
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(store: IndexStore, repeat: int) -> dict:
    all_ms: list[float] = []
    per_query = []
    for params in QUERIES:
        req = search_request(params)
        search(store, req)  # warm caches
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            search(store, req)
            times.append((time.perf_counter() - t) * 1000)
        all_ms.extend(times)
        per_query.append({"params": params, "median_ms": round(statistics.median(times), 2)})
    return {
        "queries": len(QUERIES),
        "repeat": repeat,
        "median_ms": round(statistics.median(all_ms), 2),
        "p95_ms": round(percentile(all_ms, 95), 2),
        "per_query": per_query,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    if args.index:
        result = measure(IndexStore(args.index), args.repeat)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            reindex(DEFAULT_ARTICLES_DIR, Path(tmp), enrich=default_enricher())
            result = measure(IndexStore(Path(tmp)), args.repeat)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
