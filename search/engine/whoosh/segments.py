"""Whoosh segment writers: the one of the reindex process, and helpers that write segments of their own.

Why a module of its own: the reindex process is the one writer of a run
(:mod:`search.engine.whoosh.indexer`), with a posting buffer and length reads cheaper than Whoosh's own
(:func:`segment_writer`). Only at the end of a run, when the workers have finished, it hands work to helper
processes: the documents the late person resolution changes (:class:`search.engine.reindexing.LatePersons`;
4,724 of the 41,242 FANG-COVID articles) must be analysed and written again, and the writer did that with one
analysing helper: 162 s at the end of the run, on about 1.3 of its 2 cores.
Now each helper analyses its share and writes it into a segment of its own, as Whoosh's multiprocessing
writer does, and returns the finished segment, which the writer adds to the generation at its commit
(:func:`write_in_helpers`). Documents go to the helpers in chunks of ``CHUNK``, in turn, so which document
lands in which segment depends on the order of the run alone, never on timing.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, BinaryIO

from whoosh import index as whoosh_index
from whoosh.index import FileIndex
from whoosh.writing import PostingPool, SegmentWriter

from search.core.errors import ReindexError
from search.engine.reindexing import analysed_again
from search.engine.whoosh.documents import add_mentions
from search.engine.whoosh.workers import helper_pool

CHUNK = 32  # documents per task of a helper
AHEAD = 4  # chunks submitted to a helper and not yet written
HELPER_MB = 32  # a helper's posting buffer (spilled beyond it, like the writer's)


class ChunkedPostingPool(PostingPool):
    """Whoosh's posting buffer, writing its sorted runs (spilled beyond ``limitmb``) a chunk of postings per
    pickle call instead of one posting per call: the same runs, written and read back in about a third of
    the time (the spilling was a quarter of the writer's CPU time)."""

    CHUNK = 4096

    def add(self, item: tuple) -> None:
        """Whoosh's ``add`` (the same size estimate, so the same spills) without its per-posting type asserts:
        the items come from Whoosh's own fields."""
        self.fieldnames.add(item[0])
        self.currentsize += 150 + len(item[0]) + 2 * len(item[1]) + len(item[4] or b"")
        if self.currentsize > self.limit:
            self.save()
        self.current.append(item)

    def _write_run(self, f: BinaryIO, items: Iterable[tuple]) -> None:
        chunk: list = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= self.CHUNK:
                pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            pickle.dump(chunk, f, pickle.HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path: str) -> Iterator:
        f = self._open_run(path)
        try:
            while True:
                try:
                    chunk = pickle.load(f)
                except EOFError:
                    return
                yield from chunk
        finally:
            f.close()
            self._remove_run(path)


def segment_writer(ix: FileIndex, limitmb: int, lock: bool = True) -> SegmentWriter:
    """A plain Whoosh writer with :class:`ChunkedPostingPool` as its posting buffer (``lock``: Whoosh's write
    lock; a helper's writer of a segment of its own takes none, the reindex process holds it)."""
    writer = ix.writer(limitmb=limitmb) if lock else SegmentWriter(ix, _lk=False, limitmb=limitmb)
    if type(writer) is SegmentWriter and type(writer.pool) is PostingPool and not writer.pool.current:
        writer.pool = ChunkedPostingPool(writer._tempstorage, writer.newsegment, limitmb=limitmb)
        per_document = writer.per_document_reader
        writer.per_document_reader = lambda: SegmentLengths(per_document())  # type: ignore[method-assign]
    return writer


class SegmentLengths:
    """The new segment's per-document reader with its field lengths read once per field: Whoosh's flush asks
    for a document's field length once per posting (each a read of the length column), which was about a
    tenth of the writer's CPU time."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            read = self._reader.doc_field_length
            lengths = [read(d, fieldname, 0) for d in range(self._reader.doc_count_all())]
            self._lengths[fieldname] = lengths
        return lengths[docnum] if docnum < len(lengths) else default

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def write_in_helpers(
    docs: Iterable[dict], gen_dir: Path, helpers: int, before: Callable[[dict], None]
) -> list[Any]:
    """Write ``docs`` (slim documents of :class:`search.engine.reindexing.LatePersons`, analysed again in
    the helpers) into new segments of the index at ``gen_dir``, one per helper; returns the segments, to be
    added at the writer's commit. ``before`` is called with each document as it is handed out (the writer
    deletes its first version)."""
    pools = [helper_pool(1) for _ in range(max(1, helpers))]
    pending: list[list[Future]] = [[] for _ in pools]
    try:
        for n, chunk in enumerate(_chunks(docs, before)):
            k = n % len(pools)
            if len(pending[k]) >= AHEAD:
                _result(pending[k].pop(0))
            pending[k].append(pools[k].submit(_write_chunk, str(gen_dir), chunk))
        for waiting in pending:
            for future in waiting:
                _result(future)
        segments = [_result(pool.submit(_finish_segment)) for pool in pools]
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
    return [s for s in segments if s is not None]


def _chunks(docs: Iterable[dict], before: Callable[[dict], None]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for doc in docs:
        before(doc)
        chunk.append(doc)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _result(future: Future) -> Any:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ReindexError(
            "reindex failed, previous index kept: a helper process died (killed or out of memory)"
        ) from exc


# ------------------------------------------------------------------------------------ in a helper process

_helper_writer: SegmentWriter | None = None


def _write_chunk(gen_dir: str, docs: list[dict]) -> int:
    """Analyse ``docs`` again and add them to this helper's segment (opened with the first chunk)."""
    global _helper_writer
    if _helper_writer is None:
        _helper_writer = segment_writer(whoosh_index.open_dir(gen_dir), HELPER_MB, lock=False)
    for doc in docs:
        analysed_again(doc)
        add_mentions(doc)
        _helper_writer.add_document(**doc)
    return len(docs)


def _finish_segment() -> Any:
    """This helper's segment written to disk (None when it got no document)."""
    global _helper_writer
    writer, _helper_writer = _helper_writer, None
    if writer is None:
        return None
    return writer._finalize_segment()  # what Whoosh's own multiprocessing sub-writers return
