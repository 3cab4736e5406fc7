"""Namesakes of a very common full name, told apart by how the articles describe the person.

Why: a name as common as "Michael Müller" is borne by many people, and the news names several of them in full.
In the FANG-COVID articles of 2020-2021 he is Berlin's Regierender Bürgermeister in about nine of ten, but also
the chairman of a laboratory association, a CSU mayor in Upper Bavaria, an artist, a boxing team's sports
director, a photographer. The name alone cannot tell them apart, and the Berlin mayor's facet collected them
all (6 to 14 % of his articles in the reviews of 3,000-article samples). What tells them apart is what every
article says of the person: the words right around the full name ("Berlins Regierender Bürgermeister Michael
Müller (SPD)"). So, for a name that is common (:meth:`Namesakes.settle`), the run learns the words its
articles describe the person with, and an article that names the person in full but uses none of those words
anywhere, or gives the person another party, is about a namesake: the person is taken out of that article
(:meth:`Namesakes.without`), also where only its family name stands alone ("Minister Müller" and "das BMZ" are
Gerd Müller's). Names that are not common keep every article: "Angela Merkel" without "Kanzlerin"
in an article is still Angela Merkel.

What is left: the namesake gets no person of its own (a facet value would need a name that tells the two
apart); an article that writes a profile word for another reason stays the person's; the profile is learned
from the run, so an incremental reindex of a few articles judges nothing (a full reindex does).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from search.enrich.entities.lexicon import stop_words
from search.enrich.entities.names import parties

#: A name is common when its family name is borne by at least this share of as many persons of the run as
#: bear its most common family name, and its given name likewise (the run's own name statistics: in every
#: 3,000-article sample Müller leads, before Schmidt and Schneider, and Michael before Thomas). A share of
#: the leader keeps the test the same for a small and a large archive.
COMMON_SHARE = 0.5
#: Articles that must name a person in full before its description is learned.
PROFILE_ARTICLES = 10
#: A word describes the person when at least this share of those articles use it next to the full name.
PROFILE_SHARE = 0.1
#: The person has one description when its most frequent word (or party) is used next to the full name in at
#: least this share of its articles (the Berlin mayor's "Bürgermeister": 0.50 to 0.71 in twelve samples).
PROFILE_LEAD = 0.4

# up to three capitalised words right before the name ("Berlins Regierender Bürgermeister"), on its line
_BEFORE = re.compile(r"((?:[A-ZÄÖÜ][\w\-]*[ \t]+){1,3})$")
# an apposition after it (", Vorstandsvorsitzender der ALM", ", der Regierende Bürgermeister von Berlin")
_APPOSITION = re.compile(r",[ \t]+((?:[\w\-]+[ \t]+){0,5}[\w\-]+)")
# "Michael Müller (SPD)", "Michael Müller und Werner Weindl (beide CSU)"
_PARTY_AFTER = re.compile(
    r"(?:[ \t]+und[ \t]+(?:[A-ZÄÖÜ][\w\-]*[ \t]+){1,3}(?=\((?:beide|alle)[ \t]))?"
    r"[ \t]*\((?:beide |alle |jeweils )?([^()\n]{2,30})\)"
)
_CAPITALISED = re.compile(r"[A-ZÄÖÜ][\w\-]+")


def describe(text: str, s: int, e: int) -> tuple[set[str], set[str]]:
    """The words that describe the person named at [s, e) (lower case: the capitalised words right before
    it and in an apposition after it, no stop words) and the parties given for it ("(SPD)", "CSU-Politiker")."""
    words: set[str] = set()
    found: set[str] = set()
    known = parties()
    if (m := _PARTY_AFTER.match(text, e)) and m.group(1).strip() in known:
        found.add(known[m.group(1).strip()])
    if before := _BEFORE.search(text, max(0, s - 60), s):
        for word in _CAPITALISED.findall(before.group(1)):
            if "-" in word and word.split("-")[0] in known:
                found.add(known[word.split("-")[0]])
            words.add(word.lower())
    if after := _APPOSITION.match(text, e):
        words.update(w.lower() for w in _CAPITALISED.findall(after.group(1)))
    stop = stop_words()
    return {w for w in words if len(w) > 2 and w not in stop}, found


def _described(text: str, spans: Iterable[tuple[int, int]]) -> tuple[set[str], set[str]]:
    """:func:`describe` over every full-name span of one person in an article."""
    words: set[str] = set()
    found: set[str] = set()
    for s, e in spans:
        w, p = describe(text, s, e)
        words |= w
        found |= p
    return words, found


def _full_names(ents: dict, text: str) -> dict[str, list[tuple[int, int]]]:
    """The persons an article names in full, with the spans that do."""
    out: dict[str, list[tuple[int, int]]] = {}
    for s, e, kind, v in ents.get("spans", ()):
        if kind == "PER" and " " in text[s:e].strip():
            out.setdefault(v, []).append((s, e))
    return out


class Profile:
    """How the run's articles describe one common full name: its words, its party, and a pattern that
    finds any of the words in an article, as whole words ("Berlins" describes the Berlin mayor, but "Berlin"
    is in a quarter of all articles: the laboratory chairman's too)."""

    def __init__(self, words: set[str], party: str | None):
        self.words = words
        self.party = party
        said = sorted(words | ({party} if party else set()))
        self.pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, said)) + r")\b")

    def other_person(self, parties_given: set[str], text: str) -> bool:
        """Is an article with this text, and these parties next to the full name, about a namesake?"""
        if self.party and parties_given and self.party not in parties_given:
            return True
        return self.pattern.search(text.lower()) is None


class Namesakes:
    """The run's descriptions of full names (:meth:`learn`), the profiles of the common ones
    (:meth:`settle`) and the namesakes taken out of an article (:meth:`without`)."""

    def __init__(self) -> None:
        self.articles: Counter = Counter()  # person -> articles naming it in full
        self.words: dict[str, Counter] = {}  # person -> articles describing it with each word
        self.parties: dict[str, Counter] = {}  # person -> articles giving it each party
        self.profiles: dict[str, Profile] = {}

    def learn(self, ents: dict, text: str) -> None:
        """Count how one written article describes the persons it names in full."""
        for person, spans in _full_names(ents, text).items():
            words, found = _described(text, spans)
            self.articles[person] += 1
            self.words.setdefault(person, Counter()).update(words)
            self.parties.setdefault(person, Counter()).update(found)

    def settle(self, persons: Iterable[str]) -> None:
        """Profiles for the common full names of ``persons`` (every person of the run) named in full in
        :data:`PROFILE_ARTICLES` articles or more and described by one word in :data:`PROFILE_LEAD` of those."""
        names = [p.split() for p in persons if " " in p]
        if not names:
            return
        family = Counter(w[-1] for w in names)
        given = Counter(w[0] for w in names)
        top_family, top_given = max(family.values()), max(given.values())
        for person, n in self.articles.items():
            parts = person.split()
            if n < PROFILE_ARTICLES or len(parts) < 2:
                continue
            if family[parts[-1]] < COMMON_SHARE * top_family or given[parts[0]] < COMMON_SHARE * top_given:
                continue
            words = {w for w, k in self.words[person].items() if k >= PROFILE_SHARE * n} - {
                p.lower() for p in parts
            }
            party = [p for p, k in self.parties[person].most_common(1) if k >= PROFILE_SHARE * n]
            lead = max(
                [self.words[person][w] for w in words] + [self.parties[person][p] for p in party], default=0
            )
            if words and lead >= PROFILE_LEAD * n:
                self.profiles[person] = Profile(words, party[0] if party else None)

    def without(self, ents: dict, text: str, title: str = "") -> dict | None:
        """``ents`` without the persons that are namesakes of a profiled common name (see the module), also
        where only one-word mentions name it ("Minister Müller" of an article on Gerd Müller); None when
        there is none."""
        if not self.profiles:
            return None
        gone = set()
        full = _full_names(ents, text)
        for person in ents.get("persons") or ():
            profile = self.profiles.get(person)
            if profile is None:
                continue
            found = _described(text, full.get(person, ()))[1]  # none when one-word mentions name the person
            if profile.other_person(found, f"{title}\n{text}"):
                gone.add(person)
        if not gone:
            return None
        out = dict(ents)
        out["persons"] = {p: n for p, n in ents.get("persons", {}).items() if p not in gone}
        out["aliases"] = {p: a for p, a in (ents.get("aliases") or {}).items() if p not in gone}
        out["spans"] = [x for x in ents.get("spans", ()) if not (x[2] == "PER" and x[3] in gone)]
        return out
