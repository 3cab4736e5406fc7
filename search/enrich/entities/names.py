"""Person names as values: one key for all spellings of a person, one display spelling, the alias table.

Why: a facet needs *one value per person across the corpus*, but articles spell a person in many ways.
:func:`person_key` folds hyphens, spaces, case, diacritics, middle initials and a genitive -s, so "Kim
Jong-un", "Kim Jong Un" and "Kim Jong Uns" are one person. The display form is the alias table's canonical
name, else the most specific spelling seen (hyphenated before spaced, "Jae-in" before "Jae-In", then the
most frequent, then alphabetical): :func:`best_display` chooses it from the set of spellings, never from
which article came first, so the same corpus always gives the same values.

The alias table (``data/person_aliases.tsv``, plus an optional file of the user's) maps further spellings
to a canonical name; see that file's header for the format.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from search.core.settings import DATA_DIR
from search.enrich.entities.lexicon import NAME_CACHE, read_lines

ALIASES_TSV = DATA_DIR / "person_aliases.tsv"
FICTIONAL_TXT = DATA_DIR / "fictional_characters.txt"
FAMOUS_TXT = DATA_DIR / "famous_family_names_de.txt"
CLUBS_TXT = DATA_DIR / "sports_clubs_de.txt"
PARTIES_TXT = DATA_DIR / "parties_de.txt"

INITIAL = re.compile(r"^[A-ZÄÖÜ]\.$")  # a one-letter initial: "E."
_APOSTROPHES = "'’`´"
_KEY_APOSTROPHE = re.compile(r"[" + _APOSTROPHES + r"]s?$")
_KEY_SEPARATORS = re.compile(r"[\-\u2010\u2011_.]")
_CAPITAL_AFTER_HYPHEN = re.compile(r"-[A-ZÄÖÜ]")
_INITIALS_IN_TEXT = re.compile(r"\b[A-ZÄÖÜ]\.")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")
# German umlauts as their ASCII spelling, so "Füllmich" and "Fuellmich" are one key (other diacritics are
# dropped by fold: "Uğur Şahin" and "Ugur Sahin")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
GENITIVE_ENDINGS = ("’s", "'s", "’", "'", "s")  # as stripped by strip_genitive_s


# --------------------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """``text`` without diacritics, case-folded."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def person_key(name: str) -> str:
    """Normalisation key of a person's name: one key for all spellings the rules can merge.

    Hyphens, dots, spaces, case and diacritics are folded (umlauts as ae, oe, ue: "Füllmich" = "Fuellmich"),
    one-letter initials dropped, a possessive
    apostrophe and a genitive -s on the last word stripped: "Kim Jong-un", "Kim Jong Un", "Kim Jong Uns" ->
    ``kim jong un``; "Stephen E. Biegun" -> ``stephen biegun``; "Trumps" -> ``trump``. The key is for
    comparison only; display forms keep their spelling.
    """
    text = fold(name.strip().translate(_UMLAUTS))
    text = _KEY_APOSTROPHE.sub("", text)
    text = _KEY_SEPARATORS.sub(" ", text)
    tokens = [t for t in text.split() if t]
    longer = [t for t in tokens if len(t) > 1]
    tokens = longer or tokens
    if tokens and len(tokens[-1]) > 2 and tokens[-1].endswith("s") and not tokens[-1].endswith("ss"):
        tokens[-1] = tokens[-1][:-1]
    if len(tokens) > 2 and tokens[-1] in _GENERATION_WORDS:  # "Robert Kennedy junior" = "Robert Kennedy Jr."
        tokens[-1] = _GENERATION_WORDS[tokens[-1]]
    return " ".join(tokens)


_GENERATION_WORDS = {"junior": "jr", "senior": "sr"}


# The same surfaces are keyed again and again (every mention, every registry lookup): cache them.
person_key_cached = lru_cache(maxsize=NAME_CACHE)(person_key)


@lru_cache(maxsize=NAME_CACHE)
def key_tokens(key: str) -> tuple[str, ...]:
    """The words of a :func:`person_key` value."""
    return tuple(key.split())


# --------------------------------------------------------------------------------------------------------
# Spellings
# --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=NAME_CACHE)
def _display_shape(surface: str) -> tuple[bool, bool, int]:
    """The spelling part of :func:`_display_rank`; cached because it runs regexes."""
    hyphen = "-" in surface
    capital_after_hyphen = bool(_CAPITAL_AFTER_HYPHEN.search(surface))
    initials = len(_INITIALS_IN_TEXT.findall(surface))
    return (not hyphen, capital_after_hyphen, initials)


def _display_rank(surface: str, count: int) -> tuple:
    """Sort key: the preferred display spelling first (see module docstring)."""
    return (*_display_shape(surface), -count, surface)


#: How much more often than its base an -s form must be seen to be the name, not a genitive: "Bill Gates" in
#: every article is not the genitive of one article's typo "Bill Gate"; "Angela Merkels" is rarer than the base.
NAME_NOT_GENITIVE = 3


def best_display(variants: Counter) -> str:
    """The preferred spelling; a genitive ("Trumps") loses to its base form when both were seen, unless the -s
    form is far more common (:data:`NAME_NOT_GENITIVE`: "Bill Gates", not a stray "Bill Gate")."""
    pool = [
        s
        for s in variants
        if not (
            s.endswith("s")
            and s[:-1] in variants
            and variants[s] < NAME_NOT_GENITIVE * max(1, variants[s[:-1]])
        )
    ] or list(variants)
    return min(pool, key=lambda s: _display_rank(s, variants[s]))


@lru_cache(maxsize=NAME_CACHE)
def strip_genitive(surface: str) -> str:
    """Drop a possessive apostrophe ("Tsipras'", "Trump's"); a bare genitive -s is left to :func:`best_display`."""
    return _POSSESSIVE.sub("", surface.strip())


def strip_genitive_s(phrase: str) -> str:
    """ "Trumps"/"Trump's"/"Tsipras'" -> the name without the genitive ending (unchanged when there is none)."""
    for ending in GENITIVE_ENDINGS:
        if phrase.endswith(ending) and len(phrase) > len(ending) + 1:
            return phrase[: -len(ending)]
    return phrase


@lru_cache(maxsize=NAME_CACHE)
def word_tuple(surface: str) -> tuple[str, ...]:
    """The words of a spelling without one-letter initials."""
    return tuple(w for w in surface.split() if not INITIAL.match(w))


@lru_cache(maxsize=NAME_CACHE)
def is_full(surface: str) -> bool:
    """A full name: two words or more besides initials ("Donald Trump", not "Trump" nor "E. Trump")."""
    return len(word_tuple(surface)) >= 2


@lru_cache(maxsize=NAME_CACHE)
def spelling_words(spelling: str) -> tuple[str, ...]:
    """The name words of a spelling without possessive and initials ("Stephen E. Biegun's" -> Stephen, Biegun)."""
    return word_tuple(strip_genitive(spelling))


#: Generational suffixes: a name with one is another person than the name without ("Donald Trump Jr.").
GENERATIONS = frozenset({"jr", "sr", "ii", "iii", "iv", "junior", "senior"})


def family_end(words: tuple[str, ...]) -> tuple[str, ...]:
    """``words`` (of a spelling or a key) without a generational suffix: "Kennedy" is the family name of
    "Robert F. Kennedy Jr.", not "Jr."."""
    if len(words) > 2 and words[-1].rstrip(".").lower() in GENERATIONS:
        return words[:-1]
    return words


@lru_cache(maxsize=NAME_CACHE)
def name_ends(toks: tuple[str, ...]) -> dict[str, int]:
    """The words a name may be called by alone, ranked: its first and last word 1, the family name before a
    generational suffix 2 ("kennedy" of "robert kennedy jr": the son only when no other person is so called)."""
    out = {w: 2 for w in family_end(toks)[-1:] if len(toks) > 2 and family_end(toks) != toks}
    return out | {w: 1 for w in (toks[:1] + toks[-1:])}


@lru_cache(maxsize=NAME_CACHE)
def spelling_refs(spelling: str) -> frozenset[str]:
    """What may refer to the person of a spelling in other places: first word, last word, all words."""
    ws = spelling_words(spelling)
    if not ws:
        return frozenset()
    refs = {ws[0], family_end(ws)[-1]}
    if len(ws) >= 2:
        refs.add(" ".join(ws))
    return frozenset(refs)


# --------------------------------------------------------------------------------------------------------
# Alias table
# --------------------------------------------------------------------------------------------------------


def load_aliases(paths: Iterable[Path]) -> dict[str, str]:
    """Alias table: person_key(alias) -> canonical display name; later files win, ``-`` removes an alias."""
    return load_alias_table(paths)[0]


def load_alias_table(paths: Iterable[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """(person_key(alias) -> canonical, multi-word surface as written -> canonical) from the alias files."""
    table: dict[str, str] = {}
    surfaces: dict[str, str] = {}
    for path in paths:
        for line in read_lines(path):
            parts = [p.strip() for p in line.split("\t")]
            if len(parts) < 2 or not parts[0]:
                continue
            alias, canonical = parts[0], parts[1]
            if canonical == "-":
                table.pop(person_key(alias), None)
                surfaces.pop(alias, None)
                continue
            table[person_key(alias)] = canonical
            table.setdefault(person_key(canonical), canonical)
            for surface in (alias, canonical):
                if len(surface.split()) > 1:
                    surfaces[surface] = canonical
    return table, surfaces


@lru_cache(maxsize=1)
def _fictional_keys() -> frozenset[str]:
    return frozenset(person_key(line) for line in read_lines(FICTIONAL_TXT))


@lru_cache(maxsize=1)
def _clubs() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """Club keys, and the clubs' names as written by the first word of their key."""
    names = read_lines(CLUBS_TXT)
    by_first: dict[str, list[str]] = {}
    for name in names:
        by_first.setdefault(person_key(name).split()[0], []).append(name)
    return frozenset(person_key(n) for n in names), {k: tuple(v) for k, v in by_first.items()}


def club(key: str, text: str = "", end: int = 0) -> bool:
    """Is the person key a sports club's name (``sports_clubs_de.txt``: "Alba Berlin"), or its first words
    with the rest of the name right after the mention at ``end`` of ``text`` ("Carl Zeiss" + " Jena"), or a
    span that starts with a club of the article ("Alba Berlin das Kitaprojekt", "Alba Tabellenvierter" where
    the text writes "Alba Berlin")? A club is no person, however much its name looks like one."""
    keys, by_first = _clubs()
    names = by_first.get(key.split(" ")[0])
    if names is None:  # every club key starts with its first word: most mentions stop here
        return False
    rest = text[end : end + 40].split()[:2]
    if any(person_key(" ".join([key, *rest[:n]])) in keys for n in range(len(rest) + 1)):
        return True
    return any(name in text for name in names)


def fictional(key: str) -> bool:
    """Is the person key that of a fictional character or a placeholder for anyone ("Harry Potter", "Max
    Mustermann", ``fictional_characters.txt``)? Such a name is no real person, so never a person value."""
    return key in _fictional_keys()


@lru_cache(maxsize=1)
def famous_family_names() -> dict[str, frozenset[str]]:
    """``famous_family_names_de.txt``: family name -> the given names of the historical figures that bear it."""
    out: dict[str, set[str]] = {}
    for line in read_lines(FAMOUS_TXT):
        words = line.split()
        out.setdefault(words[-1], set()).add(words[0])
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _famous_keys() -> frozenset[str]:
    return frozenset(person_key(f"{g} {f}") for f, given in famous_family_names().items() for g in given)


def famous_figure(key: str) -> bool:
    """Is the two-word person key a historical figure's given and family name ("Martin Luther")? Such a
    name is that figure, never the short form of a longer name ("Martin Luther King")."""
    return key in _famous_keys()


@lru_cache(maxsize=1)
def parties() -> dict[str, str]:
    """Every way of writing a party (``parties_de.txt``) -> the party (lower case)."""
    out = {}
    for line in read_lines(PARTIES_TXT):
        name, _, forms = line.partition(":")
        for form in [name, *forms.split(",")]:
            if form.strip():
                out[form.strip()] = name.strip().lower()
    return out
