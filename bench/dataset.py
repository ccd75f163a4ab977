"""A program's ten years of records, built by bulk inserts: 100 groups meeting three times a
week, rolling rosters (12-week stays, eight seats a group), every log state, about one
million participant notes. Shaped like real use, so the page queries meet real selectivity.
"""

import datetime
import random
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, insert

from bench.common import NOTE, PASSWORD
from curriculum.passwords import HASHERS, PRODUCTION
from models import (
    Attendance,
    AttendanceStatus,
    Enrollment,
    Group,
    LogState,
    Modality,
    NoteFormat,
    Participant,
    ParticipantNote,
    Role,
    SessionLog,
    User,
    group_facilitators,
)

GROUPS, SUPERVISORS, FACILITATORS = 100, 10, 50
YEARS = 10
MEETING_DAYS = (0, 2, 3)  # Monday, Wednesday, Thursday
STAY_WEEKS = 12
SEATS = 8
BATCH = 20_000
TOPICS = ["managing-cravings", "identifying-triggers", "healthy-communication",
          "emotional-regulation", "relapse-warning-signs", "sleep-in-recovery"]


@dataclass
class Built:
    """What the benchmarks look things up by."""

    last_day: datetime.date
    supervisor_ids: list[int]
    group_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _state(day: datetime.date, last_day: datetime.date, rng: random.Random) -> LogState:
    """Old logs are co-signed (a few voided); the last fortnight awaits review; the last days
    are drafts; now and then one was returned."""
    age = (last_day - day).days
    if age <= 3:
        return LogState.DRAFT
    if age <= 14:
        return LogState.RETURNED if rng.random() < 0.05 else LogState.SIGNED
    return LogState.VOIDED if rng.random() < 0.005 else LogState.COSIGNED


def build(engine: Engine, last_day: datetime.date, seed: int = 7) -> Built:
    """Fill an empty, migrated database. Returns ids and row counts."""
    started = time.perf_counter()
    rng = random.Random(seed)
    first_day = last_day - datetime.timedelta(days=365 * YEARS)
    now = datetime.datetime.combine(last_day, datetime.time(12), tzinfo=datetime.UTC)
    password_hash = HASHERS[PRODUCTION].hash(PASSWORD)
    with engine.begin() as connection:
        def add(model: Any, rows: list[dict[str, Any]]) -> None:
            table = model.__table__ if hasattr(model, "__table__") else model
            for start in range(0, len(rows), BATCH):
                connection.execute(insert(table), rows[start:start + BATCH])

        staff = ([{"id": n + 1, "email": f"supervisor{n}@scale.test", "name": f"Supervisor {n}",
                   "role": Role.SUPERVISOR} for n in range(SUPERVISORS)]
                 + [{"id": SUPERVISORS + n + 1, "email": f"facilitator{n}@scale.test",
                     "name": f"Facilitator {n}", "role": Role.FACILITATOR}
                    for n in range(FACILITATORS)])
        add(User, [{**row, "password_hash": password_hash, "is_active": True,
                    "is_password_temporary": False, "failed_logins": 0, "session_token": f"t{i}",
                    "created_at": now} for i, row in enumerate(staff)])
        supervisor_ids = [n + 1 for n in range(SUPERVISORS)]
        facilitator_ids = [SUPERVISORS + n + 1 for n in range(FACILITATORS)]
        group_ids = list(range(1, GROUPS + 1))
        add(Group, [{"id": g, "name": f"Scale group {g}", "meeting_days": "mon,wed,thu",
                     "start_time": datetime.time(18), "minutes": 180,
                     "modality": Modality.IN_PERSON, "note_format": NoteFormat.DAP,
                     "track_slug": "core-12-week", "weekly_minimum_minutes": 540,
                     "supervisor_id": supervisor_ids[g % SUPERVISORS], "is_archived": False,
                     "created_at": now} for g in group_ids])
        add(group_facilitators, [{"group_id": g, "user_id": facilitator_ids[g % FACILITATORS]}
                                 for g in group_ids])

        participants, enrollments, logs, attendance, notes = [], [], [], [], []
        log_id = 0
        for group_id in group_ids:
            # Rolling roster: a seat turns over every 12 weeks, seats staggered by a week.
            seats: list[list[tuple[int, datetime.date, datetime.date]]] = []
            for seat in range(SEATS):
                stays, start = [], first_day + datetime.timedelta(weeks=seat % STAY_WEEKS)
                while start <= last_day:
                    end = start + datetime.timedelta(weeks=STAY_WEEKS) - datetime.timedelta(1)
                    pid = len(participants) + 1
                    participants.append({"id": pid, "display_name": f"P{pid}",
                                         "record_number": f"S{pid:07d}", "created_at": now})
                    enrollments.append({"group_id": group_id, "participant_id": pid,
                                        "admitted_on": start,
                                        "discharged_on": end if end < last_day else None})
                    stays.append((pid, start, end))
                    start = end + datetime.timedelta(1)
                seats.append(stays)
            day = first_day
            while day <= last_day:
                if day.weekday() in MEETING_DAYS:
                    log_id += 1
                    state = _state(day, last_day, rng)
                    signed = state not in (LogState.DRAFT,)
                    signed_at = (datetime.datetime.combine(day, datetime.time(21),
                                                           tzinfo=datetime.UTC)
                                 + datetime.timedelta(hours=rng.randint(1, 60)))
                    logs.append({
                        "id": log_id, "group_id": group_id, "session_date": day,
                        "start_time": datetime.time(18), "minutes": 180,
                        "topics": [TOPICS[log_id % len(TOPICS)]],
                        "interventions": ["Urge surfing"], "summary": "Group practised skills.",
                        "state": state, "version": 3, "created_by_id": facilitator_ids[
                            group_id % FACILITATORS], "created_at": signed_at,
                        "updated_at": signed_at,
                        "signed_by_id": facilitator_ids[group_id % FACILITATORS]
                        if signed else None,
                        "signed_at": signed_at if signed else None,
                        "attestation": "Signed." if signed else None,
                        "content_hash": "0" * 64 if signed else None,
                        "cosigned_by_id": supervisor_ids[group_id % SUPERVISORS]
                        if state == LogState.COSIGNED else None,
                        "cosigned_at": signed_at + datetime.timedelta(days=2)
                        if state == LogState.COSIGNED else None,
                        "void_reason": "Logged for the wrong group."
                        if state == LogState.VOIDED else None})
                    for stays in seats:
                        pid = next((p for p, s, e in stays if s <= day <= e), None)
                        if pid is None:
                            continue
                        roll = rng.random()
                        status = (AttendanceStatus.ABSENT if roll < 0.12 else
                                  AttendanceStatus.LATE if roll < 0.17 else
                                  AttendanceStatus.PRESENT)
                        attended = status != AttendanceStatus.ABSENT
                        attendance.append({"log_id": log_id, "participant_id": pid,
                                           "status": status,
                                           "minutes_attended": 180 if attended else 0})
                        if attended:
                            notes.append({"log_id": log_id, "participant_id": pid,
                                          "fields": NOTE, "engagement": 4,
                                          "is_safety_concern": rng.random() < 0.002,
                                          "safety_follow_up": ""})
                day += datetime.timedelta(1)
        add(Participant, participants)
        add(Enrollment, enrollments)
        add(SessionLog, logs)
        add(Attendance, attendance)
        add(ParticipantNote, notes)
    counts = {"participants": len(participants), "session logs": len(logs),
              "attendance": len(attendance), "participant notes": len(notes)}
    return Built(last_day, supervisor_ids, group_ids, counts, time.perf_counter() - started)
