"""Issue 4's "done when", on seed-demo data: the queue, a return, a fix and re-sign, a
co-signature, the hours report against a hand count, and the coverage view."""

import csv
import datetime
import io
import re

from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select

from curriculum import db
from curriculum.calendar_dates import monday
from curriculum.weekly_hours import COUNTED_STATES
from models import Group, LogState, SessionLog
from tests.helpers import AuthActions, csrf_token, form_data, load_log

DEMO_PASSWORD = "demo password for tests"


def demo_client(app: Flask, who: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(f"{who}@demo.groupwork.invalid", DEMO_PASSWORD)
    return client


def test_supervisor_journey_on_demo_data(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["seed-demo", "--password-stdin"],
                         input=DEMO_PASSWORD + "\n").exit_code == 0
    supervisor = demo_client(app, "supervisor")
    queue = supervisor.get("/review/").get_data(as_text=True)
    first_row = queue.split("<tbody>")[1].split("</tr>")[0]
    assert "Safety concern" in first_row

    log_id = int(re.findall(r'href="/review/logs/(\d+)"', queue)[-1])
    version = str(load_log(app, log_id).version)
    supervisor.post(f"/review/logs/{log_id}/return", data={
        "version": version, "comment": "Make the plan specific.",
        "csrf_token": csrf_token(supervisor, "/")})
    returned = load_log(app, log_id)
    assert returned.state == LogState.RETURNED
    facilitator = demo_client(app, "facilitator1" if "Evening" in returned.group.name
                              else "facilitator2")
    assert "Make the plan specific." in facilitator.get("/").get_data(as_text=True)
    first_note = returned.notes[0]
    data = form_data(app, facilitator, log_id, action="sign", password=DEMO_PASSWORD,
                     **{f"note_{first_note.participant_id}_plan":
                        "Will call a sponsor on Friday and bring the plan to group."})
    assert facilitator.post(f"/logs/{log_id}/edit", data=data).status_code == 302
    assert load_log(app, log_id).state == LogState.SIGNED
    supervisor.post(f"/review/logs/{log_id}/cosign", data={
        "version": str(load_log(app, log_id).version), "attest": "1",
        "password": DEMO_PASSWORD, "csrf_token": csrf_token(supervisor, "/")})
    assert load_log(app, log_id).state == LogState.COSIGNED

    with app.app_context():
        session = db.get_session()
        group = session.scalar(select(Group).order_by(Group.id))
        group_id = group.id
        hand_count: dict[tuple[str, datetime.date], int] = {}
        for counted in session.scalars(select(SessionLog).where(
                SessionLog.group_id == group.id, SessionLog.state.in_(COUNTED_STATES))):
            for row in counted.attendance:
                key = (row.participant.display_name, monday(counted.session_date))
                hand_count[key] = hand_count.get(key, 0) + row.minutes_attended
        start = min(day for _, day in hand_count)
        end = max(day for _, day in hand_count) + datetime.timedelta(days=6)
    report = supervisor.get(f"/reports/groups/{group_id}/hours.csv?start={start}&end={end}")
    rows = list(csv.reader(io.StringIO(report.data.decode("utf-8"))))
    weeks = [datetime.date.fromisoformat(h.removeprefix("week_of_")) for h in rows[0][2:-2]]
    for row in rows[1:]:
        for week, hours in zip(weeks, row[2:-2], strict=True):
            assert float(hours) * 60 == hand_count.get((row[0], week), 0), (row[0], week)
    page = supervisor.get(f"/reports/groups/{group_id}/hours?start={start}&end={end}")
    assert "▼ below" in page.get_data(as_text=True)

    coverage = supervisor.get(f"/coverage/groups/{group_id}").get_data(as_text=True)
    assert "Missed or not yet had:" in coverage and "next on" in coverage
