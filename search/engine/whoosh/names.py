"""The persons of one Whoosh generation as :class:`search.engine.names.NameResolver` asks for them: article
counts from the person column, folded name words and the spellings articles used (``entities.aliases``).

Why cached per generation: a request resolves a handful of names, but each look-up would otherwise fold every
person name or read every stored article again; a generation never changes, so once is enough.
"""

from __future__ import annotations

import numpy as np

from search.core import limits
from search.engine.names import PHASE, NameResolver
from search.engine.shared import name_words
from search.engine.whoosh.columns import Columns
from search.engine.whoosh.store import Generation


class GenerationPersons:
    """:class:`search.engine.names.PersonLookup` over one generation's person column."""

    def __init__(self, gen: Generation, cols: Columns):
        self.gen = gen
        self.col = cols.columns["person"]

    def count(self, name: str) -> int:
        col = self.col
        counts = self.gen.cached("person-counts", lambda g: np.bincount(col.ords, minlength=len(col.values)))
        i = col.ordinal.get(name)
        return int(counts[i]) if i is not None else 0

    def person_words(self) -> list[tuple[str, tuple[str, ...]]]:
        # folded once per generation (not again for each name typed)
        return self.gen.cached("person-name-words", lambda g: [(n, name_words(n)) for n in self.col.values])

    def spelled(self, words: tuple[str, ...]) -> set[str]:
        return self.gen.cached("person-aliases", self._read_aliases).get(words, set())

    def _read_aliases(self, gen: Generation) -> dict[tuple[str, ...], set[str]]:
        # every spelling an article used for a person; read only when a name is not among the persons' own names
        out: dict[tuple[str, ...], set[str]] = {}
        searcher = gen.searcher()
        docs = sorted(set(self.col.docs.tolist()))
        for docnum in limits.checked(docs, PHASE, every=256):
            entities = searcher.stored_fields(docnum).get("entities") or {}
            for person, forms in (entities.get("aliases") or {}).items():
                for form in forms or ():
                    out.setdefault(name_words(str(form)), set()).add(person)
        return out


def name_resolver(gen: Generation, cols: Columns) -> NameResolver:
    """A resolver for one request on ``gen``."""
    return NameResolver(GenerationPersons(gen, cols))
