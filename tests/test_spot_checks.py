"""Spot-checks: a random sample of signed notes, a checklist per note, results per facilitator."""

import datetime
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from curriculum import db
from models import Role, SpotCheckItem
from tests.helpers import AuthActions, csrf_token


@pytest.fixture
def checked_group(
    app: Flask, make_user: Callable, make_group: Callable, make_log: Callable
) -> dict:
    fran = make_user(Role.FACILITATOR, name="Fran Facil")
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[fran], supervisor=supervisor)
    for day in (2, 4, 5):
        make_log(group, fran, datetime.date(2026, 3, day))
    client = app.test_client()
    AuthActions(client).login(supervisor.email)
    return {"group": group, "client": client, "supervisor": supervisor}


def draw(client: FlaskClient, group_id: int, size: int = 4) -> str:
    response = client.post("/review/spot-checks/", data={
        "group_id": str(group_id), "start": "2026-03-01", "end": "2026-03-31",
        "size": str(size), "csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    return response.get_data(as_text=True)


def test_draw_samples_signed_notes_and_summarizes(app: Flask, checked_group: dict) -> None:
    client = checked_group["client"]
    page = draw(client, checked_group["group"].id)
    item_ids = re.findall(r'id="item-(\d+)"', page)
    assert len(item_ids) == 4 and len(set(item_ids)) == 4  # 9 notes signed; 4 drawn
    token = csrf_token(client, "/")
    check_id = re.search(r"/review/spot-checks/(\d+)/items/", page).group(1)
    incomplete = client.post(f"/review/spot-checks/{check_id}/items/{item_ids[0]}", data={
        "is_individualized": "yes", "csrf_token": token}, follow_redirects=True)
    assert "Answer yes or no for each point" in incomplete.get_data(as_text=True)
    assert "Tied to a goal" in page and "Check-in:</strong> craving not asked" in page
    for index, item_id in enumerate(item_ids[:2]):
        client.post(f"/review/spot-checks/{check_id}/items/{item_id}", data={
            "is_individualized": "yes" if index == 0 else "no", "is_linked_to_topics": "yes",
            "is_name_check_clean": "yes", "is_minutes_recorded": "yes",
            "is_tied_to_goal": "no", "comment": "Generic plan.", "csrf_token": token})
    with app.app_context():  # the second as recorded before "tied to a goal" was asked
        session = db.get_session()
        session.get(SpotCheckItem, int(item_ids[1])).is_tied_to_goal = None
        session.commit()
    summary = client.get("/review/spot-checks/").get_data(as_text=True)
    row = summary.split('<th scope="row">Fran Facil</th>')[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", row) == ["2", "1 of 2", "2 of 2", "2 of 2", "2 of 2",
                                                    "0 of 1"]
    assert "2 of 4 checked" in summary


def test_sample_is_capped_by_what_exists(app: Flask, checked_group: dict) -> None:
    page = draw(checked_group["client"], checked_group["group"].id, size=50)
    assert len(re.findall(r'id="item-(\d+)"', page)) == 9


def test_other_groups_and_other_roles_are_refused(
    app: Flask, checked_group: dict, make_user: Callable, make_group: Callable
) -> None:
    other_group = make_group(supervisor=make_user(Role.SUPERVISOR))
    assert checked_group["client"].post("/review/spot-checks/", data={
        "group_id": str(other_group.id), "start": "2026-03-01", "end": "2026-03-31",
        "size": "3", "csrf_token": csrf_token(checked_group["client"], "/")}).status_code == 404
    page = draw(checked_group["client"], checked_group["group"].id)
    check_id = re.search(r"/review/spot-checks/(\d+)/items/", page).group(1)
    facilitator = app.test_client()
    AuthActions(facilitator).login(make_user(Role.FACILITATOR).email)
    assert facilitator.get(f"/review/spot-checks/{check_id}").status_code == 404
    other_supervisor = app.test_client()
    AuthActions(other_supervisor).login(make_user(Role.SUPERVISOR).email)
    assert other_supervisor.get(f"/review/spot-checks/{check_id}").status_code == 404
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(SpotCheckItem)) == 4
