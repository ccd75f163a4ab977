"""Blueprint: the audit trail for supervisors (their groups) and admins (everything)."""

import datetime

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, String, cast, or_, select

from curriculum import audit
from curriculum.access import roles_required, supervised_group_ids
from curriculum.calendar_dates import requested_date
from curriculum.db import begin_write, get_session
from curriculum.text import whole_number
from models import AuditEvent, Group, Role, SessionLog, User

bp = Blueprint("audit_trail", __name__, url_prefix="/audit")
PAGE_SIZE = 50


def _visible_events() -> Select[tuple[AuditEvent]]:
    """Admins see every event; a supervisor sees the events about their groups and logs."""
    query = select(AuditEvent)
    if current_user.role == Role.ADMIN:
        return query
    groups = supervised_group_ids(current_user)
    logs = select(cast(SessionLog.id, String)).where(SessionLog.group_id.in_(groups))
    return query.where(or_(
        (AuditEvent.object_type == "session-log") & AuditEvent.object_id.in_(logs),
        (AuditEvent.object_type == "group") & AuditEvent.object_id.in_(
            select(cast(Group.id, String)).where(Group.id.in_(groups)))))


@bp.get("/")
@roles_required(Role.SUPERVISOR, Role.ADMIN)
def index() -> ResponseReturnValue:
    """Events, newest first, filtered by user, object, action and dates."""
    session = get_session()
    begin_write(session)  # this read is itself audited
    query = _visible_events()
    filters = {key: request.args.get(key, "").strip()[:60] for key in
               ("user", "object_type", "object_id", "action")}
    if (user_id := whole_number(filters["user"])) is not None:
        query = query.where(AuditEvent.user_id == user_id)
    for key in ("object_type", "object_id", "action"):
        if filters[key]:
            query = query.where(getattr(AuditEvent, key) == filters[key])
    start, end = requested_date(request.args, "start"), requested_date(request.args, "end")
    if start:
        query = query.where(AuditEvent.at >= datetime.datetime.combine(
            start, datetime.time(), datetime.UTC))
    if end:
        query = query.where(AuditEvent.at < datetime.datetime.combine(
            end + datetime.timedelta(days=1), datetime.time(), datetime.UTC))
    page_number = whole_number(request.args.get("page", "1"), 1, 99_999) or 1
    events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
                             .offset((page_number - 1) * PAGE_SIZE)).all()
    names = dict(session.execute(select(User.id, User.name)).all())
    verification = audit.verify(session) if request.args.get("verify") == "1" else None
    audit.record(session, "view-audit-trail", "audit", None, detail={
        k: v for k, v in filters.items() if v})
    session.commit()
    return render_template("audit_trail/index.html", events=events[:PAGE_SIZE], names=names,
                           filters=filters, start=start, end=end, page=page_number,
                           has_next=len(events) > PAGE_SIZE, verification=verification,
                           users=sorted(names.items(), key=lambda item: item[1]))
