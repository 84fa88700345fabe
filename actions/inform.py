"""An answer outside any form (an order number on its own, "就是这个单"): it goes to the service
the shopper used last in this conversation (price guarantee, coupon refund, refund status, order
status, delivery time), which now reads the order from the message; an order number with no
service before it shows that order; anything else gets a question back."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import ActionDeliveryTime, ActionOrderStatus
from actions.pricing import ActionCouponRefund, ActionPriceGuarantee
from actions.refunds import ActionRefundStatus

__all__ = ["ActionAnswerInform"]

SERVICES = {cls().name(): cls for cls in (ActionPriceGuarantee, ActionCouponRefund,
                                          ActionRefundStatus, ActionOrderStatus,
                                          ActionDeliveryTime)}


def last_service(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") in SERVICES:
            return event["name"]
    return None


class ActionAnswerInform(Action):
    def name(self) -> str:
        return "action_answer_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        service = last_service(tracker)
        if service is None and next(tracker.get_latest_entity_values("order_no"), None):
            service = "action_order_status"
        if service is None:
            dispatcher.utter_message(response="utter_inform_unclear")
            return []
        return await SERVICES[service]().run(dispatcher, tracker, domain)
