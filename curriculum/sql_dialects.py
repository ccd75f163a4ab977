"""The few SQL expressions SQLite and PostgreSQL spell differently, for reports that let the
database do the counting: each is one construct, compiled per engine."""

from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine


def _spelled(name: str, result: TypeEngine[Any] | None, sqlite: str,
             postgresql: str) -> type[FunctionElement[Any]]:
    """A construct of its arguments, written for each engine as a format string of them
    ({0}, {1}, …)."""
    construct = type(name, (FunctionElement,), {"inherit_cache": True, **(
        {"type": result} if result is not None else {})})

    def spell(spelling: str) -> Any:
        def compile_(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> str:
            return spelling.format(*(compiler.process(clause, **kw)
                                     for clause in element.clauses))
        return compile_

    compiles(construct)(spell(sqlite))
    compiles(construct, "postgresql")(spell(postgresql))
    return construct


# Each element of a JSON array of strings, as a table with a column "value":
# ``json_texts(col).table_valued("value")``.
json_texts = _spelled("json_texts", String(), "json_each({0})", "json_array_elements_text({0})")

# Whole days from the second date to the first: ``days_after(later, earlier)``.
days_after = _spelled("days_after", Integer(),
                      "CAST(julianday({0}) - julianday({1}) AS INTEGER)", "({0} - {1})")

# A date and a time of day as one timestamp without a zone: ``local_start(date, time)``
# (SQLite: text in the format SQLAlchemy stores timestamps in, so it compares with them).
local_start = _spelled("local_start", None, "({0} || ' ' || {1})", "({0} + {1})")

# Whole microseconds from the second timestamp to the first, each read as UTC whether or not
# it carries a zone: ``microseconds_after(later, earlier)``. Exact, so figures derived from it
# round as Python's ``timedelta.total_seconds()`` does. SQLite stores 'YYYY-MM-DD
# HH:MM:SS.ffffff': whole seconds from strftime, the microseconds from the text (julianday()
# keeps only milliseconds); PostgreSQL's EXTRACT(EPOCH) is exact (numeric) and reads a
# timestamp without zone as UTC.
microseconds_after = _spelled(
    "microseconds_after", BigInteger(),
    "((strftime('%s', {0}) - strftime('%s', {1})) * 1000000"
    " + CAST(substr({0}, 21, 6) AS INTEGER) - CAST(substr({1}, 21, 6) AS INTEGER))",
    "CAST((EXTRACT(EPOCH FROM {0}) - EXTRACT(EPOCH FROM {1})) * 1000000 AS BIGINT)")
