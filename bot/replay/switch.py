"""The test switch: in a stack started for tests (``BOT_TEST_SWITCHES=1``, never ``make run``),
every replayed conversation runs on its own fresh seeded ledger at its own pinned clock, so one
stack serves a whole replay run, at any concurrency.

A replayed message carries ``metadata.replay = {"now": "<ISO instant>"}`` (the runner adds it).
For every action call whose tracker shows that marker (the latest message, an earlier message of
the conversation, or the session-start metadata), the action server uses

- the ledger ``<var>/replay/ledgers/<conversation id>.db``, a copy of the demo ledger seeded at
  that instant (:mod:`bot.replay.sandbox`), instead of ``LEDGER_URL``;
- that instant as the ledger clock, instead of ``LEDGER_NOW`` or real time.

Conversations without the marker use the stack's own ledger and clock, as always. The Rasa
process is not switched: its clock (relative dates in NLU) is the stack's ``LEDGER_NOW``, which
the runner sets to the replay files' clock (they are all recorded at one instant). With the switch
off the marker is ignored: :func:`install_if_enabled` does nothing.

How: the override lives in two context variables set around ``ActionExecutor.run`` (one asyncio
task per request, so concurrent conversations never see each other's), read by wrappers around
``bot.ledger.db.default_engine`` (which every action reaches through ``default_sessionmaker``)
and ``bot.ledger.clock.now``.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["install_if_enabled", "install", "replay_scope", "MARKER"]

log = logging.getLogger(__name__)

MARKER = "replay"
_ledger_url: ContextVar[str | None] = ContextVar("replay_ledger_url", default=None)
_now: ContextVar[datetime | None] = ContextVar("replay_now", default=None)
_installed = False
_ENGINES_KEPT = 64


def install_if_enabled() -> bool:
    from bot.settings import get_settings
    if not get_settings().test_switches:
        return False
    install()
    return True


def replay_scope(tracker: dict[str, Any]) -> dict | None:
    """The ``replay`` marker this conversation's tracker carries, or None."""
    if not isinstance(tracker, dict):
        return None
    candidates = [((tracker.get("latest_message") or {}).get("metadata") or {})]
    for event in reversed(tracker.get("events") or []):
        if isinstance(event, dict) and event.get("event") == "user":
            candidates.append(event.get("metadata") or {})
    candidates.append((tracker.get("slots") or {}).get("session_started_metadata") or {})
    for metadata in candidates:
        marker = metadata.get(MARKER) if isinstance(metadata, dict) else None
        if isinstance(marker, dict) and marker.get("now"):
            return marker
    return None


def install() -> None:
    """Wrap the ledger engine, the ledger clock and the action executor (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    from rasa_sdk.executor import ActionExecutor

    from bot.ledger import clock, db
    from bot.replay import sandbox
    from bot.settings import get_settings

    var = Path(get_settings().var_dir)
    original_engine, original_now, original_run = db.default_engine, clock.now, ActionExecutor.run
    engines: OrderedDict[str, Any] = OrderedDict()

    def default_engine(url: str | None = None):
        sandbox_url = _ledger_url.get()
        if url is not None or sandbox_url is None:
            return original_engine(url)
        engine = engines.pop(sandbox_url, None) or db.make_engine(sandbox_url)
        engines[sandbox_url] = engine
        while len(engines) > _ENGINES_KEPT:
            engines.popitem(last=False)[1].dispose()
        return engine

    def now() -> datetime:
        return _now.get() or original_now()

    async def run(self, action_call):
        marker = replay_scope((action_call or {}).get("tracker"))
        if marker is None:
            return await original_run(self, action_call)
        sender = action_call["tracker"].get("sender_id")
        instant = clock.parse_instant(str(marker["now"]))
        path = sandbox.ensure_ledger(var, sender, instant)
        tokens = (_ledger_url.set(f"sqlite:///{path}"), _now.set(instant))
        try:
            return await original_run(self, action_call)
        finally:
            _ledger_url.reset(tokens[0])
            _now.reset(tokens[1])

    db.default_engine = default_engine
    clock.now = now
    ActionExecutor.run = run
    log.warning("test switches on: replayed conversations get their own ledger and clock")
