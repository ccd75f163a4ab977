"""Upgrading a database with real records: the rows a revision-0002 database held (signed logs,
addenda, an audit chain), loaded as that revision's code wrote them, upgraded to head, nothing
lost or changed and everything still verifies."""

import datetime
import enum
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Column, column, func, insert, select, table, text

from app import create_app
from curriculum import audit, db, schema
from models import Base, SessionLog

# Written by the code at commit c94c92f (revision 0002) with the script in the message of the
# commit that added it (git log -- tests/data/revision-0002.json): one group, three signed logs
# (an absence, a safety flag, a topic), an addendum each, and their audit chain. Loaded column by
# column, so later columns never have to be kept out of the way.
EARLY_ROWS = Path(__file__).parent / "data" / "revision-0002.json"


def typed(value: Any, model_column: Column) -> Any:
    """A JSON value as the column's Python type (dates and times were written as ISO text)."""
    column_type = model_column.type
    kind = getattr(column_type, "impl_instance", column_type).python_type  # a TypeDecorator's
    if value is None or not isinstance(value, str) or kind is str:
        return value
    if issubclass(kind, enum.Enum):
        return kind(value)
    if kind in (datetime.datetime, datetime.date, datetime.time):
        return kind.fromisoformat(value)
    return value


def load_early_rows(connection: Any) -> dict[str, int]:
    """Insert the early rows with only the columns they had; returns the count per table."""
    rows_by_table = json.loads(EARLY_ROWS.read_text())
    for name, rows in rows_by_table.items():
        model_table = Base.metadata.tables[name]
        for row in rows:
            columns = [column(key, model_table.c[key].type) for key in row]
            connection.execute(insert(table(name, *columns)).values(
                {key: typed(value, model_table.c[key]) for key, value in row.items()}))
        if connection.dialect.name == "postgresql" and "id" in model_table.c and rows:
            connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                    f"{max(row['id'] for row in rows)})"))
    return {name: len(rows) for name, rows in rows_by_table.items()}


def test_upgrade_from_an_early_revision_keeps_every_record(
    app_config: dict[str, Any], empty_database_url: str
) -> None:
    app = create_app({**app_config, "DATABASE_URL": empty_database_url})
    with app.app_context():
        engine = db.engine()
        schema.upgrade(engine, "0002")
        with engine.begin() as connection:
            before = load_early_rows(connection)
        hashes = {row["id"]: row["content_hash"]
                  for row in json.loads(EARLY_ROWS.read_text())["session_logs"]}

        schema.upgrade(engine)
        session = db.get_session()
        assert schema.current_revision(engine) == schema.head_revision()
        after = {name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
                 for name in before}
        assert after == before and before["session_logs"] == 3
        for log_id, content_hash in hashes.items():
            assert session.get(SessionLog, log_id).compute_content_hash() == content_hash
        assert audit.verify(session).problem is None
    app.extensions["engine"].dispose()
