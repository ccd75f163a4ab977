"""Saving and signing an 8-person session log on SQLite, in process (the Flask test client):
what the server spends between the facilitator's click and the answer. The password check of
the signing step-up (argon2, deliberately slow) is replaced by a stub, as the issue asks."""

import datetime
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from app import create_app
from bench.timing import Timing
from curriculum import db, schema
from curriculum.cli import add_user
from models import Enrollment, Group, Modality, Participant, Role, User

ROUNDS = 15
PASSWORD = "bench password 2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" value="(\d+)"')
PARTICIPANT_RE = re.compile(r'name="status_(\d+)"')
NOTE = {"data": "Described a craving after a hard shift and rated it 6 of 10.",
        "assessment": "Engaged; linked the craving to fatigue and payday.",
        "plan": "Practise urge surfing daily; call a support before the weekend."}


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-logbench-"))
    app = create_app({"SECRET_KEY": "log-" * 10,
                      "DATABASE_URL": f"sqlite:///{scratch}/log.sqlite3",
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    with app.app_context():
        schema.upgrade(db.engine())
        add_user("facilitator@bench.test", "Fran Bench", Role.FACILITATOR, PASSWORD)
        session = db.get_session()
        group = Group(name="Bench group", meeting_days="mon,wed,thu",
                      start_time=datetime.time(18), minutes=180, modality=Modality.IN_PERSON,
                      track_slug="core-12-week")
        group.facilitators = [session.query(User).one()]
        session.add(group)
        for seat in range(8):
            session.add(Enrollment(group=group, admitted_on=datetime.date(2026, 1, 5),
                                   participant=Participant(display_name=f"Member {seat}",
                                                           record_number=f"B{seat:03d}")))
        session.commit()
        group_id = group.id
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
            form = {"csrf_token": token, "start_time": "18:00", "minutes": "180",
                    "version": VERSION_RE.search(page).group(1),
                    "summary": "Group practised urge surfing; each named a plan.",
                    "interventions": "Urge surfing"}
            for pid in PARTICIPANT_RE.findall(page):
                form |= {f"status_{pid}": "present", f"minutes_{pid}": "180",
                         f"engagement_{pid}": "4"}
                form |= {f"note_{pid}_{part}": text for part, text in NOTE.items()}
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
