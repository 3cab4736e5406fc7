"""Ingest: encodings, normalisation, metadata header and sidecar, derived titles and sources, skips."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from search.core.models import Skipped
from search.enrich.ingest import (
    ArticleError,
    derive_title_and_source,
    iter_article_files,
    parse_article,
    read_article,
    read_sidecar,
)

from .conftest import SEEDS, shared_path


def test_seeds_are_byte_identical_to_shared() -> None:
    shared = shared_path("seeds")
    names = sorted(p.name for p in shared.glob("*.txt"))
    assert names == sorted(p.name for p in SEEDS.glob("*.txt"))
    for name in names:
        assert (SEEDS / name).read_bytes() == (shared / name).read_bytes()


def test_utf8_nfc_soft_hyphen_and_nbsp() -> None:
    decomposed = "Pjo\u0308ngjang"  # ö as o + combining diaeresis
    raw = f"Ein Bericht aus {decomposed}.\u00a0Der Ge\u00adheimbesuch\u202fwar kurz.".encode()
    art = parse_article(raw, "a.txt")
    assert "Pjöngjang" in art.text
    assert "Geheimbesuch war" in art.text
    assert "\u00ad" not in art.text and "\u00a0" not in art.text
    assert art.encoding == "utf-8" and not art.warnings


def test_bom_and_utf16() -> None:
    assert parse_article("\ufeffÜber Straße.".encode(), "b.txt").text == "Über Straße."
    art = parse_article("Grüße aus Köln.".encode("utf-16"), "c.txt")
    assert art.text == "Grüße aus Köln." and art.encoding == "utf-16"


def test_latin1_falls_back_with_warning() -> None:
    art = parse_article("Die Gespräche in Pjöngjang über Maßnahmen.".encode("latin-1"), "d.txt")
    assert "Pjöngjang" in art.text and "Maßnahmen" in art.text
    assert art.encoding == "cp1252"
    assert art.warnings and "not valid UTF-8" in art.warnings[0]


@pytest.mark.parametrize(
    "raw, reason", [(b"", "empty"), (b"   \n\t ", "empty"), (b"\x00\x01\x02binary\x00", "binary")]
)
def test_empty_and_binary_are_rejected(raw: bytes, reason: str) -> None:
    with pytest.raises(ArticleError, match=reason):
        parse_article(raw, "x.txt")


def test_inline_header_on_same_line() -> None:
    art = parse_article(b" date 2018-05 Knapp zwei Wochen vor dem Gipfel.", "e.txt")
    assert art.date == dt.date(2018, 5, 1) and art.date_precision == "month"
    assert art.text.startswith("Knapp zwei Wochen")
    # A capitalised first word is text, not a header.
    assert parse_article(b"Date 2018 war ein Jahr.", "f.txt").date is None


def test_derived_title_skips_caption_and_dateline_and_captures_agency() -> None:
    text = (
        "Kim Jong Un (L) am Samstag. Foto: Blue House via Yonhap\n\n"
        "Seoul/Washington (dpa) - US-Präsident Donald Trump ringt um ein Treffen in Singapur. Mehr folgt."
    )
    title, source = derive_title_and_source(text)
    assert title == "US-Präsident Donald Trump ringt um ein Treffen in Singapur."
    assert source == "dpa"


def test_trailing_credit_line_is_the_source() -> None:
    art = parse_article("Ein Satz über Moskau.\n\n(Apa/Dpa)".encode(), "g.txt")
    assert art.source == "APA/dpa"
    assert art.title == "Ein Satz über Moskau."


def test_long_first_sentence_is_shortened_at_a_word() -> None:
    art = parse_article(("Wort " * 80 + "Ende.").encode(), "h.txt")
    assert len(art.title) <= 142 and art.title.endswith("…")


def test_sidecar_overrides_and_id_from_file_name(tmp_path: Path) -> None:
    (tmp_path / "x 1.txt").write_text(" date 2018-05 Text über Pompeo.", encoding="utf-8")
    (tmp_path / "metadata.json").write_text(
        json.dumps(
            {
                "x 1": {
                    "title": "Eigener Titel",
                    "date": "2018-05-31",
                    "source": "AFP",
                    "url": "https://example.org/a",
                }
            }
        ),
        encoding="utf-8",
    )
    meta, warnings = read_sidecar(tmp_path)
    art = read_article(tmp_path / "x 1.txt", tmp_path, meta["x 1"])
    assert not warnings
    assert (art.id, art.title, art.date, art.source, art.url) == (
        "x 1",
        "Eigener Titel",
        dt.date(2018, 5, 31),
        "AFP",
        "https://example.org/a",
    )
    assert art.title_derived is False


def test_broken_sidecar_is_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").write_text("{not json", encoding="utf-8")
    meta, warnings = read_sidecar(tmp_path)
    assert meta == {} and "ignored" in warnings[0]


def test_symlink_outside_folder_is_skipped(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("Geheim.", encoding="utf-8")
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "ok.txt").write_text("Ein Artikel.", encoding="utf-8")
    (folder / "evil.txt").symlink_to(outside)
    items = list(iter_article_files(folder))
    assert [p.name for p in items if isinstance(p, Path)] == ["ok.txt"]
    assert [s.reason for s in items if isinstance(s, Skipped)] == ["link points outside the articles folder"]


def test_seed_titles_and_dates() -> None:
    meta, _ = read_sidecar(SEEDS)
    arts = {p.stem: read_article(p, SEEDS, meta.get(p.stem)) for p in SEEDS.glob("*.txt")}
    assert arts["003_2eafdbd6af974de4"].title.startswith(
        "US-Präsident Donald Trump und Nordkoreas Machthaber"
    )
    assert arts["003_2eafdbd6af974de4"].source == "dpa"
    assert arts["002_96c8ceafc6e47d4f"].source == "APA/dpa"
    assert arts["002_96c8ceafc6e47d4f"].date == dt.date(2018, 5, 31)
    assert all(a.date is not None for a in arts.values())
