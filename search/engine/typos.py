"""Typed words the index does not know: which close word replaces one ("Meinten Sie …?"), when the replacement
is confident enough to search for it at once (auto-correction), and how the articles themselves write a word.

Both engines ask the same questions here, each answering "how many articles hold this word, and which words of
the index are within n edits of it, in how many articles each" from its own index, so "Meinten Sie" and the
correction decide alike on Whoosh and OpenSearch.

A word gets a suggestion when it has at least ``MIN_LETTERS`` letters, no hyphen and no digit, and a word of
the index sharing its first letter is within ``max_edits`` (1 edit up to 6 letters, 2 for longer words) and in
more articles: for a word in no article, the most frequent such word; for a word the index knows, only a
word in at least ``RARE_FACTOR`` times as many articles (``Biontec`` in 1 article -> ``BioNTech`` in 5).

A correction is **confident** (the engines then search the corrected query when the typed one found nothing,
and say so: "Ergebnisse für Impfstoff – stattdessen suchen nach Implstoff") when

* the query is plain (no operators, phrases, field clauses, ``*`` or ``~``) and ``exact`` was not asked for;
* every replaced word is in no article at all (a known word, however rare, is only ever suggested);
* its replacement has the smallest edit distance of all candidates, is in at least ``MIN_DOCS`` articles and
  in at least ``LEAD`` times as many as any other candidate at that distance (a unique best candidate);
* the corrected query finds articles (the engines check that).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from search.text.analysis import fold, words
from search.text.highlight import term_pattern
from search.text.query import ParsedQuery

MIN_LETTERS = 4  # shorter words are never suggested nor corrected
MIN_DOCS = 2  # a confident replacement is in at least this many articles (not one article's own typo)
LEAD = 2  # ... and in at least this many times as many as the next candidate at its distance
RARE_FACTOR = 5  # a word the index knows is suggested away only for a word in at least 5 times its articles
SPELLING_TEXTS = 5  # articles read to learn how a word is written (the first ones holding it)


@dataclass(frozen=True)
class Candidate:
    """A word of the index close to a typed word: its folded form and in how many articles it is."""

    word: str
    docs: int


@dataclass(frozen=True)
class Respelling:
    """A query's words replaced: ``suggestion`` every replacement, ``correction`` only the confident ones
    (None: none, or the query may not be auto-corrected)."""

    suggestion: str
    correction: str | None


def max_edits(word: str) -> int:
    """Edits a typo may have: 1 for words of up to 6 letters, 2 for longer ones."""
    return 2 if len(word) > 6 else 1


def _eligible(word: str) -> bool:
    return len(word) >= MIN_LETTERS and "-" not in word and not any(c.isdigit() for c in word)


def choose(folded: str, own: int, candidates: Iterable[Candidate]) -> tuple[str | None, bool]:
    """The replacement of one folded word found in ``own`` articles, and whether it is confident."""
    close = {
        c.word: c.docs
        for c in candidates
        if c.word != folded and c.word[:1] == folded[:1] and (c.docs >= RARE_FACTOR * own if own else c.docs)
    }
    if not close:
        return None, False
    best = max(close, key=lambda w: (close[w], w))
    distance = {w: OSA.distance(folded, w) for w in close}
    nearest = min(distance.values())
    rivals = [d for w, d in close.items() if w != best and distance[w] == nearest]
    confident = (
        own == 0
        and distance[best] == nearest
        and close[best] >= MIN_DOCS
        and all(close[best] >= LEAD * d for d in rivals)
    )
    return best, confident


def respell(
    parsed: ParsedQuery,
    look_up: Callable[[str, int], tuple[int, list[Candidate]]],
    spell: Callable[[str], str],
    correct: bool,
) -> Respelling | None:
    """The query's words replaced by close, more frequent words of the index, in the articles' spelling.

    ``look_up(folded, edits)`` gives the articles holding a word and the index words within ``edits`` of it;
    ``spell(folded)`` how the articles write an index word; ``correct``: whether the query may be
    auto-corrected at all (it found nothing, and ``exact`` was not asked for). None: nothing to replace.
    """
    suggestion = correction = parsed.text
    changed = confident = False
    for typed in parsed.words:
        if not _eligible(typed):
            continue
        folded = fold(typed)
        own, candidates = look_up(folded, max_edits(folded))
        best, sure = choose(folded, own, candidates)
        if best is None:
            continue
        replacement = spell(best)
        suggestion = suggestion.replace(typed, replacement, 1)
        changed = True
        if sure:
            correction = correction.replace(typed, replacement, 1)
            confident = True
    if not changed:
        return None
    allowed = correct and parsed.plain and confident
    return Respelling(suggestion, correction if allowed else None)


_OPENERS = " \t\"„“«»'‚(["


def _sentence_start(body: str, start: int) -> bool:
    """Whether the word at ``start`` begins a sentence (or the text): a capital there says nothing."""
    before = body[max(0, start - 12) : start].rstrip(_OPENERS)
    return not before or before[-1] in ".!?…:\n"


def _around(text: str, m: re.Match) -> tuple[int, int]:
    """About 60 characters either side of a match, widened to whole words (a cut word is no spelling)."""
    start = text.rfind(" ", 0, max(0, m.start() - 60)) + 1
    end = text.find(" ", m.end() + 60)
    return start, len(text) if end < 0 else end


def spelling(texts: Iterable[str], folded: str) -> str | None:
    """How the articles write the folded index word ``folded`` (``biontech`` -> ``BioNTech``): its most frequent
    spelling, case and hyphens kept, in ``texts``; a capital at a sentence's start counts only when the word is
    seen nowhere else (``Treffen`` and ``treffen`` fold alike). Ties: the spelling seen first. None: not in them.

    Only the places a spelling can be are tokenised (a whole body costs ~20 ms).
    """
    inside: Counter[str] = Counter()
    starting: Counter[str] = Counter()
    pattern = re.compile(term_pattern(folded))
    joined = re.compile("[-\u2010\u2011]?".join(term_pattern(c) for c in folded))
    for body in texts:
        lower = body.lower()
        spans = [_around(lower, m) for m in pattern.finditer(lower)]
        if not spans:  # a joined word ("BioNTech-Impfung"): the letters with hyphens between them
            spans = [_around(lower, m) for m in joined.finditer(lower)]
        if len(lower) != len(body):  # lowercase changed the length (rare letters): the whole text
            spans = [(0, len(body))]
        seen: set[tuple[int, int]] = set()
        for s, e in spans:
            for w in words(body[s:e]):
                place = (s + w.start, s + w.end)
                if place in seen or fold(w.text) != folded:
                    continue
                seen.add(place)
                text = body[place[0] : place[1]]  # a joined word as written: "BioNTech-Impfung"
                capital = text[:1].isupper() and _sentence_start(body, place[0])
                (starting if capital else inside)[text] += 1
    counts = inside or starting
    if not counts:
        return None
    return max(counts, key=lambda w: counts[w])  # a Counter keeps the order seen: ties go to the first
