"""Publication dates from paths and date lines: real files on disk, a real reindex, read back through the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from search.enrich.dateplaces import date_from_first_line, date_from_path

BODY = (
    "Die Stadtverwaltung hat neue Regeln für den Verkehr in der Innenstadt beschlossen. "
    "Die Händler reagierten zurückhaltend, die Anwohner begrüßten den Schritt."
)

#: path -> (date, precision) the API must serve, not estimated
CASES = {
    "2020/11/03/rathaus.txt": ("2020-11-03", "day"),
    "2019/07/juli-bericht.txt": ("2019-07-01", "month"),
    "archiv/2018/jahresbericht.txt": ("2018-01-01", "year"),
    "2017-05/mai-ausgabe.txt": ("2017-05-01", "month"),
    "2016-02-29_schalttag.txt": ("2016-02-29", "day"),
    "export/20151231-silvester.txt": ("2015-12-31", "day"),
    "feed/2014_03_08-frauentag.txt": ("2014-03-08", "day"),
    "bericht_2013-09.txt": ("2013-09-01", "month"),
    # the file name wins over the folder
    "2012/2011-04-01_april.txt": ("2011-04-01", "day"),
}
#: file name -> (text, date, precision): date lines and datelines
LINES = {
    "dateline": ("Berlin, 3. November 2020 (dpa) - " + BODY, "2020-11-03", "day"),
    "dateline-own-line": ("Hamburg, 12. Januar 2021\n\n" + BODY, "2021-01-12", "day"),
    "numeric-line": (
        "Stadt beschließt neue Regeln\n\nMontag, 02.03.2020, 14:32 Uhr\n\n" + BODY,
        "2020-03-02",
        "day",
    ),
    "month-line": ("Oktober 2019\n\n" + BODY, "2019-10-01", "month"),
}


def test_path_rules() -> None:
    for path, (day, precision) in CASES.items():
        assert date_from_path(path) == (dt.date.fromisoformat(day), precision), path
    for path in ("part-0000/a.txt", "top-2000.txt", "1000/a.txt", "a/9999/b.txt", "x/12345678.txt", "a.txt"):
        assert date_from_path(path) is None, path
    assert date_from_path("2020/02/31/a.txt") == (dt.date(2020, 2, 1), "month")  # no such day


def test_first_line_rules() -> None:
    for text, day, precision in LINES.values():
        assert date_from_first_line(text) == (dt.date.fromisoformat(day), precision)
    for text in (
        "Am 3. November 2020 - das war ein Dienstag.",  # a sentence, not a dateline
        "Die Wahl am 3. November 2020 war knapp.",
        "9. November 1989: Die Mauer fällt",
        "Titel\n\nBerlin, 3. November 2020 hatte es geregnet.",
        "Berlin, 31. Februar 2020\n\n" + BODY,
    ):
        assert date_from_first_line(text) is None, text


@pytest.fixture()
def dated_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    for rel in CASES:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(f"Neue Regeln für die Innenstadt\n\n{BODY} Am 1. Mai 1990 war es anders.")
    for name, (text, _, _) in LINES.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_dates_from_paths_and_lines_are_served_exactly(dated_folder: Path, tmp_path: Path) -> None:
    """Every file of a folder whose path or first lines carry a date gets exactly that date, with its
    precision and not marked as estimated (100 %), through a reindex and the JSON API."""
    from search import create_app
    from search.core.settings import settings
    from search.engine import open_engine

    index = tmp_path / "index"
    open_engine(settings(index_dir=index)).reindex(dated_folder, full=True, ner=False)
    client = create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index)}).test_client()
    expected = {Path(rel).stem: (day, precision) for rel, (day, precision) in CASES.items()}
    expected |= {name: (day, precision) for name, (_, day, precision) in LINES.items()}
    for article_id, (day, precision) in expected.items():
        data = client.get(f"/api/articles/{article_id}").get_json()
        assert (data["date"], data["date_precision"], data["date_estimated"]) == (day, precision, False), (
            article_id
        )
    # a date line is not the title
    assert client.get("/api/articles/dateline-own-line").get_json()["title"].startswith("Die Stadtverwaltung")
    # the date facet counts them by year and month
    facets = client.get("/api/search?q=&facet_size=50").get_json()["facets"]["date"]
    years = {f["value"]: f["count"] for f in facets}
    assert years["2020"] == 3 and years["2018"] == 1
