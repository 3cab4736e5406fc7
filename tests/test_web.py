"""HTML pages through Flask's test client: every page renders, filters are plain URLs, text is escaped,
errors are pretty 4xx pages, German by default and English on request.

Expected values are derived from the JSON API of the same app (entity extraction is still changing), except
for robust facts about the five seeds: all mention Nordkorea (KP); two were published in 2018-04, two in
2018-05 and one in 2019-02.
"""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.core.models import SearchRequest, SearchResponse
from search.text.spans import clean_entity_spans
from search.web.pages import (
    QueryArgs,
    bar_chart,
    group_periods,
    highlight_html,
    highlight_paragraphs,
    month_series,
    pagination,
    paragraphs,
)

ROOT = Path(__file__).resolve().parents[1]
XSS_QUERY = '"><img src=x onerror=alert(1)>'
SCRIPT = "<script>alert(1)</script>"


# ----------------------------------------------------------------------------- helpers


class Page(HTMLParser):
    """A tiny DOM-less view of a page: links, form fields, elements with their attributes and text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.links: list[tuple[str, str]] = []  # (href, text)
        self.inputs: list[dict] = []
        self.elements: list[tuple[str, dict]] = []
        self.scripts: list[dict] = []
        self.text_parts: list[str] = []
        self._link: dict | None = None
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v or "") for k, v in attrs}
        self.elements.append((tag, a))
        if tag == "a":
            self._link = {"href": a.get("href", ""), "text": []}
        elif tag == "input":
            self.inputs.append(a)
        elif tag == "script":
            self.scripts.append(a)
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._link["href"], " ".join("".join(self._link["text"]).split())))
            self._link = None
        elif tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link["text"].append(data)
        if not self._in_script:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def hrefs(self, text: str | None = None) -> list[str]:
        return [h for h, t in self.links if text is None or text in t]

    def checkbox(self, name: str, value: str) -> dict | None:
        return next(
            (
                i
                for i in self.inputs
                if i.get("type") == "checkbox" and i.get("name") == name and i.get("value") == value
            ),
            None,
        )

    def checked(self, name: str) -> list[str]:
        return [
            i["value"]
            for i in self.inputs
            if i.get("type") == "checkbox" and i.get("name") == name and "checked" in i
        ]


def get_page(client, url: str, status: int = 200, **kwargs) -> Page:
    resp = client.get(url, **kwargs)
    assert resp.status_code == status, f"{url}: {resp.status_code}\n{resp.get_data(as_text=True)[:2000]}"
    assert resp.mimetype == "text/html"
    return Page(resp.get_data(as_text=True))


def api(client, path: str, **params) -> dict:
    resp = client.get(path + ("?" + urlencode(params, doseq=True) if params else ""))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def result_count_text(page: Page) -> str:
    m = re.search(r'id="result-count"[^>]*>([^<]*)<', page.html)
    assert m, "no result count on the page"
    return m.group(1).strip()


def assert_no_inline_code(page: Page) -> None:
    """Nothing a strict CSP without 'unsafe-inline' would block: inline scripts, styles, event handlers."""
    for script in page.scripts:
        assert script.get("src"), "inline <script> found"
    assert "<style" not in page.html.lower()
    for tag, attrs in page.elements:
        for name in attrs:
            assert name != "style", f"style attribute on <{tag}>"
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
        if tag == "a":
            assert not attrs.get("href", "").strip().lower().startswith("javascript:")


# ----------------------------------------------------------------------------- start, results


def test_start_page_is_german_by_default(client) -> None:
    page = get_page(client, "/")
    assert '<html lang="de"' in page.html
    assert "Nachrichtensuche" in page.text
    assert "Das Nachrichtenarchiv durchsuchen" in page.text
    q = next(i for i in page.inputs if i.get("name") == "q")
    assert q.get("type") == "search" and q.get("id") == "q"
    assert 'for="q"' in page.html  # the search box has a label
    assert 'rel="search"' in page.html and "/opensearch.xml" in page.html
    assert 'role="search"' in page.html and "<main" in page.html and "<header" in page.html
    assert "/land/KP" in page.hrefs()  # frequent countries lead to their pages
    assert_no_inline_code(page)


def test_result_page_keeps_query_counts_and_sort(client) -> None:
    data = api(client, "/api/search", q="Nordkorea")
    page = get_page(client, "/?q=Nordkorea")
    assert result_count_text(page) == f"{data['total']} Treffer"
    q = next(i for i in page.inputs if i.get("id") == "q")
    assert q["value"] == "Nordkorea"
    for label in ("Relevanz", "Neueste", "Älteste"):
        assert label in page.text
    newest = page.hrefs("Neueste")[0]
    assert query_of(newest) == {"q": ["Nordkorea"], "sort": ["newest"]}
    # every hit links to its article page, carrying the query
    for hit in data["results"]:
        href = next(h for h in page.hrefs() if h.startswith(f"/artikel/{hit['id']}"))
        assert query_of(href)["q"] == ["Nordkorea"]
    assert "<mark>" in page.html  # highlighted snippets rendered as HTML
    assert_no_inline_code(page)


def test_result_page_sort_newest_orders_by_date(client) -> None:
    data = api(client, "/api/search", q="Nordkorea", sort="newest")
    page = get_page(client, "/?q=Nordkorea&sort=newest")
    positions = [page.html.find(f"/artikel/{hit['id']}?") for hit in data["results"]]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert 'aria-current="true">Neueste' in page.html


def test_dates_and_numbers_by_babel(client, app) -> None:
    page = get_page(client, "/?q=Gipfel&sort=newest")
    assert "31. Mai 2018" in page.text
    page_en = get_page(client, "/?q=Gipfel&sort=newest&lang=en")
    assert "May 31, 2018" in page_en.text
    from search.web.i18n import date_filter, number_filter

    with app.test_request_context("/?lang=de"):
        app.preprocess_request()
        assert number_filter(1234) == "1.234"
        assert date_filter("2018-05-31") == "31. Mai 2018"
        assert date_filter("2018-05") == "Mai 2018"
    with app.test_request_context("/?lang=en"):
        assert number_filter(1234) == "1,234"
        assert date_filter("2018-05-31") == "May 31, 2018"


def test_estimated_dates_are_marked(app) -> None:
    from flask import render_template_string

    hit = {"date": "2018-05-31", "date_estimated": True, "date_precision": "day"}
    tpl = '{% import "_macros.html" as m with context %}{{ m.pubdate(hit) }}'
    with app.test_request_context("/"):
        html = render_template_string(tpl, hit=hit)
        assert "31. Mai 2018" in html and "(geschätzt)" in html
    with app.test_request_context("/?lang=en"):
        assert "(estimated)" in render_template_string(tpl, hit=hit)
    with app.test_request_context("/"):
        plain = render_template_string(tpl, hit={**hit, "date_estimated": False})
        assert "geschätzt" not in plain
        month = render_template_string(tpl, hit={**hit, "date_precision": "month"})
        assert "Mai 2018" in month and "31." not in month


def test_facets_are_checkboxes_in_a_get_form(client) -> None:
    data = api(client, "/api/search", q="Nordkorea")
    page = get_page(client, "/?q=Nordkorea")
    assert re.search(r'<form id="facet-form"[^>]*method="get"', page.html)
    hidden_q = [i for i in page.inputs if i.get("type") == "hidden" and i.get("name") == "q"]
    assert hidden_q and hidden_q[0]["value"] == "Nordkorea"
    for entry in data["facets"]["country"]:
        box = page.checkbox("country", entry["value"])
        assert box is not None, entry
        assert entry["label"] in page.text
    for entry in data["facets"]["person"]:
        assert page.checkbox("person", entry["value"]) is not None
    for title in ("Personen", "Länder", "Erscheinungsdatum", "Erwähnte Zeitpunkte", "Quellen"):
        assert title in page.text
    assert page.checked("country") == []


def test_facet_filters_toggle_via_urls(client) -> None:
    # tick: country=KP (all five seeds)
    page = get_page(client, "/?q=&country=KP")
    assert result_count_text(page) == "5 Treffer"
    assert page.checked("country") == ["KP"]
    chip = next(h for h, t in page.links if "Land:" in t and "Nordkorea" in t)
    assert "country" not in query_of(chip)  # the chip removes the filter
    # a second value of the same facet: as the API (countries: all of them by default), another facet is AND
    data = api(client, "/api/search", country="KP")
    other = next((e["value"] for e in data["facets"]["country"] if e["value"] != "KP"), None)
    if other:
        both = api(client, "/api/search", country=["KP", other])
        page2 = get_page(client, f"/?country=KP&country={other}")
        assert result_count_text(page2) == f"{both['total']} Treffer"
        assert sorted(page2.checked("country")) == sorted(["KP", other])
    page3 = get_page(client, "/?country=KP&date=2018-04")
    assert result_count_text(page3) == "2 Treffer"
    remove_all = page3.hrefs("alle entfernen")[0]
    assert "country" not in query_of(remove_all) and "date" not in query_of(remove_all)
    # untick: the URL without the value is the unfiltered page
    page4 = get_page(client, "/?q=Nordkorea")
    assert page4.checked("country") == []


def _op_links(page: Page, facet: str) -> dict[str, tuple[str, bool]]:
    """The facet's and/or switch: {text: (href, in force)}."""
    section = page.html[page.html.index(f'id="facet-{facet}"') :]
    switch = section[: section.index("</p>")]
    found = re.findall(
        r'<a class="facet-op-choice" href="([^"]+)" data-swap( aria-current="true")?>([^<]+)</a>', switch
    )
    return {text: (html_unescape(href), bool(current)) for href, current, text in found}


def test_facet_logic_switch_in_the_sidebar(client) -> None:
    a, b = "Mike Pompeo", "Wladimir Putin"
    both = api(client, "/api/search", person=[a, b])
    either = api(client, "/api/search", person=[a, b], person_op="or")
    assert both["total"] < either["total"]
    page = get_page(client, "/?" + urlencode({"person": [a, b]}, doseq=True))
    assert result_count_text(page) == f"{both['total']} Treffer"
    links = _op_links(page, "person")
    assert links["alle"][1] and not links["eine davon"][1]
    href = links["eine davon"][0]
    assert query_of(href)["person_op"] == ["or"] and href.endswith("#facet-person")
    # following the link (no script): "eine davon" in force, OR's hits, the choice kept in the filter form
    page2 = get_page(client, href.split("#")[0])
    assert result_count_text(page2) == f"{either['total']} Treffer"
    links2 = _op_links(page2, "person")
    assert links2["eine davon"][1] and "person_op" not in query_of(links2["alle"][0])
    assert {"type": "hidden", "name": "person_op", "value": "or"}.items() <= next(
        i for i in page2.inputs if i.get("name") == "person_op"
    ).items()
    # the count beside a person means "hits if you tick it too" under the logic in force
    counts = {e["value"]: e["count"] for e in both["facets"]["person"]}
    assert all(n <= both["total"] for n in counts.values())
    # dates default to "any of them"
    dates = _op_links(page, "date")
    assert dates["eine davon"][1] and query_of(dates["alle"][0])["date_op"] == ["and"]
    en = _op_links(get_page(client, "/?lang=en&person=" + quote(a)), "person")
    assert set(en) == {"all of them", "any of them"}


def test_date_facet_years_open_into_months(client) -> None:
    page = get_page(client, "/?sort=newest")
    assert result_count_text(page) == "5 Treffer"
    for value in ("2018", "2019", "2018-04", "2018-05", "2019-02"):
        assert page.checkbox("date", value) is not None, value
    assert re.search(r"<details class=\"facet-year\"[^>]*>\s*<summary>.*?2018", page.html, re.S)
    assert "April 2018" in page.text and "Februar 2019" in page.text
    chosen = get_page(client, "/?sort=newest&date=2018-05")
    assert result_count_text(chosen) == "2 Treffer"
    assert chosen.checked("date") == ["2018-05"]
    assert re.search(
        r'<details class="facet-year" open>\s*<summary><span class="facet-label">2018', chosen.html
    )
    year = get_page(client, "/?sort=newest&date=2018")
    assert result_count_text(year) == "4 Treffer"


def test_hit_entities_add_a_filter_to_the_current_url(client) -> None:
    data = api(client, "/api/search", q="Gipfel", sort="newest")
    page = get_page(client, "/?q=Gipfel&sort=newest")
    hit = next((h for h in data["results"] if h["persons"] and h["countries"]), None)
    if hit is None:
        pytest.skip("no hit with persons and countries yet (entity extraction)")
    person = hit["persons"][0]
    href = next(h for h, t in page.links if t == person and "person=" in h)
    assert query_of(href) == {"q": ["Gipfel"], "sort": ["newest"], "person": [person]}
    country = hit["countries"][0]
    href = next(h for h, t in page.links if t == country["label"] and "country=" in h)
    assert query_of(href)["country"] == [country["code"]]
    # following the link shows the filtered result
    filtered = api(client, "/api/search", q="Gipfel", person=person)
    page2 = get_page(client, href.replace("country=" + country["code"], "person=" + person.replace(" ", "+")))
    assert page2.checked("person") == [person]
    assert filtered["total"] > 0


def test_more_facet_values_and_person_filter_box(client) -> None:
    data = api(client, "/api/search", sort="newest")
    page = get_page(client, "/?sort=newest")
    persons = data["facets"]["person"]
    if data["facet_totals"]["person"] > len(persons):
        more = page.hrefs("mehr anzeigen")[0]
        assert query_of(more)["facet_size"] == ["50"]
        page_more = get_page(client, more.split("#")[0])
        shown = [i for i in page_more.inputs if i.get("name") == "person" and i.get("type") == "checkbox"]
        assert len(shown) == min(50, data["facet_totals"]["person"])
        assert page_more.hrefs("weniger anzeigen")
    assert any(i.get("name") == "person_prefix" for i in page.inputs)
    if not persons:
        pytest.skip("no persons extracted yet")
    name = persons[0]["value"]
    prefix = name.split()[-1][:3]
    expected = api(client, "/api/facets/person", prefix=prefix, sort="newest")
    filtered = get_page(client, f"/?sort=newest&person_prefix={prefix}")
    shown = [i["value"] for i in filtered.inputs if i.get("name") == "person" and i.get("type") == "checkbox"]
    assert name in shown
    assert set(shown) <= {v["value"] for v in expected["values"]}
    nothing = get_page(client, "/?sort=newest&person_prefix=Zzzqx")
    assert "Kein Name beginnt mit „Zzzqx“" in nothing.text


def test_person_filter_box_keeps_selected_persons_in_the_form(client) -> None:
    persons = api(client, "/api/search", sort="newest")["facets"]["person"]
    if len(persons) < 2:
        pytest.skip("too few persons extracted yet")
    chosen = persons[0]["value"]
    page = get_page(client, f"/?sort=newest&person={quote(chosen)}&person_prefix=Zzzqx")
    assert page.checked("person") == [chosen]


def test_pagination(client) -> None:
    page1 = get_page(client, "/?sort=newest&per_page=2")
    assert 'aria-label="Ergebnisseiten"' in page1.html
    nxt = page1.hrefs("Weiter")[0]
    assert query_of(nxt)["page"] == ["2"] and query_of(nxt)["per_page"] == ["2"]
    page3 = get_page(client, "/?sort=newest&per_page=2&page=3")
    items = re.findall(r'<li class="result">', page3.html)
    assert len(items) == 1
    assert '<ol class="results" start="5">' in page3.html
    assert page3.hrefs("Zurück")
    beyond = get_page(client, "/?sort=newest&per_page=2&page=9")
    assert "Diese Seite ist leer" in beyond.text


def test_empty_result_explains_and_offers_to_drop_filters(client) -> None:
    page = get_page(client, "/?q=Xylophonquartett")
    assert "Keine Artikel gefunden für „Xylophonquartett“" in page.text
    assert "Tipps" in page.text and "ODER" in page.text
    page2 = get_page(client, "/?q=Gipfel&country=KP&date=2017")
    assert result_count_text(page2) == "0 Treffer"
    removals = {t: h for h, t in page2.links if t.startswith("„")}
    date_link = next(h for t, h in removals.items() if "Erschienen: 2017" in t)
    assert "date" not in query_of(date_link) and query_of(date_link)["country"] == ["KP"]
    with_counts = api(client, "/api/search", q="Gipfel", country="KP")
    assert f"({with_counts['total']} Treffer)" in page2.text
    assert page2.hrefs("Alle Filter entfernen")
    page3 = get_page(client, "/?q=Xylophonquartett&country=KP")
    drop_words = page3.hrefs("ohne die Wörter „Xylophonquartett“")[0]
    assert query_of(drop_words) == {"country": ["KP"]}
    assert "(5 Treffer)" in page3.text


def test_did_you_mean(client) -> None:
    # exact=1: the typed word itself (without it, this word is searched corrected: tests/test_typos.py)
    data = api(client, "/api/search", q="Denuklearisirung", exact="1")
    page = get_page(client, "/?q=Denuklearisirung&exact=1")
    if data["suggestion"]:
        assert "Meinten Sie" in page.text
        href = page.hrefs(data["suggestion"])[0]
        assert query_of(href) == {"q": [data["suggestion"]]}  # the suggestion may be corrected again
    else:
        assert "Meinten Sie" not in page.text


def test_some_words_fallback_notice(client, monkeypatch) -> None:
    data = api(client, "/api/search", q="Gipfel Xylophonquartett")
    page = get_page(client, "/?q=Gipfel+Xylophonquartett")
    notice = "Keine Treffer für alle Wörter – Ergebnisse für einige Wörter"
    assert (notice in page.text) == (data.get("match") == "some")
    assert result_count_text(page) == f"{data['total']} Treffer"

    from search.engine.whoosh.engine import WhooshSnapshot

    real = WhooshSnapshot.search

    def fake(self: WhooshSnapshot, req: SearchRequest) -> SearchResponse:
        resp = real(self, req)
        resp.match = "some"
        return resp

    monkeypatch.setattr(WhooshSnapshot, "search", fake)
    page = get_page(client, "/?q=Gipfel")
    assert "Keine Treffer für alle Wörter – Ergebnisse für einige Wörter" in page.text
    page_en = get_page(client, "/?q=Gipfel&lang=en")
    assert "No results for all words" in page_en.text


# ----------------------------------------------------------------------------- article, entity pages


def _first_id(client) -> str:
    return api(client, "/api/search", q="Gipfel")["results"][0]["id"]


def test_article_page_marks_query_and_entities(client) -> None:
    article_id = _first_id(client)
    data = api(client, f"/api/articles/{article_id}", q="Gipfel")
    page = get_page(client, f"/artikel/{article_id}?q=Gipfel")
    assert data["title"] in page.text
    assert re.search(r'<mark class="hit" data-hit="\d+">Gipfel</mark>', page.html)
    kinds = {s[2] for s in data["entity_spans"]}
    if "PER" in kinds:
        assert 'class="ent ent-per"' in page.html
    if "COUNTRY" in kinds:
        assert 'class="ent ent-country"' in page.html
    for legend in ("Suchtreffer", "Person", "Land"):
        assert legend in page.text
    assert "Ähnliche Artikel" in page.text
    for person in data["persons"]:
        assert any(query_of(h).get("person") == [person] for h in page.hrefs())
    for country in data["countries"]:
        assert any(query_of(h).get("country") == [country["code"]] for h in page.hrefs())
    back = page.hrefs("Zurück zu den Treffern")[0]
    assert query_of(back) == {"q": ["Gipfel"]}
    # the text is all there (tags removed)
    plain = re.sub(
        r"<[^>]+>", "", "".join(re.findall(r'<div class="article-text">(.*?)</div>', page.html, re.S))
    )
    assert " ".join(plain.split())[:200] == " ".join(data["text"].split())[:200]
    assert_no_inline_code(page)


def test_article_page_without_query_and_with_bad_query(client) -> None:
    article_id = _first_id(client)
    page = get_page(client, f"/artikel/{article_id}")
    assert 'class="hit"' not in page.html.split('class="article-text"')[1]
    page2 = get_page(client, f"/artikel/{article_id}?q=date:abc")  # a query error is no reason to fail
    assert "Die Suchanfrage konnte nicht hervorgehoben werden" in page2.text


def test_article_not_found_is_a_pretty_404(client) -> None:
    page = get_page(client, "/artikel/gibt-es-nicht", status=404)
    assert "Seite nicht gefunden" in page.text
    assert "gibt-es-nicht" in page.text
    assert page.hrefs("Zur Startseite")


def test_person_page(client) -> None:
    persons = api(client, "/api/search")["facets"]["person"]
    if not persons:
        pytest.skip("no persons extracted yet")
    name = persons[0]["value"]
    data = api(client, "/api/search", person=name, per_page=100)
    page = get_page(client, f"/person/{name}")
    assert f"<h1>{name}</h1>" in page.html
    n = data["total"]
    assert (f"In {n} Artikeln erwähnt." if n != 1 else "In 1 Artikel erwähnt.") in page.text
    assert "Auch geschrieben als" in page.text
    assert "<svg" in page.html and 'class="bar' in page.html
    for hit in data["results"][:20]:
        assert f"/artikel/{hit['id']}" in page.html
    co = [e for e in data["facets"]["person"] if e["value"] != name]
    if co:
        assert any(h.startswith("/person/") and co[0]["value"] in t for h, t in page.links)
    filter_link = page.hrefs("In diesen Artikeln suchen")[0]
    assert query_of(filter_link) == {"person": [name]}
    assert_no_inline_code(page)


def test_entity_pages_count_co_mentions_within_the_entitys_articles(client) -> None:
    everything = api(client, "/api/search")["facets"]["person"]
    if len(everything) < 2:
        pytest.skip("fewer than two persons extracted")
    overall = {e["value"]: e["count"] for e in everything}
    name = min(everything, key=lambda e: e["count"])["value"]  # few articles: co-mentions differ from all
    for path, facet, value in ((f"/person/{quote(name)}", "person", name), ("/land/KP", "country", "KP")):
        html = get_page(client, path).html
        section = html[html.index('id="co-persons-heading"') : html.index('id="co-countries-heading"')]
        pairs = [
            (unquote(q), int(c))
            for q, c in re.findall(
                r'<a href="/person/([^"]+)">[^<]*</a> <span class="count">(\d+)</span>', section
            )
        ]
        assert pairs
        own = api(client, "/api/search", **{facet: value})["total"]
        for other, count in pairs:
            wanted = {"person": [value, other]} if facet == "person" else {"country": value, "person": other}
            both = api(client, "/api/search", **wanted)
            assert count == both["total"] <= own, (path, other)
        if facet == "person":
            assert any(count < overall[other] for other, count in pairs), "the global counts are shown"


def test_person_aliases_are_collected(client, store) -> None:
    from search.engine.whoosh.overview import entity_aliases

    gen = store.current()
    found = None
    for hit in api(client, "/api/search", per_page=100)["results"]:
        art = api(client, f"/api/articles/{hit['id']}")
        for name, forms in art["person_aliases"].items():
            others = [f for f in forms if f != name]
            if others:
                found = (name, others[0])
                break
        if found:
            break
    if not found:
        pytest.skip("no person with an alias yet")
    name, alias = found
    assert alias in dict(entity_aliases(gen, "person", name))
    page = get_page(client, f"/person/{name}")
    assert alias in page.text


def test_country_page_with_monthly_chart(client) -> None:
    page = get_page(client, "/land/KP")
    assert "<h1>Nordkorea</h1>" in page.html
    assert "In 5 Artikeln erwähnt." in page.text
    bars = re.findall(r'<rect class="bar[^"]*" x="[^"]+" y="[^"]+" width="[^"]+" height="([^"]+)"', page.html)
    assert len(bars) == 11  # April 2018 .. February 2019, gaps included
    assert sum(1 for h in bars if float(h) > 0) == 3
    assert "April 2018" in page.text  # the accessible table
    assert "style=" not in page.html
    en = get_page(client, "/land/KP?lang=en")
    assert "<h1>North Korea</h1>" in en.html and "Mentioned in 5 articles." in en.text
    assert client.get("/land/kp").status_code == 301
    get_page(client, "/land/XQ", status=404)
    get_page(client, "/land/K1", status=404)
    get_page(client, "/person/Niemand%20Unbekannt", status=404)


# ----------------------------------------------------------------------------- help, statistics, OpenSearch


def test_help_page_documents_the_query_language(client) -> None:
    page = get_page(client, "/hilfe")
    for syntax in (
        "ODER",
        "NICHT",
        "-Putin",
        '"Kim Jong-un"',
        "Atom*",
        "~",
        "person:",
        "land:",
        "country:KP",
        "titel:",
        "datum:2018-05",
        "date:[2018-04 TO 2018-06]",
        "quelle:",
        "erwähnt:",
        "(Gipfel ODER Treffen)",
    ):
        assert syntax in page.text, syntax
    example = page.hrefs("datum:2018-05")[0]
    assert query_of(example)["q"] == ["datum:2018-05"]
    en = get_page(client, "/hilfe?lang=en")
    assert "How to search" in en.text and "Parentheses group parts of a query." in en.text


def test_statistics_page(client, store) -> None:
    from search.engine.whoosh.overview import index_statistics

    stats = index_statistics(store.current())
    page = get_page(client, "/statistik")
    assert "Index-Statistik" in page.text
    numbers = re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", page.html)
    values = dict(numbers)
    assert values["Artikel"] == "5"
    assert values["Personen"] == str(stats["persons"])
    assert values["Länder"] == str(stats["countries"])
    assert stats["created"] and "Letzte Indizierung" in page.text
    assert re.search(r"\d{4} um \d{2}:\d{2}", page.text) or re.search(r"\d{4}, \d{2}:\d{2}", page.text)


def test_opensearch_description_and_suggestions(client) -> None:
    resp = client.get("/opensearch.xml")
    assert resp.status_code == 200
    assert resp.mimetype == "application/opensearchdescription+xml"
    body = resp.get_data(as_text=True)
    assert "<ShortName>Nachrichtensuche</ShortName>" in body
    assert 'template="http://localhost/?q={searchTerms}"' in body
    assert 'type="application/x-suggestions+json"' in body and "/suggest.json?q={searchTerms}" in body
    sug = client.get("/suggest.json?q=Nordk")
    assert sug.status_code == 200 and sug.mimetype == "application/x-suggestions+json"
    data = json.loads(sug.get_data(as_text=True))
    assert data[0] == "Nordk" and len(data) == 4 and len(data[1]) == len(data[2]) == len(data[3])
    assert any("Nordkorea" in c for c in data[1])


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "url",
    [
        "/?sort=bogus",
        "/?page=abc",
        "/?page=0",
        "/?per_page=1000",
        "/?facet_size=0",
        "/?country=Atlantis",
        "/?date=2018-13",
        "/?mentioned=gestern",
        "/?q=" + "x" * 2100,
    ],
)
def test_bad_parameters_are_400_pages(client, url: str) -> None:
    page = get_page(client, url, status=400)
    assert "Diese Anfrage kann nicht beantwortet werden" in page.text
    assert page.hrefs("Zur Startseite")
    assert_no_inline_code(page)


def test_invalid_query_keeps_the_query_and_explains(client) -> None:
    page = get_page(client, "/?q=date:abc", status=400)
    assert "Diese Suchanfrage kann nicht ausgeführt werden." in page.text
    assert next(i for i in page.inputs if i.get("id") == "q")["value"] == "date:abc"


@pytest.mark.parametrize(
    "url",
    [
        '/?q="unbalanced',
        "/?q=((Gipfel",
        "/?q=Gipfel)))",
        "/?q=OR AND NOT",
        "/?q=-",
        "/?q=*",
        "/?q=a~9",
        "/?q=%00%01",
        "/?q=person:",
        "/?q=land:Atlantis",
        "/?q=date:[2018 TO",
        "/?lang=xx&q=Gipfel",
        "/?person_prefix=%C3%A4%C3%B6%C3%BC&sort=newest",
        "/?person=" + "p" * 300,
        "/?source=dpa&source=dpa",
        "/artikel/..",
        "/artikel/%00",
        "/person/%20",
        "/land/%C3%84%C3%96",
        "/suggest.json?q=" + "ä" * 500,
        "/opensearch.xml?lang=en",
        "/statistik?lang=en",
    ],
)
def test_odd_input_never_gives_a_500(client, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code in (200, 301, 400, 404), (url, resp.status_code)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40), other=st.text(max_size=20))
def test_pages_never_fail_on_random_text(client, text: str, other: str) -> None:
    path_part = quote(text, safe="") or "x"
    for url, query in (
        (f"/person/{path_part}", {"page": other}),
        (f"/land/{path_part}", {}),
        (f"/artikel/{path_part}", {"q": other}),
        ("/", {"sort": "newest", "person_prefix": text, "q": other}),
        ("/suggest.json", {"q": text}),
    ):
        resp = client.get(url, query_string=query)
        assert resp.status_code in (200, 301, 308, 400, 404), (url, query, resp.status_code)


def test_unknown_page_is_a_pretty_404(client) -> None:
    page = get_page(client, "/gibt/es/nicht", status=404)
    assert "Seite nicht gefunden" in page.text
    assert "The requested URL" not in page.text  # werkzeug's English default is not shown
    en = get_page(client, "/gibt/es/nicht?lang=en", status=404)
    assert "Page not found" in en.text and '<html lang="en"' in en.html


# ----------------------------------------------------------------------------- languages


def test_english_via_lang_parameter_is_kept_in_links(client) -> None:
    page = get_page(client, "/?q=Nordkorea&lang=en")
    assert '<html lang="en"' in page.html
    assert result_count_text(page) == "5 results"
    assert "North Korea" in page.text and "Relevance" in page.text and "Oldest" in page.text
    for href, text in page.links:
        if "Deutsch" not in text and href.startswith(
            ("/?", "/artikel/", "/person/", "/land/", "/hilfe", "/statistik")
        ):
            assert query_of(href).get("lang") == ["en"], href
    assert any(i.get("name") == "lang" and i.get("value") == "en" for i in page.inputs)
    switch = page.hrefs("Deutsch")[0]
    assert query_of(switch) == {"q": ["Nordkorea"], "lang": ["de"]}


def test_english_via_accept_language(client) -> None:
    resp = client.get("/?q=Nordkorea", headers={"Accept-Language": "en-GB,en;q=0.8"})
    page = Page(resp.get_data(as_text=True))
    assert '<html lang="en"' in page.html and result_count_text(page) == "5 results"
    assert "Accept-Language" in resp.headers.get("Vary", "")
    french = get_page(client, "/?q=Nordkorea", headers={"Accept-Language": "fr-FR"})
    assert result_count_text(french) == "5 Treffer"
    explicit = get_page(client, "/?q=Nordkorea&lang=de", headers={"Accept-Language": "en"})
    assert result_count_text(explicit) == "5 Treffer"


def test_language_switch_on_german_page(client) -> None:
    page = get_page(client, "/?q=Gipfel&country=KP&page=1")
    switch = page.hrefs("English")[0]
    assert query_of(switch) == {"q": ["Gipfel"], "country": ["KP"], "page": ["1"], "lang": ["en"]}


def test_translation_catalogues_are_complete_and_compiled() -> None:
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    for lang in ("de", "en"):
        folder = ROOT / "translations" / lang / "LC_MESSAGES"
        with open(folder / "messages.po", "rb") as f:
            po = read_po(f)
        with open(folder / "messages.mo", "rb") as f:
            mo = read_mo(f)
        po_strings = {_key(m.id): _key(m.string) for m in po if m.id and not m.fuzzy}
        mo_strings = {_key(m.id): _key(m.string) for m in mo if m.id}
        stale = f"{lang}: the .mo is out of date, run `pybabel compile -d translations`"
        for msgid, string in po_strings.items():
            if all(_nonempty(string)):
                assert mo_strings.get(msgid) == string, stale
        for msgid, string in mo_strings.items():
            assert msgid in po_strings, stale
            assert string in (po_strings[msgid], msgid), stale
        if lang == "de":
            untranslated = [m.id for m in po if m.id and not all(_nonempty(m.string))]
            assert not untranslated, untranslated


def _key(value):
    return tuple(value) if isinstance(value, list | tuple) else value


def _nonempty(string) -> list[bool]:
    return [bool(s) for s in string] if isinstance(string, tuple | list) else [bool(string)]


# ----------------------------------------------------------------------------- escaping


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """An app over an index with an article that contains markup."""
    from search import create_app
    from search.enrich.pipeline import default_enricher

    from .helpers import build_index

    tmp = tmp_path_factory.mktemp("hostile")
    text = (
        f"Donald Trump sprach in Berlin über Nordkorea {SCRIPT} und den Gipfel. "
        'Ein Attribut "><img src=x onerror=alert(2)> steht auch im Text.\n\n'
        f"Der zweite Absatz nennt Kim Jong-un und Nordkorea noch einmal {SCRIPT}."
    )
    store = build_index(
        tmp, {"boese": text, "harmlos": "Der Gipfel in Singapur fand im Juni statt."}, default_enricher()
    )
    return create_app(
        {
            "TESTING": True,
            "SEARCH_INDEX_DIR": str(store.index_dir),
            "SEARCH_ARTICLES_DIR": str(tmp / "articles"),
        }
    )


def _assert_escaped(html: str) -> None:
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "onerror=alert" not in html or "&lt;img src=x onerror=alert" in html


def test_article_markup_is_escaped_on_every_page(hostile_app) -> None:
    client = hostile_app.test_client()
    for url in (
        "/artikel/boese",
        "/artikel/boese?q=Gipfel",
        "/artikel/boese?q=script",
        "/?q=Gipfel",
        "/?q=alert",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        _assert_escaped(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url
    article = client.get("/artikel/boese?q=Gipfel").get_data(as_text=True)
    assert re.search(r'<mark class="hit" data-hit="\d+">Gipfel</mark>', article)
    for url in ("/land/KP", "/statistik", "/"):
        _assert_escaped(client.get(url).get_data(as_text=True))


def test_hostile_query_renders_as_text_everywhere(client) -> None:
    q = quote(XSS_QUERY)
    urls = [
        f"/?q={q}",
        f"/?q={q}&country=KP",
        f"/?q={q}&lang=en",
        f"/?q={q}&person={q}",
        f"/?sort=newest&person_prefix={q}",
        f"/artikel/{_first_id(client)}?q={q}",
        f"/person/{q}",
        f"/artikel/{q}",
    ]
    for url in urls:
        resp = client.get(url)
        assert resp.status_code in (200, 404), (url, resp.status_code)
        html = resp.get_data(as_text=True)
        assert "<img src=x" not in html, url
    suggestions = client.get(f"/suggest.json?q={q}")  # JSON, never served as HTML
    assert suggestions.mimetype == "application/x-suggestions+json"
    page = get_page(client, f"/?q={q}")
    assert next(i for i in page.inputs if i.get("id") == "q")["value"] == XSS_QUERY
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.html or "&quot;&gt;&lt;img" in page.html
    assert f"Treffer für „{XSS_QUERY}“" in page.text
    assert f"Keine Artikel gefunden für „{XSS_QUERY}“" in page.text
    chip = get_page(client, f"/?q=Gipfel&person={q}")
    assert f"Person: {XSS_QUERY}" in chip.text


# ----------------------------------------------------------------------------- pure helpers


def test_query_args_edits() -> None:
    args = QueryArgs([("q", "Gipfel"), ("person", "A"), ("page", "3"), ("junk", "x"), ("country", "")])
    assert args.pairs == (("q", "Gipfel"), ("person", "A"), ("page", "3"))
    assert args.add("person", "B").href() == "/?q=Gipfel&person=A&person=B"
    assert args.add("person", "A").href() == "/?q=Gipfel&person=A"
    assert args.remove("person", "A").href() == "/?q=Gipfel"
    assert args.set("sort", "newest").href() == "/?q=Gipfel&person=A&sort=newest"
    assert args.set("lang", "en").href() == "/?q=Gipfel&person=A&page=3&lang=en"
    assert args.set("page", 4).href("/x") == "/x?q=Gipfel&person=A&page=4"
    assert args.without_filters().href() == "/?q=Gipfel"
    assert QueryArgs().href("/") == "/"
    assert args.add("person", "Ä & B").query_string().endswith("person=%C3%84+%26+B")


def test_pagination_window() -> None:
    p = pagination(total=95, page=5, per_page=10)
    assert p["pages"] == [1, None, 3, 4, 5, 6, 7, None, 10]
    assert (p["prev"], p["next"], p["last"]) == (4, 6, 10)
    assert pagination(5, 1, 10)["pages"] == []
    assert pagination(5, 3, 10)["beyond"] is True
    assert pagination(10**7, 1, 1, max_page=1000)["last"] == 1000


def test_highlight_merges_matches_and_entities_and_escapes() -> None:
    text = "Donald Trump traf <b>Kim</b> in Nordkorea."
    spans = [
        [0, 12, "PER", "Donald Trump"],
        [32, 41, "COUNTRY", "KP"],
        [5, 9, "BOGUS", "x"],
        [1, 999, "PER", "y"],
    ]
    html = highlight_html(
        text,
        matches=[(7, 12), (32, 36)],
        entities=spans,
        labels={"PER": "Person", "COUNTRY": "Land"},
        value_label=lambda kind, value: "Nordkorea" if value == "KP" else value,
    )
    assert html == (
        '<mark class="ent ent-per" data-value="Donald Trump" title="Person: Donald Trump">Donald '
        '<mark class="hit">Trump</mark></mark> traf &lt;b&gt;Kim&lt;/b&gt; in '
        '<mark class="ent ent-country" data-value="KP" title="Land: Nordkorea"><mark class="hit">Nord</mark>'
        "korea</mark>."
    )
    # a match crossing an entity boundary is split so tags nest
    crossing = highlight_html("ab cd", matches=[(1, 4)], entities=[[0, 2, "PER", "AB"]])
    assert crossing == (
        '<mark class="ent ent-per" data-value="AB" title="PER: AB">a<mark class="hit">b</mark></mark>'
        '<mark class="hit"> c</mark>d'
    )
    hostile = highlight_html("x", entities=[[0, 1, "PER", '"><script>']])
    assert "<script>" not in hostile and "&quot;&gt;&lt;script&gt;" in hostile


def test_paragraphs_and_spans_across_breaks() -> None:
    text = "Erster Absatz.\n\nZweiter\nAbsatz.\n \n\nDritter."
    assert [text[s:e] for s, e in paragraphs(text)] == ["Erster Absatz.", "Zweiter\nAbsatz.", "Dritter."]
    out = highlight_paragraphs(text, matches=[(7, 23)], entities=[])
    assert out[0] == 'Erster <mark class="hit" data-hit="0">Absatz.</mark>'
    assert out[1].startswith('<mark class="hit" data-hit="0">Zweiter</mark>')  # one match, numbered once
    assert clean_entity_spans(
        [[3, 1, "PER", "x"], "junk", None, [0, 2, "PER", "a"], [1, 3, "PER", "b"]], 10
    ) == [clean_entity_spans([[0, 2, "PER", "a"]], 10)[0]]


def test_month_series_fills_gaps_and_chart_geometry() -> None:
    facet = [
        {
            "value": "2018",
            "count": 4,
            "children": [{"value": "2018-04", "count": 2}, {"value": "2018-05", "count": 2}],
        },
        {"value": "2019", "count": 1, "children": [{"value": "2019-02", "count": 1}]},
    ]
    series = month_series(facet)
    assert [s["value"] for s in series][:3] == ["2018-04", "2018-05", "2018-06"]
    assert len(series) == 11 and sum(s["count"] for s in series) == 5
    chart = bar_chart(series)
    assert chart["max"] == 2 and len(chart["bars"]) == 11
    assert max(b["height"] for b in chart["bars"]) == chart["plot"]
    assert all(b["x"] + b["width"] <= chart["width"] + 0.5 for b in chart["bars"])
    long = [{"value": "2000", "count": 1, "children": [{"value": "2000-01", "count": 1}]}] + [
        {"value": "2010", "count": 2, "children": [{"value": "2010-12", "count": 2}]}
    ]
    yearly = month_series(long)
    assert [s["value"] for s in yearly][0] == "2000" and len(yearly) == 11
    assert month_series([]) == []


def test_group_periods() -> None:
    entries = [
        {"value": "1953", "label": "1953", "count": 3, "selected": False},
        {"value": "2018", "label": "2018", "count": 5, "selected": False},
        {"value": "2018-04", "label": "April 2018", "count": 2, "selected": True},
        {"value": "2017-09", "label": "September 2017", "count": 1, "selected": False},
    ]
    grouped = group_periods(entries)
    assert [g["value"] for g in grouped] == ["1953", "2017", "2018"]
    assert grouped[1]["count"] is None and grouped[1]["children"][0]["value"] == "2017-09"
    assert grouped[2]["children"][0]["selected"] is True
