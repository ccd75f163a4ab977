"""What a discharge summary says of the episode, assembled from the record when the summary is
drafted or refreshed, then frozen into it: the dates, sessions attended and missed, hours,
topics covered, the check-ins at start and end, the goals and their status, and the plans of
the last notes.

Only signed (and co-signed) logs count, as on the participant page and the hours report:
a draft's note may still change. How many of the episode's logs are not signed yet is kept
too, so the counselor sees what the summary leaves out. Voided logs never count."""

import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum.library import Library
from curriculum.treatment_goals import STATUS_LABELS
from curriculum.weekly_hours import COUNTED_STATES
from models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    LogState,
    ParticipantNote,
    SessionLog,
    TreatmentGoal,
)

# The plans of this many of the last notes.
LAST_PLANS = 3


def _check_in(day: datetime.date, note: ParticipantNote) -> dict[str, Any]:
    return {"date": day.isoformat(), "craving": note.craving, "mood": note.mood,
            "use": note.use_since_last_group.value if note.use_since_last_group else None,
            "use_days": note.use_days}


def assemble(session: Session, enrollment: Enrollment, library: Library,
             day: datetime.date) -> dict[str, Any]:
    """The episode of ``enrollment`` (its group, from admission to its discharge or ``day``) as
    plain JSON values: dates as ISO text, the words of the record as they read today."""
    rows = session.execute(
        select(SessionLog, Attendance, ParticipantNote)
        .join(Attendance, Attendance.log_id == SessionLog.id)
        .outerjoin(ParticipantNote, ParticipantNote.of_attendance())
        .where(Attendance.participant_id == enrollment.participant_id,
               SessionLog.group_id == enrollment.group_id,
               SessionLog.session_date >= enrollment.admitted_on,
               SessionLog.session_date <= (enrollment.discharged_on or day),
               SessionLog.state != LogState.VOIDED)
        .order_by(SessionLog.session_date, SessionLog.start_time, SessionLog.id)).all()
    signed = [(log, row, note) for log, row, note in rows if log.state in COUNTED_STATES]
    attended = [(log, row, note) for log, row, note in signed if row.attended]
    topics: list[str] = []
    for log, _row, _note in attended:
        topics += [slug for slug in log.topics if slug not in topics]
    check_ins = [(log.session_date, note) for log, _row, note in attended
                 if note is not None and note.has_check_in]
    plans = [{"date": log.session_date.isoformat(), "plan": note.fields.get("plan", "")}
             for log, _row, note in attended if note is not None and note.fields.get("plan")]
    goals = session.scalars(select(TreatmentGoal).where(
        TreatmentGoal.participant_id == enrollment.participant_id).order_by(TreatmentGoal.id))
    return {
        "group": enrollment.group.name,
        "admitted_on": enrollment.admitted_on.isoformat(),
        "assembled_on": day.isoformat(),
        "first_session": attended[0][0].session_date.isoformat() if attended else None,
        "last_session": attended[-1][0].session_date.isoformat() if attended else None,
        "attended": len(attended),
        "absent": sum(row.status == AttendanceStatus.ABSENT for _log, row, _note in signed),
        "excused": sum(row.status == AttendanceStatus.EXCUSED for _log, row, _note in signed),
        "not_signed": len(rows) - len(signed),
        "minutes": sum(row.minutes_attended for _log, row, _note in attended),
        "topics": [library.get(slug).title if library.get(slug) else slug for slug in topics],
        "check_in_first": _check_in(*check_ins[0]) if check_ins else None,
        "check_in_last": _check_in(*check_ins[-1]) if len(check_ins) > 1 else None,
        "goals": [{"goal": g.goal, "objective": g.objective, "status": STATUS_LABELS[g.status],
                   "target_on": g.target_on.isoformat()} for g in goals],
        "plans": plans[-LAST_PLANS:],
    }
