"""Word lists and word tests of the person and country rules: what a single word is in German news.

Why a module of its own: every rule of the entity layer asks the same few questions of a word — is it a
title ("Präsident"), a known given name, a name particle ("von"), a common German noun, the head of an
organisation's name ("University") — and the answers come from data files in ``search/data/`` (each read
once, on first use, and cached) and from word frequencies (wordfreq). The rules themselves live in the
modules that use these answers.

Files read here: ``person_cues_de.txt`` (titles and roles), ``first_names.txt`` and ``first_names_dach.txt``,
``determiners_de.txt``, ``name_particles.txt``, ``name_gap_starters_de.txt``, ``conjunctions_de.txt``,
``time_words_de.txt``, ``non_person_heads.txt``, ``eponymous_organisations.txt``, ``glue_verbs_de.txt``,
``speech_verbs_de.txt``, ``country_lookalikes_de.txt``, ``everyday_words_de.txt``, ``english_titles.txt``,
``role_offices_de.txt`` and ``noun_endings_de.tsv``; their header comments say what each list is for.
spaCy's German stop words and CLDR's month and weekday names (Babel) complete them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.core.settings import DATA_DIR

CUES_TXT = DATA_DIR / "person_cues_de.txt"
FIRST_NAMES_TXT = DATA_DIR / "first_names.txt"
FIRST_NAMES_DACH_TXT = DATA_DIR / "first_names_dach.txt"
DETERMINERS_TXT = DATA_DIR / "determiners_de.txt"
PARTICLES_TXT = DATA_DIR / "name_particles.txt"
GAP_STARTERS_TXT = DATA_DIR / "name_gap_starters_de.txt"
CONJUNCTIONS_TXT = DATA_DIR / "conjunctions_de.txt"
TIME_WORDS_TXT = DATA_DIR / "time_words_de.txt"
NON_PERSON_HEADS_TXT = DATA_DIR / "non_person_heads.txt"
GLUE_VERBS_TXT = DATA_DIR / "glue_verbs_de.txt"
NOUN_ENDINGS_TSV = DATA_DIR / "noun_endings_de.tsv"
SPEECH_VERBS_TXT = DATA_DIR / "speech_verbs_de.txt"
LOOKALIKES_TXT = DATA_DIR / "country_lookalikes_de.txt"
EVERYDAY_WORDS_TXT = DATA_DIR / "everyday_words_de.txt"
EPONYMOUS_TXT = DATA_DIR / "eponymous_organisations.txt"
ENGLISH_TITLES_TXT = DATA_DIR / "english_titles.txt"
ENGLISH_FUNCTION_WORDS_TXT = DATA_DIR / "english_function_words.txt"
ROLE_OFFICES_TXT = DATA_DIR / "role_offices_de.txt"

# Sizes of the per-string caches: the distinct words of a large archive, not of one article.
WORD_CACHE = 1 << 16
NAME_CACHE = 1 << 16

HYPHEN_SPLIT = re.compile(r"[-\u2010\u2011]")


def read_lines(path: Path) -> list[str]:
    """The entries of a data file: stripped lines, without empty lines and ``#`` comments; [] when missing."""
    if not path.exists():
        return []
    return [
        ln.strip()
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]


# --------------------------------------------------------------------------------------------------------
# Titles and roles
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Cues:
    exact: frozenset[str]
    suffixes: frozenset[str]
    suffix_lengths: tuple[int, ...]  # distinct lengths of ``suffixes``: a suffix test is one set lookup each
    bases: dict[str, str]  # every form -> its line (lower case, without "="): the role a form is
    titles: frozenset[str]  # the "=" lines: forms of address and titles that go with anyone's name ("herr")


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
    bases: dict[str, str] = {}
    titles: set[str] = set()
    for line in read_lines(CUES_TXT):
        whole_only = line.startswith("=")
        if whole_only:
            titles.add(line[1:].lower())
        forms = _cue_forms(line.lstrip("="))
        exact |= forms
        for form in forms:  # a form of two lines ("Anwältin": Anwalt + in, and a line of its own): the own
            if form not in bases or form == line.lstrip("=").lower():
                bases[form] = line.lstrip("=").lower()
        if not whole_only and len(line) >= 4:
            suffixes |= forms
    lengths = tuple(sorted({len(s) for s in suffixes}, reverse=True))
    return _Cues(frozenset(exact), frozenset(suffixes), lengths, bases, frozenset(titles))


@lru_cache(maxsize=WORD_CACHE)
def is_cue(word: str) -> bool:
    """True for a title or role word (also inside compounds: ``US-Außenminister``, ``Atomunterhändlers``)."""
    return cue_base(word) is not None


@lru_cache(maxsize=WORD_CACHE)
def cue_base(word: str) -> str | None:
    """The role a title or role word is, as its line of ``person_cues_de.txt`` (lower case): "präsident" for
    "US-Präsidenten", "außenminister" for "Bundesaußenministerin" (the longest line it ends in); None for
    a word that is none."""
    w = word.lower().strip(".,;:")
    if not w:
        return None
    cues = _cues()
    if w in cues.exact:
        return cues.bases[w]
    last = HYPHEN_SPLIT.split(w)[-1]
    if last in cues.exact:
        return cues.bases[last]
    # a cue ending after at least three letters of its own ("Atomunterhändlers"), the longest first
    room = len(w) - 3
    suffixes = cues.suffixes
    for n in cues.suffix_lengths:
        if n <= room and w[-n:] in suffixes:
            return cues.bases[w[-n:]]
    return None


def own_role_before(text: str, s: int) -> bool:
    """Is the word at ``s`` right after a role of the person's own ("Agrarministerin Klöckner"), not a form
    of address or title that goes with anyone's name ("Herr Tönnies", "Dr. Müller")?"""
    role = role_word_before(text, s)
    return role is not None and role not in _cues().titles


@lru_cache(maxsize=1)
def _offices() -> dict[str, str]:
    """``role_offices_de.txt``: role (as :func:`cue_base` gives it) -> the office it names."""
    out = {}
    for line in read_lines(ROLE_OFFICES_TXT):
        office, _, roles = line.partition(":")
        out.update((role.lower(), office.strip()) for role in roles.split())
    return out


def office(role: str) -> str | None:
    """The office a role (:func:`cue_base`) names ("premier": head of government); None for a title, a
    profession or a word the press uses for any office ("machthaber")."""
    return _offices().get(role)


def roles_agree(one: str, other: str) -> bool:
    """Can two roles of an office (:func:`cue_base`, :func:`office`) be the same person's: the same office, or
    one a compound of the other ("präsident" and "ministerpräsident": a "Präsident Söder" is not ruled out)?"""
    return office(one) == office(other) or one.endswith(other) or other.endswith(one)


# --------------------------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Given names that start a person's name ("Andrew Kim"), as written: two lists of different licences
    (``first_names.txt``, CC BY 4.0 and public domain; ``first_names_dach.txt``, GNU FDL)."""
    return frozenset(read_lines(FIRST_NAMES_TXT)) | frozenset(read_lines(FIRST_NAMES_DACH_TXT))


@lru_cache(maxsize=1)
def _determiners() -> frozenset[str]:
    return frozenset(read_lines(DETERMINERS_TXT))


def determiner(word: str) -> bool:
    """An article, demonstrative or possessive ("der", "dieser", "ihre"; ``determiners_de.txt``)."""
    return word.lower() in _determiners()


@lru_cache(maxsize=1)
def particles() -> frozenset[str]:
    """Name particles ("von", "bin", "de"), lower case."""
    return frozenset(read_lines(PARTICLES_TXT))


@lru_cache(maxsize=1)
def gap_starters() -> frozenset[str]:
    """Tokens that may follow a title before ", Name" ("Sprecherin des Außenministeriums, Hua Chunying")."""
    return frozenset(read_lines(GAP_STARTERS_TXT))


@lru_cache(maxsize=1)
def conjunctions() -> frozenset[str]:
    """Conjunctions of an elliptic coordination ("Nord- und Südkorea")."""
    return frozenset(read_lines(CONJUNCTIONS_TXT))


@lru_cache(maxsize=1)
def time_words() -> frozenset[str]:
    """Time words that follow a name without an article ("nannte Trump Anfang Juni"), lower case."""
    return frozenset(read_lines(TIME_WORDS_TXT))


@lru_cache(maxsize=1)
def english_titles() -> frozenset[str]:
    """English titles and forms of address before a family name ("President", "Mr"), as written."""
    return frozenset(read_lines(ENGLISH_TITLES_TXT))


@lru_cache(maxsize=1)
def _english_function_words() -> frozenset[str]:
    return frozenset(read_lines(ENGLISH_FUNCTION_WORDS_TXT))


def english_function_word(word: str) -> bool:
    """A capitalised English article, preposition, conjunction or pronoun ("For", "The"): a title-cased
    English title ("Pray For Paris") or name of a band or paper, no person's name word."""
    return word[:1].isupper() and word.lower() in _english_function_words()


@lru_cache(maxsize=1)
def _non_person_heads() -> frozenset[str]:
    return frozenset(w.lstrip("!") for w in read_lines(NON_PERSON_HEADS_TXT) if not w.startswith((">", "<")))


@lru_cache(maxsize=1)
def _heads_before_names() -> frozenset[str]:
    return frozenset(w[1:] for w in read_lines(NON_PERSON_HEADS_TXT) if w.startswith("<"))


@lru_cache(maxsize=1)
def _heads_in_no_name() -> frozenset[str]:
    return frozenset(w[1:] for w in read_lines(NON_PERSON_HEADS_TXT) if w.startswith("!"))


@lru_cache(maxsize=1)
def _heads_after_names() -> frozenset[str]:
    return frozenset(w[1:] for w in read_lines(NON_PERSON_HEADS_TXT) if w.startswith(">"))


@lru_cache(maxsize=1)
def glue_verbs() -> frozenset[str]:
    """Finite verbs and function words that get glued to the last name in typos ("Kim Jong Unwerden")."""
    return frozenset(read_lines(GLUE_VERBS_TXT))


@lru_cache(maxsize=1)
def _noun_endings() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(endings of derived nouns, endings of nominalised adjectives), in file order."""
    rows = [line.split("\t") for line in read_lines(NOUN_ENDINGS_TSV)]
    nouns = tuple(r[0].strip() for r in rows if len(r) > 1 and r[1].strip() == "noun")
    adjectives = tuple(r[0].strip() for r in rows if len(r) > 1 and r[1].strip() == "adjective")
    return nouns, adjectives


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's German stop words, lower case."""
    from spacy.lang.de.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@lru_cache(maxsize=1)
def calendar_words() -> frozenset[str]:
    """German month and weekday names (CLDR via Babel, plus Austrian "Jänner"), lower case."""
    from babel import Locale

    loc = Locale("de")
    words = set()
    for ctx in ("format", "stand-alone"):
        words |= {m.lower() for m in loc.months[ctx]["wide"].values()}
        words |= {d.lower() for d in loc.days[ctx]["wide"].values()}
    return frozenset(words | {"jänner", "märz"})


# --------------------------------------------------------------------------------------------------------
# Word tests
# --------------------------------------------------------------------------------------------------------


def noun_use(text: str, pos: int) -> bool:
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
    if j == i:
        return False
    if text[j:i].lower() not in _determiners():
        return _bare_adjective(text, j, text[j:i])
    k = j
    while k > 0 and text[k - 1].isspace():
        k -= 1
    return not (k > 0 and text[k - 1] == ",")  # ", die Spahn ...": a relative pronoun


#: Endings of German adjectives made from other words (klass-isch, freund-lich, mächt-ig, …), inflected.
_ADJECTIVE = re.compile(r"(?:isch|lich|ig|bar|sam|haft|los|voll)(?:e|er|en|em|es)$")
_TOKEN_BEFORE = re.compile(r"(\S+)\s+$")


def _bare_adjective(text: str, j: int, word: str) -> bool:
    """Is ``word`` (at ``j``) an inflected adjective with no determiner before it ("klassischer arabischer
    Musk[ik]", "flüssiges Meth")? German puts an article before an adjective and a person's name ("ein
    sichtlich genervter Spahn", "die 30-jährige Raue"); without one the adjective goes with a common noun."""
    found = _ADJECTIVE.search(word) if word.islower() else None
    if found is None or found.start() < 3:  # "zwischen" is no adjective
        return False
    while j > 0 and not text[j - 1].isspace():  # the whole token: "30-jährige"
        j -= 1
    for _ in range(3):  # further adjectives or adverbs back to the determiner, if any
        before = _TOKEN_BEFORE.search(text, max(0, j - 40), j)
        if before is None:
            return True
        token = before.group(1).strip('„“”"»«‚‘,')
        if token.lower() in _determiners():
            return False
        if not token.islower():
            return True
        j = before.start(1)
    return False


@lru_cache(maxsize=WORD_CACHE)
def german_common_word(word: str) -> bool:
    """A capitalised word that is far more likely a German noun than a name (ends a name sequence)."""
    low = HYPHEN_SPLIT.split(word.lower())[-1]
    try:
        from wordfreq import zipf_frequency
    except ImportError:  # pragma: no cover - wordfreq is a project dependency
        return False
    de = zipf_frequency(low, "de")
    noun_endings, adjective_endings = _noun_endings()
    if low.endswith(noun_endings) and (len(low) >= 9 or de >= 3.0):
        return True  # Verhandlung, Entscheidung; not the name syllable "myung" nor the surname "Hartung"
    if low.endswith(adjective_endings) and len(low) >= 8:
        return True  # nominalised adjectives: Minderjährige, Verantwortliche, Angehörigen
    return de >= 4.3 and de - zipf_frequency(low, "en") >= 2.0


@lru_cache(maxsize=NAME_CACHE)
def german_compound(word: str) -> bool:
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


@lru_cache(maxsize=1)
def _eponymous() -> frozenset[str]:
    return frozenset(read_lines(EPONYMOUS_TXT))


def eponymous_organisation(word: str) -> bool:
    """Is ``word`` alone mostly the name of a company or news service named after its founder ("Bloomberg",
    "Tönnies")? Then another article's or the alias table's person is no evidence that it names them."""
    return word in _eponymous()


@lru_cache(maxsize=WORD_CACHE)
def non_person_head(word: str) -> bool:
    """Is ``word`` (or its last hyphenated part, or that without a plural -s; a compound's part also without a
    German plural -n/-en: "Clinton-Gruppen", or a genitive -es: "des Beethoven-Hauses") the head of a
    non-person name?"""
    parts = HYPHEN_SPLIT.split(word.lower())
    last = parts[-1]
    heads = _non_person_heads()
    if last in heads or (last.endswith("s") and last[:-1] in heads):
        return True
    return len(parts) > 1 and last.endswith(("n", "es")) and (last[:-1] in heads or last[:-2] in heads)


def non_person_compound(word: str) -> bool:
    """Is ``word`` a compound written as one whose head (four letters or more) is a non-person head
    ("Rathenauplatz", "Goethestraße"), for the truncated part coordinated with it ("Goethe- und
    Rathenauplatz")?"""
    low = word.lower()
    return any(low.endswith(h) and len(low) > len(h) for h in _non_person_heads() if len(h) >= 4)


def no_name_word(word: str) -> bool:
    """Is ``word`` (or its last hyphenated part, or that without a plural -s) a head that no person's name
    has after its first word, even one starting with a given name ("Stanford University", "Pearl Harbor",
    "Christopher Street Day"); the ``!`` lines of ``non_person_heads.txt``."""
    last = HYPHEN_SPLIT.split(word.lower())[-1]
    heads = _heads_in_no_name()
    return last in heads or (last.endswith("s") and last[:-1] in heads)


def head_after_name(word: str) -> bool:
    """Is ``word``, right after a name, the head of what is named after the person: a :func:`non_person_head`,
    or a head that is a given name too and so counts only there ("Marx Halle"; "Halle Berry" is a person)?"""
    return non_person_head(word) or HYPHEN_SPLIT.split(word.lower())[-1] in _heads_after_names()


def head_before_name(word: str) -> bool:
    """Is ``word``, right before a name, what is named after the person ("Flughafen John F. Kennedy",
    "Flugzeugträger Charles de Gaulle"; the ``<`` lines of ``non_person_heads.txt``, also with a genitive -s)?"""
    low = word.lower()
    heads = _heads_before_names()
    return low in heads or (low.endswith("s") and low[:-1] in heads)


# --------------------------------------------------------------------------------------------------------
# Everyday words that make a "name" a thing ("Big Pharma", "Corona Test") and keep one word from being
# completed to a person known from other articles ("Alter" -> Steve Alter)
# --------------------------------------------------------------------------------------------------------

#: Articles after a particle inside a name: "Ursula von der Leyen", "Alexander Van der Bellen".
PARTICLE_ARTICLES = frozenset({"der", "den", "dem", "la", "le", "de"})
#: Zipf frequencies (wordfreq) that make a capitalised pair a thing: the first word at least this common in
#: English ("Green", "Zero", "Great", "Corona" 3.42), the last in German or English ("Pharma" 3.56,
#: "Pandemie" 3.56, "Test" 5.19); a person's family name is mostly rarer ("Zuckerberg", "Jinping").
EVERYDAY_FIRST = 3.4
EVERYDAY_LAST = 3.5


@lru_cache(maxsize=WORD_CACHE)
def everyday(word: str) -> float:
    """How common ``word`` is as a word of German or English (wordfreq's Zipf scale, the higher of the two)."""
    from wordfreq import zipf_frequency

    low = word.lower()
    return max(zipf_frequency(low, "de"), zipf_frequency(low, "en"))


def everyday_phrase(words: list[str]) -> bool:
    """A capitalised pair that names a thing, not a person: the first word no known given name and an
    everyday word, the last an everyday word too ("Big Pharma", "Green Bonds", "Zero Covid", "Great
    Reset", "Corona Test", "Johns Hopkins"). Hyphenated and short last words ("Jae-in", "Yi") are name
    syllables, never everyday."""
    ws = [w for w in words if w.lower() not in particles() and not (len(w) == 2 and w.endswith("."))]
    if len(ws) < 2:
        return False
    last = ws[-1]
    if len(last) < 4 or HYPHEN_SPLIT.search(last) or HYPHEN_SPLIT.search(ws[0]):
        return False  # "Frank-Walter Steinmeier": a hyphenated given name
    if ws[0] in first_names():
        return False
    return english(ws[0]) >= EVERYDAY_FIRST and everyday(last) >= EVERYDAY_LAST


#: A word this common in English is too common to name a person known from another article by itself
#: ("Black" 5.5, "State" 5.7; "Trump" is 4.93, "Gates" 4.3).
VERY_COMMON = 5.0


@lru_cache(maxsize=WORD_CACHE)
def noun_compound(token: str) -> bool:
    """A German compound whose head is an everyday noun of five letters or more, maybe in the genitive:
    "Gaststättenverbands" (Verband), "Finanzvorstand" (Vorstand). Family names rarely end in one."""
    word = token[:-1] if token.endswith("s") else token
    return any(everyday_word(word[cut:].capitalize()) for cut in range(3, len(word) - 4))


def everyday_english(word: str) -> bool:
    """A very common English word ("Black", "State", "Widow" is not): see :data:`VERY_COMMON`."""
    return english(word) >= VERY_COMMON


#: A capitalised word after a word: the noun a German genitive comes before ("Bonds Martini").
_CAPITAL_AFTER = re.compile(r"[ \t]+[A-ZÄÖÜ]")
ENGLISH_PLURAL = 4.0  # "bonds" 4.27, "kings" 4.41; "browns" 3.86, "trumps" and "merkels" far below


def english_plural(text: str, s: int, e: int) -> bool:
    """Is the one word at [s, e), ending in -s, a common English plural of a common English word ("Bonds",
    "Kings", "Parks")? Beside a family name without the -s ("James Bond") it is far more often the English
    plural ("Green Bonds", "Kredite über Bonds (Anleihen)") than a German genitive, which comes before its
    noun ("Bonds Martini"). Whether it is a person's own name word ("Gates") the caller knows."""
    word = text[s:e]
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss") or " " in word:
        return False
    if _CAPITAL_AFTER.match(text, e):
        return False
    return english(word) >= ENGLISH_PLURAL and english(word[:-1]) >= ENGLISH_PLURAL  # not "Jesus" of "Jesu"


@lru_cache(maxsize=WORD_CACHE)
def english(word: str) -> float:
    """How common ``word`` is in English: German given names are frequent in German text ("Helge"), so a
    German frequency cannot tell them from words; such phrases are mostly English ("Big Pharma")."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), "en")


@lru_cache(maxsize=1)
def speech_verbs() -> frozenset[str]:
    """``speech_verbs_de.txt``: "sagte", "erklärte", "so" ... (the words that mark the name after them)."""
    return frozenset(w.split()[0].lower() for w in read_lines(SPEECH_VERBS_TXT))


@lru_cache(maxsize=1)
def speech_verbs_after_name() -> frozenset[str]:
    """The words of ``speech_verbs_de.txt`` that also mark the name before them ("Spahn sagte"); not those
    marked ``>`` ("so": "so Drosten" is speech, "Corona so etwas wie" is not)."""
    return frozenset(w.lower() for w in read_lines(SPEECH_VERBS_TXT) if not w.endswith(">"))


_WORD_BEFORE_SPEECH = re.compile(r"([^\W\d_]+)[ \t]*,?[ \t]*$")
_WORD_AFTER_SPEECH = re.compile(r"[ \t]+([^\W\d_]+)")


_WORD_BEFORE_NAME = re.compile(r"([^\W\d_][\w\-\u2010\u2011]*\.?)[ \t]+$")


def _capital_word_before(text: str, s: int) -> str | None:
    """The capitalised word right before ``s`` (with a dot of its own: "Prof."), if any."""
    before = _WORD_BEFORE_NAME.search(text, max(0, s - 40), s)
    return before.group(1) if before and before.group(1)[:1].isupper() else None


def role_before(text: str, s: int) -> bool:
    """Is the word at ``s`` right after a title or role ("Ratspräsident Michel", "Prof. Schwab")? Titles and
    roles go with family names; a verb of saying goes with a given name alone as well ("schreibt Michel")."""
    word = _capital_word_before(text, s)
    return word is not None and is_cue(word)


def role_word_before(text: str, s: int) -> str | None:
    """The role (:func:`cue_base`) of the title or role word right before ``s``; None when there is none (also
    after a full stop: "die Ministerpräsidenten. Merkel drückte ...")."""
    word = _capital_word_before(text, s)
    return None if word is None or word.endswith(".") else cue_base(word)


def speech_marked(text: str, s: int, e: int) -> bool:
    """Is the word at [s, e) marked as a name by a verb of saying next to it ("sagte Winter", "so Braun",
    "Winter sagte")? Not after a determiner ("der Winter sagte" cannot name a person)."""
    before = _WORD_BEFORE_SPEECH.search(text, max(0, s - 40), s)
    if before and before.group(1).lower() in speech_verbs():
        return True
    after = _WORD_AFTER_SPEECH.match(text, e)
    return bool(after and after.group(1).lower() in speech_verbs_after_name() and not noun_use(text, s))


@dataclass(frozen=True)
class Lookalikes:
    """``country_lookalikes_de.txt``: expressions whose country word is no country, and codes that are none."""

    pattern: re.Pattern | None
    codes: frozenset[str]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the expressions stand in ``text``."""
        return [m.span() for m in self.pattern.finditer(text)] if self.pattern else []


@lru_cache(maxsize=1)
def country_lookalikes() -> Lookalikes:
    """The expressions (one regex, longest first) and the codes of ``country_lookalikes_de.txt``."""
    lines = read_lines(LOOKALIKES_TXT)
    codes = frozenset(ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("code:"))
    phrases = sorted((ln for ln in lines if not ln.startswith("code:")), key=len, reverse=True)
    # "Jamaika-*": the hyphen compounds it starts ("Jamaika-Aus"), every part of them
    body = "|".join(
        re.escape(p[:-1]) + r"[^\W_][\w\-\u2010\u2011]*" if p.endswith("-*") else re.escape(p)
        for p in phrases
    )
    return Lookalikes(re.compile(r"(?<!\w)(?:" + body + r")(?!\w)") if phrases else None, codes)


@lru_cache(maxsize=1)
def _everyday_words() -> frozenset[str]:
    return frozenset(read_lines(EVERYDAY_WORDS_TXT))


def everyday_word(word: str) -> bool:
    """A German common noun, place or other non-person name (German Wiktionary, ``everyday_words_de.txt``),
    also when it is a family name too: "Alter", "Bayern", "Corona", "Braun"; not "Merkel", "Spahn"."""
    return word in _everyday_words()
