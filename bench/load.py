"""Load: 50 simulated users for a bounded time against gunicorn (gunicorn.conf.py, on loopback):
40 facilitators logging and signing sessions, 8 supervisors reviewing and co-signing, 2 staff
printing handouts and log PDFs. Reports unexpected answers (any 5xx), p50/p95 per action, and
checks that every acknowledged write is a row in the database.

    python -m bench.load [--seconds 60] [--json PATH]   (SQLite; TEST_DATABASE_URL: PostgreSQL)
"""

# Locust runs on gevent and patches the standard library when imported: it comes first.
from locust import HttpUser, between, events, task  # isort: skip

import argparse
import datetime
import itertools
import json
import os
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from sqlalchemy import func, select

from app import create_app
from bench.common import NOTE, PASSWORD, VERSION_RE, filled_log_form
from curriculum import audit, db, logbook, schema
from curriculum.passwords import HASHERS, PRODUCTION
from curriculum.served_library import current_library
from curriculum.settings import PROJECT_ROOT
from models import (
    Enrollment,
    Group,
    LogReview,
    LogState,
    Modality,
    Participant,
    ReviewAction,
    Role,
    SessionLog,
    User,
)
from tests.helpers import CSRF_RE, reset_postgres
from tests.web_client import Gunicorn

FACILITATORS, SUPERVISORS, PRINTERS = 40, 8, 2
GROUP_SIZE = 8
SIGNED_PER_GROUP = 3  # waiting for co-signature when the run starts
REVIEW_LINK_RE = re.compile(r'href="/review/logs/(\d+)"')

# What the simulated users were told was saved, and every status they saw.
acknowledged: Counter[str] = Counter()
statuses: Counter[int] = Counter()
accounts: dict[str, list[dict[str, Any]]] = {}


@events.request.add_listener
def _count_status(response: Any = None, **_: Any) -> None:
    if response is not None:
        statuses[response.status_code] += 1


def seed(app: Any) -> dict[str, list[dict[str, Any]]]:
    """Staff, one group per facilitator with 8 people, signed logs waiting for supervisors."""
    # One hash for all: sign-in cost is still paid.
    password_hash = HASHERS[PRODUCTION].hash(PASSWORD)
    admitted = datetime.date(2019, 1, 7)
    with app.app_context():
        session = db.get_session()

        def person(role: Role, number: int) -> User:
            user = User(email=f"{role.value}{number}@load.test", name=f"{role.value} {number}",
                        role=role, password_hash=password_hash)
            session.add(user)
            return user

        supervisors = [person(Role.SUPERVISOR, n) for n in range(SUPERVISORS)]
        facilitators = [person(Role.FACILITATOR, n) for n in range(FACILITATORS)]
        printers = [person(Role.FACILITATOR, FACILITATORS + n) for n in range(PRINTERS)]
        groups = []
        for number, facilitator in enumerate(facilitators):
            group = Group(name=f"Load group {number}", meeting_days="mon,wed,thu",
                          start_time=datetime.time(18, 0), minutes=180,
                          modality=Modality.IN_PERSON, track_slug="core-12-week")
            group.facilitators = [facilitator] + (printers if number < PRINTERS else [])
            group.supervisor = supervisors[number % SUPERVISORS]
            session.add(group)
            for seat in range(GROUP_SIZE):
                participant = Participant(display_name=f"Member {number}-{seat}",
                                          record_number=f"L{number:03d}-{seat:02d}")
                session.add(Enrollment(group=group, participant=participant,
                                       admitted_on=admitted))
            groups.append(group)
        session.flush()
        signed_logs: dict[int, list[int]] = {}
        for group, facilitator in zip(groups, facilitators, strict=True):
            for week in range(SIGNED_PER_GROUP):
                day = datetime.date(2019, 6, 3) + datetime.timedelta(weeks=week)
                log = logbook.start_log(session, group, day, facilitator, [], current_library())
                log.summary = "Group practised urge surfing and shared one plan each."
                for note in log.notes:
                    note.fields, note.engagement = dict(NOTE), 4
                session.flush()
                logbook.sign(session, log, facilitator, {}, current_library())
                signed_logs.setdefault(group.id, []).append(log.id)
        session.commit()
        return {
            "facilitator": [{"email": f.email, "group": g.id}
                            for f, g in zip(facilitators, groups, strict=True)],
            "supervisor": [{"email": s.email,
                            "groups": [g.id for g in groups if g.supervisor_id == s.id]}
                           for s in supervisors],
            "printer": [{"email": p.email, "logs": signed_logs[groups[n].id],
                         "topics": sorted(topic.slug for topic in current_library())}
                        for n, p in enumerate(printers)],
        }


class Staff(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        self.account = accounts[self.role].pop()
        page = self.client.get("/login", name="sign-in page").text
        self.post("/login", "sign in", {"email": self.account["email"], "password": PASSWORD,
                                        "csrf_token": CSRF_RE.search(page).group(1)})
        self.token = CSRF_RE.search(self.client.get("/", name="home").text).group(1)

    def post(self, path: str, name: str, data: dict[str, Any]) -> Any:
        """POST without following the redirect: the 302 is the acknowledgement."""
        with self.client.post(path, data=data, name=name, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"{name}: answered {response.status_code}")
            return response

    def pause(self) -> None:
        """A person reading or typing between steps."""
        gevent.sleep(random.uniform(0.3, 1.0))


class Facilitator(Staff):
    """Logs a session (start, save a draft, sign with the password) again and again."""

    fixed_count = FACILITATORS
    role = "facilitator"
    wait_time = between(1, 3)
    days = itertools.count(1)

    @task
    def log_a_session(self) -> None:
        day = datetime.date.today() - datetime.timedelta(days=next(self.days))
        started = self.post(f"/groups/{self.account['group']}/logs", "start a log",
                            {"session_date": day.isoformat(), "csrf_token": self.token})
        if started.status_code != 302:
            return
        acknowledged["logs started"] += 1
        edit_path = started.headers["Location"]
        form = self.form(edit_path)
        self.pause()
        if self.post(edit_path, "save draft", {**form, "action": "save"}).status_code == 302:
            acknowledged["drafts saved"] += 1
        self.pause()
        form = self.form(edit_path)
        signed = self.post(edit_path, "save and sign",
                           {**form, "action": "sign", "password": PASSWORD})
        if signed.status_code == 302:
            acknowledged["logs signed"] += 1

    def form(self, edit_path: str) -> dict[str, Any]:
        """The log page, filled in: everyone present, a note each, a group summary."""
        return filled_log_form(self.client.get(edit_path, name="log page").text, self.token)


class Supervisor(Staff):
    """Works the review queue: opens the oldest signed log and co-signs it; reads hours."""

    fixed_count = SUPERVISORS
    role = "supervisor"
    wait_time = between(2, 5)

    @task(3)
    def cosign_next(self) -> None:
        queue = self.client.get("/review/", name="review queue").text
        waiting = REVIEW_LINK_RE.findall(queue)
        if not waiting:
            return
        log_id = random.choice(waiting[:5])
        page = self.client.get(f"/review/logs/{log_id}", name="review a log").text
        self.pause()
        answer = self.post(f"/review/logs/{log_id}/cosign", "co-sign",
                           {"attest": "1", "version": VERSION_RE.search(page).group(1),
                            "password": PASSWORD, "csrf_token": self.token})
        if answer.headers.get("Location", "").rstrip("/").endswith("/review"):
            acknowledged["logs co-signed"] += 1

    @task(1)
    def hours(self) -> None:
        group_id = random.choice(self.account["groups"])
        self.client.get(f"/reports/groups/{group_id}/hours", name="hours report")


class Printer(Staff):
    """Prints handouts (cached after the first) and signed logs (rendered every time)."""

    fixed_count = PRINTERS
    role = "printer"
    wait_time = between(2, 6)

    @task(3)
    def handout(self) -> None:
        slug = random.choice(self.account["topics"])
        self.client.get(f"/topics/{slug}/handout.pdf", name="handout PDF")

    @task(1)
    def log_pdf(self) -> None:
        log_id = random.choice(self.account["logs"])
        self.client.get(f"/logs/{log_id}/log.pdf", name="log PDF")


def count_rows(app: Any, since: datetime.datetime) -> dict[str, int]:
    with app.app_context():
        session = db.get_session()
        new_logs = select(SessionLog).where(SessionLog.created_at >= since).subquery()
        return {
            "logs started": session.scalar(select(func.count()).select_from(new_logs)),
            "logs signed": session.scalar(select(func.count()).select_from(new_logs).where(
                new_logs.c.state.in_([LogState.SIGNED, LogState.COSIGNED]))),
            "logs co-signed": session.scalar(select(func.count()).select_from(LogReview).where(
                LogReview.action == ReviewAction.COSIGNED)),
            "audit chain ok": int(audit.verify(session).problem is None),
        }


def run(seconds: int = 60) -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-load-"))
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{scratch}/load.sqlite3"
    app = create_app({"SECRET_KEY": "load-" * 8, "DATABASE_URL": database_url,
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    with app.app_context():
        if database_url.startswith("postgresql"):
            reset_postgres(database_url)
        schema.upgrade(db.engine())
    accounts.update(seed(app))
    since = datetime.datetime.now(datetime.UTC)
    server = Gunicorn({"DATABASE_URL": database_url, "SECRET_KEY": "load-" * 8},
                      options=("--config", str(PROJECT_ROOT / "gunicorn.conf.py")))
    server.start()
    try:
        # On stop, each user finishes the journey under way: a write is either answered
        # (and counted) or never sent.
        environment = Environment(user_classes=[Facilitator, Supervisor, Printer],
                                  host=server.base_url, events=events, stop_timeout=60)
        runner = environment.create_local_runner()
        runner.start(FACILITATORS + SUPERVISORS + PRINTERS, spawn_rate=10)
        started = time.monotonic()
        gevent.sleep(seconds)
        runner.quit()
        elapsed = time.monotonic() - started
    finally:
        server.stop()
    rows = count_rows(app, since)
    app.extensions["engine"].dispose()
    shutil.rmtree(scratch, ignore_errors=True)
    return report(environment, rows, elapsed, engine=database_url.split(":")[0])


def report(environment: Environment, rows: dict[str, int], elapsed: float,
           engine: str) -> dict[str, Any]:
    actions = {}
    print(f"\nLoad: {FACILITATORS + SUPERVISORS + PRINTERS} users for {elapsed:.0f} s against "
          f"gunicorn (gunicorn.conf.py, 2 workers) on {engine}")
    print(f"{'action':18} {'requests':>8} {'failed':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for (name, _method), entry in sorted(environment.stats.entries.items()):
        actions[name] = {"requests": entry.num_requests, "failures": entry.num_failures,
                         "p50_ms": entry.get_response_time_percentile(0.5),
                         "p95_ms": entry.get_response_time_percentile(0.95)}
        print(f"{name:18} {entry.num_requests:8} {entry.num_failures:6} "
              f"{actions[name]['p50_ms']:7.0f} {actions[name]['p95_ms']:7.0f}")
    server_errors = sum(count for status, count in statuses.items() if status >= 500)
    print(f"answers by status: {dict(sorted(statuses.items()))}; 5xx: {server_errors}")
    matches = {key: {"acknowledged": acknowledged[key], "in database": rows[key]}
               for key in ("logs started", "logs signed", "logs co-signed")}
    for key, pair in matches.items():
        verdict = "equal" if pair["acknowledged"] == pair["in database"] else "DIFFERENT"
        print(f"{key:15} acknowledged {pair['acknowledged']:5}, in database "
              f"{pair['in database']:5}: {verdict}")
    print(f"drafts saved (acknowledged): {acknowledged['drafts saved']}; audit chain "
          f"{'verifies' if rows['audit chain ok'] else 'BROKEN'}")
    return {"seconds": elapsed, "engine": engine, "actions": actions,
            "statuses": dict(statuses), "server_errors": server_errors, "writes": matches,
            "audit_chain_ok": bool(rows["audit chain ok"]),
            "ok": server_errors == 0 and rows["audit chain ok"] == 1 and all(
                pair["acknowledged"] == pair["in database"] for pair in matches.values())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    arguments = parser.parse_args()
    result = run(arguments.seconds)
    if arguments.json:
        arguments.json.write_text(json.dumps(result, indent=2))
    raise SystemExit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
