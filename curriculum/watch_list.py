"""The watch list: participants of the reader's groups who need a look, from the logs of the
last two weeks (drafts included, voided logs never), each with its reasons:

- **craving**: their latest craving is 3 or more points above the median of their earlier
  ones (once there are 3 earlier);
- **use**: they reported use since the last group;
- **missed**: their last two sessions were both missed (absent; an excused session neither
  counts nor breaks the run).

Each reason names the logs that raise it. An entry clears when no log raises it any more, or
when staff acknowledge it: an acknowledgement covers the logs that raised the reason at that
moment, so a later log raising it again shows again.
"""

import datetime
import statistics
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, select, true
from sqlalchemy.orm import Session

from curriculum import audit
from curriculum.db import begin_write
from curriculum.template_filters import day as day_words
from models import (
    Attendance,
    AttendanceStatus,
    LogState,
    Participant,
    ParticipantNote,
    SessionLog,
    SubstanceUse,
    User,
    WatchAcknowledgement,
    WatchReason,
)

WINDOW_DAYS = 14
CRAVING_RISE = 3
EARLIER_CHECK_INS = 3
REASON_LABELS = {WatchReason.CRAVING: "Craving above their usual",
                 WatchReason.USE: "Reported use",
                 WatchReason.MISSED: "Missed two sessions in a row"}


@dataclass
class Flag:
    reason: WatchReason
    words: str
    log_ids: list[int]

    @property
    def label(self) -> str:
        return REASON_LABELS[self.reason]


@dataclass
class WatchEntry:
    participant_id: int
    display_name: str
    flags: list[Flag] = field(default_factory=list)


def _first_day(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=WINDOW_DAYS - 1)


def _order(row: object) -> tuple:
    return (row.session_date, row.start_time, row.log_id)  # type: ignore[attr-defined]


def _flags(session: Session, group_ids: Select[tuple[int]], day: datetime.date,
           participant_id: int | None = None) -> dict[int, tuple[str, list[Flag]]]:
    """Every reason raised now, per participant (display name, flags), before any
    acknowledgement: two statements (the window's attendance with check-ins, then the
    craving history of those with a craving in the window)."""
    live = and_(SessionLog.group_id.in_(group_ids), SessionLog.state != LogState.VOIDED,
                SessionLog.session_date <= day)
    who = (Attendance.participant_id == participant_id if participant_id is not None
           else true())
    window = session.execute(
        select(Attendance.participant_id, Participant.display_name, Attendance.status,
               SessionLog.id.label("log_id"), SessionLog.session_date, SessionLog.start_time,
               ParticipantNote.craving, ParticipantNote.use_since_last_group,
               ParticipantNote.use_days)
        .join(SessionLog, SessionLog.id == Attendance.log_id)
        .join(Participant, Participant.id == Attendance.participant_id)
        .outerjoin(ParticipantNote, ParticipantNote.of_attendance())
        .where(live, who, SessionLog.session_date >= _first_day(day))).all()
    rows: dict[int, list] = {}
    names: dict[int, str] = {}
    for row in sorted(window, key=_order):
        rows.setdefault(row.participant_id, []).append(row)
        names[row.participant_id] = row.display_name
    found: dict[int, list[Flag]] = {pid: [] for pid in rows}
    for pid, people_rows in rows.items():
        used = [r for r in people_rows if r.use_since_last_group == SubstanceUse.YES]
        if used:
            last = used[-1]
            days = f", on {last.use_days} day{'s' if last.use_days != 1 else ''}" \
                if last.use_days else ""
            found[pid].append(Flag(WatchReason.USE, f"reported use on "
                                   f"{day_words(last.session_date)}{days}",
                                   [r.log_id for r in used]))
        counted = [r for r in people_rows if r.status != AttendanceStatus.EXCUSED]
        if len(counted) >= 2 and all(r.status == AttendanceStatus.ABSENT for r in counted[-2:]):
            found[pid].append(Flag(WatchReason.MISSED, f"absent on "
                                   f"{day_words(counted[-2].session_date)} and "
                                   f"{day_words(counted[-1].session_date)}",
                                   [counted[-1].log_id]))
    with_craving = [pid for pid, people_rows in rows.items()
                    if any(r.craving is not None for r in people_rows)]
    if with_craving:
        history: dict[int, list] = {}
        for row in sorted(session.execute(
                select(ParticipantNote.participant_id, ParticipantNote.craving,
                       SessionLog.id.label("log_id"), SessionLog.session_date,
                       SessionLog.start_time)
                .join(SessionLog, SessionLog.id == ParticipantNote.log_id)
                .where(live, ParticipantNote.participant_id.in_(with_craving),
                       ParticipantNote.craving.is_not(None))), key=_order):
            history.setdefault(row.participant_id, []).append(row)
        for pid, cravings in history.items():
            latest, earlier = cravings[-1], [r.craving for r in cravings[:-1]]
            if latest.session_date < _first_day(day) or len(earlier) < EARLIER_CHECK_INS:
                continue
            usual = statistics.median(earlier)
            if latest.craving >= usual + CRAVING_RISE:
                found[pid].append(Flag(WatchReason.CRAVING, f"craving {latest.craving} of 10 on "
                                       f"{day_words(latest.session_date)}; their median is "
                                       f"{usual:g}", [latest.log_id]))
    return {pid: (names[pid], flags) for pid, flags in found.items() if flags}


def _unacknowledged(session: Session, raised: dict[int, tuple[str, list[Flag]]]
                    ) -> dict[int, tuple[str, list[Flag]]]:
    """The flags with a log no acknowledgement covers (one statement)."""
    if not raised:
        return {}
    covered: dict[tuple[int, WatchReason], set[int]] = {}
    for pid, reason, log_ids in session.execute(
            select(WatchAcknowledgement.participant_id, WatchAcknowledgement.reason,
                   WatchAcknowledgement.log_ids)
            .where(WatchAcknowledgement.participant_id.in_(list(raised)))):
        covered.setdefault((pid, reason), set()).update(log_ids)
    left = {}
    for pid, (name, flags) in raised.items():
        open_flags = [f for f in flags
                      if not set(f.log_ids) <= covered.get((pid, f.reason), set())]
        if open_flags:
            left[pid] = (name, open_flags)
    return left


def watch_list(session: Session, group_ids: Select[tuple[int]],
               day: datetime.date) -> list[WatchEntry]:
    """The watch list of these groups on ``day``, by display name."""
    entries = [WatchEntry(pid, name, sorted(flags, key=lambda f: list(WatchReason).index(
        f.reason))) for pid, (name, flags) in _unacknowledged(
        session, _flags(session, group_ids, day)).items()]
    return sorted(entries, key=lambda e: (e.display_name.casefold(), e.participant_id))


def read_watch_list(session: Session, group_ids: Select[tuple[int]], day: datetime.date,
                    place: str) -> list[WatchEntry]:
    """The watch list to show on ``place`` (a page); showing one that names anybody is
    audited (it says who used or missed), committed before the page is drawn."""
    entries = watch_list(session, group_ids, day)
    if entries:
        session.commit()
        begin_write(session)
        audit.record(session, "view-watch-list", "page", place, detail={
            "participants": [e.participant_id for e in entries]})
        session.commit()
    return entries


def acknowledge(session: Session, participant: Participant, reason: WatchReason, note: str,
                user: User, group_ids: Select[tuple[int]],
                day: datetime.date) -> WatchAcknowledgement | None:
    """Acknowledge one reason of the participant's, as raised now in the user's groups, with
    the user's note (audited). None when that reason is not raised (any more)."""
    raised = _unacknowledged(session, _flags(session, group_ids, day, participant.id))
    flag = next((f for f in raised.get(participant.id, ("", []))[1] if f.reason == reason), None)
    if flag is None:
        return None
    acknowledgement = WatchAcknowledgement(participant_id=participant.id, reason=reason,
                                           log_ids=flag.log_ids, note=note,
                                           acknowledged_by_id=user.id)
    session.add(acknowledgement)
    audit.record(session, "acknowledge-watch", "participant", participant.id,
                 detail={"reason": reason.value, "logs": flag.log_ids})
    return acknowledgement
