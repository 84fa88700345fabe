"""Each action on the demo ledger: exact events and response names."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from rasa_sdk.events import SlotSet

from actions.fallback import ActionFallback
from actions.handoff import ActionComplaint, ActionEscalateEmergency, ActionHumanHandoff
from actions.orders import ActionDeliveryTime, ActionOrderStatus
from actions.pricing import ActionCouponRefund, ActionPriceGuarantee
from actions.refunds import ActionRefundStatus
from tests.actions.conftest import make_tracker, run


def _demo(ledger_url):
    out = subprocess.run([str(Path(sys.executable).parent / "bot"), "demo", "--json"],
                         capture_output=True, text=True, check=True,
                         env={"LEDGER_URL": ledger_url, "LEDGER_NOW": "2026-06-18T02:00:00+00:00",
                              "BOT_SECRET": "test-secret", "PATH": "/usr/bin:/bin"})
    return json.loads(out.stdout)


def _scenario(demo, kind, customer=None):
    return next((c["id"], s) for c in demo["customers"] for s in c["scenarios"]
                if s["kind"] == kind and (customer is None or c["id"] == customer))


def names(messages):
    return [m["response"] for m in messages]


def test_price_guarantee_pays_the_demo_figure_once(ledger_env):
    cid, scenario = _scenario(_demo(ledger_env), "price_drop", 1001)
    events, messages = run(ActionPriceGuarantee(), make_tracker("帮我申请价保", "price_guarantee",
                                                               customer=cid))
    assert events == [SlotSet("conversation_owner", str(cid))]
    paid = [m for m in messages if m["response"] == "utter_pg_paid"]
    assert [(m["order_no"], m["refund"]) for m in paid] == [(scenario["order_no"],
                                                             scenario["expected_refund"])]
    again_events, again = run(ActionPriceGuarantee(), make_tracker(
        "再申请一次", "price_guarantee", customer=cid, slots={"conversation_owner": str(cid)}))
    assert again_events == []
    assert "utter_pg_paid" not in names(again)
    assert "utter_pg_refused_already_claimed" in names(again)


def test_price_guarantee_for_a_named_order_explains_the_refusal(ledger_env):
    cid, scenario = _scenario(_demo(ledger_env), "price_drop_refused", 1002)
    events, messages = run(ActionPriceGuarantee(), make_tracker(
        "这单能价保吗", "price_guarantee", entities=[("order_no", scenario["order_no"])], customer=cid))
    assert events == [SlotSet("conversation_owner", str(cid)), SlotSet("order_no", scenario["order_no"])]
    assert names(messages) == ["utter_pg_refused_window_passed"]


def test_another_shoppers_order_is_answered_like_an_unknown_one(ledger_env):
    demo = _demo(ledger_env)
    _, scenario = _scenario(demo, "price_drop", 1001)
    _, stranger = run(ActionPriceGuarantee(), make_tracker(
        "价保", "price_guarantee", entities=[("order_no", scenario["order_no"])], customer=1002))
    _, unknown = run(ActionPriceGuarantee(), make_tracker(
        "价保", "price_guarantee", entities=[("order_no", "999999999999")], customer=1002))
    assert names(stranger) == names(unknown) == ["utter_unknown_order"]
    assert stranger == unknown


def test_without_sign_in_account_actions_ask_to_sign_in(ledger_env):
    for action in (ActionPriceGuarantee(), ActionCouponRefund(), ActionRefundStatus(),
                   ActionOrderStatus(), ActionDeliveryTime()):
        events, messages = run(action, make_tracker("查一下", "order_status"))
        assert (events, names(messages)) == ([], ["utter_ask_login"])


def test_a_forged_or_foreign_token_cannot_read_the_conversation(ledger_env):
    events, messages = run(ActionOrderStatus(), make_tracker("查物流", "order_status",
                                                             token_value="abc.def"))
    assert (events, names(messages)) == ([], ["utter_ask_login"])
    owned = {"conversation_owner": "1001"}
    events, messages = run(ActionOrderStatus(), make_tracker("查物流", "order_status",
                                                             customer=1002, slots=owned))
    assert (events, names(messages)) == ([], ["utter_not_your_conversation"])
    events, messages = run(ActionOrderStatus(), make_tracker("查物流", "order_status", slots=owned))
    assert (events, names(messages)) == ([], ["utter_not_your_conversation"])


def test_coupon_refund_pays_the_missed_coupon(ledger_env):
    cid, scenario = _scenario(_demo(ledger_env), "coupon_missed")
    _, messages = run(ActionCouponRefund(), make_tracker("忘了用券", "coupon_refund", customer=cid))
    paid = [m for m in messages if m["response"] == "utter_coupon_paid"]
    assert [m["refund"] for m in paid] == [scenario["expected_refund"]]


def test_refund_status_after_a_claim(ledger_env):
    cid, scenario = _scenario(_demo(ledger_env), "price_drop", 1001)
    run(ActionPriceGuarantee(), make_tracker("价保", "price_guarantee", customer=cid))
    _, messages = run(ActionRefundStatus(), make_tracker("钱呢", "refund_status", customer=cid))
    assert names(messages)[0] == "utter_refund_paid_price_guarantee"
    assert messages[0]["amount"] == scenario["expected_refund"]


def test_order_status_lists_the_newest_orders_with_tracking(ledger_env):
    events, messages = run(ActionOrderStatus(), make_tracker("我的快递", "order_status", customer=1001))
    assert events == [SlotSet("conversation_owner", "1001")]
    assert names(messages)[0] == "utter_order_status_shipped"
    assert messages[0]["carrier"] == "京东物流" and messages[0]["latest"]


def test_delivery_time_only_for_orders_on_their_way(ledger_env):
    _, messages = run(ActionDeliveryTime(), make_tracker("什么时候到", "delivery_time", customer=1001))
    assert names(messages) == ["utter_order_status_shipped"]
    _, messages = run(ActionDeliveryTime(), make_tracker("什么时候到", "delivery_time", customer=1009))
    assert names(messages) == ["utter_nothing_on_the_way"]


def test_emergency_raises_a_top_priority_ticket_for_the_pharmacy_without_sign_in(ledger_env):
    events, messages = run(ActionEscalateEmergency(), make_tracker(
        "孩子误吞了药", "medical_emergency", sender="emergency-1"))
    assert events == []
    assert names(messages) == ["utter_emergency_escalated"]
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import HandoffTicket
    from sqlalchemy import select
    with default_sessionmaker()() as s:
        ticket = s.execute(select(HandoffTicket).where(
            HandoffTicket.conversation_id == "emergency-1")).scalar_one()
    assert (ticket.priority, ticket.team, ticket.status) == (0, "pharmacy", "queued")


def test_self_harm_goes_to_the_general_team_at_top_priority(ledger_env):
    run(ActionEscalateEmergency(), make_tracker("我不想活了", "self_harm", sender="sh-1"))
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import HandoffTicket
    from sqlalchemy import select
    with default_sessionmaker()() as s:
        ticket = s.execute(select(HandoffTicket).where(HandoffTicket.conversation_id == "sh-1")).scalar_one()
    assert (ticket.priority, ticket.team) == (0, "general")


def test_handoff_and_complaint_tell_the_queue_position(ledger_env):
    _, first = run(ActionHumanHandoff(), make_tracker("转人工", "human_handoff", sender="h-1"))
    _, second = run(ActionComplaint(), make_tracker("我要投诉", "complaint", customer=1001, sender="h-2"))
    assert names(first) == ["utter_handoff_queued"] and first[0]["position"] == 1
    assert names(second) == ["utter_complaint_logged"] and second[0]["position"] == 1


def test_fallback_rephrase_then_bring_in_a_human(ledger_env):
    miss = {"event": "user", "text": "asdf", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    _, once = run(ActionFallback(), make_tracker("asdf", "nlu_fallback"))
    assert names(once) == ["utter_default"]
    tracker = make_tracker("qwer", "nlu_fallback", events=[miss, {"event": "bot", "text": "?"}])
    tracker.events[-1]["parse_data"]["intent"]["name"] = "nlu_fallback"
    _, twice = run(ActionFallback(), tracker)
    assert names(twice) == ["utter_fallback_handoff", "utter_handoff_queued"]
    assert twice[1]["position"] == 1


def test_one_click_explains_a_closed_window_on_an_item_whose_price_dropped(ledger_env):
    cid, scenario = _scenario(_demo(ledger_env), "price_drop_refused", 1002)
    assert scenario["reason"] == "window_passed"
    _, messages = run(ActionPriceGuarantee(), make_tracker("帮我申请价保", "price_guarantee",
                                                          customer=cid))
    assert "utter_pg_refused_window_passed" in names(messages)
    assert "utter_pg_nothing" not in names(messages)
    refusal = next(m for m in messages if m["response"] == "utter_pg_refused_window_passed")
    assert refusal["order_no"] == scenario["order_no"] and refusal["window_ends"]
