"""`make serve`'s configuration, run for real: gunicorn with gunicorn.conf.py and wsgi:app in
production mode refuses an unready deployment, and otherwise serves with its safeguards on."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from curriculum.settings import PROJECT_ROOT
from models import Role, User
from tests.web_client import Gunicorn, WebClient

STRONG = "3f9c1e7a5b2d8f4061c9e3a7b5d1f8e2a4c6b8d0e2f4a6c8"


def processes_of(server: Gunicorn) -> list[str]:
    return subprocess.run(["ps", "-o", "pid=", "-g", str(server.process.pid)],
                          capture_output=True, text=True).stdout.split()


def production(database_url: str, **env: str) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "SECRET_KEY": STRONG, "GROUPWORK_ENV": "production",
            "GROUPWORK_CONTENT_DIRS": "", **env}


def test_refuses_to_start_with_an_account_on_a_printed_password(
        make_user: Callable[..., User], database_url: str, tmp_path: Path) -> None:
    make_user(Role.ADMIN, email="first-admin@example.org", is_password_temporary=True)
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--bind",
         "127.0.0.1:0", "wsgi:app"], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=60, env={**os.environ, **production(database_url),
                         "GROUPWORK_LIBRARY_CACHE_DIR": str(tmp_path / "library-cache")})
    assert result.returncode != 0
    assert "first-admin@example.org still has the one-time password" in result.stderr


def test_serves_with_the_production_safeguards(
        make_user: Callable[..., User], database_url: str) -> None:
    make_user(Role.ADMIN)
    server = Gunicorn(production(database_url, GROUPWORK_TRUSTED_HOSTS="127.0.0.1"),
                      options=("--config", "gunicorn.conf.py"), app_spec="wsgi:app")
    server.start()
    try:
        client = WebClient(server.base_url)
        status, headers = client.headers("/login")
        assert status == 200
        assert "max-age=" in headers["Strict-Transport-Security"]
        assert "Secure" in headers["Set-Cookie"] and "HttpOnly" in headers["Set-Cookie"]
        assert client.headers("/login", Host="evil.example")[0] == 400
        # Master, two workers, and each worker's PDF render child, started at boot.
        deadline = time.monotonic() + 20
        while len(processes_of(server)) < 5 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(processes_of(server)) == 5
    finally:
        server.stop()


def test_each_worker_talks_to_postgresql_over_its_own_connection(
        make_user: Callable[..., User], database_url: str) -> None:
    """The master's start-up checks use the database before forking; a worker that kept the
    pool it inherited would share the master's socket with the other worker, and the two would
    read each other's answers (a sign-in failed with 'connection in transaction status')."""
    if not database_url.startswith("postgresql"):
        pytest.skip("connections are counted in PostgreSQL's pg_stat_activity")
    make_user(Role.ADMIN)
    named = f"{database_url}?application_name=groupwork-serving-test"
    server = Gunicorn(production(named, GROUPWORK_TRUSTED_HOSTS="127.0.0.1"),
                      options=("--config", "gunicorn.conf.py"), app_spec="wsgi:app")
    server.start()
    engine = create_engine(database_url)
    try:
        # The master's connection and one per worker (each laid approvals over its library).
        deadline, backends = time.monotonic() + 20, 0
        while backends < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
            with engine.connect() as connection:
                backends = connection.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = 'groupwork-serving-test'"))
        assert backends == 3
    finally:
        engine.dispose()
        server.stop()
