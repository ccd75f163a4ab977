"""Saving and signing an 8-person session log on SQLite, in process (the Flask test client):
what the server spends between the facilitator's click and the answer. The password check of
the signing step-up (argon2, deliberately slow) is replaced by a stub, as the issue asks."""

import datetime
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from app import create_app
from bench.common import PASSWORD, filled_log_form, small_group
from bench.timing import Timing
from curriculum import db, schema
from tests.helpers import CSRF_RE

ROUNDS = 15


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-logbench-"))
    app = create_app({"SECRET_KEY": "log-" * 10,
                      "DATABASE_URL": f"sqlite:///{scratch}/log.sqlite3",
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    with app.app_context():
        schema.upgrade(db.engine())
        group_id = small_group().id
        db.get_session().commit()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"email": "facilitator@bench.test", "password": PASSWORD,
                                "csrf_token": token})
    token = CSRF_RE.search(client.get("/").get_data(as_text=True)).group(1)  # the new session's
    saves, signs = [], []
    with mock.patch("curriculum.sessions.verify_password", return_value=True):
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
    shutil.rmtree(scratch, ignore_errors=True)
    timings = {"save": Timing("save draft, 8 notes (SQLite)", saves),
               "sign": Timing("save and sign, 8 notes (SQLite, no argon2)", signs)}
    print(f"\nSession log, 8 participants (medians of {ROUNDS})")
    for timing in timings.values():
        print(timing.row())
    return {name: timing.as_dict() for name, timing in timings.items()}
