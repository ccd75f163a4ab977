"""The supervisor's queue, co-signing and returning logs."""

import datetime
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import audit, db
from models import LogReview, LogState, ParticipantNote, Role, SessionLog
from tests.helpers import PASSWORD, client_for, complete_notes, csrf_token, load_log, sign


@pytest.fixture
def team(make_user: Callable, make_group: Callable) -> dict:
    facilitator = make_user(Role.FACILITATOR, name="Fran Facil")
    supervisor = make_user(Role.SUPERVISOR, name="Sue Pervisor")
    other_supervisor = make_user(Role.SUPERVISOR, name="Otto Other")
    group = make_group(facilitators=[facilitator], supervisor=supervisor)
    return {"facilitator": facilitator, "supervisor": supervisor, "other": other_supervisor,
            "group": group}


def test_queue_puts_safety_flags_first_then_oldest(
    app: Flask, team: dict, make_log: Callable
) -> None:
    group, facilitator = team["group"], team["facilitator"]
    newest = make_log(group, facilitator, datetime.date(2026, 3, 9), signed_hours_ago=2).id
    oldest = make_log(group, facilitator, datetime.date(2026, 3, 2), signed_hours_ago=50).id
    flagged = make_log(group, facilitator, datetime.date(2026, 3, 5), flagged=True,
                       signed_hours_ago=5).id
    response = client_for(app, team["supervisor"]).get("/review/")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    positions = [page.index(f'href="/review/logs/{log_id}"') for log_id in (flagged, oldest,
                                                                              newest)]
    assert positions == sorted(positions)
    assert "Safety concern" in page and "50 h" in page
    other_page = client_for(app, team["other"]).get("/review/").get_data(as_text=True)
    assert "Nothing is waiting for your co-signature." in other_page


def test_queue_lists_drafts_overdue_for_signature(app: Flask, team: dict) -> None:
    with app.app_context():
        session = db.get_session()
        session.add(SessionLog(group_id=team["group"].id, session_date=datetime.date(2026, 1, 5),
                               start_time=datetime.time(18), minutes=180,
                               created_by_id=team["facilitator"].id))
        session.commit()
    page = client_for(app, team["supervisor"]).get("/review/").get_data(as_text=True)
    assert "Overdue" in page and "Mon 5 Jan 2026" in page


def post(client: FlaskClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")},
                       follow_redirects=True)


def test_cosign_needs_attestation_and_current_version(
    app: Flask, team: dict, make_log: Callable
) -> None:
    log_id = make_log(team["group"], team["facilitator"], datetime.date(2026, 3, 4)).id
    client = client_for(app, team["supervisor"])
    version = str(load_log(app, log_id).version)
    assert "Tick the attestation" in post(client, f"/review/logs/{log_id}/cosign",
                                          version=version).get_data(as_text=True)
    assert "changed since you opened it" in post(
        client, f"/review/logs/{log_id}/cosign", version="0", attest="1").get_data(as_text=True)
    assert "Enter your password to co-sign" in post(
        client, f"/review/logs/{log_id}/cosign", version=version, attest="1",
        password="not it").get_data(as_text=True)
    assert load_log(app, log_id).state == LogState.SIGNED
    post(client, f"/review/logs/{log_id}/cosign", version=version, attest="1",
         password=PASSWORD)
    cosigned = load_log(app, log_id)
    assert cosigned.state == LogState.COSIGNED and cosigned.cosigned_by_id == team[
        "supervisor"].id
    again = post(client, f"/review/logs/{log_id}/return", version=str(cosigned.version),
                 comment="Too late")
    assert "only a signed log can be returned" in again.get_data(as_text=True)
    with app.app_context():
        assert audit.verify(db.get_session()).problem is None


@pytest.mark.parametrize("who", ["facilitator", "other"])
def test_only_the_groups_supervisor_reviews(
    app: Flask, team: dict, make_log: Callable, who: str
) -> None:
    log_id = make_log(team["group"], team["facilitator"], datetime.date(2026, 3, 4)).id
    client = client_for(app, team[who])
    assert client.get(f"/review/logs/{log_id}").status_code == 404
    response = client.post(f"/review/logs/{log_id}/cosign", data={
        "version": "2", "attest": "1", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404
    assert load_log(app, log_id).state == LogState.SIGNED


def test_return_fix_resign_cosign(app: Flask, team: dict, make_log: Callable) -> None:
    log_id = make_log(team["group"], team["facilitator"], datetime.date(2026, 3, 4)).id
    supervisor = client_for(app, team["supervisor"])
    version = str(load_log(app, log_id).version)
    refused = post(supervisor, f"/review/logs/{log_id}/return", version=version, comment=" ")
    assert "Write a comment" in refused.get_data(as_text=True)
    post(supervisor, f"/review/logs/{log_id}/return", version=version,
         comment="Plan for the second participant is not individualized.")
    returned = load_log(app, log_id)
    assert returned.state == LogState.RETURNED and returned.content_hash is None

    facilitator = client_for(app, team["facilitator"])
    home = facilitator.get("/").get_data(as_text=True)
    assert "Returned by your supervisor" in home
    assert "Plan for the second participant is not individualized." in home
    edit = facilitator.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert "Returned by Sue Pervisor" in edit
    group = team["group"]
    second = group.participants[1]
    notes = complete_notes(group)
    notes[f"note_{second.id}_plan"] = "Will attend a SMART meeting on Saturday."
    resigned = sign(app, facilitator, log_id, summary="Summary.", **notes)
    assert resigned.status_code == 302
    assert load_log(app, log_id).state == LogState.SIGNED

    version = str(load_log(app, log_id).version)
    post(supervisor, f"/review/logs/{log_id}/cosign", version=version, attest="1",
         password=PASSWORD)
    final = load_log(app, log_id)
    assert final.state == LogState.COSIGNED
    with app.app_context():
        reviews = db.get_session().scalars(select(LogReview).order_by(LogReview.id)).all()
        assert [r.action.value for r in reviews] == ["returned", "co-signed"]
        assert audit.verify(db.get_session()).problem is None
    page = facilitator.get(f"/logs/{log_id}").get_data(as_text=True)
    assert "Returned by Sue Pervisor" in page and "not individualized" in page


def test_flagged_note_and_overrides_are_highlighted(
    app: Flask, team: dict, make_log: Callable
) -> None:
    log_id = make_log(team["group"], team["facilitator"], datetime.date(2026, 3, 4),
                      flagged=True).id
    page = client_for(app, team["supervisor"]).get(f"/review/logs/{log_id}").get_data(as_text=True)
    assert 'class="safety"' in page and "Risk screen done; safety plan made." in page
    with app.app_context():
        flagged = db.get_session().scalars(select(ParticipantNote).where(
            ParticipantNote.log_id == log_id, ParticipantNote.is_safety_concern.is_(True))).all()
        assert len(flagged) == 1



SUPERVISION_ROUTES = [
    ("get", "/review/logs/{log}"), ("post", "/review/logs/{log}/cosign"),
    ("post", "/review/logs/{log}/return"), ("get", "/reports/groups/{group}/hours"),
    ("get", "/reports/groups/{group}/hours.csv"), ("get", "/reports/groups/{group}/hours.pdf"),
    ("get", "/exports/groups/{group}/logs.pdf?start=2026-03-01&end=2026-03-31"),
    ("get", "/exports/groups/{group}/attendance.csv?start=2026-03-01&end=2026-03-31"),
    ("get", "/coverage/groups/{group}"), ("get", "/review/spot-checks/"),
    ("get", "/reports/timeliness"),
]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FACILITATOR, Role.SUPERVISOR])
def test_supervision_routes_refuse_everyone_but_the_groups_supervisor(
    app: Flask, team: dict, make_user: Callable, make_log: Callable, role: Role
) -> None:
    log_id = make_log(team["group"], team["facilitator"], datetime.date(2026, 3, 4)).id
    outsider = client_for(app, make_user(role))
    token = csrf_token(outsider, "/")
    for method, pattern in SUPERVISION_ROUTES:
        url = pattern.format(log=log_id, group=team["group"].id)
        if role == Role.SUPERVISOR and url in ("/review/spot-checks/", "/reports/timeliness"):
            continue  # any supervisor has these pages, showing only their own groups
        response = getattr(outsider, method)(url, data={"csrf_token": token, "attest": "1",
                                                        "comment": "x", "version": "2"})
        assert response.status_code == 404, (role, url)
    assert load_log(app, log_id).state == LogState.SIGNED
