"""Pass 1 of the extraction: the person and country mentions of one article, read from its spaCy Doc.

Why a separate pass: a bare name ("Trump") can only be resolved once the full names of the whole batch are
known (:mod:`search.enrich.entities.registry`), so each Doc is first reduced to a small :class:`Draft` — its
text, candidate person mentions and country spans — and the Doc is dropped.

* Persons come from the model's PER spans (when a model is there), from titles and roles that introduce a
  name (``data/person_cues_de.txt``: "Regierungssprecherin Sarah Sanders", "Sprecherin des
  Außenministeriums, Hua Chunying"), from known given names followed by a capitalised word ("Andrew Kim",
  ``data/first_names.txt``) and from the alias table (``data/person_aliases.tsv``). A cue word is never part
  of a name. Overlapping candidates keep the longest.
* Statistical model spans are filtered: a PER span that does not start with a known given name must not
  contain common German words or end in a German compound ("Zankapfel Atomprogramm"); a single-word PER
  span is kept later only when it resolves to a full name.
* Countries come from the gazetteer's EntityRuler spans (see :mod:`search.enrich.entities.ner`) plus
  compounds (``US-Präsident``), elliptic coordination (``Nord- und Südkorea``) and line-break hyphens
  (``Wa-shington``). A LOC the gazetteer does not know (``Florida``, ``Panmunjom``) is not a country and is
  ignored for the facet; a country word inside a person's name ("George Washington") is none either.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

from search.enrich import countries as _countries
from search.enrich.entities.context import played_by
from search.enrich.entities.lexicon import (
    HYPHEN_SPLIT,
    PARTICLE_ARTICLES,
    conjunctions,
    country_lookalikes,
    english_function_word,
    everyday_phrase,
    everyday_word,
    first_names,
    gap_starters,
    german_common_word,
    german_compound,
    head_before_name,
    is_cue,
    no_name_word,
    non_person_head,
    particles,
    speech_verbs,
)
from search.enrich.entities.names import club, fictional, fold, key_tokens, person_key_cached
from search.enrich.entities.tokens import (
    F_CUE,
    F_FIRST,
    F_HYPHEN,
    TokenView,
    WrittenTogether,
    country_form,
    country_parts,
    hyphenated_label,
    initial_or_particle,
    is_initial,
    leading_noun,
    left_out_name_word,
    noun_not_name,
    token_flags,
    trailing_noun,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

MAX_GAP_TOKENS = 6  # "Sprecherin des Außenministeriums, Hua Chunying": tokens between cue and comma
_CLAUSE_ENDS = frozenset({".", ";", ":", "!", "?", "»", "«", "„", "“", '"'})


class SpanIndex:
    """Character spans ``(start, end)`` asked "does one overlap [s, e)?" and "does one contain it?".

    Sorted by start with the running maximum of the ends, each question is a bisection: the same answers
    as comparing with every span, which made an article with thousands of names quadratic.
    """

    def __init__(self, spans: Iterable[tuple[int, int]]):
        ordered = sorted(spans)
        self.starts = [s for s, _ in ordered]
        self.reach = list(accumulate((e for _, e in ordered), max))

    def overlaps(self, start: int, end: int) -> bool:
        """Some span has ``s < end`` and ``start < e``."""
        i = bisect_left(self.starts, end) - 1
        return i >= 0 and self.reach[i] > start

    def contains(self, start: int, end: int) -> bool:
        """Some span has ``s <= start`` and ``end <= e``."""
        i = bisect_right(self.starts, start) - 1
        return i >= 0 and self.reach[i] >= end


@dataclass
class Mention:
    """A candidate person mention: characters [start, end) of the article, and where it came from."""

    start: int
    end: int
    surface: str
    source: str  # model | cue | first | alias | text
    canonical: str | None = None  # set by an alias-table pattern

    @property
    def key(self) -> str:
        return person_key_cached(self.surface)


@dataclass
class Draft:
    """What one article yields before corpus-level resolution."""

    text: str
    mentions: list[Mention] = field(default_factory=list)
    countries: list[tuple[int, int, str]] = field(default_factory=list)


def draft_article(doc: Doc, text: str | None, has_model: bool, gazetteer: _countries.Gazetteer) -> Draft:
    """The :class:`Draft` of one Doc; ``text`` is the string it was made from, if at hand."""
    tv = TokenView(doc, text)
    ents = [(e.label_, e.start, e.end, e.start_char, e.end_char, e.ent_id_) for e in doc.ents]
    model_ents = list(doc.spans.get("model_ents", [])) if has_model else []
    flags = list(map(token_flags, tv.texts))
    draft = Draft(tv.text)
    draft.mentions = _person_candidates(tv, ents, model_ents, flags, gazetteer)
    draft.countries = _country_spans(gazetteer, tv, ents, model_ents, flags, draft.mentions)
    return draft


# --------------------------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------------------------


def _person_candidates(
    tv: TokenView,
    ents: list[tuple],
    model_ents: list,
    flags: list[int],
    gaz: _countries.Gazetteer,
) -> list[Mention]:
    found: list[Mention] = []
    texts, n_tok = tv.texts, tv.n

    ranges: list[tuple[int, int]] = []  # token ranges of the full names found, for coordinations
    first = first_names()
    written = set(texts)  # the article's tokens: a genitive's bare form among them (see below)
    together = WrittenTogether(texts, first)  # words the article writes in a row (asked for rarely)
    surnames = {texts[e.end - 1] for e in model_ents if e.label_ in {"PER", "PERSON"} and e.end - e.start > 1}

    def add(i: int, j: int, source: str, canonical: str | None = None) -> None:
        if (
            canonical is None
            and j - i == 2
            and texts[i] not in first
            and {texts[i], texts[i + 1]} <= together.family
            and (texts[i], texts[i + 1]) not in together.whole
        ):
            # "lobte Lindner Strack-Zimmermann": two persons the article names in full, one span of the model
            add_one(i, i + 1, source)
            add_one(i + 1, j, source)
        elif canonical is None and j - i == 2 and texts[i] not in first and together.glued_after(i, surnames):
            add_one(
                i, i + 1, source
            )  # "machte Sbai TikTok zu seinem Beruf": Adil Sbai, and the app after him
        else:
            add_one(i, j, source, canonical)

    def add_one(i: int, j: int, source: str, canonical: str | None = None) -> None:
        if canonical is None:
            j = _label_cut(texts, i, j)  # "Mark Zuckerberg von Facebook" -> "Mark Zuckerberg"
            while j - i > 1 and leading_noun(texts[i]):
                i += 1  # "Gaststättenverbands Dehoga", "BioNTech-Finanzvorstand Sierk Poetting"
            while j - i > 2 and texts[i + 1] in first and hyphenated_label(texts[i], first):
                i += 1  # "Knallhart-Corona-Warrior Markus Söder": a label before the given name
            while j - i > 2 and texts[i + 1] in particles() and noun_not_name(texts[i]):
                i += 2  # "das Ansehen von Bill und Melinda Gates", "die Kampagne von Biden": a noun's "von"
            while (
                j - i > 2
                and texts[j - 2].lower() not in particles()
                and not (
                    texts[j - 2] in PARTICLE_ARTICLES
                    and texts[j - 3].lower() in particles()
                    and (texts[j - 2] == "der" or texts[j - 3].lower() not in _GERMAN_PREPOSITIONS)
                    and not german_common_word(texts[j - 1])
                )  # "Walther von der Vogelweide", "Jeroen van den Berg"; not "Bianca von der Arbeiterwohlfahrt",
                # "Sundermeyer von den Demonstrationen"
                and trailing_noun(texts[j - 1])
                and not all(t in first or is_initial(t) for t in texts[i : j - 1])
            ):
                # "Donald Trump Briefwählerinnen": a noun glued on at the end; but "Peter Michael Huber"
                # keeps its family name (given names alone are no name)
                j -= 1
            while j - i > 1 and (texts[j - 1].lower() in particles() or texts[j - 1] in PARTICLE_ARTICLES):
                j -= 1  # a name never ends in a particle: "Antje Arndt von der Mobilen Opferberatung"
            if j - i >= 2 and _genitive_noun(texts[j - 2], texts[j - 1], written, together):
                j -= 1  # "Spahns Ministerium" where the article writes "Spahn": the noun is his, not a name
            cut = 0  # "Gunnar Kaiser-Fan" where the article writes "Gunnar Kaiser"
            if j - i >= 2 and HYPHEN_SPLIT.search(texts[j - 1]):
                cut = _compound_tail(texts[j - 2], texts[j - 1], together.pairs)
                if cut and (non_person_head(texts[j - 1][:-cut]) or no_name_word(texts[j - 1][:-cut])):
                    return  # "ein Robert Koch-Institut-Sprecher": the name part is an institute's
            if j - i == 1 and source != "model":
                return
            if j - i >= 2 and "-" in texts[j - 1] and non_person_head(texts[j - 1]):
                # "Robert Koch-Institut": named after a person (but "Arron Banks" is one); also where the
                # model's span went on ("dem Robert Koch-Institut Updates", the noun cut off above)
                return
            if everyday_phrase(texts[i:j]) or _organisation_around(tv, i, j):
                return  # "Green Bonds", "Johns Hopkins University", "Johnson & Johnson": no person
            if any(english_function_word(t) for t in texts[i:j]):
                return  # "Pray For Paris", "The Sun": an English title, a band or a paper
            if any(no_name_word(t) for t in texts[i + 1 : j]):
                return  # "nach dem Angriff auf Pearl Harbor", "zum Christopher Street Day": a given name first
            if j - i >= 2 and gaz.form(tv.char_span(i, j)[2]) is not None:
                return  # "in Sierra Leone", "zu Hong Kong": a country's name of two words is no person
            if source == "cue" and _common_noun_phrase(texts[i:j]):
                return  # "als Finanzminister Milliarden Euro an Staatshilfe": a role word before nouns
            if j - i >= 2 and j < n_tok and texts[j].rstrip(".").lower() in _SON_OR_FATHER:
                # "Donald Trump Jr.", "Robert F. Kennedy Jr.": another person than the name without
                j, cut = j + 1, 0
                if j < n_tok and texts[j] == "." and not tv.space[j - 1]:
                    j += 1
        elif _organisation_around(tv, i, j):
            return  # an alias too: "die Freikirche Jesu Christi", "Flughafen John F. Kennedy"
        else:
            cut = 0
        start, end, surface = tv.char_span(i, j)
        if cut:
            end, surface = end - cut, surface[:-cut]
        glued = _GLUED_GIVEN.search(texts[i]) if canonical is None else None
        if glued and glued.group(1) not in ("In", "Innen") and is_cue(texts[i][: glued.start(1)]):
            start, surface = start + glued.start(1), surface[glued.start(1) :]  # "AutorinMascha Jacobs"
        found.append(Mention(start, end, surface, source, canonical))
        if j - i >= 2:
            ranges.append((i, j))

    # alias table (EntityRuler PER with id) and the model's PER spans
    for label, start, end, _, _, ent_id in ents:
        if label == "PER" and ent_id:
            add(start, end, "alias", ent_id)
    # one-word places of the model right after its person ("Ruth Bader" + "Ginsburg"): a name word ending
    # like a place ("-burg", "-berg") that no place list knows is the person's last name word
    places_after = {e.start for e in model_ents if e.label_ in {"LOC", "GPE"} and e.end - e.start == 1}
    for ent in model_ents:
        if ent.label_ not in {"PER", "PERSON"}:
            continue
        i, j = ent.start, ent.end
        if j in places_after and tv.space[j - 1] and tv.namey(j, True) and not german_common_word(texts[j]):
            j += 1
        # a role right before the span vouches for its first word ("Staatsepidemiologe Anders Tegnell")
        vouched = i > 0 and j - i >= 2 and bool(flags[i - 1] & F_CUE) and texts[i][:1].isupper()
        while i < j and not (tv.namey(i, False) or (vouched and i == ent.start)):
            i += 1
        while j > i and not (tv.namey(j - 1, j - 1 - i > 0) or is_initial(texts[j - 1])):
            j -= 1
        if (
            i < j
            and all(
                tv.namey(k, k > i)
                or (vouched and k == ent.start)
                or texts[k].lower() in particles()
                or (k > i and texts[k] in PARTICLE_ARTICLES and texts[k - 1].lower() in particles())
                for k in range(i, j)
            )
            and plausible_model_name(texts[i:j])
        ):
            add(i, j, "model")
    marked = [i for i, f in enumerate(flags) if f & (F_CUE | F_FIRST)]
    # titles and roles: "US-Präsident Donald Trump", "Sprecherin des Außenministeriums, Hua Chunying"
    for i in marked:
        if not flags[i] & F_CUE:
            continue
        nxt = i + 1
        if nxt >= n_tok:
            continue
        seq = tv.sequence(nxt)
        if seq:
            add(*seq, "cue")
            continue
        if texts[nxt].lower() not in gap_starters():
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
        if not flags[i] & F_FIRST:
            continue
        if i == 0 or not tv.namey(i - 1, False) or is_cue(texts[i - 1]):
            seq = tv.sequence(i, min_tokens=2)
            if seq:
                add(*seq, "first")
    # a verb of saying before a full name: "erklärte Takeshi Naito, Generalsekretär ..."
    for i in range(n_tok - 2):
        if texts[i].lower() in speech_verbs() and tv.sent[i + 1] != 1:
            seq = tv.sequence(i + 1, min_tokens=2)
            if seq:
                add(*seq, "cue")
    # coordinated with a name: "Maxim Shugaley und Samer Sweifan", "Joshiko Saibou und Alexandra Wester"
    for i, j in list(ranges):
        if j + 1 < n_tok and texts[j] in _COORDINATORS:
            seq = tv.sequence(j + 1, min_tokens=2)
            if seq and seq[1] - seq[0] <= 3:
                add(*seq, "first")
        if i >= 3 and texts[i - 1] in _COORDINATORS:
            for k in (i - 3, i - 4):  # two name words first, then three
                if (
                    k >= 0
                    and tv.sequence(k, min_tokens=2) == (k, i - 1)
                    and (k == 0 or texts[k - 1] not in first)
                ):
                    add(k, i - 1, "first")
                    break
    found.extend(_bylines(tv.text))
    # a fictional character's name ("Harry Potter") is no person; merged first, so that its words are no
    # shorter name either ("Potter" of the model's span inside it)
    # nor is a sports club named like a person ("Alba Berlin", "Carl Zeiss" of "Carl Zeiss Jena"), nor a role
    # before its actor's name ("Doktor Sander (Nick Wilder)")
    text = tv.text
    return [
        m
        for m in _merge_mentions(found)
        if not fictional(m.key) and not club(m.key, text, m.end) and not played_by(text, m.start, m.end)
    ]


_COORDINATORS = frozenset({"und", "sowie", "oder"})
#: Name particles that are German prepositions too: with "den" or "dem" they are a phrase ("von den Konzernen").
_GERMAN_PREPOSITIONS = frozenset({"von", "zu"})
#: A role glued to the given name after it where a line break was lost ("freie AutorinMascha Jacobs"); not the
#: capital I of a gendered plural ("AutorInnen").
_GLUED_GIVEN = re.compile(r"(?<=[a-zäöüß])([A-ZÄÖÜ][a-zäöüß]+)$")
#: Generational suffixes written after a full name, part of it (see ``context.GENERATIONS``).
_SON_OR_FATHER = frozenset({"jr", "sr", "junior", "senior"})
# An author line: "Von Anna Muster", "_von L. Berndt", "Ein Kommentar von Max Erdinger" (the line ends there;
# the name never runs on into the next line: "Von Mona Berner" above "Mecklenburg-Vorpommern"); also glued to
# the end of the sentence before it, where a line break was lost ("... beides verlieren“, sagte Benjamin
# Franklin.von Giorgio Agamben")
_BYLINE = re.compile(
    r"(?m)(?:^(?:[^\w\n]|_){0,3}(?:[^\W\d_][^\n]{0,40}?[ \t])?|\.)[Vv]on[ \t]+"
    r"((?:[A-ZÄÖÜ]\.[ \t]*|[A-ZÄÖÜ][^\W\d_]+(?:-[A-ZÄÖÜ][^\W\d_]+)?[ \t]+){1,2}[A-ZÄÖÜ][^\W\d_]+(?:-[A-ZÄÖÜ][^\W\d_]+)?)"
    r"[ \t\r]*$"
)


def _bylines(text: str) -> list[Mention]:
    """The author of a byline, a line that ends with "von <Name>": a person by the annotation guidelines."""
    out = []
    for m in _BYLINE.finditer(text):
        if text[m.start()] == "." and not text[max(0, m.start() - 2) : m.start()].isalpha():
            continue  # glued to a sentence's end: after a word, not "S. von Anna Muster"
        words = m.group(1).split()
        real = [w for w in words if not is_initial(w)]
        if not real or any(german_common_word(w) or non_person_head(w) for w in real):
            continue
        if len(real) == 1 and not is_initial(words[0]):
            continue
        if everyday_phrase(words):
            continue
        start = m.start(1)
        while len(words) > 2 and is_cue(words[0]):  # "der Ära von Bundeskanzlerin Angela Merkel\nbetont"
            start = text.index(words[1], start + len(words[0]))
            words = words[1:]
        out.append(Mention(start, m.end(1), text[start : m.end(1)], "cue"))
    return out


def _genitive_noun(name: str, noun: str, written: set[str], together: WrittenTogether) -> bool:
    """A name in the genitive before a common noun ("Spahns Ministerium", "Noltes Thesen"): the article
    writes the name without its "s" too, and the noun is no given name. Before any noun ("Salvinis Lega",
    "Orbans Fidesz": a party, no German word) when the article writes the bare name after a given name
    ("Matteo Salvini") and neither form is a given name: "Dimitris Kairidis" beside "Dimitri Peskow" stays.
    Never when both forms are given names ("Andreas Scheuer" in an article naming "Andrea Nahles")."""
    if len(name) <= 3 or not name.endswith("s") or noun in first_names():
        return False
    bare = name[:-1]
    if bare not in written or (name in first_names() and bare in first_names()):
        return False
    if everyday_word(noun) or german_common_word(noun):
        return True
    return name not in first_names() and bare not in first_names() and bare in together.family


def _compound_tail(before: str, token: str, pairs: set[tuple[str, str]]) -> int:
    """Characters to cut off a name's last word that is a compound of the name and a common noun ("Gunnar
    Kaiser-Fan", "Olaf Scholz-Lager"): the article writes the name without it ("Gunnar Kaiser": the word
    ``before`` and the name part as a pair of words), and the part after the last hyphen is a common noun
    and no given name. 0 otherwise: a double name ("Marie-Agnes Strack-Zimmermann") is written whole."""
    parts = HYPHEN_SPLIT.split(token)
    if len(parts) < 2:
        return 0
    tail = parts[-1]
    head = token[: -len(tail) - 1]
    if not (tail[:1].isupper() and (before, head) in pairs) or tail in first_names():
        return 0
    return len(tail) + 1 if everyday_word(tail) or german_common_word(tail) else 0


def _label_cut(texts: list[str], i: int, j: int) -> int:
    """The end of a name before a glued label: "Jeff Bezos von Amazon" -> "Jeff Bezos".

    A particle after two name words that are not all given names starts a label (the person's
    organisation), not a noble name: "Ursula von der Leyen" and "Johann Wolfgang von Goethe" keep it. So does
    one such word when the span left out a name word right before it ("Ugur [Sahin von Biontech]", which made
    "Biontech" a person's name word), but not a noble name after a role ("Raketenpionier Wernher von Braun").
    """
    words = 1 if i > 0 and left_out_name_word(texts[i - 1]) else 0
    for k in range(i, j):
        low = texts[k].lower()
        if low in ("von", "vom") and words >= 2:
            names = [t for t in texts[i:k] if t.lower() not in particles() and not is_initial(t)]
            if not all(t in first_names() for t in names):
                return k
        if low not in particles() and not is_initial(texts[k]):
            words += 1
    return j


#: Quotation marks that open a name after its head word ("das Denkmal „Christus, der Erlöser“").
_OPENING_QUOTES = frozenset("\"'„“”‚‘«»")


def _organisation_around(tv: TokenView, i: int, j: int) -> bool:
    """Is the name [i, j) part of an organisation's or place's name: "&" beside it ("Johnson & Johnson", "Bill &
    Melinda Gates"), a place word right before it, also before a quotation mark ("Flughafen John F. Kennedy") or
    an organisation word right after it ("Johns Hopkins University", "Gates Foundation", "Robert Koch Institut")?"""
    texts, n = tv.texts, tv.n
    if (i > 0 and texts[i - 1] in ("&", "+")) or (j < n and texts[j] in ("&", "+")):
        return True
    before = i - 1 if i < 2 or texts[i - 1] not in _OPENING_QUOTES else i - 2
    if before >= 0 and head_before_name(texts[before]):
        return (
            True  # "am Flughafen John F. Kennedy", "das Denkmal „Christus, der Erlöser“": named after someone
        )
    return j < n and texts[j][:1].isupper() and non_person_head(texts[j])


def plausible_model_name(tokens: list[str]) -> bool:
    """Filter for the model's PER spans, which on news text also cover headings and nouns.

    A span that starts with a known given name is accepted; otherwise no word may be a common German word and
    the last word may not be a German compound ("Zankapfel Atomprogramm"). Single words are accepted here
    but kept only when they resolve to a full name (see ``Registry.resolve``). A name ending in a hyphenated
    institution ("Robert Koch-Institut") or holding a head no name has ("Stanford University") is refused for
    every source, after the span's trimming, where mentions are added (:func:`_person_candidates`).
    """
    words = [t for t in tokens if not initial_or_particle(t)]
    if not words:
        return False
    if words[0] in first_names():
        return True
    if any(german_common_word(w) or non_person_head(w) for w in words):
        return False
    return len(words) == 1 or not german_compound(words[-1])


def _common_noun_phrase(tokens: list[str]) -> bool:
    """Nouns after a role word, not a name: the first word a common German noun and no given name, the last
    an everyday word ("als Finanzminister Milliarden Euro an Staatshilfe"). Looser than
    :func:`plausible_model_name`, which would also refuse real names after a role ("Gerd Landsberg":
    Gerd is missing from the given names, Landsberg splits like a compound)."""
    words = [t for t in tokens if not initial_or_particle(t)]
    return len(words) >= 2 and noun_not_name(words[0]) and everyday_word(words[-1])


def _merge_mentions(found: list[Mention]) -> list[Mention]:
    """Overlapping candidates: keep the longest; on a tie the more reliable source."""
    order = {"alias": 0, "cue": 1, "model": 2, "first": 3, "text": 4}
    # names from the alias table are exact; among the rest the longest span wins
    found.sort(key=lambda m: (m.source != "alias", -(m.end - m.start), order[m.source], m.start))
    kept: list[Mention] = []
    # The kept spans never overlap, so in start order their ends ascend too: only the last one starting
    # before m ends can reach into m (a bisection instead of a comparison with every kept span).
    spans: list[tuple[int, int]] = []
    for m in found:
        i = bisect_left(spans, (m.end, -1)) - 1
        if i < 0 or spans[i][1] <= m.start:
            kept.append(m)
            insort(spans, (m.start, m.end))
    return sorted(kept, key=lambda m: m.start)


def trim_glue(m: Mention, target: str) -> Mention:
    """Shorten a glued mention ("Kim Jong Unwerden") to the characters that spell ``target``."""
    if person_key_cached(m.surface) == target or not person_key_cached(m.surface).startswith(
        target.split()[0]
    ):
        return m
    words = m.surface.split()
    last_target = key_tokens(target)[-1]
    last = words[-1]
    if fold(last).startswith(last_target) and len(last) > len(last_target):
        new_last = last[: len(last_target)]
        surface = " ".join([*words[:-1], new_last])
        return Mention(m.start, m.start + len(surface), surface, m.source, m.canonical)
    return m


# --------------------------------------------------------------------------------------------------------
# Countries
# --------------------------------------------------------------------------------------------------------


def _country_spans(
    gaz: _countries.Gazetteer,
    tv: TokenView,
    ents: list[tuple],
    model_ents: list,
    flags: list[int],
    persons: list[Mention],
) -> list[tuple[int, int, str]]:
    texts, idx, n_tok = tv.texts, tv.idx, tv.n
    spans: list[tuple[int, int, str]] = []
    covered: set[int] = set()
    inside_person = SpanIndex((m.start, m.end) for m in persons if len(m.surface.split()) > 1).contains

    for label, start, end, start_char, end_char, ent_id in ents:
        if label not in {"COUNTRY", "CITY"}:
            continue
        form = country_form(tv.text[start_char:end_char])
        if form is None or inside_person(start_char, end_char):
            continue
        spans.append((start_char, end_char, ent_id or form.code))
        covered.update(range(start, end))
    # only a token with a hyphen can hold a compound or an elliptic coordination
    for i, f in enumerate(flags):
        if not f & F_HYPHEN:
            continue
        text = texts[i]
        pos = idx[i]
        if i in covered or inside_person(pos, pos + len(text)):
            continue
        # elliptic coordination: "Nord- und Südkorea" -> Nord(korea)
        if len(text) > 2 and text.endswith("-") and i + 2 < n_tok and texts[i + 1].lower() in conjunctions():
            code = _elliptic(gaz, text[:-1], texts[i + 2])
            if code:
                spans.append((pos, pos + len(text) - 1, code))
            continue
        for s, e, code in country_parts(text):
            spans.append((pos + s, pos + e, code))
    # the model's LOC spans the rules did not cover and the gazetteer knows ("Nord-Korea" split oddly)
    for ent in model_ents:
        if ent.label_ in {"LOC", "GPE"} and not any(i in covered for i in range(ent.start, ent.end)):
            start_char, end_char = ent.start_char, ent.end_char
            form = country_form(tv.text[start_char:end_char])
            if form is not None and not any(s < end_char and start_char < e for s, e, _ in spans):
                spans.append((start_char, end_char, form.code))
    hidden = country_lookalikes()
    inside = SpanIndex(hidden.spans(tv.text)).contains
    return sorted({(s, e, c) for s, e, c in spans if c not in hidden.codes and not inside(s, e)})


def _elliptic(gaz: _countries.Gazetteer, head: str, full: str) -> str | None:
    """``Nord-`` + ``Südkorea`` -> ``Nordkorea`` (the longest tail of the next word that completes a name)."""
    for i in range(1, len(full) - 2):
        form = gaz.form(head + full[i:])
        if form is not None and form.kind in {_countries.NAME, _countries.ADJECTIVE, _countries.DEMONYM}:
            return form.code
    return None
