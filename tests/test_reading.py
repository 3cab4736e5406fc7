"""Reading comfort on the server side (issue 17): the compact view and the page size in the URL and its links,
``lang="de"`` on German article text in another interface language, and the numbered matches the article
page steps through. The browser side is in ``tests/test_browser_reading.py``."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from search.web.pages import highlight_paragraphs, match_count


def hrefs(html: str, css_class: str) -> list[str]:
    """The links inside the elements with ``css_class`` (the page's own markup, so a simple pattern does)."""
    out = []
    for block in re.findall(rf'<nav class="[^"]*{css_class}[^"]*".*?</nav>', html, re.S):
        out += [unescape(h) for h in re.findall(r'href="([^"]+)"', block)]
    return out


def query(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def test_compact_view_has_no_snippets_and_its_links_keep_it(client) -> None:
    full = client.get("/?q=Gipfel&per_page=2").get_data(as_text=True)
    assert 'class="snippet"' in full and "results--compact" not in full
    resp = client.get("/?q=Gipfel&per_page=2&view=compact")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "results--compact" in html and 'class="snippet"' not in html and 'class="tags"' not in html
    assert html.count('class="result-title"') == 2 and html.count('class="meta"') >= 2
    for href in hrefs(html, "pagination") + hrefs(html, "sort"):
        assert query(href)["view"] == ["compact"] and query(href)["per_page"] == ["2"], href
    assert '<input type="hidden" name="view" value="compact">' in html  # the filter form keeps it
    # the view switch keeps the page; an unknown view is the full view, not an error
    page2 = client.get("/?q=Gipfel&per_page=2&page=2").get_data(as_text=True)
    assert all(query(h).get("page") == ["2"] for h in hrefs(page2, "view-choice"))
    bogus = client.get("/?q=Gipfel&view=%3Cb%3E")
    assert bogus.status_code == 200 and 'class="snippet"' in bogus.get_data(as_text=True)


def test_page_size_choice(client) -> None:
    html = client.get("/?q=Gipfel&view=compact&page=2&per_page=2").get_data(as_text=True)
    links = hrefs(html, "per-page")
    assert [query(h).get("per_page") for h in links] == [None, ["20"], ["50"]]  # 10 is the default
    assert all("page" not in query(h) and query(h)["view"] == ["compact"] for h in links)  # back to page 1
    current = client.get("/?q=Gipfel&per_page=20").get_data(as_text=True)
    assert re.search(r'per_page=20" data-swap aria-current="true">20<', current)
    assert client.get("/?q=Gipfel&per_page=50").status_code == 200
    assert client.get("/?q=Gipfel&per_page=101").status_code == 400  # the API's limit (MAX_PER_PAGE)


def test_german_text_marked_only_in_another_language(client) -> None:
    en = client.get("/?q=Gipfel&lang=en").get_data(as_text=True)
    assert '<html lang="en"' in en
    titles = re.findall(r'<h2 class="result-title"><a [^>]*>', en)
    assert titles and all('lang="de"' in t for t in titles)
    assert en.count('<p class="snippet" lang="de">') == en.count('<p class="snippet"')
    de = client.get("/?q=Gipfel").get_data(as_text=True)
    assert 'lang="de">' not in de.split("<main", 1)[1]
    hit = client.get("/api/search?q=Gipfel").get_json()["results"][0]["id"]
    article = client.get(f"/artikel/{hit}?q=Gipfel&lang=en").get_data(as_text=True)
    assert (
        '<h1 id="article-title" lang="de">' in article and '<div class="article-text" lang="de">' in article
    )


def test_article_numbers_its_matches(client) -> None:
    hit = client.get("/api/search?q=Gipfel").get_json()["results"][0]["id"]
    html = client.get(f"/artikel/{hit}?q=Gipfel").get_data(as_text=True)
    numbers = re.findall(r'<mark class="hit" data-hit="(\d+)">', html)
    assert numbers and numbers == sorted(numbers, key=int)
    assert 'class="hit-nav"' in html and 'aria-keyshortcuts="n"' in html
    assert f"{len(set(numbers))} Treffer</span>" in html
    plain = client.get(f"/artikel/{hit}").get_data(as_text=True)
    assert 'class="hit-nav"' not in plain


def test_split_and_overlapping_matches_count_once() -> None:
    text = "Erster Gipfel.\n\nZweiter Gipfeltreffer in Singapur."
    matches = [(7, 13), (8, 13), (24, 31), (24, 40)]  # an overlap, and a match crossing an entity's end
    entities = [[16, 31, "PER", "Zweiter Gipfel"]]
    paras = highlight_paragraphs(text, matches, entities)
    assert match_count(text, matches) == 2
    assert re.findall(r'data-hit="(\d+)"', "".join(paras)) == ["0", "1", "1"]  # one match in two pieces
