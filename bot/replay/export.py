"""``bot export``: conversations in the tracker store become replay files.

The tracker store is Rasa's SQL store (table ``events``: one row per event, the event as JSON in
``data``), read directly with SQLAlchemy, so exporting does not load Rasa.

For each conversation, each user message becomes a turn: its text, its metadata with the
``customer_token`` replaced by the customer id inside it (``customer: 1007``; a token that did not
verify when it was sent becomes ``token: forged`` or ``token: expired``: tokens never reach a
file, the replay mints fresh ones), the actions run and the response names uttered. The pinned
clock is the one the conversation was replayed at (``metadata.replay.now``), else the time of its
first message. If the conversation ran on a sandbox ledger (:mod:`bot.replay.sandbox`), the rows
it added become the file's expected ``ledger`` effects.
"""
from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.replay.files import REPLAY_DIR, Replay, Turn, dump
from bot.replay.turns import split_turns

__all__ = ["conversation_ids", "load_events", "to_replay", "export", "file_stem",
           "clean_metadata"]

#: metadata keys that are infrastructure, not what the shopper sent
DROPPED_METADATA = {"customer_token", "replay", "model_id", "assistant_id"}


def _engine(url: str):
    from sqlalchemy import create_engine
    return create_engine(url, future=True)


def conversation_ids(tracker_url: str, *, since: datetime | None = None) -> list[str]:
    """Conversations in the store (in order of their first event), optionally only those with a
    message at or after ``since``."""
    from sqlalchemy import text
    engine = _engine(tracker_url)
    try:
        with engine.connect() as c:
            sql = ("SELECT sender_id, MIN(id) AS first FROM events WHERE type_name = 'user'"
                   + (" AND timestamp >= :since" if since else "")
                   + " GROUP BY sender_id ORDER BY first")
            params = {"since": since.timestamp()} if since else {}
            return [row[0] for row in c.execute(text(sql), params)]
    finally:
        engine.dispose()


def load_events(tracker_url: str, conversation_id: str) -> list[dict[str, Any]]:
    from sqlalchemy import text
    engine = _engine(tracker_url)
    try:
        with engine.connect() as c:
            rows = c.execute(text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
                             {"s": conversation_id})
            return [json.loads(row[0]) for row in rows]
    finally:
        engine.dispose()


def _token_claims(token: str) -> int | None:
    """The customer id a token names, without trusting it (to say whose token was forged)."""
    try:
        body = token.split(".")[0]
        return int(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))["cid"])
    except Exception:  # noqa: BLE001 - any garbage: nobody's
        return None


def clean_metadata(metadata: dict, *, secret: str | None, at: float | None) -> dict:
    """What a replay turn sends: no token (the customer id it verified to instead), no
    infrastructure keys."""
    from bot.identity import InvalidToken, verify_token
    out = {k: v for k, v in metadata.items() if k not in DROPPED_METADATA}
    token = metadata.get("customer_token")
    if token:
        try:
            out["customer"] = verify_token(token, secret=secret, now=at)
        except InvalidToken as exc:
            cid = _token_claims(token) if isinstance(token, str) else None
            if cid is not None:
                out["customer"] = cid
            out["token"] = "expired" if "expired" in str(exc) else "forged"
    return out


def file_stem(conversation_id: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", conversation_id).strip("-.") or "conversation"
    return stem[:100]


def _pinned_now(turns) -> str:
    for turn in turns:
        marker = turn.metadata.get("replay")
        if isinstance(marker, dict) and marker.get("now"):
            return str(marker["now"])
    first = next((t.timestamp for t in turns if t.timestamp), None)
    when = datetime.fromtimestamp(first, timezone.utc) if first else datetime.now(timezone.utc)
    return when.replace(microsecond=0).isoformat()


def to_replay(conversation_id: str, events: list[dict], *, secret: str | None = None,
              var: Path | None = None, description: str = "") -> Replay | None:
    """The replay of one conversation (None if it has no user message)."""
    recorded = split_turns(events)
    if not recorded:
        return None
    now = _pinned_now(recorded)
    turns = [Turn(user=t.text, metadata=clean_metadata(t.metadata, secret=secret, at=t.timestamp),
                  actions=t.actions, responses=t.responses) for t in recorded]
    replay = Replay(name=file_stem(conversation_id), now=now, turns=turns,
                    description=description, recorded_from=conversation_id)
    replayed = any(isinstance(t.metadata.get("replay"), dict) for t in recorded)
    if var is not None and replayed and sandbox_ok(conversation_id):
        # it ran with the test switch: its ledger effects are known (no sandbox: it added nothing)
        from bot.ledger.clock import parse_instant
        from bot.replay import sandbox
        ledger = sandbox.ledger_path(var, conversation_id)
        template = sandbox.template_path(var, parse_instant(now))
        if not ledger.exists():
            replay.ledger = {}
        elif template.exists():
            replay.ledger = sandbox.effects(ledger, template)
    return replay


def sandbox_ok(conversation_id: str) -> bool:
    from bot.replay.sandbox import valid_key
    return valid_key(conversation_id)


def export(conversation_ids_: list[str], *, tracker_url: str, out_dir: Path = REPLAY_DIR,
           secret: str | None = None, var: Path | None = None,
           descriptions: dict[str, str] | None = None) -> list[Path]:
    written = []
    for cid in conversation_ids_:
        replay = to_replay(cid, load_events(tracker_url, cid), secret=secret, var=var,
                           description=(descriptions or {}).get(cid, ""))
        if replay is None:
            continue
        written.append(dump(replay, Path(out_dir) / f"{replay.name}.yml"))
    return written
