"""一键价保 and 领券价保: claim over the shopper's recent orders, or one named order."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LedgerAction
from bot.ledger.clock import local
from bot.ledger.services import claim_coupon_refund, claim_price_guarantee
from bot.money import yuan

__all__ = ["ActionPriceGuarantee", "ActionCouponRefund"]

# refusals that are worth a sentence even in a one-click sweep over every recent order
ALWAYS_EXPLAIN = {"flash_sale_price", "flash_sale_purchase", "qualified_price", "coupon_used",
                  "already_claimed"}


def _day(value: datetime | None) -> str:
    return local(value).strftime("%Y-%m-%d") if value else ""


class _ClaimAction(LedgerAction):
    claim = staticmethod(claim_price_guarantee)
    prefix = "utter_pg"

    @staticmethod
    def explain(item) -> bool:
        """Worth a sentence in a sweep: the concrete refusals, and a window that closed on an
        item whose price has since dropped (the shopper would otherwise never learn why)."""
        if item.reason in ALWAYS_EXPLAIN:
            return True
        return (item.reason == "window_passed" and bool(item.current_price_fen)
                and item.current_price_fen < item.paid_price_fen)

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        order_no = self.entity(tracker, "order_no")
        with self.sessions().begin() as session:
            batch = self.claim(session=session, customer_id=customer_id, order_no=order_no)
        for item in batch.items:
            args = dict(sku_name=item.sku_name, order_no=item.order_no, refund=yuan(item.refund_fen),
                        paid=yuan(item.paid_price_fen),
                        current=yuan(item.current_price_fen) if item.current_price_fen else "",
                        window_ends=_day(item.window_ends), arrives=_day(item.arrives_by),
                        coupon=item.coupon_code or "")
            if item.status == "paid":
                dispatcher.utter_message(response=f"{self.prefix}_paid", **args)
            elif order_no is not None or self.explain(item):
                dispatcher.utter_message(response=f"{self.prefix}_refused_{item.reason}", **args)
        if batch.total_refund_fen:
            if len(batch.paid) > 1:
                dispatcher.utter_message(response=f"{self.prefix}_total",
                                         total=yuan(batch.total_refund_fen))
        elif order_no is None and not any(self.explain(i) for i in batch.items):
            dispatcher.utter_message(response=f"{self.prefix}_nothing")
        return [SlotSet("order_no", order_no)] if order_no else []


class ActionPriceGuarantee(_ClaimAction):
    def name(self) -> str:
        return "action_price_guarantee"


class ActionCouponRefund(_ClaimAction):
    claim = staticmethod(claim_coupon_refund)
    prefix = "utter_coupon"

    def name(self) -> str:
        return "action_coupon_refund"
