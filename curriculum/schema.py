"""Create or upgrade the schema with Alembic (``init-db``), and tell whether it is current."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision``; running it again changes nothing."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def not_current(engine: Engine) -> str | None:
    """Why the database cannot serve this version (no tables yet, or a schema behind or
    ahead of it), ending in what to run; None when its schema is current."""
    current, needed = current_revision(engine), head_revision()
    if current == needed:
        return None
    found = ("it has no tables yet" if current is None else
             f"its schema is at revision {current}; this version needs {needed}")
    return f"database: {found}; run `flask --app app init-db` first"
