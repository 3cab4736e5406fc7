"""Honest ingest (issue 16): captions and closing credits after a single newline, dates as precise as the text
writes them, header lines read only when unambiguous (else a warning naming the file), and an index that
remembers its articles folder (another folder only with ``--replace``).

Everything goes through the real parts: the ``search`` CLI as a process, a real index on disk, the JSON API
(Flask test client), a real ``search serve`` and headless Chromium for what the page shows. The articles
are written for these tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from search.core.errors import ReindexError
from search.engine.whoosh.generations import META, current_generation
from search.engine.whoosh.indexer import reindex
from search.enrich.headers import read_header

from .conftest import ROOT, start_server, stop_server
from .opensearch_nodes import needs_node

ARTICLES = {
    # a caption line and a closing credit, each separated by a single newline only
    "bruecke_foto": "Foto: Lena Hartmann/dpa\n"
    "Die Oberbürgermeisterin hat am Montag die neue Fußgängerbrücke über den Neckar eröffnet. Rund 400 "
    "Menschen kamen zur Feier am Ufer.\n"
    "Die Brücke kostete nach Angaben der Stadt 14 Millionen Euro, drei Millionen mehr als geplant.\n"
    "(APA/dpa)\n",
    # a caption after a sentence, then the dateline on the next line
    "bruecke_nacht": "Die neue Brücke bei Nacht. Foto: Stadtwerke Heilbronn\n"
    "Heilbronn (dpa) - Nach zwei Jahren Bauzeit ist die Fußgängerbrücke über den Neckar fertig. Radfahrer "
    "dürfen sie ab Juni nutzen.\n"
    "Der Gemeinderat hatte den Bau beschlossen, nachdem die alte Brücke gesperrt worden war.\n",
    # real text lines that only look a little like a caption or a credit
    "ausstellung": "Die Ausstellung im Stadtmuseum zeigt ein Bild: Kinder baden im Neckar, aufgenommen im "
    "Sommer 1955.\n"
    "Sie ist bis Ende Oktober geöffnet. Der Eintritt ist frei.\n"
    "Die Nachrichtenagentur AFP berichtete zuerst darüber.\n",
    # a date line that says only a month
    "klima_maerz": "Wien, im März 2024\n"
    "Die Landesregierung hat ein neues Klimagesetz beschlossen. Es soll ab dem Sommer gelten und die "
    "Emissionen der Heizungen senken.\n",
    # header lines of their own: unambiguous
    "klima_debatte": "Datum: 2024-03-20\nQuelle: zeit.de\n"
    "Im Landtag wurde das neue Klimagesetz heftig debattiert. Die Opposition kritisiert die Heizungsregeln "
    "als zu streng.\n",
    "verein_jubilaeum": "date: 2023\nDer Turnverein feiert sein hundertjähriges Bestehen mit einem Fest auf "
    "dem Marktplatz.\n",
    "haushalt": "date 15.03.2021\nDer Stadtrat hat den Haushalt für das kommende Jahr verabschiedet.\n",
    "wochenmarkt": "Datum: März 2024\nQuelle: Wiener Zeitung\nDer Wochenmarkt zieht an den Donaukanal.\n",
    # header-like but ambiguous (US or British order?): stays in the text, with a warning
    "stadtwerke": "Datum: 03/04/2021\nDie Stadtwerke erhöhen zum Sommer die Preise für Fernwärme.\n",
    # a sentence that starts with a header word: text, no warning
    "parkplatz": "Quelle der Unruhe ist ein Streit um Parkplätze in der Altstadt.\n"
    "Die Anwohner sammeln Unterschriften.\n",
}


def write_articles(folder: Path, articles: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in articles.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The real ``search`` command as a process."""
    return subprocess.run(
        [sys.executable, "-m", "search.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        check=False,
    )


def api(index: Path):
    from search import create_app

    return create_app({"TESTING": True, "SEARCH_INDEX_DIR": str(index)}).test_client()


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """The articles above, indexed by ``search reindex`` (no NER: not what is tested here)."""
    root = tmp_path_factory.mktemp("honest")
    folder = write_articles(root / "articles", ARTICLES)
    index = root / "index"
    done = cli("reindex", "--no-ner", "--json", "--articles", str(folder), "--index", str(index))
    assert done.returncode == 0, done.stderr
    return folder, index, done


def article(index: Path, article_id: str) -> dict:
    resp = api(index).get(f"/api/articles/{article_id}")
    assert resp.status_code == 200
    return resp.get_json()


# ----------------------------------------------------------------------------- captions and credits


def test_caption_and_closing_credit_after_a_single_newline(honest) -> None:
    _, index, _ = honest
    foto = article(index, "bruecke_foto")
    assert foto["title"] == (
        "Die Oberbürgermeisterin hat am Montag die neue Fußgängerbrücke über den Neckar eröffnet."
    )
    assert foto["source"] == "APA/dpa"
    assert foto["text"].startswith("Foto: Lena Hartmann/dpa\n")  # recognised, not removed: nothing lost
    night = article(index, "bruecke_nacht")
    assert night["title"] == "Nach zwei Jahren Bauzeit ist die Fußgängerbrücke über den Neckar fertig."
    assert night["source"] == "dpa"
    sources = api(index).get("/api/search?source=APA/dpa").get_json()
    assert [hit["id"] for hit in sources["results"]] == ["bruecke_foto"]


def test_real_text_lines_are_not_taken_for_captions_or_credits(honest) -> None:
    _, index, _ = honest
    exhibition = article(index, "ausstellung")
    assert exhibition["title"] == (
        "Die Ausstellung im Stadtmuseum zeigt ein Bild: Kinder baden im Neckar, aufgenommen im Sommer 1955."
    )
    assert exhibition["source"] is None  # "Die Nachrichtenagentur AFP berichtete ..." is a sentence
    parking = article(index, "parkplatz")
    assert parking["title"] == "Quelle der Unruhe ist ein Streit um Parkplätze in der Altstadt."
    assert parking["source"] is None


# ----------------------------------------------------------------------------- dates as precise as written


def test_dates_have_the_precision_the_text_writes(honest) -> None:
    _, index, _ = honest
    expected = {
        "klima_maerz": ("2024-03-01", "month"),  # "Wien, im März 2024"
        "wochenmarkt": ("2024-03-01", "month"),  # "Datum: März 2024"
        "verein_jubilaeum": ("2023-01-01", "year"),  # "date: 2023"
        "klima_debatte": ("2024-03-20", "day"),
        "haushalt": ("2021-03-15", "day"),  # "date 15.03.2021"
    }
    for article_id, (date, precision) in expected.items():
        data = article(index, article_id)
        assert (data["date"], data["date_precision"], data["date_estimated"]) == (date, precision, False), (
            article_id
        )
    month = api(index).get("/api/search?date=2024-03").get_json()
    assert {hit["id"] for hit in month["results"]} == {"klima_maerz", "wochenmarkt", "klima_debatte"}
    assert api(index).get("/api/search?date=2023").get_json()["total"] == 1


def test_the_cli_prints_a_month_as_a_month(honest) -> None:
    _, index, _ = honest
    done = cli("query", "--index", str(index), "--sort", "oldest", "Wochenmarkt")
    assert done.returncode == 0, done.stderr
    assert " 2024-03     Der Wochenmarkt zieht an den Donaukanal." in done.stdout
    assert "2024-03-01" not in done.stdout


# ----------------------------------------------------------------------------- header lines


def test_unambiguous_header_lines_are_read(honest) -> None:
    _, index, _ = honest
    debate = article(index, "klima_debatte")
    assert debate["source"] == "zeit.de"
    assert debate["title"] == "Im Landtag wurde das neue Klimagesetz heftig debattiert."
    assert not debate["text"].startswith(("Datum", "Quelle"))
    assert article(index, "wochenmarkt")["source"] == "Wiener Zeitung"
    assert article(index, "haushalt")["title"] == (
        "Der Stadtrat hat den Haushalt für das kommende Jahr verabschiedet."
    )
    assert api(index).get("/api/search?source=zeit.de").get_json()["total"] == 1


def test_an_ambiguous_header_line_stays_in_the_text_with_a_warning(honest) -> None:
    _, index, done = honest
    works = article(index, "stadtwerke")
    assert works["date"] is None  # 3 April or 4 March? not guessed
    assert works["text"].startswith("Datum: 03/04/2021\nDie Stadtwerke")
    assert works["title"] == "Die Stadtwerke erhöhen zum Sommer die Preise für Fernwärme."
    summary = json.loads(done.stdout)
    warnings = [w for w in summary["warnings"] if "header line" in w]
    assert warnings == [
        "stadtwerke.txt: header line left in the text (date not unambiguous): 'Datum: 03/04/2021'"
    ]
    assert "warning: stadtwerke.txt: header line left in the text" in done.stderr
    assert "parkplatz" not in done.stderr  # "Quelle der Unruhe ..." is a sentence


@pytest.mark.parametrize(
    ("top", "fields", "warned"),
    [
        ("Datum: 2021-03-15\n", {"date": "2021-03-15"}, False),
        ("date 15.03.2021\n", {"date": "2021-03-15"}, False),
        ("DATUM: 15. März 2021, 14:32 Uhr\n", {"date": "2021-03-15"}, False),
        ("Datum: Montag, 15.03.2021\n", {"date": "2021-03-15"}, False),
        ("date: 2021-03-15T14:32:00+01:00\n", {"date": "2021-03-15"}, False),
        ("Datum: März 2021\n", {"date": "2021-03"}, False),
        ("date: 2021\n", {"date": "2021"}, False),
        (
            "Quelle: zeit.de\nURL: https://www.zeit.de/a\n",
            {"source": "zeit.de", "url": "https://www.zeit.de/a"},
            False,
        ),
        ("Titel: Neue Brücke über den Neckar\n", {"title": "Neue Brücke über den Neckar"}, False),
        (" date 2018-05 ", {"date": "2018-05"}, False),  # a field before the text on its line
        ("Datum: 2021-03-15\n\nQuelle: dpa\n", {"date": "2021-03-15", "source": "dpa"}, False),
        ("Datum: 03/04/2021\n", {}, True),  # 3 April or 4 March
        ("Datum: 15.03.21\n", {}, True),  # which century
        ("Datum: 31.02.2021\n", {}, True),  # no such day
        ("Datum: gestern\n", {}, True),
        ("Datum:\n", {}, True),
        ("Quelle: das Statistische Bundesamt und eigene Berechnungen der Redaktion\n", {}, True),
        ("Datum und Ort des Treffens blieben geheim.\n", {}, False),  # sentences
        ("Quelle Nummer eins ist das Amt.\n", {}, False),
        ("Titel verteidigt: Der Verein jubelt.\n", {}, False),
    ],
)
def test_header_lines_are_read_only_when_unambiguous(top: str, fields: dict, warned: bool) -> None:
    text = top + "Die Stadt baut eine Brücke."
    header = read_header(text)
    assert header.fields == fields
    assert bool(header.warnings) is warned
    if fields:
        assert header.text.strip() == "Die Stadt baut eine Brücke."
    else:  # left in the text, in its place: nothing is lost
        assert header.text == text.lstrip("\n")


def test_the_reindex_summary_carries_the_header_warning(tmp_path: Path) -> None:
    folder = write_articles(tmp_path / "articles", {"doppelt": "Datum: 2021-03-15\nDatum: 2021-03-16\nText."})
    summary = reindex(folder, tmp_path / "index")
    assert summary.warnings == (
        "doppelt.txt: header line left in the text (date given twice): 'Datum: 2021-03-16'",
    )


# ----------------------------------------------------------------------------- the index's articles folder


def test_another_folder_is_refused_unless_replace(tmp_path: Path) -> None:
    first = write_articles(tmp_path / "erstes", {"alpha": "Die Feuerwehr übte am Samstag am Hafen."})
    other = write_articles(tmp_path / "zweites", {"beta": "Der Zoo bekommt zwei junge Pinguine."})
    index = tmp_path / "index"
    assert cli("reindex", "--no-ner", "--articles", str(first), "--index", str(index)).returncode == 0
    refused = cli("reindex", "--no-ner", "--articles", str(other), "--index", str(index))
    assert refused.returncode == 1
    assert str(first.resolve()) in refused.stderr and str(other.resolve()) in refused.stderr
    assert "--replace" in refused.stderr and "Traceback" not in refused.stderr
    assert [h["id"] for h in api(index).get("/api/search").get_json()["results"]] == ["alpha"]  # untouched
    full = cli("reindex", "--no-ner", "--full", "--articles", str(other), "--index", str(index))
    assert full.returncode == 1 and "--replace" in full.stderr  # --full is no replacement
    replaced = cli("reindex", "--no-ner", "--replace", "--articles", str(other), "--index", str(index))
    assert replaced.returncode == 0, replaced.stderr
    assert [h["id"] for h in api(index).get("/api/search").get_json()["results"]] == ["beta"]
    meta = json.loads((current_generation(index) / META).read_text(encoding="utf-8"))
    assert meta["articles_dir"] == str(other.resolve())
    again = cli("reindex", "--no-ner", "--articles", str(other), "--index", str(index))
    assert again.returncode == 0 and "index unchanged" in again.stdout


def test_an_index_that_remembers_no_folder_takes_the_next_one(tmp_path: Path) -> None:
    """An index built before folders were remembered: accepted, and remembered from then on (also after a
    run with nothing to change)."""
    folder = write_articles(tmp_path / "articles", {"alpha": "Die Feuerwehr übte am Samstag am Hafen."})
    other = write_articles(tmp_path / "anderes", {"beta": "Der Zoo bekommt zwei junge Pinguine."})
    index = tmp_path / "index"
    reindex(folder, index)
    meta_path = current_generation(index) / META
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.pop("articles_dir")
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    summary = reindex(folder, index)  # nothing changed in the folder
    assert not summary.changed and summary.generation is not None
    meta = json.loads((current_generation(index) / META).read_text(encoding="utf-8"))
    assert meta["articles_dir"] == str(folder.resolve())
    with pytest.raises(ReindexError, match="--replace"):
        reindex(other, index)
    assert reindex(folder, index).generation is None  # remembered: a no-op is a no-op again


@needs_node
def test_opensearch_remembers_the_folder_too(opensearch_url: str, tmp_path: Path) -> None:
    from search.engine.opensearch.engine import OpenSearchEngine
    from search.engine.opensearch.indexer import live_index, read_record

    first = write_articles(tmp_path / "erstes", {"alpha": "Die Feuerwehr übte am Samstag am Hafen."})
    other = write_articles(tmp_path / "zweites", {"beta": "Der Zoo bekommt zwei junge Pinguine."})
    engine = OpenSearchEngine(opensearch_url, "pytest-honest-folders")
    engine.reindex(first, full=True)
    live = live_index(engine.client, engine.alias)
    assert read_record(engine.client, engine.alias, live)["articles_dir"] == str(first.resolve())
    with pytest.raises(ReindexError) as refused:
        engine.reindex(other)
    assert str(first.resolve()) in refused.value.message and "--replace" in refused.value.message
    with pytest.raises(ReindexError):
        engine.reindex(other, full=True)
    replaced = engine.reindex(other, replace=True)
    assert replaced.full and replaced.added == 1
    from search.core.models import SearchRequest

    assert [h["id"] for h in engine.search(SearchRequest()).results] == ["beta"]
    # an index from before: its manifest record without the folder takes the next run's and keeps it
    live = live_index(engine.client, engine.alias)
    record = read_record(engine.client, engine.alias, live)
    record.pop("articles_dir")
    engine.client.request("PUT", f"/{engine.alias}-manifest/_doc/{live}", record, params={"refresh": "true"})
    engine.reindex(other)
    assert read_record(engine.client, engine.alias, live)["articles_dir"] == str(other.resolve())
    with pytest.raises(ReindexError):
        engine.reindex(first)


# ----------------------------------------------------------------------------- the page


def test_the_page_shows_a_month_as_a_month(honest) -> None:
    """In a real browser: the article dated "im März 2024" says "März 2024", in its own page, among the
    results and in the similar articles of another one (which said "1. März 2024")."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip(f"{chromium} not found: run `bash scripts/install_browser.sh` (as root)")
    from .test_browser import CHROMIUM_ARGS

    folder, index, _ = honest
    proc, base = start_server(index, folder, {"SEARCH_NER": "0", "SEARCH_RATE_LIMIT": "off"})
    try:
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(locale="de-DE")
            page.goto(f"{base}/artikel/klima_maerz")
            shown = page.locator("main .meta time").first
            assert (shown.get_attribute("datetime"), shown.inner_text()) == ("2024-03", "März 2024")
            page.goto(f"{base}/?q=Klimagesetz")
            hit = page.locator("li.result", has=page.locator('a[href*="klima_maerz"]'))
            assert hit.locator(".meta time").inner_text() == "März 2024"
            page.goto(f"{base}/artikel/klima_debatte")
            item = page.locator("#side-similar + ul li", has=page.locator('a[href*="klima_maerz"]'))
            time_el = item.locator("time")
            assert (time_el.get_attribute("datetime"), time_el.inner_text()) == ("2024-03", "März 2024")
            browser.close()
    finally:
        stop_server(proc)


def test_the_csv_export_writes_a_month_as_a_month(honest) -> None:
    """A spreadsheet gets "2024-03" for "im März 2024" and "2023" for a year, never an invented first day."""
    import csv
    import io

    _, index, _ = honest
    resp = api(index).get("/api/export", query_string={"format": "csv", "q": "", "sort": "oldest"})
    assert resp.status_code == 200
    rows = {
        r["id"]: r["date"] for r in csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff")))
    }
    assert (rows["klima_maerz"], rows["verein_jubilaeum"], rows["haushalt"]) == (
        "2024-03",
        "2023",
        "2021-03-15",
    )
