"""Helpers shared by the tests: topic files, CSRF tokens, the standard test password."""

import datetime
import functools
import re
import textwrap
from pathlib import Path
from typing import Any
from unittest import mock

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text

from curriculum import db, logbook, passwords, schema
from curriculum.log_form import values_from_log
from curriculum.topics import library
from models import Base, Group, SessionLog, User, utcnow

PASSWORD = "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


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


def password_matches(app: Flask, password_hash: str, password: str) -> bool:
    with app.app_context():
        return passwords.verify_password(password_hash, password)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def make_signed_log(app: Flask, group: Group, facilitator: User, day: datetime.date,
                    flagged: bool = False, signed_hours_ago: int = 1) -> int:
    with app.app_context():
        session = db.get_session()
        user = session.get(User, facilitator.id)
        session_log = logbook.start_log(session, session.get(Group, group.id), day, user, [],
                                        library())
        session_log.summary = "Summary."
        for note in session_log.notes:
            note.fields, note.engagement = {"data": "d", "assessment": "a", "plan": "p"}, 3
        if flagged:
            session_log.notes[0].is_safety_concern = True
            session_log.notes[0].safety_follow_up = "Risk screen done; safety plan made."
        session.flush()
        signed_at = utcnow() - datetime.timedelta(hours=signed_hours_ago)
        with mock.patch("curriculum.logbook.utcnow", return_value=signed_at):  # a set clock
            logbook.sign(session, session_log, user, {})
        session.commit()
        return session_log.id


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
    return data


def reset_postgres(url: str) -> None:
    """An empty public schema in the PostgreSQL database at ``url``."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@functools.cache
def _postgres(url: str) -> Engine:
    return create_engine(url)


def empty_postgres(url: str) -> None:
    """Every table of the migrated PostgreSQL database at ``url`` emptied, ids restarted; the
    schema rebuilt first when a test has dropped or downgraded it."""
    engine = _postgres(url)
    if schema.current_revision(engine) != schema.head_revision():
        engine.dispose()
        reset_postgres(url)
        schema.upgrade(engine)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
