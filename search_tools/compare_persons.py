"""Compare the persons of two indexes of the same articles, article by article (the entity reviews' check).

Why: a rule change is judged by what it changes on real articles. Rebuild a sample with the new code (e.g.
``search entity-eval ../shared/data/entities/fang-dev --context 3000 --seed N --workdir NEW``) and compare it
with the index the review read::

    python -m search_tools.compare_persons OLD/index NEW/index

Prints the counts of article-person pairs lost and gained, then each pair with its surfaces and a passage.
"""

from __future__ import annotations

import sys
from pathlib import Path

from search.engine.whoosh.store import IndexStore


def _docs(index: str) -> dict[str, dict]:
    reader = IndexStore(Path(index)).current().searcher().reader()
    return {d["id"]: d for d in reader.all_stored_fields()}


def _spans(doc: dict, person: str, width: int = 100) -> list[tuple[str, str]]:
    body = doc["body"]
    return [
        (body[s:e], body[max(0, s - width) : e + width].replace("\n", " "))
        for s, e, kind, name in doc["entities"]["spans"]
        if kind == "PER" and name == person
    ]


def compare(old: str, new: str) -> list[tuple[str, str, str, list[str], str]]:
    """(sign, article id, person, surfaces, first passage) of every pair only one index has."""
    a, b = _docs(old), _docs(new)
    out = []
    for doc_id in sorted(a.keys() & b.keys()):
        before, after = set(a[doc_id]["entities"]["persons"]), set(b[doc_id]["entities"]["persons"])
        for sign, doc, people in (("-", a[doc_id], before - after), ("+", b[doc_id], after - before)):
            for person in sorted(people):
                spans = _spans(doc, person)
                out.append((sign, doc_id, person, [s for s, _ in spans][:3], spans[0][1] if spans else ""))
    return out


if __name__ == "__main__":  # pragma: no cover
    rows = compare(sys.argv[1], sys.argv[2])
    print(f"lost {sum(r[0] == '-' for r in rows)} gained {sum(r[0] == '+' for r in rows)}")
    for sign, doc_id, person, surfaces, passage in rows:
        print(sign, doc_id, person, surfaces, "|", passage)
