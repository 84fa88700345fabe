"""A conversation's tracker events, split into turns: what the shopper sent, and the names of the
actions run and responses uttered until the next message.

The response name of a bot message is ``metadata.utter_action`` (Rasa 3.6 sets it for domain
responses, whether uttered by the dialogue or by a custom action); a message without one (free
text from a custom action, or an agent's message) is recorded as ``None``. ``action_listen`` and
``action_session_start`` are bookkeeping and are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["RecordedTurn", "split_turns", "IGNORED_ACTIONS"]

IGNORED_ACTIONS = {"action_listen", "action_session_start"}


@dataclass
class RecordedTurn:
    text: str
    metadata: dict
    timestamp: float | None
    actions: list[str] = field(default_factory=list)
    responses: list[str | None] = field(default_factory=list)
    bot_texts: list[str] = field(default_factory=list)
    intent: str | None = None


def split_turns(events: Iterable[dict[str, Any]]) -> list[RecordedTurn]:
    turns: list[RecordedTurn] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            turns.append(RecordedTurn(text=event.get("text") or "",
                                      metadata=dict(event.get("metadata") or {}),
                                      timestamp=event.get("timestamp"), intent=intent))
        elif not turns:
            continue                    # the session start before the first message
        elif kind == "action" and event.get("name") not in IGNORED_ACTIONS:
            turns[-1].actions.append(event["name"])
        elif kind == "bot":
            turns[-1].responses.append((event.get("metadata") or {}).get("utter_action"))
            turns[-1].bot_texts.append(event.get("text") or "")
    return turns
