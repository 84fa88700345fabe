"""Actions run with a CollectingDispatcher against a real SQLite ledger (the demo seed, dated
from NOW with the ledger clock pinned there)."""
from __future__ import annotations

import asyncio
import shutil

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.conftest import NOW


@pytest.fixture(scope="session")
def demo_sqlite(tmp_path_factory, sqlite_template):
    from bot.ledger import seed
    from bot.ledger.db import make_engine, make_sessionmaker
    path = tmp_path_factory.mktemp("demo") / "ledger.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine).begin() as s:
        seed.seed(s, NOW)
    engine.dispose()
    return path


@pytest.fixture
def ledger_env(demo_sqlite, tmp_path, monkeypatch):
    """A private copy of the demo ledger, used by the actions through LEDGER_URL."""
    from bot.ledger import db
    path = tmp_path / "ledger.db"
    shutil.copy(demo_sqlite, path)
    monkeypatch.setenv("LEDGER_URL", f"sqlite:///{path}")
    monkeypatch.setenv("LEDGER_NOW", NOW.isoformat())
    monkeypatch.setenv("BOT_SECRET", "test-secret")
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    db.default_engine.cache_clear()
    yield f"sqlite:///{path}"
    db.default_engine.cache_clear()


def token(customer_id: int) -> str:
    from bot.identity import issue_token
    return issue_token(customer_id, ttl_seconds=3600, secret="test-secret")


def make_tracker(text="", intent="greet", entities=(), customer=None, slots=None, events=None,
                 token_value=None, sender="conv-1") -> Tracker:
    metadata = {}
    if token_value is not None:
        metadata["customer_token"] = token_value
    elif customer is not None:
        metadata["customer_token"] = token(customer)
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [{"entity": k, "value": v} for k, v in entities], "metadata": metadata}
    evs = list(events or []) + [{"event": "user", "text": text, "parse_data": latest,
                                 "metadata": metadata}]
    return Tracker(sender, dict(slots or {}), latest, evs, False, None, None, "action_listen")


def run(action, tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return events, dispatcher.messages
