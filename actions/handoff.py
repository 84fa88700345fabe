"""人工客服, 投诉 and emergencies: a handoff ticket in the ledger with team, priority and a
summary of the conversation; the shopper hears their queue position and an honest wait."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.base import LedgerAction
from bot.ledger.services import open_handoff
from bot.ledger.tables import Team

__all__ = ["ActionHumanHandoff", "ActionComplaint", "ActionEscalateEmergency", "summary_of",
           "topic_of"]

SERVICE_INTENTS = {
    "order_status", "delivery_time", "price_guarantee", "coupon_refund", "return_request",
    "refund_status", "trade_in", "repair_replace", "diaper_size_exchange", "pet_food_advice",
    "medication_question", "online_doctor", "urgent_medicine_delivery", "invoice", "complaint",
    "medical_emergency", "self_harm",
}


def _user_intents(tracker: Tracker) -> list[str]:
    return [e.get("parse_data", {}).get("intent", {}).get("name") for e in tracker.events
            if e.get("event") == "user"]


def topic_of(tracker: Tracker) -> str:
    """The latest service the shopper talked about (routes to its specialist team)."""
    for intent in reversed(_user_intents(tracker)):
        if intent in SERVICE_INTENTS:
            return intent
    return "human_handoff"


def summary_of(tracker: Tracker) -> dict[str, Any]:
    slots = {k: v for k, v in (tracker.current_slot_values() or {}).items()
             if v not in (None, [], "") and k not in ("requested_slot",)}
    intents = [i for i in _user_intents(tracker) if i]
    latest = (tracker.latest_message or {}).get("text") or ""
    return {"intents": intents[-20:], "slots": slots, "order_no": slots.get("order_no"),
            "last_message": latest[:300]}


class _HandoffAction(LedgerAction):
    needs_customer = False
    priority = "normal"
    response = "utter_handoff_queued"

    def topic(self, tracker: Tracker) -> str:
        return topic_of(tracker)

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        with self.sessions().begin() as session:
            out = open_handoff(session=session, conversation_id=tracker.sender_id,
                               topic=self.topic(tracker), priority=self.priority,
                               customer_id=customer_id, summary=summary_of(tracker))
            team = session.get(Team, out.team).name
        dispatcher.utter_message(response=self.response, team=team, position=out.position,
                                 wait=out.wait_minutes, agents=out.agents_on_duty)
        if out.routed_to_general and self.priority == "normal":
            dispatcher.utter_message(response="utter_specialists_off_duty")
        return []


class ActionHumanHandoff(_HandoffAction):
    def name(self) -> str:
        return "action_human_handoff"


class ActionComplaint(_HandoffAction):
    priority = "complaint"
    response = "utter_complaint_logged"

    def name(self) -> str:
        return "action_complaint"

    def topic(self, tracker: Tracker) -> str:
        return "complaint"


class ActionEscalateEmergency(_HandoffAction):
    """After the domain's 120 / hotline reply (chosen by a rule, so it never waits on this
    server), bring in a human at top priority: a pharmacist, or for self-harm the general team."""
    priority = "emergency"
    response = "utter_emergency_escalated"

    def name(self) -> str:
        return "action_escalate_emergency"

    def topic(self, tracker: Tracker) -> str:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        return "self_harm" if intent == "self_harm" else "medical_emergency"
