"""用药咨询, 药急送, 在线问诊: each validation and submit action run with a CollectingDispatcher
on the demo ledger (SQLite, clock pinned at 10:00 Beijing time), asserting exact events and
response names.

A validation action gets the tracker Rasa's FormAction builds for it: the events so far, the
user's message, at activation the ``active_loop`` event and the slots extracted from the
message, then ``requested_slot``, the form's action and the slot candidates.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.health import (ENDS_FORM, INTERRUPTIONS, ActionBookConsultation, ActionFindPharmacies,
                            ActionMedicationAnswer, ValidateConsultationForm,
                            ValidateMedicationForm, ValidateMedicineDeliveryForm,
                            states_a_quantity)
from tests.actions.conftest import make_tracker, token

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain" / "health.yml").read_text())
WANGJING, TONGRENTANG = "京东大药房（望京店）", "同仁堂药店（朝阳门店）"
BUYER, STRANGER = 1006, 1001          # 杨磊 buys medicine (朝阳区); 张伟 is someone else
MED_RESET = [SlotSet(s, None) for s in ("med_drug", "med_topic", "med_for_child", "med_pregnant",
                                        "med_other_drugs")]
DELIVERY_RESET = [SlotSet(s, None) for s in ("delivery_drug", "delivery_district", "delivery_rx",
                                             "has_prescription")]
CONSULT_RESET = [SlotSet(s, None) for s in ("symptoms", "consultation_department",
                                            "consultation_department_name", "consultation_confirmed")]


def form_turn(form, text, intent="inform", entities=(), *, requested=None, extracted=None,
              earlier=None, customer=None, owner=None, sender="conv-1") -> Tracker:
    """The tracker a form's validation action receives. ``earlier``: slots set in earlier turns;
    ``extracted``: slots Rasa extracted from this message (the candidates). At activation
    (``requested`` None) Rasa offers every required slot with a value, earlier ones included."""
    earlier, extracted = dict(earlier or {}), dict(extracted or {})
    if owner is not None:
        earlier["conversation_owner"] = str(owner)
    metadata = {"customer_token": token(customer)} if customer is not None else {}
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0},
              "entities": [{"entity": k, "value": v} for k, v in entities], "metadata": metadata}
    slot = lambda k, v: {"event": "slot", "name": k, "value": v}   # noqa: E731
    events = [slot(k, v) for k, v in earlier.items()]
    events.append({"event": "user", "text": text, "parse_data": latest, "metadata": metadata})
    if requested is None:
        events.append({"event": "active_loop", "name": form})
        events += [slot(k, v) for k, v in extracted.items()]
        required = DOMAIN["forms"][form]["required_slots"]
        candidates = {k: v for k, v in {**earlier, **extracted}.items() if k in required and v is not None}
    else:
        candidates = extracted
    events += [slot("requested_slot", requested), {"event": "action", "name": form}]
    events += [slot(k, v) for k, v in candidates.items()]
    slots = {**earlier, **extracted, "requested_slot": requested}
    return Tracker(sender, slots, latest, events, False, None,
                   {"name": form, "is_interrupted": False, "rejected": False}, form)


def submit_turn(slots, customer=None, owner=None, sender="conv-1") -> Tracker:
    slots = dict(slots)
    if owner is not None:
        slots["conversation_owner"] = str(owner)
    return make_tracker("", "inform", customer=customer, slots=slots, sender=sender)


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def names(messages):
    return [m["response"] for m in messages]


def _demo(ledger_url):
    out = subprocess.run([str(Path(sys.executable).parent / "bot"), "demo", "--json"],
                         capture_output=True, text=True, check=True,
                         env={"LEDGER_URL": ledger_url, "LEDGER_NOW": "2026-06-18T02:00:00+00:00",
                              "BOT_SECRET": "test-secret", "PATH": "/usr/bin:/bin"})
    return next(s for c in json.loads(out.stdout)["customers"] for s in c["scenarios"]
                if s["kind"] == "medicine_buyer" and c["id"] == BUYER)


def _beijing(monkeypatch, hour, minute=0):
    at = datetime(2026, 6, 18, hour, minute, tzinfo=timezone(timedelta(hours=8)))
    monkeypatch.setenv("LEDGER_NOW", at.astimezone(timezone.utc).isoformat())


def _tickets(sender):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import HandoffTicket
    with default_sessionmaker()() as s:
        return [(t.team, t.topic, t.priority, t.customer_id) for t in s.execute(
            select(HandoffTicket).where(HandoffTicket.conversation_id == sender)).scalars()]


# ============================================================================ every form

@pytest.mark.parametrize("action, form", [
    (ValidateMedicationForm(), "medication_form"),
    (ValidateMedicineDeliveryForm(), "medicine_delivery_form"),
    (ValidateConsultationForm(), "consultation_form"),
])
@pytest.mark.parametrize("intent", sorted(ENDS_FORM))
def test_forms_step_aside_for_what_ends_them(ledger_env, action, form, intent):
    """Nothing validated, nothing said: Rasa rejects the form and the rules answer first."""
    tracker = form_turn(form, "孩子误吞了布洛芬", intent, [("drug", "布洛芬")],
                        requested=DOMAIN["forms"][form]["required_slots"][0], customer=BUYER)
    assert run(action, tracker) == ([], [])


def test_the_domains_not_intent_lists_match_the_actions():
    mappings = [m for slot in DOMAIN["slots"].values() for m in slot["mappings"]
                if m["type"] in ("from_text", "from_entity")]
    free_text = [m for m in mappings if m["type"] == "from_text" and "intent" not in m]
    assert len(free_text) == 5 and all(set(m["not_intent"]) == INTERRUPTIONS for m in free_text)
    assert all(set(m["not_intent"]) == ENDS_FORM for m in mappings if m["type"] == "from_entity")
    assert {"medical_emergency", "self_harm", "human_handoff", "complaint", "cancel"} == ENDS_FORM
    assert ENDS_FORM < INTERRUPTIONS and {"faq", "order_status", "delivery_time"} < INTERRUPTIONS


def test_another_question_mid_form_is_not_taken_as_an_answer(ledger_env):
    """A FAQ while the form waits: nothing taken, so Rasa rejects the form and the FAQ rule
    answers; but an entity the form wants is kept, whatever the intent."""
    med = form_turn("medication_form", "你们几点下班", "faq", requested="med_topic",
                    earlier={"med_drug": "布洛芬"})
    assert run(ValidateMedicationForm(), med) == ([], [])
    delivery = form_turn("medicine_delivery_form", "会员有什么权益", "faq", requested="delivery_district",
                         earlier={"delivery_drug": "布洛芬"})
    assert run(ValidateMedicineDeliveryForm(), delivery) == (
        [SlotSet("requested_slot", "delivery_district")], [])
    district = form_turn("medicine_delivery_form", "朝阳区", "faq", [("district", "朝阳区")],
                         requested="delivery_district", earlier={"delivery_drug": "布洛芬"},
                         extracted={"delivery_district": "朝阳区"})
    assert run(ValidateMedicineDeliveryForm(), district) == (
        [SlotSet("delivery_district", "朝阳区"), SlotSet("requested_slot", None)], [])


# ============================================================================ 用药咨询

def test_medication_drug_and_topic_from_one_question(ledger_env):
    tracker = form_turn("medication_form", "布洛芬有什么禁忌", "medication_question",
                        [("drug", "布洛芬")], extracted={"med_drug": "布洛芬"})
    events, messages = run(ValidateMedicationForm(), tracker)
    assert events == [SlotSet("med_drug", "布洛芬"), SlotSet("med_topic", "contraindications")]
    assert messages == []


def test_medication_a_brand_name_becomes_the_generic_name(ledger_env):
    tracker = form_turn("medication_form", "开瑞坦", "inform", requested="med_drug",
                        extracted={"med_drug": "开瑞坦"})
    assert run(ValidateMedicationForm(), tracker) == ([SlotSet("med_drug", "氯雷他定")], [])


def test_medication_unknown_drug_is_asked_again(ledger_env):
    tracker = form_turn("medication_form", "头孢", "inform", requested="med_drug",
                        extracted={"med_drug": "头孢"})
    events, messages = run(ValidateMedicationForm(), tracker)
    assert events == [SlotSet("med_drug", None)]
    assert names(messages) == ["utter_med_unknown_drug"] and messages[0]["drug"] == "头孢"


def test_medication_topic_from_a_button_typed_words_or_not_understood(ledger_env):
    earlier = {"med_drug": "布洛芬"}
    button = form_turn("medication_form", '/inform{"med_topic": "usage"}', "inform",
                       [("med_topic", "usage")], requested="med_topic", earlier=earlier,
                       extracted={"med_topic": "usage"})
    typed = form_turn("medication_form", "会不会犯困", "inform", requested="med_topic",
                      earlier=earlier, extracted={"med_topic": "会不会犯困"})
    unclear = form_turn("medication_form", "嗯嗯", "affirm", requested="med_topic",
                        earlier=earlier, extracted={"med_topic": "嗯嗯"})
    forged = form_turn("medication_form", '/inform{"med_topic": "how_much"}', "inform",
                       [("med_topic", "how_much")], requested="med_topic", earlier=earlier,
                       extracted={"med_topic": "how_much"})
    assert run(ValidateMedicationForm(), button) == ([SlotSet("med_topic", "usage")], [])
    assert run(ValidateMedicationForm(), typed) == ([SlotSet("med_topic", "side_effects")], [])
    events, messages = run(ValidateMedicationForm(), unclear)
    assert (events, names(messages)) == ([SlotSet("med_topic", None)], ["utter_med_topic_unclear"])
    events, messages = run(ValidateMedicationForm(), forged)
    assert (events, names(messages)) == ([SlotSet("med_topic", None)], ["utter_med_topic_unclear"])


@pytest.mark.parametrize("text, entities, expected", [
    ("3岁的孩子能吃连花清瘟吗", [("age", "36"), ("drug", "连花清瘟胶囊")],
     [SlotSet("med_for_child", True)]),
    ("孕妇可以吃布洛芬吗", [("drug", "布洛芬")], [SlotSet("med_pregnant", True)]),
    ("布洛芬和对乙酰氨基酚能一起吃吗", [("drug", "布洛芬"), ("drug", "对乙酰氨基酚")],
     [SlotSet("med_drug", "对乙酰氨基酚"), SlotSet("med_other_drugs", ["布洛芬"])]),
])
def test_medication_child_pregnancy_or_several_drugs_end_the_form(ledger_env, text, entities, expected):
    drug = entities[-1][1]
    tracker = form_turn("medication_form", text, "medication_question", entities,
                        extracted={"med_drug": drug})
    events, messages = run(ValidateMedicationForm(), tracker)
    assert events == expected + [SlotSet("requested_slot", None)]
    assert messages == []


@pytest.mark.parametrize("text, entities, topic", [
    ("孩子5岁了能吃吗", [("age", "60")], "contraindications"),
    ("给我家5岁的孩子吃，一次吃多少合适", [("age", "60")], "dose"),
    ("我怀孕了，给我看看", [], None),
])
def test_medication_a_child_or_pregnancy_at_the_topic_question_goes_to_a_pharmacist(
        ledger_env, text, entities, topic):
    """Mentioned at the topic question, as at the drug question: the form ends, the raw text is
    never kept as the topic, and the answer is the pharmacist handoff, never a dose."""
    tracker = form_turn("medication_form", text, "medication_question", entities,
                        requested="med_topic", earlier={"med_drug": "布洛芬"},
                        extracted={"med_topic": text})
    events, messages = run(ValidateMedicationForm(), tracker)
    flag = "med_pregnant" if "怀孕" in text else "med_for_child"
    assert events == [SlotSet(flag, True), SlotSet("med_topic", topic),
                      SlotSet("requested_slot", None)]
    assert messages == []
    slots = {"med_drug": "布洛芬", "med_topic": text}
    slots.update({e["name"]: e["value"] for e in events})
    events, messages = run(ActionMedicationAnswer(), submit_turn(slots, customer=BUYER, sender="med-2"))
    reason = "pregnancy" if "怀孕" in text else "child"
    assert names(messages) == [f"utter_med_pharmacist_{reason}", "utter_handoff_queued"]
    assert not any(states_a_quantity(str(v)) for m in messages for k, v in m.items()
                   if k not in ("position", "wait", "agents"))
    assert _tickets("med-2") == [("pharmacy", "pharmacist", 2, BUYER)]


def test_medication_an_unreadable_topic_kept_raw_is_never_a_request_error(ledger_env):
    events, messages = run(ActionMedicationAnswer(), submit_turn(
        {"med_drug": "布洛芬", "med_topic": "孩子5岁了能吃吗", "med_for_child": True},
        customer=BUYER, sender="med-3"))
    assert names(messages) == ["utter_med_pharmacist_child", "utter_handoff_queued"]


def test_medication_a_second_drug_later_keeps_the_first_and_is_a_pharmacists_case(ledger_env):
    tracker = form_turn("medication_form", "能和阿莫西林一起吃吗", "medication_question",
                        [("drug", "阿莫西林")], requested="med_topic",
                        earlier={"med_drug": "布洛芬"}, extracted={"med_drug": "阿莫西林"})
    events, _ = run(ValidateMedicationForm(), tracker)
    assert events == [SlotSet("med_drug", "布洛芬"), SlotSet("med_other_drugs", ["阿莫西林"]),
                      SlotSet("requested_slot", None)]


def test_medication_activation_drops_values_left_by_a_cancelled_run(ledger_env):
    tracker = form_turn("medication_form", "我想咨询一下用药", "medication_question",
                        earlier={"med_drug": "布洛芬", "med_topic": "usage"})
    assert run(ValidateMedicationForm(), tracker) == (
        [SlotSet("med_drug", None), SlotSet("med_topic", None)], [])


def test_medication_answer_is_the_label_fact_of_the_demo(ledger_env):
    scenario = _demo(ledger_env)
    events, messages = run(ActionMedicationAnswer(), submit_turn(
        {"med_drug": scenario["drug"], "med_topic": "contraindications"}))
    assert events == MED_RESET
    assert names(messages) == ["utter_med_contraindications"]
    assert (messages[0]["drug"], messages[0]["fact"]) == ("布洛芬", scenario["label_contraindications"])


@pytest.mark.parametrize("drug, topic, response", [
    ("布洛芬", "dose", "utter_med_dose"),
    ("阿莫西林", "rx", "utter_med_rx_yes"),
    ("扑热息痛", "rx", "utter_med_rx_no"),
    ("氯雷他定", "side_effects", "utter_med_side_effects"),
    ("布洛芬混悬液", "storage", "utter_med_storage"),
    ("连花清瘟胶囊", "indications", "utter_med_indications"),
    ("二甲双胍", "usage", "utter_med_usage"),
    ("硝苯地平", "interactions", "utter_med_interactions"),
])
def test_medication_answers_never_state_a_quantity(ledger_env, drug, topic, response):
    events, messages = run(ActionMedicationAnswer(), submit_turn({"med_drug": drug, "med_topic": topic}))
    assert (events, names(messages)) == (MED_RESET, [response])
    assert not any(states_a_quantity(str(v)) for v in messages[0].values())
    assert _tickets("conv-1") == []


def test_medication_a_fact_with_a_quantity_is_never_repeated(ledger_env):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import Product
    with default_sessionmaker().begin() as s:
        p = s.execute(select(Product).where(Product.sku == "M-FENBID")).scalar_one()
        p.attributes = {**p.attributes, "usage": "口服，一次1粒，一日2次。"}
    _, messages = run(ActionMedicationAnswer(), submit_turn({"med_drug": "布洛芬", "med_topic": "usage"}))
    _, dose = run(ActionMedicationAnswer(), submit_turn({"med_drug": "布洛芬", "med_topic": "dose"}))
    assert names(messages) == names(dose) == ["utter_med_see_label"]


@pytest.mark.parametrize("slots, response", [
    ({"med_drug": "连花清瘟胶囊", "med_for_child": True}, "utter_med_pharmacist_child"),
    ({"med_drug": "布洛芬", "med_topic": "contraindications", "med_pregnant": True},
     "utter_med_pharmacist_pregnancy"),
    ({"med_drug": "对乙酰氨基酚", "med_other_drugs": ["布洛芬"]}, "utter_med_pharmacist_several_drugs"),
    ({"med_for_child": True}, "utter_med_pharmacist_child"),       # 孩子发烧吃什么药: no drug named
])
def test_medication_pharmacists_cases_open_a_pharmacy_ticket(ledger_env, slots, response):
    events, messages = run(ActionMedicationAnswer(), submit_turn(slots, customer=BUYER, sender="med-1"))
    assert events == [SlotSet("conversation_owner", str(BUYER))] + MED_RESET
    assert names(messages) == [response, "utter_handoff_queued"]
    assert messages[1]["team"] == "药师团队" and messages[1]["position"] == 1
    assert _tickets("med-1") == [("pharmacy", "pharmacist", 2, BUYER)]


def test_medication_at_3am_no_pharmacist_on_shift_goes_to_the_general_team(ledger_env, monkeypatch):
    _beijing(monkeypatch, 3)
    events, messages = run(ActionMedicationAnswer(), submit_turn(
        {"med_drug": "布洛芬", "med_pregnant": True}, sender="med-night"))
    assert events == MED_RESET
    assert names(messages) == ["utter_med_pharmacist_pregnancy", "utter_handoff_queued",
                               "utter_specialists_off_duty"]
    assert _tickets("med-night") == [("general", "pharmacist", 2, None)]


# ============================================================================ 药急送

def test_delivery_drug_and_district_in_one_message(ledger_env):
    tracker = form_turn("medicine_delivery_form", "布洛芬能送到朝阳区吗", "urgent_medicine_delivery",
                        [("drug", "布洛芬"), ("district", "朝阳区")],
                        extracted={"delivery_drug": "布洛芬", "delivery_district": "朝阳区"})
    events, messages = run(ValidateMedicineDeliveryForm(), tracker)
    assert events == [SlotSet("delivery_drug", "布洛芬"), SlotSet("delivery_district", "朝阳区"),
                      SlotSet("delivery_rx", False), SlotSet("requested_slot", None)]
    assert messages == []


def test_delivery_an_rx_drug_asks_for_the_prescription(ledger_env):
    tracker = form_turn("medicine_delivery_form", "阿莫仙", "urgent_medicine_delivery",
                        [("drug", "阿莫西林")], extracted={"delivery_drug": "阿莫西林"})
    events, _ = run(ValidateMedicineDeliveryForm(), tracker)
    assert events == [SlotSet("delivery_drug", "阿莫西林"), SlotSet("delivery_rx", True)]
    answer = form_turn("medicine_delivery_form", "没有", "deny", requested="has_prescription",
                       earlier={"delivery_drug": "阿莫西林", "delivery_rx": True,
                                "delivery_district": "朝阳区"},
                       extracted={"has_prescription": False})
    assert run(ValidateMedicineDeliveryForm(), answer) == ([SlotSet("has_prescription", False)], [])


@pytest.mark.parametrize("text, intent, held", [("有处方", "online_doctor", True),
                                                ("没有处方", "inform", False),
                                                ("医生没给开", "nlu_fallback", False)])
def test_delivery_a_typed_prescription_answer_nlu_did_not_read(ledger_env, text, intent, held):
    tracker = form_turn("medicine_delivery_form", text, intent, requested="has_prescription",
                        earlier={"delivery_drug": "阿莫西林", "delivery_rx": True,
                                 "delivery_district": "朝阳区"})
    assert run(ValidateMedicineDeliveryForm(), tracker) == ([SlotSet("has_prescription", held)], [])


def test_delivery_bad_input_is_asked_again(ledger_env):
    unknown = form_turn("medicine_delivery_form", "神奇万能药", "inform", requested="delivery_drug",
                        extracted={"delivery_drug": "神奇万能药"})
    events, messages = run(ValidateMedicineDeliveryForm(), unknown)
    assert events == [SlotSet("delivery_drug", None), SlotSet("delivery_rx", None),
                      SlotSet("requested_slot", "delivery_drug")]
    assert names(messages) == ["utter_delivery_unknown_drug"]
    vague = form_turn("medicine_delivery_form", "我也不知道在哪", "inform", requested="delivery_district",
                      earlier={"delivery_drug": "布洛芬"}, extracted={"delivery_district": "我也不知道在哪"})
    events, messages = run(ValidateMedicineDeliveryForm(), vague)
    assert (events, names(messages)) == (
        [SlotSet("delivery_district", None), SlotSet("requested_slot", "delivery_district")],
        ["utter_delivery_district_unclear"])
    typed = form_turn("medicine_delivery_form", "延庆区", "inform", requested="delivery_district",
                      earlier={"delivery_drug": "布洛芬"}, extracted={"delivery_district": "延庆区"})
    assert run(ValidateMedicineDeliveryForm(), typed) == (
        [SlotSet("delivery_district", "延庆区"), SlotSet("requested_slot", None)], [])


def test_delivery_pharmacies_of_the_demo_fastest_first_with_eta(ledger_env):
    scenario = _demo(ledger_env)
    events, messages = run(ActionFindPharmacies(), submit_turn(
        {"delivery_drug": scenario["drug"], "delivery_district": scenario["district"]}))
    assert events == DELIVERY_RESET
    assert names(messages) == ["utter_delivery_options", "utter_delivery_pharmacy",
                               "utter_delivery_pharmacy"]
    assert (messages[0]["drug"], messages[0]["district"], messages[0]["count"]) == \
        ("芬必得 布洛芬缓释胶囊", "朝阳区", 2)
    assert [(m["name"], m["minutes"], m["eta"]) for m in messages[1:]] == \
        [(WANGJING, 30, "10:30"), (TONGRENTANG, 45, "10:45")]
    assert [m["name"] for m in messages[1:]] == scenario["expected_pharmacies"]


def test_delivery_at_night_only_24_hour_pharmacies(ledger_env, monkeypatch):
    _beijing(monkeypatch, 23, 30)
    _, messages = run(ActionFindPharmacies(), submit_turn(
        {"delivery_drug": "布洛芬", "delivery_district": "朝阳区"}))
    assert names(messages) == ["utter_delivery_options_night", "utter_delivery_pharmacy"]
    assert (messages[1]["name"], messages[1]["eta"]) == (WANGJING, "00:00")


@pytest.mark.parametrize("slots, hour, response", [
    ({"delivery_drug": "阿莫西林", "delivery_district": "朝阳区", "has_prescription": False}, 10,
     "utter_delivery_refused_prescription_required"),
    ({"delivery_drug": "开瑞坦", "delivery_district": "东城区"}, 10,
     "utter_delivery_refused_no_stock_in_district"),
    ({"delivery_drug": "布洛芬", "delivery_district": "延庆区"}, 10,
     "utter_delivery_refused_no_stock_in_district"),
    ({"delivery_drug": "布洛芬", "delivery_district": "东城区"}, 8,
     "utter_delivery_refused_none_open_now"),
    ({"delivery_drug": "布洛芬", "delivery_district": "东城区"}, 23,
     "utter_delivery_refused_none_open_now_night"),
    ({"delivery_drug": "神奇万能药", "delivery_district": "朝阳区"}, 10, "utter_delivery_unknown_drug"),
])
def test_delivery_refusals_each_with_their_own_reply(ledger_env, monkeypatch, slots, hour, response):
    _beijing(monkeypatch, hour)
    events, messages = run(ActionFindPharmacies(), submit_turn(slots))
    assert (events, names(messages)) == (DELIVERY_RESET, [response])


def test_delivery_an_rx_drug_with_a_prescription(ledger_env):
    _, messages = run(ActionFindPharmacies(), submit_turn(
        {"delivery_drug": "阿莫西林", "delivery_district": "朝阳区", "delivery_rx": True,
         "has_prescription": True}))
    assert names(messages) == ["utter_delivery_options", "utter_delivery_pharmacy",
                               "utter_delivery_pharmacy", "utter_delivery_rx_upload"]


# ============================================================================ 在线问诊

def test_consultation_without_sign_in_asks_to_sign_in_and_ends(ledger_env):
    tracker = form_turn("consultation_form", "咳嗽发烧两天了", "online_doctor",
                        extracted={"symptoms": "咳嗽发烧两天了"})
    events, messages = run(ValidateConsultationForm(), tracker)
    assert events == [SlotSet("consultation_confirmed", None), SlotSet("requested_slot", None)]
    assert names(messages) == ["utter_ask_login"]
    # the submit action then says nothing more, books nothing, and clears the form
    events, messages = run(ActionBookConsultation(), submit_turn({"symptoms": "咳嗽发烧两天了"}))
    assert (events, messages) == (CONSULT_RESET, [])


def test_consultation_in_another_shoppers_conversation(ledger_env):
    tracker = form_turn("consultation_form", "头痛", "online_doctor", extracted={"symptoms": "头痛"},
                        customer=STRANGER, owner=BUYER)
    events, messages = run(ValidateConsultationForm(), tracker)
    assert names(messages) == ["utter_not_your_conversation"]
    assert events == [SlotSet("consultation_confirmed", None), SlotSet("requested_slot", None)]
    events, messages = run(ActionBookConsultation(), submit_turn(
        {"symptoms": "头痛", "consultation_confirmed": True}, customer=STRANGER, owner=BUYER))
    assert (events, names(messages)) == (CONSULT_RESET, ["utter_not_your_conversation"])


def test_consultation_symptoms_in_the_first_message_find_the_department(ledger_env):
    tracker = form_turn("consultation_form", "咳嗽发烧两天了", "online_doctor",
                        extracted={"symptoms": "咳嗽发烧两天了"}, customer=BUYER)
    events, messages = run(ValidateConsultationForm(), tracker)
    assert events == [SlotSet("symptoms", "咳嗽发烧两天了"),
                      SlotSet("consultation_department", "respiratory"),
                      SlotSet("consultation_department_name", "呼吸内科")]
    assert messages == []


def test_consultation_an_opening_without_symptoms_asks_for_them(ledger_env):
    tracker = form_turn("consultation_form", "我想问问医生", "online_doctor",
                        extracted={"symptoms": "我想问问医生"}, customer=BUYER)
    assert run(ValidateConsultationForm(), tracker) == ([SlotSet("symptoms", None)], [])


def test_consultation_described_symptoms_and_bad_input(ledger_env):
    vague = form_turn("consultation_form", "说不上来哪里不对劲", "inform", requested="symptoms",
                      extracted={"symptoms": "说不上来哪里不对劲"}, customer=BUYER)
    assert run(ValidateConsultationForm(), vague)[0] == [
        SlotSet("symptoms", "说不上来哪里不对劲"), SlotSet("consultation_department", "general_medicine"),
        SlotSet("consultation_department_name", "全科")]
    short = form_turn("consultation_form", "嗯", "inform", requested="symptoms",
                      extracted={"symptoms": "嗯"}, customer=BUYER)
    events, messages = run(ValidateConsultationForm(), short)
    assert (events, names(messages)) == ([SlotSet("symptoms", None)], ["utter_symptoms_unclear"])


def test_consultation_booked_once_even_when_retried(ledger_env):
    slots = {"symptoms": "胳膊上起疹子很痒", "consultation_department": "dermatology",
             "consultation_department_name": "皮肤科", "consultation_confirmed": True}
    events, messages = run(ActionBookConsultation(), submit_turn(slots, customer=BUYER))
    assert events == [SlotSet("conversation_owner", str(BUYER))] + CONSULT_RESET
    assert names(messages) == ["utter_consultation_booked"]
    assert (messages[0]["department"], messages[0]["scheduled"]) == ("皮肤科", "10:15")
    _, again = run(ActionBookConsultation(), submit_turn(slots, customer=BUYER, owner=BUYER))
    assert again == messages
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import Consultation
    with default_sessionmaker()() as s:
        rows = s.execute(select(Consultation).where(Consultation.customer_id == BUYER)).scalars().all()
    assert [(r.department, r.symptoms) for r in rows] == [("dermatology", "胳膊上起疹子很痒")]


def test_consultation_declined_or_not_signed_in_at_submit(ledger_env):
    events, messages = run(ActionBookConsultation(), submit_turn(
        {"symptoms": "头痛", "consultation_confirmed": False}, customer=BUYER))
    assert (events, names(messages)) == (CONSULT_RESET, ["utter_consultation_declined"])
    events, messages = run(ActionBookConsultation(), submit_turn(
        {"symptoms": "头痛", "consultation_confirmed": True}))
    assert (events, names(messages)) == (CONSULT_RESET, ["utter_ask_login"])
