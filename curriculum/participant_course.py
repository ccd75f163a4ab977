"""One participant's course, as the participant page shows it to one reader: their groups
(only those the reader staffs), goals, every session of those groups in time order, hours per
week against each group's minimum, topics covered and missing, and their check-ins.

Drafts (and returned logs) appear in time order marked as not signed, with attendance and the
check-in recorded there, but never their note text (it may still change; the record is what
was signed), and they count toward no hours (as in the hours report). Voided logs never
appear. Statements: enrollments, goals, sessions (with their notes), addenda, goal links,
then coverage per group."""

import datetime
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from curriculum import topic_coverage
from curriculum.access import clinical_group_ids
from curriculum.calendar_dates import monday, mondays
from curriculum.check_ins import CheckIn
from curriculum.library import Library, Track
from curriculum.weekly_hours import COUNTED_STATES, week_marks
from models import (
    Addendum,
    Attendance,
    Enrollment,
    Group,
    LogState,
    NoteGoal,
    Participant,
    ParticipantNote,
    SessionLog,
    TreatmentGoal,
    User,
)

# Weeks of hours shown per group, most recent last (an IOP episode is 8–12 weeks).
MAX_WEEKS = 26


@dataclass
class CourseSession:
    log: SessionLog
    attendance: Attendance
    note: ParticipantNote | None

    @property
    def is_signed(self) -> bool:
        return self.log.state in COUNTED_STATES


@dataclass
class WeekHours:
    week: datetime.date
    minutes: int
    mark: str  # as ``weekly_hours.week_marks``


@dataclass
class GroupCourse:
    group: Group
    enrollments: list[Enrollment]
    track: Track | None
    weeks: list[WeekHours] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    missing: list[tuple[str, datetime.date | None]] = field(default_factory=list)
    earlier_weeks: int = 0  # enrolled weeks before the MAX_WEEKS shown

    @property
    def is_enrolled(self) -> bool:
        return any(e.discharged_on is None for e in self.enrollments)


@dataclass
class CheckInRow:
    check_in: CheckIn
    session: CourseSession


@dataclass
class Course:
    participant: Participant
    groups: list[GroupCourse]
    goals: list[TreatmentGoal]
    sessions: list[CourseSession]
    check_ins: list[CheckInRow]


def participant_course(session: Session, participant: Participant, reader: User,
                       day: datetime.date, library: Library) -> Course:
    """The participant's course as ``reader`` may see it (groups they facilitate or
    supervise), on ``day``."""
    readable = clinical_group_ids(reader)
    enrollments = session.scalars(
        select(Enrollment).join(Enrollment.group).options(contains_eager(Enrollment.group))
        .where(Enrollment.participant_id == participant.id, Enrollment.group_id.in_(readable))
        .order_by(Enrollment.admitted_on, Enrollment.id)).all()
    groups: dict[int, GroupCourse] = {}
    for enrollment in enrollments:
        groups.setdefault(enrollment.group_id, GroupCourse(
            enrollment.group, [], library.tracks.get(enrollment.group.track_slug or "")
        )).enrollments.append(enrollment)
    goals = sorted(session.scalars(select(TreatmentGoal).where(
        TreatmentGoal.participant_id == participant.id)),
        key=lambda g: (g.status.value != "active", g.target_on, g.id))
    sessions = [CourseSession(log, attendance, note) for log, attendance, note in session.execute(
        select(SessionLog, Attendance, ParticipantNote)
        .join(Attendance, Attendance.log_id == SessionLog.id)
        .outerjoin(ParticipantNote, and_(ParticipantNote.log_id == SessionLog.id,
                                         ParticipantNote.participant_id == participant.id))
        .where(Attendance.participant_id == participant.id,
               SessionLog.group_id.in_(list(groups)), SessionLog.state != LogState.VOIDED)
        .order_by(SessionLog.session_date, SessionLog.start_time, SessionLog.id)
        .options(joinedload(SessionLog.signed_by), joinedload(SessionLog.cosigned_by),
                 selectinload(SessionLog.addenda).joinedload(Addendum.author),
                 selectinload(ParticipantNote.goal_links).joinedload(NoteGoal.goal)))]
    for group_course in groups.values():
        _add_hours(group_course, sessions, day)
        _add_coverage(session, group_course, participant, library, day)
    check_ins = [CheckInRow(CheckIn(s.log.session_date, s.note.craving, s.note.mood), s)
                 for s in sessions if s.note is not None and s.note.has_check_in]
    return Course(participant, list(groups.values()), goals, sessions, check_ins)


def _add_hours(group_course: GroupCourse, sessions: list[CourseSession],
               day: datetime.date) -> None:
    """Minutes attended per week of the enrollment, from signed and co-signed logs."""
    group = group_course.group
    minutes: dict[datetime.date, int] = {}
    for s in sessions:
        if s.log.group_id == group.id and s.is_signed:
            week = monday(s.log.session_date)
            minutes[week] = minutes.get(week, 0) + s.attendance.minutes_attended
    first = monday(min(e.admitted_on for e in group_course.enrollments))
    last = monday(day if group_course.is_enrolled else
                  min(day, max(e.discharged_on or day for e in group_course.enrollments)))
    shown_from = max(first, last - datetime.timedelta(weeks=MAX_WEEKS - 1))
    group_course.earlier_weeks = (shown_from - first).days // 7
    weeks = mondays(shown_from, last)
    attended = [minutes.get(week, 0) for week in weeks]
    spans = [(e.admitted_on, e.discharged_on) for e in group_course.enrollments]
    marks = week_marks(spans, weeks, attended, group.weekly_minimum_minutes, day)
    group_course.weeks = [WeekHours(week, spent, mark)
                          for week, spent, mark in zip(weeks, attended, marks, strict=True)
                          if mark != "out"]


def _add_coverage(session: Session, group_course: GroupCourse, participant: Participant,
                  library: Library, day: datetime.date) -> None:
    """The track's topics attended in this group (as the coverage page counts them) and those
    still missing, with when each next comes round while the participant is enrolled."""
    track = group_course.track
    if track is None:
        return
    group = group_course.group
    seen = topic_coverage.attended_topics(session, group, [participant.id])[participant.id]
    upcoming = (topic_coverage.next_dates(session, group, track, library, day)
                if group_course.is_enrolled and not group.is_archived else {})
    topics = list(dict.fromkeys(track.topics))
    group_course.covered = [t for t in topics if t in seen]
    group_course.missing = [(t, upcoming.get(t)) for t in topics if t not in seen]
