"""``search reindex`` into OpenSearch: the same plan, workers and enrichment as the Whoosh engine, bulk writes.

A full reindex (or the first) builds a new versioned index ``<alias>-v<time>`` and swaps the alias onto it
in one ``_aliases`` call at the very end, so searches see the old index until the new one is complete and a
killed reindex leaves the alias where it was (the half-built index is deleted by the next full run). An
incremental reindex compares the folder with the manifest of the live index (content hashes, from
:func:`search.engine.whoosh.planning.scan`) and writes only new, changed and deleted articles into it.
The manifest is one document per versioned index in ``<alias>-manifest``.

Besides the manifest, the manifest document keeps what the Whoosh engine keeps beside a generation: the
user's corrections the index was built with (a changed rule re-enriches exactly the articles it concerns,
and entity pages show the rules), the person registry (primes the next incremental run) and the number of
articles. Each run ends by writing a new ``_meta.run`` stamp into the index mapping: snapshots read it with
the index name, so caches of an index (person names, values) are renewed after an incremental run.

Reused from the Whoosh engine, engine-neutral in substance: the plan (``planning.scan``) and the worker
processes that read, enrich and analyse (``workers.prepared``); the run-wide person spellings and the
corrections test come from :mod:`search.engine.reindexing`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

from search.core.errors import ReindexError
from search.core.models import ReindexSummary, Skipped
from search.engine.base import Progress
from search.engine.opensearch.client import Client
from search.engine.opensearch.documents import document, index_body
from search.engine.opensearch.grouping import ensure_mapping, update_groups
from search.engine.reindexing import LatePersons, PersonNames, concerned_by, replaces_folder, summary
from search.engine.whoosh.documents import READ_STAT
from search.engine.whoosh.planning import scan
from search.engine.whoosh.workers import Enrich, in_parallel, prepared
from search.enrich.entities.corrections import Corrections, changed_rules
from search.enrich.ingest import article_id

BULK_DOCS = 200  # documents per bulk request (~35 KB each with their token streams)
SCROLL_DOCS = 1_000  # documents per page when every stored article is read (corrections)
#: The manifest index keeps its documents as they are, indexing nothing but the creation time.
MANIFEST_INDEX = {"mappings": {"dynamic": False, "properties": {"created": {"type": "date"}}}}


def live_index(client: Client, alias: str) -> str | None:
    """The versioned index the alias points at, None when there is none."""
    answer = client.request("GET", f"/_alias/{alias}", ok=(404,))
    if answer.get("status") == 404:
        return None
    names = sorted(name for name in answer if name != "status")
    return names[-1] if names else None


def live_state(client: Client, alias: str) -> tuple[str, str] | None:
    """``(index, run stamp)`` of the alias's index in one request; None when there is no alias."""
    answer = client.request("GET", f"/{alias}/_mapping", ok=(404,))
    if answer.get("status") == 404:
        return None
    names = sorted(name for name in answer if name != "status")
    if not names:
        return None
    meta = answer[names[-1]].get("mappings", {}).get("_meta") or {}
    return names[-1], str(meta.get("run", ""))


def read_record(client: Client, alias: str, index: str, fields: tuple[str, ...] = ()) -> dict[str, Any]:
    """The manifest document of ``index`` (only ``fields`` when given; empty when missing)."""
    params = {"_source_includes": ",".join(fields)} if fields else None
    answer = client.request("GET", f"/{alias}-manifest/_doc/{index}", params=params, ok=(404,))
    return answer.get("_source", {}) if answer.get("found") else {}


def read_manifest(client: Client, alias: str, index: str) -> dict[str, dict]:
    """The manifest stored for ``index`` (empty when missing)."""
    manifest = read_record(client, alias, index, ("manifest",)).get("manifest")
    return json.loads(manifest) if manifest else {}


def stored_corrections(record: dict[str, Any]) -> Corrections:
    """The corrections a manifest document says its index was built with."""
    return Corrections.parse(record.get("corrections") or "")


def scan_all(client: Client, index: str, fields: list[str], query: dict | None = None):
    """Every document's ``_source`` (``fields`` only) of ``index``, page by page in id order."""
    after: list | None = None
    while True:
        body: dict[str, Any] = {
            "query": query or {"match_all": {}},
            "sort": [{"id": "asc"}],
            "size": SCROLL_DOCS,
            "_source": fields,
        }
        if after is not None:
            body["search_after"] = after
        hits = client.request("POST", f"/{index}/_search", body)["hits"]["hits"]
        for hit in hits:
            yield hit["_source"]
        if len(hits) < SCROLL_DOCS:
            return
        after = hits[-1]["sort"]


def reindex(
    client: Client,
    alias: str,
    articles_dir: Path,
    *,
    full: bool = False,
    enrich: Enrich | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    shards: int = 1,
    replicas: int = 0,
    replace: bool = False,
) -> ReindexSummary:
    """Bring the OpenSearch index in line with the articles folder; returns what was done (an index built
    from another folder: refused unless ``replace``, :func:`search.engine.reindexing.replaces_folder`)."""
    started = time.perf_counter()
    articles_dir = Path(articles_dir)
    if not articles_dir.is_dir():
        raise ReindexError(f"articles folder not found: {articles_dir}")
    workers = workers or os.cpu_count() or 1
    live = live_index(client, alias)
    remembered = read_record(client, alias, live, ("articles_dir",)).get("articles_dir") if live else None
    full = replaces_folder(remembered, articles_dir, replace, alias) or full or live is None
    record = {} if full else read_record(client, alias, live)  # type: ignore[arg-type]
    old = json.loads(record.get("manifest") or "{}")
    corrections = Corrections.read(articles_dir)
    old_corrections = stored_corrections(record)
    new_rules = not full and corrections.digest != old_corrections.digest
    force = _affected(client, live, changed_rules(old_corrections, corrections)) if new_rules else set()
    plan = scan(articles_dir, old, full, force)
    plan.warnings.extend(corrections.errors)
    if hasattr(enrich, "corrections"):
        enrich.corrections = corrections
    if not full and not plan.add and not plan.remove and not new_rules and remembered:
        return ReindexSummary(
            skipped=tuple(plan.skipped),
            warnings=tuple(plan.warnings),
            unchanged=plan.unchanged,
            seconds=time.perf_counter() - started,
        )
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    if full:
        target = f"{alias}-v{stamp}"
        _clean_orphans(client, alias, live)
        client.request("PUT", f"/{target}", index_body(shards, replicas))
    else:
        target = live  # type: ignore[assignment]
        if hasattr(enrich, "prime"):
            enrich.prime(json.loads(record.get("persons") or "{}"))
    if not full:
        ensure_mapping(client, target)  # an index from before near-duplicates gets their fields
    written = _write(client, target, plan, enrich, progress, workers)
    client.request("POST", f"/{target}/_refresh")
    groups = update_groups(
        client,
        target,
        lambda fields, query: scan_all(client, target, fields, query),
        json.loads(record.get("duplicates") or "{}"),
        written,
    )
    client.request("PUT", f"/{alias}-manifest", MANIFEST_INDEX, ok=(400,))  # 400: it exists already
    client.request(
        "PUT",
        f"/{alias}-manifest/_doc/{target}",
        {
            "manifest": json.dumps(plan.manifest),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "articles": len(plan.manifest),
            "articles_dir": str(articles_dir.resolve()),
            "corrections": "\n".join(r.text for r in corrections.rules),
            "persons": json.dumps(getattr(enrich, "registry", None) or {}),
            "duplicates": json.dumps(groups),
        },
        params={"refresh": "true"},
    )
    client.request("PUT", f"/{target}/_mapping", {"_meta": {"run": stamp}})  # renews the snapshots' caches
    if full:
        actions: list[dict[str, Any]] = [{"add": {"index": target, "alias": alias}}]
        if live is not None:
            actions.insert(0, {"remove": {"index": live, "alias": alias}})
        client.request("POST", "/_aliases", {"actions": actions})  # atomic: one cluster state update
        if live is not None:
            client.request("DELETE", f"/{live}", ok=(404,))
            client.request("DELETE", f"/{alias}-manifest/_doc/{live}", ok=(404,))
    return summary(plan, written, started, target, full)


def _clean_orphans(client: Client, alias: str, live: str | None) -> None:
    """Delete versioned indices a killed full reindex left behind (never the live one)."""
    answer = client.request("GET", f"/_cat/indices/{alias}-v*", params={"format": "json", "h": "index"})
    for row in answer if isinstance(answer, list) else []:
        if row.get("index") != live:
            client.request("DELETE", f"/{row['index']}", ok=(404,))


def _affected(client: Client, live: str | None, changed: Corrections) -> set[str]:
    """Ids of the live articles whose persons or countries ``changed`` rules can alter (enriched anew)."""
    persons, codes = changed.touched_keys()
    if live is None or (not persons and not codes):
        return set()
    fields = ["id", "person", "country", "entities.aliases", "entities.corrected"]
    return {s["id"] for s in scan_all(client, live, fields) if concerned_by(s, persons, codes)}


def _write(client: Client, target: str, plan, enrich: Enrich | None, progress: Progress | None, workers: int):
    """Bulk the plan's deletions and prepared documents into ``target``; returns the ids written."""
    lines: list[bytes] = []
    written: set[str] = set()
    parallel = in_parallel(len(plan.add), workers)
    canon = PersonNames(enrich) if parallel else None
    late = LatePersons(enrich)

    def flush() -> None:
        if lines:
            answer = client.request("POST", f"/{target}/_bulk", ndjson=b"".join(lines))
            lines.clear()
            if answer.get("errors"):
                failed = [i for i in answer["items"] if next(iter(i.values())).get("status", 200) >= 300]
                bad = [f for f in failed if next(iter(f.values())).get("status") != 404]
                if bad:
                    raise ReindexError(f"OpenSearch refused documents: {json.dumps(bad[0])[:300]}")

    def action(kind: str, doc_id: str, source: dict | None = None) -> None:
        lines.append(json.dumps({kind: {"_index": target, "_id": doc_id}}).encode() + b"\n")
        if source is not None:
            lines.append(json.dumps(source, ensure_ascii=False).encode() + b"\n")

    for doc_id in plan.remove:
        action("delete", doc_id)
    total = len(plan.add)
    for done, (rel, doc, reason, warnings) in enumerate(prepared(plan.add, enrich, workers), 1):
        plan.warnings.extend(warnings)
        read_stat = doc.pop(READ_STAT, None) if doc is not None else None
        if doc is None:
            plan.skipped.append(Skipped(rel, reason or "unreadable"))
            plan.manifest.pop(rel, None)
            action("delete", article_id(Path(rel)))
        else:
            if canon is not None:
                canon.apply(doc)
            late.keep(doc)
            action("index", doc["id"], document(doc))
            written.add(doc["id"])
            entry = plan.manifest.get(rel)
            if entry is not None:
                entry["hash"] = doc["content_hash"]
                entry.update(read_stat or {})
        if len(lines) >= 2 * BULK_DOCS:
            flush()
        if progress is not None:
            progress("indexing", done, total)
    # the same id again: replaces the document written before; analysed again by helper processes on the
    # parallel path (the workers have finished by then)
    for doc in late.changed(helpers=max(1, workers - 1) if parallel else 0):
        action("index", doc["id"], document(doc))
        if len(lines) >= 2 * BULK_DOCS:
            flush()
    flush()
    return written
