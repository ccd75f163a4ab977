"""Blueprint: the signed-in home page and the health check."""

import datetime

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from curriculum import discharge_summaries, watch_list
from curriculum.access import clinical_group_ids, facilitated_group_ids
from curriculum.calendar_dates import WEEKDAYS, monday
from curriculum.db import database_answers, get_session
from curriculum.localtime import today
from curriculum.logbook import overdue_before
from models import EDITABLE_STATES, Group, LogReview, LogState, SessionLog

bp = Blueprint("home", __name__)


def week_schedule(groups: list[Group], logs: list[SessionLog],
                  day: datetime.date) -> list[dict]:
    """This week's scheduled sessions of these groups, each with its log if one exists."""
    first = monday(day)
    by_key = {(log.group_id, log.session_date): log for log in logs
              if log.state != LogState.VOIDED}
    schedule = []
    for offset, weekday in enumerate(WEEKDAYS):
        date = first + datetime.timedelta(days=offset)
        for group in groups:
            if weekday in group.meeting_days.split(","):
                schedule.append({"date": date, "group": group, "is_today": date == day,
                                 "log": by_key.get((group.id, date))})
    return schedule


@bp.get("/")
def index() -> ResponseReturnValue:
    """The signed-in home page: my groups, this week's sessions, and what needs doing."""
    session = get_session()
    day = today()
    groups = session.scalars(select(Group).where(Group.id.in_(clinical_group_ids(current_user)),
                                                 Group.is_archived.is_(False))
                             .order_by(Group.name)).all()
    open_logs = session.scalars(
        select(SessionLog).where(SessionLog.group_id.in_(facilitated_group_ids(current_user.id)),
                                 SessionLog.state.in_(EDITABLE_STATES))
        .order_by(SessionLog.session_date)
        # The lists name each log's group and a returned log's last review and reviewer.
        .options(joinedload(SessionLog.group),
                 selectinload(SessionLog.reviews).joinedload(LogReview.reviewer))).all()
    returned_summaries, draft_summaries = discharge_summaries.read_unfinished(
        session, current_user.id, "home")
    cutoff = overdue_before(day, current_app.config["SIGNATURE_DUE_HOURS"])
    overdue = [log for log in open_logs if log.session_date < cutoff]
    first = monday(day)
    week_logs = session.scalars(select(SessionLog).where(
        SessionLog.group_id.in_([g.id for g in groups]),
        SessionLog.session_date.between(first, first + datetime.timedelta(days=6)))).all()
    return render_template(
        "home/index.html", groups=groups, day=day,
        schedule=week_schedule(groups, list(week_logs), day),
        drafts=[log for log in open_logs if log.state == LogState.DRAFT],
        returned=[log for log in open_logs if log.state == LogState.RETURNED],
        returned_summaries=returned_summaries, draft_summaries=draft_summaries,
        overdue=overdue, due_hours=current_app.config["SIGNATURE_DUE_HOURS"],
        watch=watch_list.read_watch_list(session, clinical_group_ids(current_user), day, "home")
        if groups else None)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 when it does not."""
    if database_answers():
        return jsonify(status="ok")
    return jsonify(status="unavailable"), 503
