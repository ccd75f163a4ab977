"""Blueprint: a participant's discharge summary. Their group's facilitators draft it from the
record, edit it and sign it (with the same step-up as a log; signing discharges the
participant), or its author discards a draft started by mistake; the group's supervisor
co-signs it or returns it with a comment; after signing, corrections are addenda. Every read
and write is audited; anyone else gets a 404."""

from collections.abc import Callable

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from curriculum import audit, discharge_record, discharge_summaries, pdf, signed_records
from curriculum.access import (
    can_read,
    facilitates,
    get_episode,
    get_summary,
    read_summary,
    supervises,
)
from curriculum.db import STALE, flush_unless_stale, get_session
from curriculum.discharge_summaries import MAX_TEXT, SummaryValues
from curriculum.localtime import today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import flash_redirect, pdf_response
from curriculum.served_library import current_library
from curriculum.step_up import step_up_problems
from curriculum.text import clean
from curriculum.weekly_hours import hours_label
from models import DischargeReason, DischargeSummary, Enrollment, LogState

bp = Blueprint("discharge", __name__, url_prefix="/participants/<id:participant_id>/discharge")
CHANGED_BEFORE_DISCARD = ("This draft changed after you opened it, so it was not discarded: "
                          "read it, then discard it if you still want to.")


def _text(value: str | None) -> str | None:
    return clean(value) if isinstance(value, str) else value


class SummaryForm(FlaskForm):
    reason = SelectField("Reason for discharge", choices=[SelectChoice("", "Choose…")] + [
        SelectChoice(r.value, r.label) for r in DischargeReason],
        validators=[DataRequired("Choose the reason for discharge.")])
    discharged_on = DateField("Discharge date", validators=[DataRequired(
        "Enter the discharge date, for example 2026-05-01.")])
    recommendations = TextAreaField("Recommendations", validators=[Length(max=MAX_TEXT)],
                                    filters=[_text], render_kw={"rows": 5})
    aftercare = TextAreaField("Aftercare referrals (who, where, when the first appointment is)",
                              validators=[Length(max=MAX_TEXT)], filters=[_text])
    medications = TextAreaField("Medications, as the participant reports them (optional)",
                                validators=[Length(max=MAX_TEXT)], filters=[_text])
    version = HiddenField()

    def values(self) -> SummaryValues:
        return SummaryValues(
            reason=DischargeReason(self.reason.data), discharged_on=self.discharged_on.data,
            recommendations=self.recommendations.data or "", aftercare=self.aftercare.data or "",
            medications=self.medications.data or "")


def _prefilled(record: dict) -> SummaryForm:
    """A new summary's form: discharged today, and the goals still active carried into the
    recommendations for the counselor to edit."""
    active = [g["goal"] for g in record["goals"] if g["status"] == "Active"]
    return SummaryForm(discharged_on=today(), recommendations="\n".join(
        f"Continue work on: {goal}" for goal in active))


def _form_page(enrollment: Enrollment, form: SummaryForm, record: dict,
               summary: DischargeSummary | None = None, step_up: dict[str, str] | None = None,
               conflict: bool = False, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "discharge/edit.html", enrollment=enrollment, participant=enrollment.participant,
        summary=summary, form=form, record=record, step_up=step_up or {}, conflict=conflict,
        hours=hours_label, attestation=discharge_summaries.ATTESTATION,
        may_discard=summary is not None and _may_discard(summary),
        notice=REDISCLOSURE_NOTICE), status


def _may_discard(summary: DischargeSummary) -> bool:
    return (discharge_summaries.discard_refusal(summary, current_user.id) is None
            and facilitates(current_user, summary.enrollment.group))


def _episode(participant_id: int) -> tuple[Enrollment, DischargeSummary | None]:
    """The participant's open episode (its access audited) and its summary, once drafted."""
    enrollment = get_episode(participant_id, "draft-discharge-summary")
    return enrollment, discharge_summaries.summary_of(get_session(), enrollment)


@bp.get("/new")
def new(participant_id: int) -> ResponseReturnValue:
    """The draft's form, prefilled from the record of the participant's open episode."""
    session = get_session()
    enrollment, existing = _episode(participant_id)
    record = discharge_record.assemble(session, enrollment, current_library(), today())
    session.commit()
    if existing is not None:
        return redirect(url_for("discharge.edit", participant_id=participant_id,
                                summary_id=existing.id))
    return _form_page(enrollment, _prefilled(record), record)


@bp.post("")
def create(participant_id: int) -> ResponseReturnValue:
    """Save the first draft, with the record as it stands now."""
    session = get_session()
    enrollment, existing = _episode(participant_id)
    form = SummaryForm()
    if existing is not None:  # a double submit, or a colleague's draft
        session.commit()
        return flash_redirect("A summary of this episode is already drafted: here it is.",
                              "discharge.edit", participant_id=participant_id,
                              summary_id=existing.id)
    if not form.validate_on_submit():
        record = discharge_record.assemble(session, enrollment, current_library(), today())
        session.commit()  # the attempt stays in the audit trail; nothing else is saved
        return _form_page(enrollment, form, record, status=400)
    summary = discharge_summaries.start_summary(session, enrollment, current_user.account(),
                                                form.values(), current_library(), today())
    session.commit()
    return flash_redirect("Draft saved. Check it, then sign it.", "discharge.edit",
                          participant_id=participant_id, summary_id=summary.id)


@bp.get("/<id:summary_id>/edit")
def edit(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """The draft (or returned) summary's form."""
    summary = read_summary(participant_id, summary_id, "view-discharge-summary",
                           allowed=facilitates)
    if not summary.is_editable:
        return redirect(url_for("discharge.show", participant_id=participant_id,
                                summary_id=summary_id))
    form = SummaryForm(obj=summary)
    form.reason.data = summary.reason.value
    return _form_page(summary.enrollment, form, summary.record, summary)


@bp.post("/<id:summary_id>/edit")
def save(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """Save the draft; with action=refresh, assemble the record again; with action=sign, also
    sign it (step-up password and second factor). Errors keep what was typed."""
    session = get_session()
    summary = get_summary(participant_id, summary_id, "edit-discharge-summary",
                          allowed=facilitates)
    form = SummaryForm()
    if summary.state == LogState.DISCARDED:
        return _back(summary, "This draft was discarded; start a new one from the participant's "
                              "page.")
    if not summary.is_editable:
        return _back(summary, "This summary is signed; add an addendum instead.")
    if not form.validate_on_submit():
        session.commit()
        return _form_page(summary.enrollment, form, summary.record, summary, status=400)
    if form.version.data != str(summary.version):
        session.commit()
        form.version.data = str(summary.version)
        return _form_page(summary.enrollment, form, summary.record, summary, conflict=True,
                          status=409)
    if flush_unless_stale(session, lambda: _apply_edit(session, summary, form)) is STALE:
        summary = get_summary(participant_id, summary_id, "edit-discharge-summary",
                              allowed=facilitates)
        session.commit()
        return _form_page(summary.enrollment, form, summary.record, summary, conflict=True,
                          status=409)
    if request.form.get("action") == "sign":
        return _sign(summary, form)
    session.commit()
    return flash_redirect("Record assembled again and draft saved."
                          if request.form.get("action") == "refresh" else "Draft saved.",
                          "discharge.edit", participant_id=participant_id, summary_id=summary_id)


def _apply_edit(session: Session, summary: DischargeSummary, form: SummaryForm) -> None:
    """The form's text on the draft, its record assembled again first when asked."""
    if request.form.get("action") == "refresh":
        discharge_summaries.refresh_record(session, summary, current_library(), today())
    discharge_summaries.apply_edit(summary, form.values())


def _sign(summary: DischargeSummary, form: SummaryForm) -> ResponseReturnValue:
    """Sign the saved (flushed) summary when every part a discharge needs is there and the
    signer's step-up holds; else commit the draft with the refusal's audit event and show the
    form with each problem at its field."""
    session = get_session()
    signer = current_user.account()
    problems = discharge_summaries.sign_problems(session, summary, today())
    step_up = step_up_problems(session, signer, request.form, purpose="sign-discharge-summary")
    if problems or step_up:
        audit.record(session, "sign-discharge-summary", "discharge-summary", summary.id,
                     outcome="refused", detail={"problems": len(problems) + len(step_up)})
        session.commit()
        for name, message in problems.items():
            form[name].errors = [message]
        form.version.data = str(summary.version)
        return _form_page(summary.enrollment, form, summary.record, summary, step_up=step_up,
                          status=400)
    discharge_summaries.sign(session, summary, signer)
    return _back(summary, f"Signed. {summary.participant.display_name} is discharged on "
                          f"{summary.discharged_on:%d %b %Y}; the summary is locked "
                          f"(corrections are addenda).")


@bp.get("/<id:summary_id>")
def show(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """The summary as it stands, with its signatures, reviews, addenda and the actions the
    reader may take."""
    summary = read_summary(participant_id, summary_id, "view-discharge-summary")
    group = summary.enrollment.group
    return render_template(
        "discharge/show.html", summary=summary, participant=summary.participant,
        record=summary.record, hours=hours_label, notice=REDISCLOSURE_NOTICE,
        may_edit=summary.is_editable and facilitates(current_user, group),
        may_review=summary.state == LogState.SIGNED and supervises(current_user, group),
        may_add=summary.state in signed_records.SIGNED_STATES,
        may_discard=_may_discard(summary),
        cosign_attestation=discharge_summaries.COSIGN_ATTESTATION)


def _back(summary: DischargeSummary, message: str) -> ResponseReturnValue:
    """Commit (the change, or the audit event of the refused attempt) and go to the summary."""
    get_session().commit()
    return flash_redirect(message, "discharge.show", participant_id=summary.participant_id,
                          summary_id=summary.id)


def _signed_step(participant_id: int, summary_id: int, action: str, allowed: Callable[..., bool],
                 step: signed_records.Step, done: str) -> ResponseReturnValue:
    """Take a step on a signed summary (co-sign, return, addendum) from the posted form: the
    refusal, or ``done``, is flashed on the summary's page."""
    summary = get_summary(participant_id, summary_id, action, allowed=allowed)
    return _back(summary, step(get_session(), summary, current_user.account(), request.form)
                 or done)


@bp.post("/<id:summary_id>/cosign")
def cosign(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """Co-sign a signed summary (final): the group's supervisor."""
    return _signed_step(participant_id, summary_id, "cosign-discharge-summary", supervises,
                        signed_records.try_cosign, "Co-signed.")


@bp.post("/<id:summary_id>/return")
def return_summary(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """Send a signed summary back to the counselor with a comment."""
    return _signed_step(participant_id, summary_id, "return-discharge-summary", supervises,
                        signed_records.try_return, "Returned to the counselor with your comment.")


@bp.post("/<id:summary_id>/discard")
def discard(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """Discard a draft started by mistake (its author, once confirmed); it stays on file."""
    session = get_session()
    summary = get_summary(participant_id, summary_id, "discard-discharge-summary",
                          allowed=facilitates, authored=True)
    if refusal := discharge_summaries.discard_refusal(summary, current_user.id):
        return _back(summary, refusal)
    if request.form.get("confirm") != "1":
        return _back(summary, "Tick the box to confirm you want to discard this draft.")
    if request.form.get("version") != str(summary.version):
        return _back(summary, CHANGED_BEFORE_DISCARD)
    if flush_unless_stale(session, lambda: discharge_summaries.discard(
            session, summary, current_user.account())) is STALE:
        return flash_redirect(CHANGED_BEFORE_DISCARD, "discharge.show",
                              participant_id=participant_id, summary_id=summary_id)
    session.commit()
    return flash_redirect("Draft discarded. It stays on file, marked discarded; you can start "
                          "a new one.", "participants.show", participant_id=participant_id)


@bp.post("/<id:summary_id>/addenda")
def add_addendum(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """Add a correction or late entry to a signed summary."""
    return _signed_step(participant_id, summary_id, "add-discharge-addendum", can_read,
                        signed_records.try_add_addendum, "Addendum added.")


@bp.get("/<id:summary_id>.pdf")
def summary_pdf(participant_id: int, summary_id: int) -> ResponseReturnValue:
    """The summary as a printable PDF, marked confidential, with the redisclosure notice."""
    summary = read_summary(participant_id, summary_id, "export-discharge-summary-pdf")
    html = render_template("pdf/discharge.html", summary=summary, record=summary.record,
                           participant=summary.participant, hours=hours_label,
                           notice=REDISCLOSURE_NOTICE)
    return pdf_response(pdf.render_pdf(html), f"discharge-summary-{summary_id}.pdf")

