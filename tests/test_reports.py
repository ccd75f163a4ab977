"""The attendance and hours report: figures match a hand count of the logs built here."""

import csv
import datetime
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from curriculum import db, logbook
from curriculum.reports import csv_cell
from curriculum.topics import library
from models import AttendanceStatus, Group, Role, User
from tests.conftest import AuthActions

MONDAY = datetime.date(2026, 3, 2)


def log_session(app: Flask, group: Group, user: User, day: datetime.date,
                minutes: dict[str, int], sign: bool = True) -> None:
    """A log where each named participant attended the given minutes (0 = absent)."""
    with app.app_context():
        session = db.get_session()
        session_log = logbook.start_log(session, session.get(Group, group.id), day,
                                        session.get(User, user.id), [], library())
        session_log.summary = "S."
        for row in session_log.attendance:
            attended = minutes.get(row.participant.display_name, 0)
            row.minutes_attended = attended
            row.status = AttendanceStatus.PRESENT if attended else AttendanceStatus.ABSENT
        for note in session_log.notes:
            note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 3
        session.flush()
        if sign:
            logbook.sign(session, session_log, session.get(User, user.id), {})
        session.commit()


@pytest.fixture
def setup(app: Flask, make_user: Callable, make_group: Callable) -> dict:
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor,
                       people=["Ana P.", "Ben C.", "=HYPERLINK(\"http://x\")"],
                       admitted_on=MONDAY)
    # Week 1: three 3-hour sessions; Ana all (9 h), Ben two (6 h, below 9).
    for offset, ben in ((0, 180), (2, 180), (3, 0)):
        log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=offset),
                    {"Ana P.": 180, "Ben C.": ben})
    # Week 2: Ana two sessions and a late arrival (8.5 h, below); Ben all three (9 h).
    for offset, ana in ((7, 180), (9, 180), (10, 150)):
        log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=offset),
                    {"Ana P.": ana, "Ben C.": 180})
    # A draft is not counted.
    log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=11),
                {"Ana P.": 180, "Ben C.": 180}, sign=False)
    return {"group": group, "supervisor": supervisor, "facilitator": facilitator}


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).login(user.email)
    return client


def url(group: Group, suffix: str = "") -> str:
    return f"/reports/groups/{group.id}/hours{suffix}?start=2026-03-02&end=2026-03-15"


def test_hours_match_a_hand_count(app: Flask, setup: dict) -> None:
    client = client_for(app, setup["supervisor"])
    response = client.get(url(setup["group"], ".csv"))
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert rows[0] == ["participant", "record_number", "week_of_2026-03-02",
                       "week_of_2026-03-09", "total_hours", "weeks_below_minimum"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ana P."][2:] == ["9", "8.5", "17.5", "1"]
    assert by_name["Ben C."][2:] == ["6", "9", "15", "1"]


def test_page_marks_weeks_below_minimum_with_text_and_chart(app: Flask, setup: dict) -> None:
    page = client_for(app, setup["supervisor"]).get(url(setup["group"])).get_data(as_text=True)
    assert page.count("▼ below") == 4  # Ana once, Ben once, the absent third twice
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in page
    assert "Week of Mon 2 Mar 2026: 1 met, 2 below the minimum." in page
    assert "Weekly minimum: 9 hours." in page


def test_csv_neutralizes_formulas(app: Flask, setup: dict) -> None:
    data = client_for(app, setup["supervisor"]).get(url(setup["group"], ".csv")).data
    assert "'=HYPERLINK" in data.decode("utf-8")
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "ok")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "ok"]


def test_pdf_export(app: Flask, setup: dict) -> None:
    response = client_for(app, setup["supervisor"]).get(url(setup["group"], ".pdf"))
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    assert "Attendance and hours" in text and "42 CFR part 2" in "".join(
        p.extract_text() for p in reader.pages)
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)


@pytest.mark.parametrize("who", ["facilitator", "other"])
def test_only_the_groups_supervisor_sees_reports(
    app: Flask, setup: dict, make_user: Callable, who: str
) -> None:
    user = setup["facilitator"] if who == "facilitator" else make_user(Role.SUPERVISOR)
    client = client_for(app, user)
    for suffix in ("", ".csv", ".pdf"):
        assert client.get(url(setup["group"], suffix)).status_code == 404


@pytest.mark.parametrize("query", ["start=someday", "start=2026-03-10&end=2026-03-01",
                                   "start=2020-01-01&end=2026-01-01"])
def test_bad_ranges_are_400(app: Flask, setup: dict, query: str) -> None:
    client = client_for(app, setup["supervisor"])
    assert client.get(f"/reports/groups/{setup['group'].id}/hours?{query}").status_code == 400
