"""Whoosh reads a segment's files through views of one memory map instead of private copies.

Whoosh 2.7.4 maps a segment's compound file into memory and hands out each file in it as a ``BufferFile``,
whose ``__init__`` wraps the mapped bytes in ``io.BytesIO``: a copy of the whole file (terms, postings,
stored fields) each time a reader opens it. Every searcher opens its own readers (they are not shared
across threads), so a server thread's first search copied the index (0.4 s of CPU for the 41,242-article
FANG-COVID index, and 4 threads doing it at once under load took 5 s). :class:`_View` reads the mapped
bytes in place; the page cache holds the index once for every process and thread.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

from whoosh.filedb import structfile


class _View:
    """A read-only, seekable file over a buffer (``memoryview`` or ``bytes``), without copying it."""

    __slots__ = ("_buf", "_pos", "closed")

    def __init__(self, buf: memoryview | bytes):
        self._buf = buf
        self._pos = 0
        self.closed = False

    def read(self, n: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if n is None or n < 0 else min(start + n, len(self._buf))
        self._pos = max(start, end)
        return bytes(self._buf[start:end])

    def readinto(self, b: bytearray | memoryview) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, limit: int = -1) -> bytes:
        start = self._pos
        end = len(self._buf) if limit is None or limit < 0 else min(start + limit, len(self._buf))
        chunk = bytes(self._buf[start:end])
        cut = chunk.find(b"\n")
        line = chunk if cut < 0 else chunk[: cut + 1]
        self._pos = start + len(line)
        return line

    def __iter__(self) -> Iterator[bytes]:  # lines, like a file
        while line := self.readline():
            yield line

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and pos < 0:
            raise ValueError(f"negative seek value {pos}")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        self._pos = max(0, base + pos)  # like BytesIO: relative seeks stop at the start
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self.closed = True


def _buffer_file_init(
    self: structfile.BufferFile,
    buf: bytes | memoryview,
    name: str | None = None,
    onclose: Callable[[structfile.BufferFile], None] | None = None,
) -> None:  # Whoosh's signature
    self._buf = buf
    self._name = name
    self.file = _View(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def share_mapped_files() -> None:
    """Make Whoosh's ``BufferFile`` read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init
