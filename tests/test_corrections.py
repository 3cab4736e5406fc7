"""Corrections that travel with the archive (issue 13): ``corrections.txt`` in the articles folder.

Through the real thing: a copy of the seeds indexed with entity extraction, corrections added with the
CLI (``search entities --not-person ...``) or by hand, incremental reindexes, and the answers of the JSON
API and the entity page. Each step checks that exactly the affected articles were enriched again.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from search.core.models import SearchRequest
from search.core.settings import settings
from search.engine import open_engine
from search.enrich.entities.corrections import Corrections, append_rule


def _persons(engine) -> dict[str, int]:
    return {row["value"]: row["count"] for row in engine.entities("person", 1000, "de")["person"]}


def _countries(engine) -> dict[str, int]:
    return {row["value"]: row["count"] for row in engine.entities("country", 1000, "de")["country"]}


def _reindex(engine, articles: Path):
    return engine.reindex(articles, full=False, ner=True)


@pytest.fixture()
def indexed(articles: Path, tmp_path: Path):
    engine = open_engine(settings(index_dir=tmp_path / "index"))
    engine.reindex(articles, full=True, ner=True)
    return engine


def test_lines_that_cannot_be_read_are_named_by_number_and_the_rest_apply() -> None:
    c = Corrections.parse(
        "# a comment\n"
        "not-person: Corona Test\n"
        "nonsense line\n"
        "merge: Reiner Füllmich = Reiner Fuellmich\n"  # one person already (umlaut spellings share a key)
        "merge: Ugur Sahin\n"
        "kein-land: Bratwurst\n"
        "not-country: XX\n"
        "zusammen: Jens Spahn = Jens Georg Spahn\n"
        "not-country: New Jersey\n"
    )
    assert [r.line for r in c.rules] == [2, 8, 9]
    assert [e.split(":")[0] for e in c.errors] == [
        "corrections.txt line 3",
        "corrections.txt line 4",
        "corrections.txt line 5",
        "corrections.txt line 6",
        "corrections.txt line 7",
    ]
    persons, codes = c.touched_keys()
    assert "corona test" in persons and "jens spahn" in persons
    assert codes == {"JE"}


def test_not_person_from_the_cli_reaches_exactly_the_articles_that_name_them(
    indexed, articles: Path, runner
) -> None:
    from search.cli.commands import main

    before = _persons(indexed)
    assert before.get("Heather Nauert") == 1
    result = runner.invoke(main, ["entities", "--articles", str(articles), "--not-person", "Heather Nauert"])
    assert result.exit_code == 0, result.output
    assert "corrections.txt line 5: not-person: Heather Nauert" in result.output
    summary = _reindex(indexed, articles)
    assert (summary.updated, summary.added, summary.removed) == (1, 0, 0)  # only her article
    after = _persons(indexed)
    assert "Heather Nauert" not in after
    assert {k: v for k, v in before.items() if k != "Heather Nauert"} == after

    # the same line again is refused with a message, the file keeps one line
    again = runner.invoke(main, ["entities", "--articles", str(articles), "--not-person", "heather nauert"])
    assert again.exit_code != 0 and "already in corrections.txt" in again.output
    assert (articles / "corrections.txt").read_text(encoding="utf-8").count("Nauert") == 1

    # taking the line out gives her back, again by enriching only her article
    path = articles / "corrections.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("not-person: Heather Nauert\n", ""), "utf-8")
    summary = _reindex(indexed, articles)
    assert summary.updated == 1
    assert _persons(indexed) == before


def test_merge_renames_the_person_and_the_entity_page_says_why(indexed, articles: Path) -> None:
    from search import create_app

    before = _persons(indexed)
    pompeo = before["Mike Pompeo"]
    append_rule(articles, "merge: Mike Pompeo = Michael R. Pompeo")
    summary = _reindex(indexed, articles)
    assert summary.updated == pompeo
    after = _persons(indexed)
    assert "Mike Pompeo" not in after and after["Michael R. Pompeo"] == pompeo

    app = create_app(
        {"TESTING": True, "SEARCH_INDEX_DIR": str(indexed.index_dir), "SEARCH_ARTICLES_DIR": str(articles)}
    )
    page = app.test_client().get("/person/" + quote("Michael R. Pompeo"))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "merge: Mike Pompeo = Michael R. Pompeo" in html and "corrections.txt" in html
    other = app.test_client().get("/person/" + quote("Shinzo Abe")).get_data(as_text=True)
    assert "merge: Mike Pompeo" not in other


def test_not_country_words_and_codes(indexed, articles: Path) -> None:
    before = _countries(indexed)
    assert before.get("KR") and before.get("JP")
    seoul = [a for a in sorted(articles.glob("*.txt")) if "Südkorea" in a.read_text(encoding="utf-8")]
    assert seoul
    append_rule(articles, "not-country: JP")
    summary = _reindex(indexed, articles)
    assert summary.updated == before["JP"]
    after = _countries(indexed)
    assert "JP" not in after and after["KR"] == before["KR"]

    # words: the spans inside "Südkorea" no longer count; other ways of naming the country still do
    append_rule(articles, "not-country: Südkorea")
    _reindex(indexed, articles)
    snap = indexed.snapshot()
    for path in seoul:
        data = snap.article(path.stem).data
        words = [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)Südkorea(?!\w)", data["text"])]
        assert words
        inside = [
            (s, e)
            for s, e, kind, _ in data["entity_spans"]
            if kind == "COUNTRY" and any(a <= s and e <= b for a, b in words)
        ]
        assert inside == [], path.stem


def test_a_bad_line_is_a_warning_of_the_reindex_and_loses_nothing(indexed, articles: Path) -> None:
    (articles / "corrections.txt").write_text(
        "not-person: Heather Nauert\nmerge Mike Pompeo\n", encoding="utf-8"
    )
    summary = _reindex(indexed, articles)
    assert any(w.startswith("corrections.txt line 2:") for w in summary.warnings), summary.warnings
    assert summary.updated == 1
    assert "Heather Nauert" not in _persons(indexed)
    assert "Mike Pompeo" in _persons(indexed)
    # the corrections file is no article
    assert indexed.snapshot().search(SearchRequest(q="Nauert")).total >= 1
    assert all(sk.path != "corrections.txt" for sk in summary.skipped)
