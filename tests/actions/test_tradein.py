"""以旧换新 actions on the demo ledger: the form's validation (devices, grades, "another one?",
the new order), the quote, the pickup booking; exact events and response names."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tradein import (ActionTradeInBook, ActionTradeInQuote, ValidateTradeInBookingForm,
                             ValidateTradeInForm, parse_grade, parse_pickup)
from tests.actions.conftest import make_tracker
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
NEW_PHONE_ORDER = "337715833600"     # 1004's 小米14 (demo scenario trade_in)
STRANGERS_ORDER = "389771735911"     # 1001's laptop
VALID_UNTIL = "2026-06-25T02:00:00+00:00"     # NOW + 7 days
RESETS = [SlotSet(s, None) for s in ("tradein_device", "tradein_grade", "tradein_more",
                                     "tradein_order", "tradein_items", "tradein_queue")]


def domain(area: str) -> dict:
    return yaml.safe_load((ROOT / "domain" / f"{area}.yml").read_text())


def run(action, tracker, area="tradein"):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain(area)))
    return events, [m["response"] for m in dispatcher.messages], dispatcher.messages


def form_tracker(form, candidates, *, requested=None, starting=False, text="", intent="inform",
                 entities=(), customer=None, slots=None, token_value=None, sender="conv-1") -> Tracker:
    """The tracker Rasa's FormAction sends to ``validate_<form>``: the user message, (the form's
    activation,) requested_slot, the form's action, then the slot candidates."""
    tracker = make_tracker(text, intent, entities, customer=customer, slots=slots,
                           token_value=token_value, sender=sender)
    if starting:
        tracker.events.append({"event": "active_loop", "name": form})
    tracker.events += [{"event": "slot", "name": "requested_slot", "value": requested},
                       {"event": "action", "name": form}]
    tracker.events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    tracker.slots.update(candidates)
    tracker.slots["requested_slot"] = requested
    tracker.active_loop = {"name": form}
    return tracker


def device(value, **kw):
    return form_tracker("tradein_form", {"tradein_device": value}, requested="tradein_device", **kw)


# --------------------------------------------------------------------------- parsing

def test_grades_from_buttons_letters_and_plain_words():
    cases = {"A": "A", "b级": "B", "成色C吧": "C", "屏幕碎了": "D", "开不了机": "D", "几乎全新": "A",
             "外观完好无损": "A", "没有划痕": "A", "有点划痕": "B", "九成新": "B", "成色一般般": "C",
             "掉漆了": "C", "不知道": None, "": None}
    for text, grade in cases.items():
        assert parse_grade(text) == grade, text
    assert parse_grade("", "d") == "D"


def test_pickup_times_from_buttons_and_words():
    from datetime import datetime
    from bot.ledger.clock import LOCAL_TZ

    def at(*args):
        return datetime(*args, tzinfo=LOCAL_TZ)
    # NOW is Thursday 2026-06-18 10:00 in Beijing
    assert parse_pickup(None, "tomorrow_pm", now=NOW) == at(2026, 6, 19, 15)
    assert parse_pickup(None, "day_after_am", now=NOW) == at(2026, 6, 20, 10)
    cases = {"明天上午": at(2026, 6, 19, 10), "明天下午3点": at(2026, 6, 19, 15),
             "后天": at(2026, 6, 20, 10), "周六下午": at(2026, 6, 20, 15),
             "下周一上午": at(2026, 6, 22, 10), "6月20日下午两点半": at(2026, 6, 20, 14, 30),
             "21号": at(2026, 6, 21, 10), "2026-06-21 14:00": at(2026, 6, 21, 14),
             "今天下午": at(2026, 6, 18, 15), "3点": at(2026, 6, 18, 15)}
    for text, when in cases.items():
        assert parse_pickup(text, now=NOW) == when, text
    for text in ("随便", "", "6月31日", "25点"):
        assert parse_pickup(text, now=NOW) is None, text


# --------------------------------------------------------------------------- the devices

def test_the_device_named_when_starting_is_kept_and_an_old_unfinished_run_is_forgotten(ledger_env):
    stale = {"tradein_items": [{"model": "小米 11", "grade": "D"}], "tradein_grade": "D",
             "tradein_order": NEW_PHONE_ORDER}
    tracker = form_tracker("tradein_form", {"tradein_device": "iPhone 12"}, starting=True,
                           text="我想用旧的iPhone 12以旧换新", intent="trade_in",
                           entities=[("product", "iPhone 12")], customer=1004, slots=stale)
    tracker.events.insert(1, {"event": "slot", "name": "tradein_device", "value": "iPhone 12"})
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert events == [SlotSet("conversation_owner", "1004"), SlotSet("tradein_grade", None),
                      SlotSet("tradein_order", None), SlotSet("tradein_items", None),
                      SlotSet("tradein_device", "iPhone 12"), SlotSet("tradein_queue", None)]
    assert names == []


def test_models_are_found_by_alias_and_several_wait_in_a_queue(ledger_env):
    events, names, _ = run(ValidateTradeInForm(), device(
        "旧冰箱和旧空调一起换", entities=[("product", "旧冰箱（双门）"), ("product", "空调")],
        slots={"conversation_owner": "1004"}, customer=1004))
    assert events == [SlotSet("tradein_device", "旧冰箱（双门）"),
                      SlotSet("tradein_queue", ["旧空调（1.5匹）"])]
    events, _, _ = run(ValidateTradeInForm(), device("苹果12"))
    assert events == [SlotSet("tradein_device", "iPhone 12"), SlotSet("tradein_queue", None)]


@pytest.mark.parametrize("value, text", [("手机", "我有台旧手机想以旧换新"),
                                         ("笔记本电脑", "旧笔记本电脑能换吗"),
                                         ("苹果手机", "苹果手机")])
def test_a_kind_of_device_asks_for_the_model_without_a_refusal(ledger_env, value, text):
    tracker = form_tracker(
        "tradein_form", {"tradein_device": value}, starting=True, text=text, intent="trade_in",
        entities=[("product", value)], customer=1004, slots={"conversation_owner": "1004"})
    tracker.events.insert(1, {"event": "slot", "name": "tradein_device", "value": value})
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert (events, names) == ([SlotSet("tradein_device", None)], [])


def test_an_unknown_model_is_asked_again(ledger_env):
    events, names, messages = run(ValidateTradeInForm(), device("诺基亚 3310"))
    assert (events, names) == ([SlotSet("tradein_device", None)], ["utter_tradein_unknown_model"])
    assert messages[0]["device"] == "诺基亚 3310"


def test_a_grade_from_the_button_records_the_device(ledger_env):
    tracker = form_tracker("tradein_form", {"tradein_grade": "B"}, requested="tradein_grade",
                           entities=[("condition_grade", "B")],
                           slots={"tradein_device": "iPhone 12"})
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert events == [SlotSet("tradein_grade", "B"),
                      SlotSet("tradein_items", [{"model": "iPhone 12", "grade": "B"}])]
    assert names == []


def test_after_a_grade_the_next_named_device_is_graded_without_asking_for_more(ledger_env):
    tracker = form_tracker("tradein_form", {"tradein_grade": "屏幕碎了"}, requested="tradein_grade",
                           text="屏幕碎了", slots={"tradein_device": "旧冰箱（双门）",
                                                  "tradein_queue": ["旧空调（1.5匹）"]})
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert events == [SlotSet("tradein_grade", None),
                      SlotSet("tradein_items", [{"model": "旧冰箱（双门）", "grade": "D"}]),
                      SlotSet("tradein_device", "旧空调（1.5匹）"), SlotSet("tradein_queue", None)]


def test_an_unclear_grade_is_asked_again(ledger_env):
    tracker = form_tracker("tradein_form", {"tradein_grade": "不太清楚"}, requested="tradein_grade",
                           text="不太清楚", slots={"tradein_device": "iPhone 12"})
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert (events, names) == ([SlotSet("tradein_grade", None)], ["utter_tradein_grade_unclear"])


def test_the_tenth_device_is_the_last(ledger_env):
    items = [{"model": "小米 11", "grade": "C"}] * 9
    tracker = form_tracker("tradein_form", {"tradein_grade": "A"}, requested="tradein_grade",
                           slots={"tradein_device": "iPhone 12", "tradein_items": items})
    events, names, messages = run(ValidateTradeInForm(), tracker)
    assert events == [SlotSet("tradein_grade", "A"),
                      SlotSet("tradein_items", items + [{"model": "iPhone 12", "grade": "A"}]),
                      SlotSet("tradein_more", "no")]
    assert names == ["utter_tradein_max_items"] and messages[0]["max"] == 10


@pytest.mark.parametrize("value, text, entities, expected, names", [
    ("yes", "还有", [], [SlotSet("tradein_more", None), SlotSet("tradein_device", None),
                          SlotSet("tradein_grade", None)], []),
    ("no", "没有了", [], [SlotSet("tradein_more", "no")], []),
    ("还有一台iPad 9", "还有一台iPad 9", [("product", "iPad 第9代")],
     [SlotSet("tradein_more", None), SlotSet("tradein_grade", None),
      SlotSet("tradein_device", "iPad 第9代"), SlotSet("tradein_queue", None)], []),
    ("嗯嗯哦", "嗯嗯哦", [], [SlotSet("tradein_more", None)], ["utter_tradein_more_unclear"]),
])
def test_another_device(ledger_env, value, text, entities, expected, names):
    tracker = form_tracker("tradein_form", {"tradein_more": value}, requested="tradein_more",
                           text=text, entities=entities,
                           slots={"tradein_device": "iPhone 12", "tradein_grade": "B",
                                  "tradein_items": [{"model": "iPhone 12", "grade": "B"}]})
    events, said, _ = run(ValidateTradeInForm(), tracker)
    assert (events, said) == (expected, names)


# --------------------------------------------------------------------------- the new order

def order(value, entities=(), **kw):
    return form_tracker("tradein_form", {"tradein_order": value}, requested="tradein_order",
                        text=str(value), entities=entities, **kw)


def test_the_shoppers_own_new_order(ledger_env):
    events, names, _ = run(ValidateTradeInForm(), order(
        NEW_PHONE_ORDER, [("order_no", NEW_PHONE_ORDER)], customer=1004))
    assert (events, names) == ([SlotSet("conversation_owner", "1004"),
                                SlotSet("tradein_order", NEW_PHONE_ORDER)], [])
    events, names, _ = run(ValidateTradeInForm(), order("none", intent="deny", customer=1004))
    assert (events, names) == ([SlotSet("conversation_owner", "1004"),
                                SlotSet("tradein_order", "none")], [])


def test_a_strangers_order_is_answered_exactly_like_an_unknown_one(ledger_env):
    owned = {"conversation_owner": "1004"}
    stranger = run(ValidateTradeInForm(), order(
        STRANGERS_ORDER, [("order_no", STRANGERS_ORDER)], customer=1004, slots=owned))
    unknown = run(ValidateTradeInForm(), order(
        "999999999999", [("order_no", "999999999999")], customer=1004, slots=owned))
    assert stranger == unknown
    assert stranger[:2] == ([SlotSet("tradein_order", None)], ["utter_unknown_order"])


def test_no_order_look_up_without_a_verified_customer(ledger_env):
    events, names, _ = run(ValidateTradeInForm(), order(NEW_PHONE_ORDER, [("order_no", NEW_PHONE_ORDER)]))
    assert (events, names) == ([SlotSet("tradein_order", None)], ["utter_ask_login"])
    events, names, _ = run(ValidateTradeInForm(), order(
        NEW_PHONE_ORDER, [("order_no", NEW_PHONE_ORDER)], customer=1001,
        slots={"conversation_owner": "1004"}))
    assert (events, names) == ([SlotSet("tradein_order", None)], ["utter_not_your_conversation"])
    events, names, _ = run(ValidateTradeInForm(), order("这个单号", customer=1004,
                                                        slots={"conversation_owner": "1004"}))
    assert (events, names) == ([SlotSet("tradein_order", None)], ["utter_tradein_order_unclear"])


# --------------------------------------------------------------------------- the quote

ITEMS = [{"model": "iPhone 12", "grade": "B"}, {"model": "ThinkPad T480", "grade": "C"}]


def quote_tracker(order_no=NEW_PHONE_ORDER, items=ITEMS, customer=1004):
    return make_tracker("没有了", "deny", customer=customer,
                        slots={"tradein_items": items, "tradein_order": order_no,
                               "tradein_device": "ThinkPad T480", "tradein_grade": "C",
                               "tradein_more": "no"})


def test_the_quote_of_the_demo_with_the_new_phones_subsidy(ledger_env):
    events, names, messages = run(ActionTradeInQuote(), quote_tracker())
    assert names == ["utter_tradein_quote_line_subsidy", "utter_tradein_quote_line",
                     "utter_tradein_quote_total_subsidy"]
    assert [(m["device"], m["grade"], m["value"], m["subsidy"]) for m in messages[:2]] == [
        ("iPhone 12", "B", "1440.00", "300.00"), ("ThinkPad T480", "C", "495.00", "0.00")]
    assert (messages[2]["total"], messages[2]["value"], messages[2]["subsidy"],
            messages[2]["valid_until"]) == ("2235.00", "1935.00", "300.00", "2026-06-25 10:00")
    quote_id = events[7]["value"]
    assert events == [SlotSet("conversation_owner", "1004")] + RESETS + [
        SlotSet("tradein_quote_id", quote_id), SlotSet("tradein_valid_until", VALID_UNTIL),
        SlotSet("tradein_book", None), SlotSet("tradein_pickup", None)]


def test_a_quote_without_a_new_order_mentions_the_subsidy_and_one_without_a_match_says_none(ledger_env):
    _, names, messages = run(ActionTradeInQuote(), quote_tracker("none"))
    assert names == ["utter_tradein_quote_line", "utter_tradein_quote_line", "utter_tradein_quote_total"]
    assert messages[-1]["total"] == "1935.00"
    laptop_order = "389771735911"
    _, names, messages = run(ActionTradeInQuote(), quote_tracker(
        laptop_order, [{"model": "iPhone 12", "grade": "A"}], customer=1001))
    assert names == ["utter_tradein_quote_line", "utter_tradein_quote_total_no_subsidy"]
    assert messages[-1]["order_no"] == laptop_order


def test_the_quote_needs_a_signed_in_shopper(ledger_env):
    events, names, _ = run(ActionTradeInQuote(), quote_tracker(customer=None))
    assert (events, names) == ([], ["utter_ask_login"])


def test_nothing_to_quote(ledger_env):
    events, names, _ = run(ActionTradeInQuote(), quote_tracker(items=[]))
    assert events == [SlotSet("conversation_owner", "1004")] + RESETS
    assert names == ["utter_tradein_nothing_to_quote"]


# --------------------------------------------------------------------------- the pickup

def quoted(customer=1004):
    events, _, _ = run(ActionTradeInQuote(), quote_tracker(customer=customer))
    return {"conversation_owner": str(customer), "tradein_quote_id": events[7]["value"],
            "tradein_valid_until": VALID_UNTIL}


def booking(candidates, slots, requested, **kw):
    return form_tracker("tradein_booking_form", candidates, requested=requested, slots=slots, **kw)


def test_the_pickup_from_a_button_and_from_words(ledger_env):
    slots = quoted()
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_pickup": "/inform"}, {**slots, "tradein_book": "yes"}, "tradein_pickup",
        entities=[("pickup_time", "tomorrow_pm")], customer=1004))
    assert (events, names) == ([SlotSet("tradein_pickup", "2026-06-19T15:00:00+08:00")], [])
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_book": "明天上午来取吧"}, slots, "tradein_book", text="明天上午来取吧", customer=1004))
    assert (events, names) == ([SlotSet("tradein_book", "yes"),
                                SlotSet("tradein_pickup", "2026-06-19T10:00:00+08:00")], [])


def test_a_yes_that_carries_a_time_fills_both_slots(ledger_env):
    slots = quoted()
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_book": "yes"}, slots, "tradein_book", text="好，帮我预约明天上午来取",
        intent="affirm", customer=1004))
    assert (events, names) == ([SlotSet("tradein_book", "yes"),
                                SlotSet("tradein_pickup", "2026-06-19T10:00:00+08:00")], [])
    button = booking({"tradein_book": "yes"}, slots, "tradein_book", text="/affirm",
                     intent="affirm", customer=1004)
    assert run(ValidateTradeInBookingForm(), button)[:2] == ([SlotSet("tradein_book", "yes")], [])
    late = booking({"tradein_book": "yes"}, slots, "tradein_book", text="好的，明天晚上9点来取",
                   intent="affirm", customer=1004)
    assert run(ValidateTradeInBookingForm(), late)[:2] == (
        [SlotSet("tradein_book", "yes"), SlotSet("tradein_pickup", None)], ["utter_tradein_pickup_hours"])


@pytest.mark.parametrize("text, response", [
    ("昨天下午", "utter_tradein_pickup_past"),
    ("今天上午9点", "utter_tradein_pickup_past"),
    ("6月30日上午", "utter_tradein_pickup_after_validity"),
    ("明天晚上9点", "utter_tradein_pickup_hours"),
    ("看情况吧", "utter_tradein_pickup_unclear"),
])
def test_a_pickup_must_be_in_the_future_within_the_quote_and_working_hours(ledger_env, text, response):
    slots = {**quoted(), "tradein_book": "yes"}
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_pickup": text}, slots, "tradein_pickup", text=text, customer=1004))
    assert (events, names) == ([SlotSet("tradein_pickup", None)], [response])


def test_no_pickup_wanted_or_no_quote_ends_the_booking_form(ledger_env):
    slots = quoted()
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_book": "no"}, slots, "tradein_book", intent="deny", customer=1004))
    assert (events, names) == ([SlotSet("tradein_book", "no"), SlotSet("requested_slot", None)], [])
    tracker = form_tracker("tradein_booking_form", {}, starting=True, customer=1004,
                           slots={"conversation_owner": "1004"})
    events, names, _ = run(ValidateTradeInBookingForm(), tracker)
    assert (events, names) == ([SlotSet("requested_slot", None)], [])


def test_booking_the_pickup_once(ledger_env):
    slots = {**quoted(), "tradein_book": "yes", "tradein_pickup": "2026-06-19T15:00:00+08:00"}
    resets = [SlotSet(s, None) for s in ("tradein_book", "tradein_pickup", "tradein_quote_id",
                                         "tradein_valid_until")]
    events, names, messages = run(ActionTradeInBook(), make_tracker("", "inform", customer=1004, slots=slots))
    assert (events, names) == (resets, ["utter_tradein_booked"])
    assert (messages[0]["pickup"], messages[0]["total"]) == ("2026-06-19 15:00", "2235.00")
    slots["tradein_pickup"] = "2026-06-20T10:00:00+08:00"
    events, names, messages = run(ActionTradeInBook(), make_tracker("", "inform", customer=1004, slots=slots))
    assert (events, names) == (resets, ["utter_tradein_already_booked"])
    assert messages[0]["pickup"] == "2026-06-19 15:00"


def test_not_booked_and_no_quote(ledger_env):
    slots = {**quoted(), "tradein_book": "no"}
    events, names, messages = run(ActionTradeInBook(), make_tracker("", "deny", customer=1004, slots=slots))
    assert names == ["utter_tradein_not_booked"] and messages[0]["valid_until"] == "2026-06-25 10:00"
    events, names, _ = run(ActionTradeInBook(), make_tracker("", "deny", customer=1004))
    assert names == [] and events == [SlotSet(s, None) for s in (
        "tradein_book", "tradein_pickup", "tradein_quote_id", "tradein_valid_until")]


def test_someone_elses_quote_cannot_be_booked(ledger_env):
    slots = {**quoted(1004), "conversation_owner": "1001", "tradein_book": "yes",
             "tradein_pickup": "2026-06-19T15:00:00+08:00"}
    events, names, _ = run(ActionTradeInBook(), make_tracker("", "inform", customer=1001, slots=slots))
    assert names == ["utter_unknown_order"]


def test_starting_without_signing_in_says_the_quote_needs_it_once(ledger_env):
    tracker = form_tracker("tradein_form", {}, starting=True, intent="trade_in", text="以旧换新")
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert (events, names) == ([], ["utter_tradein_sign_in_first"])
    tracker = form_tracker("tradein_form", {}, starting=True, intent="trade_in", text="以旧换新",
                           customer=1004)
    events, names, _ = run(ValidateTradeInForm(), tracker)
    assert (events, names) == ([SlotSet("conversation_owner", "1004")], [])


def test_a_delivery_question_at_the_pickup_is_handed_back_unless_it_names_a_time(ledger_env):
    slots = {**quoted(), "tradein_book": "yes"}
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_pickup": "我的快递什么时候到"}, slots, "tradein_pickup", text="我的快递什么时候到",
        intent="delivery_time", customer=1004))
    assert names == []
    assert events == [SlotSet("tradein_pickup", None),
                      {"event": "action_execution_rejected", "name": "tradein_booking_form",
                       "policy": None, "confidence": None, "timestamp": None}]
    events, names, _ = run(ValidateTradeInBookingForm(), booking(
        {"tradein_pickup": "明天下午"}, slots, "tradein_pickup", text="明天下午",
        intent="delivery_time", customer=1004))
    assert (events, names) == ([SlotSet("tradein_pickup", "2026-06-19T15:00:00+08:00")], [])


def test_after_the_delivery_question_is_answered_the_booking_form_asks_again(ledger_env):
    slots = {**quoted(), "tradein_book": "yes", "tradein_pickup": None}
    tracker = booking({}, slots, "tradein_pickup", text="我的快递什么时候到", intent="delivery_time",
                      customer=1004)
    tracker.events.append({"event": "action", "name": "action_delivery_time"})
    tracker.events.append({"event": "action", "name": "tradein_booking_form"})
    events, names, _ = run(ValidateTradeInBookingForm(), tracker)
    assert (events, names) == ([], [])
