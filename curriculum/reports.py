"""Blueprint: reports for supervisors — attendance and hours per participant and week."""

import datetime
import statistics
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from curriculum import audit, pdf
from curriculum.access import (
    openable_participants,
    read_group,
    roles_required,
    supervised_group_ids,
    supervises,
)
from curriculum.calendar_dates import monday, requested_range
from curriculum.db import begin_write, get_session
from curriculum.localtime import today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import csv_response, pdf_response
from curriculum.weekly_hours import COUNTED_STATES, hours_label, week_mark
from models import Attendance, Enrollment, Group, LogState, Participant, Role, SessionLog

bp = Blueprint("reports", __name__, url_prefix="/reports")
MAX_WEEKS = 53


@bp.before_request
@roles_required(Role.SUPERVISOR)
def supervisors_only() -> None:
    """Reports are a supervisor's; anyone else gets a 404 (audited), whatever group is asked."""


@dataclass
class ParticipantWeeks:
    participant: Participant
    minutes: list[int]
    # Per week: "below" (a full enrolled week under the minimum), "partial" (joined or left
    # that week), "out" (not enrolled), or "" (met the minimum).
    marks: list[str]

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes)


@dataclass
class HoursReport:
    group: Group
    first: datetime.date
    last: datetime.date
    weeks: list[datetime.date]
    rows: list[ParticipantWeeks] = field(default_factory=list)

    @property
    def minimum_hours(self) -> float:
        return self.group.weekly_minimum_minutes / 60

    def below_count(self, index: int) -> int:
        return sum(1 for row in self.rows if row.marks[index] == "below")

    def met_count(self, index: int) -> int:
        return sum(1 for row in self.rows if row.marks[index] == "")

    def week_total(self, index: int) -> int:
        return sum(row.minutes[index] for row in self.rows)


def hours_report(session: Session, group: Group, first: datetime.date,
                 last: datetime.date) -> HoursReport:
    """Minutes attended per participant per week (Monday to Sunday), from signed and co-signed
    logs, with weeks under the group's weekly minimum marked."""
    weeks = []
    week = monday(first)
    while week <= last:
        weeks.append(week)
        week += datetime.timedelta(days=7)
    report = HoursReport(group, first, last, weeks)
    index = {w: i for i, w in enumerate(weeks)}
    rows = session.execute(
        select(Attendance.participant_id, SessionLog.session_date, Attendance.minutes_attended)
        .join(SessionLog, Attendance.log_id == SessionLog.id)
        .where(SessionLog.group_id == group.id, SessionLog.state.in_(COUNTED_STATES),
               SessionLog.session_date.between(weeks[0], weeks[-1] + datetime.timedelta(6))))
    minutes: dict[int, list[int]] = {}
    for participant_id, session_date, attended in rows:
        minutes.setdefault(participant_id, [0] * len(weeks))[index[monday(session_date)]] += (
            attended)
    enrollments = session.execute(
        select(Enrollment, Participant).join(Participant)
        .where(Enrollment.group_id == group.id, Enrollment.admitted_on <= weeks[-1]
               + datetime.timedelta(6),
               (Enrollment.discharged_on.is_(None)) | (Enrollment.discharged_on >= weeks[0]))
        .order_by(Participant.display_name, Participant.id)).all()
    spans: dict[int, list[Enrollment]] = {}
    people: dict[int, Participant] = {}
    for enrollment, participant in enrollments:
        spans.setdefault(participant.id, []).append(enrollment)
        people[participant.id] = participant
    for pid, participant in people.items():
        counts = minutes.get(pid, [0] * len(weeks))
        marks = [week_mark(spans[pid], week, counts[i], group.weekly_minimum_minutes)
                 for i, week in enumerate(weeks)]
        report.rows.append(ParticipantWeeks(participant, counts, marks))
    return report


def _range() -> tuple[datetime.date, datetime.date]:
    """The requested date range, or the last 12 weeks through this week."""
    last = today()
    return requested_range(request.args, max_days=MAX_WEEKS * 7,
                           default=(monday(last) - datetime.timedelta(weeks=11), last))


def _report(group_id: int, action: str) -> HoursReport:
    start, end = _range()
    group = read_group(group_id, action=action, allowed=supervises,
                       detail={"start": start.isoformat(), "end": end.isoformat()})
    return hours_report(get_session(), group, start, end)


@bp.get("/groups/<id:group_id>/hours")
def hours(group_id: int) -> ResponseReturnValue:
    """Hours attended per participant and week, with weeks under the minimum marked."""
    report = _report(group_id, "view-hours-report")
    return render_template("reports/hours.html", report=report, hours=hours_label,
                           start=report.first, end=report.last,
                           openable=openable_participants(
                               current_user, (row.participant.id for row in report.rows)))


@bp.get("/groups/<id:group_id>/hours.csv")
def hours_csv(group_id: int) -> ResponseReturnValue:
    """The hours report as CSV: UTF-8, one header row, ISO dates, one row per participant."""
    report = _report(group_id, "export-hours-csv")
    header = ["participant", "record_number",
              *[f"week_of_{w.isoformat()}" for w in report.weeks], "total_hours",
              "weeks_below_minimum"]
    rows = ([row.participant.display_name, row.participant.record_number,
             *[hours_label(m) for m in row.minutes], hours_label(row.total_minutes),
             sum(1 for mark in row.marks if mark == "below")] for row in report.rows)
    return csv_response(header, rows,
                        f"hours-group-{group_id}-{report.weeks[0].isoformat()}.csv")


@bp.get("/groups/<id:group_id>/hours.pdf")
def hours_pdf(group_id: int) -> ResponseReturnValue:
    """The hours report as PDF (confidential, with the redisclosure notice)."""
    report = _report(group_id, "export-hours-pdf")
    html = render_template("pdf/hours.html", report=report, hours=hours_label,
                           notice=REDISCLOSURE_NOTICE)
    document = pdf.render_pdf(html, extra_css="@page { size: letter landscape; }")
    return pdf_response(document, f"hours-group-{group_id}.pdf")


@dataclass(frozen=True)
class Timeliness:
    """Hours from session start to signature, and from signature to co-signature."""

    label: str
    to_signature: list[float]
    to_cosignature: list[float]

    @staticmethod
    def median_p90(values: list[float]) -> tuple[float, float] | None:
        if not values:
            return None
        ordered = sorted(values)
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8] if len(ordered) > 1 \
            else ordered[0]
        return statistics.median(ordered), p90


def timeliness(session: Session, group_ids: Select[tuple[int]], first: datetime.date,
               last: datetime.date, zone: ZoneInfo) -> tuple[list[Timeliness], list[Timeliness]]:
    """Per facilitator (the signer) and per group, over sessions in the range."""
    logs = session.scalars(select(SessionLog).where(
        SessionLog.group_id.in_(group_ids), SessionLog.session_date.between(first, last),
        SessionLog.signed_at.is_not(None), SessionLog.state != LogState.VOIDED))
    by_signer: dict[str, tuple[list[float], list[float]]] = {}
    by_group: dict[str, tuple[list[float], list[float]]] = {}
    for session_log in logs:
        started = datetime.datetime.combine(session_log.session_date, session_log.start_time,
                                            zone)
        to_sign = (session_log.signed_at - started).total_seconds() / 3600
        for bucket, key in ((by_signer, session_log.signed_by.name),
                            (by_group, session_log.group.name)):
            signed, cosigned = bucket.setdefault(key, ([], []))
            signed.append(to_sign)
            if session_log.cosigned_at:
                cosigned.append((session_log.cosigned_at - session_log.signed_at)
                                .total_seconds() / 3600)
    return ([Timeliness(k, *v) for k, v in sorted(by_signer.items())],
            [Timeliness(k, *v) for k, v in sorted(by_group.items())])


@bp.get("/timeliness")
def timeliness_report() -> ResponseReturnValue:
    """Documentation timeliness in the groups I supervise."""
    session = get_session()
    begin_write(session)
    first, last = _range()
    groups = supervised_group_ids(current_user)
    audit.record(session, "view-timeliness-report", "report", None,
                 detail={"start": first.isoformat(), "end": last.isoformat()})
    session.commit()
    signers, groups_rows = timeliness(session, groups, first, last,
                                      ZoneInfo(current_app.config["TIMEZONE"]))
    return render_template("reports/timeliness.html", signers=signers, groups=groups_rows,
                           start=first, end=last, due=current_app.config["SIGNATURE_DUE_HOURS"])
