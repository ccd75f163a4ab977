"""The few SQL expressions SQLite and PostgreSQL spell differently, for reports that let the
database do the counting: each is one construct compiled per engine."""

from typing import Any

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_texts(FunctionElement[str]):
    """Each element of a JSON array of strings, as a table: ``json_texts(col).table_valued(
    "value")`` (SQLite ``json_each``, PostgreSQL ``json_array_elements_text``)."""

    type = String()
    inherit_cache = True


@compiles(json_texts)
def _json_each(element: json_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


@compiles(json_texts, "postgresql")
def _json_array_elements_text(element: json_texts, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements_text({compiler.process(element.clauses, **kw)})"


class days_after(FunctionElement[int]):
    """Whole days from the second date to the first: ``days_after(later, earlier)``."""

    type = Integer()
    inherit_cache = True


@compiles(days_after)
def _julian_days(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_after, "postgresql")
def _date_difference(element: days_after, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} - {earlier})"


class local_start(FunctionElement[Any]):
    """A date and a time of day as one timestamp without a zone: ``local_start(date, time)``
    (SQLite: text in the format SQLAlchemy stores timestamps in, so it compares with them)."""

    inherit_cache = True


@compiles(local_start)
def _text_timestamp(element: local_start, compiler: SQLCompiler, **kw: Any) -> str:
    day, clock = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} || ' ' || {clock})"


@compiles(local_start, "postgresql")
def _timestamp(element: local_start, compiler: SQLCompiler, **kw: Any) -> str:
    day, clock = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} + {clock})"


class microseconds_after(FunctionElement[int]):
    """Whole microseconds from the second timestamp to the first, each read as UTC whether or
    not it carries a zone: ``microseconds_after(later, earlier)``. Exact, so figures derived
    from it round as Python's ``timedelta.total_seconds()`` does."""

    type = BigInteger()
    inherit_cache = True


@compiles(microseconds_after)
def _text_microseconds(element: microseconds_after, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff': whole seconds from strftime, the microseconds
    # from the text (julianday() keeps only milliseconds).
    return (f"((strftime('%s', {later}) - strftime('%s', {earlier})) * 1000000"
            f" + CAST(substr({later}, 21, 6) AS INTEGER)"
            f" - CAST(substr({earlier}, 21, 6) AS INTEGER))")


@compiles(microseconds_after, "postgresql")
def _epoch_microseconds(element: microseconds_after, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    # EXTRACT(EPOCH) is exact (numeric), and reads a timestamp without zone as UTC.
    return (f"CAST((EXTRACT(EPOCH FROM {later}) - EXTRACT(EPOCH FROM {earlier})) * 1000000 "
            f"AS BIGINT)")
