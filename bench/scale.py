"""The pages that read clinical data at scale, over ten years of records (bench/dataset.py, about
a million notes): each timed at the function that builds the page's data, in alternation with
the SQL a careful person would write by hand for the same figures (bench/raw_sql.py) on the
same driver, with the app's query plans. SQLite always; PostgreSQL too when TEST_DATABASE_URL
is set. Before timing, each page's figures are checked against its baseline's.

`python -m bench.scale --page participant` times only the pages whose name has that word.
"""

import argparse
import datetime
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app import create_app
from bench import dataset, raw_sql
from bench.timing import measure_pair
from curriculum import audit_search, db, logbook, review_queue, schema
from curriculum.calendar_dates import monday
from curriculum.hours_report import hours_report
from curriculum.participant_course import participant_course
from curriculum.timeliness import timeliness, utc_offsets
from curriculum.topic_coverage import group_coverage
from models import Group, Participant, User
from tests.helpers import reset_postgres

ROUNDS = 40  # in alternation with the raw SQL
LAST_DAY = datetime.date(2026, 11, 20)
# What the reports show by default: the last 12 weeks through this week.
FIRST_DAY = monday(LAST_DAY) - datetime.timedelta(weeks=11)
ZONE = ZoneInfo("America/New_York")
RATIO_LIMIT = 2.5
EPOCH = datetime.date(2000, 1, 3)  # a Monday: the participant page's weeks are counted from it


@dataclass
class Page:
    """One page's data, as the app builds it and as the baseline's rows; ``figures`` turns
    either into the same comparable value."""

    app: Callable[[Session], Any]
    figures: Callable[[Any, list[list[tuple[Any, ...]]] | None], Any]


def pages(session: Session, built: dataset.Built, library: Any) -> dict[str, Page]:
    supervisor = session.get(User, built.supervisor_ids[0])
    group = session.get(Group, built.group_ids[0])
    assert supervisor is not None and group is not None
    facilitator = group.facilitators[0]
    long_stay = session.get(Participant, built.long_stay_id)
    track = library.tracks[group.track_slug]
    session.expunge_all()  # detached, with what the pages read of them loaded

    def queue_figures(result: Any, raw: Any) -> Any:
        return [(r[0], bool(r[6]), bool(r[7]), r[8]) for r in (raw[0] if raw else result)]

    def hours_figures(report: Any, raw: Any) -> Any:
        if raw is None:
            return [(row.participant.id, row.minutes) for row in report.rows]
        minutes: dict[int, list[int]] = {}
        for pid, week, total in raw[0]:
            minutes.setdefault(pid, [0] * len(report.weeks))[week] = total
        people = dict.fromkeys(row[0] for row in raw[1])
        return [(pid, minutes.get(pid, [0] * len(report.weeks))) for pid in people]

    def coverage_figures(coverage: Any, raw: Any) -> Any:
        if raw is None:
            return ([(p.participant.id, sorted(p.attended)) for p in coverage.people],
                    coverage.runs)
        pairs = set(raw[1])
        runs = dict(raw[2])
        return ([(row[0], sorted(t for t in coverage.topics if (row[0], t) in pairs))
                 for row in raw[0]], {t: runs.get(t, 0) for t in coverage.topics})

    def timeliness_figures(result: Any, raw: Any) -> Any:
        if raw is not None:
            return sorted(tuple(row) for row in raw[0])
        found = []
        for by, rows in enumerate(result):
            for row in rows:
                found.append((by, row.label, 0, row.signed, *row.to_signature))
                if row.to_cosignature:
                    found.append((by, row.label, 1, row.cosigned, *row.to_cosignature))
        return sorted(found)

    def audit_figures(result: Any, raw: Any) -> Any:
        events, names = (raw[0], dict(raw[1])) if raw else result
        return [event[0] for event in events], names

    def log_list_figures(result: Any, raw: Any) -> Any:
        return [(row[0], row[4], row[5]) for row in (raw[0] if raw else result)]

    def course_figures(course: Any, raw: Any) -> Any:
        """Each session (log, attendance, note or none), minutes per week, topics covered."""
        if raw is None:
            return ([(s.log_id, s.status.value, s.note is not None)
                     for s in course.sessions],
                    sorted((w.week, w.minutes) for c in course.groups for w in c.weeks
                           if w.minutes),
                    sorted(t for c in course.groups for t in c.covered))
        sessions, hours, topics = raw[2], raw[5], {row[0] for row in raw[6]}
        return ([(log_id, status, note_id is not None) for log_id, status, note_id, *_ in
                 sessions],
                sorted((EPOCH + datetime.timedelta(weeks=week), minutes)
                       for week, minutes in hours if minutes),
                sorted(t for t in dict.fromkeys(track.topics) if t in topics))

    return {
        "review queue": Page(
            lambda s: review_queue.awaiting_cosignature(s.connection(), supervisor.id, 1),
            queue_figures),
        "hours report, 12 weeks": Page(
            lambda s: hours_report(s, group, FIRST_DAY, LAST_DAY, LAST_DAY), hours_figures),
        "coverage, one group": Page(
            lambda s: group_coverage(s, group, library, LAST_DAY), coverage_figures),
        "documentation timeliness": Page(
            lambda s: timeliness(s, supervisor.id, FIRST_DAY, LAST_DAY, ZONE),
            timeliness_figures),
        "audit trail page": Page(
            lambda s: (audit_search.event_page(s, supervisor, {}, None, None, 1),
                       audit_search.staff_names(s)), audit_figures),
        "a group's log list": Page(lambda s: logbook.log_list(s, group), log_list_figures),
        "participant page, 60 sessions": Page(
            lambda s: participant_course(s, long_stay, facilitator, LAST_DAY, library),
            course_figures),
    }


def raw_parameters(built: dataset.Built) -> dict[str, Any]:
    """The baselines' parameters: the same supervisor, group and dates as the app's pages."""
    weeks_from = monday(FIRST_DAY)
    (_, before), (change, after) = utc_offsets(FIRST_DAY, LAST_DAY, ZONE)  # one change
    group = built.group_ids[0]
    return {"supervisor": built.supervisor_ids[0], "group": group,
            "participant": built.long_stay_id, "reader": dataset.facilitator_of(group),
            "epoch": EPOCH,
            "monday": weeks_from, "sunday": monday(LAST_DAY) + datetime.timedelta(days=6),
            "day": LAST_DAY, "first": FIRST_DAY, "last": LAST_DAY, "change": change,
            "offset_before": before * 1_000_000, "offset_after": after * 1_000_000}


def captured_statements(engine: Engine, action: Callable[[], object]) -> list[tuple[str, Any]]:
    """The queries an action sends, with their parameters, in order (not BEGIN and such)."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


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


def prepare(url: str, scratch: Path, groups: int = dataset.GROUPS,
            years: int = dataset.YEARS) -> tuple[Flask, dataset.Built]:
    app = create_app({"SECRET_KEY": "scale-" * 8, "DATABASE_URL": url,
                      "PDF_CACHE_DIR": scratch / "pdf-cache"})
    engine = app.extensions["engine"]
    if engine.dialect.name == "postgresql":
        reset_postgres(url)
    schema.upgrade(engine)
    built = dataset.build(engine, LAST_DAY, groups=groups, years=years)
    dataset.analyze(engine)
    return app, built


def measure(app: Flask, built: dataset.Built, rounds: int = ROUNDS,
            page_name: str = "") -> dict[str, Any]:
    """Every page (or those whose name has ``page_name``) against its baseline on this app's
    database: figures compared, then timed in alternation, with the app's query plans."""
    engine = app.extensions["engine"]
    name = engine.dialect.name
    results: dict[str, Any] = {}
    raw = raw_sql.statements(name)
    parameters = raw_parameters(built)
    with app.app_context():
        session = db.get_session()

        def reset() -> None:
            """As a new request: an empty session, no transaction."""
            session.expunge_all()
            session.rollback()

        for label, page in pages(session, built, app.extensions["library"]).items():
            if page_name not in label:
                continue
            run_raw = raw_sql.Baseline(engine, raw[label], parameters)
            reset()
            figures = page.figures(page.app(session), None)
            same = figures == page.figures(page.app(session), run_raw())
            reset()
            statements = captured_statements(engine, lambda page=page: page.app(session))
            reset()
            app_timing, raw_timing = measure_pair(
                (f"{label} ({name})", lambda page=page: page.app(session)),
                (f"  raw SQL by hand ({name})", run_raw), rounds, warmup=5,
                resets=(reset, run_raw.end))
            run_raw.close()
            ratio = app_timing.median / raw_timing.median
            print(app_timing.row(raw_timing) + ("" if same else "  FIGURES DIFFER"))
            print(raw_timing.row())
            results[label] = {"app": app_timing.as_dict(), "raw_sql": raw_timing.as_dict(),
                              "ratio_to_raw": ratio, "same_figures": same,
                              "statements": len(statements), "plan": plans(engine, statements)}
    for label, figures in results.items():
        print(f"plan: {label} ({name}), {figures['statements']} statement(s)")
        print("\n".join(figures["plan"]))
    return results


def run_engine(url: str, scratch: Path, page_name: str = "") -> dict[str, Any]:
    app, built = prepare(url, scratch)
    print(f"\n{app.extensions['engine'].dialect.name}: {built.counts} built in "
          f"{built.seconds:.1f} s")
    results = {"build_seconds": built.seconds, "counts": built.counts,
               "pages": measure(app, built, page_name=page_name)}
    app.extensions["engine"].dispose()
    return results


def run(page_name: str = "") -> dict[str, Any]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-scale-"))
    try:
        results = {"sqlite": run_engine(f"sqlite:///{scratch}/scale.sqlite3", scratch,
                                        page_name)}
        if url := os.environ.get("TEST_DATABASE_URL"):
            results["postgresql"] = run_engine(url, scratch, page_name)
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--page", default="", help="only the pages whose name has this text")
    started = time.perf_counter()
    run(parser.parse_args().page)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
