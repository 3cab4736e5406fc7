"""Entity spans stored with an article: validated and made non-overlapping before anything uses them.

Stored spans come from the index (and so, in the end, from files on disk): the article page's
highlighter and the engine's alias lists both go through :func:`clean_entity_spans`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ENTITY_KINDS = {"PER": "per", "COUNTRY": "country"}


@dataclass(frozen=True)
class EntitySpan:
    """One mention: character offsets, kind (``PER``/``COUNTRY``) and canonical value."""

    start: int
    end: int
    kind: str  # "PER" | "COUNTRY"
    value: str


def clean_entity_spans(spans: Iterable, text_length: int) -> list[EntitySpan]:
    """Valid, sorted, non-overlapping entity spans (longest first where two overlap); bad items dropped."""
    out: list[EntitySpan] = []
    for item in spans or ():
        try:
            start, end, kind, value = item[0], item[1], item[2], item[3]
        except (TypeError, IndexError, KeyError):
            continue
        if not (isinstance(start, int) and isinstance(end, int) and isinstance(kind, str)):
            continue
        if kind not in ENTITY_KINDS or not 0 <= start < end <= text_length:
            continue
        out.append(EntitySpan(start, end, kind, str(value)))
    out.sort(key=lambda s: (s.start, -(s.end - s.start)))
    clean: list[EntitySpan] = []
    for span in out:
        if clean and span.start < clean[-1].end:
            continue
        clean.append(span)
    return clean
