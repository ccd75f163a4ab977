"""Blueprint: one participant's course, for the staff of their groups, and acknowledging a
watch-list reason. Every view and acknowledgement is audited; anyone else gets a 404."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import check_ins, discharge_summaries, watch_list
from curriculum.access import clinical_group_ids, get_participant, read_participant
from curriculum.db import get_session
from curriculum.localtime import today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.participant_course import participant_course
from curriculum.served_library import current_library
from curriculum.text import clean
from curriculum.treatment_goals import STATUS_LABELS
from curriculum.weekly_hours import hours_label
from models import NOTE_FIELDS, LogState, WatchReason

bp = Blueprint("participants", __name__)
MAX_NOTE = 1000
# Where an acknowledgement was made from, and so where it returns to.
RETURN_TO = {"home": "home.index", "review": "review.queue"}


@bp.get("/participants/<id:participant_id>")
def show(participant_id: int) -> ResponseReturnValue:
    """The participant's course, from the groups the reader facilitates or supervises."""
    participant = read_participant(participant_id, "view-participant")
    session = get_session()
    course = participant_course(session, participant, current_user, today(), current_library())
    summaries = discharge_summaries.summaries_in(session, participant.id,
                                                 clinical_group_ids(current_user))
    summarized = {s.enrollment_id for s in summaries if s.state != LogState.DISCARDED}
    # A facilitator of a group the person is still enrolled in may draft the episode's summary.
    may_draft = any(e.discharged_on is None and e.id not in summarized and g.is_facilitated
                    for g in course.groups for e in g.enrollments)
    return render_template(
        "participants/show.html", course=course, participant=participant,
        summaries=summaries, may_draft=may_draft,
        note_fields=NOTE_FIELDS, status_labels=STATUS_LABELS, hours=hours_label,
        chart=check_ins.course_chart([row.check_in for row in course.check_ins],
                                     participant.display_name),
        use_words=check_ins.USE_WORDS, notice=REDISCLOSURE_NOTICE)


@bp.post("/participants/<id:participant_id>/watch-list/acknowledge")
def acknowledge(participant_id: int) -> ResponseReturnValue:
    """Acknowledge one watch-list reason with a note; it shows again only if a later log
    raises it again."""
    session = get_session()
    participant = get_participant(participant_id, "acknowledge-watch")
    back = url_for(RETURN_TO.get(request.form.get("back", ""), "home.index"))
    try:
        reason = WatchReason(request.form.get("reason", ""))
    except ValueError:
        session.commit()
        abort(400)
    note = clean(request.form.get("note", ""))
    if not note or len(note) > MAX_NOTE:
        session.commit()  # the attempt stays in the audit trail
        flash(f"Write what you did or will do about {participant.display_name} "
              f"(up to {MAX_NOTE:,} characters) to acknowledge it.")
        return redirect(back)
    done = watch_list.acknowledge(session, participant, reason, note, current_user.account(),
                                  clinical_group_ids(current_user), today())
    session.commit()
    flash(f"Acknowledged for {participant.display_name}: "
          f"{watch_list.REASON_LABELS[reason].lower()}." if done else
          f"Nothing to acknowledge for {participant.display_name}: that reason no longer holds.")
    return redirect(back)
