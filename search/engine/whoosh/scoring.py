"""Vectorised matching and BM25F scoring over Whoosh's term index (numpy), for one index generation.

Whoosh stays the index (postings, lexicon, stored fields); this module reads a term's postings block by
block into numpy arrays (cached per generation) and evaluates the query tree as whole-corpus arrays: a
boolean mask and a float score per document. Matching, disjunctive facets and top-k then cost a few
vectorised passes instead of a Python call per matching document, which is what makes Whoosh slow for
common words. Phrases are matched here too: documents containing every word are intersected first, then
only those documents' positions are decoded and compared as numpy arrays (Whoosh's span matchers cost
a Python object per position, and a 600-word phrase took 20-30 s in them), at any phrase length. Date
ranges are read from the ``pubdate`` column. Query nodes without a vectorised form (sloppy phrases, other
ranges) are matched by Whoosh and scored here; the compiler produces none.

Every loop over query nodes, postings blocks and phrase positions checks the request's time budget
(:mod:`search.core.limits`), so an expensive query stops with ``search_timeout`` instead of running on.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pickle import loads as _pickle_loads

import numpy as np
from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import IndexReader
from whoosh.searching import Searcher

from search.core import limits
from search.engine.whoosh.schema import TEXT_FIELDS

K1 = 1.2
B = 0.75
COORDINATION = 0.9  # an Or with scale: documents matching fewer of its clauses lose up to this share
TERM_CACHE = 4096  # postings arrays kept per generation (and as many BM25 score arrays)
PHRASE_CACHE = 512  # phrase results kept per generation
_POS_BITS = 24  # (document, position) pairs are packed as doc << _POS_BITS | position
_POS_MASK = (1 << _POS_BITS) - 1
_PAD = 1 << 8  # positions are shifted up so that position - offset never borrows from the document bits
PHASE = "matching"  # what a SearchTimeout raised here says the search was doing


@dataclass
class Postings:
    ids: np.ndarray  # int32 document numbers
    tf: np.ndarray  # float32 term frequencies


def _pickled(value: bytes) -> bytes:
    """The pickle of a Positions value: what ``Positions.decode_positions`` hands to ``loads``."""
    return (value if value.endswith(b".") else value + b".")[4:]


class Scorer:
    """Per-generation statistics and a postings cache; thread-safe, shared by all requests.

    Postings are read through the *calling thread's* reader (``thread_reader``): a Whoosh reader's files
    keep one read position, so two threads reading through one reader read each other's bytes (seen as
    ``UnpicklingError`` under load). The statistics are read once, at construction.
    """

    def __init__(
        self, reader: IndexReader, live: np.ndarray, thread_reader: Callable[[], IndexReader] | None = None
    ):
        self._thread_reader = thread_reader or (lambda: reader)
        self.live = live
        self.ndocs = len(live)
        self.n_live = int(live.sum()) or 1
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self._scores: OrderedDict[tuple[str, str, float], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._phrases: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self.lengths: dict[str, np.ndarray] = {}
        self.avg: dict[str, float] = {}
        for field in TEXT_FIELDS:
            lengths = np.ones(self.ndocs, dtype=np.float32)
            for seg, base in reader.leaf_readers():
                for docnum in range(seg.doc_count_all()):
                    lengths[base + docnum] = seg.doc_field_length(docnum, field, 0) or 1
            self.lengths[field] = lengths
            self.avg[field] = float(lengths[live].mean()) if live.any() else 1.0
        self.pubdate = _column(reader, "pubdate", self.ndocs)

    # --------------------------------------------------------------------------------- postings

    def postings(self, field: str, term: str) -> Postings:
        key = (field, term)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        ids_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        for seg, base in self._thread_reader().leaf_readers():
            if (field, term) not in seg:
                continue
            m = seg.postings(field, term)
            if isinstance(m, FilterMatcher):
                m = m.child  # deleted documents are removed with the live mask below
            while m.is_active():
                limits.check(PHASE)
                m._read_ids()
                m._read_weights()
                ids_parts.append(np.asarray(m._ids, dtype=np.int32) + base)
                tf_parts.append(np.asarray(m._weights, dtype=np.float32))
                m._next_block()
        if ids_parts:
            ids, tf = np.concatenate(ids_parts), np.concatenate(tf_parts)
            keep = self.live[ids]
            result = Postings(ids[keep], tf[keep])
        else:
            result = Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
        with self._lock:
            self._cache[key] = result
            if len(self._cache) > TERM_CACHE:
                self._cache.popitem(last=False)
        return result

    def term_scores(self, field: str, term: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        """Documents containing the term and their BM25 score for it (weighted by the field boost).

        Cached per generation like the postings (the same numbers for every request; a common word's
        scores over thousands of documents cost more than the look-up). The arrays are shared: read only.
        """
        key = (field, term, boost)
        with self._lock:
            hit = self._scores.get(key)
            if hit is not None:
                self._scores.move_to_end(key)
                return hit
        p = self.postings(field, term)
        df = len(p.ids)
        if not df:
            return p.ids, p.tf
        idf = math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))
        norm = K1 * (1 - B + B * self.lengths[field][p.ids] / self.avg[field])
        scores = (boost * idf * p.tf * (K1 + 1) / (p.tf + norm)).astype(np.float32)
        scores.flags.writeable = False  # shared by every request that asks for this term
        result = p.ids, scores
        with self._lock:
            self._scores[key] = result
            if len(self._scores) > TERM_CACHE:
                self._scores.popitem(last=False)
        return result

    def mentions(self, field: str, values: tuple[str, ...] | list[str]) -> np.ndarray:
        """How often each document mentions any of ``values`` (the term frequencies of a mention field)."""
        out = np.zeros(self.ndocs, dtype=np.float32)
        for value in values:
            p = self.postings(field, value)
            out[p.ids] += p.tf
        return out

    # --------------------------------------------------------------------------------- evaluation

    def evaluate(self, q: wq.Query, searcher: Searcher) -> tuple[np.ndarray, np.ndarray]:
        """``(mask, score)`` arrays over all documents for a compiled query."""
        limits.check(PHASE)
        n = self.ndocs
        if isinstance(q, wq.Every):
            return self.live.copy(), np.zeros(n, dtype=np.float32)
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return np.zeros(n, dtype=bool), np.zeros(n, dtype=np.float32)
        if isinstance(q, wq.Term):
            mask = np.zeros(n, dtype=bool)
            score = np.zeros(n, dtype=np.float32)
            if q.fieldname in self.lengths:
                ids, s = self.term_scores(q.fieldname, q.text, q.boost)
                score[ids] = s
            else:  # keyword fields: filters, no score
                ids = self.postings(q.fieldname, q.text).ids
            mask[ids] = True
            return mask, score
        if isinstance(q, wq.AndNot):
            mask, score = self.evaluate(q.a, searcher)
            neg, _ = self.evaluate(q.b, searcher)
            mask &= ~neg
            return mask, np.where(mask, score, 0).astype(np.float32)
        if isinstance(q, wq.And):
            parts = [self.evaluate(c, searcher) for c in q.subqueries]
            mask = np.logical_and.reduce([m for m, _ in parts])
            score = np.sum([s for _, s in parts], axis=0, dtype=np.float32) * mask
            return mask, score.astype(np.float32)
        if isinstance(q, wq.Or):
            return self._or(q, searcher)
        if isinstance(q, wq.Not):
            inner, _ = self.evaluate(q.query, searcher)
            return self.live & ~inner, np.zeros(n, dtype=np.float32)
        if isinstance(q, wq.NumericRange) and q.fieldname == "pubdate":
            return self._date_range(q), np.zeros(n, dtype=np.float32)
        # Phrases, anything else: Whoosh finds the documents (not for phrases), we score phrases.
        mask = np.zeros(n, dtype=bool)
        if isinstance(q, wq.Phrase) and q.slop == 1 and q.words:
            ids = self.phrase_ids(q.fieldname, tuple(q.words))
        else:
            ids = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
        mask[ids] = True
        mask &= self.live
        score = np.zeros(n, dtype=np.float32)
        if isinstance(q, wq.Phrase) and q.fieldname in self.lengths:
            for word in q.words:
                tids, s = self.term_scores(q.fieldname, word, q.boost)
                score[tids] += s
            score *= mask
        return mask, score

    def _date_range(self, q: wq.NumericRange) -> np.ndarray:
        """Live documents whose ``pubdate`` lies in the range: what Whoosh's range query finds (the column
        holds the indexed value, 0 when undated), in one comparison instead of a walk over trie terms."""
        mask = self.live.copy()
        if q.start is not None:
            mask &= self.pubdate > q.start if q.startexcl else self.pubdate >= q.start
        if q.end is not None:
            mask &= self.pubdate < q.end if q.endexcl else self.pubdate <= q.end
        return mask

    def _or(self, q: wq.Or, searcher: Searcher) -> tuple[np.ndarray, np.ndarray]:
        """Terms (a word in four fields, a prefix's 200 expansions) are summed sparsely with one
        ``bincount`` instead of two whole-corpus arrays per term; other clauses are evaluated densely."""
        n = self.ndocs
        ids_parts: list[np.ndarray] = []
        score_parts: list[np.ndarray] = []
        dense = []
        for c in q.subqueries:
            limits.check(PHASE)
            if isinstance(c, wq.Term):
                if c.fieldname in self.lengths:
                    ids, sc = self.term_scores(c.fieldname, c.text, c.boost)
                else:
                    ids = self.postings(c.fieldname, c.text).ids
                    sc = np.zeros(len(ids), dtype=np.float32)
                ids_parts.append(ids)
                score_parts.append(sc)
            else:
                dense.append(self.evaluate(c, searcher))
        if ids_parts:
            all_ids = np.concatenate(ids_parts)
            score = np.bincount(all_ids, weights=np.concatenate(score_parts), minlength=n).astype(np.float32)
            matched = np.bincount(all_ids, minlength=n).astype(np.float32)
        else:
            score = np.zeros(n, dtype=np.float32)
            matched = np.zeros(n, dtype=np.float32)
        for m, sc in dense:
            score += sc
            matched += m
        mask = matched > 0
        if q.scale:
            score *= 1 - q.scale + q.scale * matched / len(q.subqueries)
        return mask, score

    def phrase_ids(self, field: str, words: tuple[str, ...]) -> np.ndarray:
        """Live documents where ``words`` occur at consecutive positions of ``field`` (cached per generation)."""
        key = (field, words)
        with self._lock:
            hit = self._phrases.get(key)
            if hit is not None:
                self._phrases.move_to_end(key)
                return hit
        cand = None
        for word in sorted(set(words), key=lambda w: (len(self.postings(field, w).ids), w)):
            ids = self.postings(field, word).ids
            cand = ids if cand is None else np.intersect1d(cand, ids, assume_unique=True)
            if not len(cand):
                break
        if cand is None or not len(cand):
            result = np.zeros(0, dtype=np.int64)
        else:
            starts = None  # packed (document, start position) pairs consistent with every word so far
            decoded: dict[str, np.ndarray] = {}  # a repeated word ("in in in") is decoded once
            for offset, word in enumerate(words):
                limits.check(PHASE)
                if word not in decoded:
                    decoded[word] = self._packed_positions(field, word, cand)
                packed = decoded[word]
                if offset >= _PAD:  # a position before the word's offset cannot be part of a match
                    packed = packed[(packed & _POS_MASK) >= offset]
                packed = packed - offset
                starts = packed if starts is None else _intersect_sorted(starts, packed)
                if not len(starts):
                    break
                # only the documents still in the running need decoding for the next words
                cand = _unique_sorted(starts >> _POS_BITS)
            result = (
                _unique_sorted(starts >> _POS_BITS) if starts is not None else np.zeros(0, dtype=np.int64)
            )
        with self._lock:
            self._phrases[key] = result
            if len(self._phrases) > PHRASE_CACHE:
                self._phrases.popitem(last=False)
        return result

    def _packed_positions(self, field: str, term: str, cand: np.ndarray) -> np.ndarray:
        """``doc << _POS_BITS | position`` for each occurrence of ``term`` in the candidate documents.

        Positions are shifted up by ``_PAD`` so that subtracting a word's offset in the phrase (less than
        ``_PAD``) never reaches into the document bits.
        """
        out: list[np.ndarray] = []
        for seg, base in self._thread_reader().leaf_readers():
            if (field, term) not in seg:
                continue
            lo, hi = np.searchsorted(cand, [base, base + seg.doc_count_all()])
            seg_cand = cand[lo:hi] - base
            if not len(seg_cand):
                continue
            m = seg.postings(field, term)
            if isinstance(m, FilterMatcher):
                m = m.child
            fast = type(m.format) is Positions  # its values are a count + pickled position deltas
            decode = m.format.decoder("positions")
            while m.is_active():
                limits.check(PHASE)
                if m.block_max_id() >= seg_cand[0]:
                    m._read_ids()
                    ids = np.asarray(m._ids, dtype=np.int64)
                    chosen = np.flatnonzero(np.isin(ids, seg_cand, assume_unique=True))
                    if len(chosen):
                        m._read_values()
                        values = m._values
                        if fast:
                            deltas = [_pickle_loads(_pickled(values[i])) for i in chosen.tolist()]
                            lengths = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
                            flat = np.fromiter(
                                chain.from_iterable(deltas), dtype=np.int64, count=int(lengths.sum())
                            )
                            pos = np.cumsum(flat)
                            starts = np.cumsum(lengths) - lengths
                            nonempty = lengths > 0
                            before = np.zeros(len(lengths), dtype=np.int64)
                            before[nonempty] = pos[starts[nonempty]] - flat[starts[nonempty]]
                            pos -= np.repeat(before, lengths)
                            docs = np.repeat(ids[chosen] + base, lengths)
                        else:
                            per_doc = [np.asarray(decode(values[i]), dtype=np.int64) for i in chosen.tolist()]
                            docs = np.repeat(ids[chosen] + base, [len(p) for p in per_doc])
                            pos = np.concatenate(per_doc) if per_doc else np.zeros(0, dtype=np.int64)
                        out.append((docs << _POS_BITS) | (pos + _PAD))
                m._next_block()
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)

    def top(
        self, matched: np.ndarray, score: np.ndarray, k: int, sort: str
    ) -> list[tuple[int, float | None]]:
        """The first ``k`` matching documents: by score (ties: newer first), or by date."""
        docs = np.flatnonzero(matched)
        if not len(docs) or k <= 0:
            return []
        primary = score[docs] if sort == "relevance" else self.pubdate[docs]
        if sort != "oldest":
            primary = -primary
        if k < len(docs):  # only documents at or before the k-th primary key can be on the page
            kth = np.partition(primary, k - 1)[k - 1]
            docs = docs[primary <= kth]
            primary = primary[primary <= kth]
        if sort == "relevance":
            keys = np.lexsort((-self.pubdate[docs], primary))
        else:
            keys = np.lexsort((docs, primary))
        chosen = docs[keys[:k]]
        return [(int(d), float(score[d]) if sort == "relevance" else None) for d in chosen]


def _increasing(a: np.ndarray) -> bool:
    return bool(len(a) < 2 or (a[1:] > a[:-1]).all())


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.intersect1d`` for arrays that are sorted and unique already (packed positions are: documents
    in order, positions in order), by binary search instead of two sorts: a 32-word phrase of ``die`` spent
    most of its time sorting."""
    if not (_increasing(a) and _increasing(b)):
        return np.intersect1d(a, b)
    if len(a) > len(b):
        a, b = b, a
    at = np.searchsorted(b, a)
    found = at < len(b)
    found[found] = b[at[found]] == a[found]
    return a[found]


def _unique_sorted(a: np.ndarray) -> np.ndarray:
    """``np.unique`` of an array that is sorted already (the documents of packed positions), without a sort."""
    if len(a) < 2:
        return a
    if not (a[1:] >= a[:-1]).all():
        return np.unique(a)
    return a[np.concatenate(([True], a[1:] != a[:-1]))]


def _column(reader: IndexReader, field: str, ndocs: int) -> np.ndarray:
    out = np.zeros(ndocs, dtype=np.int64)
    if not reader.has_column(field):
        return out
    for seg, base in reader.leaf_readers():
        col = seg.column_reader(field)
        for docnum in range(seg.doc_count_all()):
            out[base + docnum] = col[docnum] or 0
    return out
