"""What one OpenSearch index knows about itself, read once per index state: person names with their article
counts, the values of the source and mentioned-date fields, the manifest document (corrections, person
registry, article count). Behind name resolution, completions, the entity list and pages, and statistics.

Why cached: the Whoosh engine keeps such things per generation in memory; here they cost a few aggregations,
so they are read once per ``(index, run stamp)`` (:func:`facts`) and renewed when a reindex stamps the index
anew. A small LRU bounds the memory of a long-running server.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search.core.facets import FIELDS
from search.engine.cache import ResponseCache
from search.engine.opensearch.client import Client
from search.engine.opensearch.documents import FORM_SEPARATOR
from search.engine.opensearch.indexer import read_record, stored_corrections
from search.engine.shared import entity_forms, name_words
from search.enrich.entities.corrections import Corrections

#: Values per request when every value of a field is read (composite aggregation pages).
PAGE = 10_000
#: Index states whose facts a process keeps.
KEEP = 4


def all_values(client: Client, index: str, field: str, query: dict | None = None) -> dict[str, int]:
    """Every value of the keyword ``field`` with its number of articles (composite aggregation, paged)."""
    out: dict[str, int] = {}
    after: dict | None = None
    while True:
        composite: dict[str, Any] = {"size": PAGE, "sources": [{"v": {"terms": {"field": field}}}]}
        if after is not None:
            composite["after"] = after
        body = {"size": 0, "query": query or {"match_all": {}}, "aggs": {"all": {"composite": composite}}}
        agg = client.request("POST", f"/{index}/_search", body)["aggregations"]["all"]
        for bucket in agg["buckets"]:
            out[bucket["key"]["v"]] = bucket["doc_count"]
        after = agg.get("after_key")
        if not agg["buckets"] or after is None or len(agg["buckets"]) < PAGE:
            return out


@dataclass
class Facts:
    """The per-state knowledge of one index (filled lazily, each part once)."""

    client: Client
    alias: str
    index: str
    _parts: dict[str, Any] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)  # parts read other parts

    def _once(self, key: str, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key not in self._parts:
                self._parts[key] = make()
            return self._parts[key]

    def count(self, name: str) -> int:
        """Articles of the person ``name`` (for :class:`search.engine.names.NameResolver`)."""
        return self.values("person").get(name, 0)

    def values(self, facet: str) -> dict[str, int]:
        """Every value of a facet with its article count."""
        return self._once(f"values:{facet}", lambda: all_values(self.client, self.index, FIELDS[facet]))

    def person_words(self) -> list[tuple[str, tuple[str, ...]]]:
        """The persons' names with their folded words."""
        return self._once("person-words", lambda: [(n, name_words(n)) for n in sorted(self.values("person"))])

    def record(self) -> dict[str, Any]:
        """The manifest document without the manifest (corrections, registry, article count, time)."""
        return self._once(
            "record",
            lambda: read_record(
                self.client, self.alias, self.index, ("created", "articles", "corrections", "persons")
            ),
        )

    def responses(self, size: int) -> ResponseCache:
        """The finished responses of this index state (``SEARCH_CACHE_SIZE``)."""
        return self._once("responses", lambda: ResponseCache(size))

    def grouped(self) -> bool:
        """Whether the index has near-duplicate groups (only then are hits collapsed and groups counted)."""
        return bool(self.groups()[0])

    def groups(self) -> tuple[tuple[str, ...], int]:
        """The keys of the index's near-duplicate groups, and how many articles are in them (the manifest's
        ``{id: group}``, read once per index state)."""

        def read() -> tuple[tuple[str, ...], int]:
            record = read_record(self.client, self.alias, self.index, ("duplicates",))
            members = json.loads(record.get("duplicates") or "{}")
            return tuple(sorted(set(members.values()))), len(members)

        return self._once("groups", read)

    def corrections(self) -> Corrections:
        """The user's corrections this index was built with."""
        return self._once("corrections", lambda: stored_corrections(self.record()))

    def registry(self) -> dict[str, list[str]]:
        """Canonical persons with their aliases (as the Whoosh engine's ``persons.json``)."""
        return self._once("registry", lambda: json.loads(self.record().get("persons") or "{}"))

    def spelled(self, words: tuple[str, ...]) -> set[str]:
        """The persons some article wrote as ``words`` (its stored spellings)."""
        key = " ".join(words) + FORM_SEPARATOR
        return self._once(f"form:{key}", lambda: self._spelled(key))

    def _spelled(self, key: str) -> set[str]:
        query = {"prefix": {"person_forms": key}}
        found = all_values(self.client, self.index, "person_forms", query)
        return {form[len(key) :] for form in found if form.startswith(key)}


_cache: OrderedDict[tuple[str, str, str], Facts] = OrderedDict()
_cache_lock = threading.Lock()


def facts(client: Client, alias: str, index: str, stamp: str) -> Facts:
    """The facts of ``index`` in the state ``stamp`` (shared by the snapshots of that state)."""
    key = (client.url, index, stamp)
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            found = _cache[key] = Facts(client, alias, index)
            while len(_cache) > KEEP:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
        return found


def entity_aliases(
    client: Client, index: str, facet: str, value: str, limit_docs: int = 2000
) -> list[tuple[str, int]]:
    """The ways an entity is written, with the number of articles using each form, most used first."""
    body = {
        "query": {"term": {FIELDS[facet]: value}},
        "sort": [{"id": "asc"}],
        "size": limit_docs,
        "_source": ["text", "entities"],
    }
    counts: Counter[str] = Counter()
    for hit in client.request("POST", f"/{index}/_search", body)["hits"]["hits"]:
        stored = {"body": hit["_source"].get("text", ""), "entities": hit["_source"].get("entities")}
        counts.update(entity_forms(stored, facet, value))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
