"""backup while the app writes, restore into an empty instance: everything acknowledged before
the backup began is there, and the audit chain and signed logs verify."""

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from curriculum import audit, db
from models import AuditEvent, SessionLog


@pytest.fixture
def empty_target(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database of the same engine to restore into."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS groupwork_restore_test"))
        connection.execute(text("CREATE DATABASE groupwork_restore_test"))
    yield make_url(database_url).set(database="groupwork_restore_test").render_as_string(
        hide_password=False)
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS groupwork_restore_test WITH (FORCE)"))
    admin.dispose()


def test_backup_under_write_load_then_restore(
    app: Flask, runner: FlaskCliRunner, make_app: Callable, empty_target: str, tmp_path: Path
) -> None:
    assert runner.invoke(args=["seed-demo", "--password-stdin"],
                         input="demo password 12345\n").exit_code == 0
    acknowledged: list[int] = []
    stop = threading.Event()

    def keep_writing() -> None:
        with app.app_context():
            session = db.get_session()
            while not stop.is_set():
                db.begin_write(session)
                event_id = audit.record(session, "load-test", "thread", None)
                session.commit()
                acknowledged.append(event_id)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    while len(acknowledged) < 20:
        stop.wait(0.01)
    before_backup = max(acknowledged)
    target = tmp_path / "backups" / "groupwork.backup"
    result = runner.invoke(args=["backup", str(target)])
    stop.set()
    writer.join()
    assert result.exit_code == 0, result.output
    with app.app_context():
        logs_before = db.get_session().scalar(select(func.count()).select_from(SessionLog))

    restored_app = make_app(DATABASE_URL=empty_target)
    restored = restored_app.test_cli_runner().invoke(args=["restore", str(target)])
    assert restored.exit_code == 0, restored.output
    assert "audit events chained" in restored.output
    with restored_app.app_context():
        session = db.get_session()
        ids = set(session.scalars(select(AuditEvent.id)))
        assert set(range(1, before_backup + 1)) <= ids
        assert session.scalar(select(func.count()).select_from(SessionLog)) == logs_before
        assert audit.verify(session).problem is None
    again = restored_app.test_cli_runner().invoke(args=["restore", str(target)])
    assert again.exit_code == 1 and "already holds data" in again.output


def test_backup_refuses_to_overwrite(runner: FlaskCliRunner, tmp_path: Path) -> None:
    existing = tmp_path / "exists.backup"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_text() == "keep me"


def test_restore_refuses_something_that_is_not_a_backup(
    make_app: Callable, empty_target: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    result = make_app(DATABASE_URL=empty_target).test_cli_runner().invoke(
        args=["restore", str(junk)])
    assert result.exit_code == 1 and result.output.startswith("restore: ")
