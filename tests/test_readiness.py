"""Production refuses to start when it is not safe to serve."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from curriculum import db, schema
from curriculum.readiness import NotReadyForProduction, ensure_ready, problems
from models import Role
from tests.helpers import write_topic

STRONG = "3f9c1e7a5b2d8f4061c9e3a7b5d1f8e2a4c6b8d0e2f4a6c8"


def test_ready_when_everything_holds(make_app: Callable, monkeypatch: pytest.MonkeyPatch,
                                     make_user: Callable) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = make_app(GROUPWORK_ENV="production")
    make_user(Role.ADMIN)
    ensure_ready(app)


def test_every_problem_is_reported_at_once(
    make_app: Callable, monkeypatch: pytest.MonkeyPatch, content_dir: Path
) -> None:
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    write_topic(content_dir, "broken-topic", group_type="lecture")
    app = make_app(GROUPWORK_ENV="production")
    from curriculum.passwords import hash_password
    from models import User
    with app.app_context():
        session = db.get_session()
        session.add(User(email="admin@groupwork.local", name="Administrator", role=Role.ADMIN,
                         password_hash=hash_password("printed once 123"),
                         is_password_temporary=True))
        session.commit()
    found = problems(app)
    assert any("debug mode is on" in p for p in found)
    assert any("SECRET_KEY is weak" in p for p in found)
    assert any("broken-topic.md: group_type" in p for p in found)
    assert any("admin@groupwork.local still has the one-time password" in p for p in found)
    with pytest.raises(NotReadyForProduction, match="will not start in production"):
        ensure_ready(app)


def test_missing_secret_key(make_app: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    assert any("SECRET_KEY is not set" in p for p in problems(make_app()))


@pytest.mark.engine_independent
def test_a_database_without_this_versions_schema_is_one_problem(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SECRET_KEY", STRONG)
    app = create_app({**app_config, "GROUPWORK_ENV": "production",
                      "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"})
    assert problems(app) == ["database: it has no tables yet; run `flask --app app init-db` "
                             "first"]
    with app.app_context():
        schema.upgrade(db.engine(), "0013")
    with pytest.raises(NotReadyForProduction, match="schema is at revision 0013; this version "
                                                    "needs"):
        ensure_ready(app)
    app.extensions["engine"].dispose()
