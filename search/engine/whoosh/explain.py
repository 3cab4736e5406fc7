"""Why did this match: per hit of one page, which query words matched, in which field and through which form.

Only the page's hits are explained (never all matches). Each query word is compiled as the search compiles
it, and each of its terms is looked up in the generation's postings (cached by the :class:`Scorer`, and
already read by the search itself): a term matches a document when the document is in its postings. That is
exact and cheap: a binary search per term and hit.

Forms: ``exact`` (the unstemmed, folded word), ``stem``, ``compound_part``, ``expansion`` (``prefix*`` and
``word~``: the index words found in the document), ``phrase``, ``person_alias`` and ``country`` (for
``person:``/``land:``). Fields: ``title``, ``body`` (the whole article, title included), or the facet field.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from search.engine.whoosh.compiler import Compiler
from search.engine.whoosh.scoring import Scorer
from search.text.analysis import query_word, query_words, stem
from search.text.query import And, Not, Or, Phrase, Scoped, Word

#: the query parts a hit is explained by, as (kind, label, node); negated parts never match a hit
Item = tuple[str, str, object]


def items(node: object | None) -> list[Item]:
    """The query's positive words, phrases and scopes, in the order typed."""
    if node is None:
        return []
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
        return [item for child in node.children for item in items(child)]
    if isinstance(node, Not):
        return []
    return []


class Explainer:
    """Explains hits of one query against one generation (its compiler and scorer)."""

    def __init__(self, compiler: Compiler, scorer: Scorer, tree: object | None, loose: bool = False) -> None:
        self.scorer = scorer
        self._parts: list[tuple[str, str, object, wq.Query | None]] = []
        compiler.loose = loose  # "some words" results count compound parts of a word, as their search did
        try:
            for kind, label, node in items(tree):
                query = compiler.part(node, tree)
                if query is None and isinstance(node, Word):  # a stop word the search left out
                    continue
                self._parts.append((kind, label, node, query))
        finally:
            compiler.loose = False

    def _has(self, field: str, term: str, docnum: int) -> bool:
        ids = self.scorer.postings(field, term).ids
        i = int(np.searchsorted(ids, docnum))
        return i < len(ids) and int(ids[i]) == docnum

    def _phrase(self, field: str, words: tuple[str, ...], docnum: int) -> bool:
        ids = self.scorer.phrase_ids(field, words)
        return bool(np.any(ids == docnum))

    def _fields(self, stems: list[str], docnum: int) -> list[str]:
        return [f for f in ("title", "body") if stems and all(self._has(f, s, docnum) for s in stems)]

    def explain(self, docnum: int) -> list[dict]:
        """One entry per query part: ``{"query", "kind", "matched", "form", "fields", "terms"}``."""
        return [self._part(kind, label, node, query, docnum) for kind, label, node, query in self._parts]

    def _part(self, kind: str, label: str, node: object, query: wq.Query | None, docnum: int) -> dict:
        out = {"query": label, "kind": kind, "matched": False, "form": None, "fields": [], "terms": []}
        if query is None:
            return out
        if isinstance(node, Phrase):
            forms = [w for qw in query_words(node.text) for w in qw.exact]
            hit = self._phrase("exact", tuple(forms), docnum) if len(forms) > 1 else self._any(query, docnum)
            if hit:
                out.update(matched=True, form="phrase", fields=self._fields([stem(f) for f in forms], docnum))
            return out
        if isinstance(node, Scoped):
            return self._scoped(node, query, docnum, out)
        assert isinstance(node, Word)
        if node.prefix or node.fuzzy:
            found = sorted({t for f, t in _terms(query) if f == "exact" and self._has(f, t, docnum)})
            if found:
                fields = sorted({f for t in found for f in self._fields([stem(t)], docnum)}, reverse=True)
                out.update(matched=True, form="expansion", fields=fields or ["body"], terms=found)
            return out
        qw = query_word(node.text)
        if len(qw.exact) > 1:  # hyphenated: the pieces as a phrase, or the joined word
            if self._phrase("exact", qw.exact, docnum):
                out.update(matched=True, form="exact", fields=self._fields(list(qw.stems), docnum))
            elif qw.joined_stem and (fields := self._fields([qw.joined_stem], docnum)):
                out.update(matched=True, form="stem", fields=fields, terms=[qw.joined_stem])
            return out
        fields = self._fields([qw.stems[0]], docnum)
        if fields:
            form = "exact" if self._has("exact", qw.exact[0], docnum) else "stem"
            out.update(
                matched=True,
                form=form,
                fields=fields,
                terms=[qw.exact[0] if form == "exact" else qw.stems[0]],
            )
            return out
        parts = [t for f, t in _terms(query) if (f == "parts" or (f == "body" and t != qw.stems[0]))]
        found = [
            t for t in dict.fromkeys(parts) if self._has("parts", t, docnum) or self._has("body", t, docnum)
        ]
        if found:
            out.update(matched=True, form="compound_part", fields=["body"], terms=found)
        return out

    def _scoped(self, node: Scoped, query: wq.Query, docnum: int, out: dict) -> dict:
        found = sorted({t for f, t in _terms(query) if self._has(f, t, docnum)})
        if node.field == "title" and isinstance(node.value, Word):
            qw = query_word(node.value.text)
            if found:
                form = "exact" if all(self._has("exact", e, docnum) for e in qw.exact) else "stem"
                out.update(matched=True, form=form, fields=["title"], terms=found)
            return out
        wanted = _terms(query)
        if node.field == "title" and isinstance(node.value, Phrase):  # every word in the title
            found = found if len(found) == len({t for _, t in wanted}) else []
        if found:
            form = {"person": "person_alias", "country": "country", "title": "phrase"}.get(
                node.field, "exact"
            )
            out.update(matched=True, form=form, fields=[node.field], terms=found)
        return out

    def _any(self, query: wq.Query, docnum: int) -> bool:
        return any(self._has(f, t, docnum) for f, t in _terms(query))


def _terms(query: wq.Query) -> list[tuple[str, str]]:
    """The (field, text) terms of a compiled query, text decoded."""
    out = []
    for field, text in query.iter_all_terms():
        out.append((field, text.decode("utf-8") if isinstance(text, bytes) else text))
    return out
