"""How long an approval takes to reach every worker: two instances of gunicorn.conf.py (two
workers each) on one database; a version approved through the app's operations (as the
approving instance would), then each worker's topic page read until it shows the new text.
SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.

    python -m bench.propagation
"""

import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask

from app import create_app
from bench.common import PASSWORD, approve_revision, curriculum_people, small_group
from curriculum import db, schema
from curriculum.settings import PROJECT_ROOT
from models import User
from tests.helpers import reset_postgres
from tests.web_client import Gunicorn, WebClient

SLUG = "managing-cravings"
APPROVALS = 5  # medians of these
TARGET_SECONDS = 5.0
GIVE_UP_SECONDS = 30.0
INSTANCES, WORKERS = 2, 2
READERS = 4  # per instance, so that no worker sits idle while another answers


def prepare(url: str) -> tuple[Flask, int, int]:
    """A migrated database with a facilitator (reading) and the curriculum's editor and
    approver (changing the topic); returns the app and the editor's and approver's ids."""
    app = create_app({"SECRET_KEY": "propagation-" * 4, "DATABASE_URL": url})
    if url.startswith("postgresql"):
        reset_postgres(url)
    with app.app_context():
        schema.upgrade(db.engine())
        small_group()
        editor, approver = curriculum_people()
        db.get_session().commit()
        return app, editor.id, approver.id


def read(client: WebClient) -> tuple[int, str]:
    """The topic page, and the pid of the worker that answered (bench.apps.labelled_app)."""
    with client.opener.open(f"{client.base_url}/topics/{SLUG}", timeout=10) as response:
        return int(response.headers["X-Worker"]), response.read().decode()


def until_every_worker(clients: list[WebClient], shows: str, workers: int) -> dict[int, float]:
    """Read the page from READERS threads per instance until ``workers`` distinct workers have
    each answered with ``shows`` in it; returns when each first did (monotonic seconds)."""
    first_shown: dict[int, float] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + GIVE_UP_SECONDS

    def reader(client: WebClient) -> None:
        while time.monotonic() < deadline:
            with lock:
                if len(first_shown) >= workers:
                    return
            pid, page = read(client)
            if shows in page:
                with lock:
                    first_shown.setdefault(pid, time.monotonic())

    threads = [threading.Thread(target=reader, args=(client,))
               for client in clients for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(first_shown) < workers:
        raise RuntimeError(f"{len(first_shown)} of {workers} workers showed the approved text "
                           f"within {GIVE_UP_SECONDS:.0f} s")
    return first_shown


def run_engine(url: str) -> dict[str, Any]:
    app, editor_id, approver_id = prepare(url)
    # The same workers throughout: none recycled mid-measurement (gunicorn.conf.py's
    # max_requests), so "every worker" stays the same set.
    env = {"DATABASE_URL": url, "SECRET_KEY": "propagation-" * 4,
           "GUNICORN_MAX_REQUESTS": "1000000"}
    servers = []
    try:
        for _ in range(INSTANCES):
            servers.append(Gunicorn(env, workers=WORKERS, app_spec="bench.apps:labelled_app()",
                                    options=("--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                                             "--access-logfile", "/dev/null")))
            servers[-1].start()
        clients = []
        for server in servers:
            client = WebClient(server.base_url)
            client.sign_in("facilitator@bench.test", PASSWORD)
            clients.append(client)
        workers = INSTANCES * WORKERS
        with app.app_context():
            session = db.get_session()
            editor, approver = session.get(User, editor_id), session.get(User, approver_id)
            until_every_worker(clients, "Overview", workers)  # every worker up and reading
            seconds = []
            for number in range(1, APPROVALS + 1):
                sentence = f"Approval {number} of the bench reached this worker."
                approve_revision(SLUG, sentence, editor, approver)
                approved_at = time.monotonic()
                shown = until_every_worker(clients, sentence, workers)
                seconds.append(max(shown.values()) - approved_at)
    finally:
        for server in servers:
            server.stop()
        app.extensions["engine"].dispose()
    engine = url.split(":")[0].split("+")[0]
    median = statistics.median(seconds)
    print(f"approval to every worker ({engine}; {INSTANCES} instances × {WORKERS} workers): "
          f"median {median:.2f} s [{min(seconds):.2f}–{max(seconds):.2f}] of {APPROVALS}")
    return {"median_s": median, "min_s": min(seconds), "max_s": max(seconds),
            "seconds": seconds}


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-propagation-"))
    try:
        results = {"sqlite": run_engine(f"sqlite:///{scratch}/propagation.sqlite3")}
        if url := os.environ.get("TEST_DATABASE_URL"):
            results["postgresql"] = run_engine(url)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    run()
