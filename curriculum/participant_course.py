"""One participant's course, as the participant page shows it to one reader: their groups
(only those the reader staffs), goals, every session of those groups in time order, hours per
week against each group's minimum, topics covered and missing, and their check-ins.

Drafts (and returned logs) appear in time order marked as not signed, with attendance and the
check-in recorded there, but never their note text (it may still change; the record is what
was signed), and they count toward no hours (as in the hours report). Voided logs never
appear. Statements: groups, goals, addenda, goal links, sessions (with their notes, whose
topics also give the topics attended), then per group with a track its latest topics (for
when each missing one comes round).

Rows, not ORM objects: the page reads many sessions and changes none, and building objects
(with their identity map and relationships) cost several times the queries themselves. Each
statement is built once, the participant and reader as parameters."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Row, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from curriculum import topic_coverage
from curriculum.access import groups_read_by
from curriculum.calendar_dates import monday, mondays
from curriculum.check_ins import CheckIn
from curriculum.library import Library, Track
from curriculum.weekly_hours import COUNTED_STATES, week_marks
from models import (
    ATTENDED,
    Addendum,
    Attendance,
    AttendanceStatus,
    Enrollment,
    GoalStatus,
    Group,
    LogState,
    NoteFormat,
    NoteGoal,
    Participant,
    ParticipantNote,
    SessionLog,
    SubstanceUse,
    TreatmentGoal,
    User,
    group_facilitators,
)

# Weeks of hours shown per group, most recent last (an IOP episode is 8–12 weeks).
MAX_WEEKS = 26


class CourseGroup(NamedTuple):
    """A group as the page shows it; it has the columns of ``Group`` that ``topic_coverage``
    reads for the topics (id, meeting days, track)."""

    id: int
    name: str
    meeting_days: str
    track_slug: str | None
    weekly_minimum_minutes: int
    note_format: NoteFormat
    is_archived: bool


class CourseEnrollment(NamedTuple):
    id: int
    admitted_on: datetime.date
    discharged_on: datetime.date | None


class CourseNote(NamedTuple):
    """A note as the page shows it, with the attributes ``sessions/_check_in.html`` and the
    ``check_in`` filter read (``goal_links``: each addressed goal's ``wording``)."""

    fields: dict[str, str]
    is_safety_concern: bool
    safety_follow_up: str
    craving: int | None
    mood: int | None
    use_since_last_group: SubstanceUse | None
    use_days: int | None
    goal_links: list[Row[Any]]


class CourseSession(NamedTuple):
    """One session the participant was on the roster of, with their attendance and note;
    ``addenda`` rows have ``author``, ``created_at`` and ``text``."""

    log_id: int
    group: CourseGroup
    session_date: datetime.date
    minutes: int
    topics: list[str]
    state: LogState
    signed_by: str | None
    signed_at: datetime.datetime | None
    cosigned_by: str | None
    cosigned_at: datetime.datetime | None
    status: AttendanceStatus
    minutes_attended: int
    note: CourseNote | None
    addenda: list[Row[Any]]

    @property
    def is_signed(self) -> bool:
        return self.state in COUNTED_STATES

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class WeekHours(NamedTuple):
    week: datetime.date
    minutes: int
    mark: str  # as ``weekly_hours.week_marks``


@dataclass
class GroupCourse:
    group: CourseGroup
    is_facilitated: bool  # by the reader (who may then draft the discharge summary)
    enrollments: list[CourseEnrollment]
    track: Track | None
    weeks: list[WeekHours] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    missing: list[tuple[str, datetime.date | None]] = field(default_factory=list)
    earlier_weeks: int = 0  # enrolled weeks before the MAX_WEEKS shown

    @property
    def is_enrolled(self) -> bool:
        return any(e.discharged_on is None for e in self.enrollments)


class CheckInRow(NamedTuple):
    check_in: CheckIn
    session: CourseSession


@dataclass
class Course:
    participant: Participant
    groups: list[GroupCourse]
    goals: list[Row[Any]]  # id, goal, target_on, status: active first, then by target date
    sessions: list[CourseSession]
    check_ins: list[CheckInRow]


_PARTICIPANT = bindparam("participant_id")
_READABLE = groups_read_by(bindparam("reader_id"))
_GROUPS = (
    select(Enrollment.id, Enrollment.admitted_on, Enrollment.discharged_on, Group.id,
           Group.name, Group.meeting_days, Group.track_slug, Group.weekly_minimum_minutes,
           Group.note_format, Group.is_archived,
           exists().where(group_facilitators.c.group_id == Group.id,
                          group_facilitators.c.user_id == bindparam("reader_id")))
    .join(Group, Group.id == Enrollment.group_id)
    .where(Enrollment.participant_id == _PARTICIPANT, Group.id.in_(_READABLE))
    .order_by(Enrollment.admitted_on, Enrollment.id))
_GOALS = (
    select(TreatmentGoal.id, TreatmentGoal.goal, TreatmentGoal.target_on, TreatmentGoal.status)
    .where(TreatmentGoal.participant_id == _PARTICIPANT)
    .order_by(TreatmentGoal.status != GoalStatus.ACTIVE, TreatmentGoal.target_on,
              TreatmentGoal.id))
# The sessions shown: the participant on the roster, in a group the reader staffs, not voided.
_SHOWN = and_(Attendance.participant_id == _PARTICIPANT, SessionLog.group_id.in_(_READABLE),
              SessionLog.state != LogState.VOIDED)
_SHOWN_LOG_IDS = select(SessionLog.id).join(Attendance, Attendance.log_id == SessionLog.id) \
    .where(_SHOWN)
_AUTHOR, _SIGNER, _COSIGNER = aliased(User), aliased(User), aliased(User)
_ADDENDA = (
    select(Addendum.log_id, _AUTHOR.name.label("author"), Addendum.created_at, Addendum.text)
    .join(_AUTHOR, _AUTHOR.id == Addendum.author_id)
    .where(Addendum.log_id.in_(_SHOWN_LOG_IDS))
    .order_by(Addendum.created_at, Addendum.id))
# Every note's links to the participant's goals: only those of the notes shown are used (a
# goal's wording is the participant's, whichever group's note ticked it).
_GOAL_LINKS = (
    select(NoteGoal.note_id, func.coalesce(NoteGoal.goal_text, TreatmentGoal.goal)
           .label("wording"))  # as signed, or as the goal reads now on a draft
    .join(TreatmentGoal, TreatmentGoal.id == NoteGoal.goal_id)
    .where(TreatmentGoal.participant_id == _PARTICIPANT)
    .order_by(NoteGoal.note_id, NoteGoal.goal_id))
_SESSIONS = (
    select(SessionLog.id, SessionLog.group_id, SessionLog.session_date, SessionLog.minutes,
           SessionLog.topics, SessionLog.state, _SIGNER.name, SessionLog.signed_at,
           _COSIGNER.name, SessionLog.cosigned_at, Attendance.status,
           Attendance.minutes_attended, ParticipantNote.id, ParticipantNote.fields,
           ParticipantNote.is_safety_concern, ParticipantNote.safety_follow_up,
           ParticipantNote.craving, ParticipantNote.mood, ParticipantNote.use_since_last_group,
           ParticipantNote.use_days)
    .join(Attendance, Attendance.log_id == SessionLog.id)
    .outerjoin(ParticipantNote, ParticipantNote.of_attendance())
    .outerjoin(_SIGNER, _SIGNER.id == SessionLog.signed_by_id)
    .outerjoin(_COSIGNER, _COSIGNER.id == SessionLog.cosigned_by_id)
    .where(_SHOWN)
    .order_by(SessionLog.session_date, SessionLog.start_time, SessionLog.id))
# Where a session row's note begins: its id, then CourseNote's fields in order.
_NOTE_ID = 12


def participant_course(session: Session, participant: Participant, reader: User,
                       day: datetime.date, library: Library) -> Course:
    """The participant's course as ``reader`` may see it (groups they facilitate or
    supervise), on ``day``."""
    connection = session.connection()
    ids = {"participant_id": participant.id, "reader_id": reader.id}
    groups: dict[int, GroupCourse] = {}
    for enrollment_id, admitted, discharged, *group, facilitated in connection.execute(
            _GROUPS, ids):
        if group[0] not in groups:
            group_ = CourseGroup(*group)
            groups[group_.id] = GroupCourse(group_, facilitated, [],
                                            library.track(group_.track_slug))
        groups[group[0]].enrollments.append(CourseEnrollment(enrollment_id, admitted,
                                                             discharged))
    goals = list(connection.execute(_GOALS, ids))
    addenda = _rows_by(connection.execute(_ADDENDA, ids), "log_id")
    goal_links = _rows_by(connection.execute(_GOAL_LINKS, ids), "note_id")
    sessions = [
        CourseSession(row[0], groups[row[1]].group, *row[2:_NOTE_ID],
                      None if row[_NOTE_ID] is None else
                      CourseNote(*row[_NOTE_ID + 1:], goal_links.get(row[_NOTE_ID], [])),
                      addenda.get(row[0], []))
        for row in connection.execute(_SESSIONS, ids).all()
        if row[1] in groups]  # the groups of their enrollments, as the page lists them
    for group_course in groups.values():
        _add_hours(group_course, sessions, day)
        _add_coverage(session, group_course, sessions, library, day)
    check_ins = [CheckInRow(CheckIn(s.session_date, s.note.craving, s.note.mood), s)
                 for s in sessions if s.note is not None and _has_check_in(s.note)]
    return Course(participant, list(groups.values()), goals, sessions, check_ins)


def _rows_by(rows: Iterable[Row[Any]], key: str) -> dict[int, list[Row[Any]]]:
    """The rows grouped by one column's value, each group in the statement's order (a log's
    addenda, a note's goal links)."""
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _has_check_in(note: CourseNote) -> bool:
    """As ``ParticipantNote.has_check_in``."""
    return not (note.craving is None and note.mood is None
                and note.use_since_last_group is None and note.use_days is None)


def _add_hours(group_course: GroupCourse, sessions: list[CourseSession],
               day: datetime.date) -> None:
    """Minutes attended per week of the enrollment, from signed and co-signed logs."""
    group = group_course.group
    # Weeks numbered by ordinal: day 1 (1 January of year 1) was a Monday.
    minutes: dict[int, int] = {}
    for s in sessions:
        if s.group is group and s.state in COUNTED_STATES:  # as is_signed
            week = (s.session_date.toordinal() - 1) // 7
            minutes[week] = minutes.get(week, 0) + s.minutes_attended
    first = monday(min(e.admitted_on for e in group_course.enrollments))
    last = monday(day if group_course.is_enrolled else
                  min(day, max(e.discharged_on or day for e in group_course.enrollments)))
    shown_from = max(first, last - datetime.timedelta(weeks=MAX_WEEKS - 1))
    group_course.earlier_weeks = (shown_from - first).days // 7
    weeks = mondays(shown_from, last)
    attended = [minutes.get((week.toordinal() - 1) // 7, 0) for week in weeks]
    spans = [(e.admitted_on, e.discharged_on) for e in group_course.enrollments]
    marks = week_marks(spans, weeks, attended, group.weekly_minimum_minutes, day)
    group_course.weeks = [WeekHours(week, spent, mark)
                          for week, spent, mark in zip(weeks, attended, marks, strict=True)
                          if mark != "out"]


def _add_coverage(session: Session, group_course: GroupCourse, sessions: list[CourseSession],
                  library: Library, day: datetime.date) -> None:
    """The track's topics attended in this group (as the coverage page counts them) and those
    still missing, with when each next comes round while the participant is enrolled."""
    track = group_course.track
    if track is None:
        return
    group: Any = group_course.group  # has what topic_coverage reads of a Group
    # As topic_coverage.attended_topics counts them, from the sessions already read.
    seen = {topic for s in sessions if s.group is group and s.status in ATTENDED
            for topic in s.topics}
    upcoming = (topic_coverage.next_dates(session, group, track, library, day)
                if group_course.is_enrolled and not group.is_archived else {})
    topics = list(dict.fromkeys(track.topics))
    group_course.covered = [t for t in topics if t in seen]
    group_course.missing = [(t, upcoming.get(t)) for t in topics if t not in seen]
