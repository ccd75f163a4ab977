"""The supervisor pages' figures, now counted by the database, against the Python computations
they replaced (kept here, as they were, over ORM objects) on a varied record: re-admissions
that overlap or follow on, mid-week joins and discharges, every attendance status and odd
minutes, every log state, repeated and unknown topics, sessions at 01:30 and 02:30 on the days
the clocks change, signatures to the microsecond, two facilitators with the same name."""

import datetime
import random
import statistics
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import Select, String, cast, or_, select
from sqlalchemy.orm import Session

from curriculum import audit, audit_search, db, logbook
from curriculum.calendar_dates import monday
from curriculum.hours_report import hours_report
from curriculum.served_library import current_library
from curriculum.timeliness import timeliness, utc_offsets
from curriculum.topic_coverage import group_coverage
from models import (
    ATTENDED,
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Enrollment,
    Group,
    LogState,
    Modality,
    Participant,
    Role,
    SessionLog,
    User,
)

ZONE = ZoneInfo("America/New_York")
FIRST, LAST = datetime.date(2026, 2, 23), datetime.date(2026, 11, 15)
TOPICS = ["coping-with-cravings", "talking-it-through", "naming-feelings", "not-in-the-track"]
STATES = [LogState.DRAFT, LogState.SIGNED, LogState.RETURNED, LogState.COSIGNED,
          LogState.VOIDED]


@pytest.fixture
def record(app: Flask, make_user: Callable[..., User]) -> dict[str, Any]:
    """Two supervisors, three groups (two meeting on Sundays at 02:30 and 01:30, so sessions
    fall in the clock changes' gap and fold), nine months of logs in every state."""
    rng = random.Random(19)  # noqa: S311 - a fixed, varied record, not a secret
    supervisors = [make_user(Role.SUPERVISOR) for _ in range(2)]
    facilitators = [make_user(Role.FACILITATOR, name="Sam Lee"),
                    make_user(Role.FACILITATOR, name="Sam Lee"), make_user(Role.FACILITATOR)]
    with app.app_context():
        session = db.get_session()
        groups = []
        for number, (days, start, supervisor) in enumerate([
                ("mon,wed,thu", datetime.time(18), supervisors[0]),
                ("sun", datetime.time(2, 30), supervisors[0]),  # 8 March: not a time there
                ("tue,sun", datetime.time(1, 30), supervisors[1])]):  # 1 November: twice
            group = Group(name=f"Group {number}", meeting_days=days, start_time=start,
                          minutes=180, modality=Modality.IN_PERSON, track_slug="core",
                          supervisor_id=supervisor.id, weekly_minimum_minutes=300)
            session.add(group)
            groups.append(group)
            for seat in range(6):
                person = Participant(display_name=f"P{number}-{seat}",
                                     record_number=f"Q{number}{seat}")
                admitted = FIRST + datetime.timedelta(days=rng.randint(-20, 120))
                spans = [(admitted, admitted + datetime.timedelta(days=rng.randint(3, 90)))]
                if seat % 3 == 0:  # back again: overlapping, the day after, or still enrolled
                    again = spans[0][1] + datetime.timedelta(days=rng.choice([-5, 1, 30]))
                    spans.append((again, None if seat == 0 else
                                  again + datetime.timedelta(days=rng.randint(10, 80))))
                for admitted_on, discharged_on in spans:
                    session.add(Enrollment(group=group, participant=person,
                                           admitted_on=admitted_on, discharged_on=discharged_on))
        session.flush()
        codes = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        day = FIRST
        while day <= LAST:
            for group in groups:
                if codes[day.weekday()] not in group.meeting_days:
                    continue
                state = rng.choice(STATES)
                signer = session.get(User, rng.choice(facilitators).id)
                started = datetime.datetime.combine(day, group.start_time, ZONE)
                signed_at = started + datetime.timedelta(
                    hours=rng.uniform(0.1, 90), microseconds=rng.randint(0, 999_999))
                signed = state != LogState.DRAFT and not (state == LogState.RETURNED
                                                          and rng.random() < 0.5)
                log = SessionLog(
                    group=group, session_date=day, start_time=group.start_time, minutes=180,
                    topics=rng.sample(TOPICS, rng.randint(0, 2)) + (
                        [TOPICS[0]] * (rng.random() < 0.1)),
                    state=state, created_by_id=signer.id,
                    signed_by_id=signer.id if signed else None,
                    signed_at=signed_at if signed else None,
                    cosigned_by_id=group.supervisor_id if state == LogState.COSIGNED else None,
                    cosigned_at=signed_at + datetime.timedelta(hours=rng.uniform(0, 200))
                    if state == LogState.COSIGNED else None)
                for person in logbook.roster_on(session, group, day):
                    status = rng.choice(list(AttendanceStatus))
                    log.attendance.append(Attendance(
                        participant=person, status=status,
                        minutes_attended=rng.randint(1, 180) if status in ATTENDED else 0))
                session.add(log)
            day += datetime.timedelta(days=1)
        session.flush()
        logs = session.scalars(select(SessionLog.id)).all()
        for _ in range(300):
            kind = rng.choice(["session-log", "group", "topic", "audit"])
            object_id = {"session-log": rng.choice(logs), "group": rng.choice(groups).id,
                         "topic": "naming-feelings", "audit": None}[kind]
            audit.record(session, rng.choice(["view-log", "sign-log", "view-group"]), kind,
                         object_id, user_id=rng.choice(facilitators + supervisors).id)
        session.commit()
        group_ids = [group.id for group in groups]
    return {"supervisors": supervisors, "group_ids": group_ids}


# The computations the database now does, as they were.

def old_hours(session: Session, group: Group, first: datetime.date, last: datetime.date,
              today: datetime.date) -> list[tuple[int, list[int], list[str]]]:
    weeks = []
    week = monday(first)
    while week <= last:
        weeks.append(week)
        week += datetime.timedelta(days=7)
    index = {w: i for i, w in enumerate(weeks)}
    rows = session.execute(
        select(Attendance.participant_id, SessionLog.session_date, Attendance.minutes_attended)
        .join(SessionLog, Attendance.log_id == SessionLog.id)
        .where(SessionLog.group_id == group.id,
               SessionLog.state.in_((LogState.SIGNED, LogState.COSIGNED)),
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
    for enrollment, participant in enrollments:
        spans.setdefault(participant.id, []).append(enrollment)
    report = []
    for pid in spans:
        counts = minutes.get(pid, [0] * len(weeks))
        marks = []
        for i, week in enumerate(weeks):
            enrolled_days = sum(1 for n in range(7) if any(
                e.is_enrolled_on(week + datetime.timedelta(days=n)) for e in spans[pid]))
            sunday = week + datetime.timedelta(days=6)
            marks.append("out" if enrolled_days == 0 else "partial"
                         if enrolled_days < 7 or sunday > today else
                         "below" if counts[i] < group.weekly_minimum_minutes else "")
        report.append((pid, counts, marks))
    return report


def old_timeliness(session: Session, group_ids: Select[tuple[int]], first: datetime.date,
                   last: datetime.date) -> list[tuple[Any, ...]]:
    logs = session.scalars(select(SessionLog).where(
        SessionLog.group_id.in_(group_ids), SessionLog.session_date.between(first, last),
        SessionLog.signed_at.is_not(None), SessionLog.state != LogState.VOIDED))
    buckets: tuple[dict[str, tuple[list[float], list[float]]], ...] = ({}, {})
    for log in logs:
        started = datetime.datetime.combine(log.session_date, log.start_time, ZONE)
        to_sign = (log.signed_at - started).total_seconds() / 3600
        for bucket, key in zip(buckets, (log.signed_by.name, log.group.name), strict=True):
            signed, cosigned = bucket.setdefault(key, ([], []))
            signed.append(to_sign)
            if log.cosigned_at:
                cosigned.append((log.cosigned_at - log.signed_at).total_seconds() / 3600)

    def median_p90(values: list[float]) -> tuple[float, float] | None:
        if not values:
            return None
        ordered = sorted(values)
        p90 = statistics.quantiles(ordered, n=10, method="inclusive")[8] if len(ordered) > 1 \
            else ordered[0]
        return statistics.median(ordered), p90

    return [[(key, len(signed), median_p90(signed), len(cosigned), median_p90(cosigned))
             for key, (signed, cosigned) in sorted(bucket.items())] for bucket in buckets]


def old_coverage(session: Session, group: Group, day: datetime.date,
                 topics: list[str]) -> tuple[list[tuple[int, list[str]]], dict[str, int]]:
    current = logbook.roster_on(session, group, day)
    seen: dict[int, set[str]] = {p.id: set() for p in current}
    for participant_id, logged in session.execute(
            select(Attendance.participant_id, SessionLog.topics)
            .join(SessionLog, Attendance.log_id == SessionLog.id)
            .where(Attendance.participant_id.in_(list(seen)), SessionLog.group_id == group.id,
                   SessionLog.state != LogState.VOIDED, Attendance.status.in_(ATTENDED))):
        seen[participant_id].update(logged)
    runs = dict.fromkeys(topics, 0)
    for logged in session.scalars(select(SessionLog.topics).where(
            SessionLog.group_id == group.id, SessionLog.state != LogState.VOIDED)):
        for slug in logged:
            if slug in runs:
                runs[slug] += 1
    return [(p.id, [t for t in topics if t in seen[p.id]]) for p in current], runs


def old_audit_ids(session: Session, viewer: User, action: str = "") -> list[int]:
    query = select(AuditEvent)
    if viewer.role != Role.ADMIN:
        groups = select(Group.id).where(Group.supervisor_id == viewer.id)
        logs = select(cast(SessionLog.id, String)).where(SessionLog.group_id.in_(groups))
        query = query.where(or_(
            (AuditEvent.object_type == "session-log") & AuditEvent.object_id.in_(logs),
            (AuditEvent.object_type == "group") & AuditEvent.object_id.in_(
                select(cast(Group.id, String)).where(Group.id.in_(groups)))))
    if action:
        query = query.where(AuditEvent.action == action)
    return [e.id for e in session.scalars(query.order_by(AuditEvent.id.desc()).limit(51))]


RANGES = [(FIRST, LAST), (datetime.date(2026, 3, 4), datetime.date(2026, 3, 19)),
          (datetime.date(2026, 10, 21), datetime.date(2026, 11, 8))]


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_hours_match_the_python_sums(app: Flask, record: dict, first: datetime.date,
                                     last: datetime.date) -> None:
    today = datetime.date(2026, 11, 4)
    marks = set()
    with app.app_context():
        session = db.get_session()
        for group_id in record["group_ids"]:
            group = session.get(Group, group_id)
            report = hours_report(session, group, first, last, today)
            assert [(row.participant.id, row.minutes, row.marks) for row in report.rows] == (
                old_hours(session, group, first, last, today))
            marks |= {mark for row in report.rows for mark in row.marks}
    assert (first, last) != RANGES[0] or marks == {"out", "partial", "below", ""}


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_timeliness_matches_the_statistics_module_to_the_bit(
        app: Flask, record: dict, first: datetime.date, last: datetime.date) -> None:
    assert len(utc_offsets(first, last, ZONE)) > 1  # each range crosses a clock change
    with app.app_context():
        session = db.get_session()
        for supervisor in record["supervisors"]:
            new = [[(row.label, row.signed, row.to_signature, row.cosigned, row.to_cosignature)
                    for row in rows]
                   for rows in timeliness(session, supervisor.id, first, last, ZONE)]
            assert new == old_timeliness(
                session, select(Group.id).where(Group.supervisor_id == supervisor.id),
                first, last)
            assert new[0] and new[1]


def test_the_clock_changes_are_where_python_puts_them() -> None:
    assert utc_offsets(FIRST, LAST, ZONE) == (
        (None, -5 * 3600), (datetime.datetime(2026, 3, 8, 3), -4 * 3600),
        (datetime.datetime(2026, 11, 1, 2), -5 * 3600))
    assert utc_offsets(datetime.date(2026, 5, 1), datetime.date(2026, 6, 1), ZONE) == (
        (None, -4 * 3600),)


@pytest.mark.parametrize("day", [datetime.date(2026, 4, 1), datetime.date(2026, 11, 15)])
def test_coverage_matches_the_python_sets(app: Flask, record: dict,
                                          day: datetime.date) -> None:
    with app.app_context():
        session = db.get_session()
        for group_id in record["group_ids"]:
            group = session.get(Group, group_id)
            coverage = group_coverage(session, group, current_library(), day)
            assert coverage is not None
            people = [(p.participant.id, p.attended) for p in coverage.people]
            assert (people, coverage.runs) == old_coverage(session, group, day, coverage.topics)


def test_log_list_matches_the_logs_attendance(app: Flask, record: dict) -> None:
    with app.app_context():
        session = db.get_session()
        for group_id in record["group_ids"]:
            group = session.get(Group, group_id)
            old = session.scalars(select(SessionLog).where(SessionLog.group_id == group.id)
                                  .order_by(SessionLog.session_date.desc(),
                                            SessionLog.id.desc()).limit(30)).all()
            assert [tuple(row) for row in logbook.log_list(session, group, limit=30)] == [
                (log.id, log.session_date, log.topics, log.state,
                 sum(1 for a in log.attendance if a.attended), len(log.attendance))
                for log in old]


@pytest.mark.parametrize("action", ["", "sign-log"])
def test_audit_trail_page_matches_the_orm_query(app: Flask, record: dict,
                                                make_user: Callable[..., User],
                                                action: str) -> None:
    admin = make_user(Role.ADMIN)
    with app.app_context():
        session = db.get_session()
        for viewer in [*record["supervisors"], admin]:
            rows = audit_search.event_page(session, viewer, {"action": action}, None, None, 1)
            assert [row.id for row in rows] == old_audit_ids(session, viewer, action)
            assert rows
