"""The shopper's web chat channel: replies in the response, agent messages pushed live.

Rasa's stock socketio channel drops messages with the current python-socketio and the REST
channel cannot push, so the web chat has its own channel (``credentials.yml``:
``bot.webchat.WebChatInput``), mounted by Rasa at ``/webhooks/webchat``:

    POST /conversations   a new conversation: ``{"conversation_id", "key"}``
    POST /message         ``{"conversation_id", "key", "message", "metadata"}`` ->
                          ``{"user", "messages", "paused"}`` (the replies of this turn)
    GET  /history         ``?conversation_id=&key=``: the conversation so far
    GET  /stream          ``?conversation_id=&key=``: Server-Sent Events, one ``message`` event
                          per message pushed to the conversation (agent replies, notices)

Conversation ids are minted here, random and unguessable, and every call must carry the
conversation's ``key`` (an HMAC of the id with the server secret): a client cannot pick another
conversation's id. The shopper's identity travels as usual in ``metadata.customer_token``.

Pushing: :meth:`WebChatInput.get_output_channel` returns :class:`WebChatOutput`, which hands each
message to the :class:`Hub`, which fans it out to the conversation's open streams. So an agent's
reply appended with ``POST /conversations/{id}/tracker/events?output_channel=latest&
execute_side_effects=true`` (a ``bot`` event) reaches the shopper at once. Every message carries
the ``timestamp`` of its tracker event, so a client can merge history and the stream without
duplicates (it re-reads the history whenever its stream reconnects).

The hub lives in this process: with several Rasa processes behind a balancer, a conversation's
stream and the agent's reply must reach the same process (sticky routing) or the hub must move
to a shared bus (Redis pub/sub).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections import defaultdict
from functools import lru_cache
from typing import Any

from rasa.core.channels.channel import (CollectingOutputChannel, InputChannel, OutputChannel,
                                        UserMessage)
from sanic import Blueprint, response
from sanic.request import Request

from bot.channels import MAX_MESSAGE_CHARS, finish_turn, start_session
from bot.desk.transcript import chat_message, chat_messages

__all__ = ["WebChatInput", "WebChatOutput", "Hub", "HUB", "conversation_key", "chat_messages"]

log = logging.getLogger(__name__)

CONVERSATION_RE = re.compile(r"^wc-[A-Za-z0-9_-]{20,64}$")
HEARTBEAT_SECONDS = 15
MAX_STREAMS_PER_CONVERSATION = 8
MAX_QUEUED = 200


@lru_cache(maxsize=1)
def _secret() -> bytes:
    from bot.settings import get_settings
    return get_settings().secret.encode()


def conversation_key(conversation_id: str, *, secret: bytes | None = None) -> str:
    """The key a client must present for this conversation (HMAC-SHA256, hex, 32 chars)."""
    mac = hmac.new(secret or _secret(), b"webchat-conversation:" + conversation_id.encode(),
                   hashlib.sha256)
    return mac.hexdigest()[:32]


def _bad(message: str, status: int = 400):
    return response.json({"error": "bad_request" if status == 400 else "forbidden",
                          "message": message}, status=status)


class Hub:
    """Open streams per conversation; :meth:`publish` puts a message on each of them."""

    def __init__(self) -> None:
        self._streams: dict[str, set[asyncio.Queue]] = defaultdict(set)

    def subscribe(self, conversation_id: str) -> asyncio.Queue | None:
        streams = self._streams[conversation_id]
        if len(streams) >= MAX_STREAMS_PER_CONVERSATION:
            return None
        queue: asyncio.Queue = asyncio.Queue(maxsize=MAX_QUEUED)
        streams.add(queue)
        return queue

    def unsubscribe(self, conversation_id: str, queue: asyncio.Queue) -> None:
        streams = self._streams.get(conversation_id)
        if streams is not None:
            streams.discard(queue)
            if not streams:
                del self._streams[conversation_id]

    def listeners(self, conversation_id: str) -> int:
        return len(self._streams.get(conversation_id, ()))

    def publish(self, conversation_id: str, message: dict[str, Any]) -> int:
        delivered = 0
        for queue in list(self._streams.get(conversation_id, ())):
            try:
                queue.put_nowait(message)
                delivered += 1
            except asyncio.QueueFull:   # a stuck client: it re-reads the history on reconnect
                log.warning("a web chat stream of %s is full; dropping a message", conversation_id)
        return delivered


HUB = Hub()


class WebChatOutput(OutputChannel):
    """Pushes messages to the conversation's open web chat streams."""

    def __init__(self, hub: Hub = HUB) -> None:
        self.hub = hub

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.hub.publish(recipient_id, chat_message(message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.hub.publish(recipient_id, chat_message({"text": text}))


class WebChatInput(InputChannel):
    def __init__(self, hub: Hub = HUB) -> None:
        self.hub = hub

    @classmethod
    def name(cls) -> str:
        return "webchat"

    def get_output_channel(self) -> OutputChannel:
        return WebChatOutput(self.hub)

    @staticmethod
    def _conversation(source: Any) -> tuple[str, None] | tuple[None, Any]:
        """The conversation id when ``source`` carries a valid id and key, else an error reply."""
        if not isinstance(source, dict):
            return None, _bad("the body must be a JSON object with `conversation_id` and `key`")
        conversation_id, key = source.get("conversation_id"), source.get("key")
        if not isinstance(conversation_id, str) or not CONVERSATION_RE.match(conversation_id):
            return None, _bad("`conversation_id` must be an id from POST /conversations")
        if not isinstance(key, str) or not hmac.compare_digest(
                key.encode(), conversation_key(conversation_id).encode()):
            return None, _bad("the conversation key is wrong", 403)
        return conversation_id, None

    def blueprint(self, on_new_message) -> Blueprint:
        hook = Blueprint(f"webchat_{id(self)}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @hook.route("/conversations", methods=["POST"])
        async def new_conversation(_: Request):
            conversation_id = "wc-" + secrets.token_urlsafe(18)
            return response.json({"conversation_id": conversation_id,
                                  "key": conversation_key(conversation_id)})

        @hook.route("/message", methods=["POST"])
        async def message(request: Request):
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - sanic raises on invalid JSON
                return _bad("the body is not valid JSON")
            conversation_id, error = self._conversation(payload)
            if error is not None:
                return error
            text = payload.get("message", "")
            if text is None:
                text = ""
            if not isinstance(text, str):
                return _bad("`message` must be a string")
            metadata = payload.get("metadata")
            if metadata is None:
                metadata = {}
            if not isinstance(metadata, dict):
                return _bad("`metadata` must be a JSON object")
            collector = CollectingOutputChannel()
            await start_session(request, conversation_id, metadata, collector)
            user = UserMessage(text[:MAX_MESSAGE_CHARS], collector, conversation_id,
                               input_channel=self.name(), metadata=metadata)
            try:
                await on_new_message(user)
            except Exception:  # noqa: BLE001 - the shopper still gets an answer
                log.exception("processing a message failed (conversation %s)", conversation_id)
            await finish_turn(request, conversation_id, collector)
            return response.json(await self._turn(request, conversation_id, user.message_id,
                                                  collector))

        @hook.route("/history", methods=["GET"])
        async def history(request: Request):
            conversation_id, error = self._conversation(
                {k: request.args.get(k) for k in ("conversation_id", "key")})
            if error is not None:
                return error
            tracker = await self._tracker(request, conversation_id)
            if tracker is None:
                return response.json({"messages": [], "paused": False})
            return response.json({"messages": chat_messages(e.as_dict() for e in tracker.events),
                                  "paused": tracker.is_paused()})

        @hook.route("/stream", methods=["GET"])
        async def stream(request: Request):
            conversation_id, error = self._conversation(
                {k: request.args.get(k) for k in ("conversation_id", "key")})
            if error is not None:
                return error
            queue = self.hub.subscribe(conversation_id)
            if queue is None:
                return response.json({"error": "too_many_streams",
                                      "message": "too many open streams for this conversation"},
                                     status=429)
            try:
                out = await request.respond(content_type="text/event-stream; charset=utf-8",
                                            headers={"Cache-Control": "no-cache",
                                                     "X-Accel-Buffering": "no"})
                await out.send("retry: 2000\n: connected\n\n")
                while True:
                    try:
                        item = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                    except asyncio.TimeoutError:
                        await out.send(": ping\n\n")
                        continue
                    data = json.dumps(item, ensure_ascii=False)
                    await out.send(f"event: message\ndata: {data}\n\n")
            except (asyncio.CancelledError, ConnectionError):
                pass
            finally:
                self.hub.unsubscribe(conversation_id, queue)
            return None

        return hook

    @staticmethod
    async def _tracker(request: Request, conversation_id: str):
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return None
        store = agent.tracker_store
        retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
        return await retrieve(conversation_id)

    async def _turn(self, request: Request, conversation_id: str, message_id: str,
                    collector: CollectingOutputChannel) -> dict[str, Any]:
        """This turn from the tracker: the shopper's message and every bot message after it
        (with their event timestamps); the collected replies if the tracker cannot be read."""
        try:
            tracker = await self._tracker(request, conversation_id)
        except Exception:  # noqa: BLE001
            log.exception("could not read the tracker of %s", conversation_id)
            tracker = None
        fallback = {"user": None, "messages": [chat_message(m) for m in collector.messages],
                    "paused": False}
        if tracker is None:
            return fallback
        events = [e.as_dict() for e in tracker.events]
        start = next((i for i in range(len(events) - 1, -1, -1)
                      if events[i].get("event") == "user"
                      and events[i].get("message_id") == message_id), None)
        if start is None:
            return {**fallback, "paused": tracker.is_paused()}
        shown = chat_messages(events, since=start)
        return {"user": shown[0] if shown and shown[0]["role"] == "user" else None,
                "messages": [m for m in shown if m["role"] != "user"],
                "paused": tracker.is_paused()}
