"""Blueprint: reports for supervisors — attendance and hours per participant and week, and
documentation timeliness (their figures come from ``hours_report`` and ``timeliness``)."""

import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import audit, pdf
from curriculum.access import (
    openable_participants,
    read_group,
    supervises,
    supervisors_only,
)
from curriculum.calendar_dates import monday, requested_range
from curriculum.db import get_session, write_session
from curriculum.hours_report import HoursReport, hours_report
from curriculum.localtime import today
from curriculum.notices import REDISCLOSURE_NOTICE
from curriculum.responses import csv_response, pdf_response
from curriculum.timeliness import timeliness
from curriculum.weekly_hours import hours_label

bp = Blueprint("reports", __name__, url_prefix="/reports")
MAX_WEEKS = 53


bp.before_request(supervisors_only)


def _range() -> tuple[datetime.date, datetime.date]:
    """The requested date range, or the last 12 weeks through this week."""
    last = today()
    return requested_range(request.args, max_days=MAX_WEEKS * 7,
                           default=(monday(last) - datetime.timedelta(weeks=11), last))


def _report(group_id: int, action: str) -> HoursReport:
    start, end = _range()
    group = read_group(group_id, action=action, allowed=supervises,
                       detail={"start": start.isoformat(), "end": end.isoformat()})
    return hours_report(get_session(), group, start, end, today())


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


@bp.get("/timeliness")
def timeliness_report() -> ResponseReturnValue:
    """Documentation timeliness in the groups I supervise."""
    session = write_session()
    first, last = _range()
    audit.record(session, "view-timeliness-report", "report", None,
                 detail={"start": first.isoformat(), "end": last.isoformat()})
    session.commit()
    signers, groups_rows = timeliness(session, current_user.id, first, last,
                                      ZoneInfo(current_app.config["TIMEZONE"]))
    return render_template("reports/timeliness.html", signers=signers, groups=groups_rows,
                           start=first, end=last, due=current_app.config["SIGNATURE_DUE_HOURS"])
