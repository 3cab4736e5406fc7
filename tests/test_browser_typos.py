"""A corrected search in a real browser (issue 16, "Corrections"), with the fixtures of ``tests/test_browser.py``
(Debian's headless Chromium against a real ``search serve`` over the seeds).

Checks: a query that finds nothing shows the corrected query's results under "Ergebnisse für Gipfel –
stattdessen suchen nach gipfl", the corrected word marked (also on the article pages it links); the "instead" link searches the typed word exactly
(``exact=1``: "some words" and "Meinten Sie" as before), and ``exact=1`` stays in the paging links and when
a facet is ticked; in English the line reads "Showing results for … – search instead for …".
"""

from __future__ import annotations

import re

from tests import test_browser as shared
from tests.test_browser import api, expect, params

# the browser, the server and the pages of tests/test_browser.py (fixtures, bound here by name)
browser = shared.browser
base = shared.base
context = shared.context
page = shared.page


def test_corrected_results_and_the_instead_link(page, base: str) -> None:
    corrected = api(base, "/api/search?q=gipfl&per_page=2")
    assert corrected["corrected"] == {"from": "gipfl", "to": "Gipfel"}
    exact = api(base, "/api/search?q=gipfl&per_page=2&exact=1")
    page.goto(base + "/?q=gipfl&per_page=2")
    line = page.locator("p.suggestion--corrected")
    expect(line).to_have_text("Ergebnisse für Gipfel – stattdessen suchen nach gipfl")
    expect(line.locator("b")).to_have_text("Gipfel")
    expect(page.locator("#result-count")).to_have_text(f"{corrected['total']} Treffer")
    expect(page.locator("#results mark").first).to_have_text(re.compile(r"^Gipfel", re.I))
    article = page.locator(".result-title a").first.get_attribute("href")
    assert params(article)["q"] == ["Gipfel"]  # the article marks the words searched
    # the typed word, exactly: the search as it was before the correction
    line.get_by_role("link", name="gipfl").click()
    page.wait_for_url(re.compile(r"exact=1"))
    expect(page.locator("p.suggestion--corrected")).to_have_count(0)
    expect(page.locator("#result-count")).to_have_text(f"{exact['total']} Treffer")
    expect(page.get_by_text("Meinten Sie")).to_be_visible()
    # exact=1 survives paging and a ticked facet
    next_link = page.locator('a[rel="next"]')
    assert params(next_link.get_attribute("href"))["exact"] == ["1"]
    next_link.click()
    page.wait_for_url(re.compile(r"page=2"))
    assert params(page.url)["exact"] == ["1"]
    page.locator('#facet-form input[name="country"][value="KP"]').check()
    page.wait_for_url(re.compile(r"country=KP"))
    assert params(page.url)["exact"] == ["1"] and params(page.url)["q"] == ["gipfl"]
    expect(page.locator("p.suggestion--corrected")).to_have_count(0)
    assert not page.context.errors, page.context.errors


def test_corrected_line_in_english(page, base: str) -> None:
    page.goto(base + "/?q=gipfl&lang=en")
    expect(page.locator("p.suggestion--corrected")).to_have_text(
        "Showing results for Gipfel – search instead for gipfl"
    )
    href = page.locator("p.suggestion--corrected a").get_attribute("href")
    assert params(href) == {"q": ["gipfl"], "exact": ["1"], "lang": ["en"]}
