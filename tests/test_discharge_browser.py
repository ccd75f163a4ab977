"""Issue 17's journey in headless Chromium: a facilitator logs a session with check-ins and
goals, opens a participant's page, drafts and signs a discharge summary; the supervisor
co-signs it from the review queue. axe-core finds nothing serious on the way, and the new pages
fit a 375 px screen."""

import datetime
import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from curriculum import db, treatment_goals
from curriculum.treatment_goals import GoalValues
from models import Participant, Role, User
from tests.browser import BROWSER_TEST_MARKS, serious_violations, sideways_scroll, sign_in
from tests.helpers import PASSWORD

pytestmark = BROWSER_TEST_MARKS
PEOPLE = ["Maria G.", "Devon T.", "Alicia R."]


def check(page: Any, name: str, findings: list[str]) -> None:
    """axe's serious findings on the page, and whether it scrolls sideways at 375 px."""
    findings += [f"{name}: {v}" for v in serious_violations(page)]
    if drawn := sideways_scroll(page, 375):
        findings.append(f"{name}: {drawn} px wide at 375 px")
    page.set_viewport_size({"width": 1280, "height": 800})


def test_log_with_check_ins_then_draft_sign_and_cosign_a_discharge_summary(
    page: Any, browser: Any, app: Flask, make_user: Callable, make_group: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR, name="Sue Pervisor")
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=PEOPLE,
                       admitted_on=datetime.date(2026, 1, 5))
    maria = group.participants[0]  # type: ignore[attr-defined]
    with app.app_context():
        session = db.get_session()
        treatment_goals.add_goal(
            session, session.get(Participant, maria.id), session.get(User, facilitator.id),
            GoalValues(problem="Drinks on the drive home.", goal="Home without drinking.",
                       objective="A coping step on 5 of 7 days.",
                       target_on=datetime.date(2026, 5, 1), plan_reference=None))
        session.commit()
    findings: list[str] = []
    sign_in(page, facilitator)
    page.get_by_role("link", name="Log: my groups").click()
    page.get_by_role("link", name=group.name).click()
    page.get_by_role("button", name="Start the log").click()
    page.wait_for_url(re.compile(r".*/logs/\d+/edit"))
    page.get_by_label("Group summary (no participant names)").fill("Urge surfing practice.")
    for name in PEOPLE:
        person = page.get_by_role("group", name=name, exact=True)
        person.get_by_label(f"Data — {name}").fill("Rated the evening craving and named a plan.")
        person.get_by_label(f"Assessment — {name}").fill("Engaged; applied the skill.")
        person.get_by_label(f"Plan — {name}").fill("Practise urge surfing daily.")
        person.get_by_label("Engagement (1 low – 5 high)").select_option("4")
    person = page.get_by_role("group", name="Maria G.", exact=True)
    person.get_by_label("Craving today (0 none – 10 strongest)").fill("6")
    person.get_by_label("Mood today (0 worst – 10 best)").fill("5")
    person.get_by_label("Alcohol or drug use since last group").select_option("none")
    person.get_by_label("Home without drinking.").check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign").click()
    assert "Signed. The log is locked" in page.get_by_role("status").first.inner_text()

    page.get_by_role("link", name="Maria G.").first.click()
    page.wait_for_url(re.compile(rf".*/participants/{maria.id}$"))
    assert "No discharge summary yet." in page.content()
    page.get_by_role("link", name="Draft a discharge summary for Maria G.").click()
    page.wait_for_url(re.compile(r".*/discharge/new$"))
    record = page.locator("section.discharge-record").inner_text()
    assert "craving 6 of 10 · mood 5 of 10" in record and "Home without drinking." in record
    check(page, "discharge form", findings)
    page.get_by_label("Reason for discharge").select_option(label="Step-down to outpatient care")
    page.get_by_label(re.compile("^Aftercare referrals")).fill(
        "Riverside outpatient group, Tuesdays 6 pm, first visit next week.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r".*/discharge/\d+/edit$"))
    assert "Draft saved." in page.get_by_role("status").first.inner_text()
    check(page, "discharge draft", findings)
    draft_url = page.url
    page.goto("/")  # the draft waits on the home page, a link back to it
    check(page, "home with a summary to sign", findings)
    page.locator("section", has=page.get_by_role(
        "heading", name="Discharge summaries waiting for your signature")).get_by_role(
        "link", name="Discharge summary of Maria G.").click()
    page.wait_for_url(draft_url)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign").click()
    page.wait_for_url(re.compile(r".*/discharge/\d+$"))
    assert "Maria G. is discharged on" in page.get_by_role("status").first.inner_text()
    summary_url = page.url
    check(page, "signed summary", findings)

    reviewer = browser.new_context(base_url=page.base_url).new_page()
    sign_in(reviewer, supervisor)
    reviewer.goto("/review/")
    queue = reviewer.locator("section", has=reviewer.get_by_role(
        "heading", name="Discharge summaries awaiting your co-signature"))
    queue.get_by_role("link", name="Maria G.").click()
    reviewer.wait_for_url(summary_url)
    check(reviewer, "summary to co-sign", findings)
    reviewer.get_by_label(re.compile("I have reviewed this discharge summary")).check()
    reviewer.get_by_label("Your password").fill(PASSWORD)
    reviewer.get_by_role("button", name="Co-sign", exact=True).click()
    assert "Co-signed." in reviewer.get_by_role("status").first.inner_text()
    assert "Co-signed by Sue Pervisor" in reviewer.content()
    pdf = reviewer.request.get(summary_url + ".pdf")
    assert pdf.status == 200 and pdf.headers["cache-control"] == "no-store"
    reviewer.context.close()
    page.goto(f"/participants/{maria.id}")
    assert "Co-signed" in page.locator("section", has=page.get_by_role(
        "heading", name="Discharge", exact=True)).inner_text()
    check(page, "participant page after discharge", findings)
    assert findings == []
