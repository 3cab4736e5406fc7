"""Files -> :class:`Article`: decoding, normalisation, metadata, titles and skip reasons.

The only module that reads article files. Everything later in the pipeline can trust that the text is
NFC-normalised Unicode without soft hyphens or exotic spaces, and that every article has an id and a title.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.core.models import Article, Skipped
from search.core.settings import DATA_DIR
from search.enrich.dateplaces import date_from_first_line, date_from_path, is_date_line
from search.enrich.dates import check_publication_date
from search.enrich.headers import is_header_line, read_header
from search.text.sentences import sentence_spans

SIDECAR_NAME = "metadata.json"
CORRECTIONS_FILE = "corrections.txt"  # top of the articles folder: the user's entity corrections
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped with a reason, never loaded whole
TITLE_MAX_CHARS = 140  # a title derived from the text: its first sentence, shortened at a word
# Caps for metadata values (sidecar or header), see README "Articles". A longer title is shortened at a
# word (a real headline is far shorter; 200,000 characters made a 407 KB page); a longer source or url is
# dropped with a warning (cut, it would be a wrong facet value or a broken link).
META_TITLE_MAX_CHARS = 300
SOURCE_MAX_CHARS = 100
URL_MAX_CHARS = 2048
# A sidecar is read whole and parsed: at most this size (1,000 entries take about 250 KB) and this
# nesting depth (an entry is an object in an object: depth 2; deeper values are extras nobody reads).
MAX_SIDECAR_BYTES = 32 * 1024 * 1024
MAX_SIDECAR_DEPTH = 16

# Characters folded away or into a plain space before anything else sees the text.
_SPACE_LIKE = dict.fromkeys(
    map(ord, "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u3000"), " "
)
_REMOVED = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_CAPTION = re.compile(
    r"(?:^|\s)(?:Foto|Fotos|Bild|Bildquelle|Grafik|Archivbild|Archivfoto)\s*:", re.IGNORECASE
)
# A caption line inside a paragraph (a single newline before the text): it opens with the credit word or
# ends with the credit after a sentence ("... in Berlin. Foto: Kay Nietfeld/dpa"); "Das zeigt ein Bild: Der
# Kanzler lacht." is text (the word is not at a sentence start).
_CAPTION_WORDS = r"(?:Fotos?|Bild|Bildquelle|Grafik|Archivbild|Archivfoto)"
_CAPTION_LINE = re.compile(
    rf"\A(?:{_CAPTION_WORDS}\s*:"
    rf"|.{{0,300}}?(?:[.!?\"“”»)]\s+|\s[(\[]){_CAPTION_WORDS}\s*:\s*[^!?:\n]{{1,80}}\Z)"
)
_DATELINE = re.compile(r"\A(?P<place>[^\W\d][\w./ -]{0,60}?)\s*\((?P<agency>[^()]{1,30})\)\s*[-–—]\s+")
_CREDIT = re.compile(r"\A[(\[]?\s*(?P<agency>[^\W\d][\w /,-]{0,40}?)\s*[)\]]?\Z")


class ArticleError(Exception):
    """Raised for a file that cannot become an article; the message is the skip reason."""


@dataclass
class Metadata:
    """Metadata for one article from the sidecar file or the inline header (all optional)."""

    title: str | None = None
    date: str | None = None
    source: str | None = None
    url: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class FileIdentity:
    """The file a scan hashed: its path inside the articles folder (a link's target) and its inode.

    The reader opens ``target`` again and refuses anything but this same file (see :func:`read_inside`).
    """

    target: str  # POSIX path relative to the articles folder, with no link in it
    dev: int
    ino: int


def open_inside(root: Path, rel: str) -> int:
    """A read-only descriptor for ``root/rel`` that follows no link below ``root`` (OSError otherwise).

    Why: a check of the path and a later ``open()`` are two moments; a file swapped for a link in between
    was followed (``/etc/passwd`` was indexed and served). Every folder on the way is opened with
    ``O_NOFOLLOW`` relative to the previous one, so a link anywhere below ``root`` fails with ``ELOOP``.
    ``O_NONBLOCK``: a FIFO put in its place opens at once (and is refused as not a regular file).
    """
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        *folders, name = rel.split("/")
        for part in folders:
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)


def opening_failed(exc: OSError) -> str:
    """The skip reason for a file :func:`open_inside` could not open."""
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return "became a link during the reindex (links are not followed here)"
    return f"unreadable ({exc.strerror or exc})"


def too_large(size: int, limit: int = MAX_FILE_BYTES) -> str:
    """The skip reason for a file over ``limit`` bytes."""
    return f"too large ({-(-size // (1024 * 1024))} MB > {limit // (1024 * 1024)} MB)"  # size rounded up


def read_inside(
    root: Path, rel: str, expect: FileIdentity | None = None, limit: int = MAX_FILE_BYTES
) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``root/rel`` (no link followed) and the ``fstat`` of what was read.

    Raises :class:`ArticleError` with the reason: a link, not a regular file, not the file ``expect``
    names (replaced since the scan), more than ``limit`` bytes (also when it grew while being read).
    """
    try:
        fd = open_inside(root, rel)
    except OSError as exc:
        raise ArticleError(opening_failed(exc)) from exc
    with open(fd, "rb") as fh:  # closes fd
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ArticleError("not a regular file")
        if expect is not None and (st.st_dev, st.st_ino) != (expect.dev, expect.ino):
            raise ArticleError("replaced by another file during the reindex (the next run reads it)")
        if st.st_size > limit:
            raise ArticleError(too_large(st.st_size, limit))
        try:
            raw = fh.read(limit + 1)
        except OSError as exc:
            raise ArticleError(f"unreadable ({exc.strerror or exc})") from exc
    if len(raw) > limit:
        raise ArticleError(too_large(len(raw), limit))
    return raw, st


def inside_target(path: Path, root: Path) -> str:
    """``path`` (perhaps a link) resolved, as a path relative to ``root``; ArticleError when it leaves it."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise ArticleError("unreadable (broken link or vanished)") from exc
    if not real.is_relative_to(root):
        raise ArticleError("link points outside the articles folder")
    return real.relative_to(root).as_posix()


@lru_cache(maxsize=1)
def _agencies() -> dict[str, str]:
    lines = (DATA_DIR / "agencies.txt").read_text(encoding="utf-8").splitlines()
    names = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return {name.lower(): name for name in names}


def agency_name(raw: str) -> str | None:
    """Canonical agency credit for ``raw`` (``"Apa/Dpa"`` -> ``"APA/dpa"``), None if any part is unknown."""
    parts = [p.strip() for p in re.split(r"[/,]|\bund\b", raw) if p.strip()]
    known = _agencies()
    if not parts or any(p.lower() not in known for p in parts):
        return None
    return "/".join(known[p.lower()] for p in parts)


def normalize_text(text: str) -> str:
    """NFC, LF line ends, no soft hyphens or zero-width characters, odd spaces folded to a plain space."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_REMOVED).translate(_SPACE_LIKE)
    text = _CONTROL.sub("", text)
    return unicodedata.normalize("NFC", text)


def decode(raw: bytes) -> tuple[str, str, list[str]]:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 with a warning.

    Returns ``(text, encoding, warnings)``; raises :class:`ArticleError` for binary content.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise ArticleError(f"broken UTF-16 ({exc.reason})") from exc
    if b"\x00" in raw[:8192]:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        text = raw.decode("cp1252", errors="replace")
        warning = f"not valid UTF-8 (byte {exc.start}); read as Windows-1252/Latin-1"
    controls = sum(1 for ch in text[:4096] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    if controls > max(8, len(text[:4096]) // 50):
        raise ArticleError("binary file (not text in any supported encoding)")
    return text, "cp1252", [warning]


def parse_date(value: str) -> tuple[dt.date, str]:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> (first day, precision); ValueError when malformed."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value or "")
    if not m:
        raise ValueError(f"not a date (expected YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    precision = "day" if m.group(3) else "month" if m.group(2) else "year"
    try:
        return dt.date(year, month, day), precision
    except ValueError as exc:
        raise ValueError(f"impossible date {value.strip()!r} ({exc})") from exc


# A paragraph: lines up to a line that is blank. The look-ahead stops at the next line end (``\s*\n`` ran
# through every blank line that follows: quadratic in a file of whitespace lines).
_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?![^\S\n]*\n)[^\n]+)*")


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    for m in _PARAGRAPH.finditer(text):
        yield m.start(), m.end()


def derive_title_and_source(text: str) -> tuple[str, str | None]:
    """The first real sentence as title (no photo caption, no dateline) and the agency named in the text."""
    source = None
    title = ""
    for start, end in _paragraphs(text):
        para = text[start:end].strip()
        if "\n" not in para and (_CAPTION.search(para) or is_date_line(para)):
            continue
        para = _without_leading_lines(para)
        if not para:
            continue
        m = _DATELINE.match(para)
        if m:
            agency = agency_name(m.group("agency"))
            if agency:
                source = source or agency
                para = para[m.end() :]
        credit = _CREDIT.match(para)
        if credit and agency_name(credit.group("agency")):
            continue
        first = next(sentence_spans(para), None)  # the first sentence only: a paragraph may be megabytes
        if first is None:
            continue
        s, e = first
        title = para[s:e]
        break
    source = source or _trailing_credit(text)
    return _shorten(title), source


def _without_leading_lines(para: str) -> str:
    """``para`` without the lines at its top that are no title: photo captions, date lines, agency credits,
    header-like lines left in the text (each on a line of its own, a single newline before the text)."""
    start = 0
    while (end := para.find("\n", start)) >= 0:
        line = para[start:end].strip()
        credit = _CREDIT.match(line)
        if not (
            not line
            or _CAPTION_LINE.match(line)
            or is_date_line(line)
            or is_header_line(line)
            or (credit and agency_name(credit.group("agency")))
        ):
            break
        start = end + 1
    return para[start:].strip()


def _trailing_credit(text: str) -> str | None:
    """Agency named in a credit line at the end (``(APA/dpa)``), after a blank line or a single newline."""
    last = text[text.rfind("\n") + 1 :].strip()
    m = _CREDIT.match(last)
    return agency_name(m.group("agency")) if m and len(last) <= 45 else None


def _shorten(title: str, limit: int = TITLE_MAX_CHARS) -> str:
    title = re.sub(r"\s+", " ", title).strip()
    if len(title) <= limit:
        return title
    cut = title.rfind(" ", 0, limit - 1)
    return title[: cut if cut > 40 else limit - 1].rstrip(",;:–- ") + " …"


def read_sidecar(folder: Path, root: Path | None = None) -> tuple[dict[str, Metadata], list[str]]:
    """Read ``metadata.json`` of ``folder``: ``{"<id>": {"title", "date", "source", "url", ...}}``.

    Read like an article: no link out of ``root`` (the articles folder; default ``folder``) is followed,
    at most ``MAX_SIDECAR_BYTES`` and ``MAX_SIDECAR_DEPTH`` levels of nesting. A sidecar that breaks a
    rule is ignored with a warning; the folder's articles are indexed without it.
    """
    root = Path(root or folder).resolve()
    path = folder / SIDECAR_NAME
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else SIDECAR_NAME
    try:
        path.lstat()
    except OSError:
        return {}, []
    try:
        raw, _ = read_inside(root, inside_target(path, root), limit=MAX_SIDECAR_BYTES)
        data = _load_json(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("top level must be an object keyed by article id")
    except ArticleError as exc:
        return {}, [f"{name}: ignored ({exc})"]
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError too
        return {}, [f"{name}: ignored ({exc})"]
    out: dict[str, Metadata] = {}
    warnings: list[str] = []
    for key, entry in data.items():
        if not isinstance(entry, dict):
            continue
        known: dict[str, str] = {}
        for k in ("title", "date", "source", "url"):
            value = entry.get(k)
            if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "":
                known[k] = str(value)
            elif value not in (None, ""):
                warnings.append(f"{name}: {key}: {k} ignored (not a text)")
        extra = {k: v for k, v in entry.items() if k not in known}
        out[str(key)] = Metadata(**known, extra=extra)
    return out, warnings


_ESCAPED = re.compile(r"\\\\|\\\"")  # an escaped backslash or quote
_JSON_STRING = re.compile(r'"[^"]*"')
# outside strings: what valid JSON has besides brackets goes; braces count as brackets (depth is depth)
_STRUCTURE = str.maketrans("{}", "[]", ",: \t\n\r0123456789+-.eEtruefalsn")


def _load_json(text: str) -> object:
    """``json.loads`` after a check of the nesting depth (ValueError beyond ``MAX_SIDECAR_DEPTH``).

    Why a check first: deep nesting made ``json.loads`` raise RecursionError, which crashed the reindex.
    The check is a few linear passes in C: strings removed (escapes first, so every remaining quote
    delimits one), everything but the brackets, then the innermost empty pairs, one level per pass.
    """
    brackets = _JSON_STRING.sub("", _ESCAPED.sub("", text)).translate(_STRUCTURE)
    levels = 0
    while brackets and levels <= MAX_SIDECAR_DEPTH:
        reduced = brackets.replace("[]", "")
        if reduced == brackets:
            break  # not JSON: json.loads says where (unless it opens too many levels)
        brackets, levels = reduced, levels + 1
    if levels + brackets.count("[") > MAX_SIDECAR_DEPTH:
        raise ValueError(f"nested more than {MAX_SIDECAR_DEPTH} levels deep")
    try:
        return json.loads(text)
    except RecursionError:  # cannot happen after the check; never a traceback either way
        raise ValueError(f"nested more than {MAX_SIDECAR_DEPTH} levels deep") from None


def article_id(path: Path) -> str:
    """The document id: the file name without ``.txt``."""
    return path.name[:-4] if path.name.lower().endswith(".txt") else path.stem


def iter_article_files(root: Path) -> Iterator[Path | Skipped]:
    """Every ``*.txt`` below ``root`` in a stable order; symlinks that leave the folder are skipped, and so
    is ``corrections.txt`` at the top (:mod:`search.enrich.entities.corrections`)."""
    root = root.resolve()
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() != ".txt" or any(
            part.startswith(".") for part in path.relative_to(root).parts
        ):
            continue
        rel = path.relative_to(root).as_posix()
        if rel == CORRECTIONS_FILE:  # the user's corrections of persons and countries, no article
            continue
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            yield Skipped(rel, "unreadable (broken link or vanished)")
            continue
        if not real.is_relative_to(root):
            yield Skipped(rel, "link points outside the articles folder")
            continue
        if real.is_file():
            yield path


def read_article(
    path: Path, root: Path, meta: Metadata | None = None, identity: FileIdentity | None = None
) -> Article:
    """Read and normalise one article file; raises :class:`ArticleError` with the reason to skip it.

    No link out of ``root`` is followed, at any moment (:func:`read_inside`); with ``identity`` (from the
    scan) only that same file is read. The article's ``read_stat`` is the ``fstat`` of what was read.
    """
    real_root = root.resolve()
    # a link inside the folder is an article of its own name, not a second copy of its target's id
    rel = path.relative_to(root) if path.is_relative_to(root) else path.resolve().relative_to(real_root)
    target = identity.target if identity is not None else inside_target(path, real_root)
    raw, st = read_inside(real_root, target, identity)
    article = parse_article(raw, rel.as_posix(), meta)
    return dataclasses.replace(article, read_stat=(st.st_size, st.st_mtime_ns, st.st_ino))


def parse_article(raw: bytes, rel_path: str, meta: Metadata | None = None) -> Article:
    """Bytes of one article -> :class:`Article` (pure: used by the reader and by tests)."""
    text, encoding, warnings = decode(raw)
    text = normalize_text(text)
    read = read_header(text)
    header, text = read.fields, read.text.strip()
    warnings.extend(read.warnings)
    if not text:
        raise ArticleError("empty file")
    meta = meta or Metadata()
    derived_title, derived_source = derive_title_and_source(text)
    title = (meta.title or header.get("title") or "").strip()
    if len(title) > META_TITLE_MAX_CHARS:
        warnings.append(f"title shortened ({len(title):,} characters > {META_TITLE_MAX_CHARS})")
        title = _shorten(title, META_TITLE_MAX_CHARS)
    title = title or derived_title or Path(rel_path).stem
    date = date_precision = None
    date_value = meta.date or header.get("date")
    if date_value:
        try:
            date, date_precision = parse_date(date_value)
            check_publication_date(date)
        except ValueError as exc:
            date = date_precision = None
            warnings.append(f"ignored date: {exc}")
    if date is None:  # where archives without metadata keep it: the path, a date line (not an estimate)
        date, date_precision = date_from_path(rel_path) or date_from_first_line(text) or (None, None)
    source = _capped("source", SOURCE_MAX_CHARS, warnings, meta.source, header.get("source"))
    return Article(
        id=article_id(Path(rel_path)),
        path=rel_path,
        text=text,
        title=normalize_text(title),
        title_derived=not (meta.title or header.get("title")),
        content_hash=hashlib.sha256(raw).hexdigest(),
        date=date,
        date_precision=date_precision,
        source=source or derived_source,
        url=_capped("url", URL_MAX_CHARS, warnings, meta.url, header.get("url")),
        encoding=encoding,
        warnings=tuple(f"{rel_path}: {w}" for w in warnings),
    )


def _capped(name: str, limit: int, warnings: list[str], *values: str | None) -> str | None:
    """The first of ``values`` (sidecar, header) within ``limit`` characters; a longer one is dropped with
    a warning (cut, a source would be a wrong facet value and a url a broken link)."""
    for value in values:
        if value and len(value) > limit:
            warnings.append(f"ignored {name}: {len(value):,} characters > {limit}")
        elif value:
            return value
    return None
