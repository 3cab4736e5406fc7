"""What one OpenSearch index knows about itself, read once per index state: person names with their article
counts, the values of the source and mentioned-date fields, the manifest document (corrections, person
registry, article count). Behind name resolution, completions, the entity list and pages, and statistics.

Why cached: the Whoosh engine keeps such things per generation in memory; here they cost a few aggregations,
so they are read once per ``(index, run stamp)`` (:func:`facts`) and renewed when a reindex stamps the index
anew. A small LRU bounds the memory of a long-running server.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from search.core import limits
from search.core.errors import AmbiguousName, InvalidParameter
from search.core.facets import FIELDS
from search.engine.opensearch.client import Client
from search.engine.opensearch.documents import FORM_SEPARATOR
from search.engine.opensearch.indexer import read_record, stored_corrections
from search.engine.shared import entity_forms, name_words
from search.enrich.countries import resolve_country
from search.enrich.entities.corrections import Corrections

PHASE = "resolving names"
#: A name fits one person when that person has at least this many times the articles of the next one (as in
#: :mod:`search.engine.whoosh.names`).
DOMINANCE = 10
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

    def corrections(self) -> Corrections:
        """The user's corrections this index was built with."""
        return self._once("corrections", lambda: stored_corrections(self.record()))

    def registry(self) -> dict[str, list[str]]:
        """Canonical persons with their aliases (as the Whoosh engine's ``persons.json``)."""
        import json

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


class NameResolver:
    """Names as people type them -> indexed values, as :class:`search.engine.whoosh.names.NameResolver`
    resolves them (the same candidates, dominance and errors), from an index's :class:`Facts`."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.resolved: list[dict[str, str]] = []

    def _count(self, name: str) -> int:
        return self.facts.values("person").get(name, 0)

    def person_candidates(self, text: str) -> list[str]:
        """The persons ``text`` may mean, most articles first."""
        persons = self.facts.values("person")
        if text in persons:
            return [text]
        wanted = name_words(text)
        if not wanted:
            return []
        keyed = self.facts.person_words()
        found = [n for n, key in keyed if key == wanted]
        if not found:
            found = sorted(self.facts.spelled(wanted))
        if not found:
            words = set(wanted)
            found = [n for n, key in limits.checked(keyed, PHASE) if words <= set(key)]
        return sorted(found, key=lambda n: (-self._count(n), n))

    def person(self, text: str, parameter: str) -> list[str]:
        """The one person ``text`` means (``[]``: none); AmbiguousName when it fits several about equally."""
        found = self.person_candidates(text)
        if len(found) > 1 and self._count(found[0]) < DOMINANCE * max(1, self._count(found[1])):
            raise AmbiguousName(parameter, text, found)
        found = found[:1]
        if found and found[0] != text:
            self._note("person", text, found[0], parameter)
        return found

    def country(self, text: str, parameter: str) -> list[str]:
        """ISO codes for a code or a country name."""
        codes = resolve_country(text)
        if codes and codes != [text]:
            self._note("country", text, codes[0], parameter)
        return codes

    def _note(self, facet: str, value: str, resolved: str, parameter: str) -> None:
        entry = {"facet": facet, "value": value, "resolved": resolved, "parameter": parameter}
        if entry not in self.resolved:
            self.resolved.append(entry)

    def filters(self, filters: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """The request's facet filters with person and country names replaced by the indexed values."""
        out = dict(filters)
        if filters.get("person"):
            out["person"] = _unique(self._filter_person(v) for v in filters["person"])
        if filters.get("country"):
            out["country"] = _unique(self._filter_country(v) for v in filters["country"])
        return out

    def _filter_person(self, value: str) -> str:
        found = self.person(value, "person")
        return found[0] if found else value

    def _filter_country(self, value: str) -> str:
        if len(value) == 2 and value.isascii() and value.isalpha():
            return value.upper()
        codes = self.country(value, "country")
        if not codes:
            raise InvalidParameter(
                "country",
                value,
                f"country must be an ISO 3166-1 alpha-2 code or a country name, not {value!r}",
            )
        return codes[0]


def _unique(values: Any) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return tuple(out)


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
