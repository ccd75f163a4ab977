"""The audit trail page: supervisors see their groups' events, admins all; filters; verify."""

import datetime
from collections.abc import Callable

from flask import Flask

from models import Role
from tests.helpers import client_for


def test_supervisor_sees_only_their_groups_events(
    app: Flask, make_user: Callable, make_group: Callable, make_log: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    supervisor, other = make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)
    mine = make_group(facilitators=[facilitator], supervisor=supervisor)
    theirs = make_group(facilitators=[facilitator], supervisor=other)
    my_log = make_log(mine, facilitator, datetime.date(2026, 3, 4)).id
    their_log = make_log(theirs, facilitator, datetime.date(2026, 3, 4)).id
    page = client_for(app, supervisor).get("/audit/").get_data(as_text=True)
    assert f"session-log {my_log}" in page and f"session-log {their_log}" not in page
    filtered = client_for(app, supervisor).get(
        f"/audit/?action=sign-log&object_id={my_log}").get_data(as_text=True)
    assert filtered.count("sign-log") >= 1 and "create-log" not in filtered


def test_admin_sees_everything_and_can_verify(
    app: Flask, make_user: Callable, make_group: Callable, make_log: Callable
) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    admin = client_for(app, make_user(Role.ADMIN))
    page = admin.get("/audit/?verify=1").get_data(as_text=True)
    assert f"session-log {log_id}" in page
    assert "Verified:" in page and "1 signed logs and 0 signed discharge summaries match" in page


def test_facilitators_cannot_see_the_audit_trail(app: Flask, make_user: Callable) -> None:
    assert client_for(app, make_user(Role.FACILITATOR)).get("/audit/").status_code == 404


def test_bad_dates_are_400(app: Flask, make_user: Callable) -> None:
    assert client_for(app, make_user(Role.ADMIN)).get("/audit/?start=soon").status_code == 400
