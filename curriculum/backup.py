"""Consistent copies of the database while the app serves, and loading one into an empty
instance: SQLite's online backup API, or pg_dump / pg_restore for PostgreSQL."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url

from models import User


class BackupError(Exception):
    """The backup or restore could not be done; the message says why."""


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("this SQLite database lives in memory; there is nothing to copy")
    return Path(database)


def _libpq_url(engine: Engine) -> str:
    """The URL pg_dump understands (no SQLAlchemy driver suffix)."""
    return make_url(engine.url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(program: str, *arguments: str) -> None:
    """Run one of PostgreSQL's client programs.

    :raise BackupError: with the last line it wrote to stderr, when it fails.
    """
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own database URL
        [_tool(program), *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{program} failed: " + result.stderr.strip().splitlines()[-1])


def backup(engine: Engine, target: Path) -> None:
    """Write a consistent copy of the whole database to ``target`` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    if engine.dialect.name == "sqlite":
        partial = target.with_suffix(target.suffix + ".partial")
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(partial)
        try:
            # One step: readers and writers wait briefly, and the copy is a single snapshot.
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            status = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
            source.close()
        if status != "ok":
            partial.unlink()
            raise BackupError(f"the copy failed its integrity check: {status}")
        partial.replace(target)
        return
    try:
        _run("pg_dump", "--format=custom", "--no-owner", f"--file={target}",
             _libpq_url(engine))
    except BackupError:
        target.unlink(missing_ok=True)
        raise


def is_empty(engine: Engine) -> bool:
    """No tables yet, or tables without any account: nothing a restore could overwrite."""
    if "users" not in inspect(engine).get_table_names():
        return True
    with engine.connect() as connection:
        return connection.execute(select(User.id).limit(1)).first() is None


def restore(engine: Engine, source: Path) -> None:
    """Load a backup into this (empty) database."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not is_empty(engine):
        raise BackupError("this database already holds data; restore only into an empty one")
    if engine.dialect.name == "sqlite":
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is damaged (integrity check failed)")
            engine.dispose()
            target = sqlite3.connect(_sqlite_path(engine))
            try:
                backup_db.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a Groupwork SQLite backup ({error})") from error
        finally:
            backup_db.close()
        return
    with engine.begin() as connection:  # an empty schema for pg_restore to fill
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq_url(engine)}",
         str(source))
