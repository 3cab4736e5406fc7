"""The only writer of the Whoosh index: ``reindex()`` brings a new index generation in line with the folder.

Why it exists: one function decides what a run does and does it safely. It takes the reindex lock, plans
the run (:mod:`search.engine.whoosh.planning`: only new, changed and deleted articles), builds a new
generation beside the live one (:mod:`search.engine.whoosh.generations`: the folder layout, the lock and
the atomic ``CURRENT`` pointer), writes the prepared documents into it with one Whoosh writer, flips the
pointer, and returns a :class:`ReindexSummary`. The live generation is never modified.

Many changed articles (``PARALLEL_MIN``) are prepared by worker processes
(:mod:`search.engine.whoosh.workers`: reading, entities and dates with spaCy, text analysis). The reindex
process itself writes: it gives every person one spelling across workers (:class:`_PersonNames`), and adds
the documents to one plain Whoosh writer, which commits a segment every ``SEGMENT_DOCS`` documents, so that
writing postings overlaps with the workers' extraction instead of following it. No Whoosh ``MpWriter``: its
sub-writers were a second set of forked processes with posting buffers of their own (and copies of this
process's memory), and one writer keeps up: with NER it needs about a sixth of the CPU time, without about
half. At the end it resolves what the workers' person resolution left open (``LatePersons``); the documents
that change are written again, on the parallel path by helper processes into segments of their own, since
the workers have finished by then (:mod:`search.engine.whoosh.segments`). The writer's posting buffer is
spilled to disk beyond ``WRITER_MB``, so its memory does not grow with the archive either.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import shutil
import time
from collections.abc import Callable
from itertools import chain
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import MERGE_SMALL

from search.core.errors import ReindexError
from search.core.models import ReindexSummary, Skipped
from search.engine.reindexing import LatePersons, PersonNames, concerned_by, replaces_folder, summary
from search.engine.whoosh.documents import MINHASH, READ_STAT, add_mentions
from search.engine.whoosh.generations import (
    CORRECTIONS,
    INDEX_FORMAT,
    MANIFEST,
    META,
    PERSONS,
    cleanup,
    current_generation,
    flip_pointer,
    fsync_tree,
    link_copy,
    next_generation,
    private_files,
    read_json,
    reindex_lock,
    write_json,
)
from search.engine.whoosh.grouping import write_groups
from search.engine.whoosh.mapped_io import share_mapped_files
from search.engine.whoosh.planning import Plan, scan
from search.engine.whoosh.schema import build_schema
from search.engine.whoosh.segments import segment_writer, write_in_helpers
from search.engine.whoosh.workers import BATCH, Enrich, in_parallel, prepared
from search.enrich.entities.corrections import Corrections, changed_rules
from search.enrich.ingest import article_id

# Documents per segment the writer commits while the workers go on. Committing 5,000 FANG-COVID articles
# takes about 27 s, within the workers' in-flight batches; 10,000 took 55 s and left them idle for 35 s.
SEGMENT_DOCS = 5_000
WRITER_MB = 64  # Whoosh's posting buffer (its own estimate; the real size is about 1.5x)
PROGRESS_EVERY = 10.0  # seconds between progress log lines

log = logging.getLogger(__name__)
share_mapped_files()  # an incremental run reads the live segments in place (see search.whoosh_io)

Progress = Callable[[str, int, int], None]


class _Throughput:
    """Progress callback every batch; a log line with articles per second every ``PROGRESS_EVERY`` s."""

    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.progress = progress
        self.started = self.last = time.monotonic()

    def __call__(self, done: int) -> None:
        if self.progress and (done % BATCH == 0 or done == self.total):
            self.progress("index", done, self.total)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY or done == self.total:
            self.last = now
            rate = done / max(now - self.started, 1e-9)
            left = (self.total - done) / rate if rate else 0.0
            log.info(
                "indexed %d of %d articles, %.1f articles/s, about %.0f s left", done, self.total, rate, left
            )


def reindex(
    articles_dir: Path,
    index_dir: Path,
    full: bool = False,
    enrich: Enrich | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    replace: bool = False,
) -> ReindexSummary:
    """Bring the index in line with the articles folder; returns what was done.

    Incremental by default (only new, changed and deleted articles are touched); ``full`` rebuilds a new
    generation from nothing. An index built from another articles folder is refused unless ``replace``
    (then rebuilt from this one: :func:`search.engine.reindexing.replaces_folder`). ``workers`` processes
    read and analyse (default: one per core). Raises :class:`ReindexError` with a plain message when it
    cannot finish; the live generation is never modified.
    """
    started = time.perf_counter()
    articles_dir = Path(articles_dir)
    index_dir = Path(index_dir)
    workers = workers or os.cpu_count() or 1
    if not articles_dir.is_dir():
        raise ReindexError(f"articles folder not found: {articles_dir}")
    try:
        with private_files():  # see reindex_lock: nothing of the index writable by group or others
            index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReindexError(f"cannot create the index folder {index_dir}: {exc.strerror}") from exc
    with reindex_lock(index_dir):
        live = current_generation(index_dir)
        meta = read_json(live / META, {}) if live else {}
        if live and meta.get("format") != INDEX_FORMAT:
            full = True  # incompatible or unfinished generation: rebuild rather than mix
        remembered = meta.get("articles_dir") if live else None
        full = replaces_folder(remembered, articles_dir, replace, str(index_dir)) or full
        old_manifest = read_json(live / MANIFEST, {}) if live and not full else {}
        corrections = Corrections.read(articles_dir)
        old_corrections = _stored_corrections(live)
        new_rules = corrections.digest != old_corrections.digest
        force = (
            _affected(live, changed_rules(old_corrections, corrections))
            if live and not full and new_rules
            else set()
        )
        plan = scan(articles_dir, old_manifest if isinstance(old_manifest, dict) else {}, full, force)
        plan.warnings.extend(corrections.errors)
        if hasattr(enrich, "corrections"):
            enrich.corrections = corrections
        if live and not full and not plan.add and not plan.remove and not new_rules and remembered:
            cleanup(index_dir, live)
            return ReindexSummary(
                skipped=tuple(plan.skipped),
                warnings=tuple(plan.warnings),
                unchanged=plan.unchanged,
                seconds=time.perf_counter() - started,
            )
        new_gen = next_generation(index_dir)
        if live and not full and hasattr(enrich, "prime"):
            enrich.prime(read_json(live / PERSONS, {}))
        try:
            signatures: dict[str, bytes | None] = {}
            written = _build(live, new_gen, plan, full, enrich, progress, workers, signatures)
            write_json(new_gen / MANIFEST, plan.manifest)
            write_groups(
                None if full else live,
                new_gen,
                (entry["id"] for entry in plan.manifest.values()),
                signatures,
                lambda ids: _stored_texts(new_gen, ids),
            )
            (new_gen / CORRECTIONS).write_text("\n".join(r.text for r in corrections.rules), encoding="utf-8")
            if hasattr(enrich, "registry"):
                write_json(new_gen / PERSONS, enrich.registry)
            write_json(
                new_gen / META,
                {
                    "format": INDEX_FORMAT,
                    "generation": new_gen.name,
                    "parent": live.name if live and not full else None,
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "articles": len(plan.manifest),
                    "articles_dir": str(articles_dir.resolve()),
                },
            )
            fsync_tree(new_gen)
            flip_pointer(index_dir, new_gen)
        except OSError as exc:
            shutil.rmtree(new_gen, ignore_errors=True)
            reason = "the disk is full" if exc.errno == errno.ENOSPC else exc.strerror or str(exc)
            raise ReindexError(
                f"reindex failed, previous index kept: {reason} ({exc.filename or index_dir})"
            ) from exc
        except BaseException:
            shutil.rmtree(new_gen, ignore_errors=True)
            raise
        cleanup(index_dir, new_gen)
        return summary(plan, written, started, new_gen.name, full)


def _stored_texts(gen_dir: Path, ids: set[str]) -> dict[str, str]:
    """The stored texts of ``ids`` in the generation at ``gen_dir`` (articles indexed before signatures)."""
    if not ids:
        return {}
    out = {}
    with whoosh_index.open_dir(str(gen_dir)).searcher() as s:
        for article_id in ids:
            stored = s.document(id=article_id)
            if stored is not None:
                out[article_id] = stored.get("body", "")
    return out


def _stored_corrections(live: Path | None) -> Corrections:
    """The corrections the live generation was built with (none before corrections existed)."""
    try:
        return Corrections.parse((live / CORRECTIONS).read_text(encoding="utf-8")) if live else Corrections()
    except (OSError, UnicodeDecodeError):
        return Corrections()


def _affected(live: Path, changed: Corrections) -> set[str]:
    """Ids of the live articles whose persons or countries ``changed`` rules can alter: only they are
    enriched anew (their spellings and aliases as stored, the country codes of their spans)."""
    persons, codes = changed.touched_keys()
    if not persons and not codes:
        return set()
    out = set()
    ix = whoosh_index.open_dir(str(live))
    with ix.searcher() as s:
        for stored in s.all_stored_fields():
            if concerned_by(stored, persons, codes):
                out.add(stored["id"])
    return out


def _build(
    live: Path | None,
    new_gen: Path,
    plan: Plan,
    full: bool,
    enrich: Enrich | None,
    progress: Progress | None,
    workers: int,
    signatures: dict[str, bytes | None],
) -> set[str]:
    """Write the new generation; returns the ids written. Skips found while reading update ``plan``."""
    if live and not full:
        link_copy(live, new_gen)
        ix = whoosh_index.open_dir(str(new_gen))
    else:
        new_gen.mkdir()
        ix = whoosh_index.create_in(str(new_gen), build_schema())
    parallel = in_parallel(len(plan.add), workers)
    # One writer in this process, also on the parallel path (see the module docstring).
    writer = segment_writer(ix, WRITER_MB if parallel else 256)
    written: set[str] = set()
    canon = _PersonNames(enrich) if parallel else None
    late = LatePersons(enrich, new_gen)
    report = _Throughput(len(plan.add), progress)
    try:
        for doc_id in plan.remove:
            writer.delete_by_term("id", doc_id)
        in_segment = 0
        for done, (rel, doc, reason, warnings) in enumerate(prepared(plan.add, enrich, workers), 1):
            plan.warnings.extend(warnings)
            read_stat = doc.pop(READ_STAT, None) if doc is not None else None
            if doc is not None:
                signatures[doc["id"]] = doc.pop(MINHASH, None)
            if doc is None:
                plan.skipped.append(Skipped(rel, reason or "unreadable"))
                plan.manifest.pop(rel, None)
                writer.delete_by_term("id", article_id(Path(rel)))  # its previous text must go too
            else:
                if canon is not None:
                    canon.apply(doc)
                late.keep(doc)
                add_mentions(doc)
                if doc["id"] in plan.old_ids:
                    writer.delete_by_term("id", doc["id"])
                writer.add_document(**doc)
                written.add(doc["id"])
                entry = plan.manifest.get(rel)
                if entry is not None:  # what was indexed, even if the file changed meanwhile
                    entry["hash"] = doc["content_hash"]
                    entry.update(read_stat or {})  # and the fstat of the file read, not the scan's
                in_segment += 1
            report(done)
            if parallel and in_segment >= SEGMENT_DOCS and done < len(plan.add):
                # Write this segment now, while the workers go on (the generation is not live yet).
                writer.commit(merge=False)
                writer = segment_writer(ix, WRITER_MB)
                in_segment = 0
        changed = late.resolved() if parallel else late.changed()
        doc = next(changed, None)
        extra: list = []  # segments the helpers wrote
        if doc is not None:  # written again: the segment must be committed for the old one to be deleted
            writer.commit(merge=False)
            writer = segment_writer(ix, WRITER_MB if parallel else 256)
            # one searcher over the committed segments for all these deletions (Whoosh opens a new one per
            # delete_by_term otherwise: 8 % of this stage's time, measured on 10,000 FANG-COVID articles)
            with writer.searcher() as committed:

                def delete_first_version(again: dict) -> None:
                    writer.delete_by_term("id", again["id"], searcher=committed)

                docs = chain([doc], changed)
                if parallel:  # analysed and written by helpers, into segments of their own (segments.py)
                    extra = write_in_helpers(docs, new_gen, workers, delete_first_version)
                else:
                    for again in docs:
                        add_mentions(again)
                        delete_first_version(again)
                        writer.add_document(**again)
        writer.commit(mergetype=lambda w, segments: MERGE_SMALL(w, [*segments, *extra]))
    except BaseException:
        writer.cancel()
        raise
    return written


#: The writer's pass that gives every person one spelling across workers (shared with other engines).
_PersonNames = PersonNames
