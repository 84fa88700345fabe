"""The medicine helpers the health conversations need: reading what a medication question asks,
placing symptoms in a department (or not), and booking a consultation safely on a retry."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ledger.errors import InvalidRequest, UnknownCustomer
from bot.ledger.services.medicine import (QUESTION_TOPICS, book_consultation_once,
                                          match_department, read_medication_question)
from bot.ledger.tables import Consultation
from tests import factories as f
from tests.conftest import NOW


@pytest.mark.parametrize("text, topic", [
    ("布洛芬一次吃几粒", "dose"),
    ("说明书丢了 芬必得一天吃几次", "dose"),
    ("一天最多能喝几次感冒灵", "dose"),
    ("芬必得属于处方药吗", "rx"),
    ("吃头孢期间能喝酒吗", "interactions"),
    ("布洛芬和对乙酰氨基酚能一起吃吗", "interactions"),
    ("氯雷他定吃了会犯困吗", "side_effects"),
    ("美林开封后能放多久", "storage"),
    ("开瑞坦是饭前吃还是睡前吃", "usage"),
    ("连花清瘟风寒感冒能吃吗", "contraindications"),
    ("有什么禁忌", "contraindications"),
    ("芬必得能治牙疼吗", "indications"),
    ("布洛芬", None),
    ("", None),
])
def test_the_topic_of_a_question(text, topic):
    reading = read_medication_question(text)
    assert reading.topic == topic
    assert reading.topic is None or reading.topic in QUESTION_TOPICS


@pytest.mark.parametrize("text, age, child, pregnant", [
    ("孩子发烧能吃布洛芬吗", None, True, False),
    ("宝宝拉肚子思密达怎么吃", None, True, False),
    ("孕妇可以吃连花清瘟吗", None, False, True),
    ("哺乳期能吃氯雷他定吗", None, False, True),
    ("备孕期间能吃感冒灵吗", None, False, True),
    ("3岁能吃吗", "36", True, False),
    ("我70岁了能吃吗", "840", False, False),
    ("十七岁能吃吗", "204", True, False),
    ("十八岁能吃吗", "216", False, False),
    ("年龄不对", "abc", False, False),
    ("布洛芬有什么禁忌", None, False, False),
])
def test_children_and_pregnancy_are_noticed(text, age, child, pregnant):
    reading = read_medication_question(text, age_months=age)
    assert (reading.for_child, reading.pregnant) == (child, pregnant)


def test_a_department_only_when_the_words_name_one(ledger):
    with ledger.Session() as s:
        assert match_department(s, "咳嗽发烧两天了").code == "respiratory"
        assert match_department(s, "帮我挂个皮肤科").code == "dermatology"
        assert match_department(s, "孩子拉肚子").code in ("pediatrics", "gastroenterology")
        assert match_department(s, "浑身没精神").code == "general_medicine"
        assert match_department(s, "我想问问医生") is None
        assert match_department(s, "") is None


def test_booking_again_returns_the_waiting_booking(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        first = book_consultation_once(session=s, customer_id=c.id, symptoms="咳嗽发烧",
                                       department="respiratory", now=NOW)
        again = book_consultation_once(session=s, customer_id=c.id, symptoms=" 咳嗽发烧 ",
                                       department="respiratory", now=NOW + timedelta(minutes=5))
        assert again == first
        assert (first.department, first.department_name, first.scheduled_at) == \
            ("respiratory", "呼吸内科", NOW + timedelta(minutes=15))
        other = book_consultation_once(session=s, customer_id=c.id, symptoms="头痛失眠", now=NOW)
        assert (other.department, other.consultation_id != first.consultation_id) == ("neurology", True)
        # once the consultation has started, the same words book a new one
        later = book_consultation_once(session=s, customer_id=c.id, symptoms="咳嗽发烧",
                                       department="respiratory", now=NOW + timedelta(minutes=16))
        assert later.consultation_id not in (first.consultation_id, other.consultation_id)
        rows = s.execute(select(Consultation).where(Consultation.customer_id == c.id)).scalars().all()
        assert len(rows) == 3


def test_booking_once_keeps_the_rules_of_booking(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        with pytest.raises(InvalidRequest):
            book_consultation_once(session=s, customer_id=c.id, symptoms="  ", now=NOW)
        with pytest.raises(InvalidRequest):
            book_consultation_once(session=s, customer_id=c.id, symptoms="头痛", department="astrology",
                                   now=NOW)
        with pytest.raises(UnknownCustomer):
            book_consultation_once(session=s, customer_id=424242, symptoms="头痛", now=NOW)
        assert s.execute(select(Consultation)).scalars().all() == []
