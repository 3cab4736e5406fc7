"""Finding a known person's name words in running text: "Trump", "Trumps", "Merkel-Regierung".

Why: once an article (or the batch) has named a person in full, later mentions use only a part of the
name — the last name, sometimes the first, with or without a genitive ending, as the head of a compound.
The registry (:mod:`search.enrich.entities.registry`) decides *which* words may refer to whom; this module
holds the text-level tests it uses: is a word a safe reference at all (capitalised, no function word,
country or title), where can a reference start, and does a text use a last name alone ("Trump sagte"), not
only inside the full name ("Donald Trump") nor as a common noun ("die App").

Speed: the regex and scan shortcuts here (:func:`_bare_pattern`, :func:`_word_before`) replace
straightforward but slow constructions; ``tests/test_entities_speed.py`` pins each to the plain version.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from search.enrich.entities.lexicon import (
    NAME_CACHE,
    WORD_CACHE,
    calendar_words,
    is_cue,
    noun_use,
    stop_words,
)
from search.enrich.entities.names import GENITIVE_ENDINGS
from search.enrich.entities.tokens import country_form

# A word token of running text, hyphenated compounds as one ("Trump-Administration").
WORD_TOKEN = re.compile(r"[^\W\d_][\w'’]*(?:[-\u2010\u2011][^\W_][\w'’]*)*")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w\-]*)\.?\s+$")


def reference_starts(references: Iterable[str]) -> frozenset[str]:
    """Every token a reference can start at: its first word, alone or with a genitive ending."""
    out = set()
    for ref in references:
        first = ref.split(" ")[0]
        out.add(first)
        out.update(first + ending for ending in GENITIVE_ENDINGS)
    return frozenset(out)


@lru_cache(maxsize=WORD_CACHE)
def good_reference(word: str) -> bool:
    """A name word safe to look for on its own: capitalised, not a function word, country or title."""
    if not word or not word[0].isupper() or len(word) < 2:
        return False
    if " " in word:
        return True
    low = word.lower()
    if low in stop_words() or low in calendar_words() or is_cue(word):
        return False
    return country_form(word) is None


@lru_cache(maxsize=NAME_CACHE)
def _bare_pattern(word: str) -> re.Pattern:
    r"""``word`` with an optional genitive ending, not inside another word or compound.

    Same matches as ``(?<![\w\-])word(?:s|'s|’s|'|’)?(?!\w)``; the look-behind comes after the literal
    (``word(?<![\w\-]word)``) so that the regex engine can jump to candidates instead of testing every
    position of the text.
    """
    w = re.escape(word)
    return re.compile(w + r"(?<![\w\-]" + w + r")(?:s|'s|’s|'|’)?(?![\w])")


def _word_before(text: str, pos: int) -> str | None:
    """The word before ``pos`` across whitespace and one dot ("Nikolas Pravda", "Jr. Trump"), or None.

    Same result as ``re.search(r"([^\\W\\d_][\\w\\-]*)\\.?\\s+$", text[:pos])``, but that search scans the
    whole prefix; here it runs on the few characters the match can start in.
    """
    i = pos
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == pos:
        return None
    if i > 0 and text[i - 1] == ".":
        i -= 1
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_-"):
        i -= 1
    m = _WORD_BEFORE.search(text, i, pos)
    return m.group(1) if m else None


def bare_uses(text: str, word: str, name_words: set[str]) -> bool:
    """Does ``text`` use ``word`` alone (not right after another word of the same name)?"""
    for m in _bare_pattern(word).finditer(text):
        before = _word_before(text, m.start())
        if (before is None or before not in name_words) and not noun_use(text, m.start()):
            return True
    return False
