"""Session-log exports for a date range: the binder PDF and the attendance CSV."""

import csv
import io

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from curriculum import db
from models import AuditEvent
from tests.helpers import MONDAY, client_for

RANGE = "start=2026-03-02&end=2026-03-15"


def test_binder_holds_every_log_with_notes_and_notice(app: Flask, two_weeks: dict) -> None:
    client = client_for(app, two_weeks["supervisor"])
    response = client.get(f"/exports/groups/{two_weeks['group'].id}/logs.pdf?{RANGE}")
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "7 logs" in text and "42 CFR part 2" in text
    assert text.count("Attendance and notes") == 7 and "draft" in text
    assert len(reader.pages) >= 7


def test_attendance_csv(app: Flask, two_weeks: dict) -> None:
    client = client_for(app, two_weeks["supervisor"])
    data = client.get(f"/exports/groups/{two_weeks['group'].id}/attendance.csv?{RANGE}").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    assert rows[0][:3] == ["session_date", "start_time", "session_minutes"]
    assert len(rows) == 1 + 7 * 3
    assert rows[1][0] == MONDAY.isoformat() and rows[1][1] == "18:00"
    assert any(row[5].startswith("'=HYPERLINK") for row in rows[1:])
    with app.app_context():
        actions = db.get_session().scalars(select(AuditEvent.action)).all()
        assert "export-attendance-csv" in actions


def test_exports_are_for_the_groups_supervisor(app: Flask, two_weeks: dict) -> None:
    client = client_for(app, two_weeks["facilitator"])
    for path in ("logs.pdf", "attendance.csv"):
        response = client.get(f"/exports/groups/{two_weeks['group'].id}/{path}?{RANGE}")
        assert response.status_code == 404
    supervisor = client_for(app, two_weeks["supervisor"])
    bad = supervisor.get(f"/exports/groups/{two_weeks['group'].id}/logs.pdf?start=2026-03-15"
                         f"&end=2026-03-01")
    assert bad.status_code == 400


def test_range_dates_are_kept_on_the_report_page(app: Flask, two_weeks: dict) -> None:
    page = client_for(app, two_weeks["supervisor"]).get(
        f"/reports/groups/{two_weeks['group'].id}/hours?start=2026-03-04&end=2026-03-12").get_data(
        as_text=True)
    assert 'value="2026-03-12"' in page and "logs.pdf?start=2026-03-04&amp;end=2026-03-12" in page
