"""Upgrading a database with real records: built at an early revision with signed logs and an
audit chain, upgraded to head, nothing lost or changed and everything still verifies.

The records are written as revision 0002's tables held them (today's models have columns those
tables lack), and each log's content hash as the code of that time computed it: a log signed
then must still verify under today's ``compute_content_hash``."""

import datetime
import hashlib
import json
from typing import Any

from sqlalchemy import column, func, insert, select, table
from sqlalchemy.sql.expression import TableClause

from app import create_app
from curriculum import audit, db, logbook, schema
from curriculum.passwords import hash_password
from models import (
    Addendum,
    Attendance,
    AuditEvent,
    Enrollment,
    Group,
    Participant,
    ParticipantNote,
    SessionLog,
    User,
    group_facilitators,
    utcnow,
)

COUNTED = (User, Group, Participant, Enrollment, SessionLog, Attendance, ParticipantNote,
           Addendum, AuditEvent)
NOTE = {"data": "d", "assessment": "a", "plan": "p"}


def early(model: Any, *names: str) -> TableClause:
    """A table as revision 0002 had it: only these columns, typed as the model types them."""
    return table(model.__tablename__,
                 *(column(name, model.__table__.c[name].type) for name in names))


def hash_as_signed_in_0002(log: dict[str, Any], people: list[int]) -> str:
    """The content hash the code of revision 0002 gave a log where everyone attended."""
    content = {
        "log": log["id"], "group": log["group_id"], "date": log["session_date"].isoformat(),
        "start": log["start_time"].isoformat(), "minutes": log["minutes"], "topics": [],
        "interventions": [], "summary": log["summary"], "summary_name_override": None,
        "signed_by": log["signed_by_id"], "signed_at": log["signed_at"].isoformat(),
        "attestation": log["attestation"],
        "attendance": [[pid, "present", 180] for pid in people],
        "notes": [[pid, sorted(NOTE.items()), 4, False, "", None] for pid in people],
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_upgrade_from_an_early_revision_keeps_every_record(
    app_config: dict[str, Any], empty_database_url: str
) -> None:
    app = create_app({**app_config, "DATABASE_URL": empty_database_url})
    with app.app_context():
        engine = db.engine()
        schema.upgrade(engine, "0001")
        schema.upgrade(engine, "0002")  # the first revision with session logs
        session = db.get_session()
        now = utcnow()
        session.execute(insert(early(
            User, "id", "email", "name", "role", "password_hash", "is_active",
            "is_password_temporary", "session_token", "failed_logins", "created_at")).values(
            id=1, email="f@example.org", name="Fran Facil", role="facilitator",
            password_hash=hash_password("a long password 1"), is_active=True,
            is_password_temporary=False, session_token="t" * 32, failed_logins=0,
            created_at=now))
        session.execute(insert(early(
            Group, "id", "name", "meeting_days", "start_time", "minutes", "modality",
            "note_format", "weekly_minimum_minutes", "is_archived", "created_at")).values(
            id=1, name="Evening IOP", meeting_days="mon,wed", start_time=datetime.time(18),
            minutes=180, modality="in-person", note_format="DAP", weekly_minimum_minutes=540,
            is_archived=False, created_at=now))
        session.execute(insert(group_facilitators).values(group_id=1, user_id=1))
        people = [1, 2, 3]
        for pid, name in zip(people, ("Ana P.", "Ben C.", "Cy D."), strict=True):
            session.execute(insert(early(
                Participant, "id", "display_name", "record_number", "created_at")).values(
                id=pid, display_name=name, record_number=f"R-{pid}", created_at=now))
            session.execute(insert(early(
                Enrollment, "group_id", "participant_id", "admitted_on")).values(
                group_id=1, participant_id=pid, admitted_on=datetime.date(2026, 3, 2)))
        log_table = early(SessionLog, "id", "group_id", "session_date", "start_time", "minutes",
                          "topics", "interventions", "summary", "state", "version",
                          "created_by_id", "created_at", "updated_at", "signed_by_id",
                          "signed_at", "attestation", "content_hash")
        for log_id, day in enumerate((2, 4, 9), start=1):
            signed_at = datetime.datetime(2026, 3, day, 21, tzinfo=datetime.UTC)
            log = {"id": log_id, "group_id": 1, "session_date": datetime.date(2026, 3, day),
                   "start_time": datetime.time(18), "minutes": 180, "summary": "Summary.",
                   "signed_by_id": 1, "signed_at": signed_at,
                   "attestation": f"{logbook.ATTESTATION} Signed by Fran Facil."}
            session.execute(insert(log_table).values(
                **log, topics=[], interventions=[], state="signed", version=3,
                created_by_id=1, created_at=signed_at, updated_at=signed_at,
                content_hash=hash_as_signed_in_0002(log, people)))
            for pid in people:
                session.execute(insert(early(
                    Attendance, "log_id", "participant_id", "status", "minutes_attended")).values(
                    log_id=log_id, participant_id=pid, status="present", minutes_attended=180))
                session.execute(insert(early(
                    ParticipantNote, "log_id", "participant_id", "fields", "engagement",
                    "is_safety_concern", "safety_follow_up")).values(
                    log_id=log_id, participant_id=pid, fields=NOTE, engagement=4,
                    is_safety_concern=False, safety_follow_up=""))
            session.execute(insert(early(
                Addendum, "log_id", "author_id", "created_at", "text")).values(
                log_id=log_id, author_id=1, created_at=signed_at, text="Late entry."))
            audit.record(session, "sign-log", "session-log", log_id, user_id=1)
            audit.record(session, "add-addendum", "session-log", log_id, user_id=1)
        session.commit()
        before = {model.__name__: session.scalar(select(func.count()).select_from(model))
                  for model in COUNTED}
        hashes = dict(session.execute(select(SessionLog.id, SessionLog.content_hash)).all())
        session.close()

        schema.upgrade(engine)
        session = db.get_session()
        assert schema.current_revision(engine) == schema.head_revision()
        after = {model.__name__: session.scalar(select(func.count()).select_from(model))
                 for model in COUNTED}
        assert after == before and before["SessionLog"] == 3 and before["ParticipantNote"] == 9
        for log_id, content_hash in hashes.items():
            assert session.get(SessionLog, log_id).compute_content_hash() == content_hash
        assert audit.verify(session) == audit.Verification(6, 3, None)
    app.extensions["engine"].dispose()
