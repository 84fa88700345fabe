"""Order status and delivery, from the ledger's orders and tracking events."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import LedgerAction
from bot.ledger.clock import local
from bot.ledger.errors import UnknownOrder
from bot.ledger.services import order_status

__all__ = ["ActionOrderStatus"]


def _when(value: str | None) -> str:
    from datetime import datetime
    if not value:
        return ""
    return local(datetime.fromisoformat(value)).strftime("%m-%d %H:%M")


class ActionOrderStatus(LedgerAction):
    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        customer = self.customer(tracker)
        if customer is None:
            dispatcher.utter_message(response="utter_ask_login")
            return []
        order_no = self.entity(tracker, "order_no") or tracker.get_slot("order_no")
        with self.sessions().begin() as session:
            try:
                views = [v.to_dict() for v in order_status(session=session, customer_id=customer,
                                                           order_no=order_no, limit=3)]
            except UnknownOrder:
                dispatcher.utter_message(response="utter_unknown_order")
                return [SlotSet("order_no", None)]
        if not views:
            dispatcher.utter_message(response="utter_no_orders")
        for view in views:
            items = "、".join(i["sku_name"] for i in view["items"])
            shipment = view["shipments"][-1] if view["shipments"] else None
            latest = shipment["events"][-1]["description"] if shipment and shipment["events"] else ""
            dispatcher.utter_message(
                response=f"utter_order_status_{view['status']}", order_no=view["order_no"],
                items=items, promised=_when(view["promised_at"]),
                delivered=_when(view["delivered_at"]),
                carrier=shipment["carrier"] if shipment else "", latest=latest)
        return [SlotSet("order_no", order_no)] if order_no else []
