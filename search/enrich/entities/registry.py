"""Pass 2 of the extraction: which person each mention names, resolved across a whole batch of articles.

Why: a facet needs one value per person, but an article often names a person in full once and then by a
part of the name. :class:`Registry` collects the full names of the batch (plus the alias table and what
the extractor learned from earlier batches) with the spellings seen for each, and resolves every article
against them:

* A bare name ("Trump", "Trumps", "Moon") is resolved to the one full name in the same article that starts
  or ends with it; when several do ("Kim" beside Kim Jong-un and Sung Kim) it stays unresolved and is left
  out of the facet. A name word alone that the model or a title marks as a person takes the one known full
  name with that first or last word.
* A truncated ("Moon Jae") or glued ("Kim Jong Unwerden" = "Kim Jong Un werden") name is repaired only when
  the repaired name is known (same article, alias table, or another article of the batch).
* Further mentions are found in the text (:meth:`Registry._propagate`): full spellings and unique first or
  last name words of the article's persons; and a last name of a person from another article, but only
  when the alias table knows the person or at least two articles of the batch use that last name alone for
  them ("Trump" yes; "Pravda" from a byline "Nikolas Pravda" no).

Speed: known names are found through indexes (:class:`KeyIndex`, words to persons) instead of comparing
every name with every other, which grew quadratically with the batch.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Set

from search.enrich.entities.context import (
    english_phrase_after,
    famous_namesake,
    in_organisation,
    named_otherwise,
    part_of_another_name,
    played_by,
    someone_else,
)
from search.enrich.entities.keys import InitialSplits, KeyIndex, closest, joined_keys, repair_key
from search.enrich.entities.lexicon import (
    HYPHEN_SPLIT,
    english_plural,
    eponymous_organisation,
    everyday_english,
    everyday_word,
    first_names,
    german_common_word,
    non_person_head,
    noun_use,
    own_role_before,
    role_before,
    speech_marked,
    stop_words,
)
from search.enrich.entities.mentions import Draft, Mention, SpanIndex, trim_glue
from search.enrich.entities.names import (
    best_display,
    family_end,
    is_full,
    key_tokens,
    name_ends,
    person_key_cached,
    spelling_refs,
    spelling_words,
    strip_genitive,
    strip_genitive_s,
)
from search.enrich.entities.references import WORD_TOKEN, bare_uses, good_reference, reference_starts
from search.enrich.entities.tokens import MAX_NAME_TOKENS

MIN_BARE_SUPPORT = 2
#: A family name alone names a person known from other articles only where at least this share of the
#: articles that write the word name that person in full (measured on the first 10,000 FANG-COVID articles:
#: below it "Coronavirus" of a glued "Fälle von Coronavirus", "Biontech" of "Anja Karliczek Biontech",
#: "Rothschild", "Polio", "Morgan", "Müller", "Schmidt", "Wolf"; above it "Schiffmann" 0.66, "Tichy" 0.16,
#: "Goethe" 0.15, "Orwell" 0.56); the alias table's persons need none.
REFERENCE_SHARE = 0.1
#: Articles of the run that must write a two-word name as one word for it to be a thing ("AstraZeneca"). The
#: writer's late stage sees every count; worker processes get only words of WORD_COUNT_MIN (10) articles or
#: more (search.enrich.pipeline), so there the bar is that.
JOINED_MIN = 3
#: Persons of the run whose first name a word of the given-name list must be to count as a given name there.
GIVEN_MIN = 2
DOMINANCE = 3  # how much more often than any other person a family name alone must name the one chosen
INITIAL_WORD = re.compile(
    r"(?<!\w)[A-ZÄÖÜ]\."
)  # articles that must use a last name alone before other articles may, too


Resolved = list[tuple[Mention, str]]  # mentions and the person (key) each names
_MISSING = object()  # in Registry._propagate: "no word of this article", unlike None ("ambiguous")


class Registry:
    """Known full names (alias table + the batch) and the spellings seen for each."""

    def __init__(self, aliases: dict[str, str]):
        self.aliases = aliases
        self.variants: dict[str, Counter] = {}  # key -> spelling counts
        self.canonical_key: dict[str, str] = {}  # key -> key of the person it belongs to
        self._corpus_words: dict[str, set[str]] | None = None
        self.bare_support: Counter = Counter()  # (last name word, person) -> articles using the word alone so
        self.known_total: dict[str, int] = {}  # key -> articles naming the person so, as taught (build)
        # look-up structures over the final variants, built on first use by resolve()
        self._known_index: KeyIndex | None = None
        self._by_word: dict[str, list[str]] | None = None
        self._person_refs: dict[str, set[str]] = {}
        self._corpus_refs: dict[str, str] | None = None  # good corpus words -> their one person
        self._corpus_firsts: frozenset[str] = frozenset()
        self._corpus_starts: frozenset[str] = frozenset()
        self._curated_keys: set[str] | None = None
        # (word, person) taught by EntityExtractor.learn (earlier batches, the index; persons of several articles)
        self.learned_support: Counter = Counter()
        self._marked_only: set[str] = set()  # corpus last names that are everyday words (see corpus_words)
        self._names: frozenset[str] | None = None  # see _all_names
        self._given_words: frozenset[str] | None = None  # see _given_name_alone
        self.splits = InitialSplits()  # spellings with other middle initials than their key's: other persons
        self.word_counts: Mapping[str, int] | None = None  # see build

    @classmethod
    def build(
        cls,
        drafts: list[Draft],
        aliases: dict[str, str],
        known: dict[str, Counter] | None = None,
        known_support: Counter | None = None,
        word_counts: Mapping[str, int] | None = None,
    ) -> Registry:
        """``word_counts``: in how many articles of the run (so far) each capitalised word stands, for
        :meth:`_shared`; None: not counted."""
        reg = cls(aliases)
        reg.word_counts = word_counts
        reg.known_total = {k: sum(c.values()) for k, c in (known or {}).items()}
        for key, canonical in aliases.items():
            if " " in key:
                reg.canonical_key[key] = person_key_cached(canonical)
                reg.variants.setdefault(person_key_cached(canonical), Counter())[canonical] += 0
        raw: dict[str, Counter] = {}
        for k, spellings in (known or {}).items():
            kept = Counter({s: n for s, n in spellings.items() if not reg._written_joined(s)})
            if kept or not spellings:
                raw[k] = kept
        for d in drafts:
            for m in d.mentions:
                if is_full(m.surface) and not reg._written_joined(m.surface):
                    raw.setdefault(m.key, Counter())[strip_genitive(m.surface)] += 1
        reg.splits.split(raw)
        weights = {k: sum(c.values()) for k, c in raw.items()}
        index = KeyIndex(set(raw) | set(reg.canonical_key) | set(reg.variants), weights, joined_keys(raw))
        repaired: dict[str, str | None] = {}

        def repair(key: str) -> str | None:
            if key not in repaired:
                repaired[key] = repair_key(key, index, reg._curated())
            return repaired[key]

        for key, counts in raw.items():
            if repair(key) != key:
                continue  # a glued, truncated or ambiguous spelling of another known name: no person of its own
            for surface, n in counts.items():
                reg.variants.setdefault(reg.canonical_key.get(key, key), Counter())[surface] += n
        reg.bare_support.update(known_support or {})
        reg.learned_support = Counter(known_support or {})
        last_words: dict[str, set[str]] = {}
        name_words: dict[str, set[str]] = {}
        for d in drafts:
            persons = set()
            for m in d.mentions:
                if is_full(m.surface):
                    target = repair(reg.splits.key(m.surface))
                    if target is not None and not reg.splits.ambiguous(m.surface):
                        persons.add(reg.person_of(target))
            for person in persons:
                if person not in last_words:
                    last_words[person] = reg._last_words(person)
                    name_words[person] = reg._name_words(person)
                for word in last_words[person]:
                    if bare_uses(d.text, word, name_words[person]):
                        reg.bare_support[(word, person)] += 1
        return reg

    def _last_words(self, person: str) -> set[str]:
        return {family_end(ws)[-1] for s in self.variants.get(person, ()) if len(ws := spelling_words(s)) > 1}

    def _name_words(self, person: str) -> set[str]:
        return {w for s in self.variants.get(person, ()) for w in spelling_words(s)}

    def _english_plural(self, text: str, s: int, e: int, person: str) -> bool:
        """:func:`english_plural`, unless the word is one of the person's own ("Gates" of Bill Gates)."""
        return english_plural(text, s, e) and text[s:e] not in self._name_words(person)

    def person_of(self, key: str) -> str:
        return self.canonical_key.get(key, key)

    def display(self, person: str, local: Counter | None = None) -> str:
        canonical = self.aliases.get(person)
        if canonical and person_key_cached(canonical) == person:
            return canonical
        counts = Counter(self.variants.get(person, Counter()))
        if local:
            counts.update(local)
        return best_display(counts) if counts else person

    def by_word(self, word: str, persons: Iterable[str]) -> list[str]:
        """Persons (keys) whose first or last name word is ``word`` (a folded key word); the family name
        before a generational suffix only when no person has it as first or last word (:func:`name_ends`)."""
        return closest({p: r for p in persons if (r := name_ends(key_tokens(p)).get(word))})

    def _known_by_word(self, word: str) -> list[str]:
        """:meth:`by_word` over all known persons, from an index built once."""
        if self._by_word is None:
            table: dict[str, dict[str, int]] = {}
            for p in self.variants:
                for w, rank in name_ends(key_tokens(p)).items():
                    table.setdefault(w, {})[p] = rank
            self._by_word = {w: closest(ranks) for w, ranks in table.items()}
        return self._by_word.get(word, [])

    # per-article resolution -------------------------------------------------------------------------------

    def resolve(self, draft: Draft, left: list | None = None) -> list[tuple[Mention, str]]:
        """(mention, canonical display) for every person mention the article supports; ``left`` gets the
        one-word mentions a person learned later may name, ``(mention, marked, own)`` (:mod:`.late`)."""
        if self._known_index is None:
            weights = {k: sum(c.values()) for k, c in self.variants.items()}
            self._known_index = KeyIndex(
                set(self.variants) | set(self.canonical_key), weights, joined_keys(self.variants)
            )
        index = self._known_index
        local_full: dict[str, Counter] = {}
        fixed: list[tuple[Mention, str | None]] = []
        # keys of this article that count as known besides the index: its full names and local_full
        key_of = self.splits.key
        extra = {key_of(mm.surface) for mm in draft.mentions if is_full(mm.surface)}
        blocked: set[str] = set()  # name words of an ambiguous full name: nobody known from elsewhere
        for m in draft.mentions:
            if m.canonical:
                person = person_key_cached(m.canonical)
                fixed.append((m, person))
                local_full.setdefault(person, Counter())[m.canonical] += 0
                extra.add(person)
                continue
            if not is_full(m.surface):
                fixed.append((m, None))
                continue
            if self._written_joined(m.surface):
                continue
            key = key_of(m.surface)
            if self.splits.ambiguous(m.surface):  # "George Bush": the father or the son; so is its "Bush"
                blocked.update([bare := strip_genitive(m.surface), *bare.split()])
                continue
            target = repair_key(key, index, self._curated(), extra, strip_genitive(m.surface))
            if target is None:
                continue
            m = trim_glue(m, target)
            person = self.person_of(target)
            fixed.append((m, person))
            spellings = local_full.setdefault(person, Counter())
            if target == key_of(m.surface):  # a short form ("Tedros Adhanom") is no display spelling
                spellings[strip_genitive(m.surface)] += 1
            extra.add(person)

        out: list[tuple[Mention, str]] = []
        unresolved: list[Mention] = []
        for m, person in fixed:
            if person is not None:
                out.append((m, person))
                continue
            word = m.key
            cands = self.by_word(word, local_full)
            if len(cands) == 1:
                if not self._part_of_another_name(draft.text, m.start, m.end, cands[0]) and not (
                    someone_else(draft.text, m.start, m.end, self.variants.get(cands[0], ()), True)
                ):
                    out.append((m, cands[0]))
            elif not cands:
                unresolved.append(m)
        # a bare name no full name in this article explains: the one known person with that name, if any
        for m in (m for m in unresolved if strip_genitive_s(strip_genitive(m.surface)) not in blocked):
            marked = m.source == "cue" or speech_marked(draft.text, m.start, m.end)
            person, cands = self.known_person(m, marked, draft.text)
            if person is not None:
                out.append((m, person))
                local_full.setdefault(person, Counter())
            elif not cands and m.source == "cue" and m.surface not in first_names():
                if left is not None and not INITIAL_WORD.search(m.surface):
                    left.append((m, marked, True))
                bare = strip_genitive(m.surface)
                if bare.endswith("s") and re.search(
                    r"(?<!\w)" + re.escape(bare[:-1]) + r"(?!\w)", draft.text
                ):
                    bare = bare[:-1]
                person = person_key_cached(bare)
                out.append((m, person))
                local_full.setdefault(person, Counter())[bare] += 1
            elif left is not None and self._may_name_someone(m, marked):
                left.append((m, marked, False))

        out.extend(self._propagate(draft, out, local_full, blocked))
        out.sort(key=lambda x: x[0].start)
        result = []
        displays = {p: self.display(p, local_full.get(p)) for p in {p for _, p in out}}
        for m, person in out:
            result.append((m, displays[person]))
        return result

    def known_person(self, m: Mention, marked: bool, text: str) -> tuple[str | None, list[str]]:
        """The known person a one-word mention that no full name of its own article ``text`` explains names,
        if any (``marked``: a title, role or verb of saying marks it; :meth:`_may_complete`; the article does
        not use the word for another: :func:`named_otherwise`), and the candidates."""
        # an author line with an initial ("von L. Berndt") names its own person, nobody known elsewhere
        cands = [] if m.source == "cue" and INITIAL_WORD.search(m.surface) else self._known_by_word(m.key)
        if len(cands) > 1:  # "Trump": the one of Donald, Melania, Ivanka whom articles call so alone
            cands = self._dominant(strip_genitive_s(strip_genitive(m.surface)), cands)
        word = strip_genitive_s(strip_genitive(m.surface))
        if (
            len(cands) == 1
            and self._may_complete(m, cands[0], marked)
            and not self._given_name_alone(word, m.source == "cue" or role_before(text, m.start))
            and self._established(m, cands[0])
            and not named_otherwise(
                text, m.start, word, self._name_words(cands[0]), self._all_names(), self._given(cands[0])
            )
            and not in_organisation(text, m.start, m.end)
            and not self._english_plural(text, m.start, m.end, cands[0])
            and not someone_else(text, m.start, m.end, self.variants.get(cands[0], ()), False)
            # "laut Bloomberg", "bei Tönnies", "Klöckner, Hoesch"; but "Agrarministerin Klöckner" is the person
            and not (eponymous_organisation(strip_genitive(m.surface)) and not own_role_before(text, m.start))
            and not famous_namesake(word, self.variants.get(cands[0], ()))  # "Schuberts Lieder"
        ):
            return cands[0], cands
        return None, cands

    def _given_name_alone(self, word: str, role: bool) -> bool:
        """A given name (in the given-name list, and the first word of a full name of the run: "Michel" of
        Michel Barnier) without a title or role before it: another article's Charles Michel says nothing about
        this one, whose "schreibt Michel" may be a forum user called by his given name; a role goes with the
        family name ("Ratspräsident Michel"). "Johnson", "Palmer" are in the list but given names of fewer
        than :data:`GIVEN_MIN` persons of the run (one misread "Johnson das Handelsabkommen")."""
        if role or word not in first_names():
            return False
        if self._given_words is None:
            firsts: Counter = Counter()
            for counts in self.variants.values():  # each person once
                firsts.update({words[0] for words in map(spelling_words, counts) if len(words) >= 2})
            self._given_words = frozenset(w for w, n in firsts.items() if n >= GIVEN_MIN)
        return word in self._given_words

    def _may_name_someone(self, m: Mention, marked: bool) -> bool:
        """Could a person learned later be named by this one-word mention (:meth:`_may_complete` without the
        alias table: the alias table is known from the start)?"""
        if m.source == "cue" and INITIAL_WORD.search(m.surface):
            return False
        word = strip_genitive_s(strip_genitive(m.surface))
        return marked or not (everyday_word(word) or word in first_names())

    def _may_complete(self, m: Mention, person: str, marked: bool) -> bool:
        """May a one-word mention that no full name of its own article explains name ``person``, a person
        known from the alias table or other articles? Only with evidence in this article that the word names
        that person: the person is in the alias table, or a title, a role or a verb of saying marks the word
        ("Präsident Trump", "sagte Winter"), or the word is neither an everyday word (:func:`everyday_word`:
        "Spahn" is none; "Alter", "Corona", "Bayern" are, even where the model reads a name) nor a given name
        alone ("Amy" is no Amy Coney Barrett): another article's "Steve Alter" says nothing about this one."""
        return person in self._curated() or self._may_name_someone(m, marked)  # (no cue with an initial here)

    def _established(self, m: Mention, person: str) -> bool:
        """Is ``person`` the one other articles mean by this word alone: in the alias table, called so
        alone by an article of the batch that names them in full too, or so taught by earlier batches, and
        named in full by enough of the articles that write the word (:meth:`_shared`)
        ("Schuberts" is no Stefan Schubert whose one article never calls him "Schubert")."""
        word = strip_genitive_s(strip_genitive(m.surface))
        return person in self._curated() or (
            (self.bare_support[(word, person)] > 0 or self.learned_support[(word, person)] > 0)
            and self._shared(word, person)
        )

    def _shared(self, word: str, person: str) -> bool:
        """Do enough of the articles that write ``word`` name ``person`` in full (:data:`REFERENCE_SHARE`)?
        One article's glued "Anja Karliczek Biontech" says nothing about the thousand that write "Biontech"."""
        if not self.word_counts:
            return True
        written = self.word_counts.get(word, 0) + self.word_counts.get(word + "s", 0)
        return sum(self.variants.get(person, Counter()).values()) >= REFERENCE_SHARE * written

    def _written_joined(self, surface: str) -> bool:
        """A two-word "name" that articles of the run write as one word as often as they name it so ("Astra
        Zeneca", "AstraZeneca" in 40 of 3,000; not "Joe Biden" of a few "#JoeBiden"): a company or product."""
        words = strip_genitive(surface).split()
        if len(words) != 2 or not self.word_counts:
            return False
        named = self.known_total.get(person_key_cached(" ".join(words)), 0)
        return self.word_counts.get("".join(words), 0) >= max(JOINED_MIN, named)

    def _curated(self) -> set[str]:
        """Keys of the persons of the alias table."""
        self._curated_keys = self._curated_keys or {person_key_cached(c) for c in self.aliases.values()}
        return self._curated_keys

    def _part_of_another_name(self, text: str, s: int, e: int, person: str) -> bool:
        """See :func:`context.part_of_another_name`, with this person's name words."""
        mine = {w for spelling in self.variants.get(person, ()) for w in spelling_words(spelling)}
        return part_of_another_name(text, s, e, mine, self._all_names(), self._given(person))

    def _given(self, person: str) -> set[str]:
        """The first words of a known person's full spellings (their given names)."""
        return {ws[0] for s in self.variants.get(person, ()) if len(ws := spelling_words(s)) >= 2}

    def _all_names(self) -> frozenset[str]:
        """The family names of every known person: one before a name is that person's, no other name's first
        word ("warf Trump Biden vor"; but "Pink" of a person "Pink Floyd" the model read elsewhere is)."""
        if self._names is None:
            self._names = frozenset(w for p in self.variants for w in self._last_words(p))
        return self._names

    def _named_otherwise(self, text: str, s: int, person: str) -> bool:
        """:func:`named_otherwise` for the word at ``s`` and a person known from elsewhere."""
        word = strip_genitive_s(HYPHEN_SPLIT.split(WORD_TOKEN.match(text, s).group())[0])
        return named_otherwise(
            text, s, word, self._name_words(person), self._all_names(), self._given(person)
        )

    def _refs_of(self, person: str) -> set[str]:
        """Name words and full spellings of a known person's variants (see :func:`spelling_refs`)."""
        if (refs := self._person_refs.get(person)) is None:
            refs = {w for spelling in self.variants.get(person, ()) for w in spelling_refs(spelling)}
            self._person_refs[person] = refs
        return refs

    def _given_name_of(self, word: str, person: str, spellings: Iterable[str]) -> bool:
        """Is ``word`` the given name of the person (the first word of a spelling), never its family name?"""
        words = [spelling_words(sp) for sp in (*self.variants.get(person, ()), *spellings)]
        return any(ws[0] == word for ws in words if len(ws) > 1) and not any(
            family_end(ws)[-1] == word for ws in words
        )

    def _propagate(
        self, draft: Draft, found: Resolved, local: dict[str, Counter], blocked: Set[str] = frozenset()
    ) -> Resolved:
        """Further mentions of the article's persons: full spellings and unique first/last name words. In a
        batch, also the last name of a known person (from another article) when it is unique among all known
        persons and the article has no person of its own with that word, nor an ambiguous name (``blocked``)."""
        taken = SpanIndex((m.start, m.end) for m, _ in found)
        named = {p for m, p in found if is_full(m.surface)} | {p for p, c in local.items() if c}
        # hits come in text order, each after the last (a bisection for the found, a comparison for the new)
        last_end = -1
        words: dict[str, set[str]] = {}  # spelling or name word -> persons
        for person, counts in local.items():
            for w in self._refs_of(person):
                words.setdefault(w, set()).add(person)
            for spelling in counts:
                for w in spelling_refs(spelling):
                    words.setdefault(w, set()).add(person)
        # the article's own words shadow the corpus words; a reference must name exactly one person
        local_refs: dict[str, str | None] = {
            w: next(iter(p)) if len(p) == 1 and good_reference(w) else None for w, p in words.items()
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
        starts = reference_starts(local_words)
        corpus_starts = self._corpus_starts
        local_get, corpus_get = local_refs.get, corpus.get

        marked_only = self._marked_only

        def lookup(phrase: str, s: int) -> str | None:
            person = local_get(phrase, _MISSING)
            if person is not _MISSING:
                return person
            if phrase in blocked or (phrase in marked_only and not speech_marked(text, s, s + len(phrase))):
                return None  # another article's "Thomas Winter" is not this article's "Winter"
            person = corpus_get(phrase)
            if person is not None and self._given_name_alone(phrase, role_before(text, s)):
                return None  # "Akne Kid Joe" (a band) is no Joe Biden of other articles
            return person

        text = draft.text
        tokens = [m.span() for m in WORD_TOKEN.finditer(text)]
        n_tok = len(tokens)
        extra: list[tuple[Mention, str]] = []
        i = 0
        while i < n_tok:
            s, e0 = tokens[i]
            if not text[s].isupper():  # every reference is capitalised (good_reference)
                i += 1
                continue
            token = text[s:e0]
            if token not in starts and token not in corpus_starts:
                head = HYPHEN_SPLIT.split(token)[0]
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
                person = lookup(phrase, s)
                if person is None:
                    stripped = strip_genitive_s(phrase)
                    if stripped != phrase and phrase.lower() not in stop_words():  # "Als" is no "Al"'s
                        person = lookup(stripped, s)
                # one word after a determiner or number ("die App", "100 Euro") is the common noun
                if person is not None and not (n == 1 and noun_use(text, s)):
                    hit = (s, e, n, person)
                    break
            if hit is None and ("-" in token or "\u2010" in token or "\u2011" in token):
                # "Trump-Administration": the name part of a compound
                head = HYPHEN_SPLIT.split(token)[0]
                person = lookup(head, s) if head != token and not non_person_head(token) else None
                if person is not None and self._given_name_of(head, person, local.get(person, ())):
                    person = None  # a family name, not a given name: "Al-Qaida" is no Al Gore
                if person is not None:  # not "Gates-Stiftung", "Tönnies-Gruppe": the organisation
                    hit = (s, s + len(head), 1, person)
            if hit:
                s, e, n, person = hit
                if (
                    not taken.overlaps(s, e)
                    and not last_end > s
                    and not in_organisation(text, s, e)
                    and not played_by(text, s, e)  # "Kommissar Faber (Jörg Hartmann)": a role and its actor
                    and not (n == 1 and english_phrase_after(text, e))
                    and (person in local or not self._english_plural(text, s, e, person))
                    and not (n == 1 and self._part_of_another_name(text, s, e, person))
                    and not (n == 1 and person not in local and self._named_otherwise(text, s, person))
                    and not someone_else(text, s, e, self.variants.get(person, ()), person in named)
                ):
                    extra.append((Mention(s, e, text[s:e], "text"), person))
                    last_end = e
                i += n
            else:
                i += 1
        return extra

    def corpus_words(self) -> dict[str, set[str]]:
        """Last names and full spellings of every known person, for other articles; computed once. Only words
        that are unique to one person and are no common German word ("Art", "Gipfel"); a last name alone only
        for persons of the alias table or when at least two articles use it alone for that person (so a
        newspaper called "Pravda" does not become the person "Nikolas Pravda" everywhere)."""
        if self._corpus_words is None:
            table: dict[str, set[str]] = {}
            curated = self._curated()
            for person, counts in self.variants.items():
                for spelling in counts:
                    ws = spelling_words(spelling)
                    if len(ws) < 2:
                        continue
                    table.setdefault(" ".join(ws), set()).add(person)
                    # a last name alone only for the alias table's persons or when two articles use it so; an
                    # everyday word ("Alter") only where marked; never "Bloomberg" (a company) nor "Kant"
                    if eponymous_organisation(ws[-1]) or famous_namesake(ws[-1], (spelling,)):
                        continue
                    if person in curated or (
                        self.bare_support[(ws[-1], person)] >= MIN_BARE_SUPPORT
                        and self._shared(ws[-1], person)
                    ):
                        table.setdefault(ws[-1], set()).add(person)
                        if person not in curated and (everyday_word(ws[-1]) or everyday_english(ws[-1])):
                            self._marked_only.add(ws[-1])
            for w, ps in table.items():
                if len(ps) > 1 and " " not in w:
                    table[w] = set(self._dominant(w, sorted(ps)))
            self._corpus_words = {
                w: p for w, p in table.items() if len(p) == 1 and (" " in w or not german_common_word(w))
            }
        return self._corpus_words

    def _dominant(self, word: str, persons: list[str]) -> list[str]:
        """Of several persons with this name word, the one far more established than any other (named in
        full and called so alone: "Merkel" is Angela Merkel beside a one-off "Mutti Merkel"); all when none is."""

        def weight(p: str) -> int:  # bare uses (this batch and taught) and full-name mentions
            named = sum(self.variants.get(p, Counter()).values())
            return self.bare_support[(word, p)] + self.learned_support[(word, p)] + named

        support = sorted(((weight(p), p) for p in persons), reverse=True)
        (top, best), (second, _) = support[0], support[1]
        used = self.bare_support[(word, best)] + self.learned_support[(word, best)]
        return [best] if used > 0 and top >= DOMINANCE * max(second, 1) else persons

    def _corpus_references(self) -> dict[str, str]:
        """:meth:`corpus_words` that are good references, word -> person; with their first words."""
        if self._corpus_refs is None:
            self._corpus_refs = {
                w: next(iter(p)) for w, p in self.corpus_words().items() if good_reference(w)
            }
            self._corpus_firsts = frozenset(w.split(" ")[0] for w in self._corpus_refs if " " in w)
            self._corpus_starts = reference_starts(self._corpus_refs)
        return self._corpus_refs
