"""选粮助手 (pet food advice): species, age, weight and health needs, then up to three catalogue
products with their quality-test result and date (``recommend_pet_food``); needs that only a
prescription diet meets are for a vet. No account is needed.

Ages arrive in months and weights in kilograms from the NLU's pattern entities ("8岁" -> "96",
"9斤" -> "4.5"); a bare number is ambiguous (months or years? kilograms or jin?) and is asked
again with its unit. Implausible values are refused before the ledger sees them.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LedgerAction
from actions.tradein import FormValidation
from bot.ledger.services import recommend_pet_food
from bot.ledger.services.pets import NEEDS, SPECIES
from bot.money import yuan

__all__ = ["ValidatePetFoodForm", "ActionPetFoodAdvice", "PET_SLOTS", "PLAUSIBLE"]

PET_SLOTS = ("pet_species", "pet_age", "pet_weight", "pet_needs")
NO_NEEDS = "none"
UNKNOWN_WEIGHT = "unknown"
#: what a cat or a dog can plausibly be: age in months, weight in kilograms
PLAUSIBLE = {"cat": {"age": (1, 300), "weight": (Decimal("0.1"), Decimal("15"))},
             "dog": {"age": (1, 300), "weight": (Decimal("0.3"), Decimal("90"))}}
# words that say "nothing special" when no health need was recognised
NO_NEED_WORDS = ("没有", "没啥", "没什么", "都没", "健康", "正常", "不用", "无特殊", "挺好")
# words that say the weight is not known
UNKNOWN_WEIGHT_WORDS = ("不知道", "不清楚", "没称", "不确定", "说不准")


def _number(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class ValidatePetFoodForm(FormValidation):
    owned_slots = PET_SLOTS

    def name(self) -> str:
        return "validate_pet_food_form"

    @staticmethod
    def _latest(tracker, entity: str) -> str | None:
        return next(tracker.get_latest_entity_values(entity), None)

    def validate_pet_species(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        species = self._latest(tracker, "species") or value
        species = str(species or "").strip().lower()
        if species not in SPECIES:
            dispatcher.utter_message(response="utter_pet_species_unsupported")
            return {"pet_species": None}
        return {"pet_species": species}

    def validate_pet_age(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        months = _number(self._latest(tracker, "age"))
        if months is None:                       # free text without a unit
            dispatcher.utter_message(response="utter_pet_age_unclear")
            return {"pet_age": None}
        low, high = PLAUSIBLE.get(tracker.get_slot("pet_species"), PLAUSIBLE["cat"])["age"]
        if not low <= months <= high:
            dispatcher.utter_message(response="utter_pet_age_implausible")
            return {"pet_age": None}
        return {"pet_age": str(int(months))}

    def validate_pet_weight(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        kg = _number(self._latest(tracker, "weight"))
        if kg is None and (value == UNKNOWN_WEIGHT or any(w in str(value) for w in UNKNOWN_WEIGHT_WORDS)):
            return {"pet_weight": UNKNOWN_WEIGHT}
        if kg is None:
            dispatcher.utter_message(response="utter_pet_weight_unclear")
            return {"pet_weight": None}
        species = tracker.get_slot("pet_species")
        low, high = PLAUSIBLE.get(species, PLAUSIBLE["dog"])["weight"]
        if not low <= kg <= high:
            dispatcher.utter_message(response=f"utter_pet_weight_implausible_{species or 'dog'}")
            return {"pet_weight": None}
        return {"pet_weight": format(kg.normalize(), "f")}

    def validate_pet_needs(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        values = value if isinstance(value, list) else [value]
        needs = [n for n in dict.fromkeys(tracker.get_latest_entity_values("pet_need")) if n in NEEDS]
        needs += [n for n in values if n in NEEDS and n not in needs]
        if needs:
            return {"pet_needs": needs}
        text = " ".join(str(v) for v in values if v)
        if NO_NEEDS in values or any(w in text for w in NO_NEED_WORDS):
            return {"pet_needs": [NO_NEEDS]}
        dispatcher.utter_message(response="utter_pet_needs_unclear")
        return {"pet_needs": None}


class ActionPetFoodAdvice(LedgerAction):
    """Submit of ``pet_food_form``: vet advice first when a need calls for a prescription diet,
    then the picks with their quality tests, needs nothing meets, and a word on switching food."""
    needs_customer = False

    def name(self) -> str:
        return "action_pet_food_advice"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        weight = tracker.get_slot("pet_weight")
        needs = [n for n in tracker.get_slot("pet_needs") or [] if n != NO_NEEDS]
        reset = [SlotSet(slot, None) for slot in PET_SLOTS]
        with self.sessions().begin() as session:
            advice = recommend_pet_food(session=session, species=tracker.get_slot("pet_species"),
                                        age_months=tracker.get_slot("pet_age"),
                                        weight_kg=None if weight in (None, UNKNOWN_WEIGHT) else weight,
                                        needs=needs)
        for need in advice.vet_needs:
            dispatcher.utter_message(response=f"utter_pet_food_vet_{need}")
        if not advice.picks:
            dispatcher.utter_message(response="utter_pet_food_none")
            return reset
        dispatcher.utter_message(response=f"utter_pet_food_intro_{advice.species}_{advice.life_stage}")
        for rank, pick in enumerate(advice.picks, start=1):
            dispatcher.utter_message(
                response="utter_pet_food_pick" if pick.price_fen else "utter_pet_food_pick_no_price",
                rank=rank, name=pick.name, brand=pick.brand,
                price=yuan(pick.price_fen) if pick.price_fen else "",
                quality_result=pick.quality_test_result, quality_date=pick.quality_test_date)
        for need in advice.unmet_needs:
            dispatcher.utter_message(response=f"utter_pet_food_unmet_{need}")
        dispatcher.utter_message(response="utter_pet_food_transition")
        return reset
