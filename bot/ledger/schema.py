"""Schema management: Alembic migrations are the only way the schema changes."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

__all__ = ["upgrade", "current_revision"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine):
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False)
                        .replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    cfg = _config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
