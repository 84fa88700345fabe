"""An answer outside any form goes to the service the shopper used last."""
from __future__ import annotations

from rasa_sdk.events import SlotSet

from actions.inform import ActionAnswerInform
from tests.actions.conftest import make_tracker, run


def _after(action_name):
    return [{"event": "action", "name": action_name}, {"event": "action", "name": "action_listen"}]


def test_an_order_number_after_a_price_guarantee_question_claims_for_that_order(ledger_env):
    tracker = make_tracker("389771735911", "inform", entities=[("order_no", "389771735911")],
                           customer=1001, events=_after("action_price_guarantee"))
    events, messages = run(ActionAnswerInform(), tracker)
    assert SlotSet("conversation_owner", "1001") in events
    assert messages and all(m["response"].startswith(("utter_pg_", "utter_unknown_order"))
                            for m in messages)


def test_an_order_number_out_of_the_blue_shows_the_order(ledger_env):
    tracker = make_tracker("389771735911", "inform", entities=[("order_no", "389771735911")],
                           customer=1001)
    _, messages = run(ActionAnswerInform(), tracker)
    assert messages and all(m["response"].startswith(("utter_order_status_", "utter_unknown_order",
                                                      "utter_order_late"))
                            for m in messages)


def test_a_strangers_order_number_is_an_unknown_one(ledger_env):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import Order
    from sqlalchemy import select
    with default_sessionmaker().begin() as s:
        other = s.execute(select(Order.order_no).where(Order.customer_id == 1002)).scalars().first()
    tracker = make_tracker(other, "inform", entities=[("order_no", other)], customer=1001,
                           events=_after("action_refund_status"))
    events, messages = run(ActionAnswerInform(), tracker)
    assert [m["response"] for m in messages] in (["utter_unknown_order"], ["utter_no_refunds"])
    assert other not in str(messages)


def test_anything_else_gets_a_question_back(ledger_env):
    _, messages = run(ActionAnswerInform(), make_tracker("朝阳区", "inform",
                                                         entities=[("district", "朝阳区")]))
    assert [m["response"] for m in messages] == ["utter_inform_unclear"]


def test_without_sign_in_the_service_asks_to_sign_in(ledger_env):
    tracker = make_tracker("389771735911", "inform", entities=[("order_no", "389771735911")],
                           events=_after("action_order_status"))
    assert [m["response"] for m in run(ActionAnswerInform(), tracker)[1]] == ["utter_ask_login"]
