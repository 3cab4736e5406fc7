"""The web pages in a real browser: Playwright driving Debian's headless Chromium against ``search serve``.

One browser for the whole module; pages are reused. Checks: searching, ticking and unticking facets
without a reload, a year opening into months, entity links, the language switch, keyboard-only use, the
search suggestions, the results' timeline (a bar sets its month as the date range, with and without
JavaScript, by mouse and keyboard), the "von … bis …" form, the export download, everything with
JavaScript off, axe-core (no serious or critical violations, also with a date range and its error), and
screenshots at desktop and phone widths in ``test-artifacts/screenshots/``.

``playwright install`` cannot download browsers here; ``scripts/install_browser.sh`` installs Debian's
``chromium``. Without /usr/bin/chromium these tests skip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000

if not CHROMIUM.exists() and os.environ.get("CI"):
    pytest.fail(
        f"{CHROMIUM} not found in CI: scripts/install_browser.sh should have installed it", pytrace=False
    )
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: run `bash scripts/install_browser.sh` (as root) to install Debian's chromium",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
)
axe_module = pytest.importorskip(
    "axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed"
)
expect = sync_api.expect


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def base(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="module")
def context(browser):
    """German desktop browser with JavaScript; collects console errors (a CSP violation would be one)."""
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.errors = []
    yield ctx
    ctx.close()


@pytest.fixture()
def page(context):
    pg = context.pages[0] if context.pages else context.new_page()
    if not getattr(pg, "_watched", False):
        pg.on("console", lambda m: context.errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: context.errors.append(str(e)))
        pg._watched = True
    return pg


@pytest.fixture(scope="module")
def nojs(browser):
    ctx = browser.new_context(
        locale="de-DE", java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx.new_page()
    ctx.close()


@pytest.fixture(scope="module")
def audit(browser):
    """A page for axe-core and screenshots (bypass_csp so the axe script can be injected)."""
    ctx = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    yield ctx.new_page()
    ctx.close()


def api(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path, timeout=10) as r:
        return json.loads(r.read().decode("utf-8"))


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def count_text(page) -> str:
    return page.locator("#result-count").inner_text().strip()


def article_id(base: str) -> str:
    return api(base, "/api/search?q=Gipfel")["results"][0]["id"]


# ----------------------------------------------------------------------------- searching and facets


def test_search_then_tick_and_untick_facets_without_reload(page, base: str) -> None:
    total = api(base, "/api/search?q=Gipfel")["total"]
    page.goto(base + "/")
    page.locator("#q").fill("Gipfel")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q=Gipfel"))
    expect(page.locator("#result-count")).to_have_text(f"{total} Treffer")
    expect(page.locator("#q")).to_have_value("Gipfel")
    page.evaluate("window.__noReload = true")

    kp = page.locator('#facet-form input[name="country"][value="KP"]')
    kp.check()
    page.wait_for_url(re.compile(r"country=KP"))
    expect(page.locator(".chip--country")).to_contain_text("Nordkorea")
    with_kp = api(base, "/api/search?q=Gipfel&country=KP")["total"]
    expect(page.locator("#result-count")).to_have_text(f"{with_kp} Treffer")
    assert page.evaluate("window.__noReload") is True  # swapped in place, not reloaded
    expect(page.locator('#facet-form input[name="country"][value="KP"]')).to_be_checked()
    expect(page.locator('#facet-form input[name="country"][value="KP"]')).to_be_focused()

    page.locator('#facet-form input[name="country"][value="KP"]').uncheck()
    page.wait_for_url(lambda url: "country=" not in url)
    expect(page.locator(".chip--country")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True
    assert params(page.url) == {"q": ["Gipfel"]}

    # back button restores the filtered state
    page.go_back()
    page.wait_for_url(re.compile(r"country=KP"))
    expect(page.locator('#facet-form input[name="country"][value="KP"]')).to_be_checked()
    assert not page.context.errors, page.context.errors


def test_year_opens_into_months(page, base: str) -> None:
    page.goto(base + "/?sort=newest")
    year = page.locator("#facet-date details.facet-year", has_text="2018")
    month = year.locator('input[name="date"][value="2018-05"]')
    expect(month).to_be_hidden()
    year.locator("summary").click()
    expect(month).to_be_visible()
    expect(year.locator('input[name="date"][value="2018-04"]')).to_be_visible()
    month.check()
    page.wait_for_url(re.compile(r"date=2018-05"))
    expect(page.locator("#result-count")).to_have_text("2 Treffer")
    expect(page.locator("#facet-date details.facet-year", has_text="2018")).to_have_attribute("open", "")


def test_entity_links_from_hits_article_and_profile(page, base: str) -> None:
    data = api(base, "/api/search?q=Gipfel&sort=newest")
    hit = next((h for h in data["results"] if h["persons"]), None)
    if hit is None:
        pytest.skip("no persons extracted yet")
    person = hit["persons"][0]
    page.goto(base + "/?q=Gipfel&sort=newest")
    page.locator(".result", has=page.locator(f'a[href^="/artikel/{hit["id"]}"]')).locator(
        "a.tag-per", has_text=person
    ).first.click()
    page.wait_for_url(re.compile(r"person="))
    assert params(page.url)["person"] == [person]
    expect(page.locator(f'#facet-form input[name="person"][value="{person}"]')).to_be_checked()
    # the article page links the person's profile
    page.goto(base + f"/artikel/{quote(hit['id'])}?q=Gipfel")
    expect(page.locator("mark.hit").first).to_be_visible()
    page.locator(".article-side a.profile-link", has_text=person).first.click()
    page.wait_for_url(re.compile(r"/person/"))
    expect(page.locator("h1")).to_have_text(person)
    expect(page.locator(".chart svg rect.bar").first).to_be_attached()


def test_language_switch(page, base: str) -> None:
    page.goto(base + "/?q=Nordkorea&country=KP")
    expect(page.locator("#result-count")).to_have_text("5 Treffer")
    page.locator("#lang-switch").click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#result-count")).to_have_text("5 results")
    expect(page.locator(".chip--country")).to_contain_text("North Korea")
    assert params(page.url) == {"q": ["Nordkorea"], "country": ["KP"], "lang": ["en"]}
    page.locator("#lang-switch").click()
    page.wait_for_url(re.compile(r"lang=de"))
    expect(page.locator("#result-count")).to_have_text("5 Treffer")


def test_keyboard_only_search(page, base: str) -> None:
    page.goto(base + "/hilfe")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q", "the search box is not reachable with Tab"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.type("Singapur")
    page.keyboard.press("Enter")  # no suggestion chosen: Enter submits the search
    page.wait_for_url(re.compile(r"q=Singapur"))
    total = api(base, "/api/search?q=Singapur")["total"]
    expect(page.locator("#result-count")).to_have_text(f"{total} Treffer")
    # Tab on to the first result link and open it with Enter
    first = page.locator(".result-title a").first
    href = first.get_attribute("href")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('skip-inline')"):
            page.keyboard.press("Enter")  # skip the filters
            break
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == href:
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/artikel/"))
    expect(page.locator("h1")).to_be_visible()


def test_search_box_suggests_entities_and_terms(page, base: str) -> None:
    page.goto(base + "/")
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    box.press_sequentially("Nordk", delay=30)
    listbox = page.locator("#q-suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    option = listbox.locator('[role="option"]', has_text="Nordkorea").first
    expect(option).to_be_visible()
    box.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    option.click()
    page.wait_for_url(re.compile(r"/\?"))
    assert params(page.url).get("country") == ["KP"] or "Nordkorea" in params(page.url).get("q", [""])[0]
    expect(page.locator("#result-count")).to_have_text("5 Treffer")
    assert not page.context.errors, page.context.errors


def test_person_filter_box_narrows_the_list(page, base: str) -> None:
    persons = api(base, "/api/search?sort=newest")["facets"]["person"]
    if len(persons) < 2:
        pytest.skip("too few persons extracted yet")
    name = persons[-1]["value"]
    prefix = name.split()[-1][:4]
    expected = {
        v["value"] for v in api(base, f"/api/facets/person?sort=newest&prefix={quote(prefix)}")["values"]
    }
    page.goto(base + "/?sort=newest")
    page.locator("#person-prefix").fill(prefix)
    boxes = page.locator('#facet-person-values input[name="person"]')
    expect(boxes).to_have_count(len(expected))
    assert {boxes.nth(i).get_attribute("value") for i in range(boxes.count())} == expected
    expect(page.locator("#person-prefix")).to_be_focused()


# ----------------------------------------------------------------------------- JavaScript off


def test_everything_works_without_javascript(nojs, base: str) -> None:
    page = nojs
    page.goto(base + "/")
    page.locator("#q").fill("Gipfel")
    page.locator("#q").press("Enter")
    page.wait_for_url(re.compile(r"q=Gipfel"))
    assert page.locator("html").get_attribute("class") == "no-js"
    kp = page.locator('#facet-form input[name="country"][value="KP"]')
    expect(kp).to_be_visible()  # the filter panel is open on a desktop without JavaScript
    kp.check()
    page.locator(".apply-button").click()
    page.wait_for_url(re.compile(r"country=KP"))
    assert params(page.url)["country"] == ["KP"] and params(page.url)["q"] == ["Gipfel"]
    expect(page.locator(".chip--country")).to_contain_text("Nordkorea")
    # remove the chip (a plain link)
    page.locator(".chip--country").click()
    page.wait_for_url(lambda url: "country=" not in url)
    # the person filter box is a GET field
    persons = api(base, "/api/search?q=Gipfel")["facets"]["person"]
    if persons:
        prefix = persons[0]["value"].split()[-1][:3]
        page.locator("#person-prefix").fill(prefix)
        page.locator("#person-prefix").press("Enter")
        page.wait_for_url(re.compile(r"person_prefix="))
        expect(
            page.locator(f'#facet-form input[name="person"][value="{persons[0]["value"]}"]')
        ).to_be_visible()
    # a year opens into months (<details>), sort and pagination are links
    page.goto(base + "/?sort=newest&per_page=2")
    page.locator("#facet-date details.facet-year", has_text="2019").locator("summary").click()
    expect(page.locator('input[name="date"][value="2019-02"]')).to_be_visible()
    page.locator(".pagination a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    page.locator(".sort a", has_text="Älteste").click()
    page.wait_for_url(re.compile(r"sort=oldest"))


def test_phone_without_javascript_filters_collapse(browser, base: str) -> None:
    ctx = browser.new_context(
        locale="de-DE", java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    try:
        page = ctx.new_page()
        page.goto(base + "/?q=Gipfel")
        kp = page.locator('#facet-form input[name="country"][value="KP"]')
        expect(kp).to_be_hidden()
        page.locator("#facet-panel > summary").click()
        expect(kp).to_be_visible()
    finally:
        ctx.close()


# ----------------------------------------------------------------------------- research workflow (issue 17)


def test_timeline_bar_link_sets_the_range(page, base: str) -> None:
    bar = next(b for b in api(base, "/api/search?q=Gipfel")["timeline"] if b["count"])
    page.goto(base + "/?q=Gipfel")
    page.evaluate("window.__noReload = true")
    page.locator("svg a.bar-link").first.click()
    page.wait_for_url(re.compile(r"date_from="))
    assert params(page.url) == {"q": ["Gipfel"], "date_from": [bar["value"]], "date_to": [bar["value"]]}
    expect(page.locator("#result-count")).to_have_text(f"{bar['count']} Treffer")
    expect(page.locator("#date-from")).to_have_value(bar["value"])
    expect(page.locator("#date-to")).to_have_value(bar["value"])
    expect(page.locator(".chip--range")).to_be_visible()
    assert page.evaluate("window.__noReload") is True  # swapped in place like a facet
    feed = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    expect(feed).to_have_count(1)
    assert params(feed.get_attribute("href"))["date_from"] == [bar["value"]]  # the feed follows the page
    page.locator(".chip--range").click()  # the chip takes the range away again
    page.wait_for_url(lambda url: "date_from" not in url)
    assert params(page.url) == {"q": ["Gipfel"]}
    assert not page.context.errors, page.context.errors


def test_timeline_and_range_form_work_without_javascript(nojs, base: str) -> None:
    page = nojs
    bar = next(b for b in api(base, "/api/search?q=Gipfel")["timeline"] if b["count"])
    page.goto(base + "/?q=Gipfel")
    page.locator("svg a.bar-link").first.focus()  # a bar is a keyboard stop, and Enter follows it
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"date_from="))
    assert params(page.url)["date_from"] == params(page.url)["date_to"] == [bar["value"]]
    expect(page.locator("#result-count")).to_have_text(f"{bar['count']} Treffer")
    page.locator("#date-from").fill("2018-05")
    page.locator("#date-to").fill("2019")
    page.locator(".range-button").click()
    page.wait_for_url(re.compile(r"date_to=2019"))
    assert params(page.url) == {"q": ["Gipfel"], "date_from": ["2018-05"], "date_to": ["2019"]}
    total = api(base, "/api/search?q=Gipfel&date_from=2018-05&date_to=2019")["total"]
    expect(page.locator("#result-count")).to_have_text(f"{total} Treffer")


def test_export_button_downloads_the_results(page, base: str) -> None:
    total = api(base, "/api/search?q=Gipfel&country=KP")["total"]
    page.goto(base + "/?q=Gipfel&country=KP")
    for fmt, marker in (("csv", b"\xef\xbb\xbfid,date,title"), ("ris", b"TY  - NEWS")):
        page.locator("#export-format").select_option(fmt)
        with page.expect_download() as info:
            page.locator(".export-button").click()
        download = info.value
        assert download.suggested_filename == f"nachrichtensuche-export.{fmt}"
        body = Path(download.path()).read_bytes()
        assert body.startswith(marker)
        assert body.count(b"TY  - NEWS") == total if fmt == "ris" else body.count(b"\r\n") == total + 1
    assert page.url.endswith("/?q=Gipfel&country=KP")  # the page stays
    assert not page.context.errors, page.context.errors


# ----------------------------------------------------------------------------- accessibility, screenshots


def _axe(page) -> list[str]:
    results = axe_module.Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "name,path",
    [
        ("start", "/"),
        ("results", "/?q=Gipfel&country=KP&date=2018"),
        ("results-range", "/?q=Gipfel&date_from=2018-05&date_to=2018-12"),
        ("results-range-error", "/?q=Gipfel&date_from=2019&date_to=2018"),
        ("article", "/artikel/{id}?q=Gipfel"),
        ("entity-country", "/land/KP"),
        ("entity-person", "/person/{person}"),
        ("help", "/hilfe"),
        ("error", "/gibt-es-nicht"),
    ],
)
def test_accessibility_axe(audit, base: str, name: str, path: str) -> None:
    if "{person}" in path:
        persons = api(base, "/api/search")["facets"]["person"]
        if not persons:
            pytest.skip("no persons extracted yet")
        path = path.format(person=quote(persons[0]["value"]))
    path = path.replace("{id}", quote(article_id(base)))
    audit.set_viewport_size({"width": 1280, "height": 900})
    audit.goto(base + path)
    problems = _axe(audit)
    assert not problems, "\n".join(problems)


def test_accessibility_axe_phone(audit, base: str) -> None:
    audit.set_viewport_size({"width": 390, "height": 844})
    try:
        audit.goto(base + "/?q=Gipfel")
        audit.locator("#facet-panel > summary").click()
        problems = _axe(audit)
        assert not problems, "\n".join(problems)
    finally:
        audit.set_viewport_size({"width": 1280, "height": 900})


def full_page_shot(page, path: Path) -> None:
    """A full-page screenshot taken with the viewport as tall as the page (Chromium's own full-page
    capture sometimes leaves out a line of text at the edge of the original viewport)."""
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(height, 12_000)})
    page.wait_for_timeout(50)
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def test_screenshots(audit, base: str) -> None:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    shots = {
        "start": "/",
        "results": "/?q=Gipfel&country=KP",
        "article": f"/artikel/{quote(article_id(base))}?q=Gipfel",
        "entity": "/land/KP",
    }
    for width, label in ((1280, "desktop"), (390, "phone")):
        audit.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
        for name, path in shots.items():
            audit.goto(base + path)
            audit.wait_for_load_state("networkidle")
            overflow = audit.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{name} scrolls sideways at {width}px"
            full_page_shot(audit, SCREENSHOTS / f"{name}-{label}.png")
    audit.set_viewport_size({"width": 390, "height": 844})
    audit.goto(base + "/?q=Gipfel&country=KP")
    audit.locator("#facet-panel > summary").click()
    full_page_shot(audit, SCREENSHOTS / "results-phone-filters-open.png")
    audit.set_viewport_size({"width": 1280, "height": 900})
    assert len(list(SCREENSHOTS.glob("*.png"))) == 9
