"""What the words around a name say about it: part of an organisation, of an English phrase, or of another
person's name.

Why a module of its own: the registry (:mod:`search.enrich.entities.registry`) finds a known person's name words
in running text; whether a found word really is that person depends only on its neighbours ("Johnson &
Johnson", "Black Widow", "Schirin Kretschmann"), and these tests are the same for every way a word is found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from functools import cache, lru_cache
from pathlib import Path

from search.core.settings import DATA_DIR
from search.enrich.entities.keys import middle_initials
from search.enrich.entities.lexicon import (
    HYPHEN_SPLIT,
    cue_base,
    determiner,
    english,
    english_titles,
    everyday,
    everyday_word,
    first_names,
    german_common_word,
    german_compound,
    head_after_name,
    head_before_name,
    is_cue,
    non_person_compound,
    non_person_head,
    noun_compound,
    read_lines,
    role_word_before,
    speech_verbs,
    stop_words,
)
from search.enrich.entities.names import (
    GENERATIONS,
    famous_family_names,
    fold,
    spelling_words,
    strip_genitive_s,
)

ERA_NAMES_TXT = DATA_DIR / "era_names_de.txt"
SCREEN_WORDS_TXT = DATA_DIR / "screen_words_de.txt"
ROYAL_TITLES_TXT = DATA_DIR / "royal_titles_de.txt"
HISTORICAL_LEADERS_TXT = DATA_DIR / "historical_leaders_de.txt"
MALE_GIVEN_NAMES_TXT = DATA_DIR / "male_given_names.txt"
SHARED_FAMILY_NAMES_TXT = DATA_DIR / "shared_family_names.txt"
WORD_GIVEN_NAMES_TXT = DATA_DIR / "word_given_names.txt"


@cache
def _listed(path: Path) -> frozenset[str]:
    """The lines of one of the word lists above."""
    return frozenset(read_lines(path))


_AMPERSAND_AFTER = re.compile(r"[\s\-\u2010\u2011]*[&+]")  # also "Johnson-&-Johnson-Impfstoff"
_WORD_AFTER = re.compile(r"[ \t]*([^\W\d_][\w\-]*)")
# "Johnson and Johnson", "Johnson und Johnson": a name twice around "and" is a company's
_SAME_AFTER = re.compile(r"[ \t]+(?:and|und)[ \t]+([^\W\d_]+)")
_SAME_BEFORE = re.compile(r"([^\W\d_]+)[ \t]+(?:and|und)[ \t]+$")

# "Bush- und Clinton-Gruppen": a truncated compound part, and the full compound whose head it shares
_TRUNCATED_AFTER = re.compile(
    r"[\-\u2010\u2011][ \t]+(?:und|oder|sowie|bzw\.|&)[ \t]+(?:(?:dem|der|den|die|das)[ \t]+)?([^\W\d_][\w\-\u2010\u2011]*)"
)


def in_organisation(text: str, s: int, e: int) -> bool:
    """A name word of a company or institution: "&" beside it ("Johnson & Johnson"), the same word on the other
    side of "and" ("Johnson and Johnson"), an organisation word
    right after it ("Gates Foundation", "Hopkins University"), a shop's trade or a monument right before it
    ("vor Butter Lindner", also before a quotation mark), or a truncated compound part that shares the organisation head of the compound coordinated
    with it ("Bush- und Clinton-Gruppen")."""
    # (also across a line break: "die Bewerbung von Johnson & \nJohnson", seed 40)
    if _AMPERSAND_AFTER.match(text, e) or text[max(0, s - 4) : s].rstrip(" \t\r\n-").endswith(("&", "+")):
        return True
    same = _SAME_AFTER.match(text, e) or _SAME_BEFORE.search(text, max(0, s - 40), s)
    if same and strip_genitive_s(same.group(1)) == strip_genitive_s(text[s:e]):  # "Johnson and Johnsons"
        return True
    truncated = _TRUNCATED_AFTER.match(text, e)  # "dem Goethe- und dem Rathenauplatz": also written as one
    if truncated and (non_person_head(truncated.group(1)) or non_person_compound(truncated.group(1))):
        return True
    q = s - 1 if s > 0 and text[s - 1] in _QUOTES else s  # "das Denkmal „Christus, der Erlöser“"
    before = _NAME_BEFORE.search(text, max(0, q - 40), q)  # "vor Butter Lindner": a shop
    if before and head_before_name(before.group(1)):
        return True
    m = _WORD_AFTER.match(text, e)
    return bool(m and m.group(1)[:1].isupper() and head_after_name(m.group(1)))


_NAME_BEFORE = re.compile(r"([A-ZÄÖÜ][^\W\d_]+)[ \t]$")
_GIVEN_BEFORE_BREAK = re.compile(r"([A-ZÄÖÜ][^\W\d_]+)[ \t]*\n[ \t]*$")  # "Gehört von Beate\nSchröder"
#: A given name and initials without dots before the family name: "George HW Bush".
_GIVEN_BEFORE_UNDOTTED = re.compile(r"([A-ZÄÖÜ][^\W\d_]+)[ \t]+([A-Z]{2,3})[ \t]+$")
#: A given name and a nickname in quotation marks before the family name: 'Earvin "Magic" Johnson'.
_GIVEN_BEFORE_NICKNAME = re.compile(
    r"([A-ZÄÖÜ][^\W\d_]+)[ \t]+[\"'„“”‚‘’»«][^\"'„“”‚‘’»«\n]{1,25}[\"'„“”‚‘’»«][ \t]+$"
)
_MAIDEN_BEFORE = re.compile(r"(?<!\w)(?:geb\.|geborene[rn]?|née)[ \t]*$")  # "Christine Strobl, geb. Schäuble"
_NAME_AFTER = re.compile(r"[ \t]([A-ZÄÖÜ][^\W\d_]+)")
_NEXT_PART = re.compile(r"[ \-\u2010\u2011]([A-Z][a-z]+)")
#: What makes a month name before a family name the month ("im August Sanders Kampagne", "3. Mai Müller"): a day,
#: a preposition of time, a time word.
_MONTH_CONTEXT = re.compile(
    r"(?:\d\.?|\b(?:[Ii]m|[Ss]eit|[Bb]is|[Aa]b|[Vv]om|[Zz]um|[Aa]m|[Ii]n|[Aa]nfang|[Mm]itte|[Ee]nde|[Dd]en|[Dd]es))[ \t]+$"
)
_COUPLE_AFTER = re.compile(r"[ \t]+(?:und|&|sowie|oder)[ \t]+([A-ZÄÖÜ][^\W\d_]+)[ \t]+([A-ZÄÖÜ][^\W\d_]+)")


def english_phrase_after(text: str, e: int) -> bool:
    """The name word starts an English phrase or compound: "Black Widow", "Black-Lives-Matter-Demos",
    "Trump Tower" (the next word a common English word that is no German one; "Trump-Regierung" is none)."""
    m = _NEXT_PART.match(text, e)
    return bool(m and english(m.group(1)) >= EVERYDAY_ENGLISH_NEXT and not everyday_word(m.group(1)))


EVERYDAY_ENGLISH_NEXT = 3.5  # "Widow" 3.6, "Lives" 4.9, "Tower" 4.2


def part_of_another_name(
    text: str, s: int, e: int, mine: set[str], names: Collection[str] = (), given: Collection[str] = ()
) -> bool:
    """Is the one word at [s, e) part of someone else's name: after a given name that is not one of ``mine``
    (the person's name words: "Schirin Kretschmann", "Leif Erik Sander"), or, as a given name, before a
    capitalised word that is not one of ``mine`` ("Alexander Lang" is no Alexander Lukaschenko) or
    coordinated with another given name before a family name that is not ``mine`` (a couple or siblings:
    "Alexander und Margarete Mitscherlich"; only for one of the person's ``given`` names: "Epstein, Clinton
    und Bill Gates" is no couple)? Also after another name's first word that is none of the known
    persons' ``names`` (:func:`_other_name_word`: "Pink Floyd", "Schirin Kretschmann"). A given name at the
    end of the line before counts too: a byline's name broken over two lines ("Gehört von Beate\nSchröder"), and
    one before a nickname in quotation marks ('Earvin "Magic" Johnson')."""
    before = _NAME_BEFORE.search(text, max(0, s - 40), s)
    if before and before.group(1) not in mine:
        word = before.group(1)
        if (
            word in first_names()
            or _accented_given_name(word)
            or _other_name_word(text, before.start(1), word, names)
            or _given_after_role(text, before.start(1), word)
            or _month_as_given_name(text, before.start(1), word)
            or _word_given_after_speech(text, before.start(1), word)
        ):
            return True
    undotted = _GIVEN_BEFORE_UNDOTTED.search(text, max(0, s - 40), s)  # "George HW Bush" is no George W. Bush
    if (
        undotted
        and undotted.group(1) in first_names()
        and set(undotted.group(2)) != {w[0] for w in mine if len(w) == 2 and w.endswith(".")}
    ):
        return True
    broken = _GIVEN_BEFORE_BREAK.search(text, max(0, s - 40), s)
    if broken and broken.group(1) not in mine and broken.group(1) in first_names():
        return True
    nick = _GIVEN_BEFORE_NICKNAME.search(text, max(0, s - 60), s)
    if nick and (word := nick.group(1)) not in mine and not (is_cue(word) or everyday_word(word)):
        return True  # (a given name the lists miss, too: "Earvin")
    if strip_genitive_s(text[s:e]) not in first_names():
        return False
    after = _NAME_AFTER.match(text, e)
    if after and after.group(1) not in mine and not is_cue(after.group(1)):
        return True
    couple = _COUPLE_AFTER.match(text, e)
    return bool(
        couple
        and strip_genitive_s(text[s:e]) in given
        and couple.group(1) in first_names()
        and couple.group(2) not in mine
    )


#: A name a newspaper changed to protect someone: "Mark Schröder (Name geändert)", "(Namen von der
#: Redaktion geändert)". The article's word is that private person's, never a known one's.
_PSEUDONYM = r"(?!\w)[ \t]*\((?:[^()\n]{0,40}[ \t])?Namen?[ \t](?:[^()\n]{0,40}[ \t])?geändert"


_UMLAUTS = re.compile("[äöüÄÖÜß]")


@lru_cache(maxsize=1)
def _folded_given_names() -> frozenset[str]:
    return frozenset(fold(n) for n in first_names())


def _accented_given_name(word: str) -> bool:
    """A given name of the lists written with accents they lack ("Ramón" of "Ramon", "José" of "Jose");
    German umlauts are letters of their own ("Ära" is no "Ara")."""
    return not word.isascii() and not _UMLAUTS.search(word) and fold(word) in _folded_given_names()


def named_otherwise(
    text: str, s: int, word: str, mine: set[str], names: Collection[str] = (), given: Collection[str] = ()
) -> bool:
    """Does the article use the one name word ``word`` (the mention at ``s``) for someone else than the person
    of the name words ``mine``: after a given name that is not one of ``mine`` anywhere in the text (the
    article's own "Peter Michael Huber" beside "so Huber"), after the English article "The" ("The
    Lancet": a title, no person), or for a private person whose name the article changed ("Mark Schröder
    (Name geändert)"), or in a list with a head of state of the past ("unter Kennedy und Johnson")?"""
    if text[max(0, s - 4) : s] == "The " or listed_with_history(text, s, s + len(word)):
        return True
    if "geändert" in text and re.search(r"(?<!\w)" + re.escape(word) + _PSEUDONYM, text):
        return True
    # with the -s of the person's name, which the caller may have taken for a genitive ("Harri" of Harris)
    ending = "s?" if word + "s" in mine else ""
    pattern = re.compile(r"(?<![\w\-])" + re.escape(word) + ending + r"(?!\w)")
    return any(
        part_of_another_name(text, o.start(), o.end(), mine, names, given) for o in pattern.finditer(text)
    )


# one item of a list of names before or after another: "Truman, Kennedy, Johnson, Carter und Clinton"
_LIST_JOIN = r"(?:[ \t]*,[ \t]*|[ \t]+(?:und|oder|sowie)[ \t]+)"
_ITEM_BEFORE = re.compile(r"(?<![\w\-])([A-ZÄÖÜ][\w'’]*)" + _LIST_JOIN + "$")
_ITEM_AFTER = re.compile(_LIST_JOIN + r"([A-ZÄÖÜ][\w'’]*)(?![\w\-])")
MAX_LIST_ITEMS = 5  # items looked at on either side


def listed_with_history(text: str, s: int, e: int) -> bool:
    """Is the name word at [s, e) an item of a list of names with a head of state or government of the past
    (``historical_leaders_de.txt``): "unter Kennedy und Johnson", "Johnson, Bush, Nixon haben gelogen"? Then
    it is a figure of that history too (Lyndon B. Johnson, seen in 5 of 5 such lists in two reviews), never a
    person of today known from other articles (Boris Johnson); "Trump und Johnson" is no such list, nor is
    "Kennedy Jr.", and a historical figure itself ("unter Hitler und Honecker") is that figure."""
    leaders = _listed(HISTORICAL_LEADERS_TXT)
    word = strip_genitive_s(text[s:e])
    if word in leaders or word in famous_family_names():
        return False

    def leader(m: re.Match[str]) -> bool:
        return strip_genitive_s(m.group(1)) in leaders and generation_after(text, m.end(1)) is None

    i = s
    for _ in range(MAX_LIST_ITEMS):
        if (m := _ITEM_BEFORE.search(text, max(0, i - 40), i)) is None:
            break
        if leader(m):
            return True
        i = m.start()
    for _ in range(MAX_LIST_ITEMS):
        if (m := _ITEM_AFTER.match(text, e)) is None:
            break
        if leader(m):
            return True
        e = m.end()
    return False


def _other_name_word(text: str, start: int, word: str, names: Collection[str]) -> bool:
    """Is the capitalised ``word`` at ``start`` (right before a family name) the first word of another name, when
    it is no title, German word or known person's name word: a common English word inside a sentence (after
    a lower-case word, a number or a comma: "Pink Floyd", "Magic Johnson"), or a rare word that is no
    compound at a sentence start (a given name the lists miss: "Schirin Kretschmann")?"""
    if (
        (start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-\u2010\u2011'’"))
        or word.isupper()
        or word in names
        or word in english_titles()
        or is_cue(word)
        or everyday_word(word)
        or word.lower() in stop_words()
    ):
        return False
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i == start and start > 0 and text[start - 1] not in "\n\r":
        return False  # glued to the word before (a line's or the text's first word starts a sentence)
    if i == 0 or text[i - 1] in _SENTENCE_ENDS:
        return (
            everyday(word) < RARE_WORD
            and len(word) <= MAX_GIVEN_NAME
            and not noun_compound(word)
            and not german_compound(word)
        )
    if english(word) < EVERYDAY_ENGLISH_NEXT or german_common_word(word):
        return False
    return text[i - 1].islower() or text[i - 1].isdigit() or text[i - 1] == ","


@lru_cache(maxsize=1)
def _months() -> frozenset[str]:
    """German month names as written (CLDR via Babel)."""
    from babel import Locale

    return frozenset(
        m for ctx in ("format", "stand-alone") for m in Locale("de").months[ctx]["wide"].values()
    )


def _month_as_given_name(text: str, start: int, word: str) -> bool:
    """Is the month name ``word`` at ``start`` (right before a family name) a given name ("Atget und August
    Sander", "Juli Zeh", "Mai Thi Nguyen-Kim"), not after a day or a preposition of time ("im August
    Sanders Kampagne")? The given-name lists leave months out, since the month is far more frequent."""
    return word in _months() and not _MONTH_CONTEXT.search(text, max(0, start - 12), start)


def _word_given_after_speech(text: str, start: int, word: str) -> bool:
    """Is the given name that is also a word (``word_given_names.txt``: "Mark", "Ernst") at ``start`` right
    after a verb of saying ("sagt Mark Sanders, Marketingchef"), so a given name?"""
    if word not in _listed(WORD_GIVEN_NAMES_TXT):
        return False
    verb = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return bool(verb and verb.group(1).lower() in speech_verbs())


def _given_after_role(text: str, start: int, word: str) -> bool:
    """Is the capitalised ``word`` at ``start`` (right before a family name) a given name because a role stands
    right before it, in the same sentence ("Zivilisationshistoriker Lee Harris": "Lee" is in no given-name
    list, being a German word too; and a family name of the run: "Spike Lee")? Not a role itself
    ("US-Präsident Trump"), a word in capitals ("Frau MALU Dreyer"), a German word or compound."""
    return (
        role_word_before(text, start) is not None
        and len(word) <= MAX_GIVEN_NAME
        and not word.isupper()
        and not is_cue(word)
        and not german_common_word(word)
        and word.lower() not in stop_words()
        and not determiner(word)
        and not german_compound(word)
        and not noun_compound(word)
    )


_SENTENCE_ENDS = frozenset('.!?:;\n\r"„“”«»')
RARE_WORD = 2.5  # Zipf frequency in German and English below which a word is no everyday one ("Schirin" 2.05)
MAX_GIVEN_NAME = 10  # letters; longer rare words are mostly German compounds ("Demonstrationsinitiator")


_COMPOUND_AT = re.compile(r"[^\W\d_][\w'’]*(?:[-\u2010\u2011][^\W_][\w'’]*)+")
_LIST_BEFORE = re.compile(r"([A-ZÄÖÜ][^\W\d_]*s)(?:,[ \t]*|[ \t]+(?:und|oder|sowie|&)[ \t]+)$")
_LIST_AFTER = re.compile(r"(?:,[ \t]*|[ \t]+(?:und|oder|sowie|&)[ \t]+)([A-ZÄÖÜ][^\W\d_]*s)\b")
_CAPITAL_AFTER = re.compile(r"[ \t]+[A-ZÄÖÜ]")
#: An inflected adjective and a noun ("Merkels und Spahns ureigenes Verdienst"): what a genitive goes with.
_ADJECTIVE_NOUN_AFTER = re.compile(r"[ \t]+([a-zäöüß]+(?:e|em|en|er|es))[ \t]+[A-ZÄÖÜ]")
#: A noun right before a list of -s forms, the noun they are genitives of ("die Politik Merkels, Söders & Co.").
_NOUN_BEFORE = re.compile(r"(?<![.!?:;\n])[ \t][A-ZÄÖÜ][a-zäöüß]+[ \t]+$")
_DETERMINER_BEFORE = re.compile(r"(?<!\w)(?:[Dd]ie|[Dd]er|[Dd]en|[Tt]he)[ \t]+$")
_SUFFIX_AFTER = re.compile(r",?[ \t]+([A-Za-z]+)\.?(?![\w\-])")


def famous_namesake(word: str, spellings: Iterable[str]) -> bool:
    """Is ``word`` alone the family name of a historical figure ("Schuberts letzter Zyklus", "Kant und
    Hegel") and the person of the known ``spellings`` another bearer of it (a living author Stefan Schubert
    whom other articles name in full)? Then the word names the figure, never them. Also a family name that
    several persons of today's news share (``shared_family_names.txt``: "Clinton"): it names none of them
    alone."""
    if word in _listed(SHARED_FAMILY_NAMES_TXT):  # "Clinton": Bill or Hillary, whoever articles mean most
        return True
    given = famous_family_names().get(word)
    return bool(given) and not any((ws := spelling_words(s)) and ws[0] in given for s in spellings)


#: A year, century or millennium and "vor"/"nach" right before an era name: "539 vor", "6. Jahrhundert nach".
_ERA_BEFORE = re.compile(r"(?:\d\.?|Jahrhunderts?|Jahrtausends?|Jahren?)\s+(?:vor|nach)\s+$")  # ("800\nnach")


def era_date(text: str, s: int, e: int) -> bool:
    """Is the word at [s, e) an era name after a year and "vor"/"nach" ("539 vor Christus";
    ``era_names_de.txt``): part of a date, no person."""
    return text[s:e] in _listed(ERA_NAMES_TXT) and bool(_ERA_BEFORE.search(text, max(0, s - 30), s))


_QUOTES = "\"'„“”‚‘’«»‹›"


def quoted_alone(text: str, s: int, e: int) -> bool:
    """Does the one word at [s, e) stand alone between quotation marks: a title or a nickname ('das Drama
    "Palmer"', „Tenet“), not a mention of the person known by that word?"""
    return s > 0 and e < len(text) and text[s - 1] in _QUOTES and text[e] in _QUOTES


def organisation_compound(text: str, s: int) -> bool:
    """The name word at ``s`` starts a hyphenated compound with an organisation, family, document or test head
    in a part after it, also as the head inside a part ("Rockefeller-Clan", "Gates-Stiftung",
    "Rockefeller-Studie", "Drosten-PCR-Test-Papiers", "Goethe-Deutschtests"; not "Merkel-Regierung")."""
    m = _COMPOUND_AT.match(text, s)
    if not m:
        return False
    parts = HYPHEN_SPLIT.split(m.group().rstrip("'’"))[1:]  # (no closing quote: "‚Drosten-PCR-Tests’")
    # any part after the name, also as the head inside a part, in the plural too: "Drosten-PCR-Test-Papiers",
    # "Goethe-Deutschtests", "Goethe-Sprachprüfungen"
    return any(
        non_person_head(part) or non_person_compound(word)
        for part in parts
        for word in (part, *(part[: -len(end)] for end in ("s", "n", "en") if part.endswith(end)))
    )


def family_plural(text: str, s: int, e: int, listed: bool = True) -> bool:
    """The -s form at [s, e) is a family in the plural, not one person's genitive: after a determiner ("die
    Rockefellers", "der Bushs") or in a coordination with another capitalised -s plural ("Rothschilds, Bushs,
    Rockefellers und Jesuiten", "der Nazis und Rockefellers"), with no noun after it that a genitive would go
    with ("Merkels und Macrons Pläne"). ``listed=False``: after a determiner only (a list of genitives,
    "die Politik Merkels und Macrons", looks the same)."""
    word = text[s:e]
    if not word.endswith("s") or word.endswith(("'s", "’s")):
        return False
    end = e
    while listed and (nxt := _LIST_AFTER.match(text, end)):  # to the end of a list of -s forms
        end = nxt.end()
    if _CAPITAL_AFTER.match(text, end):
        return False
    adjective = _ADJECTIVE_NOUN_AFTER.match(text, end)
    if adjective and not determiner(adjective.group(1)):  # not "die Hayalis der Republik"
        return False
    if _DETERMINER_BEFORE.search(text, max(0, s - 12), s):
        return True
    if not listed:
        return False
    start = s
    while prev := _LIST_BEFORE.search(text, max(0, start - 40), start):  # to the start of the list
        start = prev.start(1)
    if _NOUN_BEFORE.search(text, max(0, start - 40), start) and not _DETERMINER_BEFORE.search(
        text, max(0, start - 12), start
    ):
        return False
    return end > e or start < s


def _own_s_name(word: str, spellings: Iterable[str]) -> bool:
    """Is ``word`` (ending in s) the person's name itself ("Harris" of Kamala Harris), not an -s form of it
    ("Bushs", although an article wrote "George W. Bushs" in full)? With counted spellings, the form the
    person's spellings write more often; else any spelling with the word."""
    if not isinstance(spellings, Mapping):
        return any(word in v.split() for v in spellings)
    own = sum(n for v, n in spellings.items() if word in v.split())
    return own > sum(n for v, n in spellings.items() if word[:-1] in v.split())


def generation_after(text: str, e: int) -> str | None:
    """The generational suffix right after a name ("Bush Sr.", "Bush Junior", "Trump Jr."), lower case."""
    m = _SUFFIX_AFTER.match(text, e)
    word = m.group(1).lower() if m else ""
    dotted = bool(m) and text[m.end(1) : m.end(1) + 1] == "."
    return word if word in GENERATIONS or (dotted and word in GENERATION_ABBREVIATIONS) else None


#: German abbreviations of the same, only with their dot ("Bush sen.", "Schmidt jun.").
GENERATION_ABBREVIATIONS = frozenset({"sen", "jun"})


def someone_else(text: str, s: int, e: int, spellings: Iterable[str], own: bool) -> bool:
    """Does the mention at [s, e) name not the person of the known ``spellings`` but a family or a relative:
    a family plural ("die Rockefellers"; in a list of plurals only when the article does not name the person
    in full itself: ``own``), a compound with an organisation head ("Rockefeller-Clan"), or a generational
    suffix the person's known names lack ("Bush Sr." is no George W. Bush; nor, conservatively, "Bush
    Junior": "Trump Jr." beside Donald Trump is his son), or a family name cited as an author ("Lindner et
    al.", "(Johnson, 2011)"), or an era name in a date ("539 vor Christus"), or a word quoted alone (a
    title: 'das Drama "Palmer"'), or a royal's given name that is the person's family name ("des belgischen
    Königs Philippe" is no Édouard Philippe; "Königin Elisabeth" may be the article's Elisabeth von Windsor),
    or a woman's role before a man's name ("Konzernchefin Merz" is no Friedrich Merz), or a web address
    ("Heise.de"), or a maiden name ("Christine Strobl, geb. Schäuble": the word alone, not every "Schäuble" of
    the article), or a given name before an initial none of the person's names starts with (a defendant
    "Markus H." is no Markus Söder)? Other articles never turn these into the person."""
    words = {w for v in spellings for w in v.split()}
    if (
        organisation_compound(text, s)
        or era_date(text, s, e)
        or quoted_alone(text, s, e)
        or (royal_before(text, s) and _family_word(text[s:e], spellings))
        or (feminine_role_before(text, s) and _men_only(spellings))
        or _DOMAIN_AFTER.match(text, e) is not None
        or _MAIDEN_BEFORE.search(text, max(0, s - 12), s) is not None
    ):
        return True
    if not _own_s_name(text[s:e], spellings) and family_plural(text, s, e, listed=not own):
        return True
    if other_initials(text, s, e, spellings) or (" " not in text[s:e] and cited_initials(text, e, spellings)):
        return True
    if not own and " " not in text[s:e] and cited_author(text, s, e):
        return True  # (the article's own "Ping Liu" is its "Liu et al.")
    suffix = generation_after(text, e)
    if suffix is None:
        return False
    return suffix not in {w.lower().rstrip(".") for w in words}


_INITIALS_BEFORE = re.compile(r"(?<![\w.])((?:[A-ZÄÖÜ]\.[ \t]?)+)$")
_INITIAL_AFTER = re.compile(r"[ \t]([A-ZÄÖÜ])\.(?![\w.])")  # "Markus H."


#: Initials after a family name and a comma, before the next author or the title of a reference list
#: ("Lambrecht, B., Hammad, H. The immunology …").
_INITIALS_CITED = re.compile(r",[ \t]?((?:[A-ZÄÖÜ]\.[ \t-]?){1,3})(?=[ \t]*[,;:(]|[ \t]*$)", re.MULTILINE)


#: A family name cited as an author: "Lindner et al."; in parentheses with a year: "(Johnson, 2011; …)".
_ET_AL = re.compile(r"[ \t]+et[ \t]+al\b")
_CITED_YEAR = re.compile(r",[ \t]*(?:19|20)\d\d[a-z]?[;),]")
_CITATION_OPEN = re.compile(r"[(;][ \t]*$")


def cited_author(text: str, s: int, e: int) -> bool:
    """Is the one-word family name at [s, e) an author cited in a study's manner ("Lindner et al.",
    "(Johnson, 2011; Bush, 2012)")?"""
    if _ET_AL.match(text, e):
        return True
    return bool(_CITED_YEAR.match(text, e) and _CITATION_OPEN.search(text, max(0, s - 3), s))


def cited_initials(text: str, e: int, spellings: Iterable[str]) -> bool:
    """Is the family name ending at ``e`` an author of a reference list whose first initial is not the known
    person's ("Lambrecht, B.," is no Christine Lambrecht)?"""
    m = _INITIALS_CITED.match(text, e)
    if not m:
        return False
    firsts = {ws[0][0] for v in spellings if len(ws := v.split()) >= 2 and ws[0][:1].isupper()}
    return bool(firsts) and m.group(1)[0] not in firsts


def other_initials(text: str, s: int, e: int, spellings: Iterable[str]) -> bool:
    """Do initials right before the family name at ``s`` contradict the person of the known ``spellings``:
    another first initial ("H. Bush" is no George W. Bush), or other middle initials than the person's one
    set ("G.H.W. Bush": the father of George W. Bush)? Or is the word at [s, e) a given name shortened with an
    initial none of the person's further names starts with, as the press names a defendant ("Markus H." is no
    Markus Söder; "George W." may be George W. Bush)? Initials the spellings cannot check tell nothing."""
    if " " not in text[s:e] and (after := _INITIAL_AFTER.match(text, e)):
        return not any(after.group(1) == w[:1] for v in spellings for w in v.split()[1:])
    m = _INITIALS_BEFORE.search(text, max(0, s - 16), s)
    if not m:
        return False
    before = [c for c in m.group(1) if c.isupper()]
    full = [ws for v in spellings if len(ws := v.split()) >= 2 and ws[0][:1].isupper()]
    firsts = {ws[0][0] for ws in full}
    if firsts and before[0] not in firsts:
        return True
    middles = {middle_initials(" ".join(ws)) for ws in full} - {()}
    return len(before) > 1 and len(middles) == 1 and tuple(before[1:]) not in middles


@lru_cache(maxsize=1)
def _screen_words() -> re.Pattern[str]:
    words = "|".join(sorted(map(re.escape, read_lines(SCREEN_WORDS_TXT)), key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{words})\b" if words else r"(?!)")  # no list: no screen word


#: An actor's full name in brackets right after a name: "Schiffsarzt Doktor Sander (Nick Wilder)".
_PLAYED_BY = re.compile(
    r"[ \t]*\([ \t]*([A-ZÄÖÜ][^\W\d_]+)(?:-[A-ZÄÖÜ][^\W\d_]+)?[ \t]+(?:[A-ZÄÖÜ][^\W\d_]*\.?[ \t]+)?"
    r"[A-ZÄÖÜ][^\W\d_]+(?:-[A-ZÄÖÜ][^\W\d_]+)?[ \t]*\)"
)


def played_by(text: str, start: int, end: int) -> bool:
    """Is the name at [start, end) followed by a full name in brackets whose first word is a given name
    ("Doktor Sander (Nick Wilder)", "Kommissar Faber (Jörg Hartmann)")? That is how German writes a role and its
    actor: the name before the brackets is a character of a film or series, no person of the news. Only in
    an article with a word of the screen or stage (``screen_words_de.txt``): elsewhere the brackets hold another
    name of the person ("Lin Dajun (Jun Dong)"). Not where the brackets repeat the name's last word: a founder
    and the company ("Michael Dell (Dell Computer)")."""
    m = _PLAYED_BY.match(text, end)
    if not m or m.group(1) not in first_names() or not _screen_words().search(text):
        return False
    words = text[start:end].split()
    return not words or strip_genitive_s(words[-1]) not in m.group(0).strip(" \t()").split()


_WORD_BEFORE = re.compile(r"(\w+)[ \t]+$")


def royal_before(text: str, s: int) -> bool:
    """Is the word before ``s`` a monarch's title (``royal_titles_de.txt``: "König", "Prinz")? Then the word at
    ``s`` is a royal's given name ("Königs Philippe"), not the family name of a person known by that word."""
    m = _WORD_BEFORE.search(text, max(0, s - 30), s)
    return bool(m) and m.group(1) in _listed(ROYAL_TITLES_TXT)


def _family_word(word: str, spellings: Iterable[str]) -> bool:
    """Is ``word`` the last word of a known spelling and the first word of none (a family name only)?"""
    ws = [spelling_words(v) for v in spellings]
    word = strip_genitive_s(word)
    return any(w and w[-1] == word for w in ws) and not any(w and w[0] == word for w in ws)


#: A web address's top-level domain right after a name: "das Portal Heise.de" is a site, no person.
_DOMAIN_AFTER = re.compile(r"\.(?:de|com|org|net|at|ch|eu|info|tv|io)(?![\w.])", re.IGNORECASE)


def feminine_role_before(text: str, s: int) -> bool:
    """Is the word right before ``s`` a role in its feminine form, the masculine one with -in ("Konzernchefin",
    "Bundeskanzlerin", "Professorin")? German never uses it for a man."""
    m = _WORD_BEFORE.search(text, max(0, s - 30), s)  # (of a compound, its last part: "Thyssenkrupp-Chefin")
    base = cue_base(m.group(1)) if m else None
    return base is not None and m.group(1).lower().endswith(base + "in")


def _men_only(spellings: Iterable[str]) -> bool:
    """Are the given names of these full spellings all men's (``male_given_names.txt``)?"""
    given = {ws[0] for v in spellings if len(ws := spelling_words(v)) >= 2}
    return bool(given) and given <= _listed(MALE_GIVEN_NAMES_TXT)
