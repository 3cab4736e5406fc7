"""One-word person mentions resolved at the end of a run, against every person the run found.

Why: a worker resolves "Merkel", "Merkels", "Kanzlerin Merkel" or "Merkel-Regierung" in an article without
the full name only against the persons it knows when it reaches that article (the alias table, the persons
established before it started, those of its own batches). An article read before the run has seen Angela
Merkel named and called "Merkel" alone elsewhere keeps the bare name unresolved, so the result depended on
the order of the files and on which worker read them. So each article carries what its resolution left
open (:func:`left_open`: the unresolved one-word mentions with their evidence, and the name-like words of
its text no known person explained), and the writer resolves those at the end of the run
(:class:`RunPersons`, fed with every article's persons) with the same rules of :mod:`.registry`: a
one-word mention names a person from elsewhere only with evidence in its own article, and only the person
other articles call so alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from search.core.settings import settings
from search.enrich.entities.keys import middle_initials
from search.enrich.entities.lexicon import (
    HYPHEN_SPLIT,
    WORD_CACHE,
    cue_base,
    everyday_word,
    first_names,
    german_common_word,
    non_person_head,
    office,
    particles,
    role_before,
    role_word_before,
    roles_agree,
)
from search.enrich.entities.mentions import Draft, Mention, SpanIndex
from search.enrich.entities.names import (
    ALIASES_TSV,
    fold,
    is_full,
    key_tokens,
    load_alias_table,
    name_ends,
    person_key_cached,
    strip_genitive,
    strip_genitive_s,
)
from search.enrich.entities.references import good_reference
from search.enrich.entities.registry import DOMINANCE, Registry

if TYPE_CHECKING:
    from search.enrich.entities.corrections import Corrections

#: The key under which a prepared document carries what its resolution left open; the writer takes it out.
PENDING = "_pending"
#: How many times the run must have seen a person named in full after the role of an office before the role of
#: another office may rule out a one-word mention of it ("Präsident Johnson" is not the Premierminister).
ROLE_EVIDENCE = 3
#: Academic titles (:func:`cue_base` forms): a one-word name right after one of them names a person from elsewhere
#: only when the run has seen that person named in full after one ("Prof. Dr. Lothar Wieler" counts), or seen
#: other roles before its full name fewer than :data:`ROLE_EVIDENCE` times ("Professor Schwab", a lawyer, was
#: Klaus Schwab, "WEF-Gründer" in the run).
ACADEMIC = frozenset({"professor", "doktor"})
_ACADEMIC_BEFORE = re.compile(
    r"(?<!\w)(?:Prof|Dr|Professor(?:in)?|Doktor)\.?(?:[ \t]+(?:Dr|med|rer|nat)\.)*[ \t]+$"
)
#: A role before a list of family names that the mention ends ("die Senatoren Cruz, Johnson und Cotton",
#: "Präsidenten Nixon, Carter und Bush"): group 1 is the role word, which goes with each name of the list.
_ROLE_BEFORE_LIST = re.compile(
    r"([^\W\d_][\w\-\u2010\u2011]*)[ \t]+(?:[A-ZÄÖÜ][^\W\d_]*(?:,[ \t]*|[ \t]+(?:und|sowie|oder)[ \t]+)){1,4}$"
)
#: The capitalised tokens of :data:`WORD_TOKEN` (a name word starts with a capital letter; Latin letters).
CAPITALISED = re.compile(r"(?<![\w'’\-\u2010\u2011])[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’]*(?:[-\u2010\u2011][^\W_][\w'’]*)*")


def learn_article(
    known: dict[str, Counter],
    support: Counter,
    person_aliases: dict[str, list[str]],
    weights: dict[str, int] | None = None,
) -> None:
    """Count one article's persons as the registry learns them: full spellings per person key, and the
    (word, person) pairs of the one-word forms it calls them by (see :meth:`Registry.build`).

    ``person_aliases`` are the forms the article writes (canonical -> surfaces). Only an article that writes
    the person's name in full counts: one that says "Biontech" alone, and got the one-off "person" *Anja
    Karliczek Biontech* of another article from what earlier articles taught, must not teach that again, or
    one glued model span spreads to every article naming the company (it did, to 158 of 10,000).
    ``weights``: for the persons of an index (canonical -> aliases of all its articles), how many articles
    each stands for (default one)."""
    for canonical, surfaces in person_aliases.items():
        if not any(is_full(surface) for surface in surfaces):
            continue
        person = person_key_cached(canonical)
        n = weights.get(canonical, 1) if weights else 1
        for surface in set(surfaces):
            if is_full(surface):
                known.setdefault(person_key_cached(surface), Counter())[strip_genitive(surface)] += n
            else:
                support[(strip_genitive_s(strip_genitive(surface)), person)] += n


def written_forms(ents: dict, text: str) -> dict[str, list[str]]:
    """The forms an article writes each of its persons in (person -> surfaces, in text order), from the
    spans of its entity detail: its ``aliases`` also hold the run's spelling, written there or not."""
    out: dict[str, list[str]] = {}
    for s, e, kind, value in ents.get("spans", ()):
        if kind == "PER":
            seen = out.setdefault(value, [])
            if text[s:e] not in seen:
                seen.append(text[s:e])
    return out


def left_open(
    text: str, left: list[tuple[Mention, bool, bool]], persons: list[tuple[int, int]], registry: Registry
) -> dict:
    """What the resolution of one article left open, compact: ``mentions`` ``[start, end, surface, source,
    marked, own]`` (see :meth:`Registry.resolve`) and ``words``, the capitalised words (or compound heads:
    "Merkel-Regierung") outside its persons that could be a known person's name but name nobody known yet.
    Empty when nothing is open."""
    taken = SpanIndex(persons)
    known = registry._corpus_references()
    words: set[str] = set()
    name_like: dict[str, bool] = {}  # per distinct word: the tests below, once
    for match in CAPITALISED.finditer(text):
        token = match.group()
        head = HYPHEN_SPLIT.split(token)[0] if not token.isalpha() else token
        ok = name_like.get(head)
        if ok is None:  # (a genitive is stripped when the words are looked up)
            ok = name_like[head] = (
                _name_like(head) and head not in known and strip_genitive_s(head) not in known
            )
        if not ok or head in words or taken.overlaps(*match.span()):
            continue
        if head != token and non_person_head(token):
            continue  # "Gates-Stiftung": the organisation
        words.add(head)
    mentions = [[m.start, m.end, m.surface, m.source, marked, own] for m, marked, own in left]
    out: dict = {}
    if mentions:
        out["mentions"] = mentions
    if words:
        out["words"] = sorted(words)
    return out


@lru_cache(maxsize=WORD_CACHE)
def _name_like(word: str) -> bool:
    """Could ``word`` be the family name of a person (an acronym or an everyday word is none: "CSU",
    "Lockdown"; nor a word :func:`good_reference` rules out)?"""
    return (
        not word.isupper()
        and not everyday_word(word)
        and good_reference(word)
        and not german_common_word(word)
    )


def from_elsewhere(ents: dict, text: str) -> list[list]:
    """The one-word person mentions ``[start, end, person]`` of an article that does not write that person's
    name in full: a worker completed them to a person known from other articles, with what it knew then.
    :meth:`RunPersons.resolve` checks them again against the whole run ("Clinton" named Hillary Clinton to
    a worker that had not met Bill Clinton yet)."""
    per = [(s, e, v) for s, e, kind, v in ents.get("spans", ()) if kind == "PER"]
    full = {v for s, e, v in per if " " in text[s:e].strip()}
    return [[s, e, v] for s, e, v in per if v not in full and " " in v]  # not a one-word person of its own


def ambiguous_plain(reg: Registry, ents: dict, text: str) -> tuple[set[tuple[int, int]], set[str]]:
    """The person spans of an article that writes a person in full only without middle initials that are two
    persons of the run ("George Bush": the father George H. W. or the son George W. Bush, in the reviews of
    seeds 30 and 35; :meth:`.keys.InitialSplits.ambiguous`), and the words of those names. A worker that
    had not met both took it for the one it knew; the whole run tells."""
    per = [(s, e, v) for s, e, kind, v in ents.get("spans", ()) if kind == "PER"]
    plain = {v for s, e, v in per if " " in text[s:e].strip() and reg.splits.ambiguous(text[s:e])}
    if not plain:
        return set(), set()
    plain -= {v for s, e, v in per if middle_initials(text[s:e])}  # "George W. Bush ... George Bush": the son
    names = {strip_genitive(text[s:e]) for s, e, v in per if v in plain and " " in text[s:e].strip()}
    return {(s, e) for s, e, v in per if v in plain}, names | {w for name in names for w in name.split()}


def renamed(ents: dict, names: Mapping[str, str]) -> dict | None:
    """``ents`` (an article's entity detail) with the persons of ``names`` renamed to the person each names
    (counts, aliases and spans merged: a misspelling, :func:`.keys.misspellings`); None when none is there."""
    persons = ents.get("persons") or {}
    if not any(p in names for p in persons):
        return None
    counts: dict[str, int] = {}
    for p, n in persons.items():
        counts[names.get(p, p)] = counts.get(names.get(p, p), 0) + n
    aliases: dict[str, list[str]] = {}
    for p, forms in (ents.get("aliases") or {}).items():
        seen = aliases.setdefault(names.get(p, p), [])
        seen.extend(f for f in forms if f not in seen)
    out = dict(ents)
    out["persons"] = dict(sorted(counts.items()))
    out["aliases"] = {k: aliases[k] for k in sorted(aliases)}
    out["spans"] = [[s, e, k, names.get(v, v) if k == "PER" else v] for s, e, k, v in ents.get("spans", ())]
    return out


def shifted(pending: dict, offset: int) -> dict:
    """``pending`` of a piece of a long text, in the characters of the whole text."""
    out = dict(pending)
    if offset and pending.get("mentions"):
        out["mentions"] = [[s + offset, e + offset, *rest] for s, e, *rest in pending["mentions"]]
    return out


def merged(parts: list[dict]) -> dict:
    """One article's ``pending`` from those of its pieces (already :func:`shifted`)."""
    mentions = [m for p in parts for m in p.get("mentions", ())]
    words = sorted({w for p in parts for w in p.get("words", ())})
    return {k: v for k, v in (("mentions", mentions), ("words", words)) if v}


def alias_table() -> dict[str, str]:
    """The alias table the extractor uses (the bundled one plus ``SEARCH_PERSON_ALIASES``)."""
    extra = settings().person_aliases
    return load_alias_table([ALIASES_TSV, *([Path(extra)] if extra else [])])[0]


class RunPersons:
    """The persons of a whole run (and of the index it starts from), and the late resolution of what the
    workers left open against them (:meth:`resolve`)."""

    def __init__(
        self,
        primed: dict[str, list[str]] | None = None,
        corrections: Corrections | None = None,
        weights: dict[str, int] | None = None,
    ):
        self.known: dict[str, Counter] = {}
        self.support: Counter = Counter()
        self.spelling: dict[str, str] = {}  # person key -> the run's spelling (the first written)
        self.word_counts: Counter = Counter()  # articles of the run writing each capitalised word
        self.corrections = corrections
        self._registry: Registry | None = None
        self._by_word: dict[str, list[str]] | None = None  # name word -> every person so called (_ambiguous)
        self.misspelt: dict[str, str] = {}  # person key -> the key it misspells (set by the writer)
        self._ranked: dict[str, list[tuple[int, str]]] = {}  # word -> its persons by weight (_ambiguous)
        self.roles: dict[str, Counter] = {}  # person key -> the roles before its full name (learn_roles)
        # person key -> {True: academic titles, False: other roles} before its full name (learn_roles)
        self.titles: dict[str, Counter] = {}
        if primed:  # the index's persons, taught as a worker is taught them (Enricher.prime)
            self.learn(primed, weights)

    def learn(self, person_aliases: dict[str, list[str]], weights: dict[str, int] | None = None) -> None:
        """One written article's persons (the run's spelling -> the forms the article writes, see
        :func:`written_forms`); or the index's, each standing for ``weights`` articles."""
        learn_article(self.known, self.support, person_aliases, weights)
        for name in person_aliases:
            self.spelling.setdefault(person_key_cached(name), name)

    def learn_roles(self, ents: dict, text: str) -> None:
        """Count the roles of an office right before each mention of a person in an article that names it in
        full ("Premierminister Boris Johnson", "Premier Johnson" after it), for :meth:`role_conflict`."""
        per = [(s, e, v) for s, e, kind, v in ents.get("spans", ()) if kind == "PER"]
        full = {v for s, e, v in per if " " in text[s:e].strip()}
        for s, _, v in per:
            role = role_word_before(text, s) if v in full else None
            if role is not None and office(role) is not None:
                self.roles.setdefault(person_key_cached(v), Counter())[role] += 1
            academic = v in full and _ACADEMIC_BEFORE.search(text, max(0, s - 20), s) is not None
            if role is not None or academic:  # any title or role, the academic ones apart ("Prof. Dr." too)
                self.titles.setdefault(person_key_cached(v), Counter())[academic] += 1

    def role_conflict(self, text: str, s: int, person: str) -> bool:
        """Is the one-word mention at ``s`` after the role of an office that agrees with none of the roles the
        run has seen the person (a key) named in full with, seen :data:`ROLE_EVIDENCE` times or more
        ("Präsident Johnsons Friedensverhandlungen" of 1968 is not the Premierminister Boris Johnson), also a
        role before a list the mention is part of ("Senatoren Cruz, Johnson und Cotton")? Or after an academic
        title (:data:`ACADEMIC`) the run never saw before the person's full name, though other roles?"""
        role = role_word_before(text, s)
        titles = self.titles.get(self.misspelt.get(person, person), Counter())
        if role in ACADEMIC and titles[False] >= ROLE_EVIDENCE and not titles[True]:
            return True  # "Professor Schwab" (a lawyer) for Klaus Schwab, never a professor in the run
        if role is None and (listed := _ROLE_BEFORE_LIST.search(text, max(0, s - 120), s)):
            role = cue_base(listed.group(1))  # the role of a list the mention ends
        seen = self.roles.get(self.misspelt.get(person, person))
        if role is None or office(role) is None or not seen or seen.total() < ROLE_EVIDENCE:
            return False
        return not any(roles_agree(role, other) for other in seen)

    def count_words(self, text: str) -> None:
        """Count the capitalised words of one written article (see :meth:`Registry._shared`)."""
        self.word_counts.update(set(CAPITALISED.findall(text)))

    def genitive_displays(self, names: Iterable[str]) -> dict[str, str]:
        """Persons of ``names`` shown in the genitive ("Maybrit Illners", the first spelling the writer saw of
        the key) whose run writes them without it more often ("Maybrit Illner"; but "Bill Gates" is
        no genitive of the "Bill Gate" of a few articles), or also without it and the family name alone more
        often so ("Hitler" not "Hitlers"; "Anne Will", though 16 of the 41,242 FANG-COVID articles write
        "Anne Wills" and 15 "Anne Will"; not "Serena Williams"): display -> that spelling."""
        out = {}
        for name in names:
            if name.endswith("s") and " " in name:
                spellings = self.known.get(person_key_cached(name), Counter())
                plain, genitive = spellings.get(name[:-1], 0), spellings.get(name, 0)
                # otherwise, when written without it at all, the family name alone decides, written twice as
                # often without the -s ("Hitler" in 25 articles, "Hitlers" in 5; not "Wood" and "Woods":
                # James Woods; "Anne Wills Talkshow" is as common as "Anne Will"); where the genitive is the
                # more frequent spelling, not for a given name and an -s: a family name of its own (Serena
                # Williams, whose "William" many articles write; in a tie the family name decides: "Sun Yang")
                last = name.rsplit(" ", 1)[-1]
                alone, with_s = self.word_counts.get(last[:-1], 0), self.word_counts.get(last, 0)
                patronymic = plain < genitive and last[:-1] in first_names()
                if plain > genitive or (plain > 0 and not patronymic and alone >= 2 * max(1, with_s)):
                    out[name] = name[:-1]
        return out

    def registry(self) -> Registry:
        """The registry of every person learned (built once, at the first late resolution)."""
        if self._registry is None:
            self._registry = Registry.build([], alias_table(), self.known, self.support, self.word_counts)
        return self._registry

    def resolve(self, ents: dict, text: str, pending: dict) -> dict | None:
        """The entity detail of an article (``entities`` of its document) with what it left open resolved
        against the run's persons; None when that changes nothing.

        One-word mentions take the known person :meth:`Registry.known_person` gives them ("Kanzlerin
        Merkel" that was a person "Merkel" of its own becomes Angela Merkel); then the article is searched
        for further mentions of its persons and of the run's (:meth:`Registry._propagate`), as the
        worker would have done had it known them. The user's corrections apply to what is added.
        """
        reg = self.registry()
        refs = reg._corpus_references()
        dropped = {
            (s, e)
            for s, e, v in pending.get("recheck", ())
            if self._ambiguous(reg, text[s:e], person_key_cached(v))
            or self.role_conflict(text, s, person_key_cached(v))
            # a given name alone that the whole run knows as several persons' ("Wladimir und Estragon")
            or reg._given_name_alone(strip_genitive_s(strip_genitive(text[s:e])), role_before(text, s))
        }
        plain, blocked = ambiguous_plain(reg, ents, text)
        dropped |= plain
        # a company the run writes as one word ("Astra Zeneca"): workers know only the counts of their start
        dropped |= {
            (s, e)
            for s, e, kind, _ in ents.get("spans", ())
            if kind == "PER" and " " in text[s:e] and reg._written_joined(text[s:e])
        }
        per = {
            (s, e): v for s, e, kind, v in ents.get("spans", ()) if kind == "PER" and (s, e) not in dropped
        }
        added: list[tuple[Mention, str]] = []
        renamed: dict[str, str] = {}  # a person of its own -> the known person it is
        for s, e, surface, source, marked, own in pending.get("mentions", ()):
            person, _ = reg.known_person(Mention(s, e, surface, source), marked, text)
            if person is None or self.role_conflict(text, s, person):
                continue
            if not own:
                added.append((Mention(s, e, surface, source), person))
            elif (s, e) in per and person_key_cached(per[s, e]) != person:
                renamed[per[s, e]] = person
        hit = any(w in refs or strip_genitive_s(w) in refs for w in pending.get("words", ()))
        if not added and not renamed and not hit and not dropped:
            return None
        kept = [(s, e, v) for (s, e), v in per.items() if v not in renamed]
        added += [(Mention(s, e, text[s:e], "text"), renamed[v]) for (s, e), v in per.items() if v in renamed]
        found = [(Mention(s, e, text[s:e], "model"), reg.person_of(reg.splits.key(v))) for s, e, v in kept]
        found += added
        local: dict[str, Counter] = {person: Counter() for _, person in found}
        countries = SpanIndex((s, e) for s, e, kind, _ in ents.get("spans", ()) if kind != "PER")
        # further one-word mentions only: a full spelling found in the text is the workers' (they know every
        # full name established in the run), and a one-off name of another article ("Milliarden Euro") is none
        # and none whose word names several persons of the run, unless the article names that one in full
        named = {p for m, p in found if " " in m.surface.strip()}
        more = [
            (m, p)
            for m, p in reg._propagate(Draft(text), found, local, blocked)
            if " " not in m.surface
            and (
                p in named or not (self._ambiguous(reg, m.surface, p) or self.role_conflict(text, m.start, p))
            )
        ]
        added = [(m, p) for m, p in added + more if not countries.overlaps(m.start, m.end)]
        if not added and not dropped:
            return None
        return self._merge(ents, text, renamed, added, dropped)

    def _ambiguous(self, reg: Registry, surface: str, person: str | None = None) -> bool:
        """Does this word alone name several of the run's persons, none named (in full, or so alone by
        articles that name them in full) :data:`DOMINANCE` times as often as any other ("Clinton" of Hillary and
        Bill Clinton)? Also a son with a generational suffix ("Kennedy" of Robert F. Kennedy Jr. beside John F.
        Kennedy), whom a worker never picks; a misspelling counts as the person it misspells. With ``person``
        (a key): also when the word means another person of the run ("von Obama" of one article)."""
        ranked = self._persons_of(reg, strip_genitive_s(strip_genitive(surface)))
        if not ranked:
            return False
        if len(ranked) > 1 and ranked[0][0] < DOMINANCE * max(ranked[1][0], 1):
            return True
        return person is not None and self.misspelt.get(person, person) != ranked[0][1]  # another's word

    def _persons_of(self, reg: Registry, word: str) -> list[tuple[int, str]]:
        """The persons of the run this word alone may name, (weight, key), heaviest first; once per word (the
        registry does not change after the run)."""
        found = self._ranked.get(word)
        if found is not None:
            return found
        if self._by_word is None:
            self._by_word = {}
            for p in reg.variants:
                for w in name_ends(key_tokens(p)):
                    self._by_word.setdefault(w, []).append(p)
        # not a family name with its particle alone ("von Obama"): no person of its own
        cands = {
            self.misspelt.get(p, p)
            for p in self._by_word.get(person_key_cached(word), ())
            if key_tokens(p)[0] not in particles()
        }
        folded = fold(word)

        def weight(p: str) -> int:  # "Orbán" alone where the surface is "Orban": the same word
            spellings = reg.variants.get(p, Counter())
            words = {word} | {strip_genitive(s).split()[-1] for s in spellings}
            alone = sum(reg.bare_support[(w, p)] for w in words if fold(w) == folded)  # taught ones included
            return sum(spellings.values()) + alone

        found = self._ranked[word] = sorted(((weight(p), p) for p in cands), reverse=True)
        return found

    def _merge(
        self,
        ents: dict,
        text: str,
        renamed: dict[str, str],
        added: list[tuple[Mention, str]],
        dropped: set[tuple[int, int]] = frozenset(),
    ) -> dict:
        """``ents`` without the ``renamed`` persons and the ``dropped`` mentions, and with the ``added``
        mentions (after the corrections)."""
        from search.enrich.entities.extractor import ArticleEntities

        reg = self.registry()
        found: Counter = Counter()
        aliases: dict[str, list[str]] = {}
        spans = []
        for m, person in sorted(added, key=lambda x: x[0].start):
            name = self.spelling.get(person) or reg.display(person)
            found[name] += 1
            seen = aliases.setdefault(name, [])
            if m.surface not in seen:
                seen.append(m.surface)
            spans.append((m.start, m.end, "PER", name))
        late = ArticleEntities(persons=dict(found), person_aliases=aliases, countries={}, spans=spans)
        if self.corrections is not None:
            late = self.corrections.apply(late, text)
        persons = {k: v for k, v in ents.get("persons", {}).items() if k not in renamed}
        aliases = {k: list(v) for k, v in ents.get("aliases", {}).items() if k not in renamed}
        spans = [list(sp) for sp in ents.get("spans", ()) if not (sp[2] == "PER" and sp[3] in renamed)]
        for s, e, kind, name in [sp for sp in spans if sp[2] == "PER" and (sp[0], sp[1]) in dropped]:
            spans.remove([s, e, kind, name])
            persons[name] = persons.get(name, 1) - 1
            if persons[name] <= 0:
                persons.pop(name)
                aliases.pop(name, None)
        for name, count in late.persons.items():
            persons[name] = persons.get(name, 0) + count
            seen = aliases.setdefault(name, [])
            seen.extend(s for s in late.person_aliases.get(name, ()) if s not in seen)
        spans += [list(sp) for sp in late.spans]
        spans.sort(key=lambda sp: (sp[0], -sp[1]))
        out = dict(ents)
        out["persons"] = dict(sorted(persons.items()))
        out["aliases"] = {k: aliases[k] for k in sorted(aliases)}
        out["spans"] = spans
        corrected = {k: set(v) for k, v in (ents.get("corrected") or {}).items()}
        for k, v in late.corrected.items():
            corrected.setdefault(k, set()).update(v)
        if corrected:
            out["corrected"] = {k: sorted(v) for k, v in corrected.items()}
        return out
