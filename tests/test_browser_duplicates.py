"""Near-duplicates on the results page in a real browser (issue 16): one hit says where else its text is, the
list opens and links to the copies; axe finds nothing serious in it. Server: a real ``search serve`` over
the articles of tests/test_duplicates.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.engine.whoosh.indexer import reindex
from tests import test_browser as shared
from tests.conftest import start_server, stop_server
from tests.test_browser import SCREENSHOTS, _axe, expect
from tests.test_duplicates import ARTICLES, write

browser = shared.browser
context = shared.context
page = shared.page
audit = shared.audit


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("dups-browser")
    write(root / "articles", ARTICLES)
    reindex(root / "articles", root / "index")
    proc, url = start_server(root / "index", root / "articles")
    yield url
    stop_server(proc)


def test_copies_are_one_hit_that_opens_into_the_list(page, base: str) -> None:
    page.goto(f"{base}/?q=Kohlekraftwerk")
    hits = page.locator("li.result")
    expect(hits).to_have_count(4)  # six articles, three of them one text
    dups = page.locator("details.dups")
    expect(dups).to_have_count(1)
    summary = dups.locator("summary")
    expect(summary).to_contain_text("Auch bei:")
    links = dups.locator("ul a")
    expect(links.first).not_to_be_visible()
    summary.click()
    expect(links).to_have_count(2)
    expect(links.first).to_be_visible()
    Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(Path(SCREENSHOTS) / "duplicates-open.png"))
    href = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_url(f"**{href.split('?')[0]}*")
    expect(page.locator("h1")).to_be_visible()


def test_the_list_is_accessible(audit, base: str) -> None:
    audit.goto(f"{base}/?q=Kohlekraftwerk&lang=en")
    audit.locator("details.dups summary").click()
    assert _axe(audit) == []
