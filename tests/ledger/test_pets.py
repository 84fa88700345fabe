"""选粮助手 (pet food advice), on SQLite and PostgreSQL."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from bot.ledger import services as sv
from bot.ledger.errors import InvalidRequest
from tests.conftest import NOW

PRESCRIPTION = {"PF-HILLS-KD", "PF-RC-URINARY", "PF-HILLS-DOG-KD"}
PASSED = "合格：京东品质检测通过（营养成分、霉菌毒素、重金属）"


def advise(ledger, **kw):
    with ledger.Session() as s:
        return sv.recommend_pet_food(session=s, now=NOW, **kw)


def test_life_stage_young_below_a_year_senior_from_seven(ledger):
    cases = [(0, "young"), (11, "young"), (12, "adult"), (83, "adult"), (84, "senior"), (200, "senior")]
    for months, stage in cases:
        assert advise(ledger, species="cat", age_months=months).life_stage == stage, months
        assert advise(ledger, species="dog", age_months=str(months)).life_stage == stage, months


def test_up_to_three_picks_with_quality_test_result_and_date(ledger):
    advice = advise(ledger, species="cat", age_months=36, weight_kg="5")
    assert (advice.species, advice.life_stage, advice.vet_advised) == ("cat", "adult", False)
    assert [(p.sku, p.price_fen, p.quality_test_result, p.quality_test_date) for p in advice.picks] == [
        ("PF-RC-INDOOR", 18900, PASSED, "2026-05-05"),     # tested 44 days before NOW
        ("PF-PRO-SENSI", 23900, PASSED, "2026-05-08"),     # 41 days
        ("PF-ORIJEN-CAT", 42900, PASSED, "2026-04-21"),    # 58 days
    ]
    first = advice.to_dict()["picks"][0]
    assert (first["price"], first["nutrition"]) == ("189.00", {"粗蛋白": "≥27%", "粗脂肪": "≥13%"})


def test_picks_that_meet_the_need_come_first(ledger):
    advice = advise(ledger, species="cat", age_months=96, weight_kg="5", needs=["urinary"])
    assert advice.life_stage == "senior"
    assert [(p.sku, p.matched_needs) for p in advice.picks] == [
        ("PF-YANXUAN-SENIOR", ["urinary"]), ("PF-PRO-SENSI", []), ("PF-ORIJEN-CAT", [])]
    assert (advice.vet_advised, advice.vet_needs, advice.unmet_needs) == (False, [], [])


def test_grain_free_dog_food_by_weight(ledger):
    advice = advise(ledger, species="dog", age_months=30, weight_kg="15", needs=["grain_free"])
    assert [(p.sku, p.matched_needs) for p in advice.picks] == [
        ("PF-PURE-GF-DOG", ["grain_free"]), ("PF-BILE-SENSI", ["grain_free"]), ("PF-PRO-DOG", [])]


def test_weight_outside_a_foods_range_leaves_it_out(ledger):
    advice = advise(ledger, species="dog", age_months=30, weight_kg="30")
    assert [p.sku for p in advice.picks] == ["PF-PURE-GF-DOG", "PF-BILE-SENSI"]
    young = advise(ledger, species="cat", age_months=3, weight_kg="1")
    assert [p.sku for p in young.picks] == ["PF-RC-KITTEN", "PF-ORIJEN-CAT"]


def test_kidney_disease_is_for_a_vet(ledger):
    for species, months in (("cat", 96), ("cat", 40), ("dog", 40), ("dog", 100)):
        advice = advise(ledger, species=species, age_months=months, weight_kg="5", needs=["kidney"])
        assert (advice.vet_advised, advice.vet_needs, advice.unmet_needs) == (True, ["kidney"], []), species
        assert advice.picks and not PRESCRIPTION & {p.sku for p in advice.picks}
        assert all(p.matched_needs == [] for p in advice.picks)


def test_a_need_only_a_prescription_diet_meets_is_for_a_vet(ledger):
    adult = advise(ledger, species="cat", age_months=36, weight_kg="5", needs=["urinary", "weight_control"])
    assert (adult.vet_advised, adult.vet_needs, adult.unmet_needs) == (True, ["urinary"], [])
    assert [(p.sku, p.matched_needs) for p in adult.picks][0] == ("PF-RC-INDOOR", ["weight_control"])


def test_a_need_nothing_meets_is_reported_unmet_not_sent_to_a_vet(ledger):
    advice = advise(ledger, species="dog", age_months=5, needs=["weight_control"])
    assert (advice.vet_advised, advice.vet_needs, advice.unmet_needs) == (False, [], ["weight_control"])
    assert [p.sku for p in advice.picks] == ["PF-MFD-PUPPY", "PF-PURE-GF-DOG"]


def test_prescription_diets_are_never_picked(ledger):
    needs = ["kidney", "urinary", "sensitive_stomach", "weight_control", "grain_free"]
    with ledger.Session() as s:
        for species, months, weight, n in itertools.product(("cat", "dog"), (6, 40, 100), ("3", "8", None),
                                                           range(len(needs) + 1)):
            advice = sv.recommend_pet_food(session=s, species=species, age_months=months, weight_kg=weight,
                                           needs=needs[:n], now=NOW)
            assert len(advice.picks) <= 3
            assert not PRESCRIPTION & {p.sku for p in advice.picks}, (species, months, weight, needs[:n])
            assert all(p.quality_test_result and p.quality_test_date for p in advice.picks)


def test_species_is_case_insensitive(ledger):
    assert advise(ledger, species=" Cat ", age_months=36).species == "cat"


NONSENSE = [
    dict(species="rabbit", age_months=12), dict(species="", age_months=12),
    dict(species="cat", age_months=-1), dict(species="cat", age_months=361), dict(species="cat", age_months="old"),
    dict(species="cat", age_months=12, weight_kg="0"), dict(species="dog", age_months=12, weight_kg="200"),
    dict(species="dog", age_months=12, weight_kg="heavy"),
    dict(species="cat", age_months=12, needs=["shiny_coat"]),
]


def test_unknown_species_and_nonsense_raise(ledger):
    with ledger.Session() as s:
        for kw in NONSENSE:
            with pytest.raises(InvalidRequest):
                sv.recommend_pet_food(session=s, now=NOW, **kw)


def test_quality_test_dates_are_not_in_the_future(ledger):
    with ledger.Session() as s:
        for species, months in (("cat", 3), ("cat", 36), ("cat", 96), ("dog", 3), ("dog", 36), ("dog", 96)):
            for pick in sv.recommend_pet_food(session=s, species=species, age_months=months, now=NOW).picks:
                assert date.fromisoformat(pick.quality_test_date) <= NOW.date(), (pick.sku, pick.quality_test_date)
