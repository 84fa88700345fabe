"""The desk's client for Rasa's HTTP API (token-protected, on localhost): read a conversation's
tracker, and append events to it (``pause``/``resume`` and ``bot`` messages) with
``output_channel=latest`` so they reach the shopper's web chat at once."""
from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import quote

import aiohttp

__all__ = ["RasaClient", "RasaUnavailable", "agent_message", "notice", "session_start"]


class RasaUnavailable(Exception):
    """Rasa did not answer, or answered with an error."""


def agent_message(text: str, *, agent_name: str, agent_id: int, ticket_id: int) -> dict[str, Any]:
    """A ``bot`` event carrying a human agent's reply (shown as the agent in the chat)."""
    return {"event": "bot", "text": text, "timestamp": time.time(), "data": {},
            "metadata": {"role": "agent", "kind": "agent_message", "agent_name": agent_name,
                         "agent_id": agent_id, "ticket_id": ticket_id}}


def notice(text: str, *, kind: str, agent_name: str, ticket_id: int) -> dict[str, Any]:
    """A ``bot`` event for an agent joining (``agent_joined``) or leaving (``agent_left``)."""
    return {"event": "bot", "text": text, "timestamp": time.time(), "data": {},
            "metadata": {"kind": kind, "agent_name": agent_name, "ticket_id": ticket_id}}


def session_start() -> list[dict[str, Any]]:
    """The events that open a conversation's first session (what ``action_session_start`` logs).
    Appended first, they stop Rasa from starting the session itself after the events that follow
    were stamped (Rasa checks for exactly this opening)."""
    now = time.time()
    return [{"event": "action", "name": "action_session_start", "timestamp": now},
            {"event": "session_started", "timestamp": now},
            {"event": "action", "name": "action_listen", "timestamp": now}]


class RasaClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 15) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The whole tracker (every session, also before a restart)."""
        try:
            async with self.session().get(self._url(conversation_id, "tracker"),
                                          params={"include_events": "ALL",
                                                  "token": self.token}) as r:
                if r.status != 200:
                    raise RasaUnavailable(f"Rasa answered {r.status} reading the conversation")
                return await r.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa is not reachable: {exc.__class__.__name__}") from None

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Append events and send their messages to the shopper's latest channel."""
        try:
            async with self.session().post(
                    self._url(conversation_id, "tracker/events"), json=events,
                    params={"token": self.token, "output_channel": "latest",
                            "execute_side_effects": "true", "include_events": "NONE"}) as r:
                if r.status != 200:
                    raise RasaUnavailable(f"Rasa answered {r.status} updating the conversation")
                return await r.json()
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise RasaUnavailable(f"Rasa is not reachable: {exc.__class__.__name__}") from None
