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
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from . import countries as _countries

DATA_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_MODEL = Path(__file__).resolve().parent / "models" / "de_news_ner"
ALIASES_TSV = DATA_DIR / "person_aliases.tsv"
CUES_TXT = DATA_DIR / "person_cues_de.txt"
FIRST_NAMES_TXT = DATA_DIR / "first_names.txt"
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
    text = re.sub(r"[" + _APOSTROPHES + r"]s?$", "", text)
    text = re.sub(r"[\-\u2010\u2011_.]", " ", text)
    tokens = [t for t in text.split() if t]
    longer = [t for t in tokens if len(t) > 1]
    tokens = longer or tokens
    if tokens and len(tokens[-1]) > 2 and tokens[-1].endswith("s") and not tokens[-1].endswith("ss"):
        tokens[-1] = tokens[-1][:-1]
    return " ".join(tokens)


def _key_tokens(key: str) -> list[str]:
    return key.split()


def _display_rank(surface: str, count: int) -> tuple:
    """Sort key: the preferred display spelling first (see module docstring)."""
    hyphen = "-" in surface
    capital_after_hyphen = bool(re.search(r"-[A-ZÄÖÜ]", surface))
    initials = len(re.findall(r"\b[A-ZÄÖÜ]\.", surface))
    return (not hyphen, capital_after_hyphen, initials, -count, surface)


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
    suffixes: tuple[str, ...]


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
    return _Cues(frozenset(exact), tuple(sorted(suffixes, key=len, reverse=True)))


@lru_cache(maxsize=65536)
def is_cue(word: str) -> bool:
    """True for a title or role word (also inside compounds: ``US-Außenminister``, ``Atomunterhändlers``)."""
    w = word.lower().strip(".,;:")
    if not w:
        return False
    cues = _cues()
    if w in cues.exact:
        return True
    last = re.split(r"[-\u2010\u2011]", w)[-1]
    if last in cues.exact:
        return True
    return any(w.endswith(s) and len(w) - len(s) >= 3 for s in cues.suffixes)


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    return frozenset(_lines(FIRST_NAMES_TXT))


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


@lru_cache(maxsize=4096)
def _german_common_word(word: str) -> bool:
    """A capitalised word that is far more likely a German noun than a name (ends a name sequence)."""
    low = re.split(r"[-\u2010\u2011]", word.lower())[-1]
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


@lru_cache(maxsize=4096)
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
        return person_key(self.surface)


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
    return nlp


# --------------------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------------------


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
        draft = self._draft(self.nlp(text))
        return self._finish(draft, _Registry.build([draft], self.aliases, self._known, self._known_support))

    def learn(self, entities: Iterable[ArticleEntities]) -> None:
        """Remember the persons of articles already indexed (e.g. loaded from the index).

        Later :meth:`extract` and :meth:`extract_many` calls then resolve a bare surname and choose display
        spellings as if those articles were part of the batch, so an incremental reindex gives the values a
        full one would.
        """
        for ents in entities:
            for canonical, surfaces in ents.person_aliases.items():
                person = person_key(canonical)
                for surface in {canonical, *surfaces}:
                    if _is_full(surface):
                        self._known.setdefault(person_key(surface), Counter())[_strip_genitive(surface)] += 1
                    else:
                        self._known_support[(_strip_genitive_s(_strip_genitive(surface)), person)] += 1

    def extract_many(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[ArticleEntities]:
        """Entities of many texts, with person names resolved across the whole batch (see module docstring).

        All texts are parsed (``nlp.pipe``) before the first result is yielded, since a name in the last text
        can resolve a surname in the first; only the small drafts are kept in memory, not the Docs.
        """
        drafts = [self._draft(doc) for doc in self.nlp.pipe(texts, batch_size=batch_size)]
        registry = _Registry.build(drafts, self.aliases, self._known, self._known_support)
        for draft in drafts:
            yield self._finish(draft, registry)

    # pass 1: spans from one Doc ----------------------------------------------------------------------------

    def _draft(self, doc) -> _Draft:  # noqa: ANN001 - spacy.tokens.Doc
        draft = _Draft(doc.text)
        mentions = self._person_candidates(doc)
        draft.mentions = mentions
        draft.countries = self._country_spans(doc, mentions)
        return draft

    def _namey(self, tok, position: int, after_given_name: bool = False) -> bool:  # noqa: ANN001 - spacy Token
        """Can this token be word number ``position`` of a person's name?

        A city name counts as a surname right after a given name ("George Washington"), nowhere else.
        """
        t = tok.text
        if not t or not t[0].isupper():
            return False
        if _INITIAL.match(t):
            return position > 0
        nxt = tok.nbor(1) if tok.i + 1 < len(tok.doc) else None
        if position == 0 and len(t) <= 4 and nxt is not None and nxt.text == "." and not tok.whitespace_:
            return False  # an abbreviated title: "Col. Matthew Hepburn", "Gen. Smith"
        if not _NAME_CHARS.match(t) or (t.isupper() and len(t) > 1):
            return False
        low = t.lower()
        if is_cue(t) or low in _calendar_words() or low in _TEMPORAL:
            return False
        form = self.gazetteer.form(t)
        if form is not None and not (after_given_name and form.kind in {_countries.CAPITAL, _countries.CITY}):
            return False
        if form is None and self.gazetteer.parts(t):
            return False
        if low in _stop_words():
            # capitalised function word in mid-sentence: a syllable of an East Asian name ("Moon Jae In")
            return position > 0 and len(t) <= 3 and not tok.is_sent_start
        return not (position > 0 and t not in _first_names() and _german_common_word(t))

    def _sequence(self, doc, i: int, min_tokens: int = 1) -> tuple[int, int] | None:  # noqa: ANN001
        """Token range [i, j) of a person's name starting at token i, or None."""
        j = i
        n = 0
        while j < len(doc) and n < MAX_NAME_TOKENS:
            tok = doc[j]
            if n >= 2 and tok.text in _first_names() and j + 1 < len(doc) and self._namey(doc[j + 1], 1):
                break  # "Staatschef Recep Tayyip Erdogan Wladimir Putin": a second person starts
            if self._namey(tok, n, after_given_name=n == 1 and doc[j - 1].text in _first_names()):
                n += 1
                j += 1
                # a genitive ends the name: "Donalds Mut", "Angela Merkels Politik"
                if _genitive_like(tok.text, n - 1) and j < len(doc) and doc[j].text[:1].isupper():
                    break
                continue
            # "Otto von Bismarck", "Ludwig van Beethoven": a particle and one last name word, nothing more
            if (
                n > 0
                and tok.text.lower() in _PARTICLES
                and j + 1 < len(doc)
                and self._namey(doc[j + 1], n)
                and not (j + 2 < len(doc) and self._namey(doc[j + 2], n + 1))
            ):
                j += 1
                continue
            break
        while j > i and (_INITIAL.match(doc[j - 1].text) or doc[j - 1].text.lower() in _PARTICLES):
            j -= 1
        real = [t for t in doc[i:j] if not _INITIAL.match(t.text) and t.text.lower() not in _PARTICLES]
        if len(real) < min_tokens or not real:
            return None
        if any(_non_person_head(t.text) for t in real):
            return None  # "Cornell University", "Robert Koch-Institut", "Rocky Mountains"
        if len(real) == 1 and _german_common_word(real[0].text):
            return None  # "der Präsident Frieden ..." is no name
        return i, j

    def _person_candidates(self, doc) -> list[_Mention]:  # noqa: ANN001
        found: list[_Mention] = []

        def add(i: int, j: int, source: str, canonical: str | None = None) -> None:
            span = doc[i:j]
            found.append(_Mention(span.start_char, span.end_char, span.text, source, canonical))

        # alias table (EntityRuler PER with id) and the model's PER spans
        for ent in doc.ents:
            if ent.label_ == "PER" and ent.ent_id_:
                add(ent.start, ent.end, "alias", ent.ent_id_)
        for ent in doc.spans.get("model_ents", []) if self.has_model else []:
            if ent.label_ not in {"PER", "PERSON"}:
                continue
            i, j = ent.start, ent.end
            while i < j and not self._namey(doc[i], 0):
                i += 1
            while j > i and not (self._namey(doc[j - 1], j - 1 - i) or _INITIAL.match(doc[j - 1].text)):
                j -= 1
            if (
                i < j
                and all(self._namey(doc[k], k - i) or doc[k].text.lower() in _PARTICLES for k in range(i, j))
                and self._plausible_model_name(doc[i:j])
            ):
                add(i, j, "model")
        # titles and roles: "US-Präsident Donald Trump", "Sprecherin des Außenministeriums, Hua Chunying"
        for tok in doc:
            if not tok.text[:1].isupper() or not is_cue(tok.text):
                continue  # German nouns are capitalised: "oppositioneller" is an adjective, not a role
            nxt = tok.i + 1
            if nxt >= len(doc):
                continue
            seq = self._sequence(doc, nxt)
            if seq:
                add(*seq, "cue")
                continue
            if doc[nxt].text.lower() not in _GAP_STARTERS:
                continue
            for k in range(nxt + 1, min(len(doc), nxt + 1 + MAX_GAP_TOKENS)):
                t = doc[k].text
                if t == ",":
                    seq = self._sequence(doc, k + 1, min_tokens=2) if k + 1 < len(doc) else None
                    if seq:
                        add(*seq, "cue")
                    break
                if t in {".", ";", ":", "!", "?", "»", "«", "„", "“", '"'} or doc[k].is_sent_start:
                    break
        # a known given name followed by a capitalised name word: "Andrew Kim"
        first = _first_names()
        for tok in doc:
            if tok.text in first and (
                tok.i == 0 or not self._namey(doc[tok.i - 1], 0) or is_cue(doc[tok.i - 1].text)
            ):
                seq = self._sequence(doc, tok.i, min_tokens=2)
                if seq:
                    add(*seq, "first")
        return _merge_mentions(found)

    @staticmethod
    def _plausible_model_name(span) -> bool:  # noqa: ANN001 - spacy Span
        """Filter for the model's PER spans, which on news text also cover headings and nouns.

        A span that starts with a known given name is accepted; otherwise no word may be a common German
        word and the last word may not be a German compound ("Zankapfel Atomprogramm"). Single words are
        accepted here but kept only when they resolve to a full name (see ``_Registry.resolve``).
        """
        words = [t.text for t in span if not _INITIAL.match(t.text) and t.text.lower() not in _PARTICLES]
        if not words:
            return False
        if words[0] in _first_names():
            return True
        if any(_german_common_word(w) or _non_person_head(w) for w in words):
            return False
        return len(words) == 1 or not _german_compound(words[-1])

    def _country_spans(self, doc, persons: list[_Mention]) -> list[tuple[int, int, str]]:  # noqa: ANN001
        gaz = self.gazetteer
        spans: list[tuple[int, int, str]] = []
        covered: set[int] = set()
        person_chars = [(m.start, m.end) for m in persons if len(m.surface.split()) > 1]

        def inside_person(start: int, end: int) -> bool:
            return any(s <= start and end <= e for s, e in person_chars)

        for ent in doc.ents:
            if ent.label_ not in {"COUNTRY", "CITY"}:
                continue
            form = gaz.form(ent.text)
            if form is None or inside_person(ent.start_char, ent.end_char):
                continue
            spans.append((ent.start_char, ent.end_char, ent.ent_id_ or form.code))
            covered.update(range(ent.start, ent.end))
        for tok in doc:
            if tok.i in covered or inside_person(tok.idx, tok.idx + len(tok.text)):
                continue
            text = tok.text
            # elliptic coordination: "Nord- und Südkorea" -> Nord(korea)
            if (
                len(text) > 2
                and text.endswith("-")
                and tok.i + 2 < len(doc)
                and doc[tok.i + 1].lower_ in _CONJUNCTIONS
            ):
                code = _elliptic(gaz, text[:-1], doc[tok.i + 2].text)
                if code:
                    spans.append((tok.idx, tok.idx + len(text) - 1, code))
                continue
            if "-" in text or "\u2010" in text or "\u2011" in text:
                for s, e, code in gaz.parts(text):
                    spans.append((tok.idx + s, tok.idx + e, code))
        # the model's LOC spans the rules did not cover and the gazetteer knows ("Nord-Korea" split oddly)
        for ent in doc.spans.get("model_ents", []) if self.has_model else []:
            if ent.label_ in {"LOC", "GPE"} and not any(i in covered for i in range(ent.start, ent.end)):
                form = gaz.form(ent.text)
                if form is not None and not any(s < ent.end_char and ent.start_char < e for s, e, _ in spans):
                    spans.append((ent.start_char, ent.end_char, form.code))
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


def _non_person_head(word: str) -> bool:
    last = re.split(r"[-\u2010\u2011]", word.lower())[-1]
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


def _words(surface: str) -> list[str]:
    return [w for w in surface.split() if not _INITIAL.match(w)]


def _is_full(surface: str) -> bool:
    return len(_words(surface)) >= 2


class _Registry:
    """Known full names (alias table + the batch) and the spellings seen for each."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = aliases
        self.variants: dict[str, Counter] = {}  # key -> spelling counts
        self.canonical_key: dict[str, str] = {}  # key -> key of the person it belongs to
        self._corpus_words: dict[str, set[str]] | None = None
        # (last name word, person) -> number of articles that use the word alone for that person
        self.bare_support: Counter = Counter()

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
                reg.canonical_key[key] = person_key(canonical)
                reg.variants.setdefault(person_key(canonical), Counter())[canonical] += 0
        raw: dict[str, Counter] = {k: Counter(v) for k, v in (known or {}).items()}
        for d in drafts:
            for m in d.mentions:
                if _is_full(m.surface):
                    raw.setdefault(m.key, Counter())[_strip_genitive(m.surface)] += 1
        known = set(raw) | set(reg.canonical_key) | set(reg.variants)
        for key, counts in raw.items():
            if reg._repair(key, known) != key:
                continue  # a glued, truncated or ambiguous spelling of another known name: no person of its own
            for surface, n in counts.items():
                reg.variants.setdefault(reg.canonical_key.get(key, key), Counter())[surface] += n
        reg.bare_support.update(known_support or {})
        for d in drafts:
            persons = set()
            for m in d.mentions:
                if _is_full(m.surface):
                    target = reg._repair(m.key, known)
                    if target is not None:
                        persons.add(reg.person_of(target))
            for person in persons:
                for word in reg._last_words(person):
                    if _bare_uses(d.text, word, reg._name_words(person)):
                        reg.bare_support[(word, person)] += 1
        return reg

    def _last_words(self, person: str) -> set[str]:
        return {ws[-1] for s in self.variants.get(person, ()) if len(ws := _words(_strip_genitive(s))) >= 2}

    def _name_words(self, person: str) -> set[str]:
        return {w for s in self.variants.get(person, ()) for w in _words(_strip_genitive(s))}

    # helpers ------------------------------------------------------------------------------------------------

    def _repair(self, key: str, known: set[str]) -> str | None:
        """The known key a glued or truncated key stands for, the key itself, or None when ambiguous."""
        toks = _key_tokens(key)
        # glued: "kim jong unwerden" -> "kim jong un" (a known name + a German verb or function word)
        last = toks[-1]
        for cut in range(2, len(last) - 3):
            tail = last[cut:]
            if tail in _GLUE_VERBS or (len(tail) >= 4 and tail in _stop_words()):
                cand = " ".join([*toks[:-1], last[:cut]])
                if cand in known or (cut <= 3 and tail in _GLUE_VERBS and len(toks) >= 2):
                    return cand
        # middle name left out: "peter embarek" -> "peter ben embarek" when exactly one known name fits
        if len(toks) == 2:
            fuller = [
                k
                for k in known
                if len(_key_tokens(k)) == 3
                and _key_tokens(k)[0] == toks[0]
                and _key_tokens(k)[-1] == toks[-1]
            ]
            if len(fuller) == 1:
                return fuller[0]
        if key in known and not self._prefix_of(key, known):
            return key
        # truncated: "moon jae" -> "moon jae in" when exactly one known name continues it by one word and the
        # cut-off name ends in a short syllable (East Asian given names); "Donald Trump" is no truncation of
        # "Donald Trump Jr."
        longer = [k for k in self._prefix_of(key, known) if len(_key_tokens(k)) == len(toks) + 1]
        if len(toks[-1]) > 3:
            return key
        if len(longer) == 1:
            return longer[0]
        if len(longer) > 1:
            return None
        return key

    @staticmethod
    def _prefix_of(key: str, known: Iterable[str]) -> list[str]:
        toks = _key_tokens(key)
        if len(toks) < 2:
            return []
        return sorted(k for k in known if k != key and _key_tokens(k)[: len(toks)] == toks)

    def person_of(self, key: str) -> str:
        return self.canonical_key.get(key, key)

    def display(self, person: str, local: Counter | None = None) -> str:
        canonical = self.aliases.get(person)
        if canonical and person_key(canonical) == person:
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

    # per-article resolution -------------------------------------------------------------------------------

    def resolve(self, draft: _Draft) -> list[tuple[_Mention, str]]:
        """(mention, canonical display) for every person mention the article supports."""
        known = set(self.variants) | set(self.canonical_key)
        local_full: dict[str, Counter] = {}
        fixed: list[tuple[_Mention, str | None]] = []
        for m in draft.mentions:
            if m.canonical:
                person = person_key(m.canonical)
                fixed.append((m, person))
                local_full.setdefault(person, Counter())[m.canonical] += 0
                continue
            if not _is_full(m.surface):
                fixed.append((m, None))
                continue
            local_keys = set(local_full) | {mm.key for mm in draft.mentions if _is_full(mm.surface)}
            target = self._repair(m.key, known | local_keys)
            if target is None:
                continue
            m = _trim_glue(m, target)
            person = self.person_of(target)
            fixed.append((m, person))
            local_full.setdefault(person, Counter())[_strip_genitive(m.surface)] += 1

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
            cands = self.by_word(m.key, self.variants)
            if len(cands) == 1:
                out.append((m, cands[0]))
                local_full.setdefault(cands[0], Counter())
            elif not cands and m.source == "cue" and m.surface not in _first_names():
                bare = _strip_genitive(m.surface)
                if bare.endswith("s") and re.search(
                    r"(?<!\w)" + re.escape(bare[:-1]) + r"(?!\w)", draft.text
                ):
                    bare = bare[:-1]
                person = person_key(bare)
                out.append((m, person))
                local_full.setdefault(person, Counter())[bare] += 1

        out.extend(self._propagate(draft, out, local_full))
        out.sort(key=lambda x: x[0].start)
        result = []
        displays = {p: self.display(p, local_full.get(p)) for p in {p for _, p in out}}
        for m, person in out:
            result.append((m, displays[person]))
        return result

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
            spellings = set(counts) | set(self.variants.get(person, ()))
            for spelling in spellings:
                ws = _words(_strip_genitive(spelling))
                for w in {ws[0], ws[-1]} if ws else set():
                    words.setdefault(w, set()).add(person)
                if len(ws) >= 2:
                    words.setdefault(" ".join(ws), set()).add(person)
        for w, persons in self.corpus_words().items():
            if w not in words:
                words[w] = persons
        words = {w: p for w, p in words.items() if len(p) == 1 and _good_reference(w)}
        if not words:
            return []
        text = draft.text
        tokens = [(m.start(), m.end()) for m in _WORD_TOKEN.finditer(text)]
        extra: list[tuple[_Mention, str]] = []
        i = 0
        while i < len(tokens):
            hit = None
            for n in range(min(MAX_NAME_TOKENS, len(tokens) - i), 0, -1):
                s, e = tokens[i][0], tokens[i + n - 1][1]
                if n > 1 and any(text[tokens[k][1] : tokens[k + 1][0]] != " " for k in range(i, i + n - 1)):
                    continue
                phrase = text[s:e]
                for cand in (phrase, _strip_genitive_s(phrase)):
                    if cand in words:
                        hit = (s, e, n, next(iter(words[cand])))
                        break
                if hit:
                    break
            if hit is None:  # "Trump-Administration": the name part of a compound
                s, e = tokens[i]
                head = re.split(r"[-\u2010\u2011]", text[s:e])[0]
                if head != text[s:e] and head in words:
                    hit = (s, s + len(head), 1, next(iter(words[head])))
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
            curated = {person_key(c) for c in self.aliases.values()}
            for person, counts in self.variants.items():
                for spelling in counts:
                    ws = _words(_strip_genitive(spelling))
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


_WORD_TOKEN = re.compile(r"[^\W\d_][\w'’]*(?:[-\u2010\u2011][^\W_][\w'’]*)*")


def _strip_genitive_s(phrase: str) -> str:
    """ "Trumps"/"Trump's"/"Tsipras'" -> the name without the genitive ending (unchanged when there is none)."""
    for ending in ("’s", "'s", "’", "'", "s"):
        if phrase.endswith(ending) and len(phrase) > len(ending) + 1:
            return phrase[: -len(ending)]
    return phrase


def _bare_uses(text: str, word: str, name_words: set[str]) -> bool:
    """Does ``text`` use ``word`` alone (not right after another word of the same name)?"""
    for m in re.finditer(r"(?<![\w\-])" + re.escape(word) + r"(?:s|'s|’s|'|’)?(?![\w])", text):
        before = re.search(r"([^\W\d_][\w\-]*)\.?\s+$", text[: m.start()])
        if before is None or before.group(1) not in name_words:
            return True
    return False


def _good_reference(word: str) -> bool:
    """A name word safe to look for on its own: capitalised, not a function word, country or title."""
    if not word or not word[0].isupper() or len(word) < 2:
        return False
    if " " in word:
        return True
    low = word.lower()
    if low in _stop_words() or low in _calendar_words() or is_cue(word):
        return False
    return _countries.gazetteer().form(word) is None


def _strip_genitive(surface: str) -> str:
    """Drop a possessive apostrophe ("Tsipras'", "Trump's"); a bare genitive -s is left to :func:`_best_display`."""
    return re.sub(r"(?<=\w)['’]s?$", "", surface.strip())


def _trim_glue(m: _Mention, target: str) -> _Mention:
    """Shorten a glued mention ("Kim Jong Unwerden") to the characters that spell ``target``."""
    if person_key(m.surface) == target or not person_key(m.surface).startswith(target.split()[0]):
        return m
    words = m.surface.split()
    last_target = _key_tokens(target)[-1]
    last = words[-1]
    if _fold(last).startswith(last_target) and len(last) > len(last_target):
        new_last = last[: len(last_target)]
        surface = " ".join([*words[:-1], new_last])
        return _Mention(m.start, m.start + len(surface), surface, m.source, m.canonical)
    return m
