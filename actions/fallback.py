"""When the assistant did not understand: ask to rephrase, then after two misses in a row bring
in a human (a handoff ticket routed by the conversation's topic) and tell the shopper where they
stand in the queue."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.base import LedgerAction
from actions.handoff import queue_for_human, topic_of

__all__ = ["ActionFallback", "misses_in_a_row", "MISSES_BEFORE_A_HUMAN"]

MISSES_BEFORE_A_HUMAN = 2


def misses_in_a_row(tracker: Tracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if (event.get("parse_data", {}).get("intent") or {}).get("name") != "nlu_fallback":
            break
        count += 1
    return count


class ActionFallback(LedgerAction):
    needs_customer = False

    def name(self) -> str:
        return "action_fallback"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        if misses_in_a_row(tracker) < MISSES_BEFORE_A_HUMAN:
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(response="utter_fallback_handoff")
        queue_for_human(self, dispatcher, tracker, customer_id, topic=topic_of(tracker))
        return []
