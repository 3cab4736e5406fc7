"""What a reindex has to do: the articles folder compared with the live generation's manifest.

Why a module of its own: deciding *which* files to read is cheap and must stay cheap (a no-op run reads
no article), while preparing them is the expensive part (:mod:`search.engine.whoosh.workers`) and writing
them is the writer's (:mod:`search.engine.whoosh.indexer`). The plan is the contract between the three:
the files to (re)index as :class:`Job` objects, the ids to delete, and the new manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from search.core.models import Skipped
from search.enrich.ingest import (
    MAX_FILE_BYTES,
    ArticleError,
    FileIdentity,
    Metadata,
    article_id,
    inside_target,
    iter_article_files,
    open_inside,
    opening_failed,
    read_sidecar,
    too_large,
)


@dataclass(frozen=True)
class Job:
    """A file to (re)index: read and analysed later, in a worker when there are many."""

    path: Path
    root: Path
    rel: str
    meta: Metadata | None
    identity: FileIdentity | None = None  # the file the scan hashed: the reader reads only that one


@dataclass
class Plan:
    """What one run does. The writer adds the files that turn out unreadable to ``skipped``."""

    add: list[Job]  # files to (re)index
    remove: list[str]  # ids to delete
    manifest: dict[str, dict]  # the new manifest (path -> entry)
    skipped: list[Skipped]
    warnings: list[str]
    unchanged: int
    old_ids: set[str]


def scan(articles_dir: Path, old: dict[str, dict], full: bool, force: set[str] | None = None) -> Plan:
    """Compare the folder with the previous manifest; the ids in ``force`` are planned even when unchanged
    (articles a changed correction applies to).

    Files whose size, mtime, inode and metadata are unchanged are not read at all; the others are hashed
    (streamed, never held in memory) and only those whose content or metadata changed are planned. A file
    is hashed as the reader will read it (:func:`search.enrich.ingest.open_inside`: no link followed), and
    the manifest records the ``fstat`` of the file hashed, later of the file read (the writer updates it).
    """
    new_manifest: dict[str, dict] = {}
    add: list[Job] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    unchanged = 0
    seen_ids: dict[str, str] = {}
    sidecars: dict[Path, dict[str, Metadata]] = {}
    root = articles_dir.resolve()
    for item in iter_article_files(root):
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        rel = item.relative_to(root).as_posix()
        doc_id = article_id(item)
        if doc_id in seen_ids:
            skipped.append(Skipped(rel, f"duplicate id {doc_id!r} (also {seen_ids[doc_id]})"))
            continue
        folder = item.parent
        if folder not in sidecars:
            sidecars[folder], sidecar_warnings = read_sidecar(folder, root)
            warnings.extend(sidecar_warnings)
        meta = sidecars[folder].get(doc_id)
        meta_sig = json.dumps(meta.__dict__, sort_keys=True, default=str) if meta else ""
        try:
            st = item.stat()
        except OSError as exc:
            skipped.append(Skipped(rel, f"unreadable ({exc.strerror})"))
            continue
        prev = old.get(rel)
        same_meta = bool(prev) and prev.get("meta") == meta_sig
        forced = force is not None and doc_id in force
        if (
            not full
            and not forced
            and same_meta
            and prev.get("size") == st.st_size
            and prev.get("mtime_ns") == st.st_mtime_ns
            and prev.get("ino", st.st_ino) == st.st_ino  # manifests before the inode was recorded: no ino
        ):
            new_manifest[rel] = prev
            seen_ids[doc_id] = rel
            unchanged += 1
            continue
        if st.st_size > MAX_FILE_BYTES:
            skipped.append(Skipped(rel, too_large(st.st_size)))
            continue
        try:
            digest, identity, st = _hash_inside(root, item)
        except ArticleError as exc:
            skipped.append(Skipped(rel, str(exc)))
            continue
        seen_ids[doc_id] = rel
        new_manifest[rel] = {
            "id": doc_id,
            "hash": digest,
            "size": st.st_size,
            "mtime_ns": st.st_mtime_ns,
            "ino": st.st_ino,
            "meta": meta_sig,
        }
        if not full and not forced and same_meta and prev.get("hash") == digest:
            unchanged += 1  # touched but identical: no analysis
            continue
        add.append(Job(item, root, rel, meta, identity))
    old_ids = {entry["id"] for entry in old.values()}
    new_ids = {entry["id"] for entry in new_manifest.values()}
    remove = [] if full else sorted(old_ids - new_ids)
    return Plan(add, remove, new_manifest, skipped, warnings, unchanged, set() if full else old_ids)


def _hash_inside(root: Path, item: Path) -> tuple[str, FileIdentity, os.stat_result]:
    """The sha256 of ``item`` read as the reader reads it (no link followed), its identity and ``fstat``;
    ArticleError with the skip reason."""
    target = inside_target(item, root)
    try:
        fd = open_inside(root, target)
    except OSError as exc:
        raise ArticleError(opening_failed(exc)) from exc
    try:
        with open(fd, "rb") as fh:  # closes fd
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ArticleError("not a regular file")
            if st.st_size > MAX_FILE_BYTES:
                raise ArticleError(too_large(st.st_size))
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise ArticleError(f"unreadable ({exc.strerror or exc})") from exc
    return digest, FileIdentity(target, st.st_dev, st.st_ino), st
