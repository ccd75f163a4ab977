"""Curriculum coverage for rolling-admission groups: which of the track's topics each participant
has attended, which they missed and when those next come round."""

import datetime
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import logbook
from curriculum.calendar_dates import WEEKDAYS
from curriculum.library import Library, Track
from models import ATTENDED, Attendance, Group, LogState, Participant, SessionLog


@dataclass
class ParticipantCoverage:
    participant: Participant
    attended: list[str]
    missing: list[tuple[str, datetime.date | None]]  # topic slug, next date it comes round


@dataclass
class GroupCoverage:
    group: Group
    track: Track
    topics: list[str]  # the track's distinct topics, in rotation order
    people: list[ParticipantCoverage]
    runs: dict[str, int]  # how often each topic ran in this group


def upcoming_sessions(group: Group, start: datetime.date, count: int) -> list[datetime.date]:
    """The group's next ``count`` meeting dates from ``start`` (inclusive)."""
    days = set(group.meeting_days.split(","))
    dates, day = [], start
    while len(dates) < count and days:
        if WEEKDAYS[day.weekday()] in days:
            dates.append(day)
        day += datetime.timedelta(days=1)
    return dates


def next_dates(session: Session, group: Group, track: Track, library_: Library,
               start: datetime.date) -> dict[str, datetime.date]:
    """When each of the track's topics next comes round, if the rotation continues from the
    topic suggested next on the group's meeting days."""
    suggested = logbook.suggested_topic(session, group, library_) or track.topics[0]
    position = track.topics.index(suggested)
    dates = upcoming_sessions(group, start, len(track.topics))
    upcoming: dict[str, datetime.date] = {}
    for offset, day in enumerate(dates):
        upcoming.setdefault(track.topics[(position + offset) % len(track.topics)], day)
    return upcoming


def attended_topics(session: Session, group: Group,
                    participant_ids: list[int]) -> dict[int, set[str]]:
    """Topics each of these participants attended in this group, in any log not voided
    (through the attendance index on participant: a few hundred rows, however long the
    group has run)."""
    rows = session.execute(
        select(Attendance.participant_id, SessionLog.topics)
        .join(SessionLog, Attendance.log_id == SessionLog.id)
        .where(Attendance.participant_id.in_(participant_ids),
               SessionLog.group_id == group.id, SessionLog.state != LogState.VOIDED,
               Attendance.status.in_(ATTENDED)))
    seen: dict[int, set[str]] = {pid: set() for pid in participant_ids}
    for participant_id, topics in rows:
        seen[participant_id].update(topics)
    return seen


def group_coverage(session: Session, group: Group, library_: Library,
                   day: datetime.date) -> GroupCoverage | None:
    track = library_.tracks.get(group.track_slug or "")
    if track is None:
        return None
    topics = list(dict.fromkeys(track.topics))
    current = logbook.roster_on(session, group, day)
    seen = attended_topics(session, group, [p.id for p in current])
    upcoming = next_dates(session, group, track, library_, day)
    people = [ParticipantCoverage(
        p, [t for t in topics if t in seen[p.id]],
        [(t, upcoming.get(t)) for t in topics if t not in seen[p.id]])
        for p in current]
    runs = dict.fromkeys(topics, 0)
    for logged in session.scalars(select(SessionLog.topics).where(
            SessionLog.group_id == group.id, SessionLog.state != LogState.VOIDED)):
        for slug in logged:
            if slug in runs:
                runs[slug] += 1
    return GroupCoverage(group, track, topics, people, runs)


def not_yet_had(session: Session, group: Group, slug: str, day: datetime.date) -> list[str]:
    """Display names of today's enrolled participants who have not attended this topic."""
    current = logbook.roster_on(session, group, day)
    seen = attended_topics(session, group, [p.id for p in current])
    return [p.display_name for p in current if slug not in seen[p.id]]
