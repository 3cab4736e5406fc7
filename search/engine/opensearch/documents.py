"""The OpenSearch index: its settings and mapping, and one prepared article as an OpenSearch document.

German matching: our own analysed tokens (:mod:`search.text.analysis`) are indexed as they are, through a
whitespace analyzer, so both engines match the same words (OpenSearch's own German analyzers differ from
ours in stop words, hyphen handling, compound parts and Snowball's version). Positions matter for phrases:
a stop word the stem flavour drops leaves a gap, which we fill with the placeholder ``_`` (never a word:
our tokenizer takes no underscores), and when several tokens share a position (``jong`` and the joined
``jongun`` of ``Jong-un``) the shortest stays in the positional stream and the others go to a ``*_alt``
field that word queries search too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from search.core.facets import FIELDS
from search.engine.opensearch.grouping import MAPPING as GROUP_MAPPING
from search.engine.opensearch.grouping import group_fields
from search.engine.shared import name_words

GAP = "_"
#: Between a spelling's words and the person in ``person_forms``.
FORM_SEPARATOR = "\x1f"
TEXT_FIELDS = ("t_title", "t_body", "t_body_alt", "t_exact", "t_exact_alt", "t_parts")
#: Field weights as in the Whoosh engine (title 3, body and exact 1, compound parts 0.35).
WEIGHTS = {
    "t_title": 3.0,
    "t_body": 1.0,
    "t_body_alt": 1.0,
    "t_exact": 1.0,
    "t_exact_alt": 1.0,
    "t_parts": 0.35,
}


#: The facets whose mentions are counted, and the key of their counts in an article's entities.
MENTIONS = {"person": "persons", "country": "countries"}


def mention_key(facet: str, value: str) -> str:
    """The start of a ``mentions`` value: ``person\x1fDonald Trump\x1f`` (the count follows)."""
    return f"{facet}{FORM_SEPARATOR}{value}{FORM_SEPARATOR}"


def index_body(shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    """Settings and mapping of a new versioned index."""
    text = {"type": "text", "analyzer": "tokens", "norms": True}
    keyword = {"type": "keyword"}
    properties: dict[str, Any] = {
        "id": keyword,
        "path": keyword,
        "content_hash": keyword,
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
        "title_derived": {"type": "boolean"},
        "date": keyword,
        "pubdate": {"type": "integer"},
        "date_precision": keyword,
        "date_estimated": {"type": "boolean"},
        "url": {"type": "keyword", "index": False},
        "entities": {"type": "object", "enabled": False},
        # the facet fields as the Whoosh engine stores them (comma-separated, in their order): shown as stored
        "stored": {"type": "object", "enabled": False},
        # the doc's distinct exact words: completions, "Meinten Sie" and similar words read their document
        # frequencies from this field's terms (OpenSearch has no API that lists a text field's terms)
        "words": keyword,
        # "<folded words of a spelling>\x1f<person>" for each spelling an article used for a person
        "person_forms": keyword,
        # "<facet>\x1f<value>\x1f<count>" per person and country an article mentions: the mention boost
        "mentions": keyword,
        **{name: dict(text) for name in TEXT_FIELDS},
        **{field: keyword for field in FIELDS.values()},
        # near-duplicates: the packed MinHash signature and the group (search.engine.opensearch.grouping)
        **GROUP_MAPPING,
    }
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            # pages as deep as the API allows (page 1,000 of 100 hits), as with Whoosh
            "max_result_window": 100_000,
            "analysis": {"analyzer": {"tokens": {"type": "custom", "tokenizer": "whitespace"}}},
        },
        "mappings": {"dynamic": "strict", "properties": properties},
    }


def streams(tokens: Iterable[tuple[str, int, int, int]]) -> tuple[str, str]:
    """(positional stream, stacked extras) of ``(term, position, start, end)`` tokens."""
    by_position: dict[int, list[tuple[int, str]]] = {}
    for term, position, start, end in tokens:
        by_position.setdefault(position, []).append((end - start, term))
    main: list[str] = []
    alt: list[str] = []
    last = -1
    for position in sorted(by_position):
        main.extend([GAP] * (position - last - 1))
        group = sorted(by_position[position])
        main.append(group[0][1])
        alt.extend(term for _, term in group[1:])
        last = position
    return " ".join(main), " ".join(alt)


def document(doc: dict) -> dict[str, Any]:
    """The OpenSearch source of one prepared (Whoosh-shaped) document of :mod:`search.engine.whoosh.workers`."""
    full = doc["body"].tokens
    body, body_alt = streams(full["stem"])
    exact, exact_alt = streams(full["exact"])
    out: dict[str, Any] = {
        "id": doc["id"],
        "path": doc["path"],
        "content_hash": doc["content_hash"],
        "title": doc["_stored_title"],
        "text": doc["_stored_body"],
        "title_derived": bool(doc.get("title_derived")),
        "date_estimated": bool(doc.get("date_estimated")),
        "pubdate": int(doc.get("pubdate") or 0),
        "t_title": " ".join(term for term, *_ in doc["title"].tokens["stem"]),
        "t_body": body,
        "t_body_alt": body_alt,
        "t_exact": exact,
        "t_exact_alt": exact_alt,
        "t_parts": " ".join(term for term, *_ in full["parts"]),
    }
    for key in ("date", "date_precision", "url"):
        if doc.get(key):
            out[key] = doc[key]
    out.update(group_fields(doc))
    stored: dict[str, str] = {}
    for field in FIELDS.values():
        value = doc.get(field)
        if value:
            out[field] = sorted({v for v in str(value).split(",") if v})
            stored[field] = str(value)
    out["stored"] = stored
    out["words"] = sorted({term for term, *_ in full["exact"]})
    ents = doc.get("entities")
    if ents:
        out["entities"] = ents
        forms = {
            " ".join(name_words(str(form))) + FORM_SEPARATOR + person
            for person, spellings in (ents.get("aliases") or {}).items()
            for form in spellings or ()
        }
        out["person_forms"] = sorted(f for f in forms if not f.startswith(FORM_SEPARATOR))
        out["mentions"] = [
            mention_key(facet, value) + str(count)
            for facet, key in MENTIONS.items()
            for value, count in (ents.get(key) or {}).items()
            if count
        ]
    return out
