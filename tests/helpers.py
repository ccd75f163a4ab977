"""Helpers shared by the tests: topic files, CSRF tokens, the standard test password, signing
in, starting, filling and signing session logs through their pages or the logbook, and reading
the audit events of an action."""

import datetime
import functools
import html
import re
import textwrap
from pathlib import Path
from typing import Any

import frontmatter
import jinja2
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import (
    Engine,
    create_engine,
    event,
    exists,
    literal,
    make_url,
    select,
    text,
    union_all,
)

from curriculum import db, logbook, passwords, schema
from curriculum.handout_translations import handout_hash
from curriculum.library import HANDOUT_HEADING
from curriculum.log_form import values_from_log
from curriculum.served_library import current_library
from models import AttendanceStatus, AuditEvent, Base, Group, SessionLog, User

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
TEXTAREA_RE = re.compile(r'<textarea[^>]*name="markdown"[^>]*>\r?\n?(.*?)</textarea>', re.DOTALL)
BASE_RE = re.compile(r'name="base" type="hidden" value="([0-9a-f]*)"')
DAY = datetime.date(2026, 3, 4)
# The crisis box of every Spanish handout, word for word.
SPANISH_CRISIS = (
    "Emergencia: llame al 911 si hay una sobredosis",
    "llame al 988 y oprima 2 para español, o envíe un mensaje de texto con la palabra AYUDA "
    "al 988",
    "Línea Nacional de Ayuda de SAMHSA, 1-800-662-4357 (gratis, confidencial, 24/7, en inglés "
    "y en español)",
)
MONDAY = datetime.date(2026, 3, 2)


def topic_text(slug: str, **fields: Any) -> str:
    """A valid topic file; keyword arguments replace front matter lines (None drops the line),
    ``body``/``handout`` replace the guide or the handout."""
    front = {
        "title": f"Topic {slug.replace('-', ' ').title()}",
        "summary": f"A short session about {slug.replace('-', ' ')}.",
        "tags": "[cravings, triggers]",
        "group_type": "skills",
        "duration_minutes": "60",
        "audience": "adults",
        "standalone": "true",
        "objectives": "[Name one trigger.]",
        "materials": "[Handout, pens]",
        "interventions": "[Psychoeducation on triggers, Coping skills training]",
        "sources": '["SAMHSA. TIP 41: Substance Abuse Treatment: Group Therapy."]',
        "license": "original",
        "updated": "2026-11-01",
    }
    body = fields.pop("body", None)
    handout = fields.pop("handout", None)
    front.update(fields)
    lines = [f"{key}: {value}" for key, value in front.items() if value is not None]
    if body is None:
        body = textwrap.dedent("""\
            ## Overview

            Facilitator-only overview of the session.

            ## Preparation

            Print handouts.

            ## Session plan

            ### Check-in (10 min)

            Go around the room.

            ### Teaching points (15 min)

            Triggers are cues. FACILITATOR SECRET teaching note.

            ### Activity (15 min)

            Pairs list triggers.

            ### Discussion questions (10 min)

            What helps?

            ### Wrap-up (10 min)

            One thing to try.

            ## Safety notes

            Follow the risk protocol.

            ## Documentation guide

            Note what this person said.
            """)
    if handout is None:
        handout = textwrap.dedent(f"""\
            ## Key ideas

            A trigger is something that starts a craving. This is the {slug} handout.

            ## My triggers

            [lines: 3]

            ## Before next group

            Notice one trigger.
            """)
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n# Participant handout\n\n" + handout


def write_topic(folder: Path, slug: str, **fields: Any) -> Path:
    path = folder / "topics" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(topic_text(slug, **fields), encoding="utf-8")
    return path


# The Spanish of the default handout above (``{slug}`` filled in by ``write_spanish``).
SPANISH = """\
## Ideas clave

Un detonante es algo que hace empezar el ansia. Esta es la hoja de {slug}.

## Mis detonantes

[lines: 3]

## Antes del próximo grupo

Fíjese en un detonante.
"""


def english_hash(folder: Path, slug: str) -> str:
    content = frontmatter.load(folder / "topics" / f"{slug}.md").content
    return handout_hash(content.partition(f"\n{HANDOUT_HEADING}\n")[2])


def write_spanish(folder: Path, slug: str, handout: str | None = None,
                  translates: str | None = None, title: str = "Un tema en español") -> Path:
    """A Spanish handout of ``slug`` translating the English in ``folder`` (unless told)."""
    path = folder / "topics" / f"{slug}.es.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    translates = translates or english_hash(folder, slug)
    body = (handout or SPANISH).format(slug=slug)
    path.write_text(f"---\ntitle: {title}\ntranslates: {translates}\n---\n\n{body}",
                    encoding="utf-8")
    return path


def pdf_words(reader: PdfReader, page: int | None = None) -> str:
    """A PDF's text (one page, or all), whitespace folded to single spaces."""
    pages = reader.pages if page is None else [reader.pages[page]]
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def password_matches(app: Flask, password_hash: str, password: str) -> bool:
    with app.app_context():
        return passwords.verify_password(password_hash, password)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def topic_editor(client: FlaskClient, slug: str, query: str = "") -> tuple[str, str]:
    """The topic editor's text and base hash, as its page (``/topics/<slug>/edit``) gives
    them to a curriculum editor."""
    page = client.get(f"/topics/{slug}/edit{query}")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    return html.unescape(TEXTAREA_RE.search(text).group(1)), BASE_RE.search(text).group(1)


def save_topic_draft(client: FlaskClient, slug: str, markdown: str, base: str,
                     note: str = "Clearer practice task.") -> int:
    """Save a draft through the topic editor; returns its version number."""
    response = client.post(f"/topics/{slug}/edit", data={
        "markdown": markdown, "change_note": note, "base": base, "action": "save",
        "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, email: str, password: str = PASSWORD, next_url: str | None = None) -> Any:
        token = csrf_token(self.client)
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return self.client.post(url, data={"email": email, "password": password,
                                           "csrf_token": token})

    def logout(self) -> Any:
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


def client_for(app: Flask, user: User) -> FlaskClient:
    """A new client, signed in as ``user`` through the form."""
    client = app.test_client()
    AuthActions(client).login(user.email)
    return client


def start_log(client: FlaskClient, group: Group, day: datetime.date = DAY,
              topics: tuple[str, ...] = ("coping-with-cravings",)) -> int:
    """Start the group's log for ``day`` through its form; returns the new log's id."""
    response = client.post(f"/groups/{group.id}/logs", data={
        "session_date": day.isoformat(), "topics": list(topics),
        "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].split("/")[2])


def load_log(app: Flask, log_id: int) -> SessionLog:
    """The log with its attendance, addenda, notes, group, signer and the topic texts it
    records loaded (detached)."""
    with app.app_context():
        session_log = db.get_session().get(SessionLog, log_id)
        for row in session_log.attendance:
            _ = row.participant
        for addendum in session_log.addenda:
            _ = addendum.author
        for note in session_log.notes:
            _ = [link.goal for link in note.goal_links]
        _ = (session_log.notes, session_log.group, session_log.signed_by,
             session_log.taught_topics)
        return session_log


def form_data(app: Flask, client: FlaskClient, log_id: int, **changes: Any) -> dict[str, Any]:
    """The edit form as the page would submit it, with some fields changed."""
    return {**log_form_fields(app, log_id), **changes, "csrf_token": csrf_token(client, "/")}


def complete_notes(group: Group) -> dict[str, str]:
    """Individualized DAP notes and engagement for everyone in the group."""
    data = {}
    for p in group.participants:  # type: ignore[attr-defined]
        data[f"note_{p.id}_data"] = "Shared a recent craving at work and rated it 6 of 10."
        data[f"note_{p.id}_assessment"] = "Engaged; linked the craving to payday."
        data[f"note_{p.id}_plan"] = "Practise urge surfing daily before next group."
        data[f"engagement_{p.id}"] = "4"
    return data


def sign(app: Flask, client: FlaskClient, log_id: int, **changes: Any) -> Any:
    """Submit the log's edit form with "Save and sign" and the test password."""
    data = form_data(app, client, log_id, **{"action": "sign", "password": PASSWORD, **changes})
    return client.post(f"/logs/{log_id}/edit", data=data)


def log_form_fields(app: Flask, log_id: int) -> dict[str, Any]:
    """The log's edit form as its page would submit it (without the CSRF token)."""
    with app.app_context():
        values = values_from_log(db.get_session().get(SessionLog, log_id))
    data: dict[str, Any] = {key: values[key] for key in
                            ("version", "start_time", "minutes", "topics", "interventions",
                             "summary")}
    for pid, row in values["rows"].items():
        data[f"status_{pid}"] = row["status"]
        data[f"minutes_{pid}"] = row["minutes"]
        data[f"engagement_{pid}"] = row["engagement"]
        data[f"follow_up_{pid}"] = row["follow_up"]
        if row["safety"]:
            data[f"safety_{pid}"] = "1"
        for key, value in row["fields"].items():
            data[f"note_{pid}_{key}"] = value
        for key in ("craving", "mood", "use", "use_days", "goals"):
            data[f"{key}_{pid}"] = row[key]
    return data


def log_session(app: Flask, group: Group, user: User, day: datetime.date,
                minutes: dict[str, int], sign: bool = True) -> None:
    """A log where each named participant attended the given minutes (0 = absent)."""
    with app.app_context():
        session = db.get_session()
        session_log = logbook.start_log(session, session.get(Group, group.id), day,
                                        session.get(User, user.id), [], current_library())
        session_log.summary = "S."
        for row in session_log.attendance:
            attended = minutes.get(row.participant.display_name, 0)
            row.minutes_attended = attended
            row.status = AttendanceStatus.PRESENT if attended else AttendanceStatus.ABSENT
        for note in session_log.notes:
            note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 3
        session.flush()
        if sign:
            logbook.sign(session, session_log, session.get(User, user.id), {},
                         current_library())
        session.commit()


def reset_postgres(url: str) -> None:
    """An empty public schema in the PostgreSQL database at ``url``."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def worker_database(url: str, worker_id: str) -> str:
    """The database ``<name>_<worker>`` on the server of ``url``, made if missing."""
    server = make_url(url)
    name = f"{server.database}_{worker_id}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": name}):
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@functools.cache
def _postgres(url: str) -> Engine:
    return create_engine(url)


def empty_postgres(url: str) -> None:
    """Every table of the migrated PostgreSQL database at ``url`` emptied, ids restarted; the
    schema rebuilt first when a test has dropped or downgraded it."""
    engine = _postgres(url)
    if schema.current_revision(engine) != _head_revision():
        engine.dispose()
        reset_postgres(url)
        schema.upgrade(engine)
    # Only the tables a test wrote to are emptied, children first. DELETE, as a TRUNCATE
    # costs new files for every table its CASCADE reaches (nearly all: 0.16 s a test); the
    # append-only tables, whose triggers refuse DELETE and which no table references, are
    # truncated. Every sequence restarts, as a rolled-back insert moves one on.
    with engine.begin() as connection:
        used = set(connection.scalars(_USED_TABLES))
        if append_only := sorted(used & APPEND_ONLY_TABLES):
            connection.execute(text(f"TRUNCATE {', '.join(append_only)}"))
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in used - APPEND_ONLY_TABLES:
                connection.execute(table.delete())
        connection.execute(text("SELECT setval(oid, 1, false) FROM pg_class WHERE relkind = 'S' "
                                "AND relnamespace = 'public'::regnamespace"))


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept for every app of the run: each test builds a fresh app, whose
    Jinja environment would otherwise parse and compile each template it renders again (a
    tenth of a typical test's time). Jinja checks each entry against the template's source."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


@functools.cache
def _head_revision() -> str | None:
    """The migrations' head, read from their files once a run (not once a test)."""
    return schema.head_revision()


# The migrations give these tables triggers that refuse UPDATE and DELETE.
APPEND_ONLY_TABLES = frozenset({"audit_events", "goal_changes", "watch_acknowledgements"})
# One query naming every table that holds a row.
_USED_TABLES = union_all(*(select(literal(table.name)).where(exists().select_from(table))
                           for table in Base.metadata.sorted_tables))


def statement_count(app: Flask, client: FlaskClient, url: str) -> int:
    """How many SQL statements answering ``url`` took, leaving out the served library's check
    for approvals (made at most every few seconds, so not every request)."""
    count = 0

    def counted(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal count
        count += "served_curriculum" not in statement

    event.listen(app.extensions["engine"], "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(app.extensions["engine"], "before_cursor_execute", counted)
    return count


def stored_user(app: Flask, user_id: int) -> User:
    """The account as the database holds it now."""
    with app.app_context():
        return db.get_session().get(User, user_id)


def user_events(app: Flask, user_id: int) -> list[tuple[str, str, dict]]:
    """(action, outcome, detail) of every audit event about the account, oldest first."""
    with app.app_context():
        return [(e.action, e.outcome, e.detail) for e in db.get_session().scalars(
            select(AuditEvent).where(AuditEvent.object_type == "user",
                                     AuditEvent.object_id == str(user_id))
            .order_by(AuditEvent.id))]


NOTE = {"data": "d", "assessment": "a", "plan": "p"}


def record(app: Flask, group: Group, user: User, day: datetime.date,
           rows: dict[int, dict[str, Any]] | None = None, *, signed: bool = True,
           topics: tuple[str, ...] = ()) -> int:
    """A log of ``group`` on ``day`` through the logbook: everyone present with a short note
    unless ``rows`` says otherwise for a participant id (``status``, ``minutes``, ``craving``,
    ``mood``, ``use``, ``use_days``, ``fields``, ``safety``); signed unless ``signed`` is
    false. Returns its id."""
    with app.app_context():
        session = db.get_session()
        session_log = logbook.start_log(session, session.get(Group, group.id), day,
                                        session.get(User, user.id), list(topics),
                                        current_library())
        session_log.summary = "Summary."
        for row in session_log.attendance:
            wanted = (rows or {}).get(row.participant_id, {})
            row.status = AttendanceStatus(wanted.get("status", "present"))
            row.minutes_attended = wanted.get("minutes", 0 if not row.attended
                                              else session_log.minutes)
            note = session_log.note_for(row.participant_id)
            if row.attended:
                note.fields = wanted.get("fields", NOTE)
                note.engagement = 3
                note.craving, note.mood = wanted.get("craving"), wanted.get("mood")
                note.use_since_last_group = wanted.get("use")
                note.use_days = wanted.get("use_days")
                if wanted.get("safety"):
                    note.is_safety_concern = True
                    note.safety_follow_up = wanted["safety"]
        session.flush()
        if signed:
            logbook.sign(session, session_log, session.get(User, user.id), {},
                         current_library())
        session.commit()
        return session_log.id


def events(app: Flask, action: str) -> list[tuple]:
    with app.app_context():
        return [tuple(row) for row in db.get_session().execute(
            select(AuditEvent.user_id, AuditEvent.object_id, AuditEvent.outcome,
                   AuditEvent.detail).where(AuditEvent.action == action)
            .order_by(AuditEvent.id))]
