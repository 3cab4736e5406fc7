"""The facets' "alle" / "eine davon" switch in a real browser (issue 16), with the fixtures of
``tests/test_browser.py`` (Debian's headless Chromium against a real ``search serve`` over the seeds).

Checks: two ticked persons mean both by default; the switch, reached and pressed with the keyboard, swaps in
the results of "any of them" without a reload and marks the choice; ticking another value keeps the choice
(it travels in the filter form); without JavaScript the switch is a plain link; axe-core finds nothing
serious on the panel.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from tests import test_browser as shared
from tests.test_browser import _axe, api, expect, params

# the browser, the server and the pages of tests/test_browser.py (fixtures, bound here by name)
browser = shared.browser
base = shared.base
context = shared.context
page = shared.page
nojs = shared.nojs
audit = shared.audit

A, B = "Mike Pompeo", "Wladimir Putin"


def _totals(base: str) -> tuple[int, int]:
    both = api(base, "/api/search?" + urlencode({"person": [A, B]}, doseq=True))["total"]
    either = api(base, "/api/search?" + urlencode({"person": [A, B], "person_op": "or"}, doseq=True))["total"]
    assert both < either, "the seeds should tell AND from OR for these two persons"
    return both, either


def test_person_logic_switch_by_keyboard_without_reload(page, base: str) -> None:
    both, either = _totals(base)
    page.goto(base + "/?" + urlencode({"person": [A, B]}, doseq=True))
    expect(page.locator("#result-count")).to_have_text(f"{both} Treffer")
    switch = page.locator("#facet-person .facet-op")
    expect(switch.locator('[aria-current="true"]')).to_have_text("alle")
    page.evaluate("window.__noReload = true")
    anyof = switch.get_by_role("link", name="eine davon")
    anyof.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"person_op=or"))
    expect(page.locator("#result-count")).to_have_text(f"{either} Treffer")
    expect(page.locator('#facet-person .facet-op [aria-current="true"]')).to_have_text("eine davon")
    assert page.evaluate("window.__noReload") is True  # swapped in place
    # ticking another facet's value keeps the choice: it travels in the filter form
    page.locator('#facet-form input[name="country"][value="KP"]').check()
    page.wait_for_url(re.compile(r"country=KP"))
    assert params(page.url)["person_op"] == ["or"]
    expect(page.locator('#facet-person .facet-op [aria-current="true"]')).to_have_text("eine davon")
    # and back to "alle": the default leaves the URL
    page.locator("#facet-person .facet-op").get_by_role("link", name="alle").click()
    page.wait_for_url(lambda url: "person_op" not in url)
    expect(page.locator("#result-count")).to_have_text(f"{both} Treffer")
    assert not page.context.errors, page.context.errors


def test_person_logic_switch_without_javascript(nojs, base: str) -> None:
    both, either = _totals(base)
    nojs.goto(base + "/?" + urlencode({"person": [A, B]}, doseq=True))
    expect(nojs.locator("#result-count")).to_have_text(f"{both} Treffer")
    nojs.locator("#facet-person .facet-op").get_by_role("link", name="eine davon").click()
    nojs.wait_for_url(re.compile(r"person_op=or"))
    expect(nojs.locator("#result-count")).to_have_text(f"{either} Treffer")
    # the filter form (Apply) keeps the choice
    nojs.locator('#facet-form input[name="country"][value="KP"]').check()
    nojs.locator(".apply-button").click()
    nojs.wait_for_url(re.compile(r"country=KP"))
    assert params(nojs.url)["person_op"] == ["or"]


def test_facet_logic_switch_accessibility(audit, base: str) -> None:
    audit.goto(base + "/?" + urlencode({"person": [A, B], "person_op": "or"}, doseq=True))
    expect(audit.locator("#facet-person .facet-op")).to_be_visible()
    assert _axe(audit) == []
