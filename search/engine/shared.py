"""What every engine answers the same way, whatever it stores: the shape of a hit and of an article, the
words a "some words" fallback keeps, how a folded index word is written in an article, an entity's
spellings in one article.

Why a module of its own: the Whoosh and OpenSearch engines must give the same answers (the API contract
tests compare them), so the parts that only read stored fields, never an index structure, live once, here.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from search.core.labels import country_label, label
from search.core.models import Hit, article_path
from search.core.settings import DATA_DIR
from search.text.analysis import fold, stopwords
from search.text.highlight import Terms, mark, match_spans, snippets
from search.text.spans import clean_entity_spans


def hit_json(
    stored: dict, score: float | None, terms: Terms | None, lang: str, with_snippets: bool = True
) -> Hit:
    """The API shape of one result (also used by the article endpoint without snippets)."""
    entities = stored.get("entities") or {}
    persons = entities.get("persons") or {}
    countries = entities.get("countries") or {}
    person_list = sorted(persons, key=lambda p: (-persons[p], p)) or _split(stored.get("person"))
    country_list = sorted(countries, key=lambda c: (-countries[c], c)) or _split(stored.get("country"))
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "date": stored.get("date"),
        "date_estimated": bool(stored.get("date_estimated")),
        "date_precision": stored.get("date_precision"),
        "source": stored.get("source"),
        "url": article_path(stored["id"]),
        "source_url": stored.get("url"),
        "score": round(float(score), 4) if score is not None else None,
        "snippets": snippets(stored.get("body", ""), terms) if with_snippets else [],
        "persons": person_list,
        "countries": [{"code": c, "label": country_label(c, lang)} for c in country_list],
    }


def _split(value: str | list | None) -> list[str]:
    if isinstance(value, list):
        return list(value)
    return [v for v in (value or "").split(",") if v]


def article_json(
    stored: dict, terms: Terms | None, lang: str, generation: str
) -> tuple[dict[str, Any], list[tuple[int, int]]]:
    """One article's API shape (text, the query's matches marked, entities) and the matches' spans."""
    body = stored.get("body", "")
    matches = match_spans(body, terms) if terms else []
    out: dict[str, Any] = dict(hit_json(stored, None, terms, lang, with_snippets=False))
    out.pop("score", None)
    entities = stored.get("entities") or {}
    out.update(
        {
            "text": body,
            "html": mark(body, matches) if terms else None,
            "title_derived": bool(stored.get("title_derived")),
            "person_mentions": entities.get("persons", {}),
            "person_aliases": entities.get("aliases", {}),
            "country_mentions": entities.get("countries", {}),
            "entity_spans": entities.get("spans", []),
            "mentioned": _split(stored.get("mentioned")),
            "generation": generation,
        }
    )
    return out, matches


@lru_cache(maxsize=1)
def _question_words() -> frozenset[str]:
    lines = (DATA_DIR / "question_words_de.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def content_words(query_words: tuple[str, ...]) -> list[str]:
    """The words of a query that carry content: no stop words, no question words, no duplicates."""
    out: list[str] = []
    skip = stopwords() | _question_words()
    pieces = [
        p for w in query_words for p in re.split(r"[-\u2010\u2011]", w) if p
    ]  # hyphen pieces count singly
    seen: set[str] = set()
    for w in pieces:
        if w.lower() not in skip and w.lower() not in seen:
            seen.add(w.lower())
            out.append(w)
    # a single letter ("V" of "V&A-Museum") tells no paragraph apart, unless it is all there is
    return [w for w in out if len(w) > 1 or not w.isalpha()] or out


def entity_forms(stored: dict, facet: str, value: str) -> set[str]:
    """The spellings one article used for the entity ``value`` (persons: its alias lists and ``PER`` spans;
    countries: the text of its ``COUNTRY`` spans), whitespace normalised, the canonical name left out."""
    entities = stored.get("entities") or {}
    body = stored.get("body", "")
    forms: set[str] = set()
    kind = "PER" if facet == "person" else "COUNTRY"
    if facet == "person":
        forms.update(str(a) for a in (entities.get("aliases") or {}).get(value, ()) or ())
    for span in clean_entity_spans(entities.get("spans") or (), len(body)):
        if span.kind == kind and span.value == value:
            forms.add(body[span.start : span.end])
    forms = {" ".join(f.split()) for f in forms}
    return {f for f in forms if f and f != value}


def name_words(name: str) -> tuple[str, ...]:
    """A name's words, folded (case, umlauts, hyphens): ``Kim Jong-un`` -> ``("kim", "jong", "un")``."""
    return tuple(fold(name).replace("-", " ").replace(".", " ").split())


def facet_entry(facet: str, value: str, count: int, selected: bool, lang: str) -> dict:
    """One facet value as a response shows it (value, label in ``lang``, count, selected)."""
    return {"value": value, "label": label(facet, value, lang), "count": count, "selected": selected}


def matches_facet_prefix(value: str, lab: str, prefix: str) -> bool:
    """Prefix search within a facet's values: at the start of any word of the value or its label."""
    return any(w.startswith(prefix) for text in (value, lab) for w in text.lower().replace("-", " ").split())


def date_tree(entries: dict[str, dict]) -> list[dict]:
    """Years in chronological order, each with its months as ``children`` (the engine chose which years)."""
    months: dict[str, list[dict]] = {}
    for v, e in entries.items():
        if len(v) == 7:
            months.setdefault(v[:4], []).append(e)
    years = sorted((e for v, e in entries.items() if len(v) == 4), key=lambda e: e["value"])
    for year in years:
        year["children"] = sorted(months.get(year["value"], ()), key=lambda e: e["value"])
    return years


#: Copies listed with a hit that stands for a group of near-duplicates (a wire story can be on dozens of sites).
MAX_DUPLICATES_LISTED = 20


def duplicate_json(stored: dict) -> dict[str, Any]:
    """One near-duplicate copy listed with a hit ("auch bei"): enough to link to it and to name its site."""
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "url": article_path(stored["id"]),
        "source": stored.get("source"),
        "source_url": stored.get("url"),
        "date": stored.get("date"),
        "date_precision": stored.get("date_precision"),
        "date_estimated": bool(stored.get("date_estimated")),
    }


def sorted_duplicates(copies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies in a stable order on every engine: by site, then id."""
    return sorted(copies, key=lambda c: (c["source"] or "", c["id"]))


#: A content word a document matches only through a compound part (``Gerichtsverfahren`` by ``Verfahren``)
#: counts this share of the word's weight in the "some words" coordination (the compound-part field's weight),
#: and the word's weight comes from the documents that match it as typed: a rare compound with common parts
#: is rare ("Worum ging es in den Gerichtsverfahren?" ranked a paragraph with "ging" above the one with
#: "Gerichtsverfahren"). A word found nowhere as typed counts its part matches in full (they are the best
#: there is). XQuAD-de part 1 MRR@10 0.9685 -> 0.9693.
PART_MATCH_SHARE = 0.35


def coordination_weight(live: int, matching: int) -> float:
    """How much matching one content word counts in the "some words" coordination: its inverse document
    frequency, log(1 + live / matching). A question's rare words tell its paragraph apart from its siblings
    more than its common ones ("Wie viele Bälle fing Josh Norman ab?": "Norman" more than "Bälle"); plain
    counting of matched words gave MRR@10 0.964 on XQuAD-de part 1, weighting them 0.967 (the same for
    coordination 0.7-0.95)."""
    return math.log(1 + live / max(1, matching))
