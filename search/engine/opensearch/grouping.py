"""Near-duplicate groups in an OpenSearch index: each article carries its packed MinHash signature
(``minhash``, not indexed) and its group (``dup_group``: the group's key, or its own id when it has no copy).

Why a field: OpenSearch shows one hit per group with ``collapse`` on ``dup_group`` and counts groups with a
``cardinality`` aggregation of it. The groups are found once a run has written every article
(:func:`update_groups`, the same :func:`search.enrich.duplicates.group` as the Whoosh engine); only the
articles whose group changed are updated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from search.engine.opensearch.client import Client
from search.engine.whoosh.documents import MINHASH
from search.enrich.duplicates import group, packed_signature, unpack

#: The two fields in the mapping (added to an index built before them by :func:`ensure_mapping`).
MAPPING = {"minhash": {"type": "binary"}, "dup_group": {"type": "keyword"}}
#: Update actions per bulk request.
BULK = 1_000

Scan = Callable[[list[str], dict | None], Iterator[dict[str, Any]]]


def group_fields(doc: dict) -> dict[str, Any]:
    """The fields of one prepared document: its signature (None: too short to compare) and, until the run's
    groups are known, its own id as its group."""
    packed = doc.get(MINHASH)
    return {
        "minhash": base64.b64encode(packed).decode("ascii") if packed else None,
        "dup_group": doc["id"],
    }


def ensure_mapping(client: Client, index: str) -> None:
    """Add the fields to an index created before near-duplicates (adding fields to a mapping is allowed)."""
    client.request("PUT", f"/{index}/_mapping", {"properties": MAPPING})


def update_groups(
    client: Client, index: str, scan: Scan, old: dict[str, str], written: Iterable[str]
) -> dict[str, str]:
    """Find the groups over every article of ``index`` and update the articles whose group changed; returns
    the groups (``{id: key}`` of grouped articles) for the manifest. ``old``: the groups of the last run;
    ``written``: articles written in this run (their field holds their own id again)."""
    sigs: list[tuple[str, Any]] = []
    unsigned: list[str] = []
    for source in scan(["id", "minhash"], None):
        if "minhash" not in source:  # written before signatures existed: signed from its text below
            unsigned.append(source["id"])
            continue
        packed = base64.b64decode(source["minhash"]) if source.get("minhash") else b""
        sigs.append((source["id"], unpack(packed) if packed else None))
    for start in range(0, len(unsigned), BULK):
        chunk = unsigned[start : start + BULK]
        for source in scan(["id", "text"], {"terms": {"id": chunk}}):
            packed = packed_signature(source.get("text") or "")
            sigs.append((source["id"], unpack(packed) if packed else None))
    groups = group(sigs)
    fresh = set(written)
    now = {article_id for article_id, _ in sigs}
    lines: list[bytes] = []
    for article_id in sorted(now):
        before = article_id if article_id in fresh else old.get(article_id, article_id)
        after = groups.get(article_id, article_id)
        if before != after:
            lines.append(json.dumps({"update": {"_index": index, "_id": article_id}}).encode() + b"\n")
            lines.append(json.dumps({"doc": {"dup_group": after}}).encode() + b"\n")
    for start in range(0, len(lines), 2 * BULK):
        client.request("POST", f"/{index}/_bulk", ndjson=b"".join(lines[start : start + 2 * BULK]))
    if lines:
        client.request("POST", f"/{index}/_refresh")
    return groups
