"""Curriculum coverage for rolling-admission groups: which of the track's topics each participant
has attended, which they missed and when those next come round."""

import datetime
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from curriculum import logbook
from curriculum.calendar_dates import WEEKDAYS
from curriculum.library import Library, Track
from curriculum.sql_dialects import json_texts
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
    # Only real weekday codes: a group stored with none (or "") meets on no date, not forever.
    days = set(group.meeting_days.split(",")) & set(WEEKDAYS)
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


# Each topic slug of a log, as a table to join (a log's slugs are a JSON list).
_TOPIC = json_texts(SessionLog.topics).table_valued("value").alias("topic")
# Built once, the group (and participants) as parameters; the database answers each distinct
# pair, and each topic's count, once.
_ATTENDED = (
    select(Attendance.participant_id, _TOPIC.c.value).distinct()
    .join(SessionLog, Attendance.log_id == SessionLog.id).join(_TOPIC, true())
    .where(Attendance.participant_id.in_(bindparam("participant_ids", expanding=True)),
           SessionLog.group_id == bindparam("group_id"), SessionLog.state != LogState.VOIDED,
           or_(*(Attendance.status == status for status in sorted(ATTENDED)))))
_RUNS = (
    select(_TOPIC.c.value, func.count()).select_from(SessionLog).join(_TOPIC, true())
    .where(SessionLog.group_id == bindparam("group_id"), SessionLog.state != LogState.VOIDED)
    .group_by(_TOPIC.c.value))


def attended_topics(session: Session, group: Group,
                    participant_ids: list[int]) -> dict[int, set[str]]:
    """Topics each of these participants attended in this group, in any log not voided
    (through the attendance index on participant: a few hundred rows, however long the
    group has run)."""
    seen: dict[int, set[str]] = {pid: set() for pid in participant_ids}
    for participant_id, slug in session.connection().execute(_ATTENDED, {
            "participant_ids": participant_ids, "group_id": group.id}).all():
        seen[participant_id].add(slug)
    return seen


def topic_runs(session: Session, group: Group) -> dict[str, int]:
    """How many of the group's logs (not voided) covered each topic."""
    return dict(session.connection().execute(_RUNS, {"group_id": group.id}).all())


def group_coverage(session: Session, group: Group, library_: Library,
                   day: datetime.date) -> GroupCoverage | None:
    track = library_.track(group.track_slug)
    if track is None:
        return None
    topics = list(dict.fromkeys(track.topics))
    current = logbook.roster_on(session, group, day)
    seen = attended_topics(session, group, [p.id for p in current])
    upcoming = next_dates(session, group, track, library_, day)
    people = []
    for participant in current:
        attended = seen[participant.id]
        people.append(ParticipantCoverage(
            participant, [t for t in topics if t in attended],
            [(t, upcoming.get(t)) for t in topics if t not in attended]))
    counted = topic_runs(session, group)
    runs = {slug: counted.get(slug, 0) for slug in topics}
    return GroupCoverage(group, track, topics, people, runs)


def not_yet_had(session: Session, group: Group, slug: str, day: datetime.date) -> list[str]:
    """Display names of today's enrolled participants who have not attended this topic."""
    current = logbook.roster_on(session, group, day)
    seen = attended_topics(session, group, [p.id for p in current])
    return [p.display_name for p in current if slug not in seen[p.id]]
