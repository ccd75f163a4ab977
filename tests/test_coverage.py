"""Curriculum coverage for a rolling group, the makeup packet, and "not yet had" when logging."""

import datetime
import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from curriculum import db, logbook
from curriculum.served_library import current_library
from curriculum.topic_coverage import upcoming_sessions
from models import AttendanceStatus, Group, Role, User
from tests.helpers import AuthActions

MONDAY = datetime.date(2026, 3, 2)


def log_topic(app: Flask, group: Group, user: User, day: datetime.date, slug: str,
              present: set[str]) -> None:
    with app.app_context():
        session = db.get_session()
        session_log = logbook.start_log(session, session.get(Group, group.id), day,
                                        session.get(User, user.id), [slug], current_library())
        for row in session_log.attendance:
            if row.participant.display_name not in present:
                row.status, row.minutes_attended = AttendanceStatus.ABSENT, 0
        session.commit()


@pytest.fixture
def rolling(app: Flask, make_user: Callable, make_group: Callable) -> dict:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=["Ana P.", "Ben C."],
                       admitted_on=MONDAY, meeting_days="mon,wed,fri")
    log_topic(app, group, facilitator, MONDAY, "coping-with-cravings", {"Ana P.", "Ben C."})
    log_topic(app, group, facilitator, MONDAY + datetime.timedelta(days=2),
              "talking-it-through", {"Ana P."})
    client = app.test_client()
    AuthActions(client).login(facilitator.email)
    return {"group": group, "client": client, "facilitator": facilitator}


def test_coverage_shows_attended_missing_and_next_dates(rolling: dict) -> None:
    response = rolling["client"].get(f"/coverage/groups/{rolling['group'].id}")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    ana = page.split("Ana P.</a> — ")[1].split("</article>")[0]
    ben = page.split("Ben C.</a> — ")[1].split("</article>")[0]
    assert ana.startswith("2 of 3 topics attended") and "Naming Feelings — next on" in ana
    assert ben.startswith("1 of 3 topics attended")
    assert "Talking It Through — next on" in ben and "Naming Feelings" in ben
    assert "<td>Coping With Cravings</td><td>1</td>" in page


def test_makeup_packet_holds_the_missing_handouts(rolling: dict) -> None:
    group = rolling["group"]
    ben = group.participants[1]
    response = rolling["client"].get(
        f"/coverage/groups/{group.id}/participants/{ben.id}/makeup.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Talking It Through" in text and "Naming Feelings" in text
    assert "Coping With Cravings" not in text and "Ben" not in text


def test_makeup_packet_when_nothing_is_missed_says_so_with_a_way_back(
        app: Flask, rolling: dict) -> None:
    group = rolling["group"]
    log_topic(app, group, rolling["facilitator"], MONDAY + datetime.timedelta(days=4),
              "naming-feelings", {"Ana P."})
    ana = group.participants[0]
    response = rolling["client"].get(
        f"/coverage/groups/{group.id}/participants/{ana.id}/makeup.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "<h1>Nothing to make up</h1>" in page
    assert "Ana P. has attended every topic in the track" in page
    assert f'href="/coverage/groups/{group.id}">Back to curriculum coverage' in page


def test_not_yet_had_on_the_log_a_session_page(rolling: dict) -> None:
    page = rolling["client"].get(f"/groups/{rolling['group'].id}").get_data(as_text=True)
    assert "Suggested next in the track: <strong>Naming Feelings</strong>" in page
    assert "Not yet had it: Ana P., Ben C." in page


def test_coverage_is_only_for_the_groups_staff(app: Flask, rolling: dict,
                                               make_user: Callable, make_group: Callable) -> None:
    group = rolling["group"]
    stranger = make_group(people=["Cy D."])
    outsider = app.test_client()
    AuthActions(outsider).login(make_user(Role.FACILITATOR).email)
    assert outsider.get(f"/coverage/groups/{group.id}").status_code == 404
    cy = stranger.participants[0]
    assert rolling["client"].get(
        f"/coverage/groups/{group.id}/participants/{cy.id}/makeup.pdf").status_code == 404


def test_upcoming_sessions_follow_meeting_days(rolling: dict) -> None:
    group = rolling["group"]
    assert upcoming_sessions(group, datetime.date(2026, 3, 3), 3) == [
        datetime.date(2026, 3, 4), datetime.date(2026, 3, 6), datetime.date(2026, 3, 9)]
    # A group stored with no meeting days has no upcoming dates (the walk used to run forever).
    for stored in ("", ","):
        group.meeting_days = stored
        assert upcoming_sessions(group, datetime.date(2026, 3, 3), 3) == []


def test_group_without_track(app: Flask, make_user: Callable, make_group: Callable,
                             client: FlaskClient) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], track_slug=None)
    AuthActions(client).login(facilitator.email)
    assert "has no curriculum track" in client.get(f"/coverage/groups/{group.id}").get_data(
        as_text=True)
