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
    Participant,
    Role,
    SubstanceUse,
    User,
)
from tests.helpers import PASSWORD, client_for, csrf_token, events, record, statement_count

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
    assert "discharge summary 1 · Signed, waiting for co-signature" in words
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
                ("get", f"{base}/edit"), ("post", f"{base}/edit"), ("post", f"{base}/discard")]
    if who != "supervisor":
        attempts += [("get", base), ("get", f"{base}.pdf"), ("post", f"{base}/cosign"),
                     ("post", f"{base}/return"), ("post", f"{base}/addenda")]
    for method, url in attempts:
        answer = client.open(url, method=method.upper(), data={"csrf_token": token})
        assert answer.status_code == 404, (who, method, url)
    denied = [e for e in events(app, "view-discharge-summary") + events(
        app, "edit-discharge-summary") + events(app, "draft-discharge-summary") + events(
        app, "discard-discharge-summary") if e[2] == "denied"]
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



def add_facilitator(app: Flask, group: Group, name: str) -> User:
    """A second counselor of ``group``."""
    with app.app_context():
        session = db.get_session()
        stored_group = session.get(Group, group.id)
        user = User(email=f"{name.split()[0].lower()}@example.org", name=name,
                    role=Role.FACILITATOR,
                    password_hash=stored_group.facilitators[0].password_hash)
        stored_group.facilitators.append(user)
        session.commit()
        return user


def discard(app: Flask, client: FlaskClient, participant_id: int, summary_id: int,
            **fields: str) -> Any:
    """Post the discard form as shown (confirmed, the current version), ``fields`` changed."""
    return client.post(f"/participants/{participant_id}/discharge/{summary_id}/discard", data={
        "confirm": "1", "version": str(stored(app, summary_id).version), **fields,
        "csrf_token": csrf_token(client, "/")})


def flashed(client: FlaskClient, answer: Any) -> str:
    """The page a redirect leads to, with its flashed message."""
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client.get(answer.headers["Location"]).get_data(as_text=True)


def test_the_author_discards_a_draft_which_stays_on_file_and_a_new_one_can_start(
    app: Flask, tmp_path: Path, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    summary_id = summary_id_of(draft(client, maria.id))
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    colleague = client_for(app, add_facilitator(app, episode["group"], "Cole League"))
    assert "Discard the draft" not in colleague.get(base).get_data(as_text=True)
    for other in (colleague, client_for(app, staff["supervisor"])):
        assert discard(app, other, maria.id, summary_id).status_code == 404
    assert "Discard the draft" in client.get(f"{base}/edit").get_data(as_text=True)
    opened = str(stored(app, summary_id).version)
    assert "Tick the box to confirm" in flashed(client, discard(app, client, maria.id,
                                                                summary_id, confirm=""))
    # The colleague saves the draft after the author opened it: not what they confirmed.
    save(colleague, app, maria.id, summary_id, aftercare="Outpatient group, Tuesdays 7 pm.")
    assert "changed after you opened it" in flashed(client, discard(
        app, client, maria.id, summary_id, version=opened))
    assert stored(app, summary_id).state == LogState.DRAFT
    done = discard(app, client, maria.id, summary_id)
    assert done.headers["Location"].endswith(f"/participants/{maria.id}")
    page = flashed(client, done)
    assert "Draft discarded." in page and "Discarded draft, never signed" in page
    assert "Draft a discharge summary" in page
    summary = stored(app, summary_id)  # kept, with its text, who and when
    assert summary.state == LogState.DISCARDED and summary.discarded_by_id == staff[
        "facilitator"].id and summary.discarded_at is not None
    assert summary.aftercare == "Outpatient group, Tuesdays 7 pm."
    # Two refused; three attempts reached it (unconfirmed, stale), and one discarded it.
    assert [e[2] for e in events(app, "discard-discharge-summary")] == ["denied"] * 2 + [
        "ok"] * 4
    shown = client.get(base).get_data(as_text=True)
    assert "discarded by Fran Facil" in shown and "Discard the draft" not in shown
    words = " ".join(pdf_text(client.get(f"{base}.pdf").data, tmp_path).split())
    assert "Discarded draft, never signed" in words and "Never signed" in words
    # Nothing changes it any more, through the form or the model.
    edit = save(client, app, maria.id, summary_id, aftercare="Sneaked in.")
    assert "This draft was discarded" in client.get(edit.headers["Location"]).get_data(
        as_text=True)
    assert "already discarded" in flashed(client, discard(app, client, maria.id, summary_id))
    with app.app_context():
        session = db.get_session()
        session.get(DischargeSummary, summary_id).aftercare = "Rewritten."
        with pytest.raises(LockedSummaryError):
            session.flush()
        session.rollback()
    assert stored(app, summary_id).aftercare == "Outpatient group, Tuesdays 7 pm."
    # The episode is free for a new draft, which can be signed.
    assert client.get(f"/participants/{maria.id}/discharge/new").status_code == 200
    second = summary_id_of(draft(client, maria.id))
    assert second != summary_id
    signed = save(client, app, maria.id, second, action="sign", password=PASSWORD)
    assert signed.status_code == 302, signed.get_data(as_text=True)


def returned(app: Flask, supervisor: FlaskClient, participant_id: int, summary_id: int,
             comment: str) -> None:
    """The supervisor returns the signed summary with ``comment``."""
    base = f"/participants/{participant_id}/discharge/{summary_id}"
    answer = supervisor.post(f"{base}/return", data={
        "version": str(stored(app, summary_id).version), "comment": comment,
        "csrf_token": csrf_token(supervisor, base)})
    assert answer.status_code == 302 and stored(app, summary_id).state == LogState.RETURNED


def test_a_summary_once_signed_is_never_discarded_even_returned(
    app: Flask, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    summary_id = signed_summary(app, episode)
    base = f"/participants/{maria.id}/discharge/{summary_id}"
    assert "Discard the draft" not in client.get(base).get_data(as_text=True)
    assert "add an addendum" in flashed(client, discard(app, client, maria.id, summary_id))
    returned(app, client_for(app, staff["supervisor"]), maria.id, summary_id,
             "Name the provider.")
    save(client, app, maria.id, summary_id, aftercare="Riverside Outpatient.")
    assert stored(app, summary_id).state == LogState.DRAFT  # edited after the return
    assert "Only a draft never signed" in flashed(client, discard(app, client, maria.id,
                                                                  summary_id))
    assert stored(app, summary_id).state == LogState.DRAFT
    assert [e[2] for e in events(app, "discard-discharge-summary")] == ["ok", "ok"]


def test_signing_stops_while_the_text_names_another_participant_and_keeps_it(
    app: Flask, make_group: Callable, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    client, maria = episode["client"], episode["maria"]
    with app.app_context():  # Maria L. joins while Maria G. is in the group
        session = db.get_session()
        namesake = Participant(display_name="Maria L.", record_number="R-namesake")
        session.add(namesake)
        session.add(Enrollment(group_id=episode["group"].id, participant=namesake,
                               admitted_on=datetime.date(2026, 3, 1)))
        session.commit()
    # Someone of another group is nobody this summary could name by mistake.
    make_group(facilitators=[staff["other"]], people=["Jo B."], name="Women's IOP")
    summary_id = summary_id_of(draft(client, maria.id, medications="None (Jo B. asked)."))
    refused = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                   aftercare="Rides with SAM to the Tuesday group.",
                   recommendations="Maria G. keeps her morning routine.")
    assert refused.status_code == 400
    page = " ".join(refused.get_data(as_text=True).split())
    assert ('<p class="error" id="aftercare-error">A discharge summary names only Maria G.: '
            'the aftercare referrals name another participant of the group (Sam T.).</p>'
            ) in page
    assert "Rides with SAM to the Tuesday group." in page
    assert 'id="recommendations-error"' not in page and 'id="medications-error"' not in page
    summary = stored(app, summary_id)
    assert summary.state == LogState.DRAFT and summary.aftercare.startswith("Rides with SAM")
    assert [e[2] for e in events(app, "sign-discharge-summary")] == ["refused"]
    # A first name shared with another participant is theirs too: the message says what to do.
    shared = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                  aftercare="Riverside Outpatient.", recommendations="Maria will keep going.")
    assert "They share a first name: write “the participant” instead." in shared.get_data(
        as_text=True)
    signed = save(client, app, maria.id, summary_id, action="sign", password=PASSWORD,
                  aftercare="Riverside Outpatient.", recommendations="The participant will "
                  "keep her morning routine.")
    assert signed.status_code == 302, signed.get_data(as_text=True)
    assert stored(app, summary_id).state == LogState.SIGNED


def test_home_lists_returned_summaries_and_unsigned_drafts_for_their_counselors(
    app: Flask, staff: dict[str, User], episode: dict[str, Any]
) -> None:
    """Returned summaries reach every counselor of the group, drafts only their author; each
    list is one statement, and every page says the summary's state in words."""
    client, maria, sam = episode["client"], episode["maria"], episode["sam"]
    colleague = client_for(app, add_facilitator(app, episode["group"], "Cole League"))
    others = [client_for(app, staff[who]) for who in ("other", "supervisor")]
    supervisor = others[1]
    maria_id = summary_id_of(draft(client, maria.id))
    home = " ".join(client.get("/").get_data(as_text=True).split())
    assert "Discharge summaries waiting for your signature" in home
    assert (f'<span class="badge badge-draft">Draft, not signed</span> <a href="/participants/'
            f'{maria.id}/discharge/{maria_id}/edit">Discharge summary of Maria G.</a>') in home
    assert "Draft, not signed" in client.get(f"/participants/{maria.id}").get_data(as_text=True)
    for reader in (colleague, *others):
        assert "Discharge summary of Maria G." not in reader.get("/").get_data(as_text=True)
    one_draft = statement_count(app, client, "/")
    # Maria's and Sam's are signed and returned; Lee's is a draft.
    sam_id = summary_id_of(draft(client, sam.id))
    summary_id_of(draft(client, episode["group"].participants[2].id))
    for participant_id, summary_id in ((maria.id, maria_id), (sam.id, sam_id)):
        save(client, app, participant_id, summary_id, action="sign", password=PASSWORD)
    queue = supervisor.get("/review/").get_data(as_text=True)
    assert queue.count("Signed, waiting for co-signature") == 2
    assert "Signed, waiting for co-signature" in client.get(
        f"/participants/{maria.id}").get_data(as_text=True)
    for participant_id, summary_id in ((maria.id, maria_id), (sam.id, sam_id)):
        returned(app, supervisor, participant_id, summary_id,
                 f"Name the aftercare provider ({summary_id}).")
    for reader in (client, colleague):
        home = " ".join(reader.get("/").get_data(as_text=True).split())
        assert "Discharge summaries returned by your supervisor" in home
        assert (f'<a href="/participants/{maria.id}/discharge/{maria_id}/edit">Fix the discharge '
                f'summary of Maria G.</a>, {episode["group"].name} — Sue Pervisor: '
                f'“<span class="prewrap">Name the aftercare provider ({maria_id}).</span>”'
                ) in home
        assert "Fix the discharge summary of Sam T." in home
    assert "Discharge summary of Lee K." in client.get("/").get_data(as_text=True)
    assert "Discharge summary of Lee K." not in colleague.get("/").get_data(as_text=True)
    for reader in others:
        assert "Fix the discharge summary" not in reader.get("/").get_data(as_text=True)
    assert "Returned to the counselor" in client.get(
        f"/participants/{maria.id}").get_data(as_text=True)
    assert statement_count(app, client, "/") == one_draft  # no statement per summary
    listed = [e for e in events(app, "list-discharge-summaries")
              if e[0] == staff["facilitator"].id]
    assert listed[-1][1:3] == ("home", "ok") and len(listed[-1][3]["summaries"]) == 3
