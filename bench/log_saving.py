"""Saving and signing an 8-person session log on SQLite, in process (the Flask test client):
what the server spends between the facilitator's click and the answer. The password check of
the signing step-up (argon2, deliberately slow) is replaced by a stub, as the issue asks.

Then opening the log page, taken apart: the whole GET against a minimal view behind the same
sign-in checks, and its three parts (reading the log, the audited access, the form)."""

import datetime
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from flask import Flask
from flask.testing import FlaskClient
from flask_login import login_user

from app import create_app
from bench.common import PASSWORD, filled_log_form, small_group
from bench.timing import Timing, measure
from curriculum import audit, db, log_form, schema, sessions
from curriculum.access import WHOLE_LOG
from models import SessionLog, User
from tests.helpers import csrf_token

ROUNDS = 15
PAGE_ROUNDS = 60


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-logbench-"))
    app = create_app({"SECRET_KEY": "log-" * 10,
                      "DATABASE_URL": f"sqlite:///{scratch}/log.sqlite3",
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")  # see log_page_parts
    with app.app_context():
        schema.upgrade(db.engine())
        group_id = small_group().id
        db.get_session().commit()
    client = app.test_client()
    client.post("/login", data={"email": "facilitator@bench.test", "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    token = csrf_token(client, "/")  # the new session's
    saves, signs = [], []
    with mock.patch("curriculum.step_up.verify_password", return_value=True):
        for number in range(ROUNDS + 2):  # the first two are warm-up
            day = datetime.date(2026, 3, 2) + datetime.timedelta(days=number)
            started = client.post(f"/groups/{group_id}/logs", data={
                "session_date": day.isoformat(), "csrf_token": token})
            edit = started.headers["Location"]
            page = client.get(edit).get_data(as_text=True)
            form = filled_log_form(page, token)
            clock = time.perf_counter()
            assert client.post(edit, data={**form, "action": "save"}).status_code == 302
            saved = time.perf_counter()
            form["version"] = str(int(form["version"]) + 1)
            answer = client.post(edit, data={**form, "action": "sign", "password": "x"})
            signed = time.perf_counter()
            assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
            if number >= 2:
                saves.append(saved - clock)
                signs.append(signed - saved)
    timings = {"save": Timing("save draft, 8 notes (SQLite)", saves),
               "sign": Timing("save and sign, 8 notes (SQLite, no argon2)", signs)}
    print(f"\nSession log, 8 participants (medians of {ROUNDS})")
    for timing in timings.values():
        print(timing.row())
    with mock.patch("curriculum.step_up.verify_password", return_value=True):
        page = log_page_parts(app, client, draft_with_notes(client, group_id, token))
    shutil.rmtree(scratch, ignore_errors=True)
    return {name: timing.as_dict() for name, timing in (timings | page).items()}


def draft_with_notes(client: FlaskClient, group_id: int, token: str) -> int:
    """A saved, unsigned log with a note for each of the eight; returns its id."""
    started = client.post(f"/groups/{group_id}/logs", data={
        "session_date": "2026-04-01", "csrf_token": token})
    edit = started.headers["Location"]
    form = filled_log_form(client.get(edit).get_data(as_text=True), token)
    assert client.post(edit, data={**form, "action": "save"}).status_code == 302
    return int(edit.split("/")[-2])


def log_page_parts(app: Flask, client: FlaskClient, log_id: int) -> dict[str, Timing]:
    """The log page's GET and what it spends its time on, against a minimal view added to the
    same app (its sign-in and session checks, nothing more)."""
    with app.app_context():
        user_id = db.get_session().get(SessionLog, log_id).created_by_id

    def get(path: str) -> None:
        assert client.get(path).status_code == 200

    timings = {
        "page": measure("log page GET, whole (8 people)", lambda: get(f"/logs/{log_id}/edit"),
                        PAGE_ROUNDS, warmup=5),
        "hello": measure("signed-in hello, same app", lambda: get("/bench/hello"), PAGE_ROUNDS,
                         warmup=5)}
    with app.test_request_context(f"/logs/{log_id}/edit"):
        session = db.get_session()
        login_user(session.get(User, user_id))
        session.commit()
        loaded: list[SessionLog] = []

        def read() -> None:
            session.expunge_all()
            session.rollback()
            loaded[:] = [session.get(SessionLog, log_id, options=WHOLE_LOG)]
            session.commit()

        def audited() -> None:
            db.begin_write(session)
            audit.record(session, "view-log", "session-log", log_id, detail={"group": 1})
            session.commit()

        timings["read"] = measure("  read the log (5 statements, ORM)", read, PAGE_ROUNDS, 5)
        timings["audit"] = measure("  record the access (audit append, commit)", audited,
                                   PAGE_ROUNDS, 5)
        timings["form"] = measure(
            "  the form (roster, goal and check-in queries, template)",
            lambda: sessions._render_edit(loaded[0], log_form.values_from_log(loaded[0])),
            PAGE_ROUNDS, 5)
    print(f"Opening the log page, in process (medians of {PAGE_ROUNDS})")
    for name in ("page", "read", "audit", "form"):
        print(timings[name].row(timings["hello"] if name == "page" else None))
    print(timings["hello"].row())
    return timings
