"""Benchmark corpora as article folders the project indexes: the real FANG-COVID archive or synthetic text.

Both are written as one ``.txt`` per article in subfolders of at most :data:`FOLDER_SIZE` files, each with a
``metadata.json`` sidecar (title, date, source, url; see :func:`search.enrich.ingest.read_sidecar`), so the
benchmark exercises the same ingest path as a real archive. A finished folder is marked with
:data:`DONE_MARK` and reused by later runs (writing 41k files takes a while and must not be timed).
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# /work/main/benchmarks/corpora.py -> parents[2] == /work, where the shared data lives beside the repository
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
FANG_DIR = SHARED_DIR / "corpora" / "fang-covid"
FANG_SIZE = 41242
FOLDER_SIZE = 1000
DONE_MARK = ".complete.json"
LAYOUT = 3  # bump when the written folders change (2: unique FANG file ids; 3: news-length synthetic text)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CorpusUnavailable(Exception):
    """The requested corpus cannot be built here (e.g. ``shared/`` is absent); the benchmark skips."""


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
    files = sorted(FANG_DIR.glob("*.jsonl.gz"))
    if not files:
        raise CorpusUnavailable(
            f"FANG-COVID corpus not found in {FANG_DIR} (shared/ is not beside the repository); skipping"
        )
    return files


def iter_fang(limit: int | None = None) -> Iterator[dict]:
    """Articles of FANG-COVID in file order (the first N, not a sample: runs are comparable)."""
    n = 0
    for path in fang_files():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if limit is not None and n >= limit:
                    return
                line = line.strip()
                if not line:
                    continue
                row = json.loads(line)
                if not str(row.get("article") or "").strip():
                    continue
                n += 1
                yield row


def _fang_meta(row: dict) -> dict:
    meta = {}
    if row.get("header"):
        meta["title"] = str(row["header"]).strip()
    day = _DAY.match(str(row.get("date") or ""))
    if day:
        meta["date"] = day.group(0)
    for key in ("source", "url"):
        if row.get(key):
            meta[key] = str(row[key])
    return meta


def _write_chunked(folder: Path, items: Iterator[tuple[str, str, dict]]) -> tuple[int, int]:
    """Write (id, text, metadata) triples into ``part-NNNN/`` subfolders with sidecars."""
    count = chars = 0
    sidecar: dict[str, dict] = {}
    part: Path | None = None

    def flush() -> None:
        if part is not None and sidecar:
            (part / "metadata.json").write_text(
                json.dumps(sidecar, ensure_ascii=False, indent=0), encoding="utf-8"
            )

    for doc_id, text, meta in items:
        if count % FOLDER_SIZE == 0:
            flush()
            sidecar = {}
            part = folder / f"part-{count // FOLDER_SIZE:04d}"
            part.mkdir(parents=True)
        assert part is not None
        (part / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        if meta:
            sidecar[doc_id] = meta
        count += 1
        chars += len(text)
    flush()
    return count, chars


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


def _unique_ids(rows: Iterator[dict]) -> Iterator[tuple[str, str, dict]]:
    """(file id, text, metadata) per row; the data set reuses 52 ids for 161 rows, so repeats get ``-2``, ``-3``."""
    seen: dict[str, int] = {}
    for row in rows:
        base = f"fang-{row['id']}"
        seen[base] = seen.get(base, 0) + 1
        doc_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        yield doc_id, str(row["article"]), _fang_meta(row)


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
