"""Readers: the live index generation, opened once and shared, refreshed when ``CURRENT`` flips.

Each request asks :meth:`IndexStore.current` for a :class:`Generation`; it holds the open Whoosh index,
per-thread searchers and the facet columns, so every part of one response comes from one generation
(the response names it).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from search.core.errors import IndexUnavailable
from search.engine.whoosh.generations import META, POINTER, current_generation, read_json
from search.engine.whoosh.mapped_io import share_mapped_files

T = TypeVar("T")

share_mapped_files()  # every searcher reads the mapped index in place (see search.whoosh_io)


@dataclass
class Generation:
    """One open index generation; cheap to share between threads (searchers are per thread)."""

    name: str
    path: Path
    ix: whoosh_index.Index
    meta: dict
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _cache: dict = field(default_factory=dict)

    def searcher(self) -> Searcher:
        """A searcher for the calling thread (Whoosh searchers are not shared across threads)."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher()
        return s

    def cached(self, key: str, build: Callable[[Generation], T]) -> T:
        """A per-generation value built once (facet columns, statistics)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = build(self)
            return self._cache[key]


class IndexStore:
    """Finds and opens the live generation; checks the pointer on each call (one ``stat``)."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._gen: Generation | None = None
        self._pointer_sig: tuple | None = None

    def _signature(self) -> tuple | None:
        try:
            st = os.stat(self.index_dir / POINTER)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexUnavailable(f"index folder not readable: {exc.strerror}") from exc
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def current(self) -> Generation:
        """The live generation; raises :class:`IndexUnavailable` when there is none."""
        sig = self._signature()
        gen = self._gen
        if gen is not None and sig == self._pointer_sig:
            return gen
        with self._lock:
            if self._gen is not None and sig == self._pointer_sig:
                return self._gen
            path = current_generation(self.index_dir)
            if path is None:
                if self._gen is not None:
                    return self._gen  # pointer vanished or broken: keep serving what we have
                raise IndexUnavailable(
                    f"no index in {self.index_dir} yet: `search serve` builds it on start, `search reindex` builds it now"
                )
            try:
                ix = whoosh_index.open_dir(str(path))
            except Exception as exc:  # a damaged generation must not take the service down
                if self._gen is not None:
                    return self._gen
                raise IndexUnavailable(f"index generation {path.name} cannot be opened: {exc}") from exc
            self._gen = Generation(path.name, path, ix, read_json(path / META, {}))
            self._pointer_sig = sig
            return self._gen
