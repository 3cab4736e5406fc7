"""The person keys of the registry: look-ups over them, and keys of their own for other middle initials.

Why a module of its own: :func:`person_key` folds middle initials away, so "Stephen E. Biegun" and "Stephen
Biegun" are one person. But where a batch spells one key with different middle initials ("George H. W.
Bush" beside "George W. Bush"), those are different persons (father and son): :func:`split_initials` keeps
the most frequent initials on the key and gives every other set of initials a key of its own
(:func:`initials_key`); the registry (:mod:`.registry`) then keys a full mention by :meth:`InitialSplits.key`.
A spelling without initials of such a key ("George Bush") names neither of them (:meth:`InitialSplits.ambiguous`).
:class:`KeyIndex` answers the registry's look-ups over all keys through indexes instead of a scan.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from search.enrich.entities.lexicon import glue_verbs, stop_words
from search.enrich.entities.names import (
    GENERATIONS,
    family_end,
    famous_figure,
    fold,
    key_tokens,
    person_key_cached,
    strip_genitive,
)

#: One-letter initials, also glued ("H.W.") or before a hyphenated one ("J.-P.").
_INITIALS = re.compile(r"^(?:[A-ZÄÖÜ]\.-?)+$")


def closest(ranks: dict[str, int]) -> list[str]:
    """The persons of the best (lowest) rank, sorted."""
    return sorted(p for p, r in ranks.items() if r == min(ranks.values()))


def middle_initials(spelling: str) -> tuple[str, ...]:
    """The one-letter initials between a spelling's first word and its family name: "George H. W. Bush" ->
    (H, W); "George Bush" -> ()."""
    words = family_end(tuple(strip_genitive(spelling).split()))
    out: list[str] = []
    for w in words[1:-1]:
        if _INITIALS.match(w):
            out.extend(c for c in w if c.isupper())
    return tuple(out)


def initials_key(key: str, initials: tuple[str, ...]) -> str:
    """The key of the person with these middle initials, beside the key's own ("george h w bush"). One-letter
    words mark it: :func:`person_key` never makes one, so no spelling folds to it by chance."""
    toks = key_tokens(key)
    return " ".join([toks[0], *(i.lower() for i in initials), *toks[1:]])


def is_initials_key(toks: tuple[str, ...]) -> bool:
    """A key of :func:`initials_key` (a one-letter second word)."""
    return len(toks) > 2 and len(toks[1]) == 1


#: How often, against the most frequent set of middle initials of a key, another set must be written for a
#: spelling without initials to be ambiguous (:meth:`InitialSplits.ambiguous`). Seen on 3,000 FANG-COVID
#: articles: "George H. W. Bush" in 1 or 2 articles beside "George W. Bush" in 8 to 11 (0.09-0.18); a typo
#: ("Lonnie C." beside "Lonnie G. Bunch") is one spelling, and beside a person written with initials in
#: hundreds of articles ("Donald J. Trump") far below this share, so it never makes "Donald Trump" nobody.
OTHER_INITIALS_SHARE = 0.05


def _prefix(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Does one set of initials start the other ("John P. Ioannidis", "John P. A. Ioannidis": one person)?"""
    return a[: len(b)] == b or b[: len(a)] == a


class InitialSplits:
    """(key, middle initials) -> the key of its own for spellings whose middle initials are not the key's."""

    def __init__(self) -> None:
        self.table: dict[tuple[str, tuple[str, ...]], str] = {}
        self.several: set[str] = set()  # keys spelled with two or more sets of middle initials

    def ambiguous(self, surface: str) -> bool:
        """Is this full spelling without middle initials the name of several persons of the run ("George
        Bush" where both George W. and George H. W. Bush are known)? Then it names neither: the father and
        the son are both called so, and the more frequent one is no better guess than the other."""
        return (
            bool(self.several) and person_key_cached(surface) in self.several and not middle_initials(surface)
        )

    def key(self, surface: str) -> str:
        """The registry key of a full spelling: its :func:`person_key`, or the key of its own initials."""
        key = person_key_cached(surface)
        if not self.table:
            return key
        return self.table.get((key, middle_initials(surface)), key)

    def split(self, raw: dict[str, Counter]) -> None:
        """Move the spellings of a key whose middle initials differ from the key's most frequent ones to a key
        of their own (in ``raw``, key -> spelling counts); spellings without middle initials stay."""
        for key, counts in list(raw.items()):
            if len(key_tokens(key)) < 2:
                continue
            by_initials: dict[tuple[str, ...], Counter] = {}
            for surface, n in counts.items():
                if initials := middle_initials(surface):
                    by_initials.setdefault(initials, Counter())[surface] += n
            if len(by_initials) < 2:
                continue
            main = min(by_initials, key=lambda i: (-sum(by_initials[i].values()), i))
            size = sum(by_initials[main].values())
            for initials, spellings in by_initials.items():
                if initials == main:
                    continue
                if sum(spellings.values()) >= OTHER_INITIALS_SHARE * size and not _prefix(initials, main):
                    self.several.add(key)
                own = initials_key(key, initials)
                self.table[(key, initials)] = own
                raw.setdefault(own, Counter()).update(spellings)
                for surface in spellings:
                    del counts[surface]


class KeyIndex:
    """Person keys with the two look-ups :func:`repair_key` needs, instead of a scan of all keys.

    ``fuller``: three-word keys by (first, last) word; ``longer``: keys by each proper prefix of two or more
    words. Keys are :func:`person_key` values, so equal word tuples mean equal keys. A key of other middle
    initials (:func:`initials_key`) is no fuller form of the name without them.
    """

    __slots__ = ("keys", "weights", "joined", "_ends", "_prefixes")

    def __init__(
        self, keys: Iterable[str], weights: dict[str, int] | None = None, joined: Iterable[str] = ()
    ) -> None:
        self.keys: set[str] = set(keys)
        self.weights = weights or {}  # key -> mentions seen (how established a spelling is)
        # keys whose middle word is half of a hyphenated name, no middle name (:func:`hyphen_made`)
        self.joined: frozenset[str] = frozenset(joined)
        self._ends: dict[tuple[str, str], list[str]] = {}
        self._prefixes: dict[tuple[str, ...], list[str]] = {}
        for k in self.keys:
            toks = key_tokens(k)
            if len(toks) == 3 and not is_initials_key(toks) and k not in self.joined:
                self._ends.setdefault((toks[0], toks[2]), []).append(k)
            for n in range(2, len(toks)):
                self._prefixes.setdefault(toks[:n], []).append(k)

    def fuller(self, toks: tuple[str, ...], extra: Iterable[str] = ()) -> set[str]:
        """Known three-word keys with the first and last word of the two-word ``toks``."""
        out = set(self._ends.get((toks[0], toks[-1]), ()))
        for k in extra:
            kt = key_tokens(k)
            if len(kt) == 3 and kt[0] == toks[0] and kt[-1] == toks[-1] and not is_initials_key(kt):
                out.add(k)
        return out

    def longer(self, toks: tuple[str, ...], extra: Iterable[str] = ()) -> set[str]:
        """Known keys that continue ``toks`` (two words or more) by one or more words."""
        if len(toks) < 2:
            return set()
        out = set(self._prefixes.get(toks, ()))
        n = len(toks)
        for k in extra:
            kt = key_tokens(k)
            if len(kt) > n and kt[:n] == toks:
                out.add(k)
        return out


def hyphen_made(spelling: str, key: str) -> bool:
    """Has ``key`` more words than ``spelling`` because a hyphen joined two of them ("Nils Busch-Petersen" ->
    "nils busch petersen", "Frank-Walter Steinmeier")? Then its middle word is no middle name."""
    return len(spelling.split()) < len(key_tokens(key))


def joined_keys(spellings: Mapping[str, Mapping[str, int]]) -> set[str]:
    """The keys (of ``spellings``: key -> spelling -> count) that every spelling writes hyphenated."""
    return {k for k, seen in spellings.items() if seen and all(hyphen_made(s, k) for s in seen)}


def without_middle_name(key: str) -> str | None:
    """The key of a three-word name without its middle name ("christian heinrich drosten" -> "christian
    drosten"; "robert francis kennedy jr" -> "robert kennedy jr", the generation kept); None when the middle
    word is an initial."""
    toks = key_tokens(key)
    generation = toks[-1:] if len(toks) == 4 and toks[-1] in GENERATIONS else ()
    name = toks[: len(toks) - len(generation)]
    if len(name) != 3 or len(name[1]) < 2 or name[-1] in GENERATIONS:
        return None
    return " ".join((name[0], name[-1], *generation))


def repair_key(
    key: str,
    index: KeyIndex,
    curated: set[str],
    extra: set[str] | frozenset[str] = frozenset(),
    spelling: str = "",
) -> str | None:
    """The known key a glued or truncated key stands for, the key itself, or None when ambiguous.

    Known keys are ``index`` plus the few ``extra`` ones of the article being resolved; ``curated`` are
    the keys of the alias table's persons; ``spelling``: how the key was written, when known (a hyphenated
    name has no middle name to leave out: :func:`hyphen_made`).
    """
    known = index.keys
    toks = key_tokens(key)
    # glued: "kim jong unwerden" -> "kim jong un" (a known name + a German verb or function word)
    last = toks[-1]
    glue = glue_verbs()
    for cut in range(2, len(last) - 3):
        tail = last[cut:]
        if tail in glue or (len(tail) >= 4 and tail in stop_words()):
            cand = " ".join([*toks[:-1], last[:cut]])
            if cand in known or cand in extra or (cut <= 3 and tail in glue and len(toks) >= 2):
                return cand
    # middle name left out: "peter embarek" -> "peter ben embarek" when exactly one known name fits and is
    # written at least as often (one article's "Christian Heinrich Drosten" took every "Christian
    # Drosten" of the run from the workers that knew it: two persons in the facet) ...
    weight = index.weights.get
    if len(toks) == 2:
        fuller = index.fuller(toks, extra)
        if len(fuller) == 1:
            full = next(iter(fuller))
            if full in curated or weight(full, 0) >= weight(key, 0):
                return full
    # ... else the other way round: "Donald John Trump" is the Donald Trump written more often (never
    # the alias table's name: "Recep Tayyip Erdoğan")
    joined = key in index.joined or (bool(spelling) and hyphen_made(spelling, key))
    short = None if joined else without_middle_name(key)
    if short is not None and short in known and weight(short, 0) > weight(key, 0) and key not in curated:
        return short
    prefixed = index.longer(toks, extra)
    if (key in known or key in extra) and not prefixed:
        return key
    # truncated: "moon jae" -> "moon jae in" when exactly one known name continues it by one word and the
    # cut-off name ends in a short syllable (East Asian given names)
    longer = [k for k in prefixed if len(key_tokens(k)) == len(toks) + 1]
    if len(toks[-1]) > 3:
        # the short form of one known longer name: "Tedros Adhanom" -> "Tedros Adhanom Ghebreyesus";
        # never a father into his son ("Donald Trump Jr.") nor a historical figure into a later bearer of
        # the name ("Martin Luther" is no "Martin Luther King")
        full = [k for k in longer if key_tokens(k)[-1] not in GENERATIONS]
        if len(toks) == 2 and len(full) == 1 and len(longer) == 1 and not famous_figure(key):
            # only into a name as established as the short one ("Donald Trump" is no short form of a
            # one-off "Donald Trump Briefwählerinnen")
            return full[0] if weight(full[0], 0) >= max(1, weight(key, 0)) else key
        return key
    if len(longer) == 1:
        return longer[0]
    if len(longer) > 1:
        return None
    return key


#: A person named in at least this many articles of a run, and in this many times as many as a spelling one
#: letter off, is what that spelling means ("Lothar Zieler" in 1 article beside Lothar Wieler in 39).
MISSPELT_MIN = 5
MISSPELT_RATIO = 3
#: Full spellings of a name in one article that make it the article's deliberate spelling, no typo: a slip is
#: seldom repeated in full (the review of seed 38: "Christian Seufert" 4 times was the DFL chief's "typo").
DELIBERATE = 3


def misspellings(
    counts: Mapping[str, int], keep: Iterable[str] = (), written: Mapping[str, int] | None = None
) -> dict[str, str]:
    """Persons of a run that are a misspelling of another: name -> the name it misspells.

    ``counts``: articles per person of the run. A name is a misspelling when it has as many words as a far
    more frequent name (:data:`MISSPELT_MIN`, :data:`MISSPELT_RATIO`) and differs from it in one word by one
    letter (words of four letters or more, compared without case and diacritics): "Emanuel Macron", "Christian
    Linder", "Melanie Trump", "Victor Orban" (typos of real articles). Not a feminine form ("Karla", "Daniela"
    beside "Karl", "Daniel": a letter added at the end), not a name of ``keep`` (the alias table's persons),
    not one that an article writes in full :data:`DELIBERATE` times or more (``written``: the most full
    spellings of the name in one article; "Christian Seufert", an internist, four times in full, is no slip
    for Christian Seifert), and not when two names fit equally."""
    from rapidfuzz.distance import Levenshtein

    groups: dict[tuple[int, tuple[str, ...]], list[str]] = {}
    folded = {name: tuple(fold(w) for w in name.split()) for name in counts}  # "Orbán" is "Orban"
    for name, words in folded.items():
        if len(words) >= 2:
            for i in range(len(words)):
                groups.setdefault((i, words[:i] + words[i + 1 :]), []).append(name)
    keep = set(keep)
    found: dict[str, set[str]] = {}
    for (i, _), names in groups.items():
        if len(names) < 2:
            continue
        for rare in names:
            if rare in keep or (written is not None and written.get(rare, 0) >= DELIBERATE):
                continue
            for often in names:
                if counts[often] < max(MISSPELT_MIN, MISSPELT_RATIO * counts[rare]):
                    continue
                a, b = folded[rare][i], folded[often][i]
                if min(len(a), len(b)) < 4 or Levenshtein.distance(a, b) != 1:
                    continue
                if a.startswith(b) or b.startswith(a):  # "Karla" / "Karl": a letter added at the end
                    continue
                if a[0] != b[0]:  # a slip keeps the first letter: "Klaus Meinhardt" is no Klaus Reinhardt
                    continue
                found.setdefault(rare, set()).add(often)
    return {rare: next(iter(often)) for rare, often in found.items() if len(often) == 1}
