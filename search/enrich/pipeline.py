"""Analysis step between ingest and index: entities (persons, countries) and dates for a batch of articles.

Returns, per article, the extra index fields: ``person``, ``country``, ``mentioned`` (facet values),
``entities`` (stored detail: mention counts, aliases, character spans) and ``estimated_date`` for
articles without a publication date. The spaCy pipeline is loaded once per process, lazily, so a no-op
reindex never loads it.

Memory: spaCy's tok2vec and NER keep every intermediate array of a ``nlp.pipe`` batch alive until the batch
is done, about 2.5 KB per character of text (a batch of 32 long articles took 1.4 GB; one 333,000-character
article 0.8 GB; beyond 1,000,000 characters spaCy refuses the text). So a ``nlp.pipe`` batch holds at most
:data:`NER_BATCH_CHARS` characters: texts longer than :data:`NER_PIECE_CHARS` are split at paragraph (else
line, else word) boundaries into pieces that are extracted in the same call and merged back (a name in a
later piece then resolves like one in another article of the batch), and the texts of a call are arranged
into batches of equal count and similar length (the extraction does not depend on their order). Batches of
1-3 texts cost about 10 % more CPU time than 8 or more: hence the arranging rather than smaller batches,
and pieces shorter than the budget, which leave room for other texts in their batch.
The strings and lexemes spaCy adds for new words stay (``nlp.memory_zone`` would drop them after each call,
but re-creating them costs 7 % more CPU time); the indexer replaces its worker processes regularly instead.

Time: every step is linear in the article (or bounded per piece), and :func:`cpu_budget` bounds what one
article may cost (``SEARCH_ARTICLE_SECONDS`` of CPU time): the indexer's workers analyse a batch within
it, and on an overrun find the article that exceeds it alone and skip it with a reason
(:mod:`search.engine.whoosh.workers`). So :class:`Enricher` analyses (:meth:`Enricher.analyse`, which a
budgeted run may repeat or abandon) apart from learning the persons found (:meth:`Enricher.learn`).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.enrich.entities.corrections import Corrections
    from search.enrich.entities.extractor import ArticleEntities, EntityExtractor

from search.core.models import Article
from search.core.settings import settings
from search.enrich.entities.names import strip_genitive, strip_genitive_s
from search.enrich.entities.registry import REFERENCE_SHARE

log = logging.getLogger(__name__)

# Characters the spaCy pipeline sees at once (one ``nlp.pipe`` batch; ~2.5 KB of memory per character), and
# the most texts per batch (8-16 is as fast per article as 32 and more; see the module docstring).
NER_BATCH_CHARS = 40_000
NER_BATCH_TEXTS = 16
# Persons named in this many articles are taught to every new worker process (see Enricher.established).
ESTABLISHED = 2
#: Below this many articles a word's count cannot fail :meth:`Registry._shared` (a known person is named once).
WORD_COUNT_MIN = math.ceil(1 / REFERENCE_SHARE)
NER_PIECE_CHARS = 40_000  # longer texts are extracted in pieces (0.3 % of the FANG-COVID articles)


@lru_cache(maxsize=4)
def _extractor(model: str) -> EntityExtractor:
    from search.enrich.entities.extractor import EntityExtractor

    return EntityExtractor(model or None)


def load_model(model: str = "") -> None:
    """Load the entity extractor of ``model`` ("" for the default) into this process, having learned nothing
    yet: the process that forks the reindex's workers does this once for all of them."""
    _extractor(model)


class OverBudget(BaseException):
    """The analysis in a :func:`cpu_budget` block used up its CPU time.

    A BaseException, like KeyboardInterrupt: code that catches Exception (a library's fallback) must not
    swallow it.
    """


_armed = False  # a budget is running in this process; the timer's signal interrupts only then


def _expired(signum: int, frame: object) -> None:
    global _armed
    if _armed:
        _armed = False  # once: a second interruption could land in the handler of the first
        raise OverBudget


def budget_enforced() -> bool:
    """Whether :func:`cpu_budget` can interrupt here: the main thread of a process (POSIX timers signal
    that thread only). A reindex run from another thread of a program has the linear bounds only."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`OverBudget` inside the block once this process has used ``seconds`` of CPU time in it.

    CPU time, not wall time: the same article is skipped or indexed however busy the machine is. A timer
    (``ITIMER_PROF``) interrupts the work wherever it is (between two Python steps; every native step of
    the analysis is short). ``seconds`` <= 0, or a thread other than the main one: no limit.
    """
    global _armed
    if seconds <= 0 or not budget_enforced():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _expired)
    _armed = True
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        try:
            _armed = False  # first: a signal from here on is ignored, also one already on its way
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)


@lru_cache(maxsize=1)
def warm_up() -> None:
    """Load the word lists of the analysis (compound frequencies, stop words, gazetteer, abbreviations)
    now: an article's budget should pay for its own analysis, not for the first article's loading."""
    from search.enrich.countries import gazetteer
    from search.enrich.dates import extract_mentioned
    from search.enrich.estimate import estimate_published
    from search.text.analysis import analyze
    from search.text.sentences import sentences

    sample = "Die Bundesregierung lud am 1. Mai 2020 rund 2000 Menschen ein. Dr. A. Beispiel kam 2019 Berlin."
    gazetteer()
    analyze(sample)
    estimate_published(sample, extract_mentioned(sample, None))  # reads the learned date statistics once
    sentences(sample)


class Enricher:
    """Entities and dates for batches of articles, consistent across batches and runs.

    Persons seen in earlier batches (and, through :meth:`prime`, in the live index) are fed back to the
    extractor so a bare surname resolves and a person keeps one canonical value across the corpus.
    :attr:`registry` collects canonical persons with their aliases; the indexer stores it per generation.
    """

    def __init__(self, model: str = "", ner: bool = True):
        self.model = model
        self.ner = ner
        self.registry: dict[str, list[str]] = {}
        # Articles of this run naming each registered person (counted by the indexer's writer when workers
        # extract); persons known from the index count as established.
        self.articles: dict[str, int] = {}
        self._unlearned: dict[str, list[str]] = {}  # primed persons the extractor has not been taught yet
        # the user's corrections (corrections.txt of the articles folder), set by the indexer for a run
        self.corrections: Corrections | None = None
        # in how many articles written so far each capitalised word stands (counted by the writer,
        # :class:`search.engine.reindexing.LatePersons`): a family name that most of them use without the
        # person is no reference to that person in other articles (:meth:`Registry._shared`)
        self.word_counts: Counter = Counter()

    def __getstate__(self) -> dict:
        """What a new worker process gets: the word counts only where they can matter (a word in fewer
        than :data:`WORD_COUNT_MIN` articles passes the share test anyway), so the
        copy stays small."""
        state = dict(self.__dict__)
        state["word_counts"] = Counter({w: n for w, n in self.word_counts.items() if n >= WORD_COUNT_MIN})
        return state

    def prime(self, registry: dict[str, list[str]]) -> None:
        """Persons already in the index (``{canonical: [aliases]}``) before an incremental run.

        The extractor learns them before it next extracts, so a process that only writes (the reindex
        process when workers extract) never loads the spaCy pipeline.
        """
        if not registry or not self.ner:
            return
        for name, aliases in registry.items():
            self._remember(name, aliases)
            self.articles[name] = max(self.articles.get(name, 0), ESTABLISHED)
            self._unlearned[name] = sorted(set(self._unlearned.get(name, ())) | set(aliases))

    def established(self) -> dict[str, list[str]]:
        """The registered persons a new worker process learns first: those named in at least
        :data:`ESTABLISHED` articles so far (or known from the index).

        Each batch resolves its names against every person the extractor knows, so the time per batch grows
        with them; most persons are named in one article only (69 % of the 56,761 persons of FANG-COVID),
        and a worker learns those of its own batches anyway. Measured on 1,000 FANG-COVID articles: 0.041 s
        of CPU per article knowing nobody, 0.064 s knowing all 56,761 persons, 0.047 s knowing the 17,563
        named in two articles or more.
        """
        return {n: a for n, a in self.registry.items() if self.articles.get(n, 0) >= ESTABLISHED}

    def load(self) -> None:
        """Load the pipeline and teach it the primed persons now (a worker, before its first batch; the
        indexer, before an article's time budget starts)."""
        if self.ner:
            _extractor(self.model)
            self._teach()

    def _teach(self) -> None:
        # this run's counts, also when empty: the extractor (one per process) may hold an earlier run's
        _extractor(self.model).word_counts = self.word_counts
        if not self._unlearned:
            return
        from search.enrich.entities.extractor import ArticleEntities

        registry, self._unlearned = self._unlearned, {}
        known = ArticleEntities(
            persons=dict.fromkeys(registry, 1), person_aliases=registry, countries={}, spans=[]
        )
        _extractor(self.model).learn([known], {n: self.articles.get(n, 1) for n in registry})

    def _remember(self, name: str, aliases: list[str]) -> None:
        merged = set(self.registry.get(name, ())) | set(aliases)
        self.registry[name] = sorted(merged)

    def __call__(self, articles: list[Article]) -> list[dict]:
        out = self.analyse(articles)
        self.learn(out)
        return out

    def analyse(self, articles: list[Article]) -> list[dict]:
        """The extra fields of ``articles``, learning nothing: a run that is abandoned (over its time
        budget) or repeated leaves the enricher as it was."""
        if self.ner:
            self._teach()
        return enrich_articles(articles, self.model, self.ner, self.corrections)

    def learn(self, out: list[dict]) -> None:
        """Remember the persons of analysed articles (``out`` of :meth:`analyse`) for the next batches."""
        if self.ner:
            ents = [f.get("entities") for f in out if f.get("entities")]
            from search.enrich.entities.extractor import ArticleEntities

            learned = [
                ArticleEntities(persons=e["persons"], person_aliases=e["aliases"], countries={}, spans=[])
                for e in ents
            ]
            _extractor(self.model).learn(learned)
            for e in ents:
                for name, aliases in e["aliases"].items():
                    self._remember(name, aliases)


def enrich_articles(
    articles: list[Article], model: str = "", ner: bool = True, corrections: Corrections | None = None
) -> list[dict]:
    """Extra index fields for each article (see the module docstring); ``corrections`` are the user's."""
    from search.enrich.dates import extract_mentioned
    from search.enrich.estimate import estimate_published

    ents = _with_titles(_extractor(model), articles) if ner else [None] * len(articles)
    out = []
    for article, ent in zip(articles, ents, strict=True):
        fields: dict = {}
        mentioned = extract_mentioned(article.text, article.date)
        values: set[str] = set()
        for m in mentioned:
            values.add(str(m.year))
            if m.month:
                values.add(f"{m.year}-{m.month:02d}")
        if values:
            fields["mentioned"] = ",".join(sorted(values))
        if article.date is None:
            estimate = estimate_published(article.text, mentioned)
            if estimate:
                fields["estimated_date"] = estimate  # (date, precision of the evidence)
        if ent is not None and corrections is not None:
            ent = corrections.apply(ent, article.text)
        if ent is not None:
            fields["person"] = ",".join(sorted(ent.persons))
            fields["country"] = ",".join(sorted(ent.countries))
            fields["entities"] = {
                "persons": dict(ent.persons),
                "aliases": {k: list(v) for k, v in ent.person_aliases.items()},
                "countries": dict(ent.countries),
                "spans": [list(s) for s in ent.spans],
            }
            if ent.corrected:
                fields["entities"]["corrected"] = ent.corrected
            if ent.pending:
                from search.enrich.entities.late import PENDING

                fields[PENDING] = ent.pending  # for the writer's late resolution (search.engine.reindexing)
        out.append(fields)
    return out


def _with_titles(extractor: EntityExtractor, articles: list[Article]) -> list:
    """The entities of each article's text plus those of its title when the title is not the text's first
    sentence (a title from metadata: "Italien: Chefarzt ..."), in one call; the title's persons and
    countries are counted, without spans (the article page highlights the text)."""
    titled = [i for i, a in enumerate(articles) if a.title and not a.title_derived]
    found = extract_entities(extractor, [a.text for a in articles] + [articles[i].title for i in titled])
    ents = found[: len(articles)]
    for i, title in zip(titled, found[len(articles) :], strict=True):
        if title.persons or title.countries:
            title = dataclasses.replace(_title_in_text(title, ents[i]), spans=[], pending={})
            ents[i] = _merge_pieces([(0, ents[i]), (0, title)])
    return ents


def _title_in_text(title: ArticleEntities, text: ArticleEntities) -> ArticleEntities:
    """The title's persons, where a one-word mention is the family name of exactly one person of the text
    counted as that person: the headline "Entwicklungsminister Müller fordert ..." names the text's "Gerd
    Müller", not the Müller whom the run's other articles mean most (the title alone cannot tell); where the
    text names several persons of that family name, none of them for sure, so nobody."""
    persons: dict[str, int] = {}
    aliases: dict[str, set[str]] = {}
    for name, count in title.persons.items():
        surfaces = title.person_aliases.get(name) or [name]
        target = name
        words = {strip_genitive_s(strip_genitive(s)) for s in surfaces}
        if name not in text.persons and len(words) == 1 and " " not in (word := words.pop()):
            own = [p for p in text.persons if p != name and p.split()[-1] == word]
            if len(own) > 1:  # "Clinton" over a text of Hillary and "Hilary" Clinton: one of them, not Bill
                continue
            target = own[0] if own else name
        persons[target] = persons.get(target, 0) + count
        aliases.setdefault(target, set()).update(surfaces)
    return dataclasses.replace(
        title, persons=persons, person_aliases={n: sorted(v) for n, v in aliases.items()}
    )


def split_text(text: str, limit: int) -> list[tuple[int, str]]:
    """``(offset, piece)`` pieces of at most ``limit`` characters that put ``text`` back together in order.

    Cut at the last paragraph break before the limit, else the last line break, else the last space, else
    hard at the limit (a single word longer than the limit).
    """
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        end = start + limit
        for sep in ("\n\n", "\n", " "):
            cut = text.rfind(sep, start + limit // 2, end)
            if cut > start:
                end = cut + len(sep)
                break
        pieces.append((start, text[start:end]))
        start = end
    pieces.append((start, text[start:]))
    return pieces


def _arrange(lengths: list[int], budget: int, most: int) -> tuple[list[int], int]:
    """An order of the texts and a batch size for ``nlp.pipe`` (which cuts consecutive batches of that size):
    the largest size up to ``most`` whose batches, filled longest text first into the emptiest batch, each
    hold at most ``budget`` characters (size 1 when no larger one does)."""
    n = len(lengths)
    longest_first = sorted(range(n), key=lambda i: -lengths[i])
    for size in range(min(most, n), 0, -1):
        count = -(-n // size)
        room = [size] * (count - 1) + [n - size * (count - 1)]  # batches are cut at multiples of size
        chars = [0] * count
        members: list[list[int]] = [[] for _ in range(count)]
        for i in longest_first:
            b = min((b for b in range(count) if room[b]), key=chars.__getitem__)
            members[b].append(i)
            chars[b] += lengths[i]
            room[b] -= 1
        if max(chars, default=0) <= budget or size == 1:
            return [i for batch in members for i in batch], size
    return [], 1


def _merge_pieces(parts: list[tuple[int, object]]) -> ArticleEntities:
    """One article's entities from those of its pieces (counts summed, aliases joined, spans shifted)."""
    from search.enrich.entities.extractor import ArticleEntities
    from search.enrich.entities.late import merged, shifted

    persons: dict[str, int] = {}
    aliases: dict[str, set[str]] = {}
    countries: dict[str, int] = {}
    spans: list[tuple[int, int, str, str]] = []
    for offset, ent in parts:
        for name, count in ent.persons.items():
            persons[name] = persons.get(name, 0) + count
        for name, surfaces in ent.person_aliases.items():
            aliases.setdefault(name, set()).update(surfaces)
        for code, count in ent.countries.items():
            countries[code] = countries.get(code, 0) + count
        spans.extend((s + offset, e + offset, kind, value) for s, e, kind, value in ent.spans)
    return ArticleEntities(
        persons=persons,
        person_aliases={name: sorted(v) for name, v in aliases.items()},
        countries=countries,
        spans=spans,
        pending=merged([shifted(ent.pending, offset) for offset, ent in parts]),
    )


def extract_entities(extractor: EntityExtractor, texts: list[str]) -> list:
    """``extractor.extract_many(texts)`` with the pipeline's memory bounded (see the module docstring).

    Texts longer than :data:`NER_PIECE_CHARS` are extracted as pieces (in the same call) and merged.
    """
    pieces: list[str] = []
    owners: list[tuple[int, int]] = []  # (text index, offset) of each piece
    limit = min(NER_PIECE_CHARS, NER_BATCH_CHARS)
    for i, text in enumerate(texts):
        for offset, piece in split_text(text, limit) if len(text) > limit else [(0, text)]:
            pieces.append(piece)
            owners.append((i, offset))
    order, batch_size = _arrange([len(p) for p in pieces], NER_BATCH_CHARS, NER_BATCH_TEXTS)
    found: list = [None] * len(pieces)
    for i, ent in zip(
        order, extractor.extract_many([pieces[i] for i in order], batch_size=batch_size), strict=True
    ):
        found[i] = ent
    if len(pieces) == len(texts):
        return found
    grouped: list[list[tuple[int, object]]] = [[] for _ in texts]
    for (i, offset), ent in zip(owners, found, strict=True):
        grouped[i].append((offset, ent))
    return [parts[0][1] if len(parts) == 1 else _merge_pieces(parts) for parts in grouped]


def default_enricher(ner: bool | None = None) -> Enricher:
    """The enrichment configured by the environment (``SEARCH_NER``, ``SEARCH_SPACY_MODEL``)."""
    s = settings()
    return Enricher(s.spacy_model, s.ner_enabled if ner is None else ner)
