"""Files -> :class:`Article`: decoding, normalisation, metadata, titles and skip reasons.

The only module that reads article files. Everything later in the pipeline can trust that the text is
NFC-normalised Unicode without soft hyphens or exotic spaces, and that every article has an id and a title.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from search.core.models import Article, Skipped
from search.core.settings import DATA_DIR
from search.text.sentences import sentence_spans

SIDECAR_NAME = "metadata.json"
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are skipped with a reason, never loaded whole
TITLE_MAX_CHARS = 140

# Characters folded away or into a plain space before anything else sees the text.
_SPACE_LIKE = dict.fromkeys(
    map(ord, "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u3000"), " "
)
_REMOVED = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# " date 2018-05 Knapp zwei ..." — header fields stand on the same line as the text.
_HEADER_FIELD = re.compile(
    r"\A[ \t]*(?P<key>date|datum|source|quelle|url)[ \t]+(?P<value>\S+)[ \t]+",
)
_HEADER_VALUE = {
    "date": re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?\Z"),
    "source": re.compile(r"[\w/.-]{1,40}\Z"),
    "url": re.compile(r"https?://\S+\Z"),
}
_HEADER_KEYS = {"datum": "date", "quelle": "source"}

_CAPTION = re.compile(
    r"(?:^|\s)(?:Foto|Fotos|Bild|Bildquelle|Grafik|Archivbild|Archivfoto)\s*:", re.IGNORECASE
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


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Remove an inline metadata header (``date 2018-05 ...``) from the start of ``text``."""
    found: dict[str, str] = {}
    while True:
        m = _HEADER_FIELD.match(text)
        if not m:
            break
        key = _HEADER_KEYS.get(m.group("key"), m.group("key"))
        if key in found or not _HEADER_VALUE[key].match(m.group("value")):
            break
        found[key] = m.group("value")
        text = text[m.end() :]
    return found, text


def parse_date(value: str) -> tuple[dt.date, str]:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` -> (first day, precision); ValueError when malformed."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", value or "")
    if not m:
        raise ValueError(f"not a date (expected YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    precision = "day" if m.group(3) else "month" if m.group(2) else "year"
    return dt.date(year, month, day), precision


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    for m in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        yield m.start(), m.end()


def derive_title_and_source(text: str) -> tuple[str, str | None]:
    """The first real sentence as title (no photo caption, no dateline) and the agency named in the text."""
    source = None
    title = ""
    for start, end in _paragraphs(text):
        para = text[start:end].strip()
        if not para or _CAPTION.search(para):
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
        spans = list(sentence_spans(para))
        if not spans:
            continue
        s, e = spans[0]
        title = para[s:e]
        break
    source = source or _trailing_credit(text)
    return _shorten(title), source


def _trailing_credit(text: str) -> str | None:
    """Agency named in a credit line at the end (``(APA/dpa)``)."""
    paras = list(_paragraphs(text))
    if not paras:
        return None
    last = text[paras[-1][0] : paras[-1][1]].strip()
    m = _CREDIT.match(last)
    return agency_name(m.group("agency")) if m and len(last) <= 45 else None


def _shorten(title: str) -> str:
    title = re.sub(r"\s+", " ", title).strip()
    if len(title) <= TITLE_MAX_CHARS:
        return title
    cut = title.rfind(" ", 0, TITLE_MAX_CHARS - 1)
    return title[: cut if cut > 40 else TITLE_MAX_CHARS - 1].rstrip(",;:–- ") + " …"


def read_sidecar(folder: Path) -> tuple[dict[str, Metadata], list[str]]:
    """Read ``metadata.json`` of ``folder``: ``{"<id>": {"title", "date", "source", "url", ...}}``."""
    path = folder / SIDECAR_NAME
    if not path.is_file():
        return {}, []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("top level must be an object keyed by article id")
    except (OSError, ValueError) as exc:
        return {}, [f"{path.name}: ignored ({exc})"]
    out: dict[str, Metadata] = {}
    for key, entry in data.items():
        if not isinstance(entry, dict):
            continue
        known = {k: str(entry[k]) for k in ("title", "date", "source", "url") if entry.get(k)}
        extra = {k: v for k, v in entry.items() if k not in known}
        out[str(key)] = Metadata(**known, extra=extra)
    return out, []


def article_id(path: Path) -> str:
    """The document id: the file name without ``.txt``."""
    return path.name[:-4] if path.name.lower().endswith(".txt") else path.stem


def iter_article_files(root: Path) -> Iterator[Path | Skipped]:
    """Every ``*.txt`` below ``root`` in a stable order; symlinks that leave the folder are skipped."""
    root = root.resolve()
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() != ".txt" or any(
            part.startswith(".") for part in path.relative_to(root).parts
        ):
            continue
        rel = path.relative_to(root).as_posix()
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


def read_article(path: Path, root: Path, meta: Metadata | None = None) -> Article:
    """Read and normalise one article file; raises :class:`ArticleError` with the reason to skip it."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ArticleError(
                f"too large ({size // (1024 * 1024)} MB > {MAX_FILE_BYTES // (1024 * 1024)} MB)"
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleError(f"unreadable ({exc.strerror or exc})") from exc
    # a link inside the folder is an article of its own name, not a second copy of its target's id
    rel = path.relative_to(root) if path.is_relative_to(root) else path.resolve().relative_to(root.resolve())
    return parse_article(raw, rel.as_posix(), meta)


def parse_article(raw: bytes, rel_path: str, meta: Metadata | None = None) -> Article:
    """Bytes of one article -> :class:`Article` (pure: used by the reader and by tests)."""
    text, encoding, warnings = decode(raw)
    text = normalize_text(text)
    header, text = split_header(text)
    text = text.strip()
    if not text:
        raise ArticleError("empty file")
    meta = meta or Metadata()
    derived_title, derived_source = derive_title_and_source(text)
    title = (meta.title or "").strip() or derived_title or Path(rel_path).stem
    date = date_precision = None
    date_value = meta.date or header.get("date")
    if date_value:
        try:
            date, date_precision = parse_date(date_value)
        except ValueError as exc:
            warnings.append(f"ignored date: {exc}")
    return Article(
        id=article_id(Path(rel_path)),
        path=rel_path,
        text=text,
        title=normalize_text(title),
        title_derived=not meta.title,
        content_hash=hashlib.sha256(raw).hexdigest(),
        date=date,
        date_precision=date_precision,
        source=meta.source or header.get("source") or derived_source,
        url=meta.url or header.get("url"),
        encoding=encoding,
        warnings=tuple(f"{rel_path}: {w}" for w in warnings),
    )
