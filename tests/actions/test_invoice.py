"""发票 actions on the demo ledger: the form's validation (the shopper's own order, the title,
the tax id, the e-mail) and the request or correction; exact events and response names."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.invoice import ActionRequestInvoice, ValidateInvoiceForm
from tests.actions.conftest import make_tracker
from tests.actions.test_tradein import form_tracker, run as run_in

ORDER = "389771735911"               # 1001's MateBook (demo scenario price_drop)
STRANGERS_ORDER = "337715833600"     # 1004's new phone
BOC = "91110000802100433B"
OWNED = {"conversation_owner": "1001"}
RESETS = [SlotSet(s, None) for s in ("invoice_order", "invoice_title_type", "invoice_title",
                                     "invoice_tax_id", "invoice_email")]


def run(action, tracker):
    return run_in(action, tracker, "invoice")


def answer(slot, value, *, entities=(), intent="inform", slots=None, customer=1001, **kw):
    return form_tracker("invoice_form", {slot: value}, requested=slot, entities=entities,
                        text=str(value), intent=intent, customer=customer,
                        slots={**OWNED, **(slots or {})}, **kw)


def order(value, entities=None, **kw):
    return answer("invoice_order", value,
                  entities=[("order_no", value)] if entities is None else entities, **kw)


# --------------------------------------------------------------------------- the order

def test_the_order_named_when_asking_for_an_invoice(ledger_env):
    tracker = form_tracker("invoice_form", {"invoice_order": ORDER}, starting=True, customer=1001,
                           intent="invoice", text=f"{ORDER}需要发票", entities=[("order_no", ORDER)])
    tracker.events.insert(1, {"event": "slot", "name": "invoice_order", "value": ORDER})
    events, names, _ = run(ValidateInvoiceForm(), tracker)
    assert (events, names) == ([SlotSet("conversation_owner", "1001"),
                                SlotSet("invoice_order", ORDER)], [])


def test_a_strangers_order_is_answered_exactly_like_an_unknown_one(ledger_env):
    stranger = run(ValidateInvoiceForm(), order(STRANGERS_ORDER))
    unknown = run(ValidateInvoiceForm(), order("999999999999"))
    assert stranger == unknown
    assert stranger[:2] == ([SlotSet("invoice_order", None)], ["utter_unknown_order"])


def test_no_order_look_up_without_a_verified_customer(ledger_env):
    events, names, _ = run(ValidateInvoiceForm(), order(ORDER, customer=None,
                                                        slots={"conversation_owner": None}))
    assert (events, names) == ([SlotSet("invoice_order", None)], ["utter_ask_login"])
    events, names, _ = run(ValidateInvoiceForm(), order(ORDER, customer=1004))
    assert (events, names) == ([SlotSet("invoice_order", None)], ["utter_not_your_conversation"])


def test_an_order_number_typed_without_the_entity_and_gibberish(ledger_env):
    events, names, _ = run(ValidateInvoiceForm(), order(f"单号 {ORDER}", entities=[]))
    assert (events, names) == ([SlotSet("invoice_order", ORDER)], [])
    events, names, _ = run(ValidateInvoiceForm(), order("就是那个订单", entities=[]))
    assert (events, names) == ([SlotSet("invoice_order", None)], ["utter_invoice_order_unclear"])


def test_an_order_that_has_an_invoice_is_named_before_a_correction(ledger_env):
    run(ActionRequestInvoice(), submit())
    events, names, messages = run(ValidateInvoiceForm(), order(ORDER))
    assert (events, names) == ([SlotSet("invoice_order", ORDER)], ["utter_invoice_current"])
    assert (messages[0]["title"], messages[0]["email"]) == ("张伟", "zhangwei@example.com")


# --------------------------------------------------------------------------- title and e-mail

@pytest.mark.parametrize("value, entities, expected, names", [
    ("personal", [("invoice_title_type", "personal")], [SlotSet("invoice_title_type", "personal"),
                                                         SlotSet("requested_slot", "invoice_title")], []),
    ("开给公司", [], [SlotSet("invoice_title_type", "company")], []),
    ("个人就行", [], [SlotSet("invoice_title_type", "personal"),
                      SlotSet("requested_slot", "invoice_title")], []),
    ("北京京东世纪贸易有限公司", [], [SlotSet("invoice_title_type", "company"),
                                      SlotSet("invoice_title", "北京京东世纪贸易有限公司")], []),
    ("嗯", [], [SlotSet("invoice_title_type", None)], ["utter_invoice_title_type_unclear"]),
])
def test_the_title_type(ledger_env, value, entities, expected, names):
    events, said, _ = run(ValidateInvoiceForm(), answer("invoice_title_type", value, entities=entities,
                                                        slots={"invoice_order": ORDER}))
    assert (events, said) == (expected, names)


def test_a_personal_title_skips_the_tax_id(ledger_env):
    events, names, _ = run(ValidateInvoiceForm(), answer(
        "invoice_title", "张伟", slots={"invoice_order": ORDER, "invoice_title_type": "personal"}))
    assert (events, names) == ([SlotSet("invoice_title", "张伟"),
                                SlotSet("requested_slot", "invoice_email")], [])


def test_a_company_title_with_its_tax_id_in_one_message(ledger_env):
    events, names, _ = run(ValidateInvoiceForm(), answer(
        "invoice_title", f"北京京东世纪贸易有限公司 {BOC.lower()}",
        slots={"invoice_order": ORDER, "invoice_title_type": "company"}))
    assert events == [SlotSet("invoice_title", "北京京东世纪贸易有限公司"), SlotSet("invoice_tax_id", BOC)]
    assert names == []


@pytest.mark.parametrize("slot, value, expected, names", [
    ("invoice_title", "京东", None, ["utter_invoice_title_invalid"]),
    ("invoice_tax_id", "税号是 9111 0000 8021 0043 3b", BOC, []),
    ("invoice_tax_id", "91110000802100433A", None, ["utter_invoice_tax_id_invalid"]),
    ("invoice_tax_id", "123456", None, ["utter_invoice_tax_id_invalid"]),
    ("invoice_email", "发到 Finance@Example.com 吧", "Finance@Example.com", []),
    ("invoice_email", "zhangwei at qq", None, ["utter_invoice_email_invalid"]),
])
def test_company_details_are_validated(ledger_env, slot, value, expected, names):
    events, said, _ = run(ValidateInvoiceForm(), answer(
        slot, value, slots={"invoice_order": ORDER, "invoice_title_type": "company"}))
    assert (events, said) == ([SlotSet(slot, expected)], names)


# --------------------------------------------------------------------------- the request

def submit(customer=1001, sender="conv-1", **details):
    slots = {"invoice_order": ORDER, "invoice_title_type": "personal", "invoice_title": "张伟",
             "invoice_tax_id": None, "invoice_email": "zhangwei@example.com", **OWNED}
    slots.update(details)
    return make_tracker("zhangwei@example.com", "inform", customer=customer, slots=slots, sender=sender)


def test_a_personal_invoice_then_a_retry_then_a_correction(ledger_env):
    events, names, messages = run(ActionRequestInvoice(), submit())
    assert (events, names) == (RESETS, ["utter_invoice_issued"])
    assert (messages[0]["order_no"], messages[0]["title"], messages[0]["amount"],
            messages[0]["email"]) == (ORDER, "张伟", "5999.00", "zhangwei@example.com")
    events, names, _ = run(ActionRequestInvoice(), submit())          # the same submission again
    assert (events, names) == (RESETS, ["utter_invoice_issued"])
    events, names, _ = run(ActionRequestInvoice(), submit(sender="conv-2"))
    assert (events, names) == (RESETS, ["utter_invoice_already_issued"])
    events, names, messages = run(ActionRequestInvoice(), submit(
        invoice_title_type="company", invoice_title="北京京东世纪贸易有限公司", invoice_tax_id=BOC))
    assert (events, names) == (RESETS, ["utter_invoice_reissued_company"])
    assert (messages[0]["previous_title"], messages[0]["title"], messages[0]["tax_id"]) == \
        ("张伟", "北京京东世纪贸易有限公司", BOC)


def test_a_company_invoice(ledger_env):
    _, names, messages = run(ActionRequestInvoice(), submit(
        invoice_title_type="company", invoice_title="北京京东世纪贸易有限公司", invoice_tax_id=BOC))
    assert names == ["utter_invoice_issued_company"] and messages[0]["tax_id"] == BOC


def test_a_stale_tax_id_is_not_sent_with_a_personal_title(ledger_env):
    _, names, messages = run(ActionRequestInvoice(), submit(invoice_tax_id=BOC))
    assert names == ["utter_invoice_issued"] and messages[0]["tax_id"] == ""


def test_the_request_needs_a_signed_in_shopper_and_their_own_order(ledger_env):
    events, names, _ = run(ActionRequestInvoice(), submit(customer=None))
    assert (events, names) == ([], ["utter_not_your_conversation"])
    events, names, _ = run(ActionRequestInvoice(), submit(customer=1004, conversation_owner=None,
                                                           invoice_order=ORDER))
    assert names == ["utter_unknown_order"]


def test_a_cancelled_order_gets_no_invoice(ledger_env):
    from sqlalchemy import select
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import Order
    with default_sessionmaker().begin() as s:
        cancelled = s.execute(select(Order).where(Order.customer_id == 1001,
                                                  Order.status == "cancelled")).scalars().first()
        if cancelled is None:
            cancelled = s.execute(select(Order).where(Order.customer_id == 1001)
                                  .order_by(Order.paid_at)).scalars().first()
            cancelled.status = "cancelled"
        order_no = cancelled.order_no
    events, names, messages = run(ActionRequestInvoice(), submit(invoice_order=order_no))
    assert (events, names) == (RESETS, ["utter_invoice_refused_cancelled"])
    assert messages[0]["order_no"] == order_no
