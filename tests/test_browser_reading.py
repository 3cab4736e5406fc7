"""Reading comfort and the timeline's dragged span in a real browser (issue 17), with the fixtures of
``tests/test_browser.py`` (Debian's headless Chromium against a real ``search serve`` over the seeds).

Checks: a span dragged over the timeline sets ``date_from``/``date_to``; ``n``/``p`` and the buttons step from
match to match on the article page; ``/`` focuses the search box; the compact view and the page size stay in
the URL through paging and filtering; on a phone the filter panel's "Show N results" button closes it and
brings the results into view; German article text carries ``lang="de"`` in the English interface; the
"Why this result?" disclosure in German and English; axe-core on the new parts; screenshots of them.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests import test_browser as shared
from tests.test_browser import SCREENSHOTS, TIMEOUT_MS, _axe, api, expect, full_page_shot, params

# the browser, the server and the pages of tests/test_browser.py (fixtures, bound here by name)
browser = shared.browser
base = shared.base
context = shared.context
page = shared.page
nojs = shared.nojs
audit = shared.audit


def first_hit(base: str, q: str) -> str:
    return api(base, f"/api/search?q={quote(q)}")["results"][0]["id"]


MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni"]
MONTHS_DE += ["Juli", "August", "September", "Oktober", "November", "Dezember"]


def month_de(period: str) -> str:
    """``2018-05`` -> ``Mai 2018`` (the page's label of a month)."""
    return f"{MONTHS_DE[int(period[5:7]) - 1]} {period[:4]}" if len(period) == 7 else period


def bar_centre(pg, period: str) -> tuple[float, float]:
    """The middle of a timeline bar's slot (the full-height target of a bar with articles, else the bar)."""
    slot = pg.locator(f'svg [data-period="{period}"]')
    target = slot.locator(".bar-hit") if slot.evaluate("e => e.tagName.toLowerCase()") == "a" else slot
    box = target.bounding_box()
    assert box, f"no box for the bar {period}"
    return box["x"] + box["width"] / 2, box["y"] + max(box["height"], 1) / 2


# ----------------------------------------------------------------------------- timeline: a dragged span


def test_dragging_over_the_timeline_sets_a_span(page, base: str) -> None:
    bars = [b for b in api(base, "/api/search?q=Gipfel")["timeline"] if b["count"]]
    assert len(bars) >= 3, "the seeds should spread the Gipfel articles over several months"
    start, end = bars[1]["value"], bars[-1]["value"]
    expected = api(base, f"/api/search?q=Gipfel&date_from={start}&date_to={end}")["total"]
    page.goto(base + "/?q=Gipfel")
    page.evaluate("window.__noReload = true")
    x0, y0 = bar_centre(page, start)
    x1, _ = bar_centre(page, end)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, y0, steps=4)
    expect(page.locator(".chart--timeline .span-select")).to_be_visible()  # the span is drawn while dragging
    page.mouse.move(x1, y0, steps=4)
    expect(page.locator("[data-timeline-hint]")).to_have_text(f"{month_de(start)} – {month_de(end)}")
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_to="))
    assert params(page.url) == {"q": ["Gipfel"], "date_from": [start], "date_to": [end]}
    expect(page.locator("#result-count")).to_have_text(f"{expected} Treffer")
    expect(page.locator("#date-from")).to_have_value(start)
    expect(page.locator("#date-to")).to_have_value(end)
    expect(page.locator(".chart--timeline .span-select")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True  # swapped in place; the bar under the pointer's
    # own link (date_from=date_to=end) did not follow
    # dragged backwards: the same span, in order
    page.goto(base + "/?q=Gipfel&sort=newest")
    x0, y0 = bar_centre(page, end)
    x1, _ = bar_centre(page, start)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y0, steps=8)
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_to="))
    assert params(page.url) == {"q": ["Gipfel"], "sort": ["newest"], "date_from": [start], "date_to": [end]}
    # a click without movement is still the bar's link (one period)
    page.goto(base + "/?q=Gipfel")
    x0, y0 = bar_centre(page, start)
    page.mouse.click(x0, y0)
    page.wait_for_url(re.compile(r"date_to="))
    assert params(page.url) == {"q": ["Gipfel"], "date_from": [start], "date_to": [start]}
    assert not page.context.errors, page.context.errors


# ----------------------------------------------------------------------------- article: match to match


def test_n_and_p_step_through_the_matches(page, base: str) -> None:
    aid = first_hit(base, "Gipfel Trump")
    page.goto(base + f"/artikel/{quote(aid)}?q={quote('Gipfel Trump')}")
    marks = page.locator(".article-text mark.hit[data-hit]")
    numbers = list(dict.fromkeys(marks.evaluate_all("ms => ms.map(m => m.dataset.hit)")))
    total = len(numbers)
    assert total >= 3
    counter = page.locator(".hit-nav .hit-counter")
    expect(counter).to_have_text(f"{total} Treffer")
    expect(page.locator(".hit-nav")).to_be_visible()

    def current() -> str:
        return page.evaluate("document.activeElement.dataset.hit || ''")

    page.locator("h1").click()  # focus in the page, not in a field
    page.keyboard.press("n")
    expect(counter).to_have_text(f"1 von {total}")
    assert current() == numbers[0]
    page.keyboard.press("n")
    expect(counter).to_have_text(f"2 von {total}")
    assert current() == numbers[1]
    expect(page.locator(f'.article-text mark.hit[data-hit="{numbers[1]}"]').first).to_be_in_viewport()
    expect(page.locator(f'.article-text mark.hit[data-hit="{numbers[1]}"]').first).to_have_class(
        re.compile(r"hit--current")
    )
    page.keyboard.press("p")
    expect(counter).to_have_text(f"1 von {total}")
    assert current() == numbers[0]
    page.keyboard.press("p")  # before the first: the last one
    expect(counter).to_have_text(f"{total} von {total}")
    last = page.locator(f'.article-text mark.hit[data-hit="{numbers[-1]}"]').first
    expect(last).to_be_in_viewport()
    assert current() == numbers[-1]
    # the buttons do the same and keep the focus on themselves
    page.get_by_role("button", name="nächster Treffer").click()
    expect(counter).to_have_text(f"1 von {total}")
    page.get_by_role("button", name="nächster Treffer").click()
    expect(counter).to_have_text(f"2 von {total}")
    expect(page.get_by_role("button", name="nächster Treffer")).to_be_focused()
    page.get_by_role("button", name="vorheriger Treffer").click()
    expect(counter).to_have_text(f"1 von {total}")
    # typing n in the search box is typing, not a jump
    page.locator("#q").focus()
    page.locator("#q").press("End")
    page.keyboard.type("n")
    expect(counter).to_have_text(f"1 von {total}")
    expect(page.locator("#q")).to_have_value("Gipfel Trumpn")
    assert not page.context.errors, page.context.errors


def test_no_match_navigation_without_a_query(page, base: str) -> None:
    page.goto(base + f"/artikel/{quote(first_hit(base, 'Gipfel'))}")
    expect(page.locator(".hit-nav")).to_have_count(0)
    page.locator("h1").click()
    page.keyboard.press("n")  # nothing to step to: no error, nothing happens
    assert not page.context.errors, page.context.errors


def test_slash_focuses_the_search_box(page, base: str) -> None:
    page.goto(base + "/?q=Gipfel")
    page.locator("#results-heading").click()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#q")).to_have_value("Gipfel")  # the slash is not typed into it
    assert page.evaluate("document.getSelection().toString() || document.activeElement.selectionEnd") != 0
    # in another field "/" is a character
    page.locator("#date-from").fill("2018")
    page.locator("#date-from").press("/")
    expect(page.locator("#date-from")).to_be_focused()
    expect(page.locator("#date-from")).to_have_value("2018/")
    # on the article page too
    page.goto(base + f"/artikel/{quote(first_hit(base, 'Gipfel'))}?q=Gipfel")
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()


# ----------------------------------------------------------------------------- compact view, page size


def test_compact_view_and_page_size_survive_paging_and_filters(page, base: str) -> None:
    total = api(base, "/api/search?sort=newest")["total"]
    assert total >= 3
    page.goto(base + "/?sort=newest&per_page=2")
    expect(page.locator(".results .snippet").first).to_be_visible()
    page.evaluate("window.__noReload = true")
    page.locator(".view-choice a", has_text="Kompakt").click()
    page.wait_for_url(re.compile(r"view=compact"))
    assert params(page.url) == {"sort": ["newest"], "per_page": ["2"], "view": ["compact"]}
    expect(page.locator("ol.results--compact")).to_be_visible()
    expect(page.locator(".results .result")).to_have_count(2)
    expect(page.locator(".results .snippet")).to_have_count(0)
    expect(page.locator(".results .tags")).to_have_count(0)
    expect(page.locator(".results .result .meta").first).to_be_visible()  # date and source stay
    expect(page.locator(".view-choice a[aria-current]")).to_have_text("Kompakt")
    # paging keeps the view and the size
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"[?&]page=2"))
    assert params(page.url)["view"] == ["compact"] and params(page.url)["per_page"] == ["2"]
    expect(page.locator("ol.results--compact .result")).to_have_count(min(2, total - 2))
    # the view switch keeps the page (same hits), the page size starts again at page 1
    assert params(page.locator(".view-choice a", has_text="Ausführlich").get_attribute("href"))["page"] == [
        "2"
    ]
    page.locator(".per-page a", has_text="20").click()
    page.wait_for_url(re.compile(r"per_page=20"))
    assert params(page.url) == {"sort": ["newest"], "view": ["compact"], "per_page": ["20"]}
    expect(page.locator("ol.results--compact .result")).to_have_count(min(20, total))
    expect(page.locator(".per-page a[aria-current]")).to_have_text("20")
    # a filter keeps both (the filter form carries them)
    page.locator('#facet-form input[name="country"][value="KP"]').check()
    page.wait_for_url(re.compile(r"country=KP"))
    assert params(page.url)["view"] == ["compact"] and params(page.url)["per_page"] == ["20"]
    expect(page.locator("ol.results--compact")).to_be_visible()
    # and removing the filters too
    page.locator(".chip-clear").click()
    page.wait_for_url(lambda url: "country=" not in url)
    assert params(page.url)["view"] == ["compact"] and params(page.url)["per_page"] == ["20"]
    # back to the full view, the default size (no parameter)
    page.locator(".view-choice a", has_text="Ausführlich").click()
    page.wait_for_url(lambda url: "view=" not in url)
    expect(page.locator(".results .snippet").first).to_be_visible()
    page.locator(".per-page a", has_text="10").click()
    page.wait_for_url(lambda url: "per_page=" not in url)
    assert page.evaluate("window.__noReload") is True
    assert not page.context.errors, page.context.errors


def test_compact_view_without_javascript(nojs, base: str) -> None:
    nojs.goto(base + "/?q=Gipfel&per_page=2")
    nojs.locator(".view-choice a", has_text="Kompakt").click()
    nojs.wait_for_url(re.compile(r"view=compact"))
    expect(nojs.locator(".results .snippet")).to_have_count(0)
    nojs.locator(".pagination a[rel=next]").click()
    nojs.wait_for_url(re.compile(r"[?&]page=2"))
    assert params(nojs.url) == {"q": ["Gipfel"], "per_page": ["2"], "view": ["compact"], "page": ["2"]}
    expect(nojs.locator("ol.results--compact")).to_be_visible()


# ----------------------------------------------------------------------------- phone: "Show N results"


@pytest.fixture()
def phone(browser):
    ctx = browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844}, has_touch=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg = ctx.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    ctx.close()


def test_phone_show_results_closes_the_panel(phone, base: str) -> None:
    pg = phone
    with_kp = api(base, "/api/search?q=Gipfel&country=KP")["total"]
    pg.goto(base + "/?q=Gipfel")
    panel = pg.locator("#facet-panel")
    expect(panel).not_to_have_attribute("open", "")
    pg.locator("#facet-panel > summary").click()
    pg.locator('#facet-form input[name="country"][value="KP"]').check()
    pg.wait_for_url(re.compile(r"country=KP"))
    button = pg.locator("[data-show-results]")
    expect(button).to_have_text(f"{with_kp} Treffer anzeigen")  # the count of the filtered search
    expect(pg.locator("#facet-panel")).to_have_attribute("open", "")  # still open after the tick
    expect(pg.locator(".results .result").first).not_to_be_in_viewport()  # below the long panel
    button.click()
    expect(pg.locator("#facet-panel")).not_to_have_attribute("open", "")
    expect(pg.locator("#results")).to_be_focused()
    expect(pg.locator(".results .result").first).to_be_in_viewport()
    # a typed period is applied first, then its results are shown
    pg.locator("#facet-panel > summary").click()
    pg.locator("#date-from").fill("2018-05")
    expected = api(base, "/api/search?q=Gipfel&country=KP&date_from=2018-05")["total"]
    pg.locator("[data-show-results]").click()
    pg.wait_for_url(re.compile(r"date_from=2018-05"))
    expect(pg.locator("#result-count")).to_have_text(f"{expected} Treffer")
    expect(pg.locator("#facet-panel")).not_to_have_attribute("open", "")
    expect(pg.locator("#results")).to_be_in_viewport()
    assert not pg.errors, pg.errors


def test_show_results_button_only_on_phones(page, nojs, base: str) -> None:
    page.goto(base + "/?q=Gipfel")
    expect(page.locator("[data-show-results]")).to_be_hidden()  # the desktop panel stays open beside the list
    nojs.set_viewport_size({"width": 390, "height": 844})
    try:
        nojs.goto(base + "/?q=Gipfel")
        nojs.locator("#facet-panel > summary").click()
        expect(nojs.locator("[data-show-results]")).to_be_hidden()  # without JavaScript ticks need "Apply"
    finally:
        nojs.set_viewport_size({"width": 1280, "height": 900})


# ----------------------------------------------------------------------------- language of the article text


def test_german_text_is_marked_in_the_english_interface(page, base: str) -> None:
    page.goto(base + "/?q=Gipfel&lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    n = page.locator(".result").count()
    expect(page.locator('.result-title a[lang="de"]')).to_have_count(n)
    expect(page.locator('.snippet[lang="de"]')).to_have_count(page.locator(".snippet").count())
    expect(page.locator("#result-count")).not_to_have_attribute("lang", "de")  # the interface stays English
    page.goto(base + f"/artikel/{quote(first_hit(base, 'Gipfel'))}?q=Gipfel&lang=en")
    expect(page.locator("h1#article-title")).to_have_attribute("lang", "de")
    expect(page.locator(".article-text")).to_have_attribute("lang", "de")
    expect(page.locator(".hit-nav")).not_to_have_attribute("lang", "de")
    expect(page.get_by_role("button", name="next match")).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page.locator(".hit-counter")).to_have_text(re.compile(r"^1 of \d+$"))
    page.goto(base + "/land/KP?lang=en")
    links = page.locator(".entity-articles .article-list a")
    expect(page.locator('.entity-articles .article-list a[lang="de"]')).to_have_count(links.count())
    # the German interface does not repeat the page's language
    page.goto(base + "/?q=Gipfel")
    expect(page.locator(".result-title a[lang]")).to_have_count(0)


# ----------------------------------------------------------------------------- "Why this result?"


@pytest.mark.parametrize(
    "lang,summary,line",
    [
        ("de", "Warum dieser Treffer?", "„Gipfel“: genau dieses Wort im Titel und im Text"),
        ("en", "Why this result?", "“Gipfel”: the exact word in the title and in the text"),
    ],
)
def test_explain_disclosure_opens(page, base: str, lang: str, summary: str, line: str) -> None:
    page.goto(base + f"/?q=Gipfel&lang={lang}")
    page.locator(".explain-toggle").click()
    page.wait_for_url(re.compile(r"explain=1"))
    first = page.locator(".result details.explain").first
    lines = first.locator("li")
    expect(lines.first).to_be_hidden()
    first.locator("summary", has_text=summary).click()
    expect(first).to_have_attribute("open", "")
    expect(lines.first).to_be_visible()
    expect(lines.first).to_have_text(line)
    # the compact view has no explanations; the full view brings them back
    page.locator(".view-choice a").nth(1).click()
    page.wait_for_url(re.compile(r"view=compact"))
    expect(page.locator("details.explain")).to_have_count(0)
    expect(page.locator(".explain-toggle")).to_have_count(0)


# ----------------------------------------------------------------------------- accessibility, screenshots


@pytest.mark.parametrize(
    "path",
    [
        "/?q=Gipfel&view=compact",
        "/?q=Gipfel&view=compact&per_page=20&lang=en",
        "/?q=Gipfel&explain=1&lang=en",
        "/artikel/{id}?q=Gipfel+Trump&lang=en",
        "/land/KP?lang=en",
    ],
)
def test_accessibility_axe_new_parts(audit, base: str, path: str) -> None:
    audit.set_viewport_size({"width": 1280, "height": 900})
    audit.goto(base + path.replace("{id}", quote(first_hit(base, "Gipfel Trump"))))
    if "/artikel/" in path:
        audit.locator("h1").click()
        audit.keyboard.press("n")  # the current match's style is part of the check
        expect(audit.locator("mark.hit--current").first).to_be_visible()
    if "explain" in path:
        audit.locator("details.explain summary").first.click()
    problems = _axe(audit)
    assert not problems, "\n".join(problems)


def test_accessibility_axe_phone_panel_and_compact(audit, base: str) -> None:
    audit.set_viewport_size({"width": 390, "height": 844})
    try:
        audit.goto(base + "/?q=Gipfel&view=compact")
        audit.locator("#facet-panel > summary").click()
        expect(audit.locator("[data-show-results]")).to_be_visible()
        problems = _axe(audit)
        assert not problems, "\n".join(problems)
    finally:
        audit.set_viewport_size({"width": 1280, "height": 900})


def test_screenshots_of_the_new_parts(audit, base: str) -> None:
    """Desktop (1280x900) and phone (390x844) pictures of the new parts, to be looked at by a person."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    aid = quote(first_hit(base, "Gipfel Trump"))
    written = []
    for width, height, label in ((1280, 900, "desktop"), (390, 844, "phone")):
        audit.set_viewport_size({"width": width, "height": height})
        audit.goto(base + "/?q=Gipfel&view=compact&per_page=20")
        assert (
            audit.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        )
        full_page_shot(audit, SCREENSHOTS / f"reading-results-compact-{label}.png")
        audit.goto(base + "/?q=Gipfel+Trump&explain=1&lang=en")
        audit.locator("details.explain summary").first.click()
        audit.locator("details.explain").first.scroll_into_view_if_needed()
        audit.screenshot(path=str(SCREENSHOTS / f"reading-explain-en-{label}.png"))
        audit.goto(base + f"/artikel/{aid}?q=Gipfel+Trump")
        audit.locator("h1").click()
        for _ in range(8):  # far enough down that the buttons stick to the top of the window
            audit.keyboard.press("n")
        audit.wait_for_timeout(600)  # the smooth scroll ends
        assert (
            audit.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
        )
        audit.screenshot(path=str(SCREENSHOTS / f"reading-article-matches-{label}.png"))
        written += [f"reading-results-compact-{label}", f"reading-explain-en-{label}"]
        written.append(f"reading-article-matches-{label}")
    # the timeline while a span is dragged (desktop)
    audit.set_viewport_size({"width": 1280, "height": 900})
    audit.goto(base + "/?q=Gipfel")
    bars = [b["value"] for b in api(base, "/api/search?q=Gipfel")["timeline"] if b["count"]]
    x0, y0 = bar_centre(audit, bars[1])
    x1, _ = bar_centre(audit, bars[-1])
    audit.mouse.move(x0, y0)
    audit.mouse.down()
    audit.mouse.move(x1, y0, steps=6)
    audit.locator(".research").screenshot(path=str(SCREENSHOTS / "reading-timeline-drag-desktop.png"))
    audit.mouse.up()
    audit.wait_for_url(re.compile(r"date_to="))
    # the phone's filter panel with its "Show N results" button
    audit.set_viewport_size({"width": 390, "height": 844})
    audit.goto(base + "/?q=Gipfel")
    audit.locator("#facet-panel > summary").click()
    audit.locator("[data-show-results]").scroll_into_view_if_needed()
    audit.screenshot(path=str(SCREENSHOTS / "reading-filters-show-results-phone.png"))
    audit.locator("[data-show-results]").click()
    audit.wait_for_timeout(200)
    audit.screenshot(path=str(SCREENSHOTS / "reading-after-show-results-phone.png"))
    audit.set_viewport_size({"width": 1280, "height": 900})
    written += ["reading-timeline-drag-desktop", "reading-filters-show-results-phone"]
    written.append("reading-after-show-results-phone")
    for name in written:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 5_000, name
