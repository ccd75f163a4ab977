"""Blueprint: the supervisor's review queue, co-signing and returning logs."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import logbook, watch_list
from curriculum.access import (
    get_log,
    openable_participants,
    read_log,
    roles_required,
    supervised_group_ids,
    supervises,
)
from curriculum.db import get_session
from curriculum.localtime import today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.review_queue import PAGE_SIZE, awaiting_cosignature, overdue_for_signature
from curriculum.step_up import step_up_problems
from curriculum.text import clean, whole_number
from models import NOTE_FIELDS, LogState, Role, SessionLog, utcnow

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_request
@roles_required(Role.SUPERVISOR)
def supervisors_only() -> None:
    """Reviewing is a supervisor's work; anyone else gets a 404 (audited), even an empty queue."""


@bp.get("/")
def queue() -> ResponseReturnValue:
    """What needs a supervisor: logs to co-sign, and logs overdue for signature."""
    page_number = whole_number(request.args.get("page", "1"), 1, 99_999) or 1
    session = get_session()
    rows = awaiting_cosignature(session.connection(), current_user.id, page_number)
    overdue = overdue_for_signature(session, current_user, today(),
                                    current_app.config["SIGNATURE_DUE_HOURS"])
    return render_template("review/queue.html", rows=rows[:PAGE_SIZE], page=page_number,
                           has_next=len(rows) > PAGE_SIZE, overdue=overdue, now=utcnow(),
                           watch=watch_list.read_watch_list(
                               session, supervised_group_ids(current_user), today(), "review"))


@bp.get("/logs/<id:log_id>")
def show(log_id: int) -> ResponseReturnValue:
    """The whole log on one page, with the review actions."""
    session_log = read_log(log_id, action="review-log", allowed=supervises)
    return render_template("review/log.html", log=session_log,
                           fields=NOTE_FIELDS[session_log.group.note_format],
                           notice=REDISCLOSURE_NOTICE, attestation=logbook.COSIGN_ATTESTATION,
                           openable=openable_participants(
                               current_user, (r.participant_id for r in session_log.attendance)))


def _refuse(log_id: int, message: str) -> ResponseReturnValue:
    get_session().commit()  # keeps the audit event of the refused attempt
    flash(message)
    return redirect(url_for("review.show", log_id=log_id))


def _not_reviewable(session_log: SessionLog, done: str) -> str | None:
    """Why the log cannot be ``done`` (co-signed, returned) now: it is not signed, or it changed
    since the supervisor opened it."""
    if session_log.state != LogState.SIGNED:
        return f"This log is {session_log.state.value}; only a signed log can be {done}."
    if request.form.get("version") != str(session_log.version):
        return "This log changed since you opened it; review it again."
    return None


@bp.post("/logs/<id:log_id>/cosign")
def cosign(log_id: int) -> ResponseReturnValue:
    """Co-sign a signed log (final)."""
    session = get_session()
    session_log = get_log(log_id, action="cosign-log", allowed=supervises)
    if problem := _not_reviewable(session_log, "co-signed"):
        return _refuse(log_id, problem)
    if request.form.get("attest") != "1":
        return _refuse(log_id, "Tick the attestation to co-sign.")
    cosigner = current_user.account()
    if problems := step_up_problems(session, cosigner, request.form, purpose="cosign-log"):
        return _refuse(log_id, next(iter(problems.values())).replace("to sign", "to co-sign"))
    logbook.cosign(session, session_log, cosigner)
    session.commit()
    flash("Co-signed.")
    return redirect(url_for("review.queue"))


@bp.post("/logs/<id:log_id>/return")
def return_log(log_id: int) -> ResponseReturnValue:
    """Send a signed log back to its facilitator with a comment."""
    session = get_session()
    session_log = get_log(log_id, action="return-log", allowed=supervises)
    comment = clean(request.form.get("comment", ""))
    if problem := _not_reviewable(session_log, "returned"):
        return _refuse(log_id, problem)
    if not comment or len(comment) > 2000:
        return _refuse(log_id, "Write a comment saying what to change (up to 2,000 "
                               "characters).")
    logbook.return_to_facilitator(session, session_log, current_user.account(), comment)
    session.commit()
    flash("Returned to the facilitator with your comment.")
    return redirect(url_for("review.queue"))
