"""The audit trail is append-only in the database and tamper-evident through its hash chain."""

import datetime
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from curriculum import audit, db
from models import Role


@pytest.fixture
def trail(app: Flask, make_user: Callable, make_group: Callable, make_log: Callable) -> int:
    """A few chained events and one signed log; returns the log id."""
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    with app.app_context():
        session = db.get_session()
        audit.record(session, "view-log", "session-log", log_id, user_id=facilitator.id)
        session.commit()
    return log_id


def run_sql(app: Flask, *statements: str) -> None:
    with app.app_context(), db.engine().begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'nothing'",
                                       "DELETE FROM audit_events"])
def test_database_refuses_changes_to_audit_events(app: Flask, trail: int, statement: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        run_sql(app, statement)


@pytest.fixture
def unlock_audit_table(app: Flask) -> Iterator[list[str]]:
    """What an attacker with database access would run first. PostgreSQL's test database
    outlives the test, so its trigger is switched back on afterwards."""
    if app.config["DATABASE_URL"].startswith("sqlite"):
        yield ["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"]
        return
    yield ["ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"]
    run_sql(app, "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


def test_verify_passes_on_an_intact_trail(runner: FlaskCliRunner, trail: int) -> None:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert ("Audit trail intact: 3 events chained; 1 signed logs and 0 signed discharge "
            "summaries match") in result.output


def test_verify_finds_an_edited_event(app: Flask, runner: FlaskCliRunner, trail: int,
                                      unlock_audit_table: list[str]) -> None:
    run_sql(app, *unlock_audit_table,
            "UPDATE audit_events SET outcome = 'denied' WHERE id = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.strip() == "audit event 2: contents do not match its hash (it was altered)"


def test_verify_finds_a_deleted_event(app: Flask, runner: FlaskCliRunner, trail: int,
                                     unlock_audit_table: list[str]) -> None:
    run_sql(app, *unlock_audit_table, "DELETE FROM audit_events WHERE id = 2")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "audit event 3: previous-hash link broken" in result.output


def test_verify_finds_a_signed_note_changed_in_the_database(
    app: Flask, runner: FlaskCliRunner, trail: int
) -> None:
    run_sql(app, "UPDATE participant_notes SET engagement = 5")
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"session log {trail}: content no longer matches its signature hash" in result.output
