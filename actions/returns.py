"""退货 with 闪电退款 (return request and the lightning-refund decision) as a Rasa form.

The form asks for the order, the item when the order holds several, how many units when more
than one is left, whether it is a quality problem, and whether the goods were opened when that
matters for the item's category. The ledger's ``request_return`` decides: refused with its
reason, or accepted with the refund, paid at once (lightning: trusted shopper, small refund) or
when the warehouse receives the goods; the shopper hears which, and when the money arrives.
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.aftersales import (ITEM_SLOT, ORDER_SLOT, STOP, AftersalesSubmit,
                                AftersalesValidation, AskUnitCount, whole_number, day)
from actions.orders import when
from bot.ledger.services import request_return
from bot.money import yuan

__all__ = ["ValidateReturnForm", "ActionSubmitReturn", "ActionAskReturnQuantity", "RETURN_SLOTS"]

RETURN_SLOTS = (ORDER_SLOT, ITEM_SLOT, "return_quantity", "return_reason", "item_opened")
REASONS = ("no_reason", "quality")


class ValidateReturnForm(AftersalesValidation):
    form = "return_form"
    slots = RETURN_SLOTS

    def name(self) -> str:
        return "validate_return_form"
    ask_order_response = "utter_ask_order_return"
    no_items_response = "utter_return_refused_nothing_to_return"

    def check_order(self, items, dispatcher) -> dict | None:
        """The ledger refuses a cancelled or undelivered order before anything else: say so now."""
        if not items or any(i.delivered for i in items):
            return None
        first = items[0]
        reason = "cancelled" if first.order_status == "cancelled" else "not_delivered"
        dispatcher.utter_message(response=f"utter_return_refused_{reason}",
                                 order_no=first.order_no, sku_name=first.sku_name, window_ends="")
        return STOP

    def on_item(self, item, dispatcher, tracker) -> dict:
        out: dict[str, Any] = {}
        later = tracker.slots_to_validate()
        if item.units == 1:
            out["return_quantity"] = "1"
        elif "return_quantity" not in later:
            quantity = whole_number(tracker.get_slot("return_quantity"))
            if quantity is not None and not 1 <= quantity <= item.units:
                out["return_quantity"] = None
        if item.opened_returnable:
            out["item_opened"] = False           # opened or not, it can go back: not asked
        return out

    def validate_return_quantity(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        quantity = whole_number(value)
        item = self.item_of(tracker)
        if quantity is None or quantity < 1 or (item is not None and quantity > item.units):
            dispatcher.utter_message(response="utter_return_quantity_invalid",
                                     units=item.units if item else "",
                                     sku_name=item.sku_name if item else "")
            return {"return_quantity": None}
        return {"return_quantity": str(quantity)}

    def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        return {"return_reason": value if value in REASONS else None}

    def validate_item_opened(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        return {"item_opened": value if isinstance(value, bool) else None}


class ActionAskReturnQuantity(AskUnitCount):
    response = "utter_ask_return_quantity"

    def name(self) -> str:
        return "action_ask_return_quantity"


class ActionSubmitReturn(AftersalesSubmit):
    """One ``request_return``; the response names the decision: lightning (paid now), standard
    (paid when the warehouse receives it), or the concrete refusal."""
    slots = RETURN_SLOTS

    def name(self) -> str:
        return "action_submit_return"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        order_no, item_id = tracker.get_slot(ORDER_SLOT), int(tracker.get_slot(ITEM_SLOT))
        quantity = whole_number(tracker.get_slot("return_quantity"))
        with self.sessions().begin() as session:
            out = request_return(session=session, customer_id=customer_id, order_no=order_no,
                                 item_id=item_id, quantity=quantity,
                                 reason=tracker.get_slot("return_reason"),
                                 opened=bool(tracker.get_slot("item_opened")),
                                 request_id=self.request_key(tracker, order_no, item_id, quantity))
        args = dict(sku_name=out.sku_name, order_no=out.order_no, quantity=out.quantity,
                    refund=yuan(out.refund_fen), window_ends=day(out.window_ends),
                    arrives=when(out.refund_expected_by.isoformat()) if out.refund_expected_by
                    else "")
        if not out.eligible:
            response = f"utter_return_refused_{out.reason}"
        elif out.refund_fen == 0:
            response = "utter_return_no_refund_due"
        elif out.status == "already_requested":
            response = f"utter_return_already_requested_{out.refund_status}"
        else:
            response = f"utter_return_{out.refund_kind}"
        dispatcher.utter_message(response=response, **args)
        return []
