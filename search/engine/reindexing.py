"""What a reindex does the same way for every engine, after the workers have prepared the documents: one
spelling per person across worker processes, the one-word person mentions resolved at the end of the run
against all its persons (:class:`LatePersons`), which stored articles a changed correction concerns, and
whether a run's articles folder is the one the index was built from.

Why here: the Whoosh and OpenSearch writers both take prepared documents from
:mod:`search.engine.whoosh.workers` and must give persons the same names and re-enrich the same articles,
or the two engines would answer differently over the same folder.
"""

from __future__ import annotations

import logging
import os
import pickle
import tempfile
import time
import weakref
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from search.core.errors import ReindexError
from search.core.models import ReindexSummary
from search.engine.whoosh.workers import helper_pool
from search.enrich.entities.keys import (
    hyphen_made,
    initials_key,
    middle_initials,
    misspellings,
    without_middle_name,
)
from search.enrich.entities.late import (
    PENDING,
    RunPersons,
    alias_table,
    from_elsewhere,
    renamed,
    written_forms,
)
from search.enrich.entities.names import person_key
from search.enrich.entities.namesakes import Namesakes
from search.text.analysis import PreAnalyzed, pre_analyzed

log = logging.getLogger(__name__)


class PersonNames:
    """One spelling per person across worker processes: the first spelling seen for a person key wins.

    Workers resolve names within their own batches; this pass in the writer makes the facet value of a
    person the same in every document of the run, and records aliases in the enricher's registry. Other
    middle initials than the first seen for a key are another person ("George H. W. Bush" beside "George
    W. Bush"), as in the workers (:mod:`search.enrich.entities.keys`). A middle name the run has seen the
    person without is the same person ("Christian Heinrich Drosten" of one worker's batch is the run's
    Christian Drosten), unless the alias table names the person so.
    """

    def __init__(self, enrich: Any):
        self.key = person_key
        self.registry: dict[str, list[str]] | None = getattr(enrich, "registry", None)
        self.articles: dict[str, int] | None = getattr(enrich, "articles", None)
        self.by_key: dict[str, str] = {}
        self.initials: dict[str, tuple[str, ...]] = {}  # key -> the first middle initials seen with it
        self.curated = {person_key(name) for name in alias_table().values()}  # the alias table's persons
        for name in self.registry or {}:
            self.name(name)

    def name(self, value: str) -> str:
        """The run's spelling of the person ``value`` names."""
        key = self.key(value)
        initials = middle_initials(value)
        if initials and self.initials.setdefault(key, initials) != initials:
            key = initials_key(key, initials)
        short = None if hyphen_made(value, key) else without_middle_name(key)
        if short is not None and short in self.by_key and key not in self.curated:
            key = short  # "Christian Heinrich Drosten" of one worker is the Christian Drosten of the run
        return self.by_key.setdefault(key, value)

    def apply(self, doc: dict) -> None:
        """Rename the persons of one prepared document to the run's spellings (entities, spans, facet)."""
        ents = doc.get("entities")
        if not ents or not ents.get("persons"):
            return
        persons: dict[str, int] = {}
        aliases: dict[str, list[str]] = {}
        for name, count in ents["persons"].items():
            canonical = self.name(name)
            persons[canonical] = persons.get(canonical, 0) + count
            merged = set(aliases.get(canonical, [])) | set(ents.get("aliases", {}).get(name, [])) | {name}
            aliases[canonical] = sorted(merged)
            if self.registry is not None:
                self.registry[canonical] = sorted(set(self.registry.get(canonical, [])) | merged)
        if self.articles is not None:
            for canonical in persons:
                self.articles[canonical] = self.articles.get(canonical, 0) + 1
        ents["persons"], ents["aliases"] = persons, aliases
        ents["spans"] = [
            [s, e, kind, self.name(v) if kind == "PER" else v] for s, e, kind, v in ents.get("spans", [])
        ]
        doc["person"] = ",".join(sorted(persons))


class LatePersons:
    """What the workers' resolution of persons left open, resolved when the run has seen every article.

    Why: a one-word mention ("Merkel", "Kanzlerin Merkel", "Merkel-Regierung") can only name a person the
    worker knew when it read the article (:mod:`search.enrich.entities.late`), so the result depended on the
    order of the files and on the worker. The writer learns the persons of every document it writes
    (:meth:`keep`); a document whose resolution left something open is also kept in a temporary file (on
    disk, so memory does not grow with the archive); at the end, :meth:`changed` resolves those against all
    the run's persons and gives back the documents that change, which the writer writes again.
    """

    def __init__(self, enrich: Any, spill_dir: Path | None = None):
        self.enrich = enrich
        self.registry: dict[str, list[str]] | None = getattr(enrich, "registry", None)
        self.articles: dict[str, int] | None = getattr(enrich, "articles", None)
        active = bool(getattr(enrich, "ner", False))
        primed = dict(self.registry or {})
        corrections = getattr(enrich, "corrections", None)
        self.persons = RunPersons(primed, corrections, self.articles) if active else None
        self.primed = set(primed)
        if self.persons is not None and isinstance(getattr(enrich, "word_counts", None), dict):
            self.persons.word_counts = enrich.word_counts  # one count, which new workers get a copy of
        self.count: dict[str, int] = {}  # documents of this run naming each person (as written)
        self.in_full: dict[str, int] = {}  # the most full spellings of each person in one document
        self.namesakes = Namesakes()  # how the run describes each full name (namesakes of common names)
        self.spill_dir = spill_dir
        self._fd: int | None = None  # the temporary file (unlinked) of the kept documents
        self._kept: list[tuple[int, int]] = []  # (offset, length) of each kept document in it
        self._size = 0
        self._close: Any = None
        self.kept = 0  # documents in the temporary file
        self.texts = 0  # documents whose capitalised words were counted (RunPersons.count_words)
        self.seconds = 0.0  # CPU time of the late resolution (learning and keeping included), for the log

    def keep(self, doc: dict) -> None:
        """Learn the persons of a document about to be written (with the run's spellings), and keep it when
        its resolution left something open. Takes the open part out of the document."""
        pending = doc.pop(PENDING, None)
        ents = doc.get("entities")
        if self.persons is None:
            return
        started = time.process_time()
        text = doc.get("_stored_body") or ""
        self.persons.count_words(text)
        self.texts += 1
        if not ents:
            self.seconds += time.process_time() - started
            return
        self.persons.learn(written_forms(ents, text))
        self.persons.learn_roles(ents, text)
        # where it will be kept (below: every document naming a person is), for the namesakes' second read
        self.namesakes.learn(ents, text, at=len(self._kept) if ents.get("persons") else None)
        for name in ents.get("persons") or ():
            self.count[name] = self.count.get(name, 0) + 1
        full = Counter(
            v for s, e, kind, v in ents.get("spans", ()) if kind == "PER" and " " in text[s:e].strip()
        )
        for name, n in full.items():
            self.in_full[name] = max(self.in_full.get(name, 0), n)
        recheck = from_elsewhere(ents, text)
        if recheck:
            pending = {**(pending or {}), "recheck": recheck}
        if pending or ents.get("persons"):  # a person may turn out a misspelling (:func:`misspellings`)
            if self._fd is None:
                fd, path = tempfile.mkstemp(prefix="late-persons-", dir=self.spill_dir)
                os.unlink(path)  # nothing stays behind, also when the run fails before changed()
                self._fd, self._close = fd, weakref.finalize(self, os.close, fd)
            data = memoryview(pickle.dumps((pending, _slim(doc)), pickle.HIGHEST_PROTOCOL))
            self._kept.append((self._size, len(data)))
            self._size += len(data)
            while data:
                data = data[os.write(self._fd, data) :]
            self.kept += 1
        self.seconds += time.process_time() - started

    def changed(self, helpers: int = 0) -> Iterator[dict]:
        """The kept documents whose persons change now that the run's persons are known, re-resolved and
        analysed again (only their text was kept, :func:`_slim`).

        ``helpers``: processes that analyse them (:func:`search.engine.whoosh.workers.helper_pool`) while
        this process resolves the next ones and writes; 0: analysed here. Why: by now the workers have
        finished, and this stage ran on one core alone (6,000 FANG-COVID articles: 874 documents change,
        their analysis took 9.8 s of the stage's 20 s of wall time).
        """
        if self._fd is None:
            return
        if helpers < 1:
            for doc in self._resolved():
                analysed_again(doc)
                yield doc
        else:
            yield from _analysed_by(self._resolved(), helpers)

    def resolved(self) -> Iterator[dict]:
        """The kept documents whose persons change, re-resolved, their pre-analysed values still slim
        (:func:`analysed_again`): for a writer that has them analysed elsewhere (the Whoosh engine's helpers,
        :func:`search.engine.whoosh.segments.write_in_helpers`)."""
        if self._fd is None:
            return iter(())
        return self._resolved()

    def _resolved(self) -> Iterator[dict]:
        """The kept documents whose persons change, re-resolved (their pre-analysed values still slim)."""
        started = time.process_time()
        changed = 0
        # this run's articles per person, and the most full spellings of each in one article
        typos = misspellings(self.count, alias_table().values(), self.in_full)
        self.persons.misspelt = {person_key(rare): person_key(name) for rare, name in typos.items()}
        typos.update(self.persons.genitive_displays(self.count))
        self.namesakes.settle(self.count, self._read, self.persons.word_counts, self.texts)
        try:
            for at in range(len(self._kept)):
                pending, doc = self._read_kept(at)
                text = doc.get("_stored_body") or ""
                ents = self.persons.resolve(doc["entities"], text, pending or {})
                ents = renamed(ents or doc["entities"], typos) or ents
                title = _text(doc.get("title"))
                ents = self.namesakes.without(ents or doc["entities"], text, title, at) or ents
                if ents is None:
                    continue
                self._register(doc["entities"], ents)
                doc["entities"] = ents
                doc["person"] = ",".join(sorted(ents["persons"]))
                changed += 1
                self.seconds += time.process_time() - started
                yield doc
                started = time.process_time()
        finally:
            self._kept, self._fd = [], None
            self._close()
            self.seconds += time.process_time() - started
            log.info(
                "late person resolution: %d articles kept, %d changed, %.1f s of CPU time (in this process)",
                self.kept,
                changed,
                self.seconds,
            )

    def _read_kept(self, at: int) -> tuple[dict | None, dict]:
        """The open part and the document kept ``at`` (the ``at``-th kept by :meth:`keep`)."""
        offset, length = self._kept[at]
        return pickle.loads(os.pread(self._fd, length, offset))

    def _read(self, at: int) -> tuple[dict, str]:
        """The entities and the text of the document kept ``at``, as written (for :meth:`Namesakes.settle`)."""
        doc = self._read_kept(at)[1]
        return doc["entities"], doc.get("_stored_body") or ""

    def _register(self, old: dict, new: dict) -> None:
        """The run's registry and article counts after an article's persons changed from ``old`` to ``new``."""
        before, after = set(old.get("persons", ())), set(new.get("persons", ()))
        if self.registry is not None:
            for name in after:
                merged = set(self.registry.get(name, ())) | set(new["aliases"].get(name, ())) | {name}
                self.registry[name] = sorted(merged)
        for name in after - before:
            self.count[name] = self.count.get(name, 0) + 1
            if self.articles is not None and name in self.articles:
                self.articles[name] += 1
        for name in before - after:  # a person of its own that turned out to be a known one
            self.count[name] = self.count.get(name, 1) - 1
            if self.count[name] <= 0 and name not in self.primed:
                for table in (self.registry, self.articles):
                    if table is not None:
                        table.pop(name, None)


#: How a kept document holds a pre-analysed field value: its text and flavours, not its tokens.
_TEXT = "\x00pre-analysed"


def _slimmed(value: Any) -> bool:
    """Is ``value`` a pre-analysed value as a :func:`_slim` document holds it (text and flavours)?"""
    return isinstance(value, tuple) and len(value) == 3 and value[0] == _TEXT


def _text(value: Any) -> str:
    """The text of a field value of a :func:`_slim` document (pre-analysed or not)."""
    return value[1] if _slimmed(value) else str(value or "")


def _slim(doc: dict) -> dict:
    """``doc`` without the tokens of its pre-analysed values, most of a kept document's bytes (a FANG-COVID
    article: 76 KB pickled, 23 KB without them; nearly every document is kept, so a 41,242-article run kept
    about 3 GB on disk): only the few documents that change are analysed again (:func:`analysed_again`). A value
    shared by several fields (body, exact, parts) stays one."""
    seen: dict[int, tuple] = {}
    out = {}
    for key, value in doc.items():
        if isinstance(value, PreAnalyzed):
            value = seen.setdefault(id(value), (_TEXT, str(value), tuple(value.tokens)))
        out[key] = value
    return out


def analysed_again(doc: dict, done: list[PreAnalyzed] | None = None) -> None:
    """The pre-analysed values of a :func:`_slim` document (of :meth:`LatePersons.resolved`) analysed again
    here (the same tokens), or given as ``done``: its :func:`_slim_values` analysed elsewhere
    (:func:`_analyse`), in their order."""
    ready = iter(done) if done is not None else None
    seen: dict[int, PreAnalyzed] = {}
    for key, value in doc.items():
        if _slimmed(value):
            if id(value) not in seen:
                seen[id(value)] = next(ready) if ready is not None else pre_analyzed(value[1], value[2])
            doc[key] = seen[id(value)]


def _slim_values(doc: dict) -> list[tuple[str, tuple[str, ...]]]:
    """``(text, flavours)`` of each distinct pre-analysed value of a :func:`_slim` document, in order."""
    seen: dict[int, tuple[str, tuple[str, ...]]] = {}
    for value in doc.values():
        if _slimmed(value):
            seen.setdefault(id(value), (value[1], value[2]))
    return list(seen.values())


def _analyse(values: list[tuple[str, tuple[str, ...]]]) -> list[PreAnalyzed]:
    """:func:`_slim_values` analysed (in a helper process)."""
    return [pre_analyzed(text, flavors) for text, flavors in values]


#: Documents the helpers may analyse ahead of the writer (their tokens wait pickled, about 50 KB each).
AHEAD = 64


def _analysed_by(docs: Iterator[dict], helpers: int) -> Iterator[dict]:
    """``docs`` in order, each analysed again by a pool of ``helpers`` processes, started with the first."""
    window: deque[tuple[dict, Future]] = deque()
    pool = None
    try:
        for doc in docs:
            if pool is None:
                pool = helper_pool(helpers)
            window.append((doc, pool.submit(_analyse, _slim_values(doc))))
            if len(window) >= AHEAD:
                yield _done(*window.popleft())
        while window:
            yield _done(*window.popleft())
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _done(doc: dict, future: Future) -> dict:
    try:
        analysed_again(doc, future.result())
    except BrokenProcessPool as exc:
        raise ReindexError(
            "reindex failed, previous index kept: a helper process died (killed or out of memory)"
        ) from exc
    return doc


def _values(value: str | list | None) -> set[str]:
    if isinstance(value, list):
        return set(value)
    return {v for v in (value or "").split(",") if v}


def concerned_by(stored: dict, persons: set[str], codes: set[str]) -> bool:
    """Whether changed corrections touching the person keys ``persons`` and country ``codes`` can alter this
    stored article (its spellings and aliases as stored, the countries it has or a correction took away)."""
    ents = stored.get("entities") or {}
    names = {n for name, aliases in (ents.get("aliases") or {}).items() for n in (name, *aliases)}
    names.update(_values(stored.get("person")))
    corrected = ents.get("corrected") or {}  # what corrections took away before
    had = _values(stored.get("country")) | set(corrected.get("countries", ()))
    keys = {person_key(n) for n in names} | set(corrected.get("persons", ()))
    return bool(codes & had or persons & keys)


def summary(plan: Any, written: set[str], started: float, generation: str, full: bool) -> ReindexSummary:
    """What a reindex did, the same on every engine: ``plan`` (the folder compared with the live index) and the
    ids ``written``; an id written that the live index had counts as updated, any other as added."""
    updated = len(written & plan.old_ids)
    return ReindexSummary(
        skipped=tuple(plan.skipped),
        warnings=tuple(plan.warnings),
        unchanged=plan.unchanged,
        added=len(written) - updated,
        updated=updated,
        removed=len(plan.remove),
        seconds=time.perf_counter() - started,
        generation=generation,
        full=full,
    )


def replaces_folder(remembered: str | None, articles_dir: Path, replace: bool, index: str) -> bool:
    """Is this run a replacement of the index's articles (``--replace`` and another folder than the one the
    index was built from)? ReindexError, naming both folders and ``--replace``, when it is one without it.

    Why: ``search reindex --articles OTHER`` without ``--index`` silently replaced the index of one archive
    with another's articles. An index that remembers no folder (built before it was recorded) accepts any
    and remembers it from then on."""
    current = str(Path(articles_dir).resolve())
    if not remembered or remembered == current:
        return False
    if replace:
        return True
    raise ReindexError(
        f"the index {index} was built from the articles folder {remembered}, not {current}; "
        f"nothing was changed. To replace its articles with those of {current}, run `search reindex "
        f"--replace` with this folder; to keep both, give the other folder its own index (--index)."
    )
