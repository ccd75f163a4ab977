"""The discharge summary: drafted from the record of the participant's episode, edited, signed
with the same step-up as a log (which discharges the participant), co-signed or returned by the
group's supervisor, locked in the model layer once signed, with addenda after; its PDF; and who
may do what (anyone else gets a 404 and an audit event)."""

import datetime
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from curriculum import audit, db, secret_box
from models import (
    DischargeAddendum,
    DischargeSummary,
    Enrollment,
    Group,
    LockedSummaryError,
    LogState,
    Role,
    SubstanceUse,
    User,
)
from tests.helpers import PASSWORD, client_for, csrf_token, events, record

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def episode(app: Flask, staff: dict[str, User], group: Group) -> dict[str, Any]:
    """Maria G.'s course in ``group`` (admitted 5 Jan 2026): a signed session with a high
    craving, one she missed, one excused, a signed session with a low craving, and a draft."""
    maria, sam = group.participants[:2]  # type: ignore[attr-defined]
    facilitator = staff["facilitator"]
    record(app, group, facilitator, datetime.date(2026, 3, 2), {
        maria.id: {"craving": 7, "mood": 3, "use": SubstanceUse.YES, "use_days": 2,
                   "fields": {"data": "d", "assessment": "a", "plan": "Call her sponsor daily."}}},
        topics=("coping-with-cravings",))
    record(app, group, facilitator, datetime.date(2026, 3, 4), {maria.id: {"status": "absent"}})
    record(app, group, facilitator, datetime.date(2026, 3, 5), {maria.id: {"status": "excused"}})
    record(app, group, facilitator, datetime.date(2026, 3, 9), {
        maria.id: {"craving": 2, "mood": 8, "use": SubstanceUse.NONE,
                   "fields": {"data": "d", "assessment": "a",
                              "plan": "Start the outpatient group on Tuesdays."}}},
        topics=("talking-it-through",))
    record(app, group, facilitator, datetime.date(2026, 3, 11), {maria.id: {"craving": 9}},
           signed=False)
    client = client_for(app, facilitator)
    url = f"/participants/{maria.id}/goals"
    client.post(url, data={"problem": "Drinks after work.", "goal": "Home without drinking.",
                           "objective": "5 of 7 days.", "target_on": "2026-04-30",
                           "csrf_token": csrf_token(client, url)})
    return {"maria": maria, "sam": sam, "client": client, "group": group,
            "facilitator": facilitator}


def draft(client: FlaskClient, participant_id: int, **fields: str) -> Any:
    url = f"/participants/{participant_id}/discharge/new"
    return client.post(f"/participants/{participant_id}/discharge", data={
        "reason": "step-down", "discharged_on": "2026-03-12",
        "recommendations": "Keep the morning routine.",
        "aftercare": "Outpatient group, Tuesdays 6 pm, first visit 17 March.",
        "medications": "Naltrexone 50 mg daily (as she reports).",
        **fields, "csrf_token": csrf_token(client, url)})


def summary_id_of(response: Any) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/discharge/(\d+)", response.headers["Location"]).group(1))


def stored(app: Flask, summary_id: int) -> DischargeSummary:
    with app.app_context():
        summary = db.get_session().get(DischargeSummary, summary_id)
        summary.enrollment, summary.reviews, summary.addenda  # noqa: B018 - loaded to read later
        return summary


def save(client: FlaskClient, app: Flask, participant_id: int, summary_id: int,
         **fields: str) -> Any:
    """Post the summary's form as it stands, with ``fields`` changed (``action`` included)."""
    summary = stored(app, summary_id)
    url = f"/participants/{participant_id}/discharge/{summary_id}/edit"
    return client.post(url, data={
        "reason": summary.reason.value, "discharged_on": summary.discharged_on.isoformat(),
        "recommendations": summary.recommendations, "aftercare": summary.aftercare,
        "medications": summary.medications, "version": str(summary.version),
        **fields, "csrf_token": csrf_token(client, "/")})


def signed_summary(app: Flask, episode: dict[str, Any]) -> int:
    client, maria = episode["client"], episode["maria"]
    summary_id = summary_id_of(draft(client, maria.id))
    answer = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return summary_id


def pdf_text(data: bytes, folder: Path) -> str:
    path = folder / "summary.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_draft_is_assembled_from_the_record_and_errors_keep_the_text(
    app: Flask, episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    page = client.get(f"/participants/{maria.id}")
    assert "No discharge summary yet." in page.get_data(as_text=True)
    assert "Draft a discharge summary" in page.get_data(as_text=True)
    form = client.get(f"/participants/{maria.id}/discharge/new")
    assert form.headers["Cache-Control"] == "no-store"
    shown = " ".join(form.get_data(as_text=True).split())
    for words in ("Sessions attended</dt><dd>2 (Mon 2 Mar 2026 to Mon 9 Mar 2026)",
                  "1 absent, 1 excused", "Hours attended</dt><dd>6", "1 session of this "
                  "episode not signed yet", "Mon 2 Mar 2026: craving 7 of 10 · mood 3 of 10 · "
                  "use since last group: yes, on 2 days", "Mon 9 Mar 2026: craving 2 of 10",
                  "Coping With Cravings; Talking It Through", "Home without drinking.",
                  "Start the outpatient group on Tuesdays.",
                  "Continue work on: Home without drinking."):
        assert words in shown, words
    refused = draft(client, maria.id, reason="", discharged_on="12/03/2026",
                    recommendations="My words stay.")
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Choose the reason for discharge." in page and "My words stay." in page
    assert "Enter the discharge date" in page
    summary_id = summary_id_of(draft(client, maria.id))
    summary = stored(app, summary_id)
    assert summary.state == LogState.DRAFT and summary.content_hash is None
    assert (summary.record["attended"], summary.record["absent"], summary.record["minutes"],
            summary.record["not_signed"]) == (2, 1, 360, 1)
    assert summary.record["check_in_first"]["craving"] == 7
    assert [p["plan"] for p in summary.record["plans"]] == [
        "Call her sponsor daily.", "Start the outpatient group on Tuesdays."]
    # The record is frozen until the counselor assembles it again.
    record(app, episode["group"], episode["facilitator"], datetime.date(2026, 3, 12))
    assert stored(app, summary_id).record["attended"] == 2
    refreshed = save(client, app, maria.id, summary_id, action="refresh")
    assert refreshed.status_code == 302
    assert stored(app, summary_id).record["attended"] == 3
    stale = save(client, app, maria.id, summary_id, version="1", aftercare="From an old tab.")
    assert stale.status_code == 409 and "From an old tab." in stale.get_data(as_text=True)
    assert "Someone else saved this summary" in stale.get_data(as_text=True)
    assert stored(app, summary_id).aftercare != "From an old tab."
    # A second draft of the same episode opens the first.
    again = client.get(f"/participants/{maria.id}/discharge/new")
    assert again.headers["Location"].endswith(f"/discharge/{summary_id}/edit")
    assert [e[2] for e in events(app, "create-discharge-summary")] == ["ok"]


def test_signing_asks_again_who_signs_hashes_and_discharges_every_open_enrollment(
    app: Flask, staff: dict[str, User], make_group: Callable, episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    other = make_group(facilitators=[staff["other"]], people=[], name="Women's IOP")
    with app.app_context():
        session = db.get_session()
        session.add(Enrollment(group_id=other.id, participant_id=maria.id,
                               admitted_on=datetime.date(2026, 2, 2)))
        session.commit()
    summary_id = summary_id_of(draft(client, maria.id, recommendations=""))
    no_password = save(client, app, maria.id, summary_id, action="sign",
                       recommendations="Typed before signing.")
    assert no_password.status_code == 400
    page = no_password.get_data(as_text=True)
    assert "Enter your password to sign." in page and "Typed before signing." in page
    assert stored(app, summary_id).state == LogState.DRAFT
    assert stored(app, summary_id).recommendations == "Typed before signing."  # draft kept
    late = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                discharged_on="2030-01-01")
    assert late.status_code == 400 and "to today" in late.get_data(as_text=True)
    # The account has an authenticator: the password alone no longer signs.
    secret = pyotp.random_base32()
    with app.app_context():
        session = db.get_session()
        session.get(User, staff["facilitator"].id).totp_secret = secret_box.seal(secret)
        session.commit()
    no_code = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD)
    assert no_code.status_code == 400
    assert "authenticator app shows now" in no_code.get_data(as_text=True)
    done = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                code=pyotp.TOTP(secret).now(), discharged_on="2026-03-12")
    assert done.status_code == 302, done.get_data(as_text=True)
    summary = stored(app, summary_id)
    assert summary.state == LogState.SIGNED and summary.signed_by_id == staff["facilitator"].id
    assert summary.content_hash == summary.compute_content_hash()
    with app.app_context():
        dates = db.get_session().scalars(select(Enrollment.discharged_on).where(
            Enrollment.participant_id == maria.id)).all()
        assert audit.verify(db.get_session()).signed_summaries == 1
    assert dates == [datetime.date(2026, 3, 12)] * 2
    assert [e[2] for e in events(app, "sign-discharge-summary")] == ["refused"] * 3 + ["ok"]
    page = client.get(f"/participants/{maria.id}").get_data(as_text=True)
    assert "Draft a discharge summary" not in page and "badge-signed" in page
    # Discharged: no open episode to summarize, until a readmission starts a new one.
    assert client.get(f"/participants/{maria.id}/discharge/new").status_code == 404
    with app.app_context():
        session = db.get_session()
        session.add(Enrollment(group_id=episode_group(app, summary_id), participant_id=maria.id,
                               admitted_on=datetime.date(2026, 6, 1)))
        session.commit()
    assert client.get(f"/participants/{maria.id}/discharge/new").status_code == 200
    readmitted = summary_id_of(draft(client, maria.id, discharged_on="2026-07-01"))
    assert readmitted != summary_id


def episode_group(app: Flask, summary_id: int) -> int:
    return stored(app, summary_id).enrollment.group_id


def test_the_supervisor_returns_then_cosigns_and_the_queue_lists_it(
    app: Flask, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    summary_id = signed_summary(app, episode)
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    supervisor = client_for(app, staff["supervisor"])
    queue = supervisor.get("/review/").get_data(as_text=True)
    assert f'href="{base}"' in queue and "step-down to outpatient care" in queue
    version = str(stored(app, summary_id).version)
    token = csrf_token(supervisor, base)
    empty = supervisor.post(f"{base}/return", data={"version": version, "comment": " ",
                                                     "csrf_token": token})
    assert "Write a comment" in supervisor.get(empty.headers["Location"]).get_data(as_text=True)
    supervisor.post(f"{base}/return", data={"version": version, "csrf_token": token,
                                            "comment": "Name the aftercare provider."})
    summary = stored(app, summary_id)
    assert summary.state == LogState.RETURNED and summary.content_hash is None
    assert "Name the aftercare provider." in client.get(f"{base}/edit").get_data(as_text=True)
    assert f'href="{base}"' not in supervisor.get("/review/").get_data(as_text=True)
    resigned = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                    aftercare="Riverside Outpatient, Tuesdays 6 pm, first visit 17 March.")
    assert resigned.status_code == 302
    version = str(stored(app, summary_id).version)
    unticked = supervisor.post(f"{base}/cosign", data={"version": version, "password": PASSWORD,
                                                       "csrf_token": token})
    assert "Tick the attestation" in supervisor.get(unticked.headers["Location"]).get_data(
        as_text=True)
    supervisor.post(f"{base}/cosign", data={"version": version, "attest": "1",
                                            "password": PASSWORD, "csrf_token": token})
    summary = stored(app, summary_id)
    assert summary.state == LogState.COSIGNED and summary.cosigned_by_id == staff["supervisor"].id
    assert summary.content_hash == summary.compute_content_hash()
    assert [r.action.value for r in summary.reviews] == ["returned", "co-signed"]
    # Two attempts reached it (the first refused for the attestation), and one co-signed it.
    assert [e[2] for e in events(app, "cosign-discharge-summary")] == ["ok"] * 3
    page = client.get(base).get_data(as_text=True)
    assert "Co-signed by Sue Pervisor" in page and "Riverside Outpatient" in page


def test_a_signed_summary_is_locked_in_the_model_layer_and_takes_addenda(
    app: Flask, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    summary_id = signed_summary(app, episode)
    maria = episode["maria"]
    with app.app_context():
        session = db.get_session()
        summary = session.get(DischargeSummary, summary_id)
        summary.recommendations = "Changed after signing."
        with pytest.raises(LockedSummaryError):
            session.flush()
        session.rollback()
        summary = session.get(DischargeSummary, summary_id)
        session.delete(summary)
        with pytest.raises(LockedSummaryError):
            session.flush()
        session.rollback()
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    client = episode["client"]
    edit = save(client, app, maria.id, summary_id, recommendations="Sneaked in.")
    assert edit.status_code == 302 and stored(app, summary_id).recommendations != "Sneaked in."
    client.post(f"{base}/addenda", data={"text": "Late entry: first visit moved to 18 March.",
                                         "csrf_token": csrf_token(client, base)})
    assert "first visit moved to 18 March" in client.get(base).get_data(as_text=True)
    with app.app_context():
        session = db.get_session()
        addendum = session.scalars(select(DischargeAddendum)).one()
        addendum.text = "Rewritten."
        with pytest.raises(LockedSummaryError):
            session.flush()
        session.rollback()
        # Whoever writes to the table behind the model's back, verify finds it.
        session.execute(text("UPDATE discharge_summaries SET aftercare = 'none' WHERE id = :id"),
                        {"id": summary_id})
        session.commit()
        problem = audit.verify(session).problem
    assert problem == (f"discharge summary {summary_id}: content no longer matches its "
                       f"signature hash")


def test_the_pdf_is_confidential_with_the_part_2_notice_and_never_cached(
    app: Flask, tmp_path: Path, episode: dict[str, Any]
) -> None:
    summary_id = signed_summary(app, episode)
    maria = episode["maria"]
    response = episode["client"].get(f"/participants/{maria.id}/discharge/{summary_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    words = " ".join(pdf_text(response.data, tmp_path).split())
    assert "CONFIDENTIAL (42 CFR part 2)" in words
    assert "42 CFR part 2 prohibits unauthorized use or disclosure of these records" in words
    assert "Discharge summary: Maria G." in words and "Step-down to outpatient care" in words
    assert "Naltrexone 50 mg daily" in words and "Signed by Fran Facil" in words
    assert not list(app.config["PDF_CACHE_DIR"].glob("*.pdf"))
    assert [e[2] for e in events(app, "export-discharge-summary-pdf")] == ["ok"]


@pytest.mark.parametrize("who", ["other", "admin", "supervisor", "stranger"])
def test_only_the_groups_staff_reach_it_and_everyone_else_gets_a_404(
    app: Flask, staff: dict[str, User], make_user: Callable, episode: dict[str, Any], who: str
) -> None:
    """Facilitators of the group draft, edit and sign; its supervisor reads, co-signs and
    returns; another group's facilitator, an admin and another supervisor reach nothing."""
    maria, sam = episode["maria"], episode["sam"]
    summary_id = signed_summary(app, episode)
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    user = make_user(Role.SUPERVISOR) if who == "stranger" else staff[who]
    client = client_for(app, user)
    token = csrf_token(client, "/")
    attempts = [("get", f"/participants/{maria.id}/discharge/new"),
                ("post", f"/participants/{maria.id}/discharge"),
                ("get", f"{base}/edit"), ("post", f"{base}/edit")]
    if who != "supervisor":
        attempts += [("get", base), ("get", f"{base}.pdf"), ("post", f"{base}/cosign"),
                     ("post", f"{base}/return"), ("post", f"{base}/addenda")]
    for method, url in attempts:
        answer = client.open(url, method=method.upper(), data={"csrf_token": token})
        assert answer.status_code == 404, (who, method, url)
    denied = [e for e in events(app, "view-discharge-summary") + events(
        app, "edit-discharge-summary") + events(app, "draft-discharge-summary") if e[2] ==
        "denied"]
    assert {e[0] for e in denied} == {user.id}
    if who == "supervisor":
        assert client.get(base).status_code == 200
        assert "Co-sign" in client.get(base).get_data(as_text=True)
    # Another participant's id, or none at all, for a summary that exists.
    facilitator = episode["client"]
    for url in (f"/participants/{sam.id}/discharge/{summary_id}",
                f"/participants/{maria.id}/discharge/{summary_id + 99}",
                f"/participants/{maria.id}/discharge/{summary_id + 99}.pdf"):
        assert facilitator.get(url).status_code == 404, url
    with app.app_context():
        assert db.get_session().get(DischargeSummary, summary_id).state == LogState.SIGNED


def test_hostile_text_is_stored_clean_and_shown_inert(
    app: Flask, tmp_path: Path, episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    summary_id = summary_id_of(draft(client, maria.id, recommendations=HOSTILE + "\x00\u202e",
                                     aftercare=HOSTILE, medications="{{ 7*7 }}"))
    assert stored(app, summary_id).recommendations == HOSTILE
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    for url in (base, f"{base}/edit"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    # Template syntax is text, never run.
    assert '<p class="prewrap">{{ 7*7 }}</p>' in client.get(base).get_data(as_text=True)
    save(client, app, maria.id, summary_id, action="sign", password=PASSWORD)
    words = pdf_text(client.get(f"{base}.pdf").data, tmp_path)
    assert '<script>alert("x")</script>' in words and "{{ 7*7 }}" in words

