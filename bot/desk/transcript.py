"""Conversations as people read them, from Rasa tracker events (plain JSON, no Rasa import):
what the shopper's web chat shows (:func:`chat_messages`) and what an agent reads in the desk
(:func:`desk_transcript`: every session, restarts, pauses, intents, and never a token)."""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["chat_message", "chat_messages", "desk_transcript", "conversation_facts",
           "HANDOFF_ACTIONS", "HISTORY_LIMIT"]

HISTORY_LIMIT = 500
#: actions that open (or raise) a handoff ticket
HANDOFF_ACTIONS = {"action_human_handoff", "action_complaint", "action_escalate_emergency",
                   "action_fallback", "action_request_callback"}
SYSTEM_EVENTS = {"session_started": "session_started", "restart": "restarted",
                 "pause": "paused", "resume": "resumed"}


def chat_message(message: dict[str, Any], *, role: str | None = None) -> dict[str, Any]:
    """A bot message (a ``BotUttered``'s ``message()`` or a collected reply) as the chat shows
    it: ``role`` is ``bot``, ``agent`` (a human agent's reply) or ``notice`` (an agent joined or
    left)."""
    kind = message.get("kind")
    if role is None:
        role = ("agent" if message.get("role") == "agent" else
                "notice" if kind in ("agent_joined", "agent_left") else "bot")
    out: dict[str, Any] = {"role": role, "text": message.get("text") or ""}
    for key in ("buttons", "quick_replies"):
        if isinstance(message.get(key), list) and message[key]:
            out[key] = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                        for b in message[key] if isinstance(b, dict)]
    if message.get("image"):
        out["image"] = message["image"]
    if message.get("timestamp") is not None:
        out["timestamp"] = message["timestamp"]
    if role in ("agent", "notice"):
        out["agent_name"] = message.get("agent_name")
        if kind:
            out["kind"] = kind
    return out


def _bot(event: dict[str, Any]) -> dict[str, Any]:
    return chat_message({**(event.get("data") or {}), **(event.get("metadata") or {}),
                         "text": event.get("text"), "timestamp": event.get("timestamp")})


def chat_messages(events: Iterable[dict[str, Any]], *, since: int = 0) -> list[dict[str, Any]]:
    """The conversation as the shopper saw it, from tracker events (all sessions): their own
    messages (a button's payload shown as its title) and every bot, agent and notice message;
    only those from the ``since``-th event on."""
    out: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for index, event in enumerate(events):
        kind = event.get("event")
        if kind == "user":
            if index >= since:
                text = event.get("text") or ""
                out.append({"role": "user", "text": titles.get(text, text),
                            "timestamp": event.get("timestamp")})
        elif kind == "bot":
            shown = _bot(event)
            if not shown["text"] and not shown.get("buttons") and not shown.get("image"):
                continue
            titles = {b["payload"]: b["title"] for b in shown.get("buttons", [])
                      + shown.get("quick_replies", []) if b["payload"]}
            if index >= since:
                out.append(shown)
    return out[-HISTORY_LIMIT:]


def desk_transcript(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every message of every session, with the shopper's intent, and the session starts,
    restarts, pauses and resumes; user metadata (tokens) is left out."""
    out: list[dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            out.append({"role": "shopper", "text": event.get("text") or "",
                        "intent": intent.get("name"), "confidence": intent.get("confidence"),
                        "channel": event.get("input_channel"),
                        "timestamp": event.get("timestamp")})
        elif kind == "bot":
            shown = _bot(event)
            if shown["text"] or shown.get("buttons"):
                out.append(shown)
        elif kind in SYSTEM_EVENTS:
            out.append({"role": "system", "kind": SYSTEM_EVENTS[kind],
                        "timestamp": event.get("timestamp")})
    return out


def _opening(event: dict[str, Any]) -> bool:
    """Part of what a session start logs (and nothing a person said or did)."""
    kind = event.get("event")
    return kind in ("session_started", "slot") or (
        kind == "action" and event.get("name") in ("action_session_start", "action_listen"))


def conversation_facts(tracker: dict[str, Any] | None) -> dict[str, Any]:
    """What the desk needs to know about the conversation beside its messages."""
    events = list((tracker or {}).get("events") or [])
    last_restart = max((i for i, e in enumerate(events) if e.get("event") == "restart"),
                       default=-1)
    last_handoff = max((i for i, e in enumerate(events) if e.get("event") == "action"
                        and e.get("name") in HANDOFF_ACTIONS), default=-1)
    slots = (tracker or {}).get("slots") or {}
    return {
        # Rasa's tracker API shows an unknown conversation as a fresh, unsaved session start
        "exists": any(not _opening(e) for e in events),
        "paused": bool((tracker or {}).get("paused")),
        "channel": (tracker or {}).get("latest_input_channel"),
        "owner": slots.get("conversation_owner"),
        # the shopper started over after asking for a human (or the history before is gone)
        "restarted_since_ticket": last_restart > last_handoff,
        "script": ((tracker or {}).get("latest_message") or {}).get("script") or "simplified",
    }
