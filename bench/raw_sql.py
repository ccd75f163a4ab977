"""The baselines of bench/scale.py: for each supervisor page, the SQL a careful person would write
by hand for the same figures (aggregates included), run through the driver with nothing
around it. Written here, not captured from the app, so an app that sends wasteful SQL cannot
make its own baseline slow. Parameters are named (``:name``); PostgreSQL gets ``%(name)s``.
"""

import datetime
import re
from typing import Any

from sqlalchemy import Engine

ATTENDED = "('late', 'left early', 'present')"

REVIEW_QUEUE = f"""
SELECT l.id, l.session_date, l.topics, l.signed_at, g.name, u.name,
       EXISTS (SELECT 1 FROM participant_notes n
               WHERE n.log_id = l.id AND n.is_safety_concern) AS flagged,
       l.summary_name_override IS NOT NULL OR EXISTS (
           SELECT 1 FROM participant_notes n
           WHERE n.log_id = l.id AND n.name_check_override IS NOT NULL) AS overridden,
       (SELECT count(*) FROM attendance a
        WHERE a.log_id = l.id AND a.status IN {ATTENDED}) AS attended
FROM session_logs l
JOIN groups g ON g.id = l.group_id
JOIN users u ON u.id = l.signed_by_id
WHERE g.supervisor_id = :supervisor AND l.state = 'signed'
ORDER BY flagged DESC, l.signed_at, l.id
LIMIT 26
"""

# {week}: whole weeks from :monday to the session, spelled per engine.
HOURS_BY_WEEK = """
SELECT a.participant_id, {week} AS week, sum(a.minutes_attended)
FROM attendance a JOIN session_logs l ON l.id = a.log_id
WHERE l.group_id = :group AND l.state IN ('signed', 'co-signed')
  AND l.session_date BETWEEN :monday AND :sunday
GROUP BY a.participant_id, week
"""
WEEK = {"sqlite": "CAST(julianday(l.session_date) - julianday(:monday) AS INTEGER) / 7",
        "postgresql": "(l.session_date - CAST(:monday AS DATE)) / 7"}
HOURS_ENROLLED = """
SELECT p.id, p.display_name, p.record_number, e.admitted_on, e.discharged_on
FROM enrollments e JOIN participants p ON p.id = e.participant_id
WHERE e.group_id = :group AND e.admitted_on <= :sunday
  AND (e.discharged_on IS NULL OR e.discharged_on >= :monday)
ORDER BY p.display_name, p.id
"""

ENROLLED_ON_DAY = """
SELECT DISTINCT p.id, p.display_name, p.record_number
FROM enrollments e JOIN participants p ON p.id = e.participant_id
WHERE e.group_id = :group AND e.admitted_on <= :day
  AND (e.discharged_on IS NULL OR e.discharged_on >= :day)
ORDER BY p.display_name, p.id
"""
# {topics}: each slug of a log's JSON list as a row with a column "value", spelled per engine.
COVERAGE_ATTENDED = f"""
SELECT DISTINCT a.participant_id, t.value
FROM attendance a JOIN session_logs l ON l.id = a.log_id
CROSS JOIN {{topics}}
WHERE a.participant_id IN (
        SELECT e.participant_id FROM enrollments e
        WHERE e.group_id = :group AND e.admitted_on <= :day
          AND (e.discharged_on IS NULL OR e.discharged_on >= :day))
  AND l.group_id = :group AND l.state <> 'voided' AND a.status IN {ATTENDED}
"""
COVERAGE_RUNS = """
SELECT t.value, count(*)
FROM session_logs l CROSS JOIN {topics}
WHERE l.group_id = :group AND l.state <> 'voided'
GROUP BY t.value
"""
COVERAGE_LAST_TOPICS = """
SELECT l.topics FROM session_logs l
WHERE l.group_id = :group AND l.state <> 'voided'
ORDER BY l.session_date DESC, l.id DESC
LIMIT 20
"""
TOPICS = {"sqlite": "json_each(l.topics) AS t",
          "postgresql": "json_array_elements_text(l.topics) AS t(value)"}

# Hours to signature from the session's start in the program's zone: {to_sign} and
# {to_cosign} spelled per engine; :offset_before is the zone's UTC offset (microseconds)
# before :change, :offset_after from it on (these weeks cross at most one change). Medians
# and 90th percentiles interpolated exactly as Python's statistics module does.
TIMELINESS = """
WITH logs AS (
  SELECT u.name AS signer, g.name AS grp, {to_sign} AS to_sign,
         CASE WHEN l.cosigned_at IS NOT NULL THEN {to_cosign} END AS to_cosign
  FROM session_logs l
  JOIN users u ON u.id = l.signed_by_id
  JOIN groups g ON g.id = l.group_id
  WHERE g.supervisor_id = :supervisor AND l.session_date BETWEEN :first AND :last
    AND l.signed_at IS NOT NULL AND l.state <> 'voided'
), figures AS (
  SELECT 0 AS by_group, signer AS label, 0 AS measure, to_sign AS hours FROM logs
  UNION ALL SELECT 0, signer, 1, to_cosign FROM logs WHERE to_cosign IS NOT NULL
  UNION ALL SELECT 1, grp, 0, to_sign FROM logs
  UNION ALL SELECT 1, grp, 1, to_cosign FROM logs WHERE to_cosign IS NOT NULL
), ranked AS (
  SELECT by_group, label, measure, hours,
         row_number() OVER w - 1 AS i, count(*) OVER (PARTITION BY by_group, label, measure) AS n
  FROM figures WINDOW w AS (PARTITION BY by_group, label, measure ORDER BY hours)
)
SELECT by_group, label, measure, max(n),
       sum(CASE WHEN i = (n - 1) / 2 THEN hours * (2 - (n - 1) % 2)
                WHEN i = (n - 1) / 2 + 1 THEN hours * ((n - 1) % 2) ELSE 0 END) / 2.0,
       CASE WHEN max(n) = 1 THEN max(hours) ELSE
       sum(CASE WHEN i = (n - 1) * 9 / 10 THEN hours * (10 - (n - 1) * 9 % 10)
                WHEN i = (n - 1) * 9 / 10 + 1 THEN hours * ((n - 1) * 9 % 10) ELSE 0 END)
       / 10.0 END
FROM ranked GROUP BY by_group, label, measure
"""
OFFSET = ("CASE WHEN l.session_date || ' ' || l.start_time < :change "
          "THEN :offset_before ELSE :offset_after END")
HOURS = {
    "sqlite": (
        "CAST((strftime('%s', {later}) - strftime('%s', {earlier})) * 1000000 "
        "+ CAST(substr({later}, 21, 6) AS INTEGER) - CAST(substr({earlier}, 21, 6) AS INTEGER)"
        " {offset} AS REAL) / 1000000 / 3600"),
    "postgresql": (
        "CAST((EXTRACT(EPOCH FROM {later}) - EXTRACT(EPOCH FROM {earlier})) * 1000000 "
        "AS BIGINT) {offset}"),
}

AUDIT_TRAIL = """
SELECT e.id, e.at, e.user_id, e.action, e.object_type, e.object_id, e.outcome, e.remote_addr
FROM audit_events e
WHERE (e.object_type = 'session-log' AND e.object_id IN (
         SELECT CAST(l.id AS VARCHAR(40)) FROM session_logs l JOIN groups g ON g.id = l.group_id
         WHERE g.supervisor_id = :supervisor))
   OR (e.object_type = 'group' AND e.object_id IN (
         SELECT CAST(g.id AS VARCHAR(40)) FROM groups g WHERE g.supervisor_id = :supervisor))
ORDER BY e.id DESC
LIMIT 51
"""
STAFF_NAMES = "SELECT id, name FROM users"

LOG_LIST = f"""
SELECT l.id, l.session_date, l.topics, l.state,
       (SELECT count(*) FROM attendance a
        WHERE a.log_id = l.id AND a.status IN {ATTENDED}) AS attended,
       (SELECT count(*) FROM attendance a WHERE a.log_id = l.id) AS recorded
FROM session_logs l
WHERE l.group_id = :group
ORDER BY l.session_date DESC, l.id DESC
LIMIT 100
"""

# The participant page for :participant as :reader sees it (their group :group): the groups,
# goals, every session with its note, signer and co-signer, the addenda and goal links of
# those sessions, minutes per week (summed here: whole weeks from the Monday :epoch), and the
# track's topics attended.
PARTICIPANT_GROUPS = """
SELECT e.*, g.*
FROM enrollments e JOIN groups g ON g.id = e.group_id
WHERE e.participant_id = :participant
  AND (g.supervisor_id = :reader
       OR g.id IN (SELECT f.group_id FROM group_facilitators f WHERE f.user_id = :reader))
ORDER BY e.admitted_on, e.id
"""
PARTICIPANT_GOALS = "SELECT * FROM treatment_goals WHERE participant_id = :participant"
PARTICIPANT_SESSIONS = """
SELECT l.id, a.status, n.id, l.*, a.*, n.*, s.name, c.name
FROM attendance a JOIN session_logs l ON l.id = a.log_id
LEFT JOIN participant_notes n ON n.log_id = l.id AND n.participant_id = a.participant_id
LEFT JOIN users s ON s.id = l.signed_by_id
LEFT JOIN users c ON c.id = l.cosigned_by_id
WHERE a.participant_id = :participant AND l.group_id = :group AND l.state <> 'voided'
ORDER BY l.session_date, l.start_time, l.id
"""
PARTICIPANT_ADDENDA = """
SELECT d.*, u.name
FROM addenda d JOIN users u ON u.id = d.author_id
WHERE d.log_id IN (SELECT a.log_id FROM attendance a WHERE a.participant_id = :participant)
"""
PARTICIPANT_GOAL_LINKS = """
SELECT k.*, g.*
FROM note_goals k JOIN treatment_goals g ON g.id = k.goal_id
WHERE k.note_id IN (SELECT n.id FROM participant_notes n WHERE n.participant_id = :participant)
"""
PARTICIPANT_HOURS = """
SELECT {week} AS week, sum(a.minutes_attended)
FROM attendance a JOIN session_logs l ON l.id = a.log_id
WHERE a.participant_id = :participant AND l.group_id = :group
  AND l.state IN ('signed', 'co-signed')
GROUP BY week
"""
PARTICIPANT_WEEK = {
    "sqlite": "CAST(julianday(l.session_date) - julianday(:epoch) AS INTEGER) / 7",
    "postgresql": "(l.session_date - CAST(:epoch AS DATE)) / 7"}
PARTICIPANT_TOPICS = f"""
SELECT DISTINCT t.value
FROM attendance a JOIN session_logs l ON l.id = a.log_id
CROSS JOIN {{topics}}
WHERE a.participant_id = :participant AND l.group_id = :group AND l.state <> 'voided'
  AND a.status IN {ATTENDED}
"""


def hours_sql(dialect: str, later: str, earlier: str, offset: str = "") -> str:
    """Hours from ``earlier`` to ``later`` (SQL expressions), rounded as Python's
    ``timedelta.total_seconds() / 3600``; ``offset`` adds microseconds first."""
    sql = HOURS[dialect].format(later=later, earlier=earlier,
                                offset=f"+ {offset}" if offset else "")
    if dialect == "postgresql":
        sql = f"CAST({sql} AS DOUBLE PRECISION) / 1000000 / 3600"
    return sql


def timeliness_sql(dialect: str) -> str:
    started = ("(l.session_date || ' ' || l.start_time)" if dialect == "sqlite"
               else "(l.session_date + l.start_time)")
    offset = OFFSET.replace("l.session_date || ' ' || l.start_time", started)
    return TIMELINESS.format(
        to_sign=hours_sql(dialect, "l.signed_at", started, f"({offset})"),
        to_cosign=hours_sql(dialect, "l.cosigned_at", "l.signed_at"))


def statements(dialect: str) -> dict[str, list[str]]:
    """Each page's statements, spelled for the engine."""
    topics = TOPICS[dialect]
    return {
        "review queue": [REVIEW_QUEUE],
        "hours report, 12 weeks": [HOURS_BY_WEEK.format(week=WEEK[dialect]), HOURS_ENROLLED],
        "coverage, one group": [ENROLLED_ON_DAY, COVERAGE_ATTENDED.format(topics=topics),
                                COVERAGE_RUNS.format(topics=topics), COVERAGE_LAST_TOPICS],
        "documentation timeliness": [timeliness_sql(dialect)],
        "audit trail page": [AUDIT_TRAIL, STAFF_NAMES],
        "a group's log list": [LOG_LIST],
        "participant page, 60 sessions": [
            PARTICIPANT_GROUPS, PARTICIPANT_GOALS, PARTICIPANT_SESSIONS, PARTICIPANT_ADDENDA,
            PARTICIPANT_GOAL_LINKS, PARTICIPANT_HOURS.format(week=PARTICIPANT_WEEK[dialect]),
            PARTICIPANT_TOPICS.format(topics=topics), COVERAGE_LAST_TOPICS],
    }


def _driver_value(value: Any, dialect: str) -> Any:
    """sqlite3 gets dates and timestamps as the text SQLAlchemy stores them as."""
    if dialect != "sqlite":
        return value
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class Baseline:
    """A page's statements on one pooled driver connection: execute, fetch every row, nothing
    more; in one transaction, as the app's request reads (psycopg begins it by itself; the
    app's sqlite3 connections do not, so BEGIN is sent). Calling it returns what each
    statement fetched; ``end`` ends the transaction (untimed, like the app's request
    teardown)."""

    def __init__(self, engine: Engine, sql: list[str], params: dict[str, Any]) -> None:
        dialect = engine.dialect.name
        if dialect == "postgresql":
            sql = [re.sub(r"(?<!:):(\w+)", r"%(\1)s", statement.replace("%", "%%"))
                   for statement in sql]
        self.sql = sql
        self.values = {name: _driver_value(value, dialect) for name, value in params.items()}
        self.connection = engine.raw_connection()
        self.begin = dialect == "sqlite"

    def __call__(self) -> list[list[tuple[Any, ...]]]:
        cursor = self.connection.cursor()
        if self.begin:
            cursor.execute("BEGIN")
        fetched = []
        for statement in self.sql:
            cursor.execute(statement, self.values)
            fetched.append(cursor.fetchall())
        cursor.close()
        return fetched

    def end(self) -> None:
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()
