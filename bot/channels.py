"""The shopper's REST channel, with the guarantees Rasa 3.6 lacks.

- Malformed requests get a 400 with a clear message, never a 500.
- A custom action may take at most ``ACTION_TIMEOUT_SECONDS`` (Rasa waits 300 s by default,
  then stays silent).
- If a turn produced no reply while the conversation is not paused for a human (the action
  server is down, slow or failing), the shopper gets ``utter_service_unavailable`` (an apology
  and a human offer) through the normal dialogue machinery, so the transcript shows it too;
  the error is logged and the conversation goes on.
- While an agent holds the conversation (Rasa's pause) the assistant is silent, except for an
  emergency or self-harm message: the 120 / hotline reply still goes out (in the shopper's
  script) and ``action_escalate_emergency`` raises the ticket to top priority.
- The pause outlives a new session: a due session (the first message, or one after 60 idle
  minutes) is started here, in Rasa's process with Rasa's own ``action_session_start``, and
  paused again when the session it replaces was paused. (Rasa's ``SessionStarted`` clears the
  pause; a custom session start on the action server would leave the first turn without its
  ``action_listen`` whenever that server is down, and rules would then not match.)

:func:`start_session` and :func:`finish_turn` give these guarantees around each message; the web
chat channel (``bot.webchat``) uses them too.
"""
from __future__ import annotations

import logging
from typing import Any

import rasa.core.actions.action as rasa_action
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

__all__ = ["GuardedRestInput", "start_session", "finish_turn", "validate_payload",
           "ACTION_TIMEOUT_SECONDS", "MAX_MESSAGE_CHARS", "EMERGENCY_REPLIES"]

log = logging.getLogger(__name__)

ACTION_TIMEOUT_SECONDS = 5
MAX_MESSAGE_CHARS = 20_000
MAX_SENDER_CHARS = 128
rasa_action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_SECONDS   # read at call time by RemoteAction
#: intents that get their domain reply even while an agent holds the conversation
EMERGENCY_REPLIES = {"medical_emergency": "utter_emergency", "self_harm": "utter_self_harm"}


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
            await start_session(request, sender, metadata, collector)
            try:
                await on_new_message(UserMessage(text, collector, sender, input_channel=self.name(),
                                                 metadata=metadata))
            except Exception:  # noqa: BLE001 - the shopper still gets an answer
                log.exception("processing a message failed (conversation %s)", sender)
            await finish_turn(request, sender, collector)
            return response.json(collector.messages)

        return hook


async def start_session(request: Request, sender: str, metadata: dict | None,
                        output_channel: OutputChannel) -> None:
    """Start the conversation's session if one is due, here and with Rasa's own action, and keep
    the pause of the session it replaces. Then handling the message starts no session itself."""
    agent = getattr(request.app.ctx, "agent", None)
    processor = getattr(agent, "processor", None)
    if processor is None:
        return
    from rasa.core.actions.action import ActionSessionStart
    from rasa.core.policies.policy import PolicyPrediction
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME, SESSION_START_METADATA_SLOT
    from rasa.shared.core.events import ConversationPaused, SlotSet
    try:
        async with agent.lock_store.lock(sender):
            tracker = await processor.get_tracker(sender)
            # the same test Rasa makes before handling a message (MessageProcessor, 3.6)
            if tracker.applied_events() and not processor._has_session_expired(tracker):
                return
            held = tracker.is_paused()
            if metadata:
                tracker.update(SlotSet(SESSION_START_METADATA_SLOT, metadata), processor.domain)
            await processor._run_action(
                ActionSessionStart(), tracker, output_channel, processor.nlg,
                PolicyPrediction.for_action_name(processor.domain, ACTION_SESSION_START_NAME))
            if held:
                log.info("conversation %s: a new session, still held by an agent", sender)
                tracker.update(ConversationPaused(), processor.domain)
            await processor.save_tracker(tracker)
    except Exception:  # noqa: BLE001 - Rasa then starts the session as usual
        log.exception("could not start a session for conversation %s", sender)


async def finish_turn(request: Request, sender: str, collector: CollectingOutputChannel) -> None:
    """After a turn that produced no reply: an apology when the conversation is not paused, or,
    while an agent holds it, the emergency reply and escalation for an emergency message (the
    pause keeps Rasa from predicting anything). Replies are added to ``collector``."""
    if collector.messages:
        return
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None or agent.processor is None:
        return
    try:
        async with agent.lock_store.lock(sender):
            tracker = await agent.processor.get_tracker(sender)
            if tracker.is_paused():
                latest = tracker.latest_message
                intent = (latest.intent or {}).get("name") if latest is not None else None
                if intent not in EMERGENCY_REPLIES:
                    return          # the agent answers
                log.warning("emergency in conversation %s while an agent holds it", sender)
                actions = [EMERGENCY_REPLIES[intent], "action_escalate_emergency", "action_listen"]
            else:
                log.error("a turn of conversation %s produced no reply; apologising", sender)
                # the apology, then listen: the next turn starts from a clean dialogue state
                actions = ["utter_service_unavailable", "action_listen"]
            from rasa.core.policies.policy import PolicyPrediction
            for action in actions:
                await agent.processor.execute_action(
                    sender, action, collector, agent.processor.nlg,
                    PolicyPrediction.for_action_name(agent.domain, action))
    except Exception:  # noqa: BLE001
        log.exception("could not finish the turn of conversation %s", sender)
