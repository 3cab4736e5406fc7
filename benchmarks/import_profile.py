"""Where a reindex spends its CPU time, from a py-spy recording of the whole process tree (issue 20).

    py-spy record --subprocesses -r 50 -f raw -o import.txt -- \\
        .venv/bin/search reindex --articles DIR --index /tmp/ix --full --no-ner
    python -m benchmarks.import_profile import.txt [--json]

Why: "the import is 25x slower than Typesense" says nothing about what to change. Each sampled stack is
put into the first bucket whose marker it contains (a marker is part of a frame, ``function (file``), so the
shares add up to 100 % of the samples of all processes: the writer process and the worker processes. Samples
of a waiting thread (a worker idle between batches, the writer waiting for a batch) are counted as waiting
and left out of the shares. py-spy samples the CPU-bound stacks by wall time, so on a shared machine the
shares stay comparable while the seconds do not.

Not a test: nothing here asserts timings.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

#: (bucket, markers): the first bucket with a marker in any frame of a stack takes the sample. Order matters:
#: spaCy inside the enrichment is spaCy, Whoosh's codec inside our writer is Whoosh.
BUCKETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("spaCy: tokenizer", ("Language.make_doc", "Language._ensure_doc")),
    ("spaCy: tok2vec and NER", ("Language.pipe", "spacy/util.py")),
    ("entity rules (mentions, resolution, late persons)", ("search/enrich/entities/", "LatePersons")),
    ("our posting pool (runs sorted, spilled, merged)", ("ChunkedPostingPool",)),
    ("Whoosh: segment commit (postings, term index, stored fields)", ("SegmentWriter.commit",)),
    ("Whoosh: add_document (field encoding, stored fields)", ("SegmentWriter.add_document",)),
    ("compound splitting", ("search/text/compounds.py",)),
    ("words, stems, folding", ("search/text/analysis.py",)),
    ("dates (published, mentioned)", ("search/enrich/dates.py", "search/enrich/estimate.py")),
    ("reading and normalising files", ("read_article", "search/enrich/ingest.py")),
    ("near-duplicate signatures", ("minhash", "duplicates")),
    ("documents, columns, facets", ("search/engine/whoosh/documents.py", "search/engine/whoosh/columns.py")),
    ("pickling between processes", ("_prepare_packed", "_unpack", "pickle")),
    ("start-up (imports, model and word lists)", ("_find_and_load", "load_pipeline", "warm_up")),
)
#: the innermost frame of a thread or process that waits (for a batch, a lock, a child): not working
WAITING = ("Condition.wait", "_wait_for_tstate_lock", "select (", "poll (", "Connection.recv", "_recv_bytes")
OTHER = "other"


def bucket(frames: list[str]) -> str:
    """The bucket of one stack (frames outermost first)."""
    if not frames or any(marker in frames[-1] for marker in WAITING):
        return "waiting"
    for name, markers in BUCKETS:
        if any(marker in frame for frame in frames for marker in markers):
            return name
    return OTHER


def read(path: Path) -> Counter:
    """Samples per bucket of a py-spy ``--format raw`` file (``frame;frame;... count`` lines)."""
    counts: Counter = Counter()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rstrip().rpartition(" ")
        if stack and n.isdigit():
            frames = stack.split(";")[1:]  # the first frame names the process
            counts[bucket(frames)] += int(n)
    return counts


def shares(counts: Counter) -> dict[str, float]:
    """Each working bucket's share of the working samples (waiting left out), largest first."""
    working = {k: v for k, v in counts.items() if k != "waiting"}
    total = sum(working.values()) or 1
    return {k: round(v / total, 3) for k, v in sorted(working.items(), key=lambda kv: -kv[1])}


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("profile", type=Path, help="py-spy --format raw output")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    counts = read(args.profile)
    result = shares(counts)
    if args.json:
        print(json.dumps({"samples": dict(counts), "shares": result}, indent=1))
    else:
        waiting = counts["waiting"]
        print(f"{sum(counts.values()) - waiting:,} working samples ({waiting:,} waiting left out)")
        for name, share in result.items():
            print(f"{share:>7.1%}  {name}")
    return result


if __name__ == "__main__":
    main()
