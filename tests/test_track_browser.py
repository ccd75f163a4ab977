"""A track changed in headless Chromium, with axe-core on every page on the way: an editor
finds the track from the library, edits its YAML, sees a check problem on its line, fixes it
and saves a draft; another approver approves it; the facilitator then sees the new order."""

import re
from typing import Any

from models import User
from tests.browser import BROWSER_TEST_MARKS, serious_violations, sign_in

pytestmark = BROWSER_TEST_MARKS


def test_an_editor_changes_a_track_and_another_approves_it(
    page: Any, browser: Any, people: dict[str, User]
) -> None:
    findings: list[str] = []

    def axe(tab: Any, name: str) -> None:
        findings.extend(f"{name}: {v}" for v in serious_violations(tab))

    sign_in(page, people["editor"])
    page.get_by_role("link", name="Prepare & print: topic library").click()
    page.get_by_role("link", name="Tracks", exact=True).click()
    axe(page, "tracks")
    page.get_by_role("link", name="Core", exact=True).click()
    axe(page, "track page")
    page.get_by_role("link", name="Edit this track").click()
    source = page.get_by_label(re.compile("Track source"))
    text = source.input_value()
    source.fill(text.replace("talking-it-through", "talking-it-thru"))
    page.get_by_role("button", name="Check").click()
    problem = page.locator(".problems li")
    assert "no topic 'talking-it-thru'" in problem.inner_text()
    axe(page, "track check")
    page.get_by_label(re.compile("Track source")).fill(
        text.replace("[coping-with-cravings, talking-it-through, naming-feelings]",
                     "[naming-feelings, coping-with-cravings, talking-it-through]"))
    page.get_by_label(re.compile("What changed")).fill("Feelings first.")
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url(re.compile(r".*/tracks/core/versions/1$"))
    assert "Saved as draft version 1" in page.content()
    axe(page, "track version")

    context = browser.new_context(base_url=page.base_url)
    approver = context.new_page()
    approver.set_default_timeout(10_000)
    sign_in(approver, people["approver"])
    approver.goto("/tracks/core/versions/1")
    assert approver.locator("ins.diff-ins").count() > 0
    approver.get_by_label(re.compile("I have read this version")).check()
    approver.get_by_role("button", name="Approve version 1").click()
    approver.wait_for_url(re.compile(r".*/tracks/core/versions/1$"))
    assert "Version 1 is approved" in approver.content()
    axe(approver, "approved track version")
    context.close()

    page.context.clear_cookies()
    sign_in(page, people["facilitator"])
    page.goto("/tracks/core")
    weeks = page.locator("ol.track-week li").all_inner_texts()
    assert weeks == ["Naming Feelings", "Coping With Cravings", "Talking It Through"]
    assert page.get_by_role("link", name="Edit this track").count() == 0
    assert findings == []
