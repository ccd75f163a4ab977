"""Session-log operations: start a log, apply an edit, check it, sign it, void it (co-signing,
returning and addenda are ``signed_records``, shared with discharge summaries).

Views call these and commit; each writes its audit event in the same transaction.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from curriculum import audit
from curriculum.library import Library
from models import (
    ATTENDED,
    NOTE_FIELDS,
    Attendance,
    AttendanceStatus,
    Enrollment,
    Group,
    LogState,
    NoteGoal,
    Participant,
    ParticipantNote,
    SessionLog,
    SubstanceUse,
    TaughtTopic,
    User,
    utcnow,
)

ATTESTATION = ("I attest that I led this session, that this record is accurate and complete, "
               "and that each note describes only that participant's own participation.")
COSIGN_ATTESTATION = ("I have reviewed this log and its notes, and I co-sign it as the "
                      "clinical supervisor of this group.")
SUMMARY_KEY = "summary"
# "On how many days since the last group?": someone back after missing a week or more of
# sessions answers for that whole time.
MAX_USE_DAYS = 14
MAX_VOID_REASON = 1000  # the void form's maxlength


def roster_between(group_id: Any, first: Any, last: Any, *columns: Any) -> Select[Any]:
    """``columns`` of each enrollment in the group that covers a day from ``first`` to ``last``
    (values or bound parameters), its participant joined, by name: the roster on a day, or
    over the weeks of a report."""
    return (select(*columns).select_from(Participant)
            .join(Enrollment, Enrollment.participant_id == Participant.id)
            .where(Enrollment.group_id == group_id, Enrollment.enrolled_between(first, last))
            .order_by(Participant.display_name, Participant.id))


# Built once (the group and the day are parameters): a page can ask several times.
_DAY = bindparam("day", type_=Date)
_ROSTER = roster_between(bindparam("group_id"), _DAY, _DAY, Participant).distinct()
_RECENT_TOPICS = (select(SessionLog.topics)
                  .where(SessionLog.group_id == bindparam("group_id"),
                         SessionLog.state != LogState.VOIDED)
                  .order_by(SessionLog.session_date.desc(), SessionLog.id.desc()).limit(20))


def roster_on(session: Session, group: Group, day: datetime.date) -> list[Participant]:
    """Everyone enrolled in the group on that day, by display name."""
    return list(session.scalars(_ROSTER, {"group_id": group.id, "day": day}))


def suggested_topic(session: Session, group: Group, library: Library) -> str | None:
    """The track's next topic after the last one this group covered (the rotation loops)."""
    track = library.track(group.track_slug)
    if track is None:
        return None
    recent = session.connection().execute(_RECENT_TOPICS, {"group_id": group.id}).scalars().all()
    for topics in recent:
        covered = [slug for slug in topics if slug in track.topics]
        if covered:
            position = track.topics.index(covered[-1])
            return track.topics[(position + 1) % len(track.topics)]
    return track.topics[0]


def _log_list_query() -> Select[Any]:
    on_log = select(func.count()).select_from(Attendance).where(
        Attendance.log_id == SessionLog.id)
    attended = on_log.where(or_(*(Attendance.status == status for status in sorted(ATTENDED))))
    return (select(SessionLog.id, SessionLog.session_date, SessionLog.topics, SessionLog.state,
                   attended.scalar_subquery().label("attended"),
                   on_log.scalar_subquery().label("recorded"))
            .where(SessionLog.group_id == bindparam("group_id"))
            .order_by(SessionLog.session_date.desc(), SessionLog.id.desc())
            .limit(bindparam("limit")))


_LOG_LIST = _log_list_query()


def log_list(session: Session, group: Group, limit: int = 100) -> list[Row[Any]]:
    """The group's latest logs, newest first: id, session_date, topics, state, and how many of
    the people on each log attended (``attended``) of how many are on it (``recorded``)."""
    # Through the session's connection: plain rows need none of the ORM's bookkeeping.
    return session.connection().execute(_LOG_LIST, {"group_id": group.id,
                                                    "limit": limit}).all()


def prefill(topic_slugs: list[str], library: Library) -> tuple[list[str], str]:
    """Interventions and a summary outline from the chosen topics, for the facilitator to edit."""
    interventions: list[str] = []
    lines = []
    for slug in topic_slugs:
        topic = library.get(slug)
        if topic is None:
            continue
        interventions += [i for i in topic.meta.interventions if i not in interventions]
        objectives = " ".join(o if o.endswith(".") else o + "." for o in topic.meta.objectives)
        lines.append(f"Topic: {topic.title}. Objectives: {objectives}")
    if lines:
        lines.append("Group response: ")
    return interventions, "\n".join(lines)


def overdue_before(day: datetime.date, due_hours: int) -> datetime.date:
    """Sessions dated before this are overdue for signature by the end of ``day``."""
    end_of_day = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return (end_of_day - datetime.timedelta(hours=due_hours)).date()


def find_log(session: Session, group: Group, day: datetime.date,
             start: datetime.time) -> SessionLog | None:
    """The group's non-voided log for that session, if one exists (a double submit finds it)."""
    return session.scalar(select(SessionLog).where(
        SessionLog.group_id == group.id, SessionLog.session_date == day,
        SessionLog.start_time == start, SessionLog.state != LogState.VOIDED))


def start_log(session: Session, group: Group, day: datetime.date, user: User,
              topic_slugs: list[str], library: Library) -> SessionLog:
    """A new draft: everyone enrolled that day marked present for the whole session."""
    interventions, outline = prefill(topic_slugs, library)
    session_log = SessionLog(group=group, session_date=day, start_time=group.start_time,
                             minutes=group.minutes, topics=topic_slugs,
                             interventions=interventions, summary=outline, created_by=user)
    for participant in roster_on(session, group, day):
        add_participant(session_log, participant)
    session.add(session_log)
    session.flush()
    audit.record(session, "create-log", "session-log", session_log.id, user_id=user.id,
                 detail={"group": group.id, "participants": len(session_log.attendance)})
    return session_log


def _new_version(session_log: SessionLog) -> None:
    """Write the log's own row on every change, even when only a note or the attendance
    changed: its version then moves on, and that is what refuses another editor's stale form."""
    session_log.updated_at = utcnow()
    flag_modified(session_log, "updated_at")


def add_participant(session_log: SessionLog, participant: Participant) -> None:
    """Put a participant (rostered or drop-in) on the log, present, with an empty note."""
    session_log.attendance.append(Attendance(participant=participant,
                                             status=AttendanceStatus.PRESENT,
                                             minutes_attended=session_log.minutes))
    session_log.notes.append(ParticipantNote(participant=participant, fields={}))
    _new_version(session_log)


def drop_in(session: Session, session_log: SessionLog, participant_id: int | None
            ) -> Participant | None:
    """The participant of the log's group with this id who is not on the editable log yet."""
    if participant_id is None or not session_log.is_editable \
            or any(row.participant_id == participant_id for row in session_log.attendance):
        return None
    return session.scalar(select(Participant).join(Enrollment).where(
        Participant.id == participant_id, Enrollment.group_id == session_log.group_id))


def add_drop_in(session: Session, session_log: SessionLog, participant: Participant) -> None:
    """Put a participant who came without being on the roster that day on the log."""
    add_participant(session_log, participant)
    audit.record(session, "add-participant", "session-log", session_log.id,
                 detail={"participant": participant.id})


@dataclass
class RowEdit:
    status: AttendanceStatus
    minutes: int
    fields: dict[str, str]
    engagement: int | None
    is_safety_concern: bool
    safety_follow_up: str
    # The check-in (None: not asked) and the ids of the goals the note ticks.
    craving: int | None = None
    mood: int | None = None
    use_since_last_group: SubstanceUse | None = None
    use_days: int | None = None
    goal_ids: list[int] = field(default_factory=list)


@dataclass
class LogEdit:
    """A validated edit of a draft: the group part and one row per participant on the log."""

    start_time: datetime.time
    minutes: int
    topics: list[str]
    interventions: list[str]
    summary: str
    rows: dict[int, RowEdit] = field(default_factory=dict)


# What an edit copies, by name, onto each note and onto the log itself.
_NOTE_EDITS = ("fields", "engagement", "is_safety_concern", "safety_follow_up", "craving", "mood",
               "use_since_last_group", "use_days")
_LOG_EDITS = ("start_time", "minutes", "topics", "interventions", "summary")


def apply_edit(session_log: SessionLog, edit: LogEdit) -> None:
    """Copy an edit onto a draft; a returned log becomes a draft again. The log's own row is
    written last, so the save is one UPDATE of it: one new version."""
    for row in session_log.attendance:
        change = edit.rows[row.participant_id]
        row.status, row.minutes_attended = change.status, change.minutes
        note = session_log.note_for(row.participant_id)
        if note is None:
            note = ParticipantNote(participant_id=row.participant_id, fields={})
            session_log.notes.append(note)
        for name in _NOTE_EDITS:
            setattr(note, name, getattr(change, name))
        _tick_goals(note, change.goal_ids)
    for name in _LOG_EDITS:
        setattr(session_log, name, getattr(edit, name))
    if session_log.state == LogState.RETURNED:
        session_log.state = LogState.DRAFT
    _new_version(session_log)


def _tick_goals(note: ParticipantNote, goal_ids: list[int]) -> None:
    """The note ticks exactly these goals (links already there are kept as they are)."""
    wanted = set(goal_ids)
    for link in [link for link in note.goal_links if link.goal_id not in wanted]:
        note.goal_links.remove(link)
    ticked = {link.goal_id for link in note.goal_links}
    note.goal_links.extend(NoteGoal(goal_id=goal_id) for goal_id in sorted(wanted - ticked))


def completeness_problems(session_log: SessionLog) -> dict[str, str]:
    """What stops signing, keyed by the form field to fix."""
    problems = {}
    if not session_log.summary.strip():
        problems[SUMMARY_KEY] = "Write the group summary."
    fields = NOTE_FIELDS[session_log.group.note_format]
    for row in session_log.attendance:
        note = session_log.note_for(row.participant_id)
        name = row.participant.display_name
        pid = row.participant_id
        if not row.attended:
            if note is not None and note.has_content:
                problems[f"status_{pid}"] = (f"{name} is marked {row.status.value} but has a "
                                             f"note or check-in; clear it or change attendance.")
            continue
        if row.minutes_attended <= 0:
            problems[f"minutes_{pid}"] = f"Enter the minutes {name} attended."
        for key, label in fields:
            if note is None or not note.fields.get(key, "").strip():
                problems[f"note_{pid}_{key}"] = f"Write the {label} part of {name}'s note."
        if note is None or note.engagement is None:
            problems[f"engagement_{pid}"] = f"Rate {name}'s engagement (1 to 5)."
        if note is not None and note.is_safety_concern and not note.safety_follow_up.strip():
            problems[f"follow_up_{pid}"] = (f"{name}'s note flags a safety concern: record the "
                                            f"follow-up action.")
        if note is not None and note.use_since_last_group == SubstanceUse.YES \
                and note.use_days is None:
            problems[f"use_days_{pid}"] = (f"{name} reported use since the last group: record "
                                           f"on how many days (1 to {MAX_USE_DAYS}).")
        if session_log.group.is_goal_link_required and (note is None or not note.goal_links):
            problems[f"goals_{pid}"] = (f"Tick the goal(s) this session addressed in {name}'s "
                                        f"note: this group requires one (add a goal on their "
                                        f"goals page if none fits).")
    return problems


def names_in(text: str, participants: list[Participant]) -> list[str]:
    """The display names of these participants that the text names (display name or first
    name, as a whole word, in any case)."""
    found = []
    for participant in participants:
        for name in dict.fromkeys([participant.display_name, participant.first_name]):
            if name and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
                found.append(participant.display_name)
                break
    return found


def name_check(session_log: SessionLog) -> dict[str, list[str]]:
    """Other participants named where they must not be: in each person's note (names of anyone
    else on the log) and in the group summary (anyone's name), keyed like the override fields."""
    people = [row.participant for row in session_log.attendance]
    hits = {}
    if found := names_in(session_log.summary, people):
        hits[SUMMARY_KEY] = found
    for note in session_log.notes:
        row_attended = any(r.participant_id == note.participant_id and r.attended
                           for r in session_log.attendance)
        if not row_attended:
            continue
        others = [p for p in people if p.id != note.participant_id]
        text = "\n".join([*note.fields.values(), note.safety_follow_up])
        if found := names_in(text, others):
            hits[str(note.participant_id)] = found
    return hits


def sign(session: Session, session_log: SessionLog, user: User, overrides: dict[str, str],
         library: Library, at: datetime.datetime | None = None) -> None:
    """Lock the log under the signer's name, keeping any name-check override reasons and the
    text of each topic it covers as ``library`` serves it (its hash, and the program's version
    number when it is one); signed now, or ``at`` for a record made after the fact (demo data,
    tests).

    The caller has checked completeness, the name check and the signer's password.
    """
    if session_log.topics:  # set first: loading the collection flushes what came before
        session_log.taught_topics = [_taught(slug, library)
                                     for slug in dict.fromkeys(session_log.topics)]
    for note in session_log.notes:
        note.name_check_override = overrides.get(str(note.participant_id)) or None
    session_log.summary_name_override = overrides.get(SUMMARY_KEY) or None
    for note in list(session_log.notes):
        row = next(r for r in session_log.attendance if r.participant_id == note.participant_id)
        if not row.attended:
            session_log.notes.remove(note)  # empty (checked above): notes only for attendees
            continue
        for link in note.goal_links:  # the goal as worded now is what the note signs
            link.goal_text = link.goal.goal
    with session.no_autoflush:  # hashed before the flush that locks the log
        session_log.mark_signed(user, ATTESTATION, at)
    audit.record(session, "sign-log", "session-log", session_log.id, user_id=user.id,
                 detail={"overrides": sorted(k for k, v in overrides.items() if v)})


def _taught(slug: str, library: Library) -> TaughtTopic:
    topic = library.get(slug)
    return TaughtTopic(slug=slug, content_hash=topic.content_hash if topic else None,
                       version_number=topic.version if topic else None)


def void_refusal(session_log: SessionLog, reason: str) -> str | None:
    """Why this log cannot be voided with this reason (None: it can)."""
    if session_log.state == LogState.VOIDED:
        return "This log is already void."
    if not reason or len(reason) > MAX_VOID_REASON:
        return "Give the reason for voiding this log."
    return None


def void(session: Session, session_log: SessionLog, user: User, reason: str) -> None:
    """Mark a log made by mistake as void; it stays in the record with the reason. The caller
    has checked ``void_refusal``."""
    session_log.state = LogState.VOIDED
    session_log.void_reason = reason
    session_log.voided_by_id = user.id
    session_log.voided_at = utcnow()
    audit.record(session, "void-log", "session-log", session_log.id, user_id=user.id)
