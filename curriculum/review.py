"""Blueprint: the supervisor's review queue, co-signing and returning logs."""

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import signed_records, watch_list
from curriculum.access import (
    get_log,
    openable_participants,
    read_log,
    supervised_group_ids,
    supervises,
    supervisors_only,
)
from curriculum.db import get_session
from curriculum.localtime import today
from curriculum.logbook import COSIGN_ATTESTATION
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import flash_redirect
from curriculum.review_queue import (
    PAGE_SIZE,
    awaiting_cosignature,
    overdue_for_signature,
    summaries_awaiting_cosignature,
)
from curriculum.text import whole_number
from models import NOTE_FIELDS, utcnow

bp = Blueprint("review", __name__, url_prefix="/review")


bp.before_request(supervisors_only)


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
                           summaries=summaries_awaiting_cosignature(session, current_user),
                           watch=watch_list.read_watch_list(
                               session, supervised_group_ids(current_user), today(), "review"))


@bp.get("/logs/<id:log_id>")
def show(log_id: int) -> ResponseReturnValue:
    """The whole log on one page, with the review actions."""
    session_log = read_log(log_id, action="review-log", allowed=supervises)
    return render_template("review/log.html", log=session_log,
                           fields=NOTE_FIELDS[session_log.group.note_format],
                           notice=REDISCLOSURE_NOTICE, attestation=COSIGN_ATTESTATION,
                           openable=openable_participants(
                               current_user, (r.participant_id for r in session_log.attendance)))


def _decided(log_id: int, refusal: str | None, done: str) -> ResponseReturnValue:
    """Commit the decision (or the audit event of the refused attempt); back to the queue, or
    to the log when refused."""
    get_session().commit()
    if refusal:
        return flash_redirect(refusal, "review.show", log_id=log_id)
    return flash_redirect(done, "review.queue")


@bp.post("/logs/<id:log_id>/cosign")
def cosign(log_id: int) -> ResponseReturnValue:
    """Co-sign a signed log (final)."""
    session_log = get_log(log_id, action="cosign-log", allowed=supervises)
    return _decided(log_id, signed_records.try_cosign(
        get_session(), session_log, current_user.account(), request.form), "Co-signed.")


@bp.post("/logs/<id:log_id>/return")
def return_log(log_id: int) -> ResponseReturnValue:
    """Send a signed log back to its facilitator with a comment."""
    session_log = get_log(log_id, action="return-log", allowed=supervises)
    return _decided(log_id, signed_records.try_return(
        get_session(), session_log, current_user.account(), request.form),
        "Returned to the facilitator with your comment.")
