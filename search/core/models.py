"""Plain data passed between the stages: ingest -> analyse -> index -> search -> render.

Frozen dataclasses so a stage cannot quietly change what an earlier stage produced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Article:
    """One article as read from disk, normalised, with its metadata (before entity extraction)."""

    id: str
    path: str  # relative to the articles folder, POSIX separators
    text: str  # normalised body text (NFC, no soft hyphens, metadata header removed)
    title: str
    content_hash: str  # sha256 of the raw file bytes: decides whether a reindex must touch it
    title_derived: bool = True
    date: dt.date | None = None
    date_precision: str | None = None  # "year" | "month" | "day"
    date_estimated: bool = False
    source: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why (shown in the reindex summary)."""

    path: str
    reason: str


@dataclass(frozen=True)
class ReindexSummary:
    """What a reindex did; printed as one line by the CLI and returned as JSON by tools."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    generation: str | None = None
    full: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        """One-line human summary (German field names would confuse scripts; keep it plain)."""
        return (
            f"added {self.added}, updated {self.updated}, removed {self.removed}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)} in {self.seconds:.2f} s"
            + (f" -> {self.generation}" if self.generation else " (index unchanged)")
        )


@dataclass(frozen=True)
class Hit:
    """One search result as every renderer (HTML, JSON, CLI) needs it."""

    id: str
    title: str
    score: float
    date: dt.date | None = None
    date_estimated: bool = False
    source: str | None = None
    snippets: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """The answer of ``search.search``: hits of one page, total, timing and the generation it came from."""

    query: str
    total: int
    hits: tuple[Hit, ...]
    page: int = 1
    per_page: int = 10
    took_ms: float = 0.0
    generation: str | None = None
    facets: dict = field(default_factory=dict)
