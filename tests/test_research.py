"""The research workflow (issue 17): date ranges, the timeline of the results, Atom feeds of a search.

All over real indexes: the seeds (``client``/``live_server``), and a small archive of our own with an
undated article and month- and year-precision dates (``archive``). Feeds are read with feedparser, as a
feed reader reads them; pages are parsed with :mod:`html.parser`.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from search.core.periods import date_range, period_series
from search.engine.whoosh.indexer import reindex

from .openapi_check import check

TEXT = "Die Regierung in Berlin beschloss am Montag einen Haushalt über {word}. Der Bundestag stimmte zu."
#: id -> (sidecar metadata, the word of its text)
ARCHIVE = {
    "januar": ({"title": "Haushalt im Januar", "date": "2020-01-15"}, "Januarmittel"),
    "februar": ({"title": "Haushalt im Februar", "date": "2020-02"}, "Februarmittel"),
    "maerz": ({"title": "Haushalt im März", "date": "2020-03-01"}, "Märzmittel"),
    "jahr": ({"title": "Haushalt des Jahres", "date": "2019"}, "Jahresmittel"),
    "undatiert": ({"title": "Haushalt ohne Datum"}, "Zeitlosmittel"),
}


class NoEntities:
    """No NER: the small archive needs dates only."""

    def __call__(self, articles: list) -> list[dict]:
        return [{} for _ in articles]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory):
    """A test client over five articles: day, month and year precision, and one without any date."""
    from search import create_app

    root = tmp_path_factory.mktemp("archive")
    folder = root / "articles"
    folder.mkdir()
    for doc_id, (_, word) in ARCHIVE.items():
        (folder / f"{doc_id}.txt").write_text(TEXT.format(word=word), encoding="utf-8")
    (folder / "metadata.json").write_text(
        json.dumps({k: m for k, (m, _) in ARCHIVE.items()}), encoding="utf-8"
    )
    reindex(folder, root / "index", enrich=NoEntities())
    app = create_app(
        {"TESTING": True, "SEARCH_INDEX_DIR": str(root / "index"), "SEARCH_ARTICLES_DIR": str(folder)}
    )
    return app.test_client()


def api(client, **params) -> dict:
    resp = client.get("/api/search", query_string={"per_page": 100, **params})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def ids(data: dict) -> list[str]:
    return [h["id"] for h in data["results"]]


def dates(data: dict) -> dict[str, str | None]:
    return {h["id"]: h["date"] for h in data["results"]}


# ----------------------------------------------------------------------------- date ranges


def test_date_range_keeps_the_articles_inside_and_every_facet_counts_only_them(client) -> None:
    everything = api(client)
    inside = api(client, date_from="2018-05", date_to="2018-12")
    expected = {i for i, d in dates(everything).items() if d and "2018-05-01" <= d <= "2018-12-31"}
    assert set(ids(inside)) == expected and inside["total"] == len(expected) == 2
    # the facets count the same articles: the date facet has only May 2018, the countries only theirs
    assert [(y["value"], y["count"]) for y in inside["facets"]["date"]] == [("2018", 2)]
    assert [m["value"] for m in inside["facets"]["date"][0]["children"]] == ["2018-05"]
    by_country = Counter(c["code"] for h in inside["results"] for c in h["countries"])
    assert {v["value"]: v["count"] for v in inside["facets"]["country"]} == dict(by_country)
    check("SearchResponse", inside)


def test_date_range_ends_are_inclusive_and_either_may_be_open(client) -> None:
    everything = dates(api(client))
    april_18 = {i for i, d in everything.items() if d == "2018-04-18"}
    assert len(april_18) == 2
    assert set(ids(api(client, date_to="2018-04-18"))) == april_18  # the last day counts
    assert set(ids(api(client, date_from="2018-04-19"))) == set(everything) - april_18
    assert set(ids(api(client, date_from="2018-04-18", date_to="2018-04-18"))) == april_18
    assert set(ids(api(client, date_from="2019"))) == {i for i, d in everything.items() if d >= "2019"}
    assert api(client, date_from="2018", date_to="2019")["total"] == len(everything)


def test_date_range_combines_with_words_facets_and_sorting(client) -> None:
    words_and_country = api(client, q="Gipfel", country="KP", sort="oldest")
    ranged = api(client, q="Gipfel", country="KP", sort="oldest", date_from="2018-05")
    assert ids(ranged) == [i for i in ids(words_and_country) if dates(words_and_country)[i] >= "2018-05"]
    assert 0 < ranged["total"] < words_and_country["total"]
    with_month = api(client, date="2018-05", date_from="2018-05-30")  # facet value AND range
    assert set(dates(with_month).values()) == {"2018-05-31"}


def test_a_different_range_is_never_served_from_the_cache(client) -> None:
    """The response cache is keyed on the range too: the same words with another range find other hits."""
    first = api(client, q="Trump")
    assert api(client, q="Trump", date_from="2019")["total"] < first["total"]
    assert api(client, q="Trump", date_to="2018-04")["total"] < first["total"]
    assert api(client, q="Trump")["total"] == first["total"]


def test_undated_articles_never_fall_inside_a_range(archive) -> None:
    assert "undatiert" in ids(api(archive, q="Haushalt"))
    assert "undatiert" not in ids(api(archive, q="Haushalt", date_to="2030"))
    assert "undatiert" not in ids(api(archive, q="Haushalt", date_from="1800"))
    # a month-precision date is its first day, a year-precision one its 1 January
    assert ids(api(archive, q="Haushalt", date_from="2020-02", date_to="2020-02")) == ["februar"]
    assert ids(api(archive, q="Haushalt", date_to="2019-12-31")) == ["jahr"]


@pytest.mark.parametrize(
    "params,parameter,words",
    [
        ({"date_from": "2018-13"}, "date_from", "month"),
        ({"date_to": "2018-02-30"}, "date_to", "day of the calendar"),
        ({"date_from": "18"}, "date_from", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"date_from": "2018-5"}, "date_from", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"date_to": "gestern"}, "date_to", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({"date_from": "2019", "date_to": "2018-12-31"}, "date_from", "reversed"),
        ({"date_from": "2018-05-02", "date_to": "2018-05-01"}, "date_from", "reversed"),
    ],
)
def test_invalid_or_reversed_ranges_are_a_400_naming_the_parameter(
    client, params: dict, parameter: str, words: str
) -> None:
    resp = client.get("/api/search", query_string=params)
    assert resp.status_code == 400
    body = resp.get_json()
    check("Error", body)
    assert body["error"]["parameter"] == parameter and words in body["error"]["message"]
    page = client.get("/", query_string={"q": "Gipfel", **params})  # the page: 400 in German, with a way out
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Dieser Zeitraum ist ungültig." in html and 'href="/?q=Gipfel"' in html
    assert "vertauscht" in html if words == "reversed" else "ist kein Datum" in html
    assert client.get("/api/export", query_string=params).status_code == 400
    assert client.get("/feed", query_string=params).status_code == 400


def test_date_range_validation_accepts_every_written_form() -> None:
    assert date_range("2018", "2018") == ("2018", "2018")
    assert date_range(" 2018-05 ", "") == ("2018-05", "")
    assert date_range("", "2016-02-29") == ("", "2016-02-29")  # a leap day


def test_cli_from_and_to_narrow_like_the_api(runner, seed_index: Path, client) -> None:
    from search.cli.commands import main

    result = runner.invoke(
        main, ["query", "--index", str(seed_index), "--json", "--from", "2018-05", "--to", "2018-12"]
    )
    assert result.exit_code == 0, result.output
    assert ids(json.loads(result.output)) == ids(
        api(client, date_from="2018-05", date_to="2018-12", per_page=10)
    )
    bad = runner.invoke(main, ["query", "--index", str(seed_index), "--from", "2019", "--to", "2018"])
    assert bad.exit_code == 2 and "reversed" in bad.output


# ----------------------------------------------------------------------------- timeline


def test_api_timeline_counts_the_hits_per_month_with_gaps_filled(client) -> None:
    data = api(client, q="Trump")
    months = Counter(d[:7] for d in dates(data).values() if d)
    first, last = min(months), max(months)
    assert data["timeline"][0] == {"value": first, "count": months[first]}
    assert data["timeline"][-1] == {"value": last, "count": months[last]}
    assert {b["value"]: b["count"] for b in data["timeline"] if b["count"]} == dict(months)
    assert all(b["count"] == 0 for b in data["timeline"] if b["value"] not in months)  # gaps are zeros
    assert sum(b["count"] for b in data["timeline"]) == data["total"]
    check("SearchResponse", data)


def test_timeline_respects_every_filter_the_date_facet_too(client) -> None:
    """Unlike the disjunctive date facet (which ignores its own selection), the timeline shows the hits."""
    data = api(client, date="2018-05")
    assert data["timeline"] == [{"value": "2018-05", "count": 2}]
    assert len(data["facets"]["date"]) > 1  # the facet still offers the other years
    assert api(client, q="Gipfel", country="KP", date_from="2019")["timeline"] == [
        {"value": "2019-02", "count": 1}
    ]
    assert api(client, q="Xyzzyx")["timeline"] == []


def test_period_series_falls_back_to_years_over_long_spans() -> None:
    counts = {"2000": 1, "2000-01": 1, "2010": 2, "2010-06": 2}
    assert period_series(counts) == [
        {"value": f"{y}", "count": {2000: 1, 2010: 2}.get(y, 0)} for y in range(2000, 2011)
    ]
    assert period_series({"2018": 3}) == [{"value": "2018", "count": 3}]


class _Links(HTMLParser):
    """Collects the timeline's bar links (SVG ``a.bar-link``), the table's links and <link> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.table: list[str] = []
        self.head_links: list[dict[str, str]] = []
        self.anchors: list[tuple[dict[str, str], str]] = []
        self._in_table = False
        self._anchor: dict[str, str] | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "bar-link" in a.get("class", ""):
            self.bars.append(a)
        elif tag == "details" and "chart-table" in a.get("class", ""):
            self._in_table = True
        elif tag == "a" and self._in_table:
            self.table.append(a["href"])
        elif tag == "link":
            self.head_links.append(a)
        if tag == "a":
            self._anchor, self._text = a, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self._in_table = False
        if tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor, " ".join(self._text.split())))
            self._anchor = None

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._text += data


def parse_page(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_results_page_timeline_bars_link_to_their_month(client) -> None:
    data = api(client, q="Trump", country="KP")
    page = client.get("/?q=Trump&country=KP")
    links = parse_page(page.get_data(as_text=True))
    shown = [b for b in data["timeline"] if b["count"]]
    assert len(links.bars) == len(shown) and links.table == [b["href"] for b in links.bars]
    for bar, expected in zip(links.bars, shown, strict=True):
        params = parse_qs(urlsplit(bar["href"]).query)
        assert params == {
            "q": ["Trump"],
            "country": ["KP"],
            "date_from": [expected["value"]],
            "date_to": [expected["value"]],
        }
        narrowed = client.get(bar["href"])
        assert narrowed.status_code == 200
        assert f">{expected['count']} Treffer<" in narrowed.get_data(as_text=True)
        assert api(client, **{k: v[0] for k, v in params.items()})["total"] == expected["count"]
    assert links.bars[0]["aria-label"].startswith("Nur ")  # each bar link has a name


def test_results_page_range_form_and_chip(client) -> None:
    html = client.get("/?q=Gipfel&date_from=2018-05&date_to=2018-12").get_data(as_text=True)
    assert re.search(r'<input id="date-from" name="date_from" [^>]*value="2018-05"', html)
    assert re.search(r'<input id="date-to" name="date_to" [^>]*value="2018-12"', html)
    assert "Zeitraum:</span> Mai 2018 – Dezember 2018" in html
    assert '<a class="chip chip--range" href="/?q=Gipfel" data-swap>' in html  # removing it keeps the words
    empty = client.get("/?q=Gipfel&date_from=2030").get_data(as_text=True)  # an empty result offers a way out
    assert "Zeitraum „ab 2030“ entfernen" in empty and "(5 Treffer)" in empty


# ----------------------------------------------------------------------------- feeds


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read(), r.headers.get("Content-Type", "")


def test_feed_is_valid_atom_of_the_newest_matching_articles(live_server: str) -> None:
    body, content_type = fetch(f"{live_server}/feed?q=Gipfel&country=KP")
    assert content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    newest = json.loads(fetch(f"{live_server}/api/search?q=Gipfel&country=KP&sort=newest&per_page=30")[0])
    assert [e.link for e in feed.entries] == [f"{live_server}/artikel/{i}" for i in ids(newest)]
    assert [e.title for e in feed.entries] == [h["title"] for h in newest["results"]]
    for entry, hit in zip(feed.entries, newest["results"], strict=True):
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry.id)
        assert entry.updated == f"{hit['date']}T00:00:00Z" and entry.updated_parsed is not None
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert feed.feed.updated == max(e.updated for e in feed.entries)
    assert "„Gipfel“" in feed.feed.title and "Nordkorea" in feed.feed.title
    self_link = next(link.href for link in feed.feed.links if link.rel == "self")
    assert parse_qs(urlsplit(self_link).query) == {"q": ["Gipfel"], "country": ["KP"]}
    # the same search in another parameter order is the same feed with the same entry ids
    again = feedparser.parse(fetch(f"{live_server}/feed?country=KP&q=Gipfel")[0])
    assert again.feed.id == feed.feed.id and [e.id for e in again.entries] == [e.id for e in feed.entries]
    other = feedparser.parse(fetch(f"{live_server}/feed?q=Gipfel")[0])
    assert other.feed.id != feed.feed.id
    assert {e.id for e in feed.entries} <= {e.id for e in other.entries}


def test_feed_honours_the_date_range_and_dates_undated_articles_by_the_index(archive) -> None:
    feed = feedparser.parse(archive.get("/feed?q=Haushalt").get_data())
    assert not feed.bozo
    assert [e.title for e in feed.entries] == [
        "Haushalt im März",
        "Haushalt im Februar",
        "Haushalt im Januar",
        "Haushalt des Jahres",
        "Haushalt ohne Datum",
    ]
    undated = feed.entries[-1]
    assert undated.updated_parsed is not None and "published" not in undated
    ranged = feedparser.parse(archive.get("/feed?q=Haushalt&date_from=2020-02").get_data())
    assert [e.title for e in ranged.entries] == ["Haushalt im März", "Haushalt im Februar"]


def test_results_page_announces_its_feed(client) -> None:
    html = client.get("/?q=Gipfel&country=KP&date_from=2018&sort=newest&page=1").get_data(as_text=True)
    links = parse_page(html)
    alternate = [link for link in links.head_links if link.get("type") == "application/atom+xml"]
    assert len(alternate) == 1 and alternate[0]["rel"] == "alternate"
    href = alternate[0]["href"]
    assert urlsplit(href).path == "/feed"
    assert parse_qs(urlsplit(href).query) == {"q": ["Gipfel"], "country": ["KP"], "date_from": ["2018"]}
    visible = [a for a, text in links.anchors if text == "Als Feed abonnieren"]
    assert len(visible) == 1 and visible[0]["href"] == href
    english = client.get("/?q=Gipfel&lang=en").get_data(as_text=True)
    assert "Subscribe as feed" in english and "/feed?q=Gipfel&amp;lang=en" in english
    assert 'type="application/atom+xml"' not in client.get("/hilfe").get_data(as_text=True)


def test_feed_text_drops_what_xml_forbids() -> None:
    """An archive may hold control characters; a feed with one is not XML and a reader drops it whole."""
    from search.web.feeds import atom_time, index_time, xml_text

    assert xml_text("Gipfel\x00 in\x0b Hanoi\x1f – \ufffe“ok”") == "Gipfel in Hanoi – “ok”"
    assert atom_time("2018-05-31", "x") == "2018-05-31T00:00:00Z" and atom_time(None, "x") == "x"
    assert index_time("2026-01-02T03:04:05+00:00") == "2026-01-02T03:04:05Z"
