"""The supervisor's review queue: signed logs awaiting co-signature (safety flags first, then
the oldest signature), signed discharge summaries awaiting it, and drafts overdue for
signature."""

import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from curriculum import logbook
from curriculum.access import supervised_group_ids
from models import (
    ATTENDED,
    EDITABLE_STATES,
    Attendance,
    DischargeSummary,
    Enrollment,
    Group,
    LogState,
    ParticipantNote,
    SessionLog,
    User,
)

PAGE_SIZE = 25


def supervised_logs(*columns: Any) -> Select[Any]:
    """``columns`` of the logs with a signer in the groups of the supervisor ``supervisor_id``
    (a bound parameter), each joined to its ``Group`` and its signer (``User``): where the
    queue and the timeliness report start."""
    return (select(*columns).select_from(SessionLog)
            .join(Group, SessionLog.group_id == Group.id)
            .join(User, SessionLog.signed_by_id == User.id)
            .where(Group.supervisor_id == bindparam("supervisor_id")))


def _awaiting_cosignature_query() -> Select[Any]:
    """Signed logs in a supervisor's groups: safety-flagged first, then oldest signature first;
    with what the queue shows and nothing more (rows, not objects: a supervisor's queue is read
    often and covers every group they supervise). Built once; the supervisor and page are
    parameters."""
    flagged = exists().where(ParticipantNote.log_id == SessionLog.id,
                             ParticipantNote.is_safety_concern.is_(True)).label("flagged")
    overridden = (SessionLog.summary_name_override.is_not(None) | exists().where(
        ParticipantNote.log_id == SessionLog.id,
        ParticipantNote.name_check_override.is_not(None))).label("overridden")
    attended = (select(func.count()).select_from(Attendance)
                .where(Attendance.log_id == SessionLog.id,
                       # Fixed values, not an expanding IN re-rendered on every execution.
                       or_(*(Attendance.status == status for status in sorted(ATTENDED))))
                .scalar_subquery().label("attended"))
    return (supervised_logs(SessionLog.id, SessionLog.session_date, SessionLog.topics,
                            SessionLog.signed_at, Group.name.label("group_name"),
                            User.name.label("signed_by_name"), flagged, overridden, attended)
            .where(SessionLog.state == LogState.SIGNED)
            .order_by(flagged.desc(), SessionLog.signed_at, SessionLog.id)
            .limit(PAGE_SIZE + 1).offset(bindparam("offset")))


_AWAITING_COSIGNATURE = _awaiting_cosignature_query()


def awaiting_cosignature(connection: Connection, supervisor_id: int,
                         page: int) -> list[Row[Any]]:
    """One page of the supervisor's queue (and one row more, to tell whether there is a next
    page). Through a connection: plain rows need none of the ORM's bookkeeping."""
    return list(connection.execute(_AWAITING_COSIGNATURE, {
        "supervisor_id": supervisor_id, "offset": (page - 1) * PAGE_SIZE}))


def overdue_for_signature(session: Session, supervisor: User, day: datetime.date,
                          due_hours: int) -> list[SessionLog]:
    """Drafts (and returned logs) in the supervisor's groups whose session is older than the
    due time."""
    cutoff = logbook.overdue_before(day, due_hours)
    return list(session.scalars(
        select(SessionLog).where(SessionLog.group_id.in_(supervised_group_ids(supervisor)),
                                 SessionLog.state.in_(EDITABLE_STATES),
                                 SessionLog.session_date < cutoff)
        .order_by(SessionLog.session_date).limit(200)))


def summaries_awaiting_cosignature(session: Session, supervisor: User) -> list[DischargeSummary]:
    """Signed discharge summaries in the supervisor's groups, oldest signature first (a few
    per week at most: no pages)."""
    return list(session.scalars(
        select(DischargeSummary).join(DischargeSummary.enrollment)
        .where(Enrollment.group_id.in_(supervised_group_ids(supervisor)),
               DischargeSummary.state == LogState.SIGNED)
        .options(joinedload(DischargeSummary.participant), joinedload(DischargeSummary.signed_by),
                 joinedload(DischargeSummary.enrollment).joinedload(Enrollment.group))
        .order_by(DischargeSummary.signed_at, DischargeSummary.id)))
