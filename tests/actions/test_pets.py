"""选粮助手 actions on the demo ledger: the form's validation (species, plausible ages and
weights, health needs) and the advice; exact events and response names. No sign-in needed."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.pets import ActionPetFoodAdvice, ValidatePetFoodForm
from tests.actions.conftest import make_tracker
from tests.actions.test_tradein import form_tracker, run as run_in

PASSED = "合格：京东品质检测通过（营养成分、霉菌毒素、重金属）"
RESETS = [SlotSet(s, None) for s in ("pet_species", "pet_age", "pet_weight", "pet_needs")]


def run(action, tracker):
    return run_in(action, tracker, "pets")


def answer(slot, value, *, entities=(), text=None, intent="inform", slots=None, **kw):
    return form_tracker("pet_food_form", {slot: value}, requested=slot, entities=entities,
                        text=text if text is not None else str(value), intent=intent,
                        slots=slots, **kw)


def test_the_demo_sentence_fills_the_whole_form_at_once(ledger_env):
    said = {"pet_species": "cat", "pet_age": "96", "pet_weight": "5", "pet_needs": ["urinary"]}
    tracker = form_tracker("pet_food_form", said, starting=True, intent="pet_food_advice",
                           text="我家猫8岁了，5公斤，泌尿不太好，吃什么粮好",
                           entities=[("species", "cat"), ("age", "96"), ("weight", "5"),
                                     ("pet_need", "urinary")])
    for i, (slot, value) in enumerate(said.items()):       # extracted at activation
        tracker.events.insert(1 + i, {"event": "slot", "name": slot, "value": value})
    events, names, _ = run(ValidatePetFoodForm(), tracker)
    assert events == [SlotSet(k, v) for k, v in said.items()] and names == []


def test_starting_again_forgets_an_unfinished_run(ledger_env):
    tracker = form_tracker("pet_food_form", {}, starting=True, intent="pet_food_advice",
                           text="帮我选个狗粮", slots={"pet_species": "cat", "pet_age": "96"})
    events, names, _ = run(ValidatePetFoodForm(), tracker)
    assert events == [SlotSet("pet_species", None), SlotSet("pet_age", None)] and names == []


@pytest.mark.parametrize("slot, value, kw, expected, names", [
    ("pet_species", "cat", dict(entities=[("species", "cat")], text="猫"), "cat", []),
    ("pet_species", "兔子", {}, None, ["utter_pet_species_unsupported"]),
    ("pet_age", "96", dict(entities=[("age", "96")], text="8岁"), "96", []),
    ("pet_age", "1.5", dict(entities=[("age", "1.5")], text="一个半月"), "1", []),
    ("pet_age", "8", {}, None, ["utter_pet_age_unclear"]),
    ("pet_age", "600", dict(entities=[("age", "600")], text="50岁"), None, ["utter_pet_age_implausible"]),
    ("pet_age", "0.5", dict(entities=[("age", "0.5")], text="半个月"), None, ["utter_pet_age_implausible"]),
    ("pet_weight", "4.5", dict(entities=[("weight", "4.5")], text="9斤"), "4.5", []),
    ("pet_weight", "unknown", dict(intent="deny", text="/deny"), "unknown", []),
    ("pet_weight", "没称过，不清楚", {}, "unknown", []),
    ("pet_weight", "5", {}, None, ["utter_pet_weight_unclear"]),
    ("pet_weight", "30", dict(entities=[("weight", "30")], text="60斤"), None,
     ["utter_pet_weight_implausible_cat"]),
    ("pet_needs", ["urinary", "weight_control"],
     dict(entities=[("pet_need", "urinary"), ("pet_need", "weight_control")], text="泌尿不好，还太胖"),
     ["urinary", "weight_control"], []),
    ("pet_needs", ["kidney"], dict(entities=[("pet_need", "kidney")], text="/inform"), ["kidney"], []),
    ("pet_needs", ["none"], dict(intent="deny", text="没有"), ["none"], []),
    ("pet_needs", ["没什么特别的，挺健康的"], {}, ["none"], []),
    ("pet_needs", ["毛发不太亮"], {}, None, ["utter_pet_needs_unclear"]),
])
def test_each_answer(ledger_env, slot, value, kw, expected, names):
    kw.setdefault("text", value if isinstance(value, str) else value[0])
    events, said, _ = run(ValidatePetFoodForm(), answer(slot, value, slots={"pet_species": "cat"}, **kw))
    assert (events, said) == ([SlotSet(slot, expected)], names)


def test_a_heavy_dog_is_plausible(ledger_env):
    events, said, _ = run(ValidatePetFoodForm(), answer(
        "pet_weight", "30", entities=[("weight", "30")], text="60斤", slots={"pet_species": "dog"}))
    assert (events, said) == ([SlotSet("pet_weight", "30")], [])


def advice(species="cat", age="96", weight="5", needs=("urinary",), **kw):
    slots = {"pet_species": species, "pet_age": age, "pet_weight": weight,
             "pet_needs": list(needs)}
    return run(ActionPetFoodAdvice(), make_tracker("没有了", "deny", slots=slots, **kw))


def test_the_demo_cat_gets_three_picks_with_their_quality_tests(ledger_env):
    events, names, messages = advice()
    assert events == RESETS
    assert names == ["utter_pet_food_intro_cat_senior"] + ["utter_pet_food_pick"] * 3 + \
        ["utter_pet_food_transition"]
    picks = messages[1:4]
    assert [(m["rank"], m["name"]) for m in picks] == [
        (1, "网易严选 全价老年猫粮 1.8kg"), (2, "冠能 敏感肠胃 成猫粮 2.5kg"), (3, "渴望 六种鱼 无谷全猫粮 1.8kg")]
    assert all(m["quality_result"] == PASSED and m["quality_date"] and m["price"] for m in picks)


def test_kidney_disease_is_for_a_vet_first(ledger_env):
    events, names, _ = advice(needs=["kidney"], customer=1005)
    assert events == [SlotSet("conversation_owner", "1005")] + RESETS
    assert names[:2] == ["utter_pet_food_vet_kidney", "utter_pet_food_intro_cat_senior"]


def test_a_need_nothing_meets_and_no_weight_given(ledger_env):
    _, names, _ = advice("dog", "5", "unknown", ["weight_control"])
    assert names == ["utter_pet_food_intro_dog_young", "utter_pet_food_pick", "utter_pet_food_pick",
                     "utter_pet_food_unmet_weight_control", "utter_pet_food_transition"]


def test_nothing_in_the_catalogue_fits(ledger_env):
    _, names, _ = advice("dog", "5", "60", ["none"])
    assert names == ["utter_pet_food_none"]
