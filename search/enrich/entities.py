"""Persons and countries in German news articles, normalised for facets and highlighting.

Why this layer exists on top of a NER model: a facet needs *one value per person and per country across the
corpus*, and a statistical model only gives spans. Here the spans become values:

* Countries come from the gazetteer in :mod:`search.countries` (an EntityRuler after the model, so its
  country forms override what the model says about them) plus compounds (``US-Präsident``), elliptic
  coordination (``Nord- und Südkorea``) and line-break hyphens (``Wa-shington``). A LOC the gazetteer does
  not know (``Florida``, ``Panmunjom``) is not a country and is ignored for the facet.
* Persons come from the model's PER spans (when a model is there), from titles and roles that introduce a
  name (``data/person_cues_de.txt``: "Regierungssprecherin Sarah Sanders", "Sprecherin des
  Außenministeriums, Hua Chunying"), from known given names followed by a capitalised word ("Andrew Kim",
  ``data/first_names.txt``) and from the alias table (``data/person_aliases.tsv``). A cue word is never part of
  a name.
* Person normalisation: :func:`person_key` folds hyphens, spaces, case, diacritics, middle initials and a
  genitive -s, so "Kim Jong-un", "Kim Jong Un" and "Kim Jong Uns" are one person. A bare name ("Trump",
  "Trumps", "Moon") is resolved to the one full name in the same article that starts or ends with it; when
  several do ("Kim" beside Kim Jong-un and Sung Kim) it stays unresolved and is left out of the facet. A
  truncated ("Moon Jae") or glued ("Kim Jong Unwerden" = "Kim Jong Un werden") name is repaired only when the
  repaired name is known (same article, alias table, or — in :meth:`EntityExtractor.extract_many` — another
  article of the batch).
* Display form: the alias table's canonical name, else the most specific spelling seen (hyphenated before
  spaced, "Jae-in" before "Jae-In", then the most frequent, then alphabetical). It is chosen from the set of
  spellings, never from which article came first, so the same corpus always gives the same values.

:meth:`EntityExtractor.extract_many` resolves across the whole batch: a name word alone that the model or a
title marks as a person takes the one known full name with that first or last word; a last name alone with no
such mark is looked for in other articles only when the alias table knows the person or at least two
articles of the batch use that last name alone for them ("Trump" yes; "Pravda" from a byline "Nikolas
Pravda" no). :meth:`EntityExtractor.extract` sees one text plus the alias table and what
:meth:`EntityExtractor.learn` was given. The indexer should extract a corpus with ``extract_many`` (and
``learn`` the stored entities before an incremental run).

Statistical model spans are filtered: a PER span that does not start with a known given name must not
contain common German words or end in a German compound ("Zankapfel Atomprogramm"), and a single-word
PER span is kept only when it resolves to a full name.

Speed (every article of the archive passes through here at index time): a Doc is read once into plain
lists (:class:`_TokenView`), since each spaCy Token access builds an object; properties of a word are
cached per distinct string; the registry finds known names through indexes (:class:`_KeyIndex`, words to
persons) instead of comparing every name with every other, which grew quadratically with the batch; and
the EntityRuler's token Matcher is replaced by a set look-up for its exact-token patterns
(:class:`_OrthMatcher`). ``tests/test_entities_speed.py`` pins each shortcut to the plain version it
stands for.
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.enrich import countries as _countries

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
BUNDLED_MODEL = Path(__file__).resolve().parents[1] / "models" / "de_news_ner"
ALIASES_TSV = DATA_DIR / "person_aliases.tsv"
CUES_TXT = DATA_DIR / "person_cues_de.txt"
FIRST_NAMES_TXT = DATA_DIR / "first_names.txt"
DETERMINERS_TXT = DATA_DIR / "determiners_de.txt"
ENV_MODEL = "SEARCH_SPACY_MODEL"
ENV_ALIASES = "SEARCH_PERSON_ALIASES"

MAX_NAME_TOKENS = 4
MIN_BARE_SUPPORT = 2  # articles that must use a last name alone before other articles may, too
MAX_GAP_TOKENS = 6  # "Sprecherin des Außenministeriums, Hua Chunying": tokens between cue and comma
_PARTICLES = frozenset(
    {
        "von",
        "van",
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "bin",
        "ibn",
        "al",
        "el",
        "zu",
        "ter",
        "ten",
        "le",
        "la",
        "dos",
        "das",
    }
)
_GAP_STARTERS = frozenset({"des", "der", "für", "von", "vom", "im", "in", "aus", "bei", "(", "of"})
_CONJUNCTIONS = frozenset({"und", "oder", "sowie", "bzw.", "beziehungsweise", "bis"})
# Time words that follow a name without an article ("nannte Trump Anfang Juni").
_TEMPORAL = frozenset(
    [
        "anfang",
        "ende",
        "mitte",
        "beginn",
        "heute",
        "gestern",
        "morgen",
        "vormittag",
        "nachmittag",
        "abend",
        "nacht",
        "woche",
        "wochen",
        "monat",
        "monate",
        "jahr",
        "jahre",
        "tag",
        "tage",
        "mal",
        "zeit",
    ]
)
_NOUN_SUFFIXES = (
    "ung",
    "heit",
    "keit",
    "schaft",
    "tion",
    "ität",
    "ismus",
    "nis",
    "tum",
    "ment",
    "enz",
    "anz",
    "ungen",
)
_ADJECTIVE_NOUN_SUFFIXES = ("ige", "igen", "iger", "liche", "lichen", "licher", "ische", "ischen", "ischer")
# Head words of organisations, places and works that a given name can precede ("Cornell University").
_NON_PERSON_HEADS = frozenset(
    [
        "university",
        "universität",
        "college",
        "school",
        "institut",
        "institute",
        "stiftung",
        "foundation",
        "gesellschaft",
        "verein",
        "bank",
        "group",
        "gruppe",
        "partei",
        "company",
        "inc",
        "ltd",
        "gmbh",
        "ag",
        "hospital",
        "klinik",
        "klinikum",
        "center",
        "centre",
        "zentrum",
        "hotel",
        "airport",
        "flughafen",
        "mountains",
        "mountain",
        "bay",
        "canyon",
        "river",
        "lake",
        "island",
        "street",
        "avenue",
        "platz",
        "straße",
        "park",
        "award",
        "awards",
        "preis",
        "globe",
        "matter",
        "times",
        "post",
        "news",
        "show",
        "festival",
        "stadion",
        "stadium",
        "arena",
        "club",
        "fc",
    ]
)
_NAME_CHARS = re.compile(r"^[^\W\d_][^\W\d_'’\-]*(?:[-'’][^\W\d_]+)*$")
_INITIAL = re.compile(r"^[A-ZÄÖÜ]\.$")
_APOSTROPHES = "'’`´"
# Finite verbs and function words that get glued to the last name in typos ("Kim Jong Unwerden").
_GLUE_VERBS = frozenset(
    [
        "werden",
        "wird",
        "wurde",
        "wurden",
        "haben",
        "hat",
        "hatte",
        "hatten",
        "sind",
        "ist",
        "war",
        "waren",
        "will",
        "wollen",
        "soll",
        "sollen",
        "kann",
        "können",
        "sagte",
        "sagten",
    ]
)


# --------------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------------


_HYPHEN_SPLIT = re.compile(r"[-\u2010\u2011]")
_KEY_APOSTROPHE = re.compile(r"[" + _APOSTROPHES + r"]s?$")
_KEY_SEPARATORS = re.compile(r"[\-\u2010\u2011_.]")
_CAPITAL_AFTER_HYPHEN = re.compile(r"-[A-ZÄÖÜ]")
_INITIALS_IN_TEXT = re.compile(r"\b[A-ZÄÖÜ]\.")
_POSSESSIVE = re.compile(r"(?<=\w)['’]s?$")
_WORD_BEFORE = re.compile(r"([^\W\d_][\w\-]*)\.?\s+$")
# Sizes of the per-string caches: the distinct words of a large archive, not of one article.
_WORD_CACHE = 1 << 16
_NAME_CACHE = 1 << 16


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def person_key(name: str) -> str:
    """Normalisation key of a person's name: one key for all spellings the rules can merge.

    Hyphens, dots, spaces, case and diacritics are folded, one-letter initials dropped, a possessive
    apostrophe and a genitive -s on the last word stripped: "Kim Jong-un", "Kim Jong Un", "Kim Jong Uns" ->
    ``kim jong un``; "Stephen E. Biegun" -> ``stephen biegun``; "Trumps" -> ``trump``. The key is for
    comparison only; display forms keep their spelling.
    """
    text = _fold(name.strip())
    text = _KEY_APOSTROPHE.sub("", text)
    text = _KEY_SEPARATORS.sub(" ", text)
    tokens = [t for t in text.split() if t]
    longer = [t for t in tokens if len(t) > 1]
    tokens = longer or tokens
    if tokens and len(tokens[-1]) > 2 and tokens[-1].endswith("s") and not tokens[-1].endswith("ss"):
        tokens[-1] = tokens[-1][:-1]
    return " ".join(tokens)


# The same surfaces are keyed again and again (every mention, every registry lookup): cache them.
_person_key = lru_cache(maxsize=_NAME_CACHE)(person_key)


@lru_cache(maxsize=_NAME_CACHE)
def _key_tokens(key: str) -> tuple[str, ...]:
    return tuple(key.split())


@lru_cache(maxsize=_NAME_CACHE)
def _display_shape(surface: str) -> tuple[bool, bool, int]:
    """The spelling part of :func:`_display_rank`; cached because it runs regexes."""
    hyphen = "-" in surface
    capital_after_hyphen = bool(_CAPITAL_AFTER_HYPHEN.search(surface))
    initials = len(_INITIALS_IN_TEXT.findall(surface))
    return (not hyphen, capital_after_hyphen, initials)


def _display_rank(surface: str, count: int) -> tuple:
    """Sort key: the preferred display spelling first (see module docstring)."""
    return (*_display_shape(surface), -count, surface)


def _best_display(variants: Counter) -> str:
    """The preferred spelling; a genitive ("Trumps") loses to its base form when both were seen."""
    pool = [s for s in variants if not (s.endswith("s") and s[:-1] in variants)] or list(variants)
    return min(pool, key=lambda s: _display_rank(s, variants[s]))


# --------------------------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]


@dataclass(frozen=True)
class _Cues:
    exact: frozenset[str]
    suffixes: frozenset[str]
    suffix_lengths: tuple[int, ...]  # distinct lengths of ``suffixes``: a suffix test is one set lookup each


def _cue_forms(base: str) -> set[str]:
    """Inflected and feminine forms of a title (``Sprecher`` -> Sprechers, Sprecherin, Sprecherinnen, ...)."""
    b = base.lower()
    out = {b, b + "s", b + "n", b + "en", b + "in", b + "innen", b + "es"}
    if b.endswith("e"):  # nominalised adjectives and weak nouns: Gesandte(r/n), Kollege(n)
        out |= {b + "r", b + "m", b[:-1] + "in", b[:-1] + "innen"}
    return out


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    exact: set[str] = set()
    suffixes: set[str] = set()
    for line in _lines(CUES_TXT):
        whole_only = line.startswith("=")
        forms = _cue_forms(line.lstrip("="))
        exact |= forms
        if not whole_only and len(line) >= 4:
            suffixes |= forms
    lengths = tuple(sorted({len(s) for s in suffixes}))
    return _Cues(frozenset(exact), frozenset(suffixes), lengths)


@lru_cache(maxsize=_WORD_CACHE)
def is_cue(word: str) -> bool:
    """True for a title or role word (also inside compounds: ``US-Außenminister``, ``Atomunterhändlers``)."""
    w = word.lower().strip(".,;:")
    if not w:
        return False
    cues = _cues()
    if w in cues.exact:
        return True
    last = _HYPHEN_SPLIT.split(w)[-1]
    if last in cues.exact:
        return True
    # a cue ending after at least three letters of its own ("Atomunterhändlers")
    room = len(w) - 3
    suffixes = cues.suffixes
    return any(n <= room and w[-n:] in suffixes for n in cues.suffix_lengths)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(_lines(FIRST_NAMES_TXT))


@lru_cache(maxsize=1)
def _determiners() -> frozenset[str]:
    return frozenset(_lines(DETERMINERS_TXT))


def _noun_use(text: str, pos: int) -> bool:
    """Is the word at ``pos`` used as a common noun: right after a determiner ("die App", "im Winter") or a
    number ("100 Euro", "2 Tests")? A person's bare name hardly ever is, in German news. Not after a
    relative pronoun ("die Pläne, die Spahn vorlegte") nor after a year ("als 2005 Merkel ...")."""
    i = pos
    while i > 0 and text[i - 1].isspace():
        i -= 1
    if i == pos or i == 0:
        return False
    j = i
    if text[i - 1].isdigit() or text[i - 1] in "%€$":
        while j > 0 and (text[j - 1].isdigit() or text[j - 1] in ".,"):
            j -= 1
        number = text[j:i]
        return not (len(number) == 4 and number.isdigit() and number[:2] in ("19", "20"))
    while j > 0 and text[j - 1].isalpha():
        j -= 1
    if j == i or text[j:i].lower() not in _determiners():
        return False
    k = j
    while k > 0 and text[k - 1].isspace():
        k -= 1
    return not (k > 0 and text[k - 1] == ",")  # ", die Spahn ...": a relative pronoun


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    from babel import Locale

    loc = Locale("de")
    words = set()
    for ctx in ("format", "stand-alone"):
        words |= {m.lower() for m in loc.months[ctx]["wide"].values()}
        words |= {d.lower() for d in loc.days[ctx]["wide"].values()}
    return frozenset(words | {"jänner", "märz"})


@lru_cache(maxsize=_WORD_CACHE)
def _german_common_word(word: str) -> bool:
    """A capitalised word that is far more likely a German noun than a name (ends a name sequence)."""
    low = _HYPHEN_SPLIT.split(word.lower())[-1]
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a project dependency
        return False
    de = zipf_frequency(low, "de")
    if low.endswith(_NOUN_SUFFIXES) and (len(low) >= 9 or de >= 3.0):
        return True  # Verhandlung, Entscheidung; not the name syllable "myung" nor the surname "Hartung"
    if low.endswith(_ADJECTIVE_NOUN_SUFFIXES) and len(low) >= 8:
        return True  # nominalised adjectives: Minderjährige, Verantwortliche, Angehörigen
    return de >= 4.3 and de - zipf_frequency(low, "en") >= 2.0


def load_aliases(paths: Iterable[Path]) -> dict[str, str]:
    """Alias table: person_key(alias) -> canonical display name; later files win, ``-`` removes an alias."""
    return _load_alias_table(paths)[0]


@lru_cache(maxsize=_NAME_CACHE)
def _german_compound(word: str) -> bool:
    """``Atomprogramm`` = atom + programm: two frequent German words; surnames rarely split so cleanly."""
    low = word.lower()
    if len(low) < 9 or "-" in low:
        return False
    from wordfreq import zipf_frequency

    for cut in range(4, len(low) - 3):
        head, tail = low[:cut], low[cut:]
        for h in (head, head[:-1] if head.endswith("s") else head):
            if zipf_frequency(h, "de") >= 3.5 and zipf_frequency(tail, "de") >= 3.5:
                return True
    return False


def _load_alias_table(paths: Iterable[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """(person_key(alias) -> canonical, multi-word surface as written -> canonical) from the alias files."""
    table: dict[str, str] = {}
    surfaces: dict[str, str] = {}
    for path in paths:
        for line in _lines(path):
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


# --------------------------------------------------------------------------------------------------------
# Per-word properties (cached per distinct string: an archive repeats its vocabulary endlessly)
# --------------------------------------------------------------------------------------------------------

# What a word can be in a person's name, independent of its position in the text (see _TokenView.namey).
_NEVER = 0  # never part of a name
_INITIAL_WORD = 1  # "E.": a name word, but not the first
_NAME_WORD = 2  # a name word, subject to the context checks

# Flags of a token for the scans over a Doc.
_F_CUE = 1  # capitalised title or role word ("Präsident")
_F_FIRST = 2  # known given name
_F_HYPHEN = 4  # contains a hyphen: a compound that may name a country ("US-Präsident", "Nord-")


@lru_cache(maxsize=_WORD_CACHE)
def _name_class(t: str) -> tuple[int, bool, bool]:
    """(kind, is a capital/city form, is a stop word): the context-free part of ``_TokenView.namey``."""
    if not t or not t[0].isupper():
        return (_NEVER, False, False)
    if _INITIAL.match(t):
        return (_INITIAL_WORD, False, False)
    if not _NAME_CHARS.match(t) or (t.isupper() and len(t) > 1):
        return (_NEVER, False, False)
    low = t.lower()
    if is_cue(t) or low in _calendar_words() or low in _TEMPORAL:
        return (_NEVER, False, False)
    gaz = _countries.gazetteer()
    form = gaz.form(t)
    if form is not None and form.kind not in (_countries.CAPITAL, _countries.CITY):
        return (_NEVER, False, False)
    if form is None and gaz.parts(t):
        return (_NEVER, False, False)
    return (_NAME_WORD, form is not None, low in _stop_words())


@lru_cache(maxsize=_WORD_CACHE)
def _token_flags(t: str) -> int:
    """Which of the per-token scans (cue, given name, compound) token text ``t`` can start."""
    flags = 0
    if t[:1].isupper() and is_cue(t):  # German nouns are capitalised: "oppositioneller" is no role
        flags |= _F_CUE
    if t in _first_names():
        flags |= _F_FIRST
    if "-" in t or "\u2010" in t or "\u2011" in t:
        flags |= _F_HYPHEN
    return flags


@lru_cache(maxsize=_WORD_CACHE)
def _is_initial(t: str) -> bool:
    return _INITIAL.match(t) is not None


@lru_cache(maxsize=_WORD_CACHE)
def _initial_or_particle(t: str) -> bool:
    """A name word that cannot stand alone or end a name: "E.", "von", "bin"."""
    return _INITIAL.match(t) is not None or t.lower() in _PARTICLES


@lru_cache(maxsize=_WORD_CACHE)
def _country_form(surface: str) -> _countries.Form | None:
    """:meth:`Gazetteer.form` of the process-wide gazetteer, cached (it normalises and strips each time)."""
    return _countries.gazetteer().form(surface)


@lru_cache(maxsize=_WORD_CACHE)
def _country_parts(token: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(_countries.gazetteer().parts(token))


# --------------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleEntities:
    """Entities of one article, ready for facets (``persons``, ``countries``) and highlighting (``spans``)."""

    persons: dict[str, int]  # canonical display name -> number of mentions in this article
    person_aliases: dict[str, list[str]]  # canonical -> distinct surface forms seen in this article
    countries: dict[str, int]  # ISO 3166-1 alpha-2 -> number of mentions
    spans: list[tuple[int, int, str, str]]  # (start_char, end_char, "PER"|"COUNTRY", canonical value)


@dataclass
class _Mention:
    start: int
    end: int
    surface: str
    source: str  # model | cue | first | alias | text
    canonical: str | None = None  # set by an alias-table pattern

    @property
    def key(self) -> str:
        return _person_key(self.surface)


@dataclass
class _Draft:
    """What one article yields before corpus-level resolution."""

    text: str
    mentions: list[_Mention] = field(default_factory=list)
    countries: list[tuple[int, int, str]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------
# spaCy pipeline
# --------------------------------------------------------------------------------------------------------

_STASH = "search_stash_model_ents"


def _register_components() -> None:
    from spacy.language import Language

    if _STASH in Language.factories:
        return

    @Language.component(_STASH)
    def stash_model_ents(doc):  # noqa: ANN001 - spaCy component signature
        """Keep the model's own entities before the rules overwrite them (to tell "George Washington")."""
        doc.spans["model_ents"] = list(doc.ents)
        return doc


@contextlib.contextmanager
def _fast_ops() -> Iterator[None]:
    """Models loaded inside multiply matrices with numpy's OpenBLAS instead of thinc's default BLIS.

    Measured here (AMD EPYC, one thread): OpenBLAS runs the tok2vec's matrix products 2.9x faster than BLIS
    (58 vs 20 GFLOP/s), which makes the whole pipeline 1.7x faster on news articles, with the same entities
    (300 FANG-COVID articles, 15,780 entities, none different). The parser's small per-step products stay on
    BLIS (thinc calls it directly).
    """
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):
        yield


def load_pipeline(model: str | None = None, alias_surfaces: dict[str, str] | None = None):  # noqa: ANN201
    """The spaCy pipeline: statistical model (if any) + sentence splitter + country/person EntityRuler.

    Model choice: ``model`` (an installed pipeline name or a path), else env ``SEARCH_SPACY_MODEL``, else the
    bundled ``search/models/de_news_ner`` when present, else ``spacy.blank("de")`` (rules only). Never
    downloads anything.
    """
    import spacy

    _register_components()
    name = (model or os.environ.get(ENV_MODEL, "")).strip()
    unused = ["parser", "lemmatizer", "morphologizer", "tagger", "attribute_ruler", "trainable_lemmatizer"]
    with _fast_ops():
        if name:
            nlp = spacy.load(name, exclude=unused)
        elif (BUNDLED_MODEL / "meta.json").exists():
            nlp = spacy.load(BUNDLED_MODEL, exclude=unused)
        else:
            nlp = spacy.blank("de")
    if not any(p in nlp.pipe_names for p in ("senter", "sentencizer", "parser")):
        nlp.add_pipe("sentencizer", first=True)
    if "ner" in nlp.pipe_names:
        nlp.add_pipe(_STASH, after="ner")
        ruler = nlp.add_pipe(
            "entity_ruler",
            name="search_rules",
            after=_STASH,
            config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"},
        )
    else:
        ruler = nlp.add_pipe("entity_ruler", name="search_rules", config={"phrase_matcher_attr": "LOWER"})
    patterns = _countries.entity_ruler_patterns()
    for surface, canonical in sorted((alias_surfaces or {}).items()):
        patterns.append({"label": "PER", "pattern": surface, "id": canonical})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)
    ruler.matcher = _OrthMatcher(ruler.matcher)
    return nlp


class _OrthMatcher:
    """Stands in for the EntityRuler's token Matcher; same ``(match_id, start, end)`` list, far cheaper.

    Why: spaCy's Matcher builds a Token object per token and steps every pattern over every token, so the 13
    abbreviation patterns (``US``, ``DVRK``: one exact ORTH token each) cost more than the PhraseMatcher with
    all other country forms. When every pattern is such a single ORTH token (one key per token text, no
    callback, no greedy filter), a set look-up per token gives the matches, in the Matcher's order (by
    token). Anything else, and every other method, goes to the wrapped Matcher.
    """

    def __init__(self, matcher) -> None:  # noqa: ANN001 - spacy.matcher.Matcher
        self._matcher = matcher
        self._table: dict[int, int] | None = None  # ORTH hash -> match key; None: not built yet
        self._exact = False  # whether the table stands for all patterns

    def __getattr__(self, name: str):  # noqa: ANN204 - get, vocab, _normalize_key, ... of the Matcher
        return getattr(self._matcher, name)

    def __len__(self) -> int:
        return len(self._matcher)

    def __contains__(self, key: object) -> bool:
        return key in self._matcher

    def add(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - Matcher.add
        self._table = None
        self._matcher.add(*args, **kwargs)

    def remove(self, key: object) -> None:
        self._table = None
        self._matcher.remove(key)

    def _build(self) -> dict[int, int]:
        m = self._matcher
        table: dict[int, int] = {}
        self._exact = False
        for key, patterns in m._patterns.items():
            if m._callbacks.get(key) is not None or m._filter.get(key) is not None:
                return table
            for pattern in patterns:
                if (
                    len(pattern) != 1
                    or list(pattern[0]) != ["ORTH"]
                    or not isinstance(pattern[0]["ORTH"], str)
                ):
                    return table
                orth = m.vocab.strings.add(pattern[0]["ORTH"])
                if table.setdefault(orth, key) != key:
                    return table  # one token, two keys: the order of their matches is the Matcher's business
        self._exact = bool(table)
        return table

    def __call__(self, doclike, **kwargs) -> list:  # noqa: ANN001, ANN003 - Matcher.__call__
        from spacy.attrs import ORTH
        from spacy.tokens import Doc

        if self._table is None:
            self._table = self._build()
        if kwargs or not self._exact or not isinstance(doclike, Doc):
            return self._matcher(doclike, **kwargs)
        table = self._table
        return [(table[o], i, i + 1) for i, o in enumerate(doclike.to_array(ORTH).tolist()) if o in table]


# --------------------------------------------------------------------------------------------------------
# One Doc as plain lists
# --------------------------------------------------------------------------------------------------------


class _TokenView:
    """The token attributes the rules read, copied out of a Doc in one pass.

    Why: every ``doc[i]`` or ``for tok in doc`` builds a new Token object, and the rules look at each token
    several times; plain lists of strings and ints are an order of magnitude cheaper.
    """

    __slots__ = ("text", "texts", "idx", "space", "sent", "n")

    def __init__(self, doc, text: str | None = None) -> None:  # noqa: ANN001 - spacy.tokens.Doc
        """``text``: the string the Doc was made from, if at hand (``doc.text`` joins every token anew)."""
        from spacy.attrs import IDX, ORTH, SENT_START, SPACY

        if len(doc):
            orth, idx, space, sent = doc.to_array([ORTH, IDX, SPACY, SENT_START]).T.tolist()
        else:
            orth, idx, space, sent = [], [], [], []
        strings = doc.vocab.strings
        self.texts: list[str] = [strings[h] for h in orth]
        # the tokenizer never changes the text; the length check guards against a Doc from elsewhere
        end = idx[-1] + len(self.texts[-1]) + space[-1] if orth else 0
        self.text: str = text if isinstance(text, str) and len(text) == end else doc.text
        self.idx: list[int] = idx
        self.space: list[int] = space  # 1 when whitespace follows the token
        self.sent: list[int] = sent  # 1 = sentence start (Token.is_sent_start is True)
        self.n = len(self.texts)

    def char_span(self, i: int, j: int) -> tuple[int, int, str]:
        """(start_char, end_char, text) of tokens [i, j), as ``doc[i:j]`` would give them."""
        start = self.idx[i]
        end = self.idx[j - 1] + len(self.texts[j - 1])
        return start, end, self.text[start:end]

    def namey(self, i: int, later: bool, after_given_name: bool = False) -> bool:
        """Can token ``i`` be a word of a person's name (the first when not ``later``)?

        A city name counts as a surname right after a given name ("George Washington"), nowhere else.
        """
        t = self.texts[i]
        kind, city, stop = _name_class(t)
        if kind == _NEVER:
            return False
        if kind == _INITIAL_WORD:
            return later
        if not later and len(t) <= 4 and i + 1 < self.n and self.texts[i + 1] == "." and not self.space[i]:
            return False  # an abbreviated title: "Col. Matthew Hepburn", "Gen. Smith"
        if city and not after_given_name:
            return False
        if stop:
            # capitalised function word in mid-sentence: a syllable of an East Asian name ("Moon Jae In")
            return later and len(t) <= 3 and self.sent[i] != 1
        return not later or t in _first_names() or not _german_common_word(t)

    def sequence(self, i: int, min_tokens: int = 1) -> tuple[int, int] | None:
        """Token range [i, j) of a person's name starting at token i, or None."""
        texts, n_tok = self.texts, self.n
        first = _first_names()
        j = i
        n = 0
        while j < n_tok and n < MAX_NAME_TOKENS:
            t = texts[j]
            if n >= 2 and t in first and j + 1 < n_tok and self.namey(j + 1, True):
                break  # "Staatschef Recep Tayyip Erdogan Wladimir Putin": a second person starts
            if self.namey(j, n > 0, n == 1 and texts[j - 1] in first):
                n += 1
                j += 1
                # a genitive ends the name: "Donalds Mut", "Angela Merkels Politik"
                if _genitive_like(t, n - 1) and j < n_tok and texts[j][:1].isupper():
                    break
                continue
            # "Otto von Bismarck", "Ludwig van Beethoven": a particle and one last name word, nothing more
            if (
                n > 0
                and t.lower() in _PARTICLES
                and j + 1 < n_tok
                and self.namey(j + 1, True)
                and not (j + 2 < n_tok and self.namey(j + 2, True))
            ):
                j += 1
                continue
            break
        while j > i and _initial_or_particle(texts[j - 1]):
            j -= 1
        real = [t for t in texts[i:j] if not _initial_or_particle(t)]
        if len(real) < min_tokens or not real:
            return None
        if any(_non_person_head(t) for t in real):
            return None  # "Cornell University", "Robert Koch-Institut", "Rocky Mountains"
        if len(real) == 1 and _german_common_word(real[0]):
            return None  # "der Präsident Frieden ..." is no name
        return i, j


# --------------------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------------------

_CLAUSE_ENDS = frozenset({".", ";", ":", "!", "?", "»", "«", "„", "“", '"'})


class EntityExtractor:
    """Loads the pipeline once per process and turns texts into :class:`ArticleEntities`."""

    def __init__(
        self, model: str | None = None, aliases_path: Path | None = None, use_bundled_aliases: bool = True
    ):
        paths = [ALIASES_TSV] if use_bundled_aliases else []
        override = aliases_path or (Path(os.environ[ENV_ALIASES]) if os.environ.get(ENV_ALIASES) else None)
        if override is not None:
            paths.append(Path(override))
        self.aliases, surfaces = _load_alias_table(paths)
        self.nlp = load_pipeline(model, surfaces)
        self.gazetteer = _countries.gazetteer()
        self.has_model = "ner" in self.nlp.pipe_names
        self._known: dict[str, Counter] = {}
        self._known_support: Counter = Counter()

    # public API ------------------------------------------------------------------------------------------

    def extract(self, text: str) -> ArticleEntities:
        """Entities of one text, resolved within the text, the alias table and what :meth:`learn` was given."""
        draft = self._draft(self.nlp(text), text)
        return self._finish(draft, _Registry.build([draft], self.aliases, self._known, self._known_support))

    def learn(self, entities: Iterable[ArticleEntities]) -> None:
        """Remember the persons of articles already indexed (e.g. loaded from the index).

        Later :meth:`extract` and :meth:`extract_many` calls then resolve a bare surname and choose display
        spellings as if those articles were part of the batch, so an incremental reindex gives the values a
        full one would.
        """
        for ents in entities:
            for canonical, surfaces in ents.person_aliases.items():
                person = _person_key(canonical)
                for surface in {canonical, *surfaces}:
                    if _is_full(surface):
                        self._known.setdefault(_person_key(surface), Counter())[_strip_genitive(surface)] += 1
                    else:
                        self._known_support[(_strip_genitive_s(_strip_genitive(surface)), person)] += 1

    def extract_many(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[ArticleEntities]:
        """Entities of many texts, with person names resolved across the whole batch (see module docstring).

        All texts are parsed (``nlp.pipe``) before the first result is yielded, since a name in the last text
        can resolve a surname in the first; only the small drafts are kept in memory, not the Docs.
        """
        pending: deque[str] = deque()  # texts handed to nlp.pipe whose Doc has not come back yet

        def feed() -> Iterator[str]:
            for text in texts:
                pending.append(text)
                yield text

        drafts = [self._draft(doc, pending.popleft()) for doc in self.nlp.pipe(feed(), batch_size=batch_size)]
        registry = _Registry.build(drafts, self.aliases, self._known, self._known_support)
        for draft in drafts:
            yield self._finish(draft, registry)

    # pass 1: spans from one Doc ----------------------------------------------------------------------------

    def _draft(self, doc, text: str | None = None) -> _Draft:  # noqa: ANN001 - spacy.tokens.Doc
        tv = _TokenView(doc, text)
        ents = [(e.label_, e.start, e.end, e.start_char, e.end_char, e.ent_id_) for e in doc.ents]
        model_ents = list(doc.spans.get("model_ents", [])) if self.has_model else []
        flags = list(map(_token_flags, tv.texts))
        draft = _Draft(tv.text)
        draft.mentions = self._person_candidates(tv, ents, model_ents, flags)
        draft.countries = self._country_spans(tv, ents, model_ents, flags, draft.mentions)
        return draft

    def _person_candidates(
        self,
        tv: _TokenView,
        ents: list[tuple],
        model_ents: list,
        flags: list[int],
    ) -> list[_Mention]:
        found: list[_Mention] = []
        texts, n_tok = tv.texts, tv.n

        def add(i: int, j: int, source: str, canonical: str | None = None) -> None:
            found.append(_Mention(*tv.char_span(i, j), source, canonical))

        # alias table (EntityRuler PER with id) and the model's PER spans
        for label, start, end, _, _, ent_id in ents:
            if label == "PER" and ent_id:
                add(start, end, "alias", ent_id)
        for ent in model_ents:
            if ent.label_ not in {"PER", "PERSON"}:
                continue
            i, j = ent.start, ent.end
            while i < j and not tv.namey(i, False):
                i += 1
            while j > i and not (tv.namey(j - 1, j - 1 - i > 0) or _is_initial(texts[j - 1])):
                j -= 1
            if (
                i < j
                and all(tv.namey(k, k > i) or texts[k].lower() in _PARTICLES for k in range(i, j))
                and self._plausible_model_name(texts[i:j])
            ):
                add(i, j, "model")
        marked = [i for i, f in enumerate(flags) if f & (_F_CUE | _F_FIRST)]
        # titles and roles: "US-Präsident Donald Trump", "Sprecherin des Außenministeriums, Hua Chunying"
        for i in marked:
            if not flags[i] & _F_CUE:
                continue
            nxt = i + 1
            if nxt >= n_tok:
                continue
            seq = tv.sequence(nxt)
            if seq:
                add(*seq, "cue")
                continue
            if texts[nxt].lower() not in _GAP_STARTERS:
                continue
            for k in range(nxt + 1, min(n_tok, nxt + 1 + MAX_GAP_TOKENS)):
                t = texts[k]
                if t == ",":
                    seq = tv.sequence(k + 1, min_tokens=2) if k + 1 < n_tok else None
                    if seq:
                        add(*seq, "cue")
                    break
                if t in _CLAUSE_ENDS or tv.sent[k] == 1:
                    break
        # a known given name followed by a capitalised name word: "Andrew Kim"
        for i in marked:
            if not flags[i] & _F_FIRST:
                continue
            if i == 0 or not tv.namey(i - 1, False) or is_cue(texts[i - 1]):
                seq = tv.sequence(i, min_tokens=2)
                if seq:
                    add(*seq, "first")
        return _merge_mentions(found)

    @staticmethod
    def _plausible_model_name(tokens: list[str]) -> bool:
        """Filter for the model's PER spans, which on news text also cover headings and nouns.

        A span of several words whose last word is a hyphenated institution ("Robert Koch-Institut") is
        rejected.
        Else a span that starts with a known given name is accepted; otherwise no word may be a common German
        word and the last word may not be a German compound ("Zankapfel Atomprogramm"). Single words are
        accepted here but kept only when they resolve to a full name (see ``_Registry.resolve``).
        """
        words = [t for t in tokens if not _initial_or_particle(t)]
        if not words or (len(words) > 1 and "-" in words[-1] and _non_person_head(words[-1])):
            return False  # "Robert Koch-Institut": named after a person (but "Arron Banks" is one)
        if words[0] in _first_names():
            return True
        if any(_german_common_word(w) or _non_person_head(w) for w in words):
            return False
        return len(words) == 1 or not _german_compound(words[-1])

    def _country_spans(
        self,
        tv: _TokenView,
        ents: list[tuple],
        model_ents: list,
        flags: list[int],
        persons: list[_Mention],
    ) -> list[tuple[int, int, str]]:
        gaz = self.gazetteer
        texts, idx, n_tok = tv.texts, tv.idx, tv.n
        spans: list[tuple[int, int, str]] = []
        covered: set[int] = set()
        person_chars = [(m.start, m.end) for m in persons if len(m.surface.split()) > 1]

        def inside_person(start: int, end: int) -> bool:
            return any(s <= start and end <= e for s, e in person_chars)

        for label, start, end, start_char, end_char, ent_id in ents:
            if label not in {"COUNTRY", "CITY"}:
                continue
            form = _country_form(tv.text[start_char:end_char])
            if form is None or inside_person(start_char, end_char):
                continue
            spans.append((start_char, end_char, ent_id or form.code))
            covered.update(range(start, end))
        # only a token with a hyphen can hold a compound or an elliptic coordination
        for i, f in enumerate(flags):
            if not f & _F_HYPHEN:
                continue
            text = texts[i]
            pos = idx[i]
            if i in covered or inside_person(pos, pos + len(text)):
                continue
            # elliptic coordination: "Nord- und Südkorea" -> Nord(korea)
            if (
                len(text) > 2
                and text.endswith("-")
                and i + 2 < n_tok
                and texts[i + 1].lower() in _CONJUNCTIONS
            ):
                code = _elliptic(gaz, text[:-1], texts[i + 2])
                if code:
                    spans.append((pos, pos + len(text) - 1, code))
                continue
            for s, e, code in _country_parts(text):
                spans.append((pos + s, pos + e, code))
        # the model's LOC spans the rules did not cover and the gazetteer knows ("Nord-Korea" split oddly)
        for ent in model_ents:
            if ent.label_ in {"LOC", "GPE"} and not any(i in covered for i in range(ent.start, ent.end)):
                start_char, end_char = ent.start_char, ent.end_char
                form = _country_form(tv.text[start_char:end_char])
                if form is not None and not any(s < end_char and start_char < e for s, e, _ in spans):
                    spans.append((start_char, end_char, form.code))
        return sorted(set(spans))

    # pass 2: resolution ------------------------------------------------------------------------------------

    def _finish(self, draft: _Draft, registry: _Registry) -> ArticleEntities:
        resolved = registry.resolve(draft)
        persons: Counter = Counter()
        aliases: dict[str, list[str]] = {}
        spans: list[tuple[int, int, str, str]] = []
        for m, canonical in resolved:
            persons[canonical] += 1
            seen = aliases.setdefault(canonical, [])
            if m.surface not in seen:
                seen.append(m.surface)
            spans.append((m.start, m.end, "PER", canonical))
        country_counts: Counter = Counter()
        person_ranges = [(s, e) for s, e, _, _ in spans]
        for s, e, code in draft.countries:
            if any(ps <= s and e <= pe for ps, pe in person_ranges):
                continue
            country_counts[code] += 1
            spans.append((s, e, "COUNTRY", code))
        spans.sort(key=lambda x: (x[0], -x[1]))
        clean: list[tuple[int, int, str, str]] = []
        for span in spans:
            if clean and span[0] < clean[-1][1]:
                continue
            clean.append(span)
        return ArticleEntities(
            persons=dict(sorted(persons.items())),
            person_aliases={k: aliases[k] for k in sorted(aliases)},
            countries=dict(sorted(country_counts.items())),
            spans=clean,
        )


def _genitive_like(word: str, position: int) -> bool:
    """A later name word in -s that is no given name: probably a genitive ("Merkels" in "Angela Merkels Politik")."""
    return position > 0 and word.endswith("s") and not word.endswith("ss") and word not in _first_names()


@lru_cache(maxsize=_WORD_CACHE)
def _non_person_head(word: str) -> bool:
    last = _HYPHEN_SPLIT.split(word.lower())[-1]
    return last in _NON_PERSON_HEADS or (last.endswith("s") and last[:-1] in _NON_PERSON_HEADS)


def _elliptic(gaz: _countries.Gazetteer, head: str, full: str) -> str | None:
    """``Nord-`` + ``Südkorea`` -> ``Nordkorea`` (the longest tail of the next word that completes a name)."""
    for i in range(1, len(full) - 2):
        form = gaz.form(head + full[i:])
        if form is not None and form.kind in {_countries.NAME, _countries.ADJECTIVE, _countries.DEMONYM}:
            return form.code
    return None


def _merge_mentions(found: list[_Mention]) -> list[_Mention]:
    """Overlapping candidates: keep the longest; on a tie the more reliable source."""
    order = {"alias": 0, "cue": 1, "model": 2, "first": 3, "text": 4}
    # names from the alias table are exact; among the rest the longest span wins
    found.sort(key=lambda m: (m.source != "alias", -(m.end - m.start), order[m.source], m.start))
    kept: list[_Mention] = []
    for m in found:
        if all(m.end <= k.start or k.end <= m.start for k in kept):
            kept.append(m)
    return sorted(kept, key=lambda m: m.start)


# --------------------------------------------------------------------------------------------------------
# Corpus-level person registry
# --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=_NAME_CACHE)
def _word_tuple(surface: str) -> tuple[str, ...]:
    return tuple(w for w in surface.split() if not _INITIAL.match(w))


def _words(surface: str) -> list[str]:
    return list(_word_tuple(surface))


@lru_cache(maxsize=_NAME_CACHE)
def _is_full(surface: str) -> bool:
    return len(_word_tuple(surface)) >= 2


@lru_cache(maxsize=_NAME_CACHE)
def _spelling_words(spelling: str) -> tuple[str, ...]:
    """The name words of a spelling without possessive and initials ("Stephen E. Biegun's" -> Stephen, Biegun)."""
    return _word_tuple(_strip_genitive(spelling))


@lru_cache(maxsize=_NAME_CACHE)
def _spelling_refs(spelling: str) -> frozenset[str]:
    """What may refer to the person of a spelling in other places: first word, last word, all words."""
    ws = _spelling_words(spelling)
    if not ws:
        return frozenset()
    refs = {ws[0], ws[-1]}
    if len(ws) >= 2:
        refs.add(" ".join(ws))
    return frozenset(refs)


class _KeyIndex:
    """Person keys with the two look-ups :meth:`_Registry._repair` needs, instead of a scan of all keys.

    ``fuller``: three-word keys by (first, last) word; ``longer``: keys by each proper prefix of two or more
    words. Keys are :func:`person_key` values, so equal word tuples mean equal keys.
    """

    __slots__ = ("keys", "_ends", "_prefixes")

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys: set[str] = set(keys)
        self._ends: dict[tuple[str, str], list[str]] = {}
        self._prefixes: dict[tuple[str, ...], list[str]] = {}
        for k in self.keys:
            toks = _key_tokens(k)
            if len(toks) == 3:
                self._ends.setdefault((toks[0], toks[2]), []).append(k)
            for n in range(2, len(toks)):
                self._prefixes.setdefault(toks[:n], []).append(k)

    def fuller(self, toks: tuple[str, ...], extra: Iterable[str] = ()) -> set[str]:
        """Known three-word keys with the first and last word of the two-word ``toks``."""
        out = set(self._ends.get((toks[0], toks[-1]), ()))
        for k in extra:
            kt = _key_tokens(k)
            if len(kt) == 3 and kt[0] == toks[0] and kt[-1] == toks[-1]:
                out.add(k)
        return out

    def longer(self, toks: tuple[str, ...], extra: Iterable[str] = ()) -> set[str]:
        """Known keys that continue ``toks`` (two words or more) by one or more words."""
        if len(toks) < 2:
            return set()
        out = set(self._prefixes.get(toks, ()))
        n = len(toks)
        for k in extra:
            kt = _key_tokens(k)
            if len(kt) > n and kt[:n] == toks:
                out.add(k)
        return out


_MISSING = object()  # in _Registry._propagate: "no word of this article", unlike None ("ambiguous")


class _Registry:
    """Known full names (alias table + the batch) and the spellings seen for each."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = aliases
        self.variants: dict[str, Counter] = {}  # key -> spelling counts
        self.canonical_key: dict[str, str] = {}  # key -> key of the person it belongs to
        self._corpus_words: dict[str, set[str]] | None = None
        # (last name word, person) -> number of articles that use the word alone for that person
        self.bare_support: Counter = Counter()
        # look-up structures over the final variants, built on first use by resolve()
        self._known_index: _KeyIndex | None = None
        self._by_word: dict[str, list[str]] | None = None
        self._person_refs: dict[str, set[str]] = {}
        self._corpus_refs: dict[str, str] | None = None  # good corpus words -> their one person
        self._corpus_firsts: frozenset[str] = frozenset()
        self._corpus_starts: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        drafts: list[_Draft],
        aliases: dict[str, str],
        known: dict[str, Counter] | None = None,
        known_support: Counter | None = None,
    ) -> _Registry:
        reg = cls(aliases)
        for key, canonical in aliases.items():
            if " " in key:
                reg.canonical_key[key] = _person_key(canonical)
                reg.variants.setdefault(_person_key(canonical), Counter())[canonical] += 0
        raw: dict[str, Counter] = {k: Counter(v) for k, v in (known or {}).items()}
        for d in drafts:
            for m in d.mentions:
                if _is_full(m.surface):
                    raw.setdefault(m.key, Counter())[_strip_genitive(m.surface)] += 1
        index = _KeyIndex(set(raw) | set(reg.canonical_key) | set(reg.variants))
        repaired: dict[str, str | None] = {}

        def repair(key: str) -> str | None:
            if key not in repaired:
                repaired[key] = reg._repair(key, index)
            return repaired[key]

        for key, counts in raw.items():
            if repair(key) != key:
                continue  # a glued, truncated or ambiguous spelling of another known name: no person of its own
            for surface, n in counts.items():
                reg.variants.setdefault(reg.canonical_key.get(key, key), Counter())[surface] += n
        reg.bare_support.update(known_support or {})
        last_words: dict[str, set[str]] = {}
        name_words: dict[str, set[str]] = {}
        for d in drafts:
            persons = set()
            for m in d.mentions:
                if _is_full(m.surface):
                    target = repair(m.key)
                    if target is not None:
                        persons.add(reg.person_of(target))
            for person in persons:
                if person not in last_words:
                    last_words[person] = reg._last_words(person)
                    name_words[person] = reg._name_words(person)
                for word in last_words[person]:
                    if _bare_uses(d.text, word, name_words[person]):
                        reg.bare_support[(word, person)] += 1
        return reg

    def _last_words(self, person: str) -> set[str]:
        return {ws[-1] for s in self.variants.get(person, ()) if len(ws := _spelling_words(s)) >= 2}

    def _name_words(self, person: str) -> set[str]:
        return {w for s in self.variants.get(person, ()) for w in _spelling_words(s)}

    # helpers ------------------------------------------------------------------------------------------------

    def _repair(
        self, key: str, index: _KeyIndex, extra: set[str] | frozenset[str] = frozenset()
    ) -> str | None:
        """The known key a glued or truncated key stands for, the key itself, or None when ambiguous.

        Known keys are ``index`` plus the few ``extra`` ones of the article being resolved.
        """
        known = index.keys
        toks = _key_tokens(key)
        # glued: "kim jong unwerden" -> "kim jong un" (a known name + a German verb or function word)
        last = toks[-1]
        for cut in range(2, len(last) - 3):
            tail = last[cut:]
            if tail in _GLUE_VERBS or (len(tail) >= 4 and tail in _stop_words()):
                cand = " ".join([*toks[:-1], last[:cut]])
                if cand in known or cand in extra or (cut <= 3 and tail in _GLUE_VERBS and len(toks) >= 2):
                    return cand
        # middle name left out: "peter embarek" -> "peter ben embarek" when exactly one known name fits
        if len(toks) == 2:
            fuller = index.fuller(toks, extra)
            if len(fuller) == 1:
                return next(iter(fuller))
        prefixed = index.longer(toks, extra)
        if (key in known or key in extra) and not prefixed:
            return key
        # truncated: "moon jae" -> "moon jae in" when exactly one known name continues it by one word and the
        # cut-off name ends in a short syllable (East Asian given names); "Donald Trump" is no truncation of
        # "Donald Trump Jr."
        if len(toks[-1]) > 3:
            return key
        longer = [k for k in prefixed if len(_key_tokens(k)) == len(toks) + 1]
        if len(longer) == 1:
            return longer[0]
        if len(longer) > 1:
            return None
        return key

    def person_of(self, key: str) -> str:
        return self.canonical_key.get(key, key)

    def display(self, person: str, local: Counter | None = None) -> str:
        canonical = self.aliases.get(person)
        if canonical and _person_key(canonical) == person:
            return canonical
        counts = Counter(self.variants.get(person, Counter()))
        if local:
            counts.update(local)
        return _best_display(counts) if counts else person

    def by_word(self, word: str, persons: Iterable[str]) -> list[str]:
        """Persons (keys) whose first or last name word is ``word`` (a folded key word)."""
        out = []
        for p in persons:
            toks = _key_tokens(p)
            if toks and word in {toks[0], toks[-1]}:
                out.append(p)
        return sorted(set(out))

    def _known_by_word(self, word: str) -> list[str]:
        """:meth:`by_word` over all known persons, from an index built once."""
        if self._by_word is None:
            table: dict[str, set[str]] = {}
            for p in self.variants:
                toks = _key_tokens(p)
                if toks:
                    table.setdefault(toks[0], set()).add(p)
                    table.setdefault(toks[-1], set()).add(p)
            self._by_word = {w: sorted(ps) for w, ps in table.items()}
        return self._by_word.get(word, [])

    # per-article resolution -------------------------------------------------------------------------------

    def resolve(self, draft: _Draft) -> list[tuple[_Mention, str]]:
        """(mention, canonical display) for every person mention the article supports."""
        if self._known_index is None:
            self._known_index = _KeyIndex(set(self.variants) | set(self.canonical_key))
        index = self._known_index
        local_full: dict[str, Counter] = {}
        fixed: list[tuple[_Mention, str | None]] = []
        # keys of this article that count as known besides the index: its full names and local_full
        extra = {mm.key for mm in draft.mentions if _is_full(mm.surface)}
        for m in draft.mentions:
            if m.canonical:
                person = _person_key(m.canonical)
                fixed.append((m, person))
                local_full.setdefault(person, Counter())[m.canonical] += 0
                extra.add(person)
                continue
            if not _is_full(m.surface):
                fixed.append((m, None))
                continue
            target = self._repair(m.key, index, extra)
            if target is None:
                continue
            m = _trim_glue(m, target)
            person = self.person_of(target)
            fixed.append((m, person))
            local_full.setdefault(person, Counter())[_strip_genitive(m.surface)] += 1
            extra.add(person)

        out: list[tuple[_Mention, str]] = []
        unresolved: list[_Mention] = []
        for m, person in fixed:
            if person is not None:
                out.append((m, person))
                continue
            word = m.key
            cands = self.by_word(word, local_full)
            if len(cands) == 1:
                out.append((m, cands[0]))
            elif not cands:
                unresolved.append(m)
        # a bare name no full name in this article explains: the one known person with that name, if any
        for m in unresolved:
            cands = self._known_by_word(m.key)
            if len(cands) == 1:
                out.append((m, cands[0]))
                local_full.setdefault(cands[0], Counter())
            elif not cands and m.source == "cue" and m.surface not in _first_names():
                bare = _strip_genitive(m.surface)
                if bare.endswith("s") and re.search(
                    r"(?<!\w)" + re.escape(bare[:-1]) + r"(?!\w)", draft.text
                ):
                    bare = bare[:-1]
                person = _person_key(bare)
                out.append((m, person))
                local_full.setdefault(person, Counter())[bare] += 1

        out.extend(self._propagate(draft, out, local_full))
        out.sort(key=lambda x: x[0].start)
        result = []
        displays = {p: self.display(p, local_full.get(p)) for p in {p for _, p in out}}
        for m, person in out:
            result.append((m, displays[person]))
        return result

    def _refs_of(self, person: str) -> set[str]:
        """Name words and full spellings of a known person's variants (see :func:`_spelling_refs`)."""
        refs = self._person_refs.get(person)
        if refs is None:
            refs = set()
            for spelling in self.variants.get(person, ()):
                refs |= _spelling_refs(spelling)
            self._person_refs[person] = refs
        return refs

    def _propagate(
        self, draft: _Draft, found: list[tuple[_Mention, str]], local: dict[str, Counter]
    ) -> list[tuple[_Mention, str]]:
        """Further mentions of the article's persons: full spellings and unique first/last name words.

        In a batch, also the last name of a known person (from another article) when it is unique among
        all known persons and the article has no person of its own with that word.
        """
        taken = [(m.start, m.end) for m, _ in found]
        words: dict[str, set[str]] = {}  # spelling or name word -> persons
        for person, counts in local.items():
            for w in self._refs_of(person):
                words.setdefault(w, set()).add(person)
            for spelling in counts:
                for w in _spelling_refs(spelling):
                    words.setdefault(w, set()).add(person)
        # the article's own words shadow the corpus words; a reference must name exactly one person
        local_refs: dict[str, str | None] = {
            w: next(iter(p)) if len(p) == 1 and _good_reference(w) else None for w, p in words.items()
        }
        corpus = self._corpus_references()
        if not corpus and all(p is None for p in local_refs.values()):
            return []
        # Any hit starts at a token that is the first word of a reference, maybe with a genitive ending, or
        # at a compound whose head is a reference; a reference of several words only at its first word. So
        # a few set look-ups rule out almost every token before the n-gram look-ups.
        local_words = [w for w, p in local_refs.items() if p is not None]
        firsts = {w.split(" ")[0] for w in local_words if " " in w}
        corpus_firsts = self._corpus_firsts
        starts = _reference_starts(local_words)
        corpus_starts = self._corpus_starts
        local_get, corpus_get = local_refs.get, corpus.get

        def lookup(phrase: str) -> str | None:
            person = local_get(phrase, _MISSING)
            return corpus_get(phrase) if person is _MISSING else person

        text = draft.text
        tokens = [m.span() for m in _WORD_TOKEN.finditer(text)]
        n_tok = len(tokens)
        extra: list[tuple[_Mention, str]] = []
        i = 0
        while i < n_tok:
            s, e0 = tokens[i]
            if not text[s].isupper():  # every reference is capitalised (_good_reference)
                i += 1
                continue
            token = text[s:e0]
            if token not in starts and token not in corpus_starts:
                head = _HYPHEN_SPLIT.split(token)[0]
                if head == token or (head not in starts and head not in corpus_starts):
                    i += 1
                    continue
            hit = None
            top = 1
            if token in firsts or token in corpus_firsts:
                limit = min(MAX_NAME_TOKENS, n_tok - i)
                while top < limit and text[tokens[i + top - 1][1] : tokens[i + top][0]] == " ":
                    top += 1
            for n in range(top, 0, -1):
                e = tokens[i + n - 1][1]
                phrase = text[s:e]
                person = lookup(phrase)
                if person is None:
                    stripped = _strip_genitive_s(phrase)
                    if stripped != phrase:
                        person = lookup(stripped)
                # one word after a determiner or number ("die App", "100 Euro") is the common noun
                if person is not None and not (n == 1 and _noun_use(text, s)):
                    hit = (s, e, n, person)
                    break
            if hit is None and ("-" in token or "\u2010" in token or "\u2011" in token):
                # "Trump-Administration": the name part of a compound
                head = _HYPHEN_SPLIT.split(token)[0]
                person = lookup(head) if head != token else None
                if person is not None:
                    hit = (s, s + len(head), 1, person)
            if hit:
                s, e, n, person = hit
                if not any(s < te and ts < e for ts, te in taken):
                    extra.append((_Mention(s, e, text[s:e], "text"), person))
                    taken.append((s, e))
                i += n
            else:
                i += 1
        return extra

    def corpus_words(self) -> dict[str, set[str]]:
        """Last names and full spellings of every known person, for other articles; computed once.

        Only words that are unique to one person and are no common German word ("Art", "Gipfel"); a last
        name alone only for persons of the alias table or when at least two articles use it alone for that
        person (so a newspaper called "Pravda" does not become the person "Nikolas Pravda" everywhere).
        """
        if self._corpus_words is None:
            table: dict[str, set[str]] = {}
            curated = {_person_key(c) for c in self.aliases.values()}
            for person, counts in self.variants.items():
                for spelling in counts:
                    ws = _spelling_words(spelling)
                    if len(ws) < 2:
                        continue
                    table.setdefault(" ".join(ws), set()).add(person)
                    # a last name alone only when the alias table or two articles use it so
                    if person in curated or self.bare_support[(ws[-1], person)] >= MIN_BARE_SUPPORT:
                        table.setdefault(ws[-1], set()).add(person)
            self._corpus_words = {
                w: p for w, p in table.items() if len(p) == 1 and (" " in w or not _german_common_word(w))
            }
        return self._corpus_words

    def _corpus_references(self) -> dict[str, str]:
        """:meth:`corpus_words` that are good references, word -> person; with their first words."""
        if self._corpus_refs is None:
            self._corpus_refs = {
                w: next(iter(p)) for w, p in self.corpus_words().items() if _good_reference(w)
            }
            self._corpus_firsts = frozenset(w.split(" ")[0] for w in self._corpus_refs if " " in w)
            self._corpus_starts = _reference_starts(self._corpus_refs)
        return self._corpus_refs


_GENITIVE_ENDINGS = ("’s", "'s", "’", "'", "s")  # as stripped by _strip_genitive_s


def _reference_starts(references: Iterable[str]) -> frozenset[str]:
    """Every token a reference can start at: its first word, alone or with a genitive ending."""
    out = set()
    for ref in references:
        first = ref.split(" ")[0]
        out.add(first)
        out.update(first + ending for ending in _GENITIVE_ENDINGS)
    return frozenset(out)


_WORD_TOKEN = re.compile(r"[^\W\d_][\w'’]*(?:[-\u2010\u2011][^\W_][\w'’]*)*")


def _strip_genitive_s(phrase: str) -> str:
    """ "Trumps"/"Trump's"/"Tsipras'" -> the name without the genitive ending (unchanged when there is none)."""
    for ending in _GENITIVE_ENDINGS:
        if phrase.endswith(ending) and len(phrase) > len(ending) + 1:
            return phrase[: -len(ending)]
    return phrase


@lru_cache(maxsize=_NAME_CACHE)
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


def _bare_uses(text: str, word: str, name_words: set[str]) -> bool:
    """Does ``text`` use ``word`` alone (not right after another word of the same name)?"""
    for m in _bare_pattern(word).finditer(text):
        before = _word_before(text, m.start())
        if (before is None or before not in name_words) and not _noun_use(text, m.start()):
            return True
    return False


@lru_cache(maxsize=_WORD_CACHE)
def _good_reference(word: str) -> bool:
    """A name word safe to look for on its own: capitalised, not a function word, country or title."""
    if not word or not word[0].isupper() or len(word) < 2:
        return False
    if " " in word:
        return True
    low = word.lower()
    if low in _stop_words() or low in _calendar_words() or is_cue(word):
        return False
    return _country_form(word) is None


@lru_cache(maxsize=_NAME_CACHE)
def _strip_genitive(surface: str) -> str:
    """Drop a possessive apostrophe ("Tsipras'", "Trump's"); a bare genitive -s is left to :func:`_best_display`."""
    return _POSSESSIVE.sub("", surface.strip())


def _trim_glue(m: _Mention, target: str) -> _Mention:
    """Shorten a glued mention ("Kim Jong Unwerden") to the characters that spell ``target``."""
    if _person_key(m.surface) == target or not _person_key(m.surface).startswith(target.split()[0]):
        return m
    words = m.surface.split()
    last_target = _key_tokens(target)[-1]
    last = words[-1]
    if _fold(last).startswith(last_target) and len(last) > len(last_target):
        new_last = last[: len(last_target)]
        surface = " ".join([*words[:-1], new_last])
        return _Mention(m.start, m.start + len(surface), surface, m.source, m.canonical)
    return m
