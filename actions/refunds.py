"""退款进度: the shopper's refunds (returns, price guarantee, coupon), newest first."""
from __future__ import annotations

from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LedgerAction
from actions.orders import when
from bot.ledger.services import refund_status

__all__ = ["ActionRefundStatus"]


class ActionRefundStatus(LedgerAction):
    limit = 5

    def name(self) -> str:
        return "action_refund_status"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        order_no = self.entity(tracker, "order_no") or tracker.get_slot("order_no")
        with self.sessions().begin() as session:
            views = [v.to_dict() for v in refund_status(session=session, customer_id=customer_id,
                                                        order_no=order_no)]
        if not views:
            dispatcher.utter_message(response="utter_no_refunds")
        for view in views[: self.limit]:
            dispatcher.utter_message(
                response=f"utter_refund_{view['status']}_{view['source']}",
                sku_name=view["sku_name"], order_no=view["order_no"], amount=view["amount"],
                paid_at=when(view["paid_at"]), expected_by=when(view["expected_by"]))
        return [SlotSet("order_no", order_no)] if order_no else []
