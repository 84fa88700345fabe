"""The 售后 forms' actions on the demo ledger: validation (``validate_<form>``), the ask actions and
the submit actions, each run with a CollectingDispatcher; exact events and response names."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select

from actions.aftersales import (ActionAskAftersalesItem, ActionAskAftersalesOrder,
                                ActionAskUnopenedPacks, ActionSubmitDiaperExchange,
                                ActionSubmitRepair, ValidateDiaperExchangeForm,
                                ValidateRepairForm, match_item)
from actions.returns import (ActionAskReturnQuantity, ActionSubmitReturn, RETURN_SLOTS,
                             ValidateReturnForm)
from tests.actions.conftest import token
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
R = "requested_slot"
ORDER, ITEM = "aftersales_order", "aftersales_item"
REPAIR_SLOTS = (ORDER, ITEM, "fault_description")
DIAPER_SLOTS = (ORDER, ITEM, "baby_weight", "unopened_packs")

# demo seed orders (bot/ledger/seed.py), dated from NOW
SHOES_1001 = "306960931593"        # 李宁 跑步鞋, delivered 2 days ago: lightning (trust 820)
FORMULA_1001 = "306912855014"      # shipped, not delivered
LAPTOP_1001 = "389771735911"       # delivered 8 days ago: past the 7-day return window
DYSON_1001 = "349768957152"        # an appliance: a standard repair
TENT_1009 = "370712004698"         # trust 699: a standard refund
MEDICINE_1006 = "319235949783"     # 芬必得 x1 and 连花清瘟 x2
PUMP_1003 = "367067857597"         # a breast pump delivered 100 days ago
STERILISER_1003 = "307856726559"   # a steriliser and formula
DIAPERS_1003 = "372310326928"      # 3 packs of 花王妙而舒 M, delivered 20 days ago
OLD_DIAPERS_1003 = "353577730747"  # delivered 116 days ago: past the 90-day exchange window


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    """The forms and slots of the merged domain (what Rasa sends the action server)."""
    merged: dict[str, Any] = {"forms": {}, "slots": {}}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        merged["forms"].update(data.get("forms") or {})
        merged["slots"].update(data.get("slots") or {})
    return merged


def tracker(*, customer: int | None = None, intent: str = "inform", entities=(), text: str = "",
            slots: dict | None = None, candidates: dict | None = None, requested: str | None = None,
            form: str | None = None, activating: bool = False, stale: dict | None = None,
            owner: int | str | None = None, sender: str = "conv-1") -> Tracker:
    """The tracker Rasa sends: the shopper's message, the slots extracted from it, and for a
    form's validation the candidate block after the form's ActionExecuted."""
    metadata = {"customer_token": token(customer)} if customer is not None else {}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [{"entity": k, "value": v} for k, v in entities], "metadata": metadata}
    candidates = dict(candidates or {})
    values = {**(slots or {}), **(stale or {}), **candidates, R: requested}
    if owner is not None:
        values["conversation_owner"] = str(owner)
    events = [{"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": latest, "metadata": metadata}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    if form:
        if activating:
            events.append({"event": "active_loop", "name": form})
        events += [{"event": "slot", "name": R, "value": requested},
                   {"event": "action", "name": form}]
        events += [{"event": "slot", "name": k, "value": v}
                   for k, v in {**(stale or {}), **candidates}.items()]
    return Tracker(sender, values, latest, events, False, None,
                   {"name": form} if form else None, "action_listen")


def run(action, t: Tracker, domain: dict | None = None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, domain or {}))
    return events, dispatcher.messages


def names(messages) -> list[str]:
    return [m["response"] for m in messages]


def validate(action, domain, **kwargs):
    return run(action, tracker(form=action.form, **kwargs), domain)


def item_id(order_no: str, customer: int, sku_part: str = "") -> str:
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.services.aftersales import aftersales_items
    with default_sessionmaker().begin() as s:
        items = aftersales_items(session=s, customer_id=customer, order_no=order_no, now=NOW)
    return str(next(i.item_id for i in items if sku_part in i.sku_name))


def count(table) -> int:
    from bot.ledger.db import default_sessionmaker
    with default_sessionmaker()() as s:
        return s.execute(select(func.count()).select_from(table)).scalar_one()


# --------------------------------------------------------------------- signing in, whose order

def test_not_signed_in_the_form_asks_to_sign_in_and_ends_at_once(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, intent="return_request",
                                activating=True)
    assert names(messages) == ["utter_ask_login"]
    assert events == [SlotSet(s, None) for s in RETURN_SLOTS] + [SlotSet(R, None)]


def test_not_signed_in_an_order_number_is_not_looked_up(ledger_env, domain):
    events, messages = validate(ValidateRepairForm(), domain, candidates={ORDER: SHOES_1001},
                                requested=ORDER)
    assert names(messages) == ["utter_ask_login"]
    assert events == [SlotSet(s, None) for s in REPAIR_SLOTS] + [SlotSet(R, None)]


def test_not_signed_in_and_nothing_answered_lets_the_form_reject_the_turn(ledger_env, domain):
    events, messages = validate(ValidateDiaperExchangeForm(), domain, intent="faq",
                                requested=ORDER)
    assert (events, messages) == ([], [])


def test_signed_in_and_nothing_answered_lets_the_form_reject_the_turn(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1001, intent="faq",
                                requested=ORDER)
    assert (events, messages) == ([], [])


def test_another_customers_conversation_cannot_use_the_form(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1002, owner=1001,
                                candidates={ORDER: SHOES_1001}, requested=ORDER)
    assert names(messages) == ["utter_not_your_conversation"]
    assert events[-1] == SlotSet(R, None)


@pytest.mark.parametrize("form", [ValidateReturnForm, ValidateRepairForm,
                                  ValidateDiaperExchangeForm])
def test_a_strangers_order_gets_exactly_the_unknown_order_answer(ledger_env, domain, form):
    stranger = validate(form(), domain, customer=1002, owner=1002,
                        candidates={ORDER: SHOES_1001}, requested=ORDER)
    unknown = validate(form(), domain, customer=1002, owner=1002,
                       candidates={ORDER: "999999999999"}, requested=ORDER)
    assert stranger == unknown
    assert names(stranger[1]) == ["utter_unknown_order"]
    assert stranger[0] == [SlotSet(ORDER, None), SlotSet(ITEM, None)]


# ------------------------------------------------------------------------------ 退货: validation

def test_return_one_item_order_resolves_the_item_and_what_need_not_be_asked(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1001,
                                candidates={ORDER: SHOES_1001}, requested=ORDER)
    assert messages == []
    assert events == [SlotSet("conversation_owner", "1001"), SlotSet(ORDER, SHOES_1001),
                      SlotSet(ITEM, item_id(SHOES_1001, 1001)), SlotSet("return_quantity", "1"),
                      SlotSet("item_opened", False)]


def test_return_several_items_ask_which_then_how_many(ledger_env, domain):
    v = ValidateReturnForm()
    events, messages = validate(v, domain, customer=1006, owner=1006,
                                candidates={ORDER: MEDICINE_1006}, requested=ORDER)
    assert (events, messages) == ([SlotSet(ORDER, MEDICINE_1006), SlotSet(ITEM, None)], [])
    # the product named (entity, or a button's payload)
    fenbid = item_id(MEDICINE_1006, 1006, "芬必得")
    events, messages = validate(v, domain, customer=1006, owner=1006,
                                slots={ORDER: MEDICINE_1006}, requested=ITEM,
                                entities=[("product", "芬必得 布洛芬缓释胶囊 24粒")],
                                candidates={ITEM: "芬必得 布洛芬缓释胶囊 24粒"})
    assert messages == []
    assert events == [SlotSet(ITEM, fenbid), SlotSet("return_quantity", "1"),
                      SlotSet("item_opened", False)]
    # the item in words, without an entity: matched against the order's items
    lianhua = item_id(MEDICINE_1006, 1006, "连花清瘟")
    events, messages = validate(v, domain, customer=1006, owner=1006, text="连花清瘟那个",
                                slots={ORDER: MEDICINE_1006}, requested=ITEM)
    assert messages == []
    assert events == [SlotSet(ITEM, lianhua), SlotSet("item_opened", False)]
    # two bought: how many, within what is left
    for said, expected, replies in (("3", None, ["utter_return_quantity_invalid"]),
                                    ("0", None, ["utter_return_quantity_invalid"]),
                                    ("2", "2", [])):
        events, messages = validate(v, domain, customer=1006, owner=1006,
                                    slots={ORDER: MEDICINE_1006, ITEM: lianhua,
                                           "item_opened": False},
                                    candidates={"return_quantity": said},
                                    requested="return_quantity")
        assert (events, names(messages)) == ([SlotSet("return_quantity", expected)], replies)


def test_return_a_product_not_in_the_order_is_asked_again(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1006, owner=1006,
                                slots={ORDER: MEDICINE_1006}, requested=ITEM,
                                candidates={ITEM: "贝亲 双边电动吸奶器"})
    assert (events, names(messages)) == ([SlotSet(ITEM, None)], ["utter_item_not_in_order"])
    assert messages[0]["order_no"] == MEDICINE_1006


def test_return_asks_if_opened_only_where_it_matters(ledger_env, domain):
    events, _ = validate(ValidateReturnForm(), domain, customer=1003, owner=1003,
                         candidates={ORDER: DIAPERS_1003}, requested=ORDER)
    assert events == [SlotSet(ORDER, DIAPERS_1003), SlotSet(ITEM, item_id(DIAPERS_1003, 1003))]
    events, _ = validate(ValidateReturnForm(), domain, customer=1003, owner=1003,
                         slots={ORDER: DIAPERS_1003, ITEM: "8"}, candidates={"item_opened": True},
                         requested="item_opened")
    assert events == [SlotSet("item_opened", True)]


@pytest.mark.parametrize("order_no, reply", [(FORMULA_1001, "utter_return_refused_not_delivered"),
                                             ("387021833168", "utter_return_refused_cancelled")])
def test_return_of_an_undelivered_or_cancelled_order_ends_the_form(ledger_env, domain, order_no,
                                                                   reply):
    events, messages = validate(ValidateReturnForm(), domain, customer=1001, owner=1001,
                                candidates={ORDER: order_no}, requested=ORDER)
    assert names(messages) == [reply] and messages[0]["order_no"] == order_no
    assert events == [SlotSet(ORDER, None), SlotSet(ITEM, None), SlotSet(R, None)]


def test_values_left_by_an_unfinished_form_are_dropped_when_a_form_starts(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1001, owner=1001,
                                intent="return_request", activating=True,
                                stale={ORDER: LAPTOP_1001, ITEM: "1", "return_reason": "quality"})
    assert messages == []
    assert events == [SlotSet(ITEM, None), SlotSet(ORDER, None), SlotSet("return_reason", None)]
    assert validate(ValidateReturnForm(), domain, customer=1001, intent="return_request",
                    activating=True)[0] == [SlotSet("conversation_owner", "1001")]


def test_an_order_named_when_asking_for_the_return_is_taken(ledger_env, domain):
    events, messages = validate(ValidateReturnForm(), domain, customer=1009,
                                intent="return_request", entities=[("order_no", TENT_1009)],
                                activating=True, candidates={ORDER: TENT_1009})
    assert messages == []
    assert events == [SlotSet("conversation_owner", "1009"), SlotSet(ORDER, TENT_1009),
                      SlotSet(ITEM, item_id(TENT_1009, 1009)), SlotSet("return_quantity", "1"),
                      SlotSet("item_opened", False)]


# ------------------------------------------------------------------------------ 退货: submit

def submit_return(customer, order_no, *, reason="no_reason", quantity="1", opened=False,
                  sender="conv-1"):
    return run(ActionSubmitReturn(), tracker(
        customer=customer, owner=customer, intent="deny", sender=sender,
        slots={ORDER: order_no, ITEM: item_id(order_no, customer), "return_quantity": quantity,
               "return_reason": reason, "item_opened": opened}))


RESET_RETURN = [SlotSet(s, None) for s in RETURN_SLOTS]


def test_lightning_refund_is_told_with_the_amount_and_arrival_and_paid_once(ledger_env):
    from bot.ledger.tables import Refund, Return
    events, messages = submit_return(1001, SHOES_1001)
    assert events == RESET_RETURN
    assert names(messages) == ["utter_return_lightning"]
    assert (messages[0]["refund"], messages[0]["order_no"], messages[0]["quantity"]) == \
        ("299.00", SHOES_1001, 1)
    assert messages[0]["arrives"] == "06-18 10:01"          # 60 s after NOW, local time
    again_events, again = submit_return(1001, SHOES_1001)   # a retried request
    assert again_events == RESET_RETURN
    assert names(again) == ["utter_return_already_requested_paid"]
    assert again[0]["refund"] == "299.00"
    assert (count(Return), count(Refund)) == (1, 1)


def test_standard_refund_waits_for_the_warehouse(ledger_env):
    _, messages = submit_return(1009, TENT_1009)
    assert names(messages) == ["utter_return_standard"]
    assert (messages[0]["refund"], messages[0]["arrives"]) == ("399.00", "06-22 10:00")


@pytest.mark.parametrize("customer, order_no, kwargs, reply", [
    (1001, LAPTOP_1001, {}, "utter_return_refused_window_passed"),
    (1006, MEDICINE_1006, {}, "utter_return_refused_quality_only"),
    (1003, DIAPERS_1003, {"opened": True, "quantity": "1"}, "utter_return_refused_opened"),
])
def test_each_refusal_has_its_own_reply(ledger_env, customer, order_no, kwargs, reply):
    events, messages = submit_return(customer, order_no, **kwargs)
    assert (events, names(messages)) == (RESET_RETURN, [reply])
    if reply.endswith("window_passed"):
        assert messages[0]["window_ends"] == "2026-06-17"


def test_medicine_with_a_quality_problem_goes_back(ledger_env):
    _, messages = submit_return(1006, MEDICINE_1006, reason="quality")
    assert names(messages) == ["utter_return_standard"]      # trust 690: not lightning


def test_return_submit_without_sign_in_or_with_the_form_unfinished(ledger_env):
    slots = {ORDER: SHOES_1001, ITEM: "3", "return_quantity": "1", "return_reason": "no_reason",
             "item_opened": False}
    events, messages = run(ActionSubmitReturn(), tracker(slots=slots))
    assert (events, names(messages)) == (RESET_RETURN, ["utter_ask_login"])
    events, messages = run(ActionSubmitReturn(), tracker(customer=1001, slots={ORDER: SHOES_1001}))
    assert (events, messages) == (RESET_RETURN, [])


# --------------------------------------------------------------------- 上门以换代修 / 维修

def test_repair_the_fault_named_when_asking_is_kept_and_the_product_picks_the_item(ledger_env,
                                                                                   domain):
    v = ValidateRepairForm()
    pump = "贝亲 双边电动吸奶器"
    events, messages = validate(v, domain, customer=1003, intent="repair_replace",
                                text="吸奶器坏了，开不了机", entities=[("product", pump)],
                                activating=True,
                                candidates={ITEM: pump, "fault_description": "吸奶器坏了，开不了机"})
    assert messages == []
    assert events == [SlotSet("conversation_owner", "1003"), SlotSet(ITEM, pump),
                      SlotSet("fault_description", "吸奶器坏了，开不了机")]
    events, messages = validate(v, domain, customer=1003, owner=1003,
                                slots={ITEM: pump, "fault_description": "吸奶器坏了，开不了机"},
                                candidates={ORDER: PUMP_1003}, requested=ORDER)
    assert messages == []
    assert events == [SlotSet(ORDER, PUMP_1003), SlotSet(ITEM, item_id(PUMP_1003, 1003))]


PHONE_1004 = "337715833600"         # 小米14 alone


def test_repair_a_product_word_in_the_fault_never_overrides_the_one_item(ledger_env, domain):
    v = ValidateRepairForm()
    fault = "充电的时候手机一直充不进去，插上也没反应"
    phone = item_id(PHONE_1004, 1004)
    # at the fault question, the order's only item already resolved
    events, messages = validate(v, domain, customer=1004, owner=1004, text=fault,
                                entities=[("product", "手机")], slots={ORDER: PHONE_1004, ITEM: phone},
                                candidates={ITEM: "手机", "fault_description": fault},
                                requested="fault_description")
    assert messages == []
    assert events == [SlotSet(ITEM, phone), SlotSet("fault_description", fault)]
    # the order number and the fault in one message
    events, messages = validate(v, domain, customer=1004, owner=1004, text=PHONE_1004 + " " + fault,
                                intent="repair_replace", entities=[("product", "手机")],
                                activating=True, candidates={ORDER: PHONE_1004, ITEM: "手机",
                                                             "fault_description": fault})
    assert messages == []
    assert events == [SlotSet(ORDER, PHONE_1004), SlotSet(ITEM, phone),
                      SlotSet("fault_description", fault)]


def test_repair_a_product_word_picks_among_several_items_only_when_it_matches(ledger_env, domain):
    v = ValidateRepairForm()
    steriliser = item_id(STERILISER_1003, 1003, "消毒器")

    def at_fault_question(word, fault):
        t = tracker(form=v.form, customer=1003, owner=1003, text=fault,
                    entities=[("product", word)], slots={ORDER: STERILISER_1003, ITEM: steriliser},
                    candidates={ITEM: word, "fault_description": fault},
                    requested="fault_description")
        t.events[:0] = [{"event": "slot", "name": ORDER, "value": STERILISER_1003},
                        {"event": "slot", "name": ITEM, "value": steriliser}]
        return run(v, t, domain)
    events, messages = at_fault_question("手机", "手机一插上它就跳闸")
    assert (events, messages) == ([SlotSet(ITEM, steriliser),
                                   SlotSet("fault_description", "手机一插上它就跳闸")], [])
    events, messages = at_fault_question("消毒器", "消毒器不加热了")
    assert (events, messages) == ([SlotSet(ITEM, steriliser),
                                   SlotSet("fault_description", "消毒器不加热了")], [])


def test_repair_a_bare_request_is_not_a_fault_description(ledger_env, domain):
    events, _ = validate(ValidateRepairForm(), domain, customer=1003, intent="repair_replace",
                         text="我要报修", activating=True,
                         candidates={"fault_description": "我要报修"})
    assert events == [SlotSet("conversation_owner", "1003"), SlotSet("fault_description", None)]
    payload = '/repair_replace{"product": "贝亲 双边电动吸奶器"}'        # a button, not words
    events, _ = validate(ValidateRepairForm(), domain, customer=1003, intent="repair_replace",
                         text=payload, entities=[("product", "贝亲 双边电动吸奶器")],
                         activating=True, candidates={"fault_description": payload})
    assert events == [SlotSet("conversation_owner", "1003"), SlotSet("fault_description", None)]
    events, messages = validate(ValidateRepairForm(), domain, customer=1003, owner=1003,
                                slots={ORDER: PUMP_1003, ITEM: "7"},
                                candidates={"fault_description": " 。"},
                                requested="fault_description")
    assert (events, names(messages)) == ([SlotSet("fault_description", None)],
                                         ["utter_fault_description_too_short"])


def test_repair_picks_the_baby_appliance_of_a_mixed_order(ledger_env, domain):
    events, _ = validate(ValidateRepairForm(), domain, customer=1003, owner=1003,
                         candidates={ORDER: STERILISER_1003}, requested=ORDER)
    assert events == [SlotSet(ORDER, STERILISER_1003),
                      SlotSet(ITEM, item_id(STERILISER_1003, 1003, "消毒器"))]


def test_repair_of_an_undelivered_order_ends_the_form(ledger_env, domain):
    events, messages = validate(ValidateRepairForm(), domain, customer=1001, owner=1001,
                                candidates={ORDER: FORMULA_1001}, requested=ORDER)
    assert names(messages) == ["utter_repair_refused_not_delivered"]
    assert events == [SlotSet(ORDER, None), SlotSet(ITEM, None), SlotSet(R, None)]


def test_repair_of_a_returned_item_is_refused(ledger_env, domain):
    submit_return(1001, SHOES_1001)
    events, messages = validate(ValidateRepairForm(), domain, customer=1001, owner=1001,
                                candidates={ORDER: SHOES_1001}, requested=ORDER)
    assert names(messages) == ["utter_repair_refused_returned_order"]
    assert events == [SlotSet(ORDER, None), SlotSet(ITEM, None)]


def submit_repair(customer, order_no, sku_part="", fault="不工作了"):
    return run(ActionSubmitRepair(), tracker(
        customer=customer, owner=customer,
        slots={ORDER: order_no, ITEM: item_id(order_no, customer, sku_part),
               "fault_description": fault}))


RESET_REPAIR = [SlotSet(s, None) for s in REPAIR_SLOTS]


def test_baby_appliance_is_replaced_at_home_with_the_visit_window(ledger_env):
    events, messages = submit_repair(1003, PUMP_1003)
    assert (events, names(messages)) == (RESET_REPAIR, ["utter_repair_onsite_created"])
    assert (messages[0]["visit_by"], messages[0]["window_ends"]) == ("06-20 10:00", "2027-03-10")
    again_events, again = submit_repair(1003, PUMP_1003)
    assert (again_events, names(again)) == (RESET_REPAIR, ["utter_repair_onsite_already_open"])
    assert again[0]["ticket_id"] == messages[0]["ticket_id"]


def test_other_faults_get_a_repair_ticket(ledger_env):
    events, messages = submit_repair(1001, DYSON_1001, fault="吸力变小了")
    assert (events, names(messages)) == (RESET_REPAIR, ["utter_repair_created"])
    assert messages[0]["ticket_id"] and messages[0]["visit_by"] == ""


def test_a_baby_appliance_past_its_year_gets_a_repair_with_the_reason(ledger_env):
    from bot.ledger.db import default_sessionmaker
    from tests import factories as f
    with default_sessionmaker().begin() as s:
        customer = s.get(f.Customer, 1003)
        old = f.order(s, customer, ["B-XINBEI-WARM"], paid_days_ago=400, delivered_days_ago=398)
        order_no = old.order_no
    events, messages = submit_repair(1003, order_no)
    assert names(messages) == ["utter_repair_created_replace_window_passed"]
    assert messages[0]["window_ends"] == "2026-05-16"      # delivered 398 days ago + 365


def test_repair_refused_when_not_delivered_at_submit(ledger_env):
    _, messages = submit_repair(1001, FORMULA_1001)
    assert names(messages) == ["utter_repair_refused_not_delivered"]


# ---------------------------------------------------------------------- 纸尿裤尺码随心换

def test_diapers_the_weight_advises_a_size_from_the_products_chart(ledger_env, domain):
    v = ValidateDiaperExchangeForm()
    diapers = item_id(DIAPERS_1003, 1003)
    events, messages = validate(v, domain, customer=1003, owner=1003,
                                candidates={ORDER: DIAPERS_1003}, requested=ORDER)
    assert (events, messages) == ([SlotSet(ORDER, DIAPERS_1003), SlotSet(ITEM, diapers)], [])
    events, messages = validate(v, domain, customer=1003, owner=1003,
                                slots={ORDER: DIAPERS_1003, ITEM: diapers},
                                candidates={"baby_weight": "10.5"}, requested="baby_weight")
    assert events == [SlotSet("baby_weight", "10.5")]
    assert names(messages) == ["utter_diaper_size_advice"]
    assert {k: messages[0][k] for k in ("weight", "size", "current", "low", "high", "line")} == \
        {"weight": "10.5", "size": "L", "current": "M", "low": "9", "high": "14",
         "line": "花王妙而舒纸尿裤"}


@pytest.mark.parametrize("weight, reply, events", [
    ("105", "utter_weight_implausible", [SlotSet("baby_weight", None)]),
    ("0.3", "utter_weight_implausible", [SlotSet("baby_weight", None)]),
    ("7", "utter_exchange_refused_same_size",
     [SlotSet("baby_weight", None), SlotSet(ORDER, None), SlotSet(ITEM, None), SlotSet(R, None)]),
    ("20", "utter_exchange_refused_weight_outside_chart",
     [SlotSet("baby_weight", None), SlotSet(ORDER, None), SlotSet(ITEM, None), SlotSet(R, None)]),
])
def test_diapers_implausible_weights_are_asked_again_and_no_exchange_ends_the_form(
        ledger_env, domain, weight, reply, events):
    got, messages = validate(ValidateDiaperExchangeForm(), domain, customer=1003, owner=1003,
                             slots={ORDER: DIAPERS_1003, ITEM: item_id(DIAPERS_1003, 1003)},
                             candidates={"baby_weight": weight}, requested="baby_weight")
    assert (got, names(messages)) == (events, [reply])


def test_diapers_named_with_the_weight_at_the_start_are_advised_once(ledger_env, domain):
    events, messages = validate(ValidateDiaperExchangeForm(), domain, customer=1003,
                                intent="diaper_size_exchange", activating=True,
                                candidates={ORDER: DIAPERS_1003, "baby_weight": "10.5"})
    assert names(messages) == ["utter_diaper_size_advice"]
    assert events == [SlotSet("conversation_owner", "1003"), SlotSet(ORDER, DIAPERS_1003),
                      SlotSet("baby_weight", "10.5"), SlotSet(ITEM, item_id(DIAPERS_1003, 1003))]


def test_diapers_unopened_packs_within_what_was_bought(ledger_env, domain):
    slots = {ORDER: DIAPERS_1003, ITEM: item_id(DIAPERS_1003, 1003), "baby_weight": "10.5"}
    for said, expected, replies in (("5", None, ["utter_unopened_packs_too_many"]),
                                    ("两", None, ["utter_unopened_packs_invalid"]),
                                    ("0", "0", []), ("3", "3", [])):
        events, messages = validate(ValidateDiaperExchangeForm(), domain, customer=1003,
                                    owner=1003, slots=slots,
                                    candidates={"unopened_packs": said}, requested="unopened_packs")
        assert (events, names(messages)) == ([SlotSet("unopened_packs", expected)], replies)


def test_diapers_past_the_window_or_not_diapers(ledger_env, domain):
    events, messages = validate(ValidateDiaperExchangeForm(), domain, customer=1003, owner=1003,
                                candidates={ORDER: OLD_DIAPERS_1003}, requested=ORDER)
    assert names(messages) == ["utter_exchange_refused_exchange_window_passed"]
    assert messages[0]["window_ends"] == "2026-05-23"
    assert events == [SlotSet(ORDER, None), SlotSet(ITEM, None), SlotSet(R, None)]
    events, messages = validate(ValidateDiaperExchangeForm(), domain, customer=1003, owner=1003,
                                candidates={ORDER: PUMP_1003}, requested=ORDER)
    assert names(messages) == ["utter_exchange_refused_not_diapers"]
    assert events == [SlotSet(ORDER, None), SlotSet(ITEM, None)]


def submit_diapers(packs, weight="10.5"):
    return run(ActionSubmitDiaperExchange(), tracker(
        customer=1003, owner=1003,
        slots={ORDER: DIAPERS_1003, ITEM: item_id(DIAPERS_1003, 1003), "baby_weight": weight,
               "unopened_packs": packs}))


RESET_DIAPERS = [SlotSet(s, None) for s in DIAPER_SLOTS]


def test_diaper_exchange_is_created_once(ledger_env):
    events, messages = submit_diapers("2")
    assert (events, names(messages)) == (RESET_DIAPERS, ["utter_exchange_created"])
    assert {k: messages[0][k] for k in ("from_size", "to_size", "packs")} == \
        {"from_size": "M", "to_size": "L", "packs": 2}
    again_events, again = submit_diapers("2")
    assert (again_events, names(again)) == (RESET_DIAPERS, ["utter_exchange_already_open"])
    assert again[0]["ticket_id"] == messages[0]["ticket_id"]


def test_opened_packs_are_not_exchanged(ledger_env):
    events, messages = submit_diapers("0")
    assert (events, names(messages)) == (RESET_DIAPERS, ["utter_exchange_refused_opened"])


# ------------------------------------------------------------------------------- asking

def test_the_order_is_asked_with_the_recent_orders_the_service_applies_to(ledger_env):
    _, messages = run(ActionAskAftersalesOrder(), tracker(customer=1001, owner=1001,
                                                          form="return_form", requested=ORDER))
    assert names(messages) == ["utter_ask_order_return"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[:3] == [f'/inform{{"order_no": "{no}"}}'
                            for no in (SHOES_1001, DYSON_1001, LAPTOP_1001)]
    assert len(payloads) == 4 and all(FORMULA_1001 not in p for p in payloads)   # not delivered


def test_a_product_named_first_narrows_the_orders_offered(ledger_env):
    _, messages = run(ActionAskAftersalesOrder(), tracker(
        customer=1003, owner=1003, form="repair_form", requested=ORDER,
        slots={ITEM: "贝亲 双边电动吸奶器"}))
    assert names(messages) == ["utter_ask_order_repair"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [f'/inform{{"order_no": "{PUMP_1003}"}}']


def test_diaper_orders_offered_are_those_still_exchangeable(ledger_env):
    _, messages = run(ActionAskAftersalesOrder(), tracker(customer=1003, owner=1003,
                                                          form="diaper_exchange_form",
                                                          requested=ORDER))
    payloads = " ".join(b["payload"] for b in messages[0]["buttons"])
    assert DIAPERS_1003 in payloads and OLD_DIAPERS_1003 not in payloads and PUMP_1003 not in payloads


def test_no_recent_order_fits_then_the_order_number_is_asked(ledger_env):
    from bot.ledger.db import default_sessionmaker
    from tests import factories as f
    with default_sessionmaker().begin() as s:
        newcomer = f.customer(s).id
    _, messages = run(ActionAskAftersalesOrder(), tracker(customer=newcomer, owner=newcomer,
                                                          form="diaper_exchange_form",
                                                          requested=ORDER))
    assert names(messages) == ["utter_ask_order_number"] and not messages[0]["buttons"]


def test_the_item_and_the_counts_are_asked_with_buttons(ledger_env):
    _, messages = run(ActionAskAftersalesItem(), tracker(customer=1006, owner=1006,
                                                         form="return_form", requested=ITEM,
                                                         slots={ORDER: MEDICINE_1006}))
    assert names(messages) == ["utter_ask_aftersales_item"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["芬必得 布洛芬缓释胶囊 24粒",
                                                            "以岭 连花清瘟胶囊 36粒"]
    assert messages[0]["buttons"][0]["payload"] == '/inform{"product": "芬必得 布洛芬缓释胶囊 24粒"}'
    _, messages = run(ActionAskReturnQuantity(), tracker(
        customer=1006, owner=1006, form="return_form", requested="return_quantity",
        slots={ORDER: MEDICINE_1006, ITEM: item_id(MEDICINE_1006, 1006, "连花清瘟")}))
    assert names(messages) == ["utter_ask_return_quantity"] and messages[0]["units"] == 2
    assert [b["title"] for b in messages[0]["buttons"]] == ["1", "2"]
    _, messages = run(ActionAskUnopenedPacks(), tracker(
        customer=1003, owner=1003, form="diaper_exchange_form", requested="unopened_packs",
        slots={ORDER: DIAPERS_1003, ITEM: item_id(DIAPERS_1003, 1003)}))
    assert names(messages) == ["utter_ask_unopened_packs"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform{"quantity": "1"}', '/inform{"quantity": "2"}', '/inform{"quantity": "3"}']


def test_asking_needs_a_signed_in_shopper(ledger_env):
    events, messages = run(ActionAskAftersalesOrder(), tracker(form="return_form",
                                                               requested=ORDER))
    assert (events, names(messages)) == ([], ["utter_ask_login"])


def test_match_item_by_id_name_or_a_distinctive_part():
    from bot.ledger.services.aftersales import ItemTerms

    def terms(i, name):
        return ItemTerms(order_no="1", order_status="delivered", item_id=i, sku_name=name, units=1,
                         delivered=True, return_rule="no_reason", opened_returnable=True,
                         baby_appliance=False, line=None, size=None)
    items = [terms(1, "花王妙而舒 纸尿裤 M码"), terms(2, "帮宝适 一级帮 纸尿裤 L码")]
    assert match_item(items, "2").item_id == 2
    assert match_item(items, "帮宝适一级帮纸尿裤L码").item_id == 2
    assert match_item(items, "花王").item_id == 1
    assert match_item(items, "纸尿裤") is None          # names both
    assert match_item(items, "M") is None and match_item(items, None) is None
