"""The FANG-COVID archive read from ``../shared`` and written as an articles folder the project indexes.

Why here: the benchmarks (:mod:`benchmarks.corpora`) and the entity measurement (:mod:`search_tools.entity_eval`)
both need the real news as ``.txt`` files with a ``metadata.json`` sidecar (title, date, source, url; see
:func:`search.enrich.ingest.read_sidecar`), so the ingest path is the one of a real archive. The runtime
package never imports this; :mod:`benchmarks.corpora` builds its cached benchmark folders on top of it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

# /work/main/search_tools/fang.py -> parents[2] == /work, where the shared data lives beside the repository
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
FANG_DIR = SHARED_DIR / "corpora" / "fang-covid"
FANG_SIZE = 41242
FOLDER_SIZE = 1000  # articles per part-NNNN/ subfolder
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class CorpusUnavailable(Exception):
    """The requested corpus cannot be read here (e.g. ``shared/`` is absent)."""


def fang_files(fang_dir: Path = FANG_DIR) -> list[Path]:
    """The FANG-COVID parts in order; raises :class:`CorpusUnavailable` when they are missing."""
    files = sorted(Path(fang_dir).glob("*.jsonl.gz"))
    if not files:
        raise CorpusUnavailable(
            f"FANG-COVID corpus not found in {fang_dir} (shared/ is not beside the repository); skipping"
        )
    return files


def iter_lines(fang_dir: Path = FANG_DIR) -> Iterator[str]:
    """The raw JSON lines of all parts in file order (not parsed: a caller may pick only a few)."""
    for path in fang_files(fang_dir):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if line:
                    yield line


def parse_row(line: str) -> dict | None:
    """One article row, or None when it has no text (the data set has a few empty articles)."""
    row = json.loads(line)
    return row if str(row.get("article") or "").strip() else None


def iter_fang(limit: int | None = None, fang_dir: Path = FANG_DIR) -> Iterator[dict]:
    """Articles of FANG-COVID in file order (the first N, not a sample: runs are comparable)."""
    n = 0
    for line in iter_lines(fang_dir):
        if limit is not None and n >= limit:
            return
        row = parse_row(line)
        if row is None:
            continue
        n += 1
        yield row


def fang_meta(row: dict) -> dict:
    """The sidecar entry of one row: title (the header), day of publication, source, url."""
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


def unique_ids(rows: Iterable[dict]) -> Iterator[tuple[str, str, dict]]:
    """(file id, text, metadata) per row; the data set reuses 52 ids for 161 rows, so repeats get ``-2``, ``-3``."""
    seen: dict[str, int] = {}
    for row in rows:
        base = f"fang-{row['id']}"
        seen[base] = seen.get(base, 0) + 1
        doc_id = base if seen[base] == 1 else f"{base}-{seen[base]}"
        yield doc_id, str(row["article"]), fang_meta(row)


def write_chunked(
    folder: Path, items: Iterable[tuple[str, str, dict]], folder_size: int = FOLDER_SIZE
) -> tuple[int, int]:
    """Write (id, text, metadata) triples into ``part-NNNN/`` subfolders with sidecars; (articles, chars)."""
    count = chars = 0
    sidecar: dict[str, dict] = {}
    part: Path | None = None

    def flush() -> None:
        if part is not None and sidecar:
            (part / "metadata.json").write_text(
                json.dumps(sidecar, ensure_ascii=False, indent=0), encoding="utf-8"
            )

    for doc_id, text, meta in items:
        if count % folder_size == 0:
            flush()
            sidecar = {}
            part = Path(folder) / f"part-{count // folder_size:04d}"
            part.mkdir(parents=True)
        assert part is not None
        (part / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        if meta:
            sidecar[doc_id] = meta
        count += 1
        chars += len(text)
    flush()
    return count, chars
