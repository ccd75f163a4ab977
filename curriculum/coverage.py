"""Curriculum coverage for rolling-admission groups: which of the track's topics each participant
has attended, which they missed and when those next come round, and makeup packets."""

import datetime
import io
from dataclasses import dataclass

from flask import Blueprint, render_template, send_file
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from curriculum import logbook
from curriculum.access import deny, get_group
from curriculum.db import get_session
from curriculum.handouts import Variant, handout_file
from curriculum.library import Library, Track
from curriculum.localtime import today
from curriculum.topics import library
from models import ATTENDED, Attendance, Enrollment, Group, LogState, Participant, SessionLog

bp = Blueprint("coverage", __name__, url_prefix="/coverage")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")



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


@bp.get("/groups/<id:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    """Each participant's attended and missing topics; how often each topic ran."""
    found = get_group(group_id, action="view-coverage")
    get_session().commit()
    coverage = group_coverage(get_session(), found, library(), today())
    return render_template("coverage/group.html", group=found, coverage=coverage,
                           library=library())


@bp.get("/groups/<id:group_id>/participants/<id:participant_id>/makeup.pdf")
def makeup_packet(group_id: int, participant_id: int) -> ResponseReturnValue:
    """One PDF of the handouts of the track topics this participant has missed."""
    found = get_group(group_id, action="export-makeup-packet")
    session = get_session()
    session.commit()
    enrolled = session.scalar(select(Enrollment.id).where(
        Enrollment.group_id == found.id, Enrollment.participant_id == participant_id).limit(1))
    coverage = group_coverage(session, found, library(), today())
    person = next((p for p in coverage.people if p.participant.id == participant_id),
                  None) if coverage and enrolled else None
    if person is None:
        deny("participant", participant_id, "export-makeup-packet")
    topics = [library().get(slug) for slug, _ in person.missing]
    topics = [t for t in topics if t is not None]
    if not topics:
        return render_template("errors.html", code=200, title="Nothing to make up",
                               message=f"{person.participant.display_name} has attended every "
                                       f"topic in the track."), 200
    path, key = handout_file(topics, Variant())
    return send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf",
                     download_name="makeup-handouts.pdf", etag=key)
