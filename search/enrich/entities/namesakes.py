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

A common name that the articles describe too variously for a profile ("Profi-Fußballer", "Bayern-Star",
"Stürmer", "der Profi des FC Bayern München": no word in 40 % of the footballer Thomas Müller's articles) is
told apart by what its articles are about (:class:`Topic`): an article naming it in full that shares no person
named beside it elsewhere and almost none of the words its other articles write (a Landrat Thomas Müller among
Thuringian politicians) is about a namesake too.

What is left: the namesake gets no person of its own (a facet value would need a name that tells the two
apart); an article that writes a profile word for another reason stays the person's; the profile is learned
from the run, so an incremental reindex of a few articles judges nothing (a full reindex does).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from search.enrich.entities.late import CAPITALISED
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
#: A capitalised word is of a common name's topic when at least this share of the name's other articles write
#: it ("Bayern", "Champions", "Flick" for the footballer) ...
TOPIC_SHARE = 0.3
#: ... at least this many times as often as the run's articles do (not "Corona", "Deutschland").
TOPIC_LIFT = 5
#: A topic judges only with this many words (a name whose articles share little has no topic).
TOPIC_WORDS = 10
#: An article writing fewer than this share of the topic's words, and none of the persons named beside the
#: name in :data:`OTHERS` of its other articles, is about a namesake (the footballer's 13 articles in a
#: 3,000-article sample: 6 % to 67 % of his topic; the Landrat's: 4 %, with no football person). In all 41,242
#: FANG-COVID articles 9 of his 88 are below it: 6 namesakes (a Landrat, an ecologist, a preacher, ...) and 3 of
#: his, in passing (a child's wish to meet him, a list of celebrities): the cost of a rule that pays 2 to 1.
TOPIC_HITS = 0.05
OTHERS = 2

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


class Topic:
    """What a common full name's articles are about: the capitalised words and the persons they share."""

    def __init__(self, articles: list[tuple[set[str], set[str]]], word_counts: Counter, total: int):
        """``articles``: each article's capitalised words and its other persons; ``word_counts``: in how
        many of the run's ``total`` articles each capitalised word stands."""
        self.n = len(articles)
        self.words: Counter = Counter()
        self.circle: Counter = Counter()
        for words, persons in articles:
            self.words.update(words)
            self.circle.update(persons)
        self.word_counts, self.total = word_counts, max(total, 1)

    def other_person(self, words: set[str], persons: set[str], name: str) -> bool:
        """Is one of the articles (with these words and other persons) about a namesake? Judged against the
        other articles only, so that the article's own words never vouch for it."""
        others = self.n - 1
        if others < 1 or any(self.circle[p] - 1 >= OTHERS for p in persons):
            return False
        topic = {w for w, k in self.words.items() if self._of_topic(k - (w in words), others, w)}
        topic -= set(name.split())
        return len(topic) >= TOPIC_WORDS and len(topic & words) < TOPIC_HITS * len(topic)

    def _of_topic(self, articles: int, others: int, word: str) -> bool:
        """Does a word written in ``articles`` of the name's ``others`` articles belong to its topic?"""
        run = self.word_counts.get(word, 0) / self.total
        return articles >= TOPIC_SHARE * others and articles / others >= TOPIC_LIFT * run


class Namesakes:
    """The run's descriptions of full names (:meth:`learn`), the profiles of the common ones
    (:meth:`settle`) and the namesakes taken out of an article (:meth:`without`)."""

    def __init__(self) -> None:
        self.articles: Counter = Counter()  # person -> articles naming it in full
        self.words: dict[str, Counter] = {}  # person -> articles describing it with each word
        self.parties: dict[str, Counter] = {}  # person -> articles giving it each party
        self.profiles: dict[str, Profile] = {}
        self.places: dict[str, list[int]] = {}  # person -> where the articles naming it in full are kept
        self.elsewhere: dict[int, set[str]] = {}  # kept article -> the namesakes in it found by a Topic

    def learn(self, ents: dict, text: str, at: int | None = None) -> None:
        """Count how one written article describes the persons it names in full; ``at``: where the article
        is kept for :meth:`settle` to read again."""
        for person, spans in _full_names(ents, text).items():
            words, found = _described(text, spans)
            if at is not None:
                self.places.setdefault(person, []).append(at)
            self.articles[person] += 1
            self.words.setdefault(person, Counter()).update(words)
            self.parties.setdefault(person, Counter()).update(found)

    def settle(
        self,
        persons: Iterable[str],
        read: Callable[[int], tuple[dict, str]] | None = None,
        word_counts: Counter | None = None,
        total: int = 0,
    ) -> None:
        """Profiles for the common full names of ``persons`` (every person of the run) named in full in
        :data:`PROFILE_ARTICLES` articles or more and described by one word in :data:`PROFILE_LEAD` of those;
        the others judged by their :class:`Topic`, reading their kept articles again (``read``: a place ->
        the article's entities and text; ``word_counts`` of the run's ``total`` articles)."""
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
            elif read is not None and word_counts is not None:
                self._judge_topic(person, read, word_counts, total)

    def _judge_topic(
        self, person: str, read: Callable[[int], tuple[dict, str]], word_counts: Counter, total: int
    ) -> None:
        """Find the articles about a namesake of ``person`` (a common name without a profile): see
        :class:`Topic`."""
        places = self.places.get(person, [])
        seen = []
        for at in places:
            ents, text = read(at)
            seen.append((set(CAPITALISED.findall(text)), set(ents.get("persons") or ()) - {person}))
        topic = Topic(seen, word_counts, total)
        for at, (words, others) in zip(places, seen, strict=True):
            if topic.other_person(words, others, person):
                self.elsewhere.setdefault(at, set()).add(person)

    def without(self, ents: dict, text: str, title: str = "", at: int | None = None) -> dict | None:
        """``ents`` without the persons that are namesakes of a profiled common name (see the module), also
        where only one-word mentions name it ("Minister Müller" of an article on Gerd Müller), and those its
        :class:`Topic` found in the article kept ``at``; None when there is none."""
        gone = set(self.elsewhere.get(at, ())) if at is not None else set()
        if not self.profiles and not gone:
            return None
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
