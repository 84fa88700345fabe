"""选粮助手 (pet food advice): by species, life stage, weight and health needs, up to three
catalogue products with their quality-test result and date. Needs only a prescription diet can
meet (kidney disease, say) are for a vet: the shopper is told so, never sold one blind."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.errors import InvalidRequest
from bot.ledger.services.common import Record, policy, resolve_now
from bot.ledger.services.pricing import lowest_prices
from bot.ledger.tables import Product

__all__ = ["PetFoodPick", "PetAdvice", "life_stage", "recommend_pet_food", "SPECIES", "NEEDS"]

SPECIES = ("cat", "dog")
NEEDS = ("sensitive_stomach", "urinary", "kidney", "weight_control", "grain_free")


@dataclass
class PetFoodPick(Record):
    sku: str
    name: str
    brand: str
    price_fen: int | None
    matched_needs: list[str]
    quality_test_result: str
    quality_test_date: str
    nutrition: dict


@dataclass
class PetAdvice(Record):
    species: str
    life_stage: str
    picks: list[PetFoodPick] = field(default_factory=list)
    vet_advised: bool = False
    vet_needs: list[str] = field(default_factory=list)   # needs only a prescription diet meets
    unmet_needs: list[str] = field(default_factory=list)


def life_stage(session: Session, age_months: int) -> str:
    if age_months < policy(session, "pet_young_below_months"):
        return "young"
    if age_months >= policy(session, "pet_senior_from_months"):
        return "senior"
    return "adult"


def recommend_pet_food(*, session: Session, species: str, age_months, weight_kg=None,
                       needs: list[str] | tuple = (), now=None) -> PetAdvice:
    species = str(species).strip().lower()
    if species not in SPECIES:
        raise InvalidRequest(f"species must be one of {SPECIES}")
    try:
        age = int(age_months)
    except (TypeError, ValueError):
        raise InvalidRequest("age must be a whole number of months") from None
    if not 0 <= age <= 12 * 30:
        raise InvalidRequest("an age between 0 and 30 years, please")
    weight = None
    if weight_kg is not None:
        try:
            weight = Decimal(str(weight_kg))
        except InvalidOperation:
            raise InvalidRequest("weight must be a number of kilograms") from None
        if not weight.is_finite() or not Decimal("0.1") <= weight <= Decimal("120"):
            raise InvalidRequest("a pet's weight between 0.1 and 120 kg, please")
    wanted = [n for n in dict.fromkeys(needs or ()) if n]
    unknown = [n for n in wanted if n not in NEEDS]
    if unknown:
        raise InvalidRequest(f"unknown health needs {unknown}; known: {NEEDS}")
    stage = life_stage(session, age)
    now = resolve_now(now)
    advice = PetAdvice(species=species, life_stage=stage)
    foods = session.execute(select(Product).where(Product.category_code == "pet_food")
                            .order_by(Product.id)).scalars()
    scored = []
    prescription_covers: set[str] = set()
    for product in foods:
        a = product.attributes or {}
        if a.get("species") != species or stage not in a.get("life_stages", []):
            continue
        low, high = a.get("weight_range_kg") or (None, None)
        if weight is not None and low is not None and not Decimal(str(low)) <= weight <= Decimal(str(high)):
            continue
        tags = set(a.get("tags", []))
        if a.get("prescription"):
            prescription_covers |= tags & set(wanted)
            continue
        matched = [n for n in wanted if n in tags]
        price = lowest_prices(session, product.id, now).get("public")
        scored.append((-len(matched), price or 0, product, matched, price))
    covered = {n for _, _, _, matched, _ in scored for n in matched}
    advice.vet_needs = sorted(n for n in wanted if n not in covered and
                              (n in prescription_covers or n == "kidney"))
    advice.vet_advised = bool(advice.vet_needs)
    advice.unmet_needs = sorted(n for n in wanted if n not in covered and n not in advice.vet_needs)
    scored.sort(key=lambda row: (row[0], row[1]))
    for _, _, product, matched, price in scored[:3]:
        a = product.attributes
        test = a.get("quality_test", {})
        advice.picks.append(PetFoodPick(sku=product.sku, name=product.name, brand=product.brand,
                                        price_fen=price, matched_needs=matched,
                                        quality_test_result=test.get("result", ""),
                                        quality_test_date=test.get("date", ""),
                                        nutrition=a.get("nutrition", {})))
    return advice
