"""Invariants that hold whoever writes: a signed log refuses edits at the model layer."""

import datetime
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from curriculum import db, logbook
from curriculum.served_library import current_library
from models import (
    Addendum,
    Attendance,
    AttendanceStatus,
    Group,
    LockedLogError,
    LogState,
    ParticipantNote,
    Role,
    SessionLog,
    User,
)


@pytest.fixture
def draft_log_id(app: Flask, make_user: Callable, make_group: Callable) -> int:
    """A draft log started through the operations, for a group of one facilitator."""
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator])
    with app.app_context():
        session = db.get_session()
        log = logbook.start_log(session, session.get(Group, group.id), datetime.date(2026, 3, 4),
                                session.get(User, facilitator.id), [], current_library())
        session.commit()
        return log.id


@pytest.fixture
def signed_log_id(app: Flask, draft_log_id: int) -> int:
    """That log completed and signed through the operations (no views involved)."""
    with app.app_context():
        session = db.get_session()
        session_log = session.get(SessionLog, draft_log_id)
        session_log.summary = "Summary."
        for note in session_log.notes:
            note.fields = {"data": "d", "assessment": "a", "plan": "p"}
            note.engagement = 3
        session.flush()
        assert logbook.completeness_problems(session_log) == {}
        logbook.sign(session, session_log, session_log.created_by, {}, current_library())
        session.commit()
        return session_log.id


def mutate(app: Flask, log_id: int, change: Callable[[SessionLog], object]) -> None:
    with app.app_context():
        session = db.get_session()
        change(session.get(SessionLog, log_id))
        session.commit()


CHANGES = {
    "summary": lambda log: setattr(log, "summary", "rewritten"),
    "topics": lambda log: setattr(log, "topics", ["other"]),
    "minutes": lambda log: setattr(log, "minutes", 1),
    "note text": lambda log: setattr(log.notes[0], "fields", {"data": "rewritten"}),
    "note engagement": lambda log: setattr(log.notes[0], "engagement", 1),
    "attendance": lambda log: setattr(log.attendance[0], "status", AttendanceStatus.ABSENT),
    "attendance minutes": lambda log: setattr(log.attendance[0], "minutes_attended", 5),
    "new note": lambda log: log.notes.append(ParticipantNote(
        participant_id=log.attendance[0].participant_id + 1000, fields={})),
    "removed attendance": lambda log: log.attendance.pop(),
    "back to draft": lambda log: setattr(log, "state", LogState.DRAFT),
    "signature": lambda log: setattr(log, "signed_by_id", None),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_signed_log_refuses_every_edit(app: Flask, signed_log_id: int, change: Callable) -> None:
    with pytest.raises(LockedLogError):
        mutate(app, signed_log_id, change)
    with app.app_context():
        session_log = db.get_session().get(SessionLog, signed_log_id)
        assert session_log.compute_content_hash() == session_log.content_hash


def test_signed_log_cannot_be_deleted(app: Flask, signed_log_id: int) -> None:
    with app.app_context():
        session = db.get_session()
        session.delete(session.get(SessionLog, signed_log_id))
        with pytest.raises(LockedLogError):
            session.commit()


def test_allowed_transitions_and_addenda(app: Flask, signed_log_id: int) -> None:
    def cosign(log: SessionLog) -> None:
        log.state = LogState.COSIGNED
        log.cosigned_by_id = log.signed_by_id
        log.cosigned_at = log.signed_at

    def add_addendum(log: SessionLog) -> None:
        log.addenda.append(Addendum(author_id=log.signed_by_id, text="Late entry."))

    mutate(app, signed_log_id, add_addendum)
    mutate(app, signed_log_id, cosign)
    with pytest.raises(LockedLogError):
        mutate(app, signed_log_id, lambda log: setattr(log, "state", LogState.RETURNED))
    mutate(app, signed_log_id, lambda log: setattr(log, "state", LogState.VOIDED))
    with pytest.raises(LockedLogError):
        mutate(app, signed_log_id, lambda log: setattr(log, "state", LogState.DRAFT))


def test_returned_log_is_editable_again(app: Flask, signed_log_id: int) -> None:
    mutate(app, signed_log_id, SessionLog.mark_returned)
    mutate(app, signed_log_id, lambda log: setattr(log.notes[0], "engagement", 5))
    with app.app_context():
        returned = db.get_session().get(SessionLog, signed_log_id)
        assert returned.state == LogState.RETURNED and returned.content_hash is None
        assert returned.notes[0].engagement == 5
        assert len(db.get_session().scalars(select(Attendance)).all()) == 3


def test_returning_may_not_rewrite_content(app: Flask, signed_log_id: int) -> None:
    def return_and_edit(log: SessionLog) -> None:
        log.mark_returned()
        log.summary = "sneaked in"

    with pytest.raises(LockedLogError):
        mutate(app, signed_log_id, return_and_edit)


def test_stale_version_is_refused(app: Flask, draft_log_id: int) -> None:
    log_id = draft_log_id
    engine = app.extensions["engine"]
    with Session(engine, expire_on_commit=False) as first, \
            Session(engine, expire_on_commit=False) as second:
        b = second.get(SessionLog, log_id)  # the stale tab: version 1
        second.commit()
        a = first.get(SessionLog, log_id)
        a.summary = "first"
        first.commit()
        b.summary = "second"
        with pytest.raises(StaleDataError):
            second.commit()
    with app.app_context():
        assert db.get_session().get(SessionLog, log_id).summary == "first"


def test_flush_unless_stale_answers_stale_and_undoes_the_change(app: Flask,
                                                                draft_log_id: int) -> None:
    engine = app.extensions["engine"]
    with Session(engine, expire_on_commit=False) as first, \
            Session(engine, expire_on_commit=False) as second:
        stale = second.get(SessionLog, draft_log_id)
        second.commit()
        fresh = first.get(SessionLog, draft_log_id)
        assert db.flush_unless_stale(first, lambda: setattr(fresh, "summary", "first")) is None
        first.commit()

        def edit_stale() -> str:
            stale.summary = "second"
            return "edited"
        assert db.flush_unless_stale(second, edit_stale) is db.STALE
        assert not second.in_transaction() and not second.dirty
        again = second.get(SessionLog, draft_log_id)
        assert again.summary == "first"
        assert db.flush_unless_stale(second, edit_stale) == "edited"
        second.commit()
    with app.app_context():
        assert db.get_session().get(SessionLog, draft_log_id).summary == "second"


def test_repr_never_shows_note_text(app: Flask, signed_log_id: int) -> None:
    with app.app_context():
        session_log = db.get_session().get(SessionLog, signed_log_id)
        assert "d" not in repr(session_log.notes[0]).replace("id", "")
