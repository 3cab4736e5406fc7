"""Persons and countries of German news articles, ready for facets and highlighting: the entry point.

Why this class: it owns what lives for a whole process — the spaCy pipeline (:mod:`.ner`), the alias table
(:mod:`.names`) and the persons learned from articles indexed earlier — and runs the two passes over a
batch: :mod:`.mentions` reads each Doc into a small draft, :mod:`.registry` resolves the persons of all
drafts together, and :meth:`EntityExtractor._finish` turns each draft into :class:`ArticleEntities`.

:meth:`EntityExtractor.extract_many` resolves across the whole batch; :meth:`EntityExtractor.extract` sees
one text plus the alias table and what :meth:`EntityExtractor.learn` was given. The indexer should extract a
corpus with ``extract_many`` (and ``learn`` the stored entities before an incremental run).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from search.core.settings import settings
from search.enrich import countries as _countries
from search.enrich.entities.late import learn_article, left_open
from search.enrich.entities.mentions import Draft, SpanIndex, draft_article
from search.enrich.entities.names import ALIASES_TSV, load_alias_table
from search.enrich.entities.ner import load_pipeline
from search.enrich.entities.registry import Registry

if TYPE_CHECKING:
    from spacy.tokens import Doc


@dataclass(frozen=True)
class ArticleEntities:
    """Entities of one article, ready for facets (``persons``, ``countries``) and highlighting (``spans``)."""

    persons: dict[str, int]  # canonical display name -> number of mentions in this article
    person_aliases: dict[str, list[str]]  # canonical -> distinct surface forms seen in this article
    countries: dict[str, int]  # ISO 3166-1 alpha-2 -> number of mentions
    spans: list[tuple[int, int, str, str]]  # (start_char, end_char, "PER"|"COUNTRY", canonical value)
    # what the user's corrections took away or renamed: {"persons": [keys], "countries": [codes]}, so a
    # reindex knows which articles to enrich again when a correction is withdrawn
    corrected: dict[str, list[str]] = field(default_factory=dict)
    # what the resolution left open for the end of a reindex run (:func:`.late.left_open`)
    pending: dict = field(default_factory=dict)


class EntityExtractor:
    """Loads the pipeline once per process and turns texts into :class:`ArticleEntities`."""

    def __init__(
        self, model: str | None = None, aliases_path: Path | None = None, use_bundled_aliases: bool = True
    ) -> None:
        paths = [ALIASES_TSV] if use_bundled_aliases else []
        extra = settings().person_aliases
        override = aliases_path or (Path(extra) if extra else None)
        if override is not None:
            paths.append(Path(override))
        self.aliases, surfaces = load_alias_table(paths)
        self.nlp = load_pipeline(model, surfaces)
        self.gazetteer = _countries.gazetteer()
        self.has_model = "ner" in self.nlp.pipe_names
        self._known: dict[str, Counter] = {}
        self._known_support: Counter = Counter()
        # in how many articles of the run each capitalised word stands (the enricher's, see Registry.build)
        self.word_counts: Mapping[str, int] | None = None

    # public API ------------------------------------------------------------------------------------------

    def extract(self, text: str) -> ArticleEntities:
        """Entities of one text, resolved within the text, the alias table and what :meth:`learn` was given."""
        draft = self._draft(self.nlp(text), text)
        registry = Registry.build([draft], self.aliases, self._known, self._known_support, self.word_counts)
        return self._finish(draft, registry)

    def learn(self, entities: Iterable[ArticleEntities], weights: dict[str, int] | None = None) -> None:
        """Remember the persons of articles already indexed (e.g. loaded from the index).

        Later :meth:`extract` and :meth:`extract_many` calls then resolve a bare surname and choose display
        spellings as if those articles were part of the batch, so an incremental reindex gives the values a
        full one would. ``weights``: how many articles each person of the index stands for (see
        :func:`.late.learn_article`).
        """
        for ents in entities:
            learn_article(self._known, self._known_support, ents.person_aliases, weights)

    def extract_many(self, texts: Iterable[str], batch_size: int = 32) -> Iterator[ArticleEntities]:
        """Entities of many texts, with person names resolved across the whole batch (see module docstring).

        All texts are parsed (``nlp.pipe``) before the first result is yielded, since a name in the last text
        can resolve a surname in the first; only the small drafts are kept in memory, not the Docs.
        """
        pending: deque[str] = deque()  # texts handed to nlp.pipe whose Doc has not come back yet

        def feed() -> Iterator[str]:
            for text in texts:
                pending.append(text)
                yield text

        drafts = [self._draft(doc, pending.popleft()) for doc in self.nlp.pipe(feed(), batch_size=batch_size)]
        registry = Registry.build(drafts, self.aliases, self._known, self._known_support, self.word_counts)
        for draft in drafts:
            yield self._finish(draft, registry)

    # the two passes ------------------------------------------------------------------------------------------

    def _draft(self, doc: Doc, text: str | None = None) -> Draft:
        """Pass 1: the mentions of one Doc (:func:`draft_article`)."""
        return draft_article(doc, text, self.has_model, self.gazetteer)

    def _finish(self, draft: Draft, registry: Registry) -> ArticleEntities:
        """Pass 2: the draft's persons resolved by ``registry``, counted and merged with its countries."""
        left: list = []
        resolved = registry.resolve(draft, left)
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
        in_person = SpanIndex((s, e) for s, e, _, _ in spans).contains
        for s, e, code in draft.countries:
            if in_person(s, e):
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
            pending=left_open(
                draft.text, left, [(s, e) for s, e, kind, _ in clean if kind == "PER"], registry
            ),
        )
