"""The audit trail page's query: the events a user may see, filtered, a page at a time."""

import datetime
from typing import Any

from sqlalchemy import Row, Select, String, cast, or_, select
from sqlalchemy.orm import Session

from curriculum.access import supervised_group_ids
from curriculum.text import whole_number
from models import AuditEvent, Group, Role, SessionLog, User

PAGE_SIZE = 50
FILTERS = ("user", "object_type", "object_id", "action")
# What the page shows of an event (the detail and the chain's hashes stay in the table).
_SHOWN = (AuditEvent.id, AuditEvent.at, AuditEvent.user_id, AuditEvent.action,
          AuditEvent.object_type, AuditEvent.object_id, AuditEvent.outcome,
          AuditEvent.remote_addr)


def visible_events(viewer: User) -> Select[Any]:
    """Admins see every event; a supervisor sees the events about their groups and logs."""
    query = select(*_SHOWN)
    if viewer.role == Role.ADMIN:
        return query
    groups = supervised_group_ids(viewer)
    logs = select(cast(SessionLog.id, String)).where(SessionLog.group_id.in_(groups))
    return query.where(or_(
        (AuditEvent.object_type == "session-log") & AuditEvent.object_id.in_(logs),
        (AuditEvent.object_type == "group") & AuditEvent.object_id.in_(
            select(cast(Group.id, String)).where(Group.id.in_(groups)))))


def event_page(session: Session, viewer: User, filters: dict[str, str],
               start: datetime.date | None, end: datetime.date | None,
               page: int) -> list[Row[Any]]:
    """One page of the events ``viewer`` may see that match the filters (each an exact value,
    ``user`` an id) and fall from ``start`` to ``end``, newest first; and one row more, to
    tell whether there is a next page."""
    query = visible_events(viewer)
    if (user_id := whole_number(filters.get("user", ""))) is not None:
        query = query.where(AuditEvent.user_id == user_id)
    for key in ("object_type", "object_id", "action"):
        if filters.get(key):
            query = query.where(getattr(AuditEvent, key) == filters[key])
    if start:
        query = query.where(AuditEvent.at >= datetime.datetime.combine(
            start, datetime.time(), datetime.UTC))
    if end:
        query = query.where(AuditEvent.at < datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time(), datetime.UTC))
    return list(session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
                                .offset((page - 1) * PAGE_SIZE)))


def staff_names(session: Session) -> dict[int, str]:
    """Every account's name by id (who did what, and the page's user filter)."""
    return dict(session.execute(select(User.id, User.name)).all())
