"""Benchmark corpora as article folders the project indexes: the real FANG-COVID archive or synthetic text.

Both are written as one ``.txt`` per article in subfolders of at most :data:`FOLDER_SIZE` files, each with a
``metadata.json`` sidecar (title, date, source, url; see :func:`search.enrich.ingest.read_sidecar`), so the
benchmark exercises the same ingest path as a real archive. A finished folder is marked with
:data:`DONE_MARK` and reused by later runs (writing 41k files takes a while and must not be timed).

Reading FANG-COVID and writing the folders is :mod:`search_tools.fang` (the entity measurement uses it too);
this module adds the cached, named benchmark folders.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from search_tools import fang
from search_tools.fang import FANG_SIZE
from search_tools.fang import CorpusUnavailable as CorpusUnavailable  # re-exported for benchmarks.run

# Read at call time, so a test can point them elsewhere (monkeypatch corpora.FANG_DIR / FOLDER_SIZE).
FANG_DIR = fang.FANG_DIR
FOLDER_SIZE = fang.FOLDER_SIZE
DONE_MARK = ".complete.json"
LAYOUT = 3  # bump when the written folders change (2: unique FANG file ids; 3: news-length synthetic text)


@dataclass
class CorpusInfo:
    """What was written: where, how many articles and characters, and where the texts came from."""

    name: str
    folder: Path
    articles: int
    chars: int
    description: str

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "folder": str(self.folder),
            "articles": self.articles,
            "chars": self.chars,
            "description": self.description,
        }


def fang_files() -> list[Path]:
    """The FANG-COVID parts in order; raises :class:`CorpusUnavailable` when shared/ is missing."""
    return fang.fang_files(FANG_DIR)


def iter_fang(limit: int | None = None) -> Iterator[dict]:
    """Articles of FANG-COVID in file order (the first N, not a sample: runs are comparable)."""
    return fang.iter_fang(limit, FANG_DIR)


def _write_chunked(folder: Path, items: Iterator[tuple[str, str, dict]]) -> tuple[int, int]:
    """Write (id, text, metadata) triples into ``part-NNNN/`` subfolders with sidecars."""
    return fang.write_chunked(folder, items, FOLDER_SIZE)


def _prepare(folder: Path, name: str, size: int) -> CorpusInfo | None:
    """A finished folder of the same corpus and size, or None after clearing a partial one."""
    mark = folder / DONE_MARK
    if mark.is_file():
        try:
            data = json.loads(mark.read_text(encoding="utf-8"))
            if data.get("name") == name and data.get("requested") == size and data.get("layout") == LAYOUT:
                return CorpusInfo(name, folder, data["articles"], data["chars"], data["description"])
        except (OSError, ValueError, KeyError):
            pass
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return None


def _finish(info: CorpusInfo, requested: int) -> CorpusInfo:
    data = info.to_json() | {"requested": requested, "layout": LAYOUT}
    (info.folder / DONE_MARK).write_text(json.dumps(data), encoding="utf-8")
    return info


_unique_ids = fang.unique_ids


def write_fang(folder: Path, size: int | None = None) -> CorpusInfo:
    """The first ``size`` FANG-COVID articles (all 41,242 by default) as an articles folder."""
    fang_files()  # fail early with a clear message
    requested = size or FANG_SIZE
    if requested > FANG_SIZE:
        raise ValueError(f"FANG-COVID has {FANG_SIZE:,} articles; use --corpus synthetic for {requested:,}")
    cached = _prepare(folder, "fang", requested)
    if cached:
        return cached
    count, chars = _write_chunked(folder, _unique_ids(iter_fang(requested)))
    desc = f"FANG-COVID (German news 2020-2021, {FANG_SIZE:,} articles), first {count:,} in file order"
    return _finish(CorpusInfo("fang", folder, count, chars, desc), requested)


def write_synthetic(folder: Path, size: int, seed: int = 42) -> CorpusInfo:
    """``size`` articles of :mod:`search.synthetic` (random German words), chunked like the real corpus.

    The same generator as :func:`search_tools.synthetic.write_corpus`, written into subfolders with a sidecar
    carrying a publication date and an agency, so date and source facets have values at any size.
    """
    from search_tools.synthetic import AGENCIES, generate

    cached = _prepare(folder, "synthetic", size)
    if cached:
        return cached

    def rows() -> Iterator[tuple[str, str, dict]]:
        for i, (doc_id, text) in enumerate(generate(size, seed)):
            day = f"{2015 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            yield doc_id, text, {"date": day, "source": AGENCIES[i % len(AGENCIES)]}

    count, chars = _write_chunked(folder, rows())
    desc = f"synthetic German text (search.synthetic, seed {seed}), {count:,} articles"
    return _finish(CorpusInfo("synthetic", folder, count, chars, desc), size)


def build_corpus(name: str, size: int | None, workdir: Path) -> CorpusInfo:
    """The articles folder for ``--corpus NAME --size N`` under ``workdir`` (reused when already built)."""
    if name == "fang":
        n = size or FANG_SIZE
        return write_fang(workdir / "articles" / f"fang-{n}", n)
    if name == "synthetic":
        if not size:
            raise ValueError("--size is required for the synthetic corpus")
        return write_synthetic(workdir / "articles" / f"synthetic-{size}", size)
    raise ValueError(f"unknown corpus {name!r} (fang or synthetic)")
