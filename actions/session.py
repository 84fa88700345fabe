"""A new session (after 60 idle minutes) must not wake the assistant while an agent still holds
the conversation: Rasa's ``SessionStarted`` clears the pause, so this ``action_session_start``
pauses it again when the ledger shows the conversation's ticket claimed.

Otherwise it does what Rasa's own does: start the session, carry the slots over (when the
domain says so) and listen. If the ledger cannot be read, the session starts unpaused (the
shopper is answered rather than left in silence) and the error is logged.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationPaused, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.ledger.db import default_sessionmaker
from bot.ledger.services.desk import held_by_agent

__all__ = ["ActionSessionStart"]

log = logging.getLogger(__name__)
NOT_CARRIED = {"session_started_metadata", "requested_slot"}


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    @staticmethod
    def sessions():
        return default_sessionmaker()

    def held(self, conversation_id: str) -> bool:
        try:
            with self.sessions().begin() as session:
                return held_by_agent(session=session, conversation_id=conversation_id)
        except Exception:  # noqa: BLE001 - a session must start even without the ledger
            log.exception("could not read the handoff state of %s", conversation_id)
            return False

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = [SessionStarted()]
        config = (domain or {}).get("session_config") or {}
        if config.get("carry_over_slots_to_new_session", True):
            events += [SlotSet(name, value) for name, value in (tracker.slots or {}).items()
                       if value is not None and name not in NOT_CARRIED]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata is not None:
            events.append(SlotSet("session_started_metadata", metadata))
        if self.held(tracker.sender_id):
            events.append(ConversationPaused())
        events.append(ActionExecuted("action_listen"))
        return events
