"""What a token can be in a person's name, and a spaCy Doc read once into plain lists for the rules.

Why: the name rules (a title followed by a name, a given name followed by a surname, the model's PER spans)
all walk the tokens of a Doc and ask the same questions of each: can it be a name word, the first one, a
later one? Where does a name starting here end? :class:`TokenView` answers them.

Speed (every article of the archive passes through here at index time): a Doc is read once into plain
lists, since each spaCy Token access builds an object, and the context-free properties of a word
(:func:`_name_class`, :func:`token_flags`, the country look-ups) are cached per distinct string — an archive
repeats its vocabulary endlessly.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from search.enrich import countries as _countries
from search.enrich.entities.lexicon import (
    HYPHEN_SPLIT,
    PARTICLE_ARTICLES,
    WORD_CACHE,
    calendar_words,
    determiner,
    everyday_word,
    first_names,
    german_common_word,
    glue_verbs,
    is_cue,
    non_person_head,
    noun_compound,
    particles,
    stop_words,
    time_words,
)
from search.enrich.entities.names import INITIAL, parties

if TYPE_CHECKING:
    from spacy.tokens import Doc

MAX_NAME_TOKENS = 4
_NAME_CHARS = re.compile(r"^[^\W\d_][^\W\d_'’\-]*(?:[-'’][^\W\d_]+)*$")

# --------------------------------------------------------------------------------------------------------
# Per-word properties (cached per distinct string: an archive repeats its vocabulary endlessly)
# --------------------------------------------------------------------------------------------------------

# What a word can be in a person's name, independent of its position in the text (see TokenView.namey).
_NEVER = 0  # never part of a name
_INITIAL_WORD = 1  # "E.": a name word, but not the first
_NAME_WORD = 2  # a name word, subject to the context checks

# Flags of a token for the scans over a Doc.
F_CUE = 1  # capitalised title or role word ("Präsident")
F_FIRST = 2  # known given name
F_HYPHEN = 4  # contains a hyphen: a compound that may name a country ("US-Präsident", "Nord-")


@lru_cache(maxsize=WORD_CACHE)
def _name_class(t: str) -> tuple[int, bool, bool]:
    """(kind, is a capital/city form, is a stop word): the context-free part of ``TokenView.namey``."""
    if not t or not t[0].isupper():
        return (_NEVER, False, False)
    if INITIAL.match(t):
        return (_INITIAL_WORD, False, False)
    if not _NAME_CHARS.match(t) or (t.isupper() and len(t) > 1):
        return (_NEVER, False, False)
    low = t.lower()
    if is_cue(t) or low in calendar_words() or low in time_words():
        return (_NEVER, False, False)
    gaz = _countries.gazetteer()
    form = gaz.form(t)
    if form is not None and form.kind not in (_countries.CAPITAL, _countries.CITY):
        return (_NEVER, False, False)
    if form is None and gaz.parts(t):
        return (_NEVER, False, False)
    return (_NAME_WORD, form is not None, low in stop_words())


@lru_cache(maxsize=WORD_CACHE)
def token_flags(t: str) -> int:
    """Which of the per-token scans (cue, given name, compound) token text ``t`` can start."""
    flags = 0
    if t[:1].isupper() and is_cue(t):  # German nouns are capitalised: "oppositioneller" is no role
        flags |= F_CUE
    if t in first_names():
        flags |= F_FIRST
    if "-" in t or "\u2010" in t or "\u2011" in t:
        flags |= F_HYPHEN
    return flags


@lru_cache(maxsize=WORD_CACHE)
def is_initial(t: str) -> bool:
    """A one-letter initial: "E."."""
    return INITIAL.match(t) is not None


def _name_goes_on(prev: str, first: frozenset[str]) -> bool:
    """May a name go on after ``prev`` with an everyday word: after a given name, an initial or a name particle
    ("Harvey J. Alter", "Carl Maria von Weber"), not after a family name or a determiner ("das")?"""
    return prev in first or (initial_or_particle(prev) and not determiner(prev))


@lru_cache(maxsize=WORD_CACHE)
def initial_or_particle(t: str) -> bool:
    """A name word that cannot stand alone or end a name: "E.", "von", "bin"."""
    return INITIAL.match(t) is not None or t.lower() in particles()


@lru_cache(maxsize=WORD_CACHE)
def country_form(surface: str) -> _countries.Form | None:
    """:meth:`Gazetteer.form` of the process-wide gazetteer, cached (it normalises and strips each time)."""
    return _countries.gazetteer().form(surface)


@lru_cache(maxsize=WORD_CACHE)
def country_parts(token: str) -> tuple[tuple[int, int, str], ...]:
    """:meth:`Gazetteer.parts` of the process-wide gazetteer, cached: country names inside a compound."""
    return tuple(_countries.gazetteer().parts(token))


def _genitive_like(word: str, position: int) -> bool:
    """A later name word in -s that is no given name: probably a genitive ("Merkels" in "Angela Merkels Politik")."""
    return position > 0 and word.endswith("s") and not word.endswith("ss") and word not in first_names()


# --------------------------------------------------------------------------------------------------------
# One Doc as plain lists
# --------------------------------------------------------------------------------------------------------


class TokenView:
    """The token attributes the rules read, copied out of a Doc in one pass.

    Why: every ``doc[i]`` or ``for tok in doc`` builds a new Token object, and the rules look at each token
    several times; plain lists of strings and ints are an order of magnitude cheaper.
    """

    __slots__ = ("text", "texts", "idx", "space", "sent", "n")

    def __init__(self, doc: Doc, text: str | None = None) -> None:
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
        return not later or t in first_names() or not german_common_word(t)

    def sequence(self, i: int, min_tokens: int = 1) -> tuple[int, int] | None:
        """Token range [i, j) of a person's name starting at token i, or None."""
        texts, n_tok = self.texts, self.n
        first = first_names()
        j = i
        n = 0
        while j < n_tok and n < MAX_NAME_TOKENS:
            t = texts[j]
            if n >= 2 and t in first and j + 1 < n_tok and self.namey(j + 1, True):
                break  # "Staatschef Recep Tayyip Erdogan Wladimir Putin": a second person starts
            if n >= 2 and everyday_word(t) and not _name_goes_on(texts[j - 1], first):
                # "erlaubt Bodo Ramelow Moslems zu Ramadan", "Horst Seehofer das Problem": an everyday word
                # after a family name (but "Harvey J. Alter", "Carl Maria von Weber")
                break
            if self.namey(j, n > 0, n == 1 and texts[j - 1] in first):
                n += 1
                j += 1
                # a genitive ends the name: "Donalds Mut", "Angela Merkels Politik"
                if _genitive_like(t, n - 1) and j < n_tok and texts[j][:1].isupper():
                    break
                continue
            # a particle goes on a name (:func:`_particle_goes_on`)
            particle = n > 0 and t.lower() in particles() and _particle_goes_on(t, texts[i:j], first)
            # "Ursula von der Leyen", "Alexander Van der Bellen": a particle, an article, one last name word
            if (
                particle
                and j + 2 < n_tok
                and texts[j + 1] in PARTICLE_ARTICLES
                and self.namey(j + 2, True)
                and not (j + 3 < n_tok and self.namey(j + 3, True))
            ):
                j += 2
                continue
            # "Otto von Bismarck", "Ludwig van Beethoven": a particle and one last name word, nothing more
            if (
                particle
                and j + 1 < n_tok
                and self.namey(j + 1, True)
                and not (j + 2 < n_tok and self.namey(j + 2, True))
            ):
                j += 1
                continue
            break
        while j > i and initial_or_particle(texts[j - 1]):
            j -= 1
        real = [t for t in texts[i:j] if not initial_or_particle(t)]
        if len(real) < min_tokens or not real:
            return None
        if any(non_person_head(t) for t in real):
            return None  # "Cornell University", "Robert Koch-Institut", "Rocky Mountains"
        if len(real) == 1 and german_common_word(real[0]):
            return None  # "der Präsident Frieden ..." is no name
        return i, j


# Words around a name span: labels and nouns glued to it, a name word the span left out -------------------


def _particle_goes_on(particle: str, before: list[str], first: frozenset[str]) -> bool:
    """May the name words ``before`` go on with ``particle``? The particles that are German words ("von", "zu",
    "das") do after given names and initials ("Karl-Theodor zu Guttenberg", "Maria das Dores") or after one word
    the lists may miss ("Heimito von Doderer"; but "zu" after one word is the preposition: "sagt Trump zu
    Attkisson"), never after a family name: "Emmanuel Macron zu den Karikaturen", "Antje Arndt von der
    Opferberatung", "Jens Spahn das Coronavirus" end before them. Other particles do ("Abdel Fattah al-Sisi")."""
    if particle not in ("von", "zu", "das"):
        return True
    if all(INITIAL.match(w) or all(p in first for p in w.split("-")) for w in before):
        return True
    return len(before) == 1 and particle != "zu"


def leading_noun(token: str) -> bool:
    """A common noun or a compound with a noun head before a name is a role or an organisation, not a
    name word ("Gaststättenverbands Dehoga", "BioNTech-Finanzvorstand Sierk Poetting"); given names and
    hyphenated names ("Karl-Josef", "Kramp-Karrenbauer") are kept."""
    if token in first_names() or not token[:1].isupper():
        return False
    head = HYPHEN_SPLIT.split(token)[-1]
    if head != token and not head[:1].isupper():
        return False
    if is_cue(head) or head in parties():  # "Der nordrhein-westfälische Grüne Norwich Rüße"
        return True
    if len(head) < 6:  # short words are as often a foreign name's syllable ("Sung Kim")
        return False
    # the noun head of a compound ("BioNTech-Finanzvorstand", "Gaststättenverbands"); not a single
    # dictionary word (Wiktionary lists "Franziska"), an ending ("Krišjānis") nor two syllables
    return (head != token and everyday_word(head)) or noun_compound(head)


def given_name(word: str, first: frozenset[str]) -> bool:
    """A given name of ``first``, also a double one written with a hyphen ("Hans-Jürgen", "Marie-Agnes")."""
    return word in first or (
        bool(HYPHEN_SPLIT.search(word)) and all(p in first for p in HYPHEN_SPLIT.split(word))
    )


def hyphenated_label(token: str, first: frozenset[str]) -> bool:
    """Is ``token``, right before a given name, a hyphenated label rather than a double given name: a part of
    it is no given name ("Knallhart-Corona-Warrior", "Corona-Leugner"; "Hans-Jürgen", "Jean-Luc" are names)?"""
    return bool(HYPHEN_SPLIT.search(token)) and not given_name(token, first)


def noun_not_name(token: str) -> bool:
    """A common German noun that is no given name ("Ansehen", "Kampagne"), so its "von" is a preposition,
    not a name's particle ("Beatrix von Storch"; "Ernst", "Mohr" are names too and stay)."""
    return token not in first_names() and german_common_word(token)


def trailing_noun(token: str) -> bool:
    """A noun after a full name ("Donald Trump Briefwählerinnen"), not a glued verb the registry repairs
    ("Lee Jae Myungwerden") nor a given name."""
    low = token.lower()
    if token in first_names() or any(low.endswith(g) for g in glue_verbs()):
        return False
    return leading_noun(token) or (len(token) >= 4 and everyday_word(token))  # "Angela Merkel Panik"


def left_out_name_word(token: str) -> bool:
    """Could ``token``, right before a name span, be a word of that name left out of it: capitalised, no
    title, role, particle, German or everyday word ("Ugur" before "Sahin von Biontech")?"""
    return (
        token[:1].isupper()
        and token.isalpha()
        and token.lower() not in particles()
        and not is_cue(token)
        and not everyday_word(token)
        and not german_common_word(token)
    )


class WrittenTogether:
    """Which words an article writes in a row, built when first asked (few articles ask)."""

    def __init__(self, texts: list[str], first: frozenset[str]) -> None:
        self.texts = texts
        self.first = first

    def _given(self, word: str) -> bool:
        return given_name(word, self.first)

    @cached_property
    def pairs(self) -> set[tuple[str, str]]:
        """Consecutive tokens (a name written whole: "Gunnar Kaiser")."""
        return set(zip(self.texts, self.texts[1:], strict=False))

    @cached_property
    def family(self) -> set[str]:
        """Words written right after a given name ("Marie-Agnes" of two counts)."""
        return {b for a, b in self.pairs if self._given(a)}

    @cached_property
    def whole(self) -> set[tuple[str, str]]:
        """Pairs of words written right after a given name: a name of two family names ("Isabel Díaz Ayuso")."""
        t = self.texts
        return {(b, c) for a, b, c in zip(t, t[1:], t[2:], strict=False) if self._given(a)}

    def glued_after(self, i: int, surnames: set[str]) -> bool:
        """Is the name of two words at ``i`` another name's last word (``surnames``) and a word the article
        writes elsewhere without it ("Adil Sbai ... machte Sbai TikTok zu seinem Beruf ... TikTok wächst"), and
        never the two after a given name ("Isabel Ferrer Montalvo" beside "Carmen Ferrer")?"""
        t = self.texts
        if t[i] not in surnames or (t[i], t[i + 1]) in self.whole:
            return False
        return any(w == t[i + 1] and t[k - 1] != t[i] for k, w in enumerate(t) if k)
