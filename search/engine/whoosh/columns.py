"""Fast, disjunctive facet counts over per-generation value columns (the facets are those of the registry,
:mod:`search.core.facets`).

For each facet field the columns hold, for every (document, value) pair of the index, the document number
and the value's ordinal, as numpy arrays loaded once per index generation from the term index (never from
stored documents). Counting a facet over a set of matching documents is then one vectorised pass:
``bincount(ords[match[docs]])``.

Facets combine with AND; the values within one facet with the facet's op (``and``: all of them, ``or``: any).
Counts of an ``or`` facet are disjunctive: computed with every *other* facet's filter applied but not its
own, so ticking a value never hides its siblings; counts of an ``and`` facet are conjunctive: within the
current result. All of it from one text search: the masks are combined in numpy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from whoosh.reading import IndexReader

from search.core.facets import AND, BY_NAME, FACETS, FIELDS, PUBLICATION, UNDATED
from search.core.labels import label
from search.core.periods import period_series
from search.engine.shared import date_tree, facet_entry, matches_facet_prefix

DEFAULT_SIZE = 10
CHRONOLOGICAL = tuple(f.name for f in FACETS if f.chronological)


@dataclass
class Column:
    """All (document, value) pairs of one facet field."""

    values: list[str]
    ordinal: dict[str, int]
    docs: np.ndarray  # int32, document number of each pair (sorted by document, see __post_init__)
    ords: np.ndarray  # int32, value ordinal of each pair
    _ranks: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _years: tuple | None = field(default=None, repr=False)  # see year_parts
    # The pairs of document d are [offsets[d], offsets[d + 1]): counting over few matching documents then
    # reads only their pairs instead of every pair.
    offsets: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        order = np.argsort(self.docs, kind="stable")
        self.docs, self.ords = self.docs[order], self.ords[order]
        ndocs = int(self.docs[-1]) + 1 if len(self.docs) else 0
        self.offsets = np.zeros(ndocs + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.docs, minlength=ndocs), out=self.offsets[1:])

    def year_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, int]]:
        """For date values, once per generation (each search used to walk every value in Python): which
        values are years, each value's year (its first four characters) as a number, each value's rank in
        value order, and the number of each year."""
        if self._years is None:
            prefixes = [v[:4] for v in self.values]
            number = {p: i for i, p in enumerate(dict.fromkeys(prefixes))}
            is_year = np.array([len(v) == 4 for v in self.values], dtype=bool)
            group = np.array([number[p] for p in prefixes], dtype=np.int64)
            rank = np.empty(len(self.values), dtype=np.int64)
            rank[sorted(range(len(self.values)), key=self.values.__getitem__)] = np.arange(len(self.values))
            self._years = (is_year, group, rank, number)
        return self._years

    def label_rank(self, facet: str, lang: str) -> np.ndarray:
        """Each value's position in label order (case-insensitive), computed once per generation and language."""
        rank = self._ranks.get(lang)
        if rank is None:
            order = sorted(
                range(len(self.values)), key=lambda i: (label(facet, self.values[i], lang).lower(), i)
            )
            rank = np.empty(len(self.values), dtype=np.int64)
            rank[order] = np.arange(len(self.values))
            self._ranks[lang] = rank
        return rank

    def mask_for(self, selected: list[str], ndocs: int) -> np.ndarray:
        """Documents having any of ``selected`` (OR within a facet)."""
        wanted = np.zeros(len(self.values) + 1, dtype=bool)
        for v in selected:
            if v in self.ordinal:
                wanted[self.ordinal[v]] = True
        mask = np.zeros(ndocs, dtype=bool)
        mask[self.docs[wanted[self.ords]]] = True
        return mask

    def counts(self, match: np.ndarray) -> np.ndarray:
        """How many matching documents have each value.

        Over all pairs (``match[docs]``) when many documents match; over the matching documents' own
        pairs (grouped by document) when fewer than a quarter of the documents with a value match, as most
        searches do (both give the same counts).
        """
        ndocs = len(self.offsets) - 1
        # estimated pairs of the matching documents (the average per document); decides the path only
        if np.count_nonzero(match[:ndocs]) * len(self.ords) * 4 >= len(self.ords) * ndocs:
            return np.bincount(self.ords[match[self.docs]], minlength=len(self.values))
        hits = np.flatnonzero(match[:ndocs])
        starts = self.offsets[hits]
        lens = self.offsets[hits + 1] - starts
        total = int(lens.sum())
        # indices of every pair of the matching documents: each run starts[i] .. starts[i] + lens[i]
        idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(total)
        return np.bincount(self.ords[idx], minlength=len(self.values))


@dataclass
class Columns:
    """Facet columns and the live-document mask of one index generation."""

    ndocs: int
    live: np.ndarray  # bool, not deleted
    columns: dict[str, Column]
    # bool per document: its publication date is estimated from the text (not from metadata, path or line)
    estimated: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # near-duplicate group per document (-1: none), see search.engine.whoosh.grouping; a group counts once
    groups: np.ndarray | None = None
    _grouped: np.ndarray | None = field(default=None, repr=False)  # groups >= 0, computed once
    _without: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # see without_value

    def grouped_in(self, match: np.ndarray) -> np.ndarray:
        """The matching documents that belong to a group of near-duplicates."""
        if self._grouped is None:
            self._grouped = self.groups >= 0 if self.groups is not None else np.zeros(0, dtype=bool)
        n = min(len(match), len(self._grouped))
        out = np.zeros(len(match), dtype=bool)
        np.logical_and(match[:n], self._grouped[:n], out=out[:n])
        return out

    def count(self, col: Column, match: np.ndarray) -> np.ndarray:
        """How many matching articles have each value of ``col``, a group of near-duplicates counted once."""
        if self.groups is None:
            return col.counts(match)
        grouped = self.grouped_in(match)
        if not grouped.any():
            return col.counts(match)
        counts = col.counts(match & ~grouped)
        hits = np.flatnonzero(grouped[: len(col.offsets) - 1])
        starts = col.offsets[hits]
        lens = col.offsets[hits + 1] - starts
        idx = np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(int(lens.sum()))
        width = np.int64(max(1, len(col.values)))
        # each (group, value) pair once, as one integer
        pairs = np.unique(self.groups[col.docs[idx]].astype(np.int64) * width + col.ords[idx])
        return counts + np.bincount(pairs % width, minlength=len(col.values))

    def count_docs(self, match: np.ndarray) -> int:
        """How many articles match, a group of near-duplicates counted once."""
        if self.groups is None:
            return int(np.count_nonzero(match))
        grouped = self.grouped_in(match)
        if not grouped.any():
            return int(np.count_nonzero(match))
        return int(np.count_nonzero(match & ~grouped)) + len(np.unique(self.groups[np.flatnonzero(grouped)]))

    def without_value(self, facet: str) -> np.ndarray:
        """Live documents without any value in ``facet`` (for the date: the undated articles); computed once
        per generation (every search with the date facet asks), read only."""
        found = self._without.get(facet)
        if found is None:
            has = np.zeros(self.ndocs, dtype=bool)
            has[self.columns[facet].docs] = True
            found = self.live & ~has
            found.flags.writeable = False
            self._without[facet] = found
        return found


def load_columns(reader: IndexReader) -> Columns:
    """Read every facet field's postings once (for a new generation)."""
    ndocs = reader.doc_count_all()
    live = np.zeros(ndocs, dtype=bool)
    live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
    columns = {}
    for facet, fieldname in FIELDS.items():
        values: list[str] = []
        docs_parts: list[np.ndarray] = []
        ords_parts: list[np.ndarray] = []
        if fieldname in reader.schema:
            for raw in reader.lexicon(fieldname):
                value = raw.decode("utf-8") if isinstance(raw, bytes) else raw
                ids = np.fromiter(reader.postings(fieldname, raw).all_ids(), dtype=np.int32)
                docs_parts.append(ids)
                ords_parts.append(np.full(len(ids), len(values), dtype=np.int32))
                values.append(value)
        docs = np.concatenate(docs_parts) if docs_parts else np.zeros(0, dtype=np.int32)
        ords = np.concatenate(ords_parts) if ords_parts else np.zeros(0, dtype=np.int32)
        keep = live[docs] if len(docs) else np.zeros(0, dtype=bool)
        columns[facet] = Column(values, {v: i for i, v in enumerate(values)}, docs[keep], ords[keep])
    estimated = np.zeros(ndocs, dtype=bool)
    if "date_estimated" in reader.schema and ("date_estimated", b"t") in reader:
        estimated[np.fromiter(reader.postings("date_estimated", b"t").all_ids(), dtype=np.int64)] = True
    return Columns(ndocs, live, columns, estimated & live)


def filter_masks(
    cols: Columns, filters: dict[str, tuple[str, ...]], ops: dict[str, str] | None = None
) -> dict[str, np.ndarray]:
    """One document mask per facet that has selected values (``none`` of an undated-counting facet: the
    documents without a value). A facet whose op is ``and`` keeps the documents having every value."""
    out = {}
    for f, vals in filters.items():
        if not vals or f not in cols.columns:
            continue
        if (ops or {}).get(f) == AND and len(vals) > 1:
            mask = cols.live.copy()
            for v in vals:
                mask &= _value_mask(cols, f, v)
        else:
            mask = cols.columns[f].mask_for([v for v in vals if v != UNDATED], cols.ndocs)
            if UNDATED in vals and BY_NAME[f].undated:
                mask |= cols.without_value(f)
        out[f] = mask
    return out


def _value_mask(cols: Columns, facet: str, value: str) -> np.ndarray:
    """The documents having ``value`` in ``facet`` (``none``: the documents without a value)."""
    if value == UNDATED and BY_NAME[facet].undated:
        return cols.without_value(facet)
    return cols.columns[facet].mask_for([value], cols.ndocs)


def combine(base: np.ndarray, masks: dict[str, np.ndarray], skip: str | None = None) -> np.ndarray:
    """``base`` AND every facet mask except ``skip``."""
    out = base.copy()
    for name, m in masks.items():
        if name != skip:
            out &= m
    return out


def timeline(cols: Columns, matched: np.ndarray, facet: str = PUBLICATION) -> list[dict]:
    """Articles per month (or year) of the matching documents, from the publication date column: every
    filter applies, the date facet's own too (unlike its disjunctive counts)."""
    col = cols.columns.get(facet)
    if col is None:
        return []
    counts = col.counts(matched)
    return period_series({col.values[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()})


def facet_values(
    cols: Columns,
    base: np.ndarray,
    masks: dict[str, np.ndarray],
    filters: dict[str, tuple[str, ...]],
    lang: str = "de",
    size: int = DEFAULT_SIZE,
    prefix: dict[str, str] | None = None,
    ops: dict[str, str] | None = None,
) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Facet values ``{value, label, count, selected}`` per facet, plus the number of non-zero values.

    A count is always "hits if this value is added": for a facet whose op is ``and`` (``ops``) the
    documents of the current result having the value (conjunctive); for ``or`` the documents matching every
    *other* facet's filter (disjunctive), so ticking a value never hides its siblings.

    Sorted by count then label (dates chronologically); at most ``size`` values per facet, but
    selected values always show, even with count 0. Dates are years with their months as ``children``.
    Only the values shown are labelled: a person facet can have tens of thousands of values, so the
    ordering is one numpy sort over counts and a per-generation label rank.
    """
    out: dict[str, list[dict]] = {}
    totals: dict[str, int] = {}
    for facet, col in cols.columns.items():
        others = combine(base, masks, skip=None if (ops or {}).get(facet) == AND else facet)
        counts = cols.count(col, others)
        selected = filters.get(facet, ())
        wanted_prefix = (prefix or {}).get(facet, "").lower()
        nonzero = np.flatnonzero(counts)
        if wanted_prefix:
            nonzero = np.array(
                [
                    i
                    for i in nonzero.tolist()
                    if matches_facet_prefix(col.values[i], label(facet, col.values[i], lang), wanted_prefix)
                ],
                dtype=np.int64,
            )
        totals[facet] = len(nonzero)
        if facet in CHRONOLOGICAL:
            ordinals = _shown_dates(col, nonzero, counts, selected, size)
        else:
            rank = col.label_rank(facet, lang)
            ordinals = nonzero[np.lexsort((rank[nonzero], -counts[nonzero]))][:size].tolist()
        entries: dict[str, dict] = {}
        for i in ordinals:
            value = col.values[i]
            entries[value] = facet_entry(facet, value, int(counts[i]), value in selected, lang)
        for value in selected:  # selected values always show, even with count 0 or unknown to the index
            # (``none`` of the date shows once, after the years: "none" has four letters, like a year)
            if value not in entries and not (value == UNDATED and BY_NAME[facet].undated):
                i = col.ordinal.get(value)
                lab = label(facet, value, lang)
                if wanted_prefix and not matches_facet_prefix(value, lab, wanted_prefix):
                    continue
                entries[value] = facet_entry(facet, value, int(counts[i]) if i is not None else 0, True, lang)
        if facet in CHRONOLOGICAL:
            out[facet] = date_tree(entries)
            if BY_NAME[facet].undated:
                _mark_estimated(out[facet], col, cols, others)
                undated = cols.count_docs(others & cols.without_value(facet))
                if undated or UNDATED in selected:
                    out[facet].append(
                        {**facet_entry(facet, UNDATED, undated, UNDATED in selected, lang), "children": []}
                    )
                    totals[facet] += bool(undated)
        else:
            shown = list(entries.values())
            head = sorted(shown[: len(ordinals)], key=lambda e: (-e["count"], e["label"].lower()))
            out[facet] = head + sorted(
                shown[len(ordinals) :], key=lambda e: (-e["count"], e["label"].lower())
            )
    return out, totals


def _mark_estimated(tree: list[dict], col: Column, cols: Columns, match: np.ndarray) -> None:
    """``estimated``: how many of each year's and month's articles have an estimated date."""
    counts = cols.count(col, match & cols.estimated) if cols.estimated.any() else None
    for year in tree:
        for e in (year, *year.get("children", ())):
            i = col.ordinal.get(e["value"])
            e["estimated"] = int(counts[i]) if counts is not None and i is not None else 0


def _shown_dates(
    col: Column, nonzero: np.ndarray, counts: np.ndarray, selected: tuple[str, ...], size: int
) -> list[int]:
    """Ordinals of the years to show and of their months (only these are labelled): all years when there
    are at most ``size``, else the ``size`` years with most articles, plus the years of selected values."""
    is_year, year, rank, year_number = col.year_parts()
    years = nonzero[is_year[nonzero]]
    if len(years) <= size:
        return nonzero.tolist()
    top = years[np.lexsort((rank[years], -counts[years]))[:size]]  # most articles first, then by value
    kept = set(year[top].tolist()) | {year_number[v[:4]] for v in selected if v[:4] in year_number}
    return nonzero[np.isin(year[nonzero], list(kept))].tolist()
