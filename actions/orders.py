"""物流 / 配送时效: order status and delivery time from the ledger's orders and tracking events."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LedgerAction
from bot.ledger.clock import local
from bot.ledger.services import order_status

__all__ = ["ActionOrderStatus", "ActionDeliveryTime", "when"]


def when(value: str | None) -> str:
    """An ISO instant as the shopper's local ``MM-DD HH:MM``."""
    if not value:
        return ""
    return local(datetime.fromisoformat(value)).strftime("%m-%d %H:%M")


class ActionOrderStatus(LedgerAction):
    limit = 3          # orders told at most
    scan = 3           # orders read from the ledger

    def name(self) -> str:
        return "action_order_status"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        order_no = self.entity(tracker, "order_no") or tracker.get_slot("order_no")
        with self.sessions().begin() as session:
            views = [v.to_dict() for v in order_status(session=session, customer_id=customer_id,
                                                       order_no=order_no, limit=self.scan)]
        views = self.select(views, order_no)
        if not views:
            dispatcher.utter_message(response=self.nothing)
        for view in views[: self.limit]:
            self.say(dispatcher, view)
        return [SlotSet("order_no", order_no)] if order_no else []

    nothing = "utter_no_orders"

    @staticmethod
    def select(views: list[dict], order_no: str | None) -> list[dict]:
        return views

    @staticmethod
    def say(dispatcher, view: dict) -> None:
        items = "、".join(i["sku_name"] for i in view["items"])
        shipment = view["shipments"][-1] if view["shipments"] else None
        latest = shipment["events"][-1] if shipment and shipment["events"] else None
        dispatcher.utter_message(
            response=f"utter_order_status_{view['status']}", order_no=view["order_no"],
            items=items, promised=when(view["promised_at"]), delivered=when(view["delivered_at"]),
            carrier=shipment["carrier"] if shipment else "",
            latest=latest["description"] if latest else "",
            latest_at=when(latest["at"]) if latest else "")
        if view.get("late"):
            dispatcher.utter_message(response="utter_order_late", order_no=view["order_no"])


class ActionDeliveryTime(ActionOrderStatus):
    """When will it arrive: the promised time of the named order, or of orders on their way."""
    scan = 10
    nothing = "utter_nothing_on_the_way"

    def name(self) -> str:
        return "action_delivery_time"

    @staticmethod
    def select(views: list[dict], order_no: str | None) -> list[dict]:
        return views if order_no else [v for v in views if v["status"] in ("paid", "shipped")]
