"""Logging, signing and reading session logs, through the pages a facilitator uses."""

import datetime
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from curriculum import audit, db
from models import AuditEvent, Group, LogState, SessionLog, User
from tests.helpers import (
    DAY,
    PASSWORD,
    AuthActions,
    complete_notes,
    csrf_token,
    form_data,
    load_log,
    sign,
    start_log,
)


@pytest.fixture
def facilitator_client(client: FlaskClient, staff: dict[str, User]) -> FlaskClient:
    AuthActions(client).login(staff["facilitator"].email)
    return client


def test_start_log_prefills_roster_topics_and_summary(
    app: Flask, facilitator_client: FlaskClient, group: Group, make_group: Callable
) -> None:
    log_id = start_log(facilitator_client, group)
    session_log = load_log(app, log_id)
    assert session_log.state == LogState.DRAFT
    assert sorted(a.participant.display_name for a in session_log.attendance) == [
        "Lee K.", "Maria G.", "Sam T."]
    assert all(a.minutes_attended == 180 and a.attended for a in session_log.attendance)
    assert session_log.interventions == ["Psychoeducation on triggers", "Coping skills training"]
    assert session_log.summary.startswith("Topic: Coping With Cravings. Objectives:")
    page = facilitator_client.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert "Data — Maria G." in page and "Save and sign" in page


def test_roster_follows_admission_and_discharge_dates(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    from models import Enrollment
    with app.app_context():
        session = db.get_session()
        enrollments = session.scalars(select(Enrollment).where(
            Enrollment.group_id == group.id).order_by(Enrollment.id)).all()
        enrollments[0].discharged_on = DAY - datetime.timedelta(days=1)
        enrollments[1].admitted_on = DAY + datetime.timedelta(days=1)
        session.commit()
    session_log = load_log(app, start_log(facilitator_client, group))
    assert [a.participant.display_name for a in session_log.attendance] == ["Lee K."]


def test_double_submit_of_start_opens_the_same_log(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    assert start_log(facilitator_client, group) == start_log(facilitator_client, group)
    with app.app_context():
        assert db.get_session().scalar(select(func.count()).select_from(SessionLog)) == 1


def test_future_dates_and_bad_dates_are_refused(
    facilitator_client: FlaskClient, group: Group
) -> None:
    for value in ("2999-01-01", "yesterday"):
        response = facilitator_client.post(f"/groups/{group.id}/logs", data={
            "session_date": value, "csrf_token": csrf_token(facilitator_client, "/")},
            follow_redirects=True)
        assert "Session log:" not in response.get_data(as_text=True)


def test_save_draft_keeps_text_and_bumps_version(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    maria = group.participants[0]  # type: ignore[attr-defined]
    data = form_data(app, facilitator_client, log_id, summary="We practised urge surfing.",
                     **{f"note_{maria.id}_data": "Described cravings after work."})
    response = facilitator_client.post(f"/logs/{log_id}/edit", data=data)
    assert response.status_code == 302
    saved = load_log(app, log_id)
    assert saved.summary == "We practised urge surfing." and saved.version == 2
    assert saved.note_for(maria.id).fields["data"] == "Described cravings after work."


def test_invalid_input_keeps_everything_typed_and_saves_nothing(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    sam = group.participants[1]  # type: ignore[attr-defined]
    data = form_data(app, facilitator_client, log_id, minutes="lots",
                     summary="Kept <b>text</b>",
                     **{f"note_{sam.id}_plan": "Call sponsor daily.",
                        f"engagement_{sam.id}": "9"})
    response = facilitator_client.post(f"/logs/{log_id}/edit", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the session length in minutes" in page and "Engagement is 1 to 5." in page
    assert "Call sponsor daily." in page and "Kept &lt;b&gt;text&lt;/b&gt;" in page
    # Each message is tied to its field for screen readers; fields without errors are not.
    assert ('name="minutes" min="5" max="720" value="lots" aria-describedby="minutes-error" '
            'aria-invalid="true"') in page
    assert f'id="engagement_{sam.id}-error">Engagement is 1 to 5.</p>' in page
    assert 'aria-describedby="summary-error"' not in page
    assert load_log(app, log_id).version == 1


def test_second_editor_is_refused_and_both_texts_survive(
    app: Flask, facilitator_client: FlaskClient, group: Group, staff: dict, make_user: Callable
) -> None:
    log_id = start_log(facilitator_client, group)
    stale = form_data(app, facilitator_client, log_id, summary="Tab B's summary")
    first = form_data(app, facilitator_client, log_id, summary="Tab A's summary")
    assert facilitator_client.post(f"/logs/{log_id}/edit", data=first).status_code == 302
    response = facilitator_client.post(f"/logs/{log_id}/edit", data=stale)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this log" in page
    assert "Tab B&#39;s summary" in page and "Tab A&#39;s summary" in page
    assert load_log(app, log_id).summary == "Tab A's summary"


@pytest.mark.parametrize("change", ["note", "attendance"])
def test_second_editor_is_refused_when_only_a_note_or_attendance_changed(
    app: Flask, facilitator_client: FlaskClient, group: Group, change: str
) -> None:
    """The log's version moves on with any change, not only the group part's."""
    log_id = start_log(facilitator_client, group, topics=())
    first_pid, second_pid = (p.id for p in group.participants[:2])  # type: ignore[attr-defined]
    if change == "note":
        first = {f"note_{first_pid}_data": "Tab A's note."}
        stale = {f"note_{second_pid}_data": "Tab B's note."}
    else:
        first, stale = {f"status_{first_pid}": "absent"}, {f"status_{second_pid}": "excused"}
    stale = form_data(app, facilitator_client, log_id, **stale)
    first = form_data(app, facilitator_client, log_id, **first)
    assert facilitator_client.post(f"/logs/{log_id}/edit", data=first).status_code == 302
    assert facilitator_client.post(f"/logs/{log_id}/edit", data=stale).status_code == 409
    saved = load_log(app, log_id)
    assert saved.version == 2
    if change == "note":
        assert saved.note_for(first_pid).fields["data"] == "Tab A's note."
        assert saved.note_for(second_pid).fields["data"] == ""
    else:
        statuses = {row.participant_id: row.status.value for row in saved.attendance}
        assert (statuses[first_pid], statuses[second_pid]) == ("absent", "present")


def test_repeated_submit_of_the_same_form_saves_once(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    data = form_data(app, facilitator_client, log_id, summary="Once.")
    assert facilitator_client.post(f"/logs/{log_id}/edit", data=data).status_code == 302
    again = facilitator_client.post(f"/logs/{log_id}/edit", data=data)
    assert again.status_code == 302
    assert load_log(app, log_id).version == 2


def test_sign_requires_complete_notes_then_locks(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    incomplete = sign(app, facilitator_client, log_id, summary="")
    page = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 400
    assert "Write the group summary." in page and "Write the Data part of Maria G." in page
    assert load_log(app, log_id).state == LogState.DRAFT

    response = sign(app, facilitator_client, log_id, summary="Urge surfing practice.",
                    **complete_notes(group))
    assert response.status_code == 302
    signed = load_log(app, log_id)
    assert signed.state == LogState.SIGNED and signed.signed_at is not None
    assert signed.content_hash == signed.compute_content_hash()
    assert "I attest" in signed.attestation and "Fran Facil" in signed.attestation

    later = form_data(app, facilitator_client, log_id, summary="Changed after signing")
    assert facilitator_client.post(f"/logs/{log_id}/edit", data=later).status_code == 302
    assert load_log(app, log_id).summary == "Urge surfing practice."


def test_sign_needs_the_signers_password(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    response = sign(app, facilitator_client, log_id, summary="S.", password="wrong password!",
                    **complete_notes(group))
    assert response.status_code == 400
    assert "Enter your password to sign." in response.get_data(as_text=True)
    saved = load_log(app, log_id)
    assert saved.state == LogState.DRAFT and saved.summary == "S."  # the draft text was kept


def test_safety_flag_needs_a_follow_up(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    lee = group.participants[2]  # type: ignore[attr-defined]
    response = sign(app, facilitator_client, log_id, summary="S.", **complete_notes(group),
                    **{f"safety_{lee.id}": "1"})
    assert "Lee K.&#39;s note flags a safety concern" in response.get_data(as_text=True)
    ok = sign(app, facilitator_client, log_id, summary="S.", **complete_notes(group),
              **{f"safety_{lee.id}": "1",
                 f"follow_up_{lee.id}": "Completed risk screen; safety plan; told supervisor."})
    assert ok.status_code == 302
    assert load_log(app, log_id).note_for(lee.id).is_safety_concern


def test_absent_participants_need_no_note_and_keep_none(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    sam = group.participants[1]  # type: ignore[attr-defined]
    notes = complete_notes(group)
    blocked = sign(app, facilitator_client, log_id, summary="S.", **notes,
                   **{f"status_{sam.id}": "absent", f"minutes_{sam.id}": "0"})
    assert "Sam T. is marked absent but has a note" in blocked.get_data(as_text=True)
    for key in ("data", "assessment", "plan"):
        notes[f"note_{sam.id}_{key}"] = ""
    notes[f"engagement_{sam.id}"] = ""
    ok = sign(app, facilitator_client, log_id, summary="S.", **notes,
              **{f"status_{sam.id}": "absent", f"minutes_{sam.id}": "0"})
    assert ok.status_code == 302
    signed = load_log(app, log_id)
    assert signed.note_for(sam.id) is None and len(signed.notes) == 2


def test_name_check_blocks_until_fixed_or_explained(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    maria, sam = group.participants[0], group.participants[1]  # type: ignore[attr-defined]
    notes = complete_notes(group)
    notes[f"note_{maria.id}_data"] = "Talked with SAM about cravings; Marianne came up."
    notes[f"note_{sam.id}_data"] = "Spoke about Samantha, his sister, and samples at work."
    blocked = sign(app, facilitator_client, log_id, summary="S.", **notes)
    page = blocked.get_data(as_text=True)
    assert blocked.status_code == 400
    assert "A note names Sam T." in page and f'id="override_{maria.id}"' in page
    assert f'id="override_{sam.id}"' not in page  # "Samantha" and "samples" are not "Sam"
    assert load_log(app, log_id).state == LogState.DRAFT

    fixed = dict(notes, **{f"note_{maria.id}_data": "Talked about cravings at work."})
    assert sign(app, facilitator_client, log_id, summary="S.", **fixed).status_code == 302


def test_name_check_override_reason_is_kept(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    maria = group.participants[0]  # type: ignore[attr-defined]
    notes = complete_notes(group)
    notes[f"note_{maria.id}_data"] = "Said her friend Lee from church helps her."
    response = sign(app, facilitator_client, log_id, summary="Lee K. led the check-in.",
                    **notes, **{f"override_{maria.id}": "A different Lee, outside the group.",
                                "override_summary": "Participant consented to be named."})
    assert response.status_code == 302
    signed = load_log(app, log_id)
    assert signed.note_for(maria.id).name_check_override == "A different Lee, outside the group."
    assert signed.summary_name_override == "Participant consented to be named."
    page = facilitator_client.get(f"/logs/{log_id}").get_data(as_text=True)
    assert "Name-check override: A different Lee, outside the group." in page


def signed_log(app: Flask, client: FlaskClient, group: Group) -> int:
    log_id = start_log(client, group)
    assert sign(app, client, log_id, summary="S.", **complete_notes(group)).status_code == 302
    return log_id


def test_addenda_only_on_signed_logs_in_time_order(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    draft_id = start_log(facilitator_client, group, day=DAY - datetime.timedelta(days=1))
    token = csrf_token(facilitator_client, "/")
    facilitator_client.post(f"/logs/{draft_id}/addenda", data={"text": "x", "csrf_token": token})
    assert load_log(app, draft_id).addenda == []
    log_id = signed_log(app, facilitator_client, group)
    for text in ("First correction.", "Second, later."):
        facilitator_client.post(f"/logs/{log_id}/addenda", data={"text": text,
                                                                 "csrf_token": token})
    signed = load_log(app, log_id)
    assert [a.text for a in signed.addenda] == ["First correction.", "Second, later."]
    assert signed.content_hash == signed.compute_content_hash()
    page = facilitator_client.get(f"/logs/{log_id}").get_data(as_text=True)
    assert "Fran Facil" in page and page.index("First correction.") < page.index("Second, later.")


def test_void_needs_a_reason_and_keeps_the_log(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    token = csrf_token(facilitator_client, "/")
    facilitator_client.post(f"/logs/{log_id}/void", data={"reason": "", "csrf_token": token})
    assert load_log(app, log_id).state == LogState.DRAFT
    facilitator_client.post(f"/logs/{log_id}/void", data={"reason": "Wrong group chosen.",
                                                          "csrf_token": token})
    voided = load_log(app, log_id)
    assert voided.state == LogState.VOIDED and voided.void_reason == "Wrong group chosen."
    assert "Wrong group chosen." in facilitator_client.get(f"/logs/{log_id}").get_data(
        as_text=True)
    assert start_log(facilitator_client, group) != log_id  # the date can be logged again


def test_drop_in_participant_can_be_added(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    from models import Enrollment
    with app.app_context():
        session = db.get_session()
        late = session.scalars(select(Enrollment).where(Enrollment.group_id == group.id)
                               .order_by(Enrollment.id)).first()
        late.admitted_on = DAY + datetime.timedelta(days=7)
        session.commit()
    log_id = start_log(facilitator_client, group)
    maria = group.participants[0]  # type: ignore[attr-defined]
    assert load_log(app, log_id).note_for(maria.id) is None
    facilitator_client.post(f"/logs/{log_id}/participants", data={
        "participant_id": str(maria.id), "csrf_token": csrf_token(facilitator_client, "/")})
    assert load_log(app, log_id).note_for(maria.id) is not None


def test_pages_with_notes_are_never_cached(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    for url in (f"/logs/{log_id}", f"/logs/{log_id}/edit", f"/groups/{group.id}", "/groups"):
        assert facilitator_client.get(url).headers["Cache-Control"] == "no-store"


def test_log_pdf_and_sign_in_sheet(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    import io

    from pypdf import PdfReader
    log_id = signed_log(app, facilitator_client, group)
    response = facilitator_client.get(f"/logs/{log_id}/log.pdf")
    assert response.headers["Cache-Control"] == "no-store"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "CONFIDENTIAL" in text and "42 CFR part 2" in text
    assert "Shared a recent craving at work" in text and "Signed by Fran Facil" in text
    assert not list((app.config["PDF_CACHE_DIR"]).glob("*.pdf"))
    sheet = facilitator_client.get(f"/logs/{log_id}/sign-in-sheet.pdf")
    sheet_text = PdfReader(io.BytesIO(sheet.data)).pages[0].extract_text()
    assert "Maria G." in sheet_text and "Signature" in sheet_text
    assert "R0" not in sheet_text  # no record numbers on a sheet the room passes around


ROUTES = [("get", "/logs/{log}"), ("get", "/logs/{log}/edit"), ("post", "/logs/{log}/edit"),
          ("get", "/logs/{log}/log.pdf"), ("get", "/logs/{log}/sign-in-sheet.pdf"),
          ("post", "/logs/{log}/addenda"), ("post", "/logs/{log}/void"),
          ("post", "/logs/{log}/participants"), ("get", "/groups/{group}"),
          ("post", "/groups/{group}/logs")]
# Who may do what with a log of a group: its facilitator, its supervisor, other staff.
ALLOWED = {
    "facilitator": {r for r in ROUTES},
    "supervisor": {("get", "/logs/{log}"), ("get", "/logs/{log}/log.pdf"),
                   ("get", "/logs/{log}/sign-in-sheet.pdf"), ("post", "/logs/{log}/addenda"),
                   ("post", "/logs/{log}/void"), ("get", "/groups/{group}")},
    "other": set(),
    "admin": set(),
}


@pytest.mark.parametrize("who", ["facilitator", "supervisor", "other", "admin"])
def test_authorization_matrix(
    app: Flask, client: FlaskClient, staff: dict[str, User], group: Group, who: str
) -> None:
    owner = app.test_client()
    AuthActions(owner).login(staff["facilitator"].email)
    log_id = start_log(owner, group)
    AuthActions(client).login(staff[who].email)
    token = csrf_token(client, "/")
    for method, pattern in ROUTES:
        url = pattern.format(log=log_id, group=group.id)
        response = getattr(client, method)(url, data={"csrf_token": token})
        allowed = (method, pattern) in ALLOWED[who]
        assert (response.status_code != 404) == allowed, (who, method, url,
                                                          response.status_code)
    with app.app_context():
        denied = db.get_session().scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == "denied", AuditEvent.user_id == staff[who].id))
    assert denied == len(ROUTES) - len(ALLOWED[who])


def test_unknown_ids_are_404(facilitator_client: FlaskClient) -> None:
    for url in ("/logs/999999", "/groups/999999", "/logs/99999999999999999999",
                "/logs/-1", "/logs/abc"):
        assert facilitator_client.get(url).status_code == 404


def test_my_groups_lists_only_mine(
    facilitator_client: FlaskClient, group: Group, make_group: Callable, staff: dict
) -> None:
    make_group(facilitators=[staff["other"]], name="Someone Else's Group")
    page = facilitator_client.get("/groups").get_data(as_text=True)
    assert group.name in page and "Someone Else&#39;s Group" not in page


def test_every_clinical_read_and_write_is_audited(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = signed_log(app, facilitator_client, group)
    facilitator_client.get(f"/logs/{log_id}")
    facilitator_client.get(f"/logs/{log_id}/log.pdf")
    with app.app_context():
        session = db.get_session()
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_id == str(log_id)).order_by(AuditEvent.id)).all()
        assert {"create-log", "view-log", "edit-log", "sign-log", "export-log-pdf"} <= set(actions)
        assert audit.verify(session).problem is None
        details = " ".join(str(e.detail) for e in session.scalars(select(AuditEvent)))
        assert "craving" not in details  # no note text in the audit trail


def test_autosave_answers_json_and_never_signs(
    app: Flask, facilitator_client: FlaskClient, group: Group
) -> None:
    log_id = start_log(facilitator_client, group)
    data = form_data(app, facilitator_client, log_id, summary="Autosaved text.", action="save",
                     **complete_notes(group))
    saved = facilitator_client.post(f"/logs/{log_id}/edit", data=data,
                                    headers={"X-Autosave": "1"})
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    assert saved.get_json()["message"].startswith("Draft saved automatically at ")
    stale = dict(data, summary="Other text.")
    conflict = facilitator_client.post(f"/logs/{log_id}/edit", data=stale,
                                       headers={"X-Autosave": "1"})
    assert conflict.status_code == 409 and "Someone else saved" in conflict.get_json()["message"]
    bad = form_data(app, facilitator_client, log_id, minutes="many")
    invalid = facilitator_client.post(f"/logs/{log_id}/edit", data=bad,
                                      headers={"X-Autosave": "1"})
    assert invalid.status_code == 400 and "Not saved automatically" in invalid.get_json()[
        "message"]
    sign_attempt = form_data(app, facilitator_client, log_id, action="sign", password=PASSWORD)
    facilitator_client.post(f"/logs/{log_id}/edit", data=sign_attempt,
                            headers={"X-Autosave": "1"})
    after = load_log(app, log_id)
    assert after.state == LogState.DRAFT and after.summary == "Autosaved text."
    page = facilitator_client.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert 'src="/static/autosave.js"' in page and "data-autosave" in page
