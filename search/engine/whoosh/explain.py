"""``explain=1`` on the Whoosh engine: the query parts compiled as the search compiled them, and a probe of the
generation's postings per hit (the rules are engine-neutral: :mod:`search.engine.explaining`).

Only the page's hits are explained (never all matches). A term matches a document when the document is in its
postings (cached by the :class:`Scorer`, and already read by the search itself): exact and cheap, a binary
search per term and hit.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from search.engine.explaining import Part, explain, items
from search.engine.whoosh.compiler import Compiler
from search.engine.whoosh.scoring import Scorer
from search.text.query import Word


class _Postings:
    """The probe of one document: its presence in the generation's postings."""

    def __init__(self, scorer: Scorer, docnum: int) -> None:
        self.scorer = scorer
        self.docnum = docnum

    def has(self, field: str, term: str) -> bool:
        ids = self.scorer.postings(field, term).ids
        i = int(np.searchsorted(ids, self.docnum))
        return i < len(ids) and int(ids[i]) == self.docnum

    def phrase(self, field: str, words: tuple[str, ...]) -> bool:
        return bool(np.any(self.scorer.phrase_ids(field, words) == self.docnum))


class Explainer:
    """Explains hits of one query against one generation (its compiler and scorer)."""

    def __init__(self, compiler: Compiler, scorer: Scorer, tree: object | None, loose: bool = False) -> None:
        self.scorer = scorer
        self._parts: list[Part] = []
        compiler.loose = loose  # "some words" results count compound parts of a word, as their search did
        try:
            for kind, label, node in items(tree, loose):
                query = compiler.part(node, tree)
                if query is None and isinstance(node, Word):  # a stop word the search left out
                    continue
                self._parts.append(Part(kind, label, node, _terms(query) if query is not None else None))
        finally:
            compiler.loose = False

    def explain(self, docnum: int) -> list[dict]:
        """One entry per query part (see :func:`search.engine.explaining.explain`)."""
        return explain(self._parts, _Postings(self.scorer, docnum))


def _terms(query: wq.Query) -> tuple[tuple[str, str], ...]:
    """The (field, text) terms of a compiled query, text decoded."""
    return tuple(
        (field, text.decode("utf-8") if isinstance(text, bytes) else text)
        for field, text in query.iter_all_terms()
    )
