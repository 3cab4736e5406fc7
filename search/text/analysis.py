"""German text analysis shared by the indexer and the query side.

One tokenizer feeds three flavours of terms, one per index field:

* ``stem``  — lowercase, German stop words removed *without renumbering positions*, official Snowball
  German stemmer (PyStemmer, Snowball 3). Snowball itself folds ä/ae, ö/oe, ü/ue and ß/ss, so
  ``Pjöngjang``, ``Pjoengjang`` and ``Pjongjang`` share the stem ``pjongjang`` and the stemmer never sees a
  half-folded word.
* ``exact`` — lowercase, umlauts and ß folded (ä->a, ß->ss), not stemmed, stop words kept: exact phrases,
  the "exact match" ranking boost and spelling suggestions.
* ``parts`` — stems of the parts of compound nouns (``Atomprogramm`` -> ``atom``, ``programm``), at the
  position of the whole word, in a field of their own so that exact matches rank first.

Hyphenated words give their parts at consecutive positions *and* the joined word at the first position:
``Kim Jong-un`` -> kim, jong/jongun, un — so ``Kim Jong Un``, ``Kim Jong-un`` and ``Kim Jongun`` all match,
also as phrases. A truncated first conjunct takes the head of the next compound:
``Atomwaffen- und Raketenprogramm`` also yields ``Atomwaffenprogramm``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from search.core.settings import DATA_DIR
from search.text.compounds import compound_head, compound_parts, zipf

# A word: letters/digits, optionally joined by hyphens, optionally ending in a hyphen (truncation).
_WORD = re.compile(r"[^\W_]+(?:[-\u2010\u2011][^\W_]+)*(?:[-\u2010\u2011](?![^\W_]))?")
_HYPHEN = re.compile(r"[-\u2010\u2011]")
_CONJUNCTIONS = frozenset({"und", "oder", "sowie", "bzw", "beziehungsweise", "wie", "bis"})
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "à": "a", "á": "a", "é": "e", "è": "e"})

FLAVORS = ("stem", "exact", "parts")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """German stop words (Snowball list, ``data/stopwords_de.txt``)."""
    lines = (DATA_DIR / "stopwords_de.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


_local = threading.local()


def stem(word: str) -> str:
    """Official Snowball German stem of ``word`` (PyStemmer objects are not thread-safe: one per thread)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("german", 50_000)
    return stemmer.stemWord(word.lower())


def fold(word: str) -> str:
    """Lowercase with umlauts and ß folded: the spelling-independent exact form (``Straße`` -> ``strasse``)."""
    return word.lower().translate(_FOLD)


@dataclass(slots=True)
class Word:
    """A word at a token position.

    ``kind``: ``word``; ``part`` of a hyphenated word; ``joined`` (the hyphenated word without hyphens);
    ``expanded`` (a truncated conjunct completed: its span runs from the truncation to the compound).
    """

    text: str
    pos: int
    start: int
    end: int
    kind: str = "word"


def words(text: str) -> list[Word]:
    """Tokenise ``text`` into positioned words, expanding hyphenated and truncated forms.

    Cached for the last few texts: the indexer analyses the same text once per field flavour.
    """
    return _words(text)


_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})


@lru_cache(maxsize=8)
def _words(text: str) -> list[Word]:
    flat = text.translate(_HYPHENS)  # same length: offsets stay valid
    out: list[Word] = []
    append = out.append
    pos = 0
    truncated: list[tuple[int, Word]] = []  # (index in out, word) of "Atomwaffen-"
    for m in _WORD.finditer(flat):
        raw = m.group()
        start = m.start()
        if "-" not in raw:  # then ``raw`` is the text's own spelling (only hyphens were translated)
            append(Word(raw, pos, start, start + len(raw)))
            pos += 1
            continue
        trailing = raw.endswith("-")
        core = raw[:-1] if trailing else raw
        pieces = core.split("-")
        if len(pieces) == 1:
            append(Word(text[start : start + len(core)], pos, start, start + len(core)))
            if trailing:
                truncated.append((len(out) - 1, out[-1]))
        else:
            append(Word("".join(pieces), pos, start, start + len(core), "joined"))
            offset = start
            for i, piece in enumerate(pieces):
                append(Word(piece, pos + i, offset, offset + len(piece), "part"))
                offset += len(piece) + 1
        pos += len(pieces)
    if truncated:
        out.extend(_expand_truncations(text, out, truncated))
        out.sort(key=lambda w: (w.pos, w.start))
    return out


def _expand_truncations(text: str, out: list[Word], truncated: list[tuple[int, Word]]) -> Iterator[Word]:
    """``Atomwaffen- und Raketenprogramm``: give ``Atomwaffen`` the head of the compound after the conjunction."""
    for index, word in truncated:
        following = [w for w in out[index + 1 : index + 12] if w.kind != "part"]
        for j, nxt in enumerate(following[:4]):
            if nxt.text.lower() in _CONJUNCTIONS and j + 1 < len(following):
                target = following[j + 1]
                head = compound_head(text[target.start : target.end])
                if head:
                    yield Word(word.text + head, word.pos, word.start, target.end, "expanded")
                break


@dataclass(frozen=True, slots=True)
class WordTerms:
    """Every term one surface word contributes, per flavour (computed once per distinct word)."""

    stem: tuple[str, ...]  # empty for stop words; own stem, then the genitive base's stem
    exact: str
    parts: tuple[str, ...]  # stems of compound parts (capitalised words only)


@lru_cache(maxsize=400_000)
def word_terms(text: str) -> WordTerms:
    """The terms of one surface word; cached because news vocabulary repeats heavily."""
    lower = text.lower()
    stems: tuple[str, ...] = ()
    if lower not in stopwords():
        own = stem(lower)
        bare = genitive_base(text)
        extra = stem(bare) if bare else None
        stems = (own, extra) if extra and extra != own else (own,)
    parts = tuple(stem(p) for p in compound_parts(text)) if text[:1].isupper() else ()
    return WordTerms(stems, fold(lower), parts)


Token4 = tuple[str, int, int, int]


@lru_cache(maxsize=4)
def analyze(text: str) -> dict[str, list[Token4]]:
    """``(term, position, start_char, end_char)`` lists for every flavour, in one pass over ``text``.

    Cached for the last few texts: the indexer feeds the same text to several fields.
    """
    out: dict[str, list[Token4]] = {f: [] for f in FLAVORS}
    stem_out, exact_out, parts_out = out["stem"], out["exact"], out["parts"]
    for w in words(text):
        terms = word_terms(w.text)
        span = (w.pos, w.start, w.end)
        for t in terms.stem:
            stem_out.append((t, *span))
        exact_out.append((terms.exact, *span))
        if w.kind != "joined":  # joined hyphen forms are covered by their pieces
            for t in terms.parts:
                parts_out.append((t, *span))
    return out


def tokens(text: str, flavor: str) -> list[Token4]:
    """``(term, position, start_char, end_char)`` for one field flavour (see the module docstring)."""
    if flavor not in FLAVORS:
        raise ValueError(f"unknown flavour {flavor!r}")
    return analyze(text)[flavor]


def genitive_base(word: str) -> str | None:
    """``Nordkoreas`` -> ``Nordkorea``, ``Trumps`` -> ``Trump``: the name a genitive -s was added to.

    Snowball only strips -s after certain letters, so names in the genitive would not find their
    nominative. Only for capitalised words whose form without -s is the more frequent word
    (``Kurs`` is not the genitive of ``Kur``; unknown names count as such).
    """
    if len(word) < 4 or not word[0].isupper() or not word.endswith("s") or word.endswith(("ss", "ß")):
        return None
    bare = word[:-1]
    lower_bare, lower = bare.lower(), word.lower()
    if zipf(lower_bare) >= zipf(lower) and (zipf(lower_bare) or not zipf(lower)):
        return bare
    return None


class PreAnalyzed(str):
    """A field value whose tokens were computed already (in a worker process): the analyzer uses them."""

    tokens: dict[str, list[Token4]]


def pre_analyzed(text: str, flavors: tuple[str, ...] = FLAVORS) -> PreAnalyzed:
    """``text`` with its tokens for ``flavors`` attached (pickles with them)."""
    value = PreAnalyzed(text)
    result = analyze(text)
    value.tokens = {f: result[f] for f in flavors}
    return value


@dataclass(frozen=True)
class QueryWord:
    """How one word a user typed is looked up in each field."""

    text: str
    stop: bool
    stems: tuple[str, ...]  # one stem, or the stems of the pieces of a hyphenated word (a phrase)
    exact: tuple[str, ...]  # folded exact forms, likewise
    joined_stem: str | None  # stem of the hyphen-joined form (``US-Präsident`` -> ``usprasident``)
    joined_exact: str | None


def query_word(text: str) -> QueryWord:
    """Analyse one typed word for the query builder (same rules as indexing, no compound splitting)."""
    pieces = [p for p in _HYPHEN.split(text) if p]
    lower = text.lower()
    joined = "".join(pieces) if len(pieces) > 1 else None
    return QueryWord(
        text=text,
        stop=len(pieces) == 1 and lower in stopwords(),
        # a genitive is looked up by its name (``Warschaus`` -> ``warschau``): the index gives every genitive
        # the stem of its name too, but not every name the stem of its genitive
        stems=tuple(stem(genitive_base(p) or p) for p in pieces),
        exact=tuple(fold(p) for p in pieces),
        joined_stem=stem(joined) if joined else None,
        joined_exact=fold(joined) if joined else None,
    )


def query_words(text: str) -> list[QueryWord]:
    """All words of a free-text string, analysed for querying."""
    return [query_word(m.group().rstrip("-\u2010\u2011")) for m in _WORD.finditer(text)]
