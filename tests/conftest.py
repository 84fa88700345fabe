"""Shared fixtures: a fresh ledger per test on a real SQLite file and on a real PostgreSQL
server started for this test run. Both hold the reference data (policy, categories, catalogue,
pharmacies, agents) dated from ``NOW``; tests add customers and orders with ``tests.factories``.
"""
from __future__ import annotations

import itertools
import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

# 10:00 in Beijing, a Thursday in June: daytime, specialists on shift.
NOW = datetime(2026, 6, 18, 2, 0, tzinfo=timezone.utc)


@dataclass
class Ledger:
    kind: str
    url: str
    engine: object
    Session: object      # a sessionmaker: ``with ledger.Session.begin() as s: ...``


@pytest.fixture(scope="session")
def postgres():
    from tests.pg import PostgresCluster
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _prepare(url: str) -> None:
    from bot.ledger import schema, seed
    from bot.ledger.db import make_engine, make_sessionmaker
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        seed.reset(session)
        seed.seed_reference(session, NOW)
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    _prepare(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres):
    postgres.admin("CREATE DATABASE ledger_template")
    _prepare(postgres.url("ledger_template"))
    return "ledger_template"


_counter = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path):
    """A fresh ledger with the reference data, on SQLite and on PostgreSQL."""
    from bot.ledger.db import make_engine, make_sessionmaker
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        pg = request.getfixturevalue("postgres")
        template = request.getfixturevalue("postgres_template")
        name = f"ledger_t{next(_counter)}"
        pg.admin(f"CREATE DATABASE {name} TEMPLATE {template}")
        url = pg.url(name)
    engine = make_engine(url)
    yield Ledger(request.param, url, engine, make_sessionmaker(engine))
    engine.dispose()
    if request.param == "postgresql":
        request.getfixturevalue("postgres").admin(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def demo_ledger(ledger):
    """The full demo ledger (scripted and background customers) dated from ``NOW``."""
    from bot.ledger import seed
    with ledger.Session.begin() as session:
        seed.seed(session, NOW)
    return ledger
