"""A program's ten years of records: 100 groups meeting three times a week, rolling rosters
(12-week stays, eight seats a group), every log state, about one million participant notes and
the audit events their logging and review wrote. Shaped like real use, so the page queries meet
real selectivity.

Rows go in through the driver (COPY on PostgreSQL, executemany on SQLite), converted by the
columns' own SQLAlchemy types: the ORM's per-row bookkeeping would triple the build.
"""

import datetime
import functools
import json
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, Engine, Table, Time, text

from bench.common import NOTE, PASSWORD
from curriculum.passwords import HASHERS, PRODUCTION
from models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
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
# One person in the first group stays longer, up to the last day: the participant page's
# 60 sessions (three a week).
LONG_STAY_WEEKS = 20
BATCH = 20_000
TOPICS = ["managing-cravings", "identifying-triggers", "healthy-communication",
          "emotional-regulation", "relapse-warning-signs", "sleep-in-recovery"]
# Stands in for the chain's hashes: nothing here verifies the chain.
HASH = "0" * 64


@dataclass
class Built:
    """What the benchmarks look things up by."""

    last_day: datetime.date
    supervisor_ids: list[int]
    group_ids: list[int]
    long_stay_id: int = 0  # the participant with LONG_STAY_WEEKS in the first group
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def facilitator_of(group_id: int) -> int:
    """The id of the group's facilitator (one each)."""
    return SUPERVISORS + 1 + group_id % FACILITATORS


def _state(day: datetime.date, last_day: datetime.date, rng: random.Random) -> LogState:
    """Old logs are co-signed (a few voided); the last fortnight awaits review; the last days
    are drafts; now and then one was returned."""
    age = (last_day - day).days
    if age <= 3:
        return LogState.DRAFT
    if age <= 14:
        return LogState.RETURNED if rng.random() < 0.05 else LogState.SIGNED
    return LogState.VOIDED if rng.random() < 0.005 else LogState.COSIGNED


@dataclass
class _Rows:
    """Rows for each table, as tuples in the order of ``columns``."""

    columns: dict[Table, tuple[str, ...]] = field(default_factory=dict)
    rows: dict[Table, list[tuple[Any, ...]]] = field(default_factory=dict)

    def table(self, model: Any, *columns: str) -> list[tuple[Any, ...]]:
        table = model.__table__ if hasattr(model, "__table__") else model
        self.columns[table] = columns
        return self.rows.setdefault(table, [])


def build(engine: Engine, last_day: datetime.date, seed: int = 7, groups: int = GROUPS,
          years: int = YEARS) -> Built:
    """Fill an empty, migrated database. Returns ids and row counts."""
    started = time.perf_counter()
    data, supervisor_ids, group_ids, long_stay_id = _records(last_day, random.Random(seed),
                                                             groups, years)
    if engine.dialect.name == "postgresql":
        _copy(engine, data)
    else:
        _insert(engine, data)
    counts = {name: len(data.rows[model.__table__]) for name, model in (
        ("participants", Participant), ("session logs", SessionLog),
        ("attendance", Attendance), ("participant notes", ParticipantNote),
        ("audit events", AuditEvent))}
    return Built(last_day, supervisor_ids, group_ids, long_stay_id, counts,
                 time.perf_counter() - started)


def _records(last_day: datetime.date, rng: random.Random, groups: int,
             years: int) -> tuple[_Rows, list[int], list[int], int]:
    first_day = last_day - datetime.timedelta(days=365 * years)
    now = datetime.datetime.combine(last_day, datetime.time(12), tzinfo=datetime.UTC)
    password_hash = HASHERS[PRODUCTION].hash(PASSWORD)
    data = _Rows()
    users = data.table(User, "id", "email", "name", "role", "password_hash", "is_active",
                       "is_password_temporary", "failed_logins", "session_token",
                       "must_enrol_second_factor", "created_at")
    supervisor_ids = list(range(1, SUPERVISORS + 1))
    facilitator_ids = list(range(SUPERVISORS + 1, SUPERVISORS + FACILITATORS + 1))
    for number, (user_id, role) in enumerate(
            [(n, Role.SUPERVISOR) for n in supervisor_ids]
            + [(n, Role.FACILITATOR) for n in facilitator_ids]):
        index = user_id - (1 if role == Role.SUPERVISOR else SUPERVISORS + 1)
        users.append((user_id, f"{role.value}{index}@scale.test",
                      f"{role.value.title()} {index}", role.value, password_hash, True, False,
                      0, f"t{number}", False, now))
    group_ids = list(range(1, groups + 1))
    data.table(Group, "id", "name", "meeting_days", "start_time", "minutes", "modality",
               "note_format", "track_slug", "weekly_minimum_minutes", "supervisor_id",
               "is_archived", "created_at").extend(
        (g, f"Scale group {g}", "mon,wed,thu", datetime.time(18), 180,
         Modality.IN_PERSON.value, NoteFormat.DAP.value, "core-12-week", 540,
         supervisor_ids[g % SUPERVISORS], False, now) for g in group_ids)
    data.table(group_facilitators, "group_id", "user_id").extend(
        (g, facilitator_of(g)) for g in group_ids)

    participants = data.table(Participant, "id", "display_name", "record_number", "created_at")
    enrollments = data.table(Enrollment, "group_id", "participant_id", "admitted_on",
                             "discharged_on")
    logs = data.table(SessionLog, "id", "group_id", "session_date", "start_time", "minutes",
                      "topics", "interventions", "summary", "state", "version",
                      "created_by_id", "created_at", "updated_at", "signed_by_id",
                      "signed_at", "attestation", "content_hash", "cosigned_by_id",
                      "cosigned_at", "void_reason")
    attendance = data.table(Attendance, "log_id", "participant_id", "status",
                            "minutes_attended")
    notes = data.table(ParticipantNote, "log_id", "participant_id", "fields", "engagement",
                       "is_safety_concern", "safety_follow_up")
    events: list[tuple[Any, ...]] = []  # numbered once in time order, as the chain is
    note_fields, interventions = json.dumps(NOTE), json.dumps(["Urge surfing"])
    topics = [json.dumps([slug]) for slug in TOPICS]
    log_id = 0
    for group_id in group_ids:
        facilitator = facilitator_of(group_id)
        supervisor = supervisor_ids[group_id % SUPERVISORS]
        # Rolling roster: a seat turns over every 12 weeks, seats staggered by a week.
        seats: list[list[tuple[int, datetime.date, datetime.date]]] = []
        for seat in range(SEATS):
            stays, start = [], first_day + datetime.timedelta(weeks=seat % STAY_WEEKS)
            while start <= last_day:
                end = start + datetime.timedelta(weeks=STAY_WEEKS) - datetime.timedelta(1)
                pid = len(participants) + 1
                participants.append((pid, f"P{pid}", f"S{pid:07d}", now))
                enrollments.append((group_id, pid, start, end if end < last_day else None))
                stays.append((pid, start, end))
                start = end + datetime.timedelta(1)
            seats.append(stays)
        if group_id == group_ids[0]:  # a ninth seat: the long stay
            long_stay_id = len(participants) + 1
            start = last_day - datetime.timedelta(weeks=LONG_STAY_WEEKS) + datetime.timedelta(1)
            participants.append((long_stay_id, f"P{long_stay_id}", f"S{long_stay_id:07d}", now))
            enrollments.append((group_id, long_stay_id, start, None))
            seats.append([(long_stay_id, start, last_day)])
        day = first_day
        while day <= last_day:
            if day.weekday() in MEETING_DAYS:
                log_id += 1
                state = _state(day, last_day, rng)
                signed = state != LogState.DRAFT
                created_at = datetime.datetime.combine(day, datetime.time(20),
                                                       tzinfo=datetime.UTC)
                signed_at = (datetime.datetime.combine(day, datetime.time(21),
                                                       tzinfo=datetime.UTC)
                             + datetime.timedelta(hours=rng.randint(1, 60)))
                cosigned_at = signed_at + datetime.timedelta(days=2)
                cosigned = state == LogState.COSIGNED
                logs.append((
                    log_id, group_id, day, datetime.time(18), 180,
                    topics[log_id % len(TOPICS)], interventions, "Group practised skills.",
                    state.value, 3, facilitator, signed_at, signed_at,
                    facilitator if signed else None, signed_at if signed else None,
                    "Signed." if signed else None, HASH if signed else None,
                    supervisor if cosigned else None, cosigned_at if cosigned else None,
                    "Logged for the wrong group." if state == LogState.VOIDED else None))
                events.append((created_at, facilitator, "view-group", "group", str(group_id),
                               "{}"))
                events.append((created_at, facilitator, "create-log", "session-log",
                               str(log_id), json.dumps({"group": group_id})))
                if signed:
                    events.append((signed_at, facilitator, "sign-log", "session-log",
                                   str(log_id), "{}"))
                if cosigned:
                    events.append((cosigned_at, supervisor, "cosign-log", "session-log",
                                   str(log_id), "{}"))
                for stays in seats:
                    pid = next((p for p, s, e in stays if s <= day <= e), None)
                    if pid is None:
                        continue
                    roll = rng.random()
                    status = (AttendanceStatus.ABSENT if roll < 0.12 else
                              AttendanceStatus.LATE if roll < 0.17 else
                              AttendanceStatus.PRESENT)
                    attended = status != AttendanceStatus.ABSENT
                    attendance.append((log_id, pid, status.value, 180 if attended else 0))
                    if attended:
                        notes.append((log_id, pid, note_fields, 4, rng.random() < 0.002, ""))
            day += datetime.timedelta(1)
    events.sort(key=lambda event: event[0])
    data.table(AuditEvent, "id", "at", "user_id", "action", "object_type", "object_id",
               "outcome", "detail", "prev_hash", "hash").extend(
        (number, *event[:5], "ok", event[5], HASH, HASH)
        for number, event in enumerate(events, start=1))
    return data, supervisor_ids, group_ids, long_stay_id


def _copy(engine: Engine, data: _Rows) -> None:
    """PostgreSQL: COPY each table, then move each id sequence past the ids given. Foreign
    keys are not checked row by row (the rows are consistent by construction, and the checks
    would take most of the build)."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, rows in data.rows.items():
            columns = ", ".join(data.columns[table])
            with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in data.columns[table]:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f"(SELECT max(id) FROM {table.name}))")
        connection.commit()
    finally:
        connection.close()


def _insert(engine: Engine, data: _Rows) -> None:
    """SQLite: executemany, each date, time and timestamp written as its column's type
    writes it."""
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("BEGIN")
        for table, rows in data.rows.items():
            columns = data.columns[table]
            convert = [_writer(table.c[name].type, engine) for name in columns]
            statement = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
                         f"VALUES ({', '.join('?' * len(columns))})")
            for start in range(0, len(rows), BATCH):
                cursor.executemany(statement, _converted(rows[start:start + BATCH], convert))
        cursor.execute("COMMIT")
    finally:
        connection.close()


def _writer(type_: Any, engine: Engine) -> Callable[[Any], Any] | None:
    """The column type's own conversion for dates, times and timestamps (memoized: most
    repeat); None for the rest, which the dataset already gives in stored form."""
    if not isinstance(getattr(type_, "impl_instance", type_), Date | Time | DateTime):
        return None
    process = type_.dialect_impl(engine.dialect).bind_processor(engine.dialect)
    return functools.lru_cache(maxsize=65_536)(process) if process else None


def _converted(rows: Iterable[tuple[Any, ...]],
               convert: list[Callable[[Any], Any] | None]) -> Iterable[tuple[Any, ...]]:
    active = [(i, f) for i, f in enumerate(convert) if f is not None]
    for row in rows:
        values = list(row)
        for i, process in active:
            if values[i] is not None:
                values[i] = process(values[i])
        yield tuple(values)


def analyze(engine: Engine) -> None:
    """Fresh statistics and visibility maps, as a maintained database has (autovacuum, or
    SQLite's ANALYZE after a bulk load)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE)"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
