"""The spelling vocabulary finds exactly the words within the edit distance (real seed index): all that
Whoosh's ``terms_within`` finds, plus the few its early exit misses (``nordkoreanisceh`` is one transposition
from ``nordkoreanische``)."""

from __future__ import annotations

import random

from whoosh.support.levenshtein import damerau_levenshtein

from search.core.models import SearchRequest
from search.engine.whoosh.searcher import search, vocabulary
from search.engine.whoosh.spelling import Vocabulary
from search.engine.whoosh.store import IndexStore


def _mutations(word: str, rng: random.Random) -> list[str]:
    """The word itself, one typo of each kind, and two typos."""
    letters = "abcdefghijklmnopqrstuvwxyzäöüß"
    i = rng.randrange(1, len(word))
    out = [word, word[:i] + word[i + 1 :], word[:i] + rng.choice(letters) + word[i:]]
    out.append(word[:i] + rng.choice(letters) + word[i + 1 :])
    if i + 1 < len(word):
        out.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # transposition
    out.append(out[-1][:1] + out[-1][2:] + rng.choice(letters))
    return out


def test_within_equals_whoosh_terms_within(store: IndexStore) -> None:
    reader = store.current().searcher().reader()
    vocab = Vocabulary(reader)
    lexicon = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon("exact")]
    rng = random.Random(7)
    words = rng.sample([w for w in lexicon if len(w) >= 4], 60)
    checked = 0
    for word in words:
        for typo in _mutations(word, rng):
            for maxdist in (1, 2):
                whoosh = {
                    t.decode("utf-8") if isinstance(t, bytes) else t
                    for t in reader.terms_within("exact", typo, maxdist, prefix=1)
                }
                reference = {
                    w for w in lexicon if w[:1] == typo[:1] and damerau_levenshtein(w, typo) <= maxdist
                }
                found = set(vocab.within(typo, maxdist))
                assert found == reference and whoosh <= found, (typo, maxdist)
                checked += bool(found)
    assert checked > 300  # most typos do find words


def test_suggestion_and_fuzzy_search_use_the_vocabulary(store: IndexStore) -> None:
    resp = search(store, SearchRequest(q="Pjöngjnag"))
    assert resp.suggestion == "Pjöngjang"
    fuzzy = search(store, SearchRequest(q="Pjöngjnag~"))
    assert fuzzy.total > 0 and fuzzy.match == "all"
    assert vocabulary(store.current()) is vocabulary(store.current())  # read once per generation
