"""The server still answers the recorded requests exactly as before (golden files, see tests/golden.py).

Each test builds a fresh index with ``search reindex``, starts ``search serve`` and compares the normalised
HTTP answers with ``tests/data/golden/``; a failure lists every difference (request, path, old, new).
After an intended change of behaviour, record again: ``python -m tests.golden record --set seeds|fang``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import golden
from .conftest import shared_path


def _fail_on(diffs: list[golden.Difference], name: str) -> None:
    if diffs:
        pytest.fail(
            f"the {name} answers differ from {golden.golden_path(name)} "
            f"(re-record with `python -m tests.golden record --set {name}` only if the change is intended)\n"
            + golden.format_differences(diffs),
            pytrace=False,
        )


def _shared() -> Path:
    """The shared folder with FANG-COVID: ``GOLDEN_SHARED_DIR`` for a checkout elsewhere, else ../shared."""
    override = os.environ.get("GOLDEN_SHARED_DIR")
    if not override:
        return shared_path("corpora", "fang-covid").parents[1]
    path = Path(override)
    if not (path / "corpora" / "fang-covid").is_dir():
        pytest.skip(f"GOLDEN_SHARED_DIR={override}: no corpora/fang-covid in it")
    return path


def test_seeds_answer_as_recorded() -> None:
    _fail_on(golden.check("seeds"), "seeds")


def test_fang_sample_answers_as_recorded() -> None:
    _fail_on(golden.check("fang", shared=_shared()), "fang")
