"""The attendance and hours report's figures: minutes attended per participant and week, summed
by the database, with each week marked against the group's weekly minimum."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, Row, bindparam, func, or_, select
from sqlalchemy.orm import Session

from curriculum.calendar_dates import mondays
from curriculum.logbook import roster_between
from curriculum.sql_dialects import days_after
from curriculum.weekly_hours import COUNTED_STATES, Span, week_marks
from models import Attendance, Enrollment, Group, Participant, SessionLog


@dataclass
class ParticipantWeeks:
    participant: Row[Any]  # id, display_name, record_number
    minutes: list[int]
    marks: list[str]  # per week, as ``weekly_hours.week_marks``

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


# Built once; the group and the weeks are parameters. The week of a session counts from the
# first Monday shown.
_WEEK = (days_after(SessionLog.session_date, bindparam("monday", type_=Date)) // 7).label("week")
_MINUTES_BY_WEEK = (
    select(Attendance.participant_id, _WEEK, func.sum(Attendance.minutes_attended))
    .join(SessionLog, Attendance.log_id == SessionLog.id)
    .where(SessionLog.group_id == bindparam("group_id"),
           or_(*(SessionLog.state == state for state in COUNTED_STATES)),
           SessionLog.session_date.between(bindparam("monday"), bindparam("sunday")))
    .group_by(Attendance.participant_id, _WEEK))
_ENROLLED = roster_between(
    bindparam("group_id"), bindparam("monday", type_=Date), bindparam("sunday", type_=Date),
    Participant.id, Participant.display_name, Participant.record_number,
    Enrollment.admitted_on, Enrollment.discharged_on)


def hours_report(session: Session, group: Group, first: datetime.date, last: datetime.date,
                 today: datetime.date) -> HoursReport:
    """Minutes attended per participant per week (Monday to Sunday), from signed and co-signed
    logs, with weeks under the group's weekly minimum marked (a week not yet over is partial).
    """
    weeks = mondays(first, last)
    report = HoursReport(group, first, last, weeks)
    parameters = {"group_id": group.id, "monday": weeks[0],
                  "sunday": weeks[-1] + datetime.timedelta(days=6)}
    # Through the session's connection: plain rows need none of the ORM's bookkeeping.
    connection = session.connection()
    none = [0] * len(weeks)
    minutes: dict[int, list[int]] = {}
    for participant_id, index, attended in connection.execute(_MINUTES_BY_WEEK,
                                                              parameters).all():
        if (counts := minutes.get(participant_id)) is None:
            counts = minutes[participant_id] = none.copy()
        counts[index] = attended
    people: dict[int, Row[Any]] = {}
    spans: dict[int, list[Span]] = {}
    for row in connection.execute(_ENROLLED, parameters).all():
        pid, _, _, admitted_on, discharged_on = row
        if pid in people:
            spans[pid].append((admitted_on, discharged_on))
        else:
            people[pid], spans[pid] = row, [(admitted_on, discharged_on)]
    minimum = group.weekly_minimum_minutes
    for pid, participant in people.items():
        counts = minutes.get(pid) or none.copy()
        report.rows.append(ParticipantWeeks(participant, counts, week_marks(
            spans[pid], weeks, counts, minimum, today)))
    return report
