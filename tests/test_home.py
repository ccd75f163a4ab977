"""The signed-in home page: my groups, this week's sessions, drafts, returns and overdue logs."""

import datetime
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from curriculum import db
from models import LogReview, LogState, ReviewAction, Role, SessionLog
from tests.helpers import AuthActions, statement_count


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
    # A returned log names its reviewer's comment: no statement per returned log.
    reviewer = make_user(Role.SUPERVISOR, name="Rita Viewer")
    one_returned = statement_count(app, client, "/")
    with app.app_context():
        session = db.get_session()
        for back in range(2, 5):
            returned = SessionLog(group_id=group.id, session_date=old - datetime.timedelta(back),
                                  start_time=datetime.time(18), minutes=180,
                                  created_by_id=facilitator.id, state=LogState.RETURNED)
            returned.reviews.append(LogReview(reviewer_id=reviewer.id,
                                              action=ReviewAction.RETURNED,
                                              comment=f"Add the plan ({back})."))
            session.add(returned)
        session.commit()
    assert statement_count(app, client, "/") == one_returned
    page = client.get("/").get_data(as_text=True)
    assert "Rita Viewer: “Add the plan (4).”" in page


def test_new_staff_see_a_helpful_empty_state(client: FlaskClient, make_user: Callable) -> None:
    AuthActions(client).login(make_user(Role.FACILITATOR).email)
    page = client.get("/").get_data(as_text=True)
    assert "You are not assigned to a group yet." in page
