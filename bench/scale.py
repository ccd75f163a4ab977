"""The supervisor's pages over ten years of records (bench/dataset.py, about a million notes):
the review queue, a 12-week hours report and a group's curriculum coverage, each timed as the
app runs it (ORM, Python) against the same SQL statements sent straight through the driver,
with every statement's query plan. SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
"""

import datetime
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask_login import login_user
from sqlalchemy import Engine, event, text

from app import create_app
from bench import dataset
from bench.timing import measure_pair
from curriculum import db, reports, review, schema, topic_coverage
from models import Group, User
from tests.helpers import reset_postgres

ROUNDS = 60  # in alternation with raw SQL
LAST_DAY = datetime.date(2026, 11, 20)


def captured_statements(engine: Engine, action: Callable[[], object]) -> list[tuple[str, Any]]:
    """The queries an action sends, with their parameters, in order (not BEGIN and such)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def raw_runner(engine: Engine, statements: list[tuple[str, Any]]) -> Callable[[], object]:
    """The same statements through the DBAPI cursor: no ORM, no result processing."""
    connection = engine.raw_connection()

    def run() -> object:
        cursor = connection.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
        return None

    return run


def plans(engine: Engine, statements: list[tuple[str, Any]]) -> list[str]:
    """Each statement's plan: EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL)."""
    lines = []
    connection = engine.raw_connection()
    cursor = connection.cursor()
    for statement, parameters in statements:
        lines.append("  " + " ".join(statement.split())[:160] + " …")
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines += [f"    {row[3]}" for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN " + statement, parameters)
            lines += [f"    {row[0]}" for row in cursor.fetchall()]
    connection.close()
    return lines


def prepare(url: str, scratch: Path) -> tuple[Flask, dataset.Built]:
    app = create_app({"SECRET_KEY": "scale-" * 8, "DATABASE_URL": url,
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    engine = app.extensions["engine"]
    if engine.dialect.name == "postgresql":
        reset_postgres(url)
    schema.upgrade(engine)
    built = dataset.build(engine, LAST_DAY)
    with engine.begin() as connection:  # fresh statistics, as a maintained database has
        connection.execute(text("ANALYZE"))
    return app, built


def run_engine(url: str, scratch: Path) -> dict[str, Any]:
    app, built = prepare(url, scratch)
    engine = app.extensions["engine"]
    name = engine.dialect.name
    print(f"\n{name}: {built.counts} built in {built.seconds:.1f} s")
    library = app.extensions["library"]
    results: dict[str, Any] = {"build_seconds": built.seconds, "counts": built.counts}
    with app.test_request_context("/review/"):
        session = db.get_session()
        login_user(session.get(User, built.supervisor_ids[0]))
        group_id = built.group_ids[0]
        first = LAST_DAY - datetime.timedelta(weeks=12)

        def as_a_request(page: Callable[[], object]) -> Callable[[], object]:
            """Each round starts as a request does: with an empty session."""
            def run() -> object:
                session.expunge_all()
                session.rollback()
                return page()
            return run

        def group() -> Group:
            return session.get(Group, group_id)

        paths = {
            "review queue": as_a_request(lambda: review.awaiting_cosignature(1)),
            "hours report, 12 weeks": as_a_request(
                lambda: reports.hours_report(session, group(), first, LAST_DAY)),
            "coverage, one group": as_a_request(
                lambda: topic_coverage.group_coverage(session, group(), library, LAST_DAY)),
        }
        for label, action in paths.items():
            statements = captured_statements(engine, action)
            app_timing, raw_timing = measure_pair(
                (f"{label} ({name})", action),
                (f"  raw SQL, same statements ({name})", raw_runner(engine, statements)),
                ROUNDS, warmup=5)
            print(app_timing.row(raw_timing))
            print(raw_timing.row())
            results[label] = {"app": app_timing.as_dict(), "raw_sql": raw_timing.as_dict(),
                              "ratio_to_raw": app_timing.median / raw_timing.median,
                              "statements": len(statements),
                              "plan": plans(engine, statements)}
    for label in paths:
        print(f"plan: {label} ({name})")
        print("\n".join(results[label]["plan"]))
    engine.dispose()
    return results


def run() -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-scale-"))
    try:
        results = {"sqlite": run_engine(f"sqlite:///{scratch}/scale.sqlite3", scratch)}
        if url := os.environ.get("TEST_DATABASE_URL"):
            results["postgresql"] = run_engine(url, scratch)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    started = time.perf_counter()
    run()
    print(f"\n{time.perf_counter() - started:.0f} s in all")
