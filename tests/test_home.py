"""The signed-in home page: my groups, this week's sessions, drafts, returns and overdue logs."""

import datetime
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from curriculum import db
from models import LogState, Role, SessionLog
from tests.helpers import AuthActions


def test_home_shows_week_drafts_returned_and_overdue(
    app: Flask, client: FlaskClient, make_user: Callable, make_group: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], name="Daily Group",
                       meeting_days="mon,tue,wed,thu,fri,sat,sun")
    old = datetime.date.today() - datetime.timedelta(days=10)
    with app.app_context():
        session = db.get_session()
        for day, state in ((old, LogState.DRAFT), (old - datetime.timedelta(days=1),
                                                   LogState.RETURNED)):
            session.add(SessionLog(group_id=group.id, session_date=day,
                                   start_time=datetime.time(18), minutes=180,
                                   created_by_id=facilitator.id, state=state))
        session.commit()
    AuthActions(client).login(facilitator.email)
    page = client.get("/").get_data(as_text=True)
    assert "This week's sessions" in page and page.count("Daily Group") >= 7
    assert "(today)" in page
    assert "Overdue for signature (over 72 hours)" in page
    assert "Returned by your supervisor" in page and "Drafts to finish" in page


def test_new_staff_see_a_helpful_empty_state(client: FlaskClient, make_user: Callable) -> None:
    AuthActions(client).login(make_user(Role.FACILITATOR).email)
    page = client.get("/").get_data(as_text=True)
    assert "You are not assigned to a group yet." in page
