"""Admin pages: accounts, groups and staff, rosters and the CSV import with its dry run."""

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from curriculum import db
from models import AuditEvent, Enrollment, Group, Participant, Role, User
from tests.helpers import AuthActions, csrf_token, password_matches


@pytest.fixture
def admin_client(client: FlaskClient, make_user: Callable) -> FlaskClient:
    AuthActions(client).login(make_user(Role.ADMIN, name="Ada Admin").email)
    return client


def post(client: FlaskClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.get_session().scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("url", ["/admin/users", "/admin/groups", "/admin/groups/new"])
@pytest.mark.parametrize("role", [Role.FACILITATOR, Role.SUPERVISOR])
def test_only_admins_reach_admin_pages(
    app: Flask, client: FlaskClient, make_user: Callable, url: str, role: Role
) -> None:
    user = make_user(role)
    AuthActions(client).login(user.email)
    assert client.get(url).status_code == 404
    assert post(client, "/admin/users", name="X", email="x@example.org",
                role="admin").status_code == 404
    with app.app_context():
        denials = db.get_session().execute(select(AuditEvent.user_id, AuditEvent.action)
                                           .where(AuditEvent.outcome == "denied")).all()
    assert denials == [(user.id, "open-page")] * 2  # every refusal is in the trail


def test_create_account_shows_one_time_password_once(
    app: Flask, admin_client: FlaskClient
) -> None:
    response = post(admin_client, "/admin/users", name="New Counselor",
                    email="New@Example.org", role="facilitator")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Account created" in page
    password = page.split('<p class="one-time-password"><code>')[1].split("</code>")[0]
    with app.app_context():
        user = db.get_session().scalar(select(User).where(User.email == "new@example.org"))
        assert user.is_password_temporary and password_matches(app, user.password_hash, password)
    assert password not in admin_client.get("/admin/users").get_data(as_text=True)


def test_create_account_errors_keep_the_form(app: Flask, admin_client: FlaskClient,
                                             make_user: Callable) -> None:
    make_user(email="taken@example.org")
    response = post(admin_client, "/admin/users", name="Typed Name", email="taken@example.org",
                    role="facilitator")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "already has an account" in page
    assert 'value="Typed Name"' in page
    bad = post(admin_client, "/admin/users", name="", email="not-an-email", role="facilitator")
    assert bad.status_code == 400 and "Enter an email address." in bad.get_data(as_text=True)


def test_deactivate_reset_and_role_change_end_sessions(
    app: Flask, admin_client: FlaskClient, make_user: Callable
) -> None:
    user = make_user(Role.FACILITATOR)
    theirs = app.test_client()
    AuthActions(theirs).login(user.email)
    assert theirs.get("/").status_code == 200
    post(admin_client, f"/admin/users/{user.id}/role", role="supervisor")
    assert theirs.get("/").status_code == 302
    AuthActions(theirs).login(user.email)
    post(admin_client, f"/admin/users/{user.id}/active", active="0")
    assert theirs.get("/").status_code == 302
    assert AuthActions(theirs).login(user.email).status_code == 401
    post(admin_client, f"/admin/users/{user.id}/active", active="1")
    reset = post(admin_client, f"/admin/users/{user.id}/password")
    assert "Password reset" in reset.get_data(as_text=True)
    with app.app_context():
        stored = db.get_session().get(User, user.id)
        assert stored.role == Role.SUPERVISOR and stored.is_active
        assert stored.is_password_temporary
        actions = db.get_session().scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(user.id), AuditEvent.object_type == "user")).all()
        assert {"change-role", "deactivate-user", "activate-user", "reset-password"} <= set(
            actions)


def test_admin_cannot_lock_themselves_out(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        me = db.get_session().scalar(select(User).where(User.role == Role.ADMIN))
    post(admin_client, f"/admin/users/{me.id}/active", active="0")
    post(admin_client, f"/admin/users/{me.id}/role", role="facilitator")
    assert admin_client.get("/admin/users").status_code == 200


def test_a_supervisor_of_a_group_keeps_the_role_until_the_group_has_another(
    app: Flask, admin_client: FlaskClient, make_user: Callable, make_group: Callable
) -> None:
    supervisor = make_user(Role.SUPERVISOR, name="Sue Pervisor")
    group = make_group(supervisor=supervisor, name="Tuesday IOP")
    refused = post(admin_client, f"/admin/users/{supervisor.id}/role", role="facilitator")
    assert "Sue Pervisor supervises Tuesday IOP: choose another supervisor for it first." in (
        admin_client.get(refused.location).get_data(as_text=True))
    with app.app_context():
        session = db.get_session()
        assert session.get(User, supervisor.id).role == Role.SUPERVISOR
        session.get(Group, group.id).supervisor_id = None
        session.commit()
    post(admin_client, f"/admin/users/{supervisor.id}/role", role="facilitator")
    with app.app_context():
        assert db.get_session().get(User, supervisor.id).role == Role.FACILITATOR


def test_create_group_with_staff(app: Flask, admin_client: FlaskClient,
                                 make_user: Callable) -> None:
    facilitator = make_user(Role.FACILITATOR, name="Fran Facil")
    supervisor = make_user(Role.SUPERVISOR, name="Sue Pervisor")
    response = post(admin_client, "/admin/groups/new", name="Tuesday Evening IOP",
                    meeting_days=["tue", "thu", "mon"], start_time="18:00", minutes="180",
                    modality="in-person", note_format="BIRP", track_slug="core",
                    weekly_minimum_minutes="540", supervisor_id=str(supervisor.id),
                    facilitator_ids=[str(facilitator.id)], is_goal_link_required="y")
    assert response.status_code == 302
    with app.app_context():
        group = db.get_session().scalar(select(Group))
        assert group.meeting_days == "mon,tue,thu" and group.note_format.value == "BIRP"
        assert [u.name for u in group.facilitators] == ["Fran Facil"]
        assert group.supervisor_id == supervisor.id and group.is_goal_link_required
    form = admin_client.get(f"/admin/groups/{group.id}").get_data(as_text=True)
    assert '<input checked id="is_goal_link_required"' in form


def test_group_form_errors_keep_input(admin_client: FlaskClient) -> None:
    response = post(admin_client, "/admin/groups/new", name="Kept Name", start_time="late",
                    minutes="5", modality="in-person", note_format="DAP", track_slug="",
                    weekly_minimum_minutes="540", supervisor_id="0")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="Kept Name"' in page and "Choose at least one day." in page


def test_admit_and_discharge(app: Flask, admin_client: FlaskClient,
                             make_group: Callable) -> None:
    group = make_group(people=[])
    ok = post(admin_client, f"/admin/groups/{group.id}/roster", display_name="Dana R.",
              record_number="A-100", admitted_on="2026-03-02")
    assert ok.status_code == 302
    again = post(admin_client, f"/admin/groups/{group.id}/roster", display_name="Dana R.",
                 record_number="A-100", admitted_on="2026-03-09")
    assert "already enrolled" in again.get_data(as_text=True)
    clash = post(admin_client, f"/admin/groups/{group.id}/roster", display_name="Other P.",
                 record_number="A-100", admitted_on="2026-03-09")
    assert "belongs to Dana R." in clash.get_data(as_text=True)
    with app.app_context():
        enrollment = db.get_session().scalar(select(Enrollment))
    early = post(admin_client, f"/admin/groups/{group.id}/roster/{enrollment.id}/discharge",
                 discharged_on="2026-01-01")
    assert early.status_code == 302
    post(admin_client, f"/admin/groups/{group.id}/roster/{enrollment.id}/discharge",
         discharged_on="2026-04-30")
    with app.app_context():
        assert str(db.get_session().get(Enrollment, enrollment.id).discharged_on) == "2026-04-30"


CSV_GOOD = ("display_name,record_number,admitted_on\nMaria G.,R-1,2026-03-02\n"
            "Sam T.,R-2,2026-03-04\n")
CSV_BAD = ("display_name,record_number,admitted_on\nMaria G.,R-1,2026-03-02\n"
           "Sam T.,R 2,2026-03-04\n,R-3,2026-03-04\nLee K.,R-4,March 4\nAna P.,R-1,2026-03-05\n"
           "too,few\n")


def test_roster_import_dry_run_reports_lines_and_imports_nothing(
    app: Flask, admin_client: FlaskClient, make_group: Callable
) -> None:
    group = make_group(people=[])
    response = post(admin_client, f"/admin/groups/{group.id}/roster/import", csv_text=CSV_BAD)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for expected in ("Line 3: record_number must be", "Line 4: display_name must be",
                     "Line 5: admitted_on &#39;March 4&#39; is not a date",
                     "Line 6: record_number R-1 appears twice", "Line 7: expected 3 columns"):
        assert expected in page
    assert "Maria G.,R-1" in page  # the text is kept for fixing
    assert count(app, Participant) == 0 and count(app, Enrollment) == 0


def test_roster_import_preview_then_confirm(
    app: Flask, admin_client: FlaskClient, make_group: Callable
) -> None:
    group = make_group(people=[])
    preview = post(admin_client, f"/admin/groups/{group.id}/roster/import", csv_text=CSV_GOOD)
    assert "Ready to import 2 participant(s)" in preview.get_data(as_text=True)
    assert count(app, Enrollment) == 0
    done = post(admin_client, f"/admin/groups/{group.id}/roster/import", csv_text=CSV_GOOD,
                confirm="1")
    assert done.status_code == 302
    assert count(app, Enrollment) == 2
    header_only = post(admin_client, f"/admin/groups/{group.id}/roster/import",
                       csv_text="name,number\nx,y\n")
    assert "Line 1: the first line must be" in header_only.get_data(as_text=True)


def test_roster_import_from_a_file(app: Flask, admin_client: FlaskClient,
                                   make_group: Callable) -> None:
    import io
    group = make_group(people=[])
    response = admin_client.post(f"/admin/groups/{group.id}/roster/import", data={
        "csrf_token": csrf_token(admin_client, "/"),
        "csv_file": (io.BytesIO(("\ufeff" + CSV_GOOD).encode()), "roster.csv"),
        "confirm": "1"}, content_type="multipart/form-data")
    assert response.status_code == 302 and count(app, Enrollment) == 2


def test_admin_who_is_not_supervisor_cannot_read_notes(
    admin_client: FlaskClient, make_group: Callable
) -> None:
    group = make_group()
    assert admin_client.get(f"/groups/{group.id}").status_code == 404
    assert admin_client.get(f"/admin/groups/{group.id}/roster").status_code == 200


@pytest.mark.parametrize(("url", "object_type"), [
    ("/admin/users/9999/password", "user"), ("/admin/groups/9999/roster", "group"),
])
def test_admin_pages_answer_404_for_what_does_not_exist_and_audit_it(
    app: Flask, admin_client: FlaskClient, url: str, object_type: str
) -> None:
    response = post(admin_client, url) if url.endswith("password") else admin_client.get(url)
    assert response.status_code == 404
    with app.app_context():
        denial = db.get_session().execute(select(AuditEvent.object_type, AuditEvent.object_id)
                                          .where(AuditEvent.outcome == "denied")).one()
    assert tuple(denial) == (object_type, "9999")
