"""Faults a deployment meets: the database locked by another process, a full disk, and the
server killed mid-write. Each must lose nothing that was acknowledged and half-save nothing."""

import datetime
import html
import http.client
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select, text
from werkzeug.datastructures import MultiDict

from curriculum import audit, db, schema
from models import AuditEvent, Group, ParticipantNote, Role, SessionLog, User
from tests.helpers import DAY, AuthActions, csrf_token, log_form_fields, start_log
from tests.web_client import Gunicorn, WebClient

HIDDEN_INPUT_RE = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
NOTE = "Named two cravings this week and the walk that helped with each of them."


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """A short lock wait, so a locked database is answered in a fraction of a second."""
    return {**app_config, "LOCK_TIMEOUT_MS": 300}


@pytest.fixture
def facilitator(make_user: Callable[..., User]) -> User:
    return make_user(Role.FACILITATOR, name="Fran Facil")


@pytest.fixture
def group(make_group: Callable[..., Group], facilitator: User) -> Group:
    return make_group(facilitators=[facilitator])


def snapshot(app: Flask, log_id: int) -> tuple[int, dict[int, dict], int]:
    """What a save could change: the log's version, its notes, and the audit trail's length."""
    with app.app_context():
        session = db.get_session()
        notes = session.scalars(select(ParticipantNote).where(ParticipantNote.log_id == log_id))
        return (session.get(SessionLog, log_id).version,
                {n.participant_id: dict(n.fields) for n in notes},
                session.scalar(select(func.count()).select_from(AuditEvent)))


def retry_form(page: str) -> MultiDict[str, str]:
    """The fields of the 503 page's "Try again" form."""
    return MultiDict([(name, html.unescape(value))
                      for name, value in HIDDEN_INPUT_RE.findall(page)])


# Another program holding the write lock: SQLite's whole-file write lock, or on PostgreSQL an
# EXCLUSIVE lock on session_logs (reads go on, writes to logs wait).
LOCKER = {
    "sqlite": "import sqlite3, sys\n"
              "connection = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "connection.execute('BEGIN IMMEDIATE')\n",
    "postgresql": "import psycopg, sys\n"
                  "connection = psycopg.connect(sys.argv[1])\n"
                  "connection.execute('LOCK TABLE session_logs IN EXCLUSIVE MODE')\n",
}


@contextmanager
def locked_by_another_process(app: Flask) -> Iterator[None]:
    url = app.extensions["engine"].url
    target = url.database if url.get_backend_name() == "sqlite" else (
        url.set(drivername="postgresql").render_as_string(hide_password=False))
    script = LOCKER[url.get_backend_name()] + "print('locked', flush=True)\nsys.stdin.readline()\n"
    with subprocess.Popen([sys.executable, "-c", script, target], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as locker:
        try:
            assert locker.stdout.readline().strip() == "locked"
            yield
        finally:
            locker.stdin.write("\n")
            locker.stdin.flush()


def test_database_locked_by_another_process_answers_503_with_the_text_kept(
        app: Flask, client: FlaskClient, facilitator: User, group: Group) -> None:
    AuthActions(client).login(facilitator.email)
    log_id = start_log(client, group, topics=())
    pid = group.participants[0].id  # type: ignore[attr-defined]
    before = snapshot(app, log_id)
    data = {**log_form_fields(app, log_id), f"note_{pid}_data": NOTE,
            "csrf_token": csrf_token(client, "/")}

    with locked_by_another_process(app):
        started = time.monotonic()
        response = client.post(f"/logs/{log_id}/edit", data=data)
        waited = time.monotonic() - started
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "Nothing from this request was saved" in page
        assert NOTE in page  # shown to copy, and carried by the retry form
        assert retry_form(page)[f"note_{pid}_data"] == NOTE
        autosave = client.post(f"/logs/{log_id}/edit", data=data, headers={"X-Autosave": "1"})
        assert autosave.status_code == 503
        assert "database is busy" in autosave.get_json()["message"]
    assert waited < 5  # the lock wait is bounded, not a hung page

    assert snapshot(app, log_id) == before  # nothing half-saved, not even an audit event
    retried = client.post(f"/logs/{log_id}/edit", data=retry_form(page))
    assert retried.status_code == 302
    version, notes, _ = snapshot(app, log_id)
    assert (version, notes[pid]["data"]) == (before[0] + 1, NOTE)


def test_reading_pages_while_locked_answers_503_not_an_error(
        app: Flask, client: FlaskClient, facilitator: User, group: Group) -> None:
    AuthActions(client).login(facilitator.email)
    log_id = start_log(client, group, topics=())
    with locked_by_another_process(app):
        response = client.get(f"/logs/{log_id}/edit")
        # Reading a note is audited, so it needs the write lock too; PostgreSQL's table lock
        # leaves the audit trail free, so the read goes through there.
        assert response.status_code in (200, 503)
        if response.status_code == 503:
            assert "reload this page" in response.get_data(as_text=True)
    assert client.get(f"/logs/{log_id}/edit").status_code == 200


def test_disk_full_answers_503_saves_nothing_and_recovers(
        app: Flask, client: FlaskClient, facilitator: User, group: Group) -> None:
    engine = app.extensions["engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("a full disk is simulated with SQLite's max_page_count; PostgreSQL would "
                    "need a tablespace on a small mounted filesystem")
    AuthActions(client).login(facilitator.email)
    log_id = start_log(client, group, topics=())
    pid = group.participants[0].id  # type: ignore[attr-defined]
    with engine.connect() as connection:
        pages = connection.execute(text("PRAGMA page_count")).scalar()

    def no_room_to_grow(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={int(pages)}")

    long_note = " ".join([NOTE] * 60)  # under the 5,000-character limit of a note part
    data = {**log_form_fields(app, log_id)}
    for participant in group.participants:  # type: ignore[attr-defined]
        for part in ("data", "assessment", "plan"):  # about 40 kB in all: new pages needed
            data[f"note_{participant.id}_{part}"] = long_note
    before = snapshot(app, log_id)
    event.listen(engine, "connect", no_room_to_grow)
    engine.dispose()
    try:
        response = client.post(f"/logs/{log_id}/edit",
                               data={**data, "csrf_token": csrf_token(client, "/")})
        assert response.status_code == 503
        assert html.escape(long_note[:200], quote=False) in response.get_data(as_text=True)
    finally:
        event.remove(engine, "connect", no_room_to_grow)
        engine.dispose()
    assert snapshot(app, log_id) == before
    retried = client.post(f"/logs/{log_id}/edit", data=retry_form(response.get_data(as_text=True)))
    assert retried.status_code == 302
    assert snapshot(app, log_id)[1][pid]["data"] == long_note
    with app.app_context():
        assert audit.verify(db.get_session()).problem is None


def test_server_killed_during_writes_loses_no_acknowledged_save(
        app: Flask, facilitator: User, group: Group, database_url: str, content_dir: Any) -> None:
    """Four writers save drafts as fast as they can; the server is SIGKILLed mid-stream and
    restarted. Each log holds its last acknowledged save (or the one in flight), and the
    database and audit trail check out."""
    server = Gunicorn({"DATABASE_URL": database_url, "SECRET_KEY": "k" * 64,
                       "GROUPWORK_CONTENT_DIRS": str(content_dir)})
    server.start()
    writers = []
    try:
        for number in range(4):
            client = WebClient(server.base_url)
            client.sign_in(facilitator.email)
            status, _ = client.request(f"/groups/{group.id}/logs", {
                "session_date": (DAY + datetime.timedelta(days=number)).isoformat(),
                "csrf_token": client.csrf_token("/")})
            assert status == 302
            writers.append(client)
        with app.app_context():
            log_ids = db.get_session().scalars(select(SessionLog.id).where(
                SessionLog.group_id == group.id).order_by(SessionLog.session_date)).all()
        acknowledged = {log_id: 0 for log_id in log_ids}
        stop = threading.Event()

        def write(client: WebClient, log_id: int) -> None:
            fields = log_form_fields(app, log_id)
            token = client.csrf_token("/")
            first_version = int(fields["version"])
            for round_number in range(1, 10_000):
                if stop.is_set():
                    return
                form = {**fields, "version": str(first_version + round_number - 1),
                        "summary": f"Round {round_number}.", "csrf_token": token}
                try:
                    status, _ = client.request(f"/logs/{log_id}/edit", form, timeout=10)
                except (OSError, http.client.HTTPException):  # the server is gone mid-answer:
                    # this save was never acknowledged
                    return
                assert status == 302, status
                acknowledged[log_id] = round_number

        threads = [threading.Thread(target=write, args=pair)
                   for pair in zip(writers, log_ids, strict=True)]
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        server.kill()
        stop.set()
        for thread in threads:
            thread.join()
        assert all(count > 0 for count in acknowledged.values()), acknowledged
        print(f"acknowledged saves per log when killed: {sorted(acknowledged.values())}")

        server.start()  # restarted on the same database
        assert WebClient(server.base_url).request("/healthz")[0] == 200
    finally:
        server.stop()

    with app.app_context():
        session = db.get_session()
        for log_id, count in acknowledged.items():
            saved = session.get(SessionLog, log_id)
            # The last acknowledged save, or the one that committed just before its answer
            # was cut off.
            assert saved.summary in (f"Round {count}.", f"Round {count + 1}."), (log_id, count)
        if session.get_bind().dialect.name == "sqlite":
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert audit.verify(session).problem is None
        assert schema.current_revision(session.get_bind()) == schema.head_revision()
