"""Upgrading a database with real records: built at an early revision with signed logs and an
audit chain, upgraded to head, nothing lost or changed and everything still verifies."""

import datetime
from typing import Any

from sqlalchemy import column, func, insert, select, table
from sqlalchemy.orm import load_only

from app import create_app
from curriculum import audit, db, logbook, schema
from curriculum.passwords import hash_password
from curriculum.served_library import current_library
from models import (
    Addendum,
    Attendance,
    AuditEvent,
    Enrollment,
    Group,
    Modality,
    Participant,
    ParticipantNote,
    Role,
    SessionLog,
    User,
    utcnow,
)

COUNTED = (User, Group, Participant, Enrollment, SessionLog, Attendance, ParticipantNote,
           Addendum, AuditEvent)


def test_upgrade_from_an_early_revision_keeps_every_record(
    app_config: dict[str, Any], empty_database_url: str
) -> None:
    app = create_app({**app_config, "DATABASE_URL": empty_database_url})
    with app.app_context():
        engine = db.engine()
        schema.upgrade(engine, "0001")
        schema.upgrade(engine, "0002")  # the first revision with session logs
        session = db.get_session()
        # The account as revision 0002 had it: the model's later columns are not there yet.
        early_users = table("users", *(column(name) for name in (
            "email", "name", "role", "password_hash", "is_active", "is_password_temporary",
            "session_token", "failed_logins", "created_at")))
        session.execute(insert(early_users).values(
            email="f@example.org", name="Fran Facil", role=Role.FACILITATOR.value,
            password_hash=hash_password("a long password 1"), is_active=True,
            is_password_temporary=False, session_token="t" * 32, failed_logins=0,
            created_at=utcnow()))
        facilitator = session.scalar(select(User).options(
            load_only(User.email, User.name, User.role, User.session_token)))
        group = Group(name="Evening IOP", meeting_days="mon,wed", minutes=180,
                      start_time=datetime.time(18), modality=Modality.IN_PERSON,
                      facilitators=[facilitator])
        session.add(group)
        for index, name in enumerate(("Ana P.", "Ben C.", "Cy D.")):
            session.add(Enrollment(group=group, admitted_on=datetime.date(2026, 3, 2),
                                   participant=Participant(display_name=name,
                                                           record_number=f"R-{index}")))
        session.flush()
        for day in (2, 4, 9):
            session_log = logbook.start_log(session, group, datetime.date(2026, 3, day),
                                            facilitator, [], current_library())
            session_log.summary = "Summary."
            for note in session_log.notes:
                note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 4
            session.flush()
            logbook.sign(session, session_log, facilitator, {}, current_library())
            logbook.add_addendum(session, session_log, facilitator, "Late entry.")
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
        assert after == before and before["SessionLog"] == 3
        for log_id, content_hash in hashes.items():
            assert session.get(SessionLog, log_id).compute_content_hash() == content_hash
        assert audit.verify(session).problem is None
    app.extensions["engine"].dispose()
