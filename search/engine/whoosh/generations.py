"""The index folder: generations, the atomic ``CURRENT`` pointer and the reindex lock.

Why a module of its own: readers (:mod:`search.engine.whoosh.store`, :mod:`search.engine.whoosh.articles`)
need to find the live generation and read its JSON files, and must not import the writer (its ingest,
enrichment and worker processes) to do so. The writer (:mod:`search.engine.whoosh.indexer`) uses the rest:
a new generation folder, publishing it, removing old ones, and the lock.

Layout of the index folder::

    index/CURRENT            "gen-000007" — replaced atomically with os.replace
    index/gen-000007/        a complete Whoosh index + manifest.json (path -> id, hash, size, mtime),
                             meta.json (format, parent generation, article count) and
                             persons.json (canonical persons with their aliases)
    index/.reindex.lock      flock()ed by the running reindex (released by the OS if it dies)

Trust: Whoosh unpickles the segment list of a generation, so whoever can write the index folder can run
code in the server that opens it. A reindex creates every file and folder without write permission for
group and others, whatever the umask (:func:`private_files`), and refuses an index folder, ``CURRENT`` or
live generation that group or others can write (:func:`check_private`). Never serve an index folder you did
not build.

A reindex never modifies the live generation. An incremental run hard-links the live generation's files
into a new folder (Whoosh never rewrites a file in place), applies deletions and additions there, and flips
``CURRENT``; a full run builds the new folder from nothing. A run killed at any moment leaves ``CURRENT``
pointing at the previous, complete generation; leftovers are removed by the next run.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from search.core.errors import ReindexError, ReindexLocked

POINTER = "CURRENT"
GEN_PREFIX = "gen-"
LOCK_NAME = ".reindex.lock"
MANIFEST = "manifest.json"
META = "meta.json"
PERSONS = "persons.json"  # canonical persons with aliases, to keep names consistent across runs
CORRECTIONS = "corrections.txt"  # the user's corrections this generation was built with (entity pages)
SIGNATURES = "minhash.npz"  # the articles' near-duplicate signatures (search.engine.whoosh.grouping)
GROUPS = "duplicates.json"  # the near-duplicate groups found over them
KEEP_PREVIOUS = 2  # older generations kept for readers that still have them open
# Bump when analysis or schema change in a way that makes old generations incompatible: the next
# reindex then rebuilds fully instead of mixing old and new documents.
INDEX_FORMAT = 4  # 3: person_mentions / country_mentions fields; 4: the analyzer pickled in the schema moved to search.engine.whoosh.analyzer

_lock_fd: int | None = None  # the reindex lock held by this process (workers must not keep it alive)
_lock_pid: int | None = None  # the process that took it: the parent of every child forked meanwhile


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder named by ``CURRENT``, or None when there is none yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReindexError(f"cannot read {index_dir / POINTER}: {exc.strerror}") from exc
    path = index_dir / name
    if not name.startswith(GEN_PREFIX) or "/" in name or not path.is_dir():
        return None
    return path


def read_json(path: Path, default: object) -> object:
    """The JSON value in ``path``, or ``default`` when it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def write_json(path: Path, data: object) -> None:
    """Write ``data`` as JSON through a temporary file, replaced atomically."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------- lock


@contextmanager
def reindex_lock(index_dir: Path) -> Iterator[None]:
    """Hold the reindex lock; a second reindex refuses instead of waiting or corrupting anything.

    ``flock`` is released by the kernel when the holder dies, so a killed reindex never leaves a stale lock.
    The lock file is opened without following a link (a link there made the reindex truncate its target)
    and must be a regular file. While the lock is held, files are created private (:func:`private_files`),
    and the index folder must be private (:func:`check_private`, checked once the lock is taken).
    """
    path = index_dir / LOCK_NAME
    with private_files():
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise ReindexError(
                    f"the lock file {path} is a symbolic link; refusing to follow it (remove it)"
                ) from exc
            raise ReindexError(f"cannot create the lock file {path}: {exc.strerror}") from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ReindexError(
                    f"the lock file {path} is not a regular file; refusing to use it (remove it)"
                )
            with _locked(fd, index_dir):
                check_private(index_dir)
                yield
        finally:
            os.close(fd)


@contextmanager
def _locked(fd: int, index_dir: Path) -> Iterator[None]:
    """Take the lock on ``fd`` (ReindexLocked when another process has it) and write our pid into it."""
    global _lock_fd, _lock_pid
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise ReindexLocked(
                f"another reindex is running (pid {holder}) on {index_dir}; wait for it to finish"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _lock_fd, _lock_pid = fd, os.getpid()
        yield
    finally:
        _lock_fd = None


@contextmanager
def private_files() -> Iterator[None]:
    """Files and folders created meanwhile get no write permission for group and others (umask 022 added).

    Why: under umask 000 the index was created 0666/0777, and whoever can write it runs code in the server
    (Whoosh unpickles its files). The umask is per process: a reindex is the only writer of its index.
    """
    old = os.umask(0o022)
    os.umask(old | 0o022)
    try:
        yield
    finally:
        os.umask(old)


def check_private(index_dir: Path) -> None:
    """Refuse (ReindexError) an index folder, ``CURRENT`` or live generation that group or others can write.

    Whoever can write them can make the server load a pickle of their choosing: such a folder is not ours.
    """

    def refuse(path: Path, what: str) -> None:
        raise ReindexError(
            f"refusing the index folder {index_dir}: {path} {what}; whoever can change it can run code"
            f" in the search server. Fix: chmod -R go-w {index_dir} (or remove the folder and reindex)"
        )

    def check(path: Path, kind: str) -> None:
        try:
            st = os.lstat(path) if path != index_dir else os.stat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise ReindexError(f"cannot check {path}: {exc.strerror}") from exc
        if stat.S_ISLNK(st.st_mode) or (kind == "dir") != stat.S_ISDIR(st.st_mode):
            refuse(path, f"is not a {'folder' if kind == 'dir' else 'regular file'}")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            refuse(path, f"is writable by group or others (mode {stat.S_IMODE(st.st_mode):04o})")

    check(index_dir, "dir")
    check(index_dir / POINTER, "file")
    live = current_generation(index_dir)
    if live is not None:
        check(live, "dir")
        for entry in os.scandir(live):
            check(Path(entry.path), "dir" if entry.is_dir(follow_symlinks=False) else "file")


def holds_lock_descriptor() -> bool:
    """Whether this process has the lock's descriptor: it holds the lock, or was forked while it was held."""
    return _lock_fd is not None


def close_inherited_lock() -> None:
    """In a child forked while the lock was held: close the child's copy of the lock's descriptor.

    The parent's lock stays; a child orphaned by a kill -9 of the reindex must not keep it alive.
    """
    global _lock_fd
    if _lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(_lock_fd)
        _lock_fd = None


def lock_holder() -> int | None:
    """The process that last took the lock here: the reindex, the parent of every child forked meanwhile."""
    return _lock_pid


# ------------------------------------------------------------------------------------ generation folders


def next_generation(index_dir: Path) -> Path:
    """The folder for a new generation, numbered after every existing one (not created yet)."""
    numbers = [
        int(p.name[len(GEN_PREFIX) :])
        for p in index_dir.glob(GEN_PREFIX + "*")
        if p.name[len(GEN_PREFIX) :].isdigit()
    ]
    return index_dir / f"{GEN_PREFIX}{max(numbers, default=0) + 1:06d}"


#: Files each generation writes anew (never linked: a link would let the new generation write into the live one).
OWN_FILES = (MANIFEST, META, PERSONS, CORRECTIONS, SIGNATURES, GROUPS)


def link_copy(src: Path, dst: Path) -> None:
    """Hard-link a generation's Whoosh files into ``dst`` (copy where links are not possible)."""
    dst.mkdir()
    for f in src.iterdir():
        if f.name in OWN_FILES or f.name.endswith("LOCK") or not f.is_file():
            continue
        try:
            os.link(f, dst / f.name)
        except OSError:
            shutil.copy2(f, dst / f.name)


def fsync_tree(folder: Path) -> None:
    """Flush every file of ``folder`` and the folder itself to disk."""
    for f in folder.iterdir():
        if f.is_file():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def flip_pointer(index_dir: Path, generation: Path) -> None:
    """Make ``generation`` the live one: replace ``CURRENT`` atomically and durably."""
    tmp = index_dir / (POINTER + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(generation.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / POINTER)
    fd = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def cleanup(index_dir: Path, live: Path | None) -> None:
    """Remove unfinished generations and all but the newest ``KEEP_PREVIOUS`` older ones."""
    gens = sorted(p for p in index_dir.glob(GEN_PREFIX + "*") if p.is_dir())
    if live is None:
        return
    older = [g for g in gens if g.name < live.name and (g / META).is_file()]
    doomed = [g for g in gens if g.name > live.name or not (g / META).is_file()]
    doomed += older[: max(0, len(older) - KEEP_PREVIOUS)]
    for g in doomed:
        if g != live:
            shutil.rmtree(g, ignore_errors=True)
