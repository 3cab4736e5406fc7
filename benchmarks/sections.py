"""The command line the comparison benchmarks share: run (or only re-render a saved run), print the Markdown
section, and write it into BENCHMARKS.md between the benchmark's own markers.

Why a module: ``benchmarks.vs_typesense`` and ``benchmarks.vs_opensearch`` differ in what they run and how
they render it, not in how their results reach BENCHMARKS.md; one copy of that keeps their options alike.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

from benchmarks.run import DEFAULT_RESULTS, MD_PATH, update_md

DEFAULT_WORKDIR = Path("/tmp/nachrichtensuche-bench")


def add_output_options(ap: argparse.ArgumentParser, workdir_help: str) -> None:
    """``--write-md``, ``--md-only JSON``, ``--note``, ``--workdir``, ``--results`` (and the hidden ``--md-path``)."""
    ap.add_argument("--write-md", action="store_true", help="write the section into BENCHMARKS.md")
    ap.add_argument("--md-only", type=Path, metavar="JSON", help="only render BENCHMARKS.md from a saved run")
    ap.add_argument("--note", action="append", help="a remark for BENCHMARKS.md (repeatable)")
    ap.add_argument("--md-path", type=Path, default=MD_PATH, help=argparse.SUPPRESS)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR, help=workdir_help)
    ap.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="results as JSON")


def run_or_render(
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace], dict],
    render: Callable[[dict], str],
    markers: tuple[str, str],
    skipped: tuple[type[Exception], ...],
) -> dict | None:
    """Run the benchmark (or load ``--md-only``'s saved run), print its section and write it with
    ``--write-md``; None when ``run`` raised one of ``skipped`` (no corpus, no server binary: said, not failed).
    A note given on the command line replaces the saved run's notes."""
    if args.md_only:
        result = json.loads(args.md_only.read_text(encoding="utf-8"))
        result["notes"] = list(args.note or result.get("notes") or [])
    else:
        args.workdir = args.workdir.resolve()
        args.workdir.mkdir(parents=True, exist_ok=True)
        args.results = args.results.resolve()
        try:
            result = run(args)
        except skipped as exc:
            print(f"skipped: {exc}", flush=True)
            return None
    section = render(result)
    print(section, flush=True)
    if args.write_md or args.md_only:
        update_md(section, args.md_path, markers)
        print(f"updated {args.md_path}", flush=True)
    return result
