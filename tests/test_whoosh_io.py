"""Searchers read the memory-mapped index in place (search.whoosh_io), and read it exactly as before."""

from __future__ import annotations

import io
import mmap
import pickle
import threading
from array import array
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from whoosh.filedb.structfile import BufferFile

from search.core.models import SearchRequest
from search.engine.whoosh.mapped_io import _View
from search.engine.whoosh.searcher import search
from search.engine.whoosh.store import IndexStore


def test_a_searcher_reads_segments_through_views_not_copies(seed_index: Path) -> None:
    """Each thread opens its own searcher; none of them copies the segment files (BytesIO would)."""
    store = IndexStore(seed_index)
    seen: list = []

    def open_and_search() -> None:
        resp = search(store, SearchRequest(q="Regierung"))
        assert resp.total > 0
        gen = store.current()
        stored = gen.searcher().reader()
        for leaf, _ in stored.leaf_readers():
            dbfile = leaf._storage.open_file(leaf._segment.make_filename(".trm"))
            view = dbfile.file
            # a view of the segment's one memory map, not a copy of its bytes
            seen.append((type(view), type(getattr(getattr(view, "_buf", None), "obj", None))))

    threads = [threading.Thread(target=open_and_search) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen and all(kinds == (_View, mmap.mmap) for kinds in seen), seen
    assert isinstance(BufferFile(b"abc").file, _View)


@given(
    data=st.binary(max_size=300),
    ops=st.lists(
        st.tuples(
            st.sampled_from(["read", "readline", "seek", "tell", "readinto"]),
            st.integers(-5, 320),
            st.sampled_from([io.SEEK_SET, io.SEEK_CUR, io.SEEK_END]),
        ),
        max_size=30,
    ),
)
def test_view_reads_like_bytesio(data: bytes, ops: list[tuple[str, int, int]]) -> None:
    """Any sequence of reads, line reads and seeks gives what ``io.BytesIO`` gives."""
    view, ref = _View(memoryview(data)), io.BytesIO(data)
    for op, n, whence in ops:
        if op == "read":
            assert view.read(n) == ref.read(n)
        elif op == "readline":
            assert view.readline(n) == ref.readline(n)
        elif op == "readinto":
            a, b = bytearray(max(n, 0)), bytearray(max(n, 0))
            assert view.readinto(a) == ref.readinto(b) and a == b
        elif op == "seek":
            target = n if whence == io.SEEK_SET else n - 2
            try:
                expected = ref.seek(target, whence)
            except ValueError:  # a negative position: refused by both
                with pytest.raises(ValueError):
                    view.seek(target, whence)
                continue
            assert view.seek(target, whence) == expected
        assert view.tell() == ref.tell()


def test_view_serves_pickles_arrays_and_lines() -> None:
    """What Whoosh reads through ``StructFile``: pickles, arrays (``fromfile``) and lines."""
    payload = pickle.dumps({"a": [1, 2, 3]}) + array("i", [7, 8, 9]).tobytes() + b"x\ny\n"
    f = BufferFile(memoryview(payload))
    assert pickle.load(f.file) == {"a": [1, 2, 3]}
    a = array("i")
    a.fromfile(f.file, 3)
    assert list(a) == [7, 8, 9]
    assert list(f.file) == [b"x\n", b"y\n"]
