"""Every page on a phone: the URL map walked in Chromium with the demo data (``seed-demo``) and
the shipped library, signed in as each demo account, at 375 px wide and at 640 px (a 1280 px
screen at 200% zoom). No page scrolls sideways; every data table scrolls inside its own
region, which is focusable and has a name; every page but the library's is no-store. A page
added later is walked too: a URL parameter the walk cannot fill fails here until the walk is
taught how (``demo_values``)."""

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from curriculum import db, demo
from curriculum.headers import CACHEABLE_ENDPOINTS
from curriculum.localtime import today
from curriculum.served_library import current_library
from curriculum.settings import PROJECT_ROOT
from curriculum.signed_in import PUBLIC_ENDPOINTS
from models import (
    CurriculumPermission,
    DischargeSummary,
    Enrollment,
    Group,
    LogState,
    Role,
    SessionLog,
    SpotCheck,
    TreatmentGoal,
)
from tests.browser import BROWSER_TEST_MARKS, served, sideways_scroll, sign_in
from tests.helpers import (
    BASE_RE,
    PASSWORD,
    TEXTAREA_RE,
    client_for,
    csrf_token,
    save_topic_draft,
    topic_editor,
)

pytestmark = BROWSER_TEST_MARKS

WIDTHS = (375, 640)
# Rules skipped by rule: a rule without GET is a form's target, not a page; a URL ending in
# .pdf or .csv is a download; and these endpoints answer something other than a page.
DOWNLOAD = re.compile(r"\.(pdf|csv)$")
NOT_PAGES = {"static": "stylesheets, scripts and icons", "home.healthz": "JSON for monitors"}
STAFF = {"admin": Role.ADMIN, "supervisor": Role.SUPERVISOR, "facilitator1": Role.FACILITATOR}

# Where the page puts each table, and whether that place scrolls, is focusable and is named.
TABLES_OUTSIDE_A_NAMED_REGION = """() => {
  const named = (el) => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
    return ids.length > 0 && ids.every(id => {
      const label = document.getElementById(id);
      return label && label.textContent.trim();
    });
  };
  return [...document.querySelectorAll('table')].flatMap((table, index) => {
    const region = table.parentElement && table.parentElement.closest('[role=region]');
    const problems = [];
    if (!region) problems.push('in no role=region');
    else {
      if (region.getAttribute('tabindex') !== '0') problems.push('region without tabindex=0');
      if (!named(region)) problems.push('region without a name');
      if (!['auto', 'scroll'].includes(getComputedStyle(region).overflowX))
        problems.push('region does not scroll sideways');
    }
    const head = table.querySelector('th');
    const what = `table ${index + 1}` + (head ? ` (${head.textContent.trim()})` : '');
    return problems.map(problem => `${what}: ${problem}`);
  });
}"""


def demo_values(app: Flask, supervisor: demo.DemoAccount,
                editor: demo.DemoAccount) -> dict[Any, Any]:
    """What fills each URL parameter, from the demo data: the evening group, its records (a
    participant and one of their goals), a spot-check drawn through its form, a topic whose
    handout has a table, drafts of that topic and of its Spanish handout saved through their
    editors, the demo's discharge summary and a draft one saved through its form. A key
    ``(endpoint, parameter)`` fills that parameter for that endpoint only."""
    with app.app_context():
        session = db.get_session()
        group = session.scalar(select(Group).where(Group.name.startswith("Evening")))
        enrollments = session.scalars(select(Enrollment).where(Enrollment.group_id == group.id)
                                      .order_by(Enrollment.id)).all()
        enrollment = enrollments[0]
        summary = session.scalars(select(DischargeSummary)).one()
        logs = session.scalars(select(SessionLog).where(SessionLog.group_id == group.id)
                               .order_by(SessionLog.session_date.desc())).all()
        signed = next(log for log in logs if log.state == LogState.SIGNED)
        draft = next(log for log in logs if log.state == LogState.DRAFT)
        facilitator = group.facilitators[0]
        goal_id = session.scalars(select(TreatmentGoal.id).where(
            TreatmentGoal.participant_id == enrollment.participant_id)).first()
        slug = next((t.slug for t in current_library() if "<table" in t.handout_html), None)
        assert slug, "no shipped handout has a table; the walk needs one"
    client = client_for(app, supervisor)  # type: ignore[arg-type]
    drawn = client.post("/review/spot-checks/", data={
        "group_id": group.id, "start": logs[-1].session_date.isoformat(),
        "end": logs[0].session_date.isoformat(), "size": "5",
        "csrf_token": csrf_token(client, "/")})
    assert drawn.status_code == 302, drawn.get_data(as_text=True)
    with app.app_context():
        check = db.get_session().scalars(select(SpotCheck)).one()
        item_id = check.items[0].id
    track, track_draft = track_draft_version(app, editor, group.track_slug)
    drafted = discharge_draft(app, editor, enrollments[1])
    return {"group_id": group.id, "participant_id": enrollment.participant_id,
            "enrollment_id": enrollment.id, "user_id": facilitator.id, "log_id": signed.id,
            "goal_id": goal_id,
            ("sessions.edit", "log_id"): draft.id, "check_id": check.id, "item_id": item_id,
            "slug": slug, "number": draft_version(app, editor, slug),
            ("tracks.show", "slug"): track, ("track_versions.edit", "slug"): track,
            ("track_versions.index", "slug"): track, ("track_versions.version", "slug"): track,
            ("track_versions.version", "number"): track_draft,
            ("translation_versions.version", "number"): draft_version(app, editor,
                                                                      f"{slug}/es"),
            # The demo's co-signed summary (its supervisor reads it), and a draft of the
            # evening group's (its facilitator edits it).
            ("discharge.show", "participant_id"): summary.participant_id,
            ("discharge.show", "summary_id"): summary.id,
            ("discharge.edit", "participant_id"): enrollments[1].participant_id,
            ("discharge.edit", "summary_id"): drafted}


def discharge_draft(app: Flask, facilitator: demo.DemoAccount, enrollment: Enrollment) -> int:
    """A discharge summary's draft, saved through its form by the group's facilitator."""
    client = client_for(app, facilitator)  # type: ignore[arg-type]
    participant_id = enrollment.participant_id
    saved = client.post(f"/participants/{participant_id}/discharge", data={
        "reason": "completed", "discharged_on": enrollment.admitted_on.isoformat(),
        "recommendations": "Keep the routine.", "aftercare": "Outpatient group weekly.",
        "csrf_token": csrf_token(client, f"/participants/{participant_id}/discharge/new")})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    return int(saved.headers["Location"].split("/")[-2])


def draft_version(app: Flask, editor: demo.DemoAccount, edited: str) -> int:
    """A draft of the topic (``slug``) or of its Spanish handout (``slug/es``), saved through
    its editor by the demo's curriculum editor: a note added to its first section."""
    client = client_for(app, editor)  # type: ignore[arg-type]
    source, base = topic_editor(client, edited)
    first_section = source.index("\n", source.index("\n## ") + 1) + 1
    return save_topic_draft(client, edited, f"{source[:first_section]}\nA note.\n"
                                            f"{source[first_section:]}", base)


def track_draft_version(app: Flask, editor: demo.DemoAccount, slug: str) -> tuple[str, int]:
    """The group's track and a draft of it (a topic dropped), saved through its editor."""
    client = client_for(app, editor)  # type: ignore[arg-type]
    page = client.get(f"/tracks/{slug}/edit").text
    source = html.unescape(TEXTAREA_RE.search(page).group(1))
    saved = client.post(f"/tracks/{slug}/edit", data={
        "markdown": source.replace("\n  - ", "\n  # ", 1), "change_note": "One topic less.",
        "base": BASE_RE.search(page).group(1), "action": "save",
        "csrf_token": csrf_token(client, "/")})
    assert saved.status_code == 302, saved.text
    return slug, int(saved.headers["Location"].rsplit("/", 1)[1])


def page_rules(app: Flask) -> tuple[list[Rule], list[str]]:
    """The rules to walk, and a line for each one skipped by rule."""
    walked, skipped = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()):
            continue
        if DOWNLOAD.search(rule.rule) or rule.endpoint in NOT_PAGES:
            skipped.append(rule.endpoint)
            continue
        walked.append(rule)
    return walked, skipped


def concrete_url(app: Flask, rule: Rule, values: dict[Any, Any]) -> str:
    arguments = {}
    for name in sorted(rule.arguments):
        value = values.get((rule.endpoint, name), values.get(name))
        if value is None:
            pytest.fail(f"{rule.rule} ({rule.endpoint}): the walk cannot fill <{name}>; teach "
                        f"it how in demo_values() in tests/test_narrow_screens.py")
        arguments[name] = value
    return app.url_map.bind("localhost").build(rule.endpoint, arguments)


def check_page(page: Any, url: str) -> list[str]:
    """What is wrong with the page open in ``page`` (its viewport at the first width)."""
    findings = [f"{url}: {problem}" for problem in page.evaluate(TABLES_OUTSIDE_A_NAMED_REGION)]
    for width in WIDTHS:
        if drawn := sideways_scroll(page, width):
            findings.append(f"{url}: scrolls sideways at {width} px ({drawn} px wide)")
    page.set_viewport_size({"width": WIDTHS[0], "height": 800})
    return findings


def test_every_page_fits_a_phone_and_its_tables_scroll_in_named_regions(
    browser: Any, make_app: Callable[..., Flask]
) -> None:
    app = make_app(CONTENT_DIRS=[PROJECT_ROOT / "content"])
    with app.app_context():
        session = db.get_session()
        accounts = demo.seed(session, current_library(), PASSWORD, today())
        session.commit()
    by_email = {account.email: account for account in accounts}
    staff = {role: by_email[f"{key}@{demo.DEMO_DOMAIN}"] for key, role in STAFF.items()}
    editor = next(a for a in accounts if a.curriculum == CurriculumPermission.EDITOR)
    values = demo_values(app, staff[Role.SUPERVISOR], editor)
    rules, skipped = page_rules(app)
    findings: list[str] = []
    reached: dict[str, list[str]] = {rule.endpoint: [] for rule in rules}
    with served(app) as base_url:
        tabs = {}
        for who in (None, *staff):
            context = browser.new_context(base_url=base_url,
                                          viewport={"width": WIDTHS[0], "height": 800})
            tabs[who] = context.new_page()
            tabs[who].set_default_timeout(10_000)
            if who is not None:
                sign_in(tabs[who], staff[who])
        for rule in rules:
            url = concrete_url(app, rule, values)
            visitors = [None] if rule.endpoint in PUBLIC_ENDPOINTS else list(staff)
            for who in visitors:
                # Asked first without drawing it: most roles get a 404 from most pages.
                if who is not None and tabs[who].request.get(url).status == 404:
                    continue  # not a page for this role
                response = tabs[who].goto(url)
                name = "anonymous" if who is None else who.value
                if response.status != 200:
                    findings.append(f"{url} as {name}: answered {response.status}")
                    continue
                reached[rule.endpoint].append(name)
                if (rule.endpoint not in CACHEABLE_ENDPOINTS
                        and response.headers.get("cache-control") != "no-store"):
                    findings.append(f"{url} as {name}: not Cache-Control: no-store")
                findings += [f"{line} (as {name})" for line in check_page(tabs[who], url)]
        for tab in tabs.values():
            tab.context.close()
    unreached = [endpoint for endpoint, names in reached.items() if not names]
    print(f"\nwalked {len(rules)} pages ({sum(map(len, reached.values()))} visits); skipped "
          f"by rule: {', '.join(skipped)}")
    assert not unreached, f"no demo account reaches {unreached}: teach demo_values() how"
    assert not findings, "\n".join(findings)
