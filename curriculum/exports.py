"""Blueprint: a group's session logs for a date range, as one binder PDF an auditor can read
and as an attendance CSV (with each present participant's check-in and the goals their note
ticks). Supervisors of the group only; every export is audited."""

import datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from curriculum import pdf
from curriculum.access import WHOLE_LOG, read_group, supervises, supervisors_only
from curriculum.calendar_dates import requested_range
from curriculum.db import get_session
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import csv_response, pdf_response
from models import NOTE_FIELDS, Group, ParticipantNote, SessionLog

bp = Blueprint("exports", __name__, url_prefix="/exports")
MAX_DAYS = 370


bp.before_request(supervisors_only)


def _logs(group_id: int, action: str) -> tuple[Group, list[SessionLog], datetime.date,
                                               datetime.date]:
    start, end = requested_range(request.args, max_days=MAX_DAYS)
    group = read_group(group_id, action=action, allowed=supervises,
                       detail={"start": start.isoformat(), "end": end.isoformat()})
    session = get_session()
    logs = list(session.scalars(
        select(SessionLog).where(SessionLog.group_id == group.id,
                                 SessionLog.session_date.between(start, end))
        .order_by(SessionLog.session_date, SessionLog.start_time, SessionLog.id)
        .options(*WHOLE_LOG)))
    return group, logs, start, end


@bp.get("/groups/<id:group_id>/logs.pdf")
def binder(group_id: int) -> ResponseReturnValue:
    """Every log of the group in the range, voided ones included and marked, in one PDF."""
    group, logs, start, end = _logs(group_id, "export-log-binder")
    html = render_template("pdf/binder.html", group=group, logs=logs, start=start, end=end,
                           fields=NOTE_FIELDS[group.note_format],
                           notice=REDISCLOSURE_NOTICE)
    return pdf_response(pdf.render_pdf(html),
                        f"session-logs-group-{group_id}-{start.isoformat()}.pdf")


def _check_in_cells(note: ParticipantNote | None) -> list[object]:
    """A note's check-in and goals as CSV cells: blank where not asked or none ticked."""
    if note is None:
        return ["", "", "", "", ""]
    use = note.use_since_last_group
    return ["" if note.craving is None else note.craving, "" if note.mood is None else note.mood,
            use.value if use else "", "" if note.use_days is None else note.use_days,
            " | ".join(link.wording for link in note.goal_links)]


@bp.get("/groups/<id:group_id>/attendance.csv")
def attendance_csv(group_id: int) -> ResponseReturnValue:
    """One row per participant per session: UTF-8, one header row, ISO dates; the check-in
    (blank: not asked) and the goals the note ticks, " | " between goals."""
    group, logs, start, _ = _logs(group_id, "export-attendance-csv")
    header = ["session_date", "start_time", "session_minutes", "log_state", "log_id",
              "participant", "record_number", "status", "minutes_attended", "craving_0_10",
              "mood_0_10", "use_since_last_group", "use_days", "goals_addressed"]
    rows = ([session_log.session_date.isoformat(), session_log.start_time.strftime("%H:%M"),
             session_log.minutes, session_log.state.value, session_log.id,
             row.participant.display_name, row.participant.record_number, row.status.value,
             row.minutes_attended,
             *_check_in_cells(session_log.note_for(row.participant_id) if row.attended
                              else None)]
            for session_log in logs for row in session_log.attendance)
    return csv_response(header, rows, f"attendance-group-{group.id}-{start.isoformat()}.csv")
