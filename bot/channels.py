"""The shopper's REST channel, with the guarantees Rasa 3.6 lacks.

- Malformed requests get a 400 with a clear message, never a 500.
- A custom action may take at most ``ACTION_TIMEOUT_SECONDS`` (Rasa waits 300 s by default,
  then stays silent).
- If a turn produced no reply while the conversation is not paused for a human (the action
  server is down, slow or failing), the shopper gets ``utter_service_unavailable`` (an apology
  and a human offer) through the normal dialogue machinery, so the transcript shows it too;
  the error is logged and the conversation goes on.
"""
from __future__ import annotations

import logging
from typing import Any

import rasa.core.actions.action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

__all__ = ["GuardedRestInput", "ACTION_TIMEOUT_SECONDS", "MAX_MESSAGE_CHARS"]

log = logging.getLogger(__name__)

ACTION_TIMEOUT_SECONDS = 5
MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 128
rasa_action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_SECONDS   # read at call time by RemoteAction


def _bad(message: str):
    return response.json({"error": "bad_request", "message": message}, status=400)


def validate_payload(payload: Any) -> tuple[str, str, dict] | str:
    """(sender, text, metadata) or the reason the payload is refused."""
    if not isinstance(payload, dict):
        return "the body must be a JSON object with `sender` and `message`"
    sender = payload.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        return "`sender` must be a non-empty string"
    if len(sender) > MAX_SENDER_CHARS:
        return f"`sender` must be at most {MAX_SENDER_CHARS} characters"
    text = payload.get("message", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return "`message` must be a string"
    metadata = payload.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        return "`metadata` must be a JSON object"
    return sender.strip(), text[:MAX_MESSAGE_CHARS], metadata


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message) -> Blueprint:
        hook = Blueprint(f"guarded_rest_{id(self)}", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request):
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - sanic raises on invalid JSON
                return _bad("the body is not valid JSON")
            checked = validate_payload(payload)
            if isinstance(checked, str):
                return _bad(checked)
            sender, text, metadata = checked
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:  # noqa: BLE001 - the shopper still gets an answer
                log.exception("processing a message failed (conversation %s)", sender)
            if not collector.messages:
                await self._apologise(request, sender, collector)
            return response.json(collector.messages)

        return hook

    @staticmethod
    async def _apologise(request: Request, sender: str, collector: CollectingOutputChannel) -> None:
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.processor is None:
            return
        try:
            tracker = await agent.processor.get_tracker(sender)
            if tracker.is_paused():
                return
            from rasa.core.policies.policy import PolicyPrediction
            log.error("a turn of conversation %s produced no reply; apologising", sender)
            for action in ("utter_service_unavailable", "action_listen"):
                # the apology, then listen: the next turn starts from a clean dialogue state
                await agent.processor.execute_action(
                    sender, action, collector, agent.processor.nlg,
                    PolicyPrediction.for_action_name(agent.domain, action))
        except Exception:  # noqa: BLE001
            log.exception("could not send the apology to conversation %s", sender)
