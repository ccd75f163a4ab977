"""Each participant's handout language: the group's default, the participant's own (roster
form, the roster's row, the roster CSV's ``language`` column), and the makeup packet printed in
it. The sign-in sheet does not change."""

import datetime
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from curriculum import db, logbook
from curriculum.served_library import current_library
from models import (
    AttendanceStatus,
    AuditEvent,
    Enrollment,
    Group,
    HandoutLanguage,
    Participant,
    Role,
    User,
)
from tests.helpers import AuthActions, csrf_token, write_spanish

MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    write_spanish(content_dir, "talking-it-through", title="Hablar las cosas")
    return content_dir


@pytest.fixture
def admin_client(client: FlaskClient, make_user: Callable) -> FlaskClient:
    AuthActions(client).login(make_user(Role.ADMIN).email)
    return client


def post(client: FlaskClient, url: str, **data: object):  # type: ignore[no-untyped-def]
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/")})


def language_of(app: Flask, record_number: str) -> HandoutLanguage | None:
    with app.app_context():
        return db.get_session().scalar(select(Participant.handout_language).where(
            Participant.record_number == record_number))


def test_admit_with_a_language_and_change_it_on_the_roster(
        app: Flask, admin_client: FlaskClient, make_group: Callable) -> None:
    group = make_group(people=[])
    roster = f"/admin/groups/{group.id}/roster"
    post(admin_client, roster, display_name="Rosa V.", record_number="R-1",
         admitted_on="2026-03-02", handout_language="es")
    post(admin_client, roster, display_name="Tom A.", record_number="R-2",
         admitted_on="2026-03-02", handout_language="")
    assert language_of(app, "R-1") == HandoutLanguage.SPANISH
    assert language_of(app, "R-2") is None  # follows the group's
    page = admin_client.get(roster).get_data(as_text=True)
    assert '<option value="es" selected>Spanish (español)</option>' in page
    assert '<option value="" selected>The group&#39;s language (English)</option>' in page

    with app.app_context():
        enrollment_id = db.get_session().scalar(select(Enrollment.id).join(Participant).where(
            Participant.record_number == "R-2"))
    changed = post(admin_client, f"{roster}/{enrollment_id}/language", handout_language="es")
    assert "Tom A.&#39;s handouts print in Spanish (español)." in admin_client.get(
        changed.location).get_data(as_text=True)
    assert language_of(app, "R-2") == HandoutLanguage.SPANISH
    refused = post(admin_client, f"{roster}/{enrollment_id}/language", handout_language="fr")
    assert "Choose a handout language." in admin_client.get(refused.location).get_data(
        as_text=True)
    assert language_of(app, "R-2") == HandoutLanguage.SPANISH
    with app.app_context():
        changes = db.get_session().scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "set-handout-language")).all()
    assert changes == [{"language": "es"}]


def test_another_groups_enrollment_is_not_found(
        app: Flask, admin_client: FlaskClient, make_group: Callable) -> None:
    mine, theirs = make_group(people=["Ana P."]), make_group(people=["Cy D."])
    with app.app_context():
        theirs_id = db.get_session().get(Group, theirs.id).enrollments[0].id
    response = post(admin_client, f"/admin/groups/{mine.id}/roster/{theirs_id}/language",
                    handout_language="es")
    assert response.status_code == 404
    assert language_of(app, theirs.participants[0].record_number) is None


def test_the_roster_csv_takes_an_optional_language_column(
        app: Flask, admin_client: FlaskClient, make_group: Callable) -> None:
    group = make_group(people=[])
    url = f"/admin/groups/{group.id}/roster/import"
    bad = post(admin_client, url, csv_text="display_name,record_number,admitted_on,language\n"
                                           "Rosa V.,R-1,2026-03-02,french\n")
    assert bad.status_code == 400
    assert "Line 2: language &#39;french&#39; is not en or es" in bad.get_data(as_text=True)
    csv_text = ("display_name,record_number,admitted_on,language\n"
                "Rosa V.,R-1,2026-03-02,Español\nTom A.,R-2,2026-03-02,\n"
                "Ana P.,R-3,2026-03-02,en\n")
    preview = post(admin_client, url, csv_text=csv_text)
    assert "Rosa V. (#R-1), admitted" in preview.get_data(as_text=True)
    assert "handouts in Spanish (español)" in preview.get_data(as_text=True)
    post(admin_client, url, csv_text=csv_text, confirm="1")
    assert [language_of(app, n) for n in ("R-1", "R-2", "R-3")] == [
        HandoutLanguage.SPANISH, None, HandoutLanguage.ENGLISH]
    # The three-column header still works.
    post(admin_client, url, csv_text="display_name,record_number,admitted_on\n"
                                     "Lee K.,R-4,2026-03-02\n", confirm="1")
    assert language_of(app, "R-4") is None


def missed_topics(app: Flask, group: Group, user: User) -> None:
    """Everyone but the group's second participant attends the first topic of the track."""
    with app.app_context():
        session = db.get_session()
        session_log = logbook.start_log(session, session.get(Group, group.id), MONDAY,
                                        session.get(User, user.id), ["coping-with-cravings"],
                                        current_library())
        absent = next(row for row in session_log.attendance
                      if row.participant_id == group.participants[1].id)
        absent.status, absent.minutes_attended = AttendanceStatus.ABSENT, 0
        session.commit()


def packet_text(client: FlaskClient, group: Group, participant: Participant) -> str:
    response = client.get(
        f"/coverage/groups/{group.id}/participants/{participant.id}/makeup.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.trailer["/Root"]["/Lang"] in ("es", "en")
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_spanish_speaking_participants_makeup_packet_is_in_spanish(
        app: Flask, client: FlaskClient, make_user: Callable, make_group: Callable) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=["Ana P.", "Rosa V."],
                       admitted_on=MONDAY, meeting_days="mon,wed,fri")
    ana, rosa = group.participants
    with app.app_context():
        db.get_session().get(Participant, rosa.id).handout_language = HandoutLanguage.SPANISH
        db.get_session().commit()
    missed_topics(app, group, facilitator)
    AuthActions(client).login(facilitator.email)
    page = client.get(f"/coverage/groups/{group.id}").get_data(as_text=True)
    assert "in Spanish (español) (PDF)" in page and "in English (PDF)" in page

    spanish = packet_text(client, group, rosa)
    # Translated where there is a translation, English where there is none yet.
    assert "Hablar las cosas" in spanish and "Naming Feelings" in spanish
    assert "Talking It Through" not in spanish and "Coping With Cravings" in spanish
    english = packet_text(client, group, ana)
    assert "Talking It Through" in english and "Hablar las cosas" not in english

    with app.app_context():  # a group whose handouts print in Spanish: Ana's follow it
        db.get_session().get(Group, group.id).handout_language = HandoutLanguage.SPANISH
        db.get_session().commit()
    assert "Hablar las cosas" in packet_text(client, group, ana)
