"""Fixtures: a fresh app per test with its own database (SQLite file, or the PostgreSQL server
named by TEST_DATABASE_URL) and its own content folder; a client; an auth helper that signs in
through the real form; factories for users, groups and session logs; two weeks of logged
sessions for the reports."""

import datetime
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app import create_app
from curriculum import db, logbook, schema
from curriculum.passwords import hash_password
from curriculum.served_library import current_library
from models import (
    CurriculumPermission,
    Enrollment,
    Group,
    Modality,
    Participant,
    Role,
    SessionLog,
    User,
    utcnow,
)
from tests.helpers import (
    MONDAY,
    PASSWORD,
    AuthActions,
    SharedTemplateCode,
    empty_postgres,
    log_session,
    reset_postgres,
    worker_database,
    write_topic,
)

TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A content folder of three topics, made fresh for each test."""
    folder = tmp_path / "content"
    write_topic(folder, "coping-with-cravings", title="Coping With Cravings",
                summary="Cravings rise and fall like waves.", tags="[cravings]")
    write_topic(folder, "talking-it-through", title="Talking It Through",
                summary="Assertive communication in recovery.", tags="[communication]",
                handout="## Key ideas\n\nSay what you need with an I-statement.\n\n"
                        "[lines: 2]\n\n## Before next group\n\nUse one I-statement.\n")
    write_topic(folder, "naming-feelings", title="Naming Feelings",
                summary="Feelings have names and they pass.", tags="[emotional-regulation]")
    (folder / "tracks").mkdir()
    (folder / "tracks" / "core.yaml").write_text(
        "title: Core\ndescription: Test track.\ngroups_per_week: 3\n"
        "topics: [coping-with-cravings, talking-it-through, naming-feelings]\n")
    return folder


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass, run only what can differ between engines: tests that use a
    database and are not marked ``engine_independent`` (those run once, in the SQLite pass)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="does not depend on the database engine; runs in the "
                                   "SQLite pass")
    for item in items:
        if ("database_url" not in getattr(item, "fixturenames", ())
                or item.get_closest_marker("engine_independent")):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> str | None:
    """The PostgreSQL database this test process may wipe: TEST_DATABASE_URL's, or with
    pytest-xdist one beside it per worker (made on first use), so workers never share one."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url and worker_id != "master":
        url = worker_database(url, worker_id)
    return url


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory, postgres_url: str | None) -> str:
    """The schema at head, built once per run: a SQLite file each test copies, or (with
    TEST_DATABASE_URL) the PostgreSQL database itself, emptied before each test."""
    url = postgres_url
    if url:
        reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'template.sqlite3'}"
    engine = create_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    """The test's own database: the newest schema, no rows."""
    if migrated_template.startswith("sqlite"):
        copy = tmp_path / "test.sqlite3"
        shutil.copyfile(make_url(migrated_template).database or "", copy)
        return f"sqlite:///{copy}"
    empty_postgres(migrated_template)
    return migrated_template


@pytest.fixture
def empty_database_url(tmp_path: Path, postgres_url: str | None) -> str:
    """A database with no schema at all, for tests of upgrading and restoring."""
    url = postgres_url
    if url:
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


@pytest.fixture
def app_config(tmp_path: Path, content_dir: Path, database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "DATABASE_URL": database_url,
        "CONTENT_DIRS": [content_dir],
        "PDF_CACHE_DIR": tmp_path / "pdf-cache",
        "LIBRARY_CACHE_DIR": tmp_path / "library-cache",
        # Production's argon2 parameters are tested once (test_auth); everywhere else a
        # password costs microseconds.
        "PASSWORD_HASHING": "test-only-minimal",
        # Handouts rendered ahead after an approval: tested once (test_shipped_reviews).
        "PRERENDER_HANDOUTS": False,
    }


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Build apps from the test config (overrides as keywords); a database of the test's own
    choosing is upgraded to head (``database_url``'s already is)."""
    apps: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = create_app({**app_config, **overrides})
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
        if "DATABASE_URL" in overrides:
            with app.app_context():
                schema.upgrade(db.engine())
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["engine"].dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create an account directly in the database; returns it (detached, loaded)."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.FACILITATOR, email: str | None = None,
             password: str = PASSWORD, name: str | None = None, **fields: Any) -> User:
        number = next(counter)
        role = Role(role)
        with app.app_context():
            user = User(email=email or f"{role.value}{number}@example.org",
                        name=name or f"{role.value.title()} {number}", role=role,
                        password_hash=hash_password(password), **fields)
            session = db.get_session()
            session.add(user)
            session.commit()
        return user

    return make


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    """Curriculum people: an ``editor``, two approvers (``approver`` also a supervisor,
    ``approver2``) and a ``facilitator`` without a curriculum permission."""
    return {
        "editor": make_user(Role.FACILITATOR, curriculum_permission=CurriculumPermission.EDITOR),
        "approver": make_user(Role.SUPERVISOR,
                              curriculum_permission=CurriculumPermission.APPROVER),
        "approver2": make_user(Role.FACILITATOR,
                               curriculum_permission=CurriculumPermission.APPROVER),
        "facilitator": make_user(Role.FACILITATOR),
    }


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def signed_in(auth: AuthActions, make_user: Callable[..., User]) -> User:
    """A facilitator, signed in through the form."""
    user = make_user(Role.FACILITATOR)
    response = auth.login(user.email)
    assert response.status_code == 302
    return user


@pytest.fixture
def make_group(app: Flask, make_user: Callable[..., User]) -> Callable[..., Group]:
    """Create a group with staff and enrolled participants; returns it with ``participants``
    (the Participant rows, in the order given) attached."""
    counter = iter(range(1, 10_000))

    def make(facilitators: list[User] | None = None, supervisor: User | None = None,
             people: list[str] = ("Maria G.", "Sam T.", "Lee K."),  # type: ignore[assignment]
             admitted_on: datetime.date = datetime.date(2026, 1, 5), **fields: Any) -> Group:
        number = next(counter)
        with app.app_context():
            session = db.get_session()
            group = Group(name=fields.pop("name", f"Evening IOP {number}"),
                          meeting_days=fields.pop("meeting_days", "mon,wed,thu"),
                          start_time=fields.pop("start_time", datetime.time(18, 0)),
                          minutes=fields.pop("minutes", 180),
                          modality=fields.pop("modality", Modality.IN_PERSON),
                          track_slug=fields.pop("track_slug", "core"), **fields)
            group.facilitators = [session.get(User, u.id) for u in facilitators or []]
            group.supervisor_id = supervisor.id if supervisor else None
            session.add(group)
            participants = []
            for index, name in enumerate(people, start=1):
                participant = Participant(display_name=name,
                                          record_number=f"R{number:03d}-{index:03d}")
                session.add(participant)
                session.add(Enrollment(group=group, participant=participant,
                                       admitted_on=admitted_on))
                participants.append(participant)
            session.commit()
            group.participants = participants  # type: ignore[attr-defined]
        return group

    return make


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    """Accounts around one group: its ``facilitator`` and ``supervisor``, a facilitator of
    ``other`` groups, and an ``admin``."""
    return {"facilitator": make_user(Role.FACILITATOR, name="Fran Facil"),
            "other": make_user(Role.FACILITATOR, name="Olive Other"),
            "supervisor": make_user(Role.SUPERVISOR, name="Sue Pervisor"),
            "admin": make_user(Role.ADMIN, name="Ada Admin")}


@pytest.fixture
def group(make_group: Callable[..., Group], staff: dict[str, User]) -> Group:
    """The group of ``staff``, with three participants: Maria G., Sam T. and Lee K."""
    return make_group(facilitators=[staff["facilitator"]], supervisor=staff["supervisor"])


@pytest.fixture
def make_log(app: Flask) -> Callable[..., SessionLog]:
    """Start a group's log for a day and fill it (summary, a DAP note for everyone) through
    the logbook operations, optionally with a safety flag on the first note; sign it as
    ``facilitator`` unless ``signed`` is false. It is signed ``signed_hours_ago`` hours ago, or
    at ``signed_at`` when that is given. Returns the log (detached)."""

    def make(group: Group, facilitator: User, day: datetime.date, *, flagged: bool = False,
             signed: bool = True, signed_hours_ago: float = 1,
             signed_at: datetime.datetime | None = None) -> SessionLog:
        with app.app_context():
            session = db.get_session()
            user = session.get(User, facilitator.id)
            session_log = logbook.start_log(session, session.get(Group, group.id), day, user,
                                            [], current_library())
            session_log.summary = "Summary."
            for note in session_log.notes:
                note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 3
            if flagged:
                session_log.notes[0].is_safety_concern = True
                session_log.notes[0].safety_follow_up = "Risk screen done; safety plan made."
            session.flush()
            if signed:
                when = signed_at or utcnow() - datetime.timedelta(hours=signed_hours_ago)
                logbook.sign(session, session_log, user, {}, current_library(), at=when)
            session.commit()
        return session_log

    return make


@pytest.fixture
def two_weeks(app: Flask, make_user: Callable[..., User],
              make_group: Callable[..., Group]) -> dict[str, Any]:
    """A group with a facilitator and a supervisor, and two weeks of signed logs from MONDAY
    whose hours the reports must match: ``group``, ``facilitator``, ``supervisor``."""
    facilitator = make_user(Role.FACILITATOR)
    supervisor = make_user(Role.SUPERVISOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor,
                       people=["Ana P.", "Ben C.", "=HYPERLINK(\"http://x\")"],
                       admitted_on=MONDAY)
    # Week 1: three 3-hour sessions; Ana all (9 h), Ben two (6 h, below 9).
    for offset, ben in ((0, 180), (2, 180), (3, 0)):
        log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=offset),
                    {"Ana P.": 180, "Ben C.": ben})
    # Week 2: Ana two sessions and a late arrival (8.5 h, below); Ben all three (9 h).
    for offset, ana in ((7, 180), (9, 180), (10, 150)):
        log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=offset),
                    {"Ana P.": ana, "Ben C.": 180})
    # A draft is not counted.
    log_session(app, group, facilitator, MONDAY + datetime.timedelta(days=11),
                {"Ana P.": 180, "Ben C.": 180}, sign=False)
    return {"group": group, "supervisor": supervisor, "facilitator": facilitator}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole run (skipped, with the reason, where there is none)."""
    from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, app: Flask) -> Iterator[Any]:
    """A fresh browser tab on the test app, served on loopback; ``page.base_url`` is its root."""
    from tests.browser import served

    with served(app) as base_url:
        context = browser.new_context(base_url=base_url)
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.base_url = base_url
        yield tab
        context.close()
