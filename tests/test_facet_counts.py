"""Facet counting over per-document groups gives the counts of a plain count, at every match density."""

from __future__ import annotations

import numpy as np
import pytest

from search.engine.whoosh.columns import Column


def _column(rng: np.random.Generator, ndocs: int, nvalues: int) -> Column:
    pairs = {
        (int(d), int(v))
        for d, v in zip(rng.integers(0, ndocs, 4 * ndocs), rng.integers(0, nvalues, 4 * ndocs), strict=True)
    }
    ordered = sorted(pairs, key=lambda p: (p[1], p[0]))  # as loaded: value by value, from the postings
    values = [f"v{i}" for i in range(nvalues)]
    docs = np.array([d for d, _ in ordered], dtype=np.int32)
    ords = np.array([v for _, v in ordered], dtype=np.int32)
    return Column(values, {v: i for i, v in enumerate(values)}, docs, ords)


@pytest.mark.parametrize("density", [0.0, 0.001, 0.01, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("seed", range(3))
def test_counts_equal_a_plain_count(density: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ndocs = 5_000
    col = _column(rng, ndocs - 7, 40)  # the last documents have no value
    match = rng.random(ndocs) < density
    expected = np.zeros(len(col.values), dtype=np.int64)
    for d, v in zip(col.docs.tolist(), col.ords.tolist(), strict=True):
        expected[v] += bool(match[d])
    assert col.counts(match).tolist() == expected.tolist()


def test_empty_column() -> None:
    col = Column([], {}, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
    assert col.counts(np.ones(10, dtype=bool)).tolist() == []


@pytest.mark.parametrize("selected", [(), ("1951",), ("1950-03",), ("2031-01",)])
def test_only_the_shown_years_are_labelled_and_the_tree_is_unchanged(selected: tuple[str, ...]) -> None:
    """Date facets label only the years they show (and those years' months): the same tree as labelling
    every value first."""
    from search.engine.shared import facet_entry as _entry
    from search.engine.whoosh.columns import Columns, facet_values

    rng = np.random.default_rng(5)
    ndocs = 3_000
    values = sorted(
        {str(y) for y in range(1950, 2031)} | {f"{y}-{m:02d}" for y in range(1950, 2031) for m in (1, 3, 7)}
    )
    pairs = {
        (int(d), int(v))
        for d, v in zip(rng.integers(0, ndocs, 9_000), rng.integers(0, len(values), 9_000), strict=True)
    }
    ordered = sorted(pairs, key=lambda p: (p[1], p[0]))
    col = Column(
        values,
        {v: i for i, v in enumerate(values)},
        np.array([d for d, _ in ordered], dtype=np.int32),
        np.array([v for _, v in ordered], dtype=np.int32),
    )
    cols = Columns(ndocs, np.ones(ndocs, dtype=bool), {"mentioned": col})
    match = rng.random(ndocs) < 0.5
    filters = {"mentioned": selected}
    got, _ = facet_values(cols, match, {}, filters, size=10)
    counts = col.counts(match)
    everything = {
        v: _entry("mentioned", v, int(counts[i]), v in selected, "de")
        for i, v in enumerate(values)
        if counts[i]
    }
    for v in selected:
        everything.setdefault(v, _entry("mentioned", v, 0, True, "de"))
    assert got["mentioned"] == _reference_tree(everything, 10)
    assert 10 <= len(got["mentioned"]) <= 11


def _reference_tree(entries: dict[str, dict], size: int) -> list[dict]:
    """The date tree as it was built before only the shown years were labelled: from every value."""
    months: dict[str, list[dict]] = {}
    for v, e in entries.items():
        if len(v) == 7:
            months.setdefault(v[:4], []).append(e)
    years = [e for v, e in entries.items() if len(v) == 4]
    if len(years) > size:
        ranked = sorted(years, key=lambda e: (-e["count"], e["value"]))
        years = ranked[:size] + [
            e
            for e in ranked[size:]
            if e["selected"] or any(c["selected"] for c in months.get(e["value"], ()))
        ]
    years = sorted(years, key=lambda e: e["value"])
    for year in years:
        year["children"] = sorted(months.get(year["value"], ()), key=lambda e: e["value"])
    return years
