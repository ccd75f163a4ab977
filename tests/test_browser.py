"""End-to-end in headless Chromium: prepare (search, topic, handout, packet), log a session
(attendance, notes, the name-check stop, sign, addendum) and review it — with axe-core checking
every page on the way for serious or critical accessibility problems."""

import datetime
import re
import time
from collections.abc import Callable
from typing import Any

from flask import Flask

from curriculum import db
from models import Role, SessionLog, User
from tests.browser import BROWSER_TEST_MARKS, serious_violations, sign_in
from tests.helpers import PASSWORD

PEOPLE = ["Maria G.", "Devon T.", "Alicia R.", "Marcus B.", "Hannah L.", "Omar S.",
          "Tasha W.", "Ben C."]
pytestmark = BROWSER_TEST_MARKS


class Checked:
    """Visits pages and runs axe on each, collecting what it finds."""

    def __init__(self, page: Any) -> None:
        self.page, self.findings, self.pages = page, [], []

    def axe(self, name: str) -> None:
        self.pages.append(name)
        self.findings += [f"{name}: {v}" for v in serious_violations(self.page)]


def test_facilitator_prepares_a_session(page: Any, make_user: Callable) -> None:
    checks = Checked(page)
    page.goto("/")
    checks.axe("sign-in")
    sign_in(page, make_user(Role.FACILITATOR))
    checks.axe("home")
    page.get_by_role("link", name="Prepare & print: topic library").click()
    page.get_by_label("Search topics").fill("cravings")
    page.get_by_label("Search topics").press("Enter")
    page.wait_for_url(re.compile(r".*q=cravings.*"))
    assert "found for “cravings”" in page.locator("p.count").inner_text()
    checks.axe("search results")
    page.get_by_role("link", name="Coping With Cravings").click()
    checks.axe("topic page")
    href = page.get_by_role("link", name="A4 (PDF)", exact=True).get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    page.goto("/topics")
    page.get_by_label("Add Coping With Cravings to packet").check()
    page.get_by_label("Add Naming Feelings to packet").check()
    with page.expect_response(lambda r: "/handouts.pdf" in r.url) as answer:
        page.get_by_role("button", name="Print packet (PDF)").click()
    assert answer.value.status == 200
    assert checks.findings == []


def fill_notes(page: Any, names: list[str], mistake: str | None = None) -> None:
    for name in names:
        person = page.get_by_role("group", name=name, exact=True)
        extra = f" {mistake}" if mistake and name == names[0] else ""
        person.get_by_label(f"Data — {name}").fill(
            f"Named payday as a trigger; rated craving 6/10.{extra}")
        person.get_by_label(f"Assessment — {name}").fill("Engaged; applied the skill at work.")
        person.get_by_label(f"Plan — {name}").fill("Practise urge surfing daily.")
        person.get_by_label("Engagement (1 low – 5 high)").select_option("4")


def test_facilitator_logs_signs_and_adds_an_addendum(
    page: Any, make_user: Callable, make_group: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=PEOPLE,
                       admitted_on=datetime.date(2026, 1, 5))
    checks = Checked(page)
    sign_in(page, facilitator)
    page.get_by_role("link", name="Log: my groups").click()
    page.get_by_role("link", name=group.name).click()
    checks.axe("group page")
    page.get_by_role("button", name="Start the log").click()
    page.wait_for_url(re.compile(r".*/logs/\d+/edit"))
    checks.axe("log form")
    page.get_by_label("Group summary (no participant names)").fill(
        "Urge surfing practice and the three Ds.")
    fill_notes(page, PEOPLE, mistake="Talked with Devon after group.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign").click()
    alert = page.get_by_role("alert")
    assert "A note names Devon T." in alert.inner_text()
    target = alert.get_by_role("link", name=re.compile("A note names Devon T.")).get_attribute(
        "href")
    assert page.locator(target).count() == 1  # the error links to the field that fixes it
    checks.axe("name-check stop")
    maria = page.get_by_role("group", name="Maria G.", exact=True)
    maria.get_by_label("Data — Maria G.").fill("Named payday as a trigger; rated craving 6/10.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Save and sign").click()
    assert "Signed. The log is locked" in page.get_by_role("status").first.inner_text()
    checks.axe("signed log")
    page.get_by_label(re.compile("Add an addendum")).fill("Late entry: Omar S. left at 8:40 pm.")
    page.get_by_role("button", name="Add addendum").click()
    assert page.get_by_text("Addendum added.").is_visible()
    assert checks.findings == []


def tab_to(page: Any, selector: str, limit: int = 400) -> int:
    """Press Tab until the focused element matches; returns the key presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)",
                         selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_facilitator_logs_an_8_person_session(
    page: Any, app: Flask, make_user: Callable, make_group: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=PEOPLE,
                       admitted_on=datetime.date(2026, 1, 5))
    sign_in(page, facilitator)
    page.goto(f"/groups/{group.id}")
    started = time.perf_counter()
    keys = tab_to(page, "button[type=submit]:not(.signout button)")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/logs/\d+/edit"))
    keys += 1 + tab_to(page, "#summary")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # keyboard focus is visible
    page.keyboard.type("Urge surfing practice and the three Ds.")
    typed = 1
    in_page_order = sorted(group.participants, key=lambda p: p.display_name)  # type: ignore[attr-defined]
    for participant in in_page_order:
        pid = participant.id
        keys += tab_to(page, f"#engagement_{pid}")
        page.keyboard.press("4")  # a select takes the typed option
        for key, text in (("data", "Named payday as a trigger."),
                          ("assessment", "Engaged and specific."),
                          ("plan", "Practise urge surfing daily.")):
            keys += tab_to(page, f"#note_{pid}_{key}")
            page.keyboard.type(text)
            typed += 1
    keys += tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    keys += tab_to(page, "button[value=sign]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/logs/\d+$"))
    seconds = time.perf_counter() - started
    assert "Signed. The log is locked" in page.get_by_role("status").first.inner_text()
    print(f"\nkeyboard-only, 8 participants: {keys} key presses for navigation, "
          f"{typed} text fields typed, {seconds:.1f} s in the browser")


def test_supervisor_returns_then_cosigns_and_reads_hours(
    browser: Any, page: Any, app: Flask, make_user: Callable, make_group: Callable,
    make_log: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=PEOPLE[:3],
                       admitted_on=datetime.date(2026, 3, 2))
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    checks = Checked(page)
    sign_in(page, supervisor)
    page.get_by_role("link", name="Review queue").first.click()
    checks.axe("review queue")
    page.get_by_role("link", name="Wed 4 Mar 2026").click()
    checks.axe("review page")
    page.get_by_label("What should change").fill("Make each plan specific.")
    page.get_by_role("button", name="Return with this comment").click()
    assert "Returned to the facilitator" in page.get_by_role("status").first.inner_text()

    other = browser.new_context(base_url=page.base_url).new_page()
    sign_in(other, facilitator)
    assert other.get_by_text("Make each plan specific.").is_visible()
    other.goto(f"/logs/{log_id}/edit")
    other.get_by_label("Your password").fill(PASSWORD)
    other.get_by_role("button", name="Save and sign").click()
    assert "Signed." in other.get_by_role("status").first.inner_text()
    other.context.close()

    page.goto(f"/review/logs/{log_id}")
    page.get_by_label(re.compile("I have reviewed this log")).check()
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Co-sign").click()
    assert "Co-signed." in page.get_by_role("status").first.inner_text()
    page.goto(f"/reports/groups/{group.id}/hours?start=2026-03-02&end=2026-03-08")
    checks.axe("hours report")
    assert page.get_by_role("img", name=re.compile("Participants meeting")).is_visible()
    csv_href = page.get_by_role("link", name="Download CSV").get_attribute("href")
    assert page.request.get(csv_href).headers["content-type"].startswith("text/csv")
    assert checks.findings == []


def keyboard_sign_in(page: Any, user: User) -> None:
    page.goto("/")
    tab_to(page, "#email")
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"^http://[^/]+/$"))


def test_keyboard_only_facilitator_prepares(page: Any, make_user: Callable) -> None:
    keyboard_sign_in(page, make_user(Role.FACILITATOR))
    tab_to(page, "nav a[href='/topics']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/topics$"))
    tab_to(page, "#q")
    page.keyboard.type("cravings")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*q=cravings.*"))
    tab_to(page, "a[href='/topics/coping-with-cravings']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/topics/coping-with-cravings$"))
    tab_to(page, "a[href$='handout.pdf?size=a4']")
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert page.request.get(href).headers["content-type"] == "application/pdf"
    tab_to(page, ".crumbs a[href='/topics']")  # Tab wraps round to the breadcrumb
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/topics$"))
    tab_to(page, "#pick-coping-with-cravings")
    page.keyboard.press("Space")
    tab_to(page, "#pick-naming-feelings")
    page.keyboard.press("Space")
    tab_to(page, "#packet button[type=submit]")
    with page.expect_response(lambda r: "/handouts.pdf" in r.url) as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 200


def test_keyboard_only_supervisor_returns_and_cosigns(
    page: Any, app: Flask, make_user: Callable, make_group: Callable, make_log: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=PEOPLE[:3],
                       admitted_on=datetime.date(2026, 3, 2))
    to_return = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    to_cosign = make_log(group, facilitator, datetime.date(2026, 3, 5)).id
    keyboard_sign_in(page, supervisor)
    tab_to(page, "nav a[href='/review/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/review/$"))
    tab_to(page, f"a[href='/review/logs/{to_return}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/review/logs/{to_return}$"))
    tab_to(page, "#comment")
    page.keyboard.type("Make each plan specific.")
    tab_to(page, "form[action$='/return'] button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/review/$"))
    assert "Returned to the facilitator" in page.get_by_role("status").first.inner_text()
    tab_to(page, f"a[href='/review/logs/{to_cosign}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/review/logs/{to_cosign}$"))
    tab_to(page, "#attest")
    page.keyboard.press("Space")
    tab_to(page, "form[action$='/cosign'] #password")
    page.keyboard.type(PASSWORD)
    tab_to(page, "form[action$='/cosign'] button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/review/$"))
    assert "Co-signed." in page.get_by_role("status").first.inner_text()
    tab_to(page, "nav a[href='/groups']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/groups$"))
    tab_to(page, f"a[href='/groups/{group.id}']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf".*/groups/{group.id}$"))
    tab_to(page, f"a[href^='/reports/groups/{group.id}/hours']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/hours.*"))
    tab_to(page, "a[href*='hours.csv']")
    href = page.evaluate("() => document.activeElement.getAttribute('href')")
    assert page.request.get(href).headers["content-type"].startswith("text/csv")


def test_axe_on_admin_and_supervisor_pages(
    page: Any, browser: Any, app: Flask, make_user: Callable, make_group: Callable,
    make_log: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=PEOPLE[:3],
                       admitted_on=datetime.date(2026, 3, 2))
    make_log(group, facilitator, datetime.date(2026, 3, 4))
    draft = make_log(group, facilitator, datetime.date(2026, 3, 5), signed=False)
    with app.app_context():  # check-ins for the participant page's chart
        session = db.get_session()
        for note, craving in zip(session.get(SessionLog, draft.id).notes, (3, 7, 0),
                                 strict=False):
            note.craving, note.mood = craving, 5
        session.commit()
    checks = Checked(page)
    sign_in(page, supervisor)
    for path in (f"/coverage/groups/{group.id}", "/review/spot-checks/",
                 "/reports/timeliness?start=2026-03-01&end=2026-03-31", "/audit/?verify=1",
                 f"/groups/{group.id}"):
        page.goto(path)
        checks.axe(path)
    page.goto("/review/spot-checks/")
    page.get_by_label("Sessions from").fill("2026-03-01")
    page.get_by_role("button", name="Draw the sample").click()
    checks.axe("spot-check sample")
    page.goto(f"/participants/{group.participants[0].id}/goals")  # type: ignore[attr-defined]
    page.get_by_label("Goal", exact=True).fill("Get home from work without drinking.")
    page.get_by_role("button", name="Add goal").click()
    checks.axe("goal form with errors")
    page.get_by_label(re.compile("^Problem")).fill("Drinks on the drive home.")
    page.get_by_label(re.compile("^Measurable objective")).fill("5 of 7 days, on a card.")
    page.get_by_label("Target date").fill("2026-05-01")
    page.get_by_role("button", name="Add goal").click()
    checks.axe("goals")
    page.get_by_role("link", name=re.compile("Change this goal")).click()
    page.get_by_label("Status").select_option("met")
    page.get_by_role("button", name="Save the goal").click()
    page.get_by_role("link", name=re.compile("Change this goal")).click()
    checks.axe("goal with its history")
    page.goto(f"/participants/{group.participants[0].id}")  # type: ignore[attr-defined]
    assert page.locator("svg.course-chart title").count() == 1
    checks.axe("participant page")
    admin = browser.new_context(base_url=page.base_url).new_page()
    admin_checks = Checked(admin)
    sign_in(admin, make_user(Role.ADMIN))
    for path in ("/admin/users", "/admin/groups", f"/admin/groups/{group.id}",
                 f"/admin/groups/{group.id}/roster", "/admin/groups/new", "/account/password"):
        admin.goto(path)
        admin_checks.axe(path)
    admin.goto(f"/admin/groups/{group.id}/roster")
    admin.get_by_label("Roster CSV").fill("display_name,record_number,admitted_on\nBad,,x\n")
    admin.get_by_role("button", name="Check (dry run)").click()
    admin_checks.axe("roster import with errors")
    admin.context.close()
    assert checks.findings + admin_checks.findings == []
