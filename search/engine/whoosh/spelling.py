"""Words of the index within a small edit distance: for ``word~`` and "Meinten Sie …?".

Whoosh's ``terms_within`` walks the lexicon and computes each distance in Python: on an archive of
100,000 articles (a vocabulary of about a million words) one unknown word cost 1-3 s. Here the
vocabulary of the ``exact`` field is read once per index generation (about 2 s for a million words,
on the first request that needs it) into lists by first letter, and the distances are computed by
rapidfuzz in C (optimal string alignment, the Damerau-Levenshtein variant Whoosh computes): a few milliseconds per word.
"""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh.reading import IndexReader

FIELD = "exact"


class Vocabulary:
    """The words of one field of one index generation, grouped by their first letter."""

    def __init__(self, reader: IndexReader, field: str = FIELD):
        buckets: dict[str, list[str]] = {}
        if field in reader.schema:
            for raw in reader.lexicon(field):
                term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                if term:
                    buckets.setdefault(term[0], []).append(term)
        self.buckets = buckets

    def within(self, word: str, maxdist: int) -> list[str]:
        """Words sharing the first letter of ``word`` and at most ``maxdist`` edits away (``word`` too)."""
        choices = self.buckets.get(word[:1])
        if not choices or maxdist < 0:
            return []
        found = process.extract_iter(word, choices, scorer=OSA.distance, score_cutoff=maxdist)
        return [term for term, _, _ in found]
