"""Documentation timeliness: hours to signature and to co-signature, per facilitator and group."""

import datetime
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from curriculum import db
from models import Group, LogState, Role, SessionLog, User
from tests.helpers import AuthActions

ZONE = ZoneInfo("America/New_York")


@pytest.fixture
def signed_after(app: Flask, make_log: Callable[..., SessionLog]) -> Callable[..., None]:
    """Log a group's 18:00 session on ``day``, signed ``hours`` after it began, and co-signed
    ``cosign_hours`` after that when given."""

    def log(group: Group, user: User, day: datetime.date, hours: float,
            cosign_hours: float | None = None) -> None:
        start = datetime.datetime.combine(day, datetime.time(18), ZONE)
        signed_at = start + datetime.timedelta(hours=hours)
        log_id = make_log(group, user, day, signed_at=signed_at).id
        if cosign_hours is not None:
            with app.app_context():
                session = db.get_session()
                reloaded = session.get(SessionLog, log_id)
                reloaded.state = LogState.COSIGNED
                reloaded.cosigned_at = signed_at + datetime.timedelta(hours=cosign_hours)
                reloaded.cosigned_by_id = group.supervisor_id
                session.commit()

    return log


def test_median_and_p90_per_facilitator_and_group(
    app: Flask, make_user: Callable, make_group: Callable, signed_after: Callable
) -> None:
    fran = make_user(Role.FACILITATOR, name="Fran Facil")
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[fran], supervisor=supervisor, name="Evening IOP",
                       people=["Ana P."])
    signed_after(group, fran, datetime.date(2026, 3, 2), 24, cosign_hours=10)
    signed_after(group, fran, datetime.date(2026, 3, 4), 72)
    client = app.test_client()
    AuthActions(client).login(supervisor.email)
    page = client.get("/reports/timeliness?start=2026-03-01&end=2026-03-31").get_data(
        as_text=True)
    fran_row = page.split('<th scope="row">Fran Facil</th>')[1].split("</tr>")[0]
    cells = [cell.split("<")[0] for cell in fran_row.split("<td>")[1:]]
    assert cells == ["2", "48.0 h", "67.2 h", "1", "10.0 h", "10.0 h"]
    assert '<th scope="row">Evening IOP</th>' in page


def test_other_supervisors_see_nothing_of_this_group(
    app: Flask, make_user: Callable, make_group: Callable, signed_after: Callable
) -> None:
    fran = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[fran], supervisor=make_user(Role.SUPERVISOR),
                       people=["Ana P."])
    signed_after(group, fran, datetime.date(2026, 3, 2), 24)
    client = app.test_client()
    AuthActions(client).login(make_user(Role.SUPERVISOR).email)
    page = client.get("/reports/timeliness?start=2026-03-01&end=2026-03-31").get_data(
        as_text=True)
    assert page.count("No signed logs in this range.") == 2


def test_facilitators_do_not_get_the_report(app: Flask, make_user: Callable) -> None:
    client = app.test_client()
    AuthActions(client).login(make_user(Role.FACILITATOR).email)
    assert client.get("/reports/timeliness").status_code == 404
