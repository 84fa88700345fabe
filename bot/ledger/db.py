"""Engines and sessions for the ledger. Nothing is created at import time: callers own them.

On SQLite every transaction starts with ``BEGIN IMMEDIATE`` and waits up to 30 s for a busy
database, so two writers never interleave; foreign keys are enforced.
"""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["make_engine", "make_sessionmaker", "default_engine", "default_sessionmaker"]

BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": BUSY_TIMEOUT_MS / 1000,
                                           "check_same_thread": False})
        engine = create_engine(url, future=True, **kwargs)
        _sqlite_immediate(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, future=True, **kwargs)


def _sqlite_immediate(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None          # let SQLAlchemy's BEGIN below rule
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, future=True, expire_on_commit=False, class_=Session)


@lru_cache(maxsize=None)
def default_engine(url: str | None = None) -> Engine:
    if url is None:
        from bot.settings import get_settings
        url = get_settings().ledger_url
    return make_engine(url)


def default_sessionmaker(url: str | None = None) -> sessionmaker:
    return make_sessionmaker(default_engine(url))
