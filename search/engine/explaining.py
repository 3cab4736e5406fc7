"""Why did this match (``explain=1``), the same on every engine: per hit of one page, which query words matched,
in which field and through which form.

Why engine-neutral: the rules that turn "these index terms are in this document" into an explanation (a stem
or the exact form, a compound part, a prefix's expansions, a phrase, a person's alias) are one idea, and the
two engines must explain alike. An engine supplies two things: per query part the ``(field, term)`` pairs its
compiled query looks up (:class:`Part`), and per hit a :class:`Probe` that says whether the hit holds a term
or a phrase. Whoosh probes its postings (:mod:`search.engine.whoosh.explain`); OpenSearch probes the hit's own
title and text analysed as they were indexed (:class:`TextProbe`: the same tokens, so the same answer, without
a request per term).

Fields are named as the Whoosh schema names them: ``title`` (stems of the title), ``body`` (stems of title and
text), ``exact`` (folded words), ``parts`` (compound-part stems), and the facet fields (``person``,
``country``, ``source``, ``mentioned``). Forms: ``exact``, ``stem``, ``compound_part``, ``expansion``
(``prefix*`` and ``word~``: the index words found in the document), ``phrase``, ``person_alias``, ``country``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from search.text.analysis import analyze, query_word, query_words, stem
from search.text.query import And, Not, Or, Phrase, Scoped, Word

_HYPHENS = re.compile(r"[-\u2010\u2011]")
#: the query parts a hit is explained by, as (kind, label, node); negated parts never match a hit
Item = tuple[str, str, object]
Terms = tuple[tuple[str, str], ...]


def items(node: object | None, loose: bool = False) -> list[Item]:
    """The query's positive words, phrases and scopes, in the order typed; ``loose`` (a "some words"
    result): a hyphenated word as its pieces, as that search ranked by them ("NTL-Dienste": NTL, Dienste)."""
    if node is None:
        return []
    if isinstance(node, Word) and loose and not (node.prefix or node.fuzzy):
        pieces = [p for p in _HYPHENS.split(node.text) if p]
        if len(pieces) > 1:
            return [("word", p, Word(p)) for p in pieces]
    if isinstance(node, Word):
        kind = "prefix" if node.prefix else "fuzzy" if node.fuzzy else "word"
        label = node.text + ("*" if node.prefix else f"~{node.fuzzy}" if node.fuzzy else "")
        return [(kind, label, node)]
    if isinstance(node, Phrase):
        return [("phrase", f'"{node.text}"', node)]
    if isinstance(node, Scoped):
        if node.field == "date":
            return []
        value = node.value
        text = (
            value.text
            if isinstance(value, Word | Phrase)
            else " ".join(w.text for w in value.children if isinstance(w, Word))
            if isinstance(value, And)
            else str(value)
        )
        return [(node.field, f"{node.field}:{text}", node)]
    if isinstance(node, And | Or):
        return [item for child in node.children for item in items(child, loose)]
    if isinstance(node, Not):
        return []
    return []


@dataclass(frozen=True)
class Part:
    """One query part and the ``(field, term)`` pairs its compiled query looks up (None: it compiled to
    nothing, e.g. a name that resolves to nobody)."""

    kind: str
    label: str
    node: object
    terms: Terms | None


class Probe(Protocol):
    """What one hit holds, asked by field and term."""

    def has(self, field: str, term: str) -> bool:
        """Whether the hit holds ``term`` in ``field``."""
        ...

    def phrase(self, field: str, words: tuple[str, ...]) -> bool:
        """Whether ``words`` occur at consecutive positions of ``field`` in the hit."""
        ...


def explain(parts: list[Part], probe: Probe) -> list[dict]:
    """One entry per query part: ``{"query", "kind", "matched", "form", "fields", "terms"}``."""
    return [_part(part, probe) for part in parts]


def _fields(probe: Probe, stems: list[str]) -> list[str]:
    return [f for f in ("title", "body") if stems and all(probe.has(f, s) for s in stems)]


def _part(part: Part, probe: Probe) -> dict:
    node, terms = part.node, part.terms
    out = {"query": part.label, "kind": part.kind, "matched": False, "form": None, "fields": [], "terms": []}
    if terms is None:
        return out
    if isinstance(node, Phrase):
        forms = [w for qw in query_words(node.text) for w in qw.exact]
        hit = (
            probe.phrase("exact", tuple(forms)) if len(forms) > 1 else any(probe.has(f, t) for f, t in terms)
        )
        if hit:
            out.update(matched=True, form="phrase", fields=_fields(probe, [stem(f) for f in forms]))
        return out
    if isinstance(node, Scoped):
        return _scoped(node, terms, probe, out)
    assert isinstance(node, Word)
    if node.prefix or node.fuzzy:
        found = sorted({t for f, t in terms if f == "exact" and probe.has(f, t)})
        if found:
            fields = sorted({f for t in found for f in _fields(probe, [stem(t)])}, reverse=True)
            out.update(matched=True, form="expansion", fields=fields or ["body"], terms=found)
        return out
    qw = query_word(node.text)
    if len(qw.exact) > 1:  # hyphenated: the pieces as a phrase, or the joined word
        if probe.phrase("exact", qw.exact):
            out.update(matched=True, form="exact", fields=_fields(probe, list(qw.stems)))
        elif qw.joined_stem and (fields := _fields(probe, [qw.joined_stem])):
            out.update(matched=True, form="stem", fields=fields, terms=[qw.joined_stem])
        return out
    fields = _fields(probe, [qw.stems[0]])
    if fields:
        form = "exact" if probe.has("exact", qw.exact[0]) else "stem"
        out.update(
            matched=True, form=form, fields=fields, terms=[qw.exact[0] if form == "exact" else qw.stems[0]]
        )
        return out
    parts = [t for f, t in terms if (f == "parts" or (f == "body" and t != qw.stems[0]))]
    found = [t for t in dict.fromkeys(parts) if probe.has("parts", t) or probe.has("body", t)]
    if found:
        out.update(matched=True, form="compound_part", fields=["body"], terms=found)
    return out


def _scoped(node: Scoped, terms: Terms, probe: Probe, out: dict) -> dict:
    found = sorted({t for f, t in terms if probe.has(f, t)})
    if node.field == "title" and isinstance(node.value, Word):
        qw = query_word(node.value.text)
        if found:
            form = "exact" if all(probe.has("exact", e) for e in qw.exact) else "stem"
            out.update(matched=True, form=form, fields=["title"], terms=found)
        return out
    if node.field == "title" and isinstance(node.value, Phrase):  # every word in the title
        found = found if len(found) == len({t for _, t in terms}) else []
    if found:
        form = {"person": "person_alias", "country": "country", "title": "phrase"}.get(node.field, "exact")
        out.update(matched=True, form=form, fields=[node.field], terms=found)
    return out


class TextProbe:
    """A hit's title and text analysed as the index analysed them, plus its facet values: the terms the hit
    holds in each field, without asking the engine."""

    def __init__(self, title: str, text: str, values: dict[str, Iterable[str]]) -> None:
        full = analyze(f"{title}\n\n{text}")
        self._terms: dict[str, set[str]] = {
            "title": {t for t, *_ in analyze(title)["stem"]},
            "body": {t for t, *_ in full["stem"]},
            "exact": {t for t, *_ in full["exact"]},
            "parts": {t for t, *_ in full["parts"]},
        }
        self._positions: dict[str, set[int]] = {}
        for term, pos, *_ in full["exact"]:
            self._positions.setdefault(term, set()).add(pos)
        for field, found in values.items():
            self._terms[field] = set(found)

    def words(self, field: str) -> set[str]:
        """Every term of ``field`` in the hit (a ``word~`` is matched against them)."""
        return self._terms.get(field, set())

    def has(self, field: str, term: str) -> bool:
        return term in self._terms.get(field, ())

    def phrase(self, field: str, words: tuple[str, ...]) -> bool:
        if field != "exact" or not words:
            return False
        starts = self._positions.get(words[0], set())
        return any(all(p + i in self._positions.get(w, ()) for i, w in enumerate(words)) for p in starts)
