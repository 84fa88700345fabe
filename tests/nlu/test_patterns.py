from datetime import datetime, timezone

import pytest

from bot.nlu.patterns import cn_number, find_pattern_entities

NOW = datetime(2026, 6, 18, 2, 0, tzinfo=timezone.utc)   # Thursday 2026-06-18, Beijing


def ents(text):
    return [(e.entity, e.text, e.value) for e in find_pattern_entities(text, now=NOW)]


@pytest.mark.parametrize("text, value", [("12", 12), ("十二", 12), ("两", 2), ("一百二十", 120),
                                         ("二十", 20), ("3.5", "3.5"), ("十", 10)])
def test_chinese_numbers(text, value):
    assert str(cn_number(text)) == str(value)


def test_order_numbers_are_10_to_14_digits():
    assert ents("订单389771735911怎么还没到") == [("order_no", "389771735911", "389771735911")]
    assert ents("电话123456789") == []


@pytest.mark.parametrize("text, value", [("12斤", "6"), ("5kg", "5"), ("六公斤", "6"),
                                         ("3.5千克", "3.5"), ("800克", "0.8")])
def test_weights_are_kilograms(text, value):
    assert ents(f"宝宝{text}")[0][1:] == (text, value)


@pytest.mark.parametrize("text, months", [("两岁", "24"), ("8个月", "8"), ("3岁半", "42"),
                                          ("半岁", "6"), ("十个月", "10")])
def test_ages_are_months(text, months):
    assert ents(f"我家猫{text}了")[0] == ("age", text, months)


def test_money_is_yuan_with_two_places():
    assert ents("花了5999元 降到¥5499") == [("money", "5999元", "5999.00"),
                                          ("money", "¥5499", "5499.00")]
    assert ents("两千块")[0][2] == "2000.00"


def test_diaper_sizes():
    assert [e[2] for e in ents("NB码换S码")] == ["NB", "S"]
    assert ents("XL号")[0][2] == "XL"
    assert ents("iPhone SE") == []


def test_dates_follow_the_ledger_clock():
    assert ents("昨天买的")[0][2] == "2026-06-17"
    assert ents("上周三下的单")[0][2] == "2026-06-10"
    assert ents("6月1日")[0][2] == "2026-06-01"
    assert ents("双11买的")[0][2] == "2025-11-11"


def test_quantities_of_goods():
    assert ents("买了3包")[0] == ("quantity", "3包", "3")
    assert ents("一共两件")[0][2] == "2"


@pytest.mark.parametrize("text,value", [("3", "3"), ("两", "2"), ("十二", "12"), ("二十三", "23"),
                                        (" 12 。", "12")])
def test_a_message_that_is_only_a_small_number_is_a_quantity(text, value):
    found = find_pattern_entities(text)
    assert [(p.entity, p.value) for p in found] == [("quantity", value)]
    assert text[found[0].start:found[0].end].strip() == text[found[0].start:found[0].end]


@pytest.mark.parametrize("text", ["三三三", "十二三", "零", "00", "0"])
def test_no_quantity_from_numerals_that_are_not_one_to_ninety_nine(text):
    assert find_pattern_entities(text) == []


@pytest.mark.parametrize("text", ["520", "12345", "买了3", "第3"])
def test_larger_bare_numbers_are_no_quantity(text):
    assert find_pattern_entities(text) == []


def test_any_ten_to_fourteen_digits_are_an_order_number_even_a_made_up_one():
    """999999999999 must reach the action as an order number: it answers 'not your order',
    never about another of the shopper's orders."""
    assert [p.entity for p in find_pattern_entities("订单999999999999申请价保")] == ["order_no"]
