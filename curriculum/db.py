"""The database engine, and one session per app context (kept on ``g``, closed on teardown)."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine, Select, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

Result = TypeVar("Result")


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL with synchronous=FULL (an acknowledged save survives a crash) and our own BEGIN,
    so write transactions can start IMMEDIATE instead of failing at their first write."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # SQLAlchemy's recipe for pysqlite transactions (its SQLite dialect documentation).
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(
            "begin_immediate", False) else "BEGIN")


def make_engine(url: str, lock_timeout_ms: int = 5000) -> Engine:
    """An engine whose writers wait at most ``lock_timeout_ms`` for another's lock, then fail
    (answered 503 by ``error_pages``) rather than hold a web worker indefinitely."""
    if url.startswith("sqlite"):
        engine = create_engine(url)
        _tune_sqlite(engine, lock_timeout_ms)
        return engine
    return create_engine(url, pool_pre_ping=True,
                         connect_args={"options": f"-c lock_timeout={int(lock_timeout_ms)}"})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], app.config["LOCK_TIMEOUT_MS"])
    app.extensions["engine"] = engine
    app.extensions["sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["engine"]


def get_session() -> Session:
    """The request's (or command's) session, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["sessionmaker"]()
    return g.db_session


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE), so a
    read-then-write waits its turn for the lock instead of failing with 'database is locked'.

    Call it before reading what the write depends on. A read-only transaction already open
    (the user loader's, say) is ended first; loaded objects refresh on their next use.
    """
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() after changes were made; call it first")
        session.rollback()
    session.connection(execution_options={"begin_immediate": True})


def write_session() -> Session:
    """The request's session in a writer's transaction (``begin_write``): for a change, taken
    before reading what the change depends on."""
    session = get_session()
    begin_write(session)
    return session


class StaleWrite:
    """What ``flush_unless_stale`` answers when another editor's save landed first."""


STALE = StaleWrite()


def flush_unless_stale(session: Session, change: Callable[[], Result]) -> Result | StaleWrite:
    """Make the change and flush it; ``STALE``, with the session rolled back, when another
    editor committed the same record between our version check and this write (the models'
    version counters raise it at flush). The caller shows the saved record beside its text."""
    try:
        result = change()
        session.flush()
    except StaleDataError:
        session.rollback()
        return STALE
    return result


class DriverQuery:
    """A fixed SELECT compiled once for the engine's driver and run on a pooled DBAPI
    connection, outside any session. For the check every request makes (who is signed in),
    where SQLAlchemy's execution layer costs several times the indexed read itself.

    Rows come back as the driver gives them: no type conversion. Driver errors are raised as
    SQLAlchemy's, so the app's handlers (503 when the database is unavailable) still apply.
    """

    def __init__(self, engine: Engine, statement: Select[Any]) -> None:
        compiled = statement.compile(dialect=engine.dialect)
        self.engine = engine
        self.sql = compiled.string
        self.positions = compiled.positiontup  # bind names in order; None when named

    def first(self, **params: Any) -> tuple[Any, ...] | None:
        values = tuple(params[name] for name in self.positions) if self.positions else params
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(self.sql, values)
            row = cursor.fetchone()
            cursor.close()
        except self.engine.dialect.loaded_dbapi.Error as error:
            connection.invalidate(error)
            raise exc.DBAPIError.instance(self.sql, values, error,
                                          self.engine.dialect.loaded_dbapi.Error) from error
        finally:
            connection.close()
        return row


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def database_answers() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not healthy"; /healthz reports, never raises
        return False
