"""The attendance and hours report: figures match a hand count of the logs that the
``two_weeks`` fixture builds."""

import csv
import io
from collections.abc import Callable

import pytest
from flask import Flask
from pypdf import PdfReader

from curriculum.responses import csv_cell
from models import Group, Role
from tests.helpers import client_for


def url(group: Group, suffix: str = "") -> str:
    return f"/reports/groups/{group.id}/hours{suffix}?start=2026-03-02&end=2026-03-15"


def test_hours_match_a_hand_count(app: Flask, two_weeks: dict) -> None:
    client = client_for(app, two_weeks["supervisor"])
    response = client.get(url(two_weeks["group"], ".csv"))
    assert response.mimetype == "text/csv" and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"))))
    assert rows[0] == ["participant", "record_number", "week_of_2026-03-02",
                       "week_of_2026-03-09", "total_hours", "weeks_below_minimum"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Ana P."][2:] == ["9", "8.5", "17.5", "1"]
    assert by_name["Ben C."][2:] == ["6", "9", "15", "1"]


def test_page_marks_weeks_below_minimum_with_text_and_chart(app: Flask, two_weeks: dict) -> None:
    page = client_for(app, two_weeks["supervisor"]).get(url(two_weeks["group"])).get_data(
        as_text=True)
    assert page.count("▼ below") == 4  # Ana once, Ben once, the absent third twice
    assert '<svg role="img" aria-labelledby="chart-title chart-desc"' in page
    assert "Week of Mon 2 Mar 2026: 1 met, 2 below the minimum." in page
    assert "Weekly minimum: 9 hours." in page


def test_csv_neutralizes_formulas(app: Flask, two_weeks: dict) -> None:
    data = client_for(app, two_weeks["supervisor"]).get(url(two_weeks["group"], ".csv")).data
    assert "'=HYPERLINK" in data.decode("utf-8")
    assert [csv_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "ok")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "ok"]


def test_pdf_export(app: Flask, two_weeks: dict) -> None:
    response = client_for(app, two_weeks["supervisor"]).get(url(two_weeks["group"], ".pdf"))
    reader = PdfReader(io.BytesIO(response.data))
    text = reader.pages[0].extract_text()
    assert "Attendance and hours" in text and "42 CFR part 2" in "".join(
        p.extract_text() for p in reader.pages)
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)


@pytest.mark.parametrize("who", ["facilitator", "other"])
def test_only_the_groups_supervisor_sees_reports(
    app: Flask, two_weeks: dict, make_user: Callable, who: str
) -> None:
    user = two_weeks["facilitator"] if who == "facilitator" else make_user(Role.SUPERVISOR)
    client = client_for(app, user)
    for suffix in ("", ".csv", ".pdf"):
        assert client.get(url(two_weeks["group"], suffix)).status_code == 404


@pytest.mark.parametrize("query", ["start=someday", "start=2026-03-10&end=2026-03-01",
                                   "start=2020-01-01&end=2026-01-01"])
def test_bad_ranges_are_400(app: Flask, two_weeks: dict, query: str) -> None:
    client = client_for(app, two_weeks["supervisor"])
    assert client.get(f"/reports/groups/{two_weeks['group'].id}/hours?{query}").status_code == 400
