"""用药咨询 (medication questions), 药急送 (urgent medicine delivery), 在线问诊 (online doctor)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.ledger import services as sv
from bot.ledger.errors import InvalidRequest, NotFound, UnknownCustomer
from bot.ledger.services.medicine import LABEL_TOPICS, MEDICINE_CATEGORIES
from bot.ledger.tables import Consultation, Pharmacy, PharmacyStock, Product
from tests import factories as f
from tests.conftest import NOW

QUANTITY = re.compile(r"(\d|[一二两三四五六七八九十半])\s*(片|粒|袋|毫升|ml|mg|克|g|次)", re.IGNORECASE)
WANGJING, TONGRENTANG = "京东大药房（望京店）", "同仁堂药店（朝阳门店）"


def beijing(hour, minute=0, day=18):
    """An instant given in Beijing time (UTC+8) on June ``day`` 2026, as UTC."""
    return datetime(2026, 6, day, hour, minute, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def drugs(s):
    return list(s.execute(select(Product).where(Product.category_code.in_(MEDICINE_CATEGORIES))
                          .order_by(Product.id)).scalars())


# --------------------------------------------------------------------------- label facts

def test_answers_are_the_label_fact_for_the_topic(ledger):
    with ledger.Session() as s:
        label = f.product(s, "M-FENBID").attributes
        for topic in LABEL_TOPICS:
            out = sv.medication_answer(session=s, drug="布洛芬", topic=topic)
            assert (out.topic, out.answer, out.pharmacist_needed, out.reasons) == \
                (topic, label[topic], False, []), topic
            assert (out.drug.sku, out.drug.generic_name, out.drug.rx) == ("M-FENBID", "布洛芬", False)


def test_no_label_fact_of_any_drug_states_a_quantity(ledger):
    with ledger.Session() as s:
        found = drugs(s)
        assert len(found) == 11
        for product in found:
            for topic in LABEL_TOPICS:
                fact = product.attributes[topic]
                assert fact and not QUANTITY.search(fact), (product.sku, topic, fact)
            for topic in (*LABEL_TOPICS, "dose"):
                answer = sv.medication_answer(session=s, drug=product.name, topic=topic)
                assert answer.drug.sku == product.sku
                assert not QUANTITY.search(answer.answer or ""), (product.sku, topic, answer.answer)
                assert not any(QUANTITY.search(v) for v in answer.drug.to_dict().values()
                               if isinstance(v, str) and v not in (product.name, product.sku))


def test_a_dose_question_gets_the_labels_wording_and_a_pharmacist(ledger):
    with ledger.Session() as s:
        for drug in ("布洛芬", "美林", "阿莫西林", "连花清瘟"):
            out = sv.medication_answer(session=s, drug=drug, topic="dose")
            assert (out.pharmacist_needed, out.reasons) == (True, ["dose"]), drug
            assert out.answer == out.drug.usage
            assert "遵医嘱" in out.answer


def test_children_pregnancy_and_several_drugs_go_to_a_pharmacist(ledger):
    cases = [
        (dict(for_child=True), ["child"]),
        (dict(pregnant=True), ["pregnancy"]),
        (dict(other_drugs=["阿莫西林"]), ["several_drugs"]),
        (dict(for_child=True, pregnant=True, other_drugs=["感冒灵", "连花清瘟"]), ["child", "pregnancy", "several_drugs"]),
    ]
    with ledger.Session() as s:
        label = f.product(s, "M-FENBID").attributes["interactions"]
        for kw, reasons in cases:
            out = sv.medication_answer(session=s, drug="布洛芬", topic="interactions", **kw)
            assert (out.pharmacist_needed, out.reasons, out.answer) == (True, reasons, label), kw


def test_naming_the_same_drug_again_is_not_several_drugs(ledger):
    with ledger.Session() as s:
        out = sv.medication_answer(session=s, drug="布洛芬", topic="usage", other_drugs=["布洛芬", " "])
        assert (out.pharmacist_needed, out.reasons) == (False, [])


def test_unknown_drug_goes_to_a_pharmacist_with_no_answer(ledger):
    with ledger.Session() as s:
        out = sv.medication_answer(session=s, drug="神奇万能药", topic="indications")
        assert (out.drug, out.answer, out.pharmacist_needed, out.reasons) == (None, None, True, ["unknown_drug"])


def test_rx_topic_tells_otc_from_rx(ledger):
    with ledger.Session() as s:
        rx = sv.medication_answer(session=s, drug="阿莫西林", topic="rx")
        otc = sv.medication_answer(session=s, drug="扑热息痛", topic="rx")
        assert (rx.drug.sku, rx.drug.rx, rx.answer) == ("R-AMOX", True, None)
        assert (otc.drug.sku, otc.drug.rx) == ("M-TYLENOL", False)


def test_unknown_topic_raises(ledger):
    with ledger.Session() as s:
        for topic in ("how_much", "", "DOSE"):
            with pytest.raises(InvalidRequest):
                sv.medication_answer(session=s, drug="布洛芬", topic=topic)


def test_drugs_are_found_by_brand_generic_name_or_alias(ledger):
    cases = [("扑热息痛", "M-TYLENOL"), ("美林", "M-MOTRIN-KIDS"), ("儿童布洛芬", "M-MOTRIN-KIDS"),
             ("999感冒灵", "M-GANMAOLING"), ("拜新同", "R-NIFEDIPINE"), ("思密达", "M-SMECTA")]
    with ledger.Session() as s:
        assert [(text, sv.find_drug(s, text).sku) for text, _ in cases] == cases
        assert sv.find_drug(s, "   ") is None


# --------------------------------------------------------------------------- urgent delivery

def _pharmacies(ledger, **kw):
    with ledger.Session() as s:
        return sv.find_pharmacies(session=s, **kw)


def test_daytime_both_pharmacies_of_the_district_fastest_first(ledger):
    out = _pharmacies(ledger, drug="布洛芬", district="朝阳区", now=NOW)
    assert (out.drug, out.night, out.rx, out.prescription_needed, out.reason) == \
        ("芬必得 布洛芬缓释胶囊 24粒", False, False, False, None)
    assert [(o.name, o.open_24h, o.delivery_minutes, o.eta) for o in out.options] == [
        (WANGJING, True, 30, NOW + timedelta(minutes=30)),
        (TONGRENTANG, False, 45, NOW + timedelta(minutes=45))]


def test_at_night_only_24_hour_pharmacies(ledger):
    cases = [
        (beijing(23, 30), True, [WANGJING]),
        (beijing(3, 0), True, [WANGJING]),
        (beijing(21, 59), False, [WANGJING, TONGRENTANG]),
        (beijing(22, 0), True, [WANGJING]),
        (beijing(7, 30), False, [WANGJING]),           # day, but the other one opens at 8
        (beijing(8, 0), False, [WANGJING, TONGRENTANG]),
    ]
    for when, night, names in cases:
        out = _pharmacies(ledger, drug="芬必得", district="朝阳区", now=when)
        assert (out.night, [o.name for o in out.options], out.reason) == (night, names, None), when
        assert out.options[0].eta == when + timedelta(minutes=30)


def test_at_night_a_late_opening_pharmacy_is_still_not_offered(ledger):
    with ledger.Session.begin() as s:
        s.execute(update(Pharmacy).where(Pharmacy.name == TONGRENTANG).values(opens_minute=0, closes_minute=24 * 60))
    late = _pharmacies(ledger, drug="布洛芬", district="朝阳区", now=beijing(23, 30))
    assert (late.night, [o.name for o in late.options]) == (True, [WANGJING])
    day = _pharmacies(ledger, drug="布洛芬", district="朝阳区", now=beijing(21, 30))
    assert [o.name for o in day.options] == [WANGJING, TONGRENTANG]


def test_district_is_matched_with_or_without_qu(ledger):
    assert [o.name for o in _pharmacies(ledger, drug="布洛芬", district="朝阳", now=NOW).options] == \
        [WANGJING, TONGRENTANG]


def test_no_stock_in_the_district(ledger):
    # 金象大药房 is the only pharmacy in 东城区 and does not carry 氯雷他定
    out = _pharmacies(ledger, drug="开瑞坦", district="东城区", now=NOW)
    assert (out.options, out.reason) == ([], "no_stock_in_district")
    nowhere = _pharmacies(ledger, drug="布洛芬", district="延庆区", now=NOW)
    assert (nowhere.options, nowhere.reason) == ([], "no_stock_in_district")
    with ledger.Session.begin() as s:
        fenbid = f.product(s, "M-FENBID").id
        chaoyang = s.execute(select(Pharmacy.id).where(Pharmacy.district == "朝阳区")).scalars().all()
        s.execute(update(PharmacyStock).where(PharmacyStock.product_id == fenbid,
                                              PharmacyStock.pharmacy_id.in_(chaoyang)).values(quantity=0))
    sold_out = _pharmacies(ledger, drug="布洛芬", district="朝阳区", now=NOW)
    assert (sold_out.options, sold_out.reason) == ([], "no_stock_in_district")


def test_stocked_but_none_open_now(ledger):
    out = _pharmacies(ledger, drug="布洛芬", district="东城区", now=beijing(8, 30))
    assert (out.night, out.options, out.reason) == (False, [], "none_open_now")
    later = _pharmacies(ledger, drug="布洛芬", district="东城区", now=beijing(9, 0))
    assert [o.name for o in later.options] == ["金象大药房（王府井店）"]


def test_rx_drugs_need_a_prescription(ledger):
    out = _pharmacies(ledger, drug="阿莫西林", district="朝阳区", now=NOW)
    assert (out.rx, out.prescription_needed, out.reason) == (True, True, "prescription_required")
    assert [o.name for o in out.options] == [WANGJING, TONGRENTANG]
    held = _pharmacies(ledger, drug="阿莫西林", district="朝阳区", has_prescription=True, now=NOW)
    assert (held.rx, held.prescription_needed, held.reason) == (True, False, None)


def test_delivery_of_an_unknown_drug_or_to_no_district_raises(ledger):
    with ledger.Session() as s:
        with pytest.raises(NotFound):
            sv.find_pharmacies(session=s, drug="神奇万能药", district="朝阳区", now=NOW)
        with pytest.raises(InvalidRequest):
            sv.find_pharmacies(session=s, drug="布洛芬", district="  ", now=NOW)


# --------------------------------------------------------------------------- online doctor

def test_consultation_department_from_symptoms(ledger):
    cases = [
        ("咳嗽发烧两天了，嗓子疼", "respiratory", "呼吸内科"),
        ("最近总是头痛，晚上失眠", "neurology", "神经内科"),
        ("胳膊上起疹，很痒", "dermatology", "皮肤科"),
        ("吃坏了东西，一直腹泻还恶心", "gastroenterology", "消化内科"),
        ("我家宝宝老是哭闹", "pediatrics", "儿科"),
        ("最近心慌，血压也有点高", "cardiology", "心内科"),
        ("说不上来哪里不对劲", "general_medicine", "全科"),
    ]
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for symptoms, code, name in cases:
            out = sv.book_consultation(session=s, customer_id=c.id, symptoms=symptoms, now=NOW)
            assert (out.department, out.department_name, out.scheduled_at) == \
                (code, name, NOW + timedelta(minutes=15)), symptoms
            row = s.get(Consultation, out.consultation_id)
            assert (row.customer_id, row.department, row.status, row.symptoms) == (c.id, code, "booked", symptoms)


def test_consultation_with_a_named_department_and_bad_requests(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        out = sv.book_consultation(session=s, customer_id=c.id, symptoms="复查", department="cardiology", now=NOW)
        assert out.department == "cardiology"
        with pytest.raises(InvalidRequest):
            sv.book_consultation(session=s, customer_id=c.id, symptoms="  ", now=NOW)
        with pytest.raises(InvalidRequest):
            sv.book_consultation(session=s, customer_id=c.id, symptoms="头痛", department="astrology", now=NOW)
        with pytest.raises(UnknownCustomer):
            sv.book_consultation(session=s, customer_id=424242, symptoms="头痛", now=NOW)
        assert len(s.execute(select(Consultation)).scalars().all()) == 1
