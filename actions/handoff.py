"""人工客服, 投诉 and emergencies: a handoff ticket in the ledger with team, priority and a
summary of the conversation; the shopper hears their queue position and an honest wait.

Specialists off duty: the general team takes the ticket (it is staffed around the clock) and a
non-urgent shopper may book a callback by the specialist team instead (``request_callback``),
with the window the ledger promises; an emergency never waits for a callback. While an agent
holds the conversation, an emergency raises the held ticket to top priority and the shopper is
told the agent was alerted."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from actions.base import LedgerAction
from bot.ledger.clock import local
from bot.ledger.errors import Conflict
from bot.ledger.services import open_handoff, request_callback
from bot.ledger.services.desk import open_ticket_for
from bot.ledger.tables import Team

__all__ = ["ActionHumanHandoff", "ActionComplaint", "ActionEscalateEmergency",
           "ActionRequestCallback", "summary_of", "topic_of", "queue_for_human"]

# slots an agent does not need, and the session metadata that carries the shopper's token
NOT_SUMMARISED = {"requested_slot", "session_started_metadata"}

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
             if v not in (None, [], "") and k not in NOT_SUMMARISED}
    intents = [i for i in _user_intents(tracker) if i]
    latest = (tracker.latest_message or {}).get("text") or ""
    return {"intents": intents[-20:], "slots": slots, "order_no": slots.get("order_no"),
            "last_message": latest[:300]}


def queue_for_human(action: LedgerAction, dispatcher, tracker: Tracker, customer_id: int | None,
                    *, topic: str, priority: str = "normal", response: str = "utter_handoff_queued"):
    """Open (or raise) the conversation's handoff ticket and tell the shopper where they stand."""
    with action.sessions().begin() as session:
        out = open_handoff(session=session, conversation_id=tracker.sender_id, topic=topic,
                           priority=priority, customer_id=customer_id,
                           summary=summary_of(tracker))
        team = session.get(Team, out.team).name
    if out.status == "claimed" and priority == "emergency":
        dispatcher.utter_message(response="utter_emergency_agent_alerted", team=team)
        return out
    dispatcher.utter_message(response=response, team=team, position=out.position,
                             wait=out.wait_minutes, agents=out.agents_on_duty)
    if out.routed_to_general and priority == "normal" and out.status == "queued":
        dispatcher.utter_message(response="utter_specialists_off_duty")
    return out


class _HandoffAction(LedgerAction):
    needs_customer = False
    priority = "normal"
    response = "utter_handoff_queued"

    def topic(self, tracker: Tracker) -> str:
        return topic_of(tracker)

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        queue_for_human(self, dispatcher, tracker, customer_id, topic=self.topic(tracker),
                        priority=self.priority, response=self.response)
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


class ActionRequestCallback(LedgerAction):
    """A callback by the specialist team, with the window the ledger promises, instead of
    waiting; never for an emergency, and not once an agent has the conversation."""
    needs_customer = False

    def name(self) -> str:
        return "action_request_callback"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        with self.sessions().begin() as session:
            ticket = open_ticket_for(session=session, conversation_id=tracker.sender_id)
            if ticket is None:
                ticket_id = open_handoff(session=session, conversation_id=tracker.sender_id,
                                         topic=topic_of(tracker), customer_id=customer_id,
                                         summary=summary_of(tracker)).ticket_id
            else:
                ticket_id = ticket.id
            try:
                out = request_callback(session=session, ticket_id=ticket_id)
            except Conflict:
                ticket = open_ticket_for(session=session, conversation_id=tracker.sender_id)
                urgent = ticket is not None and ticket.priority == 0
                dispatcher.utter_message(response="utter_callback_not_for_emergency" if urgent
                                         else "utter_callback_not_needed")
                return []
            team = session.get(Team, out.team).name
        dispatcher.utter_message(response="utter_callback_booked", team=team,
                                 by=local(out.callback_by).strftime("%m-%d %H:%M"))
        return []
