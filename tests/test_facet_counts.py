"""Facet counting over per-document groups gives the counts of a plain count, at every match density."""

from __future__ import annotations

import numpy as np
import pytest

from search.facets import Column


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
