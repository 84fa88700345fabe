"""What the after-sales conversations read before asking: the items of an order and the facts
the return, repair and size-exchange rules look at (``aftersales_items``, reads only)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ledger import services as sv
from bot.ledger.errors import UnknownOrder
from bot.ledger.services.aftersales import aftersales_items
from tests import factories as f
from tests.conftest import NOW


def test_one_orders_items_with_their_return_repair_and_exchange_facts(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("D-MRS-M", 3, quantity_returned=1), "B-BEAR-STER",
                           f.line("M-FENBID", 1), "PF-RC-INDOOR"],
                    paid_days_ago=22, delivered_days_ago=20)
        items = aftersales_items(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
    assert [i.item_id for i in items] == [i.id for i in o.items]
    diapers, steriliser, medicine, pet_food = items
    assert (diapers.order_no, diapers.order_status, diapers.units, diapers.delivered) == \
        (o.order_no, "delivered", 2, True)
    assert (diapers.line, diapers.size, diapers.opened_returnable, diapers.exchange_open) == \
        ("花王妙而舒纸尿裤", "M", False, True)
    assert diapers.exchange_window_ends == f.days_ago(20) + timedelta(days=90)
    assert (steriliser.baby_appliance, steriliser.line, steriliser.exchange_window_ends) == \
        (True, None, None)
    assert (medicine.return_rule, medicine.opened_returnable) == ("quality_only", True)
    assert (pet_food.return_rule, pet_food.opened_returnable, pet_food.baby_appliance) == \
        ("no_reason", False, False)


@pytest.mark.parametrize("delivered_days_ago, open_", [(90, True), (90.01, False)])
def test_the_exchange_window_is_the_rules_own(ledger, delivered_days_ago, open_):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("U-HGS-L", 2)], paid_days_ago=delivered_days_ago + 1,
                    delivered_days_ago=delivered_days_ago)
        (item,) = aftersales_items(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert item.exchange_open is open_
        outcome = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no,
                                      unopened_packs=1, to_size="XL", now=NOW)
        assert (outcome.status == "created") is open_


def test_an_undelivered_order_and_another_shoppers_order(ledger):
    with ledger.Session.begin() as s:
        c, other = f.customer(s), f.customer(s)
        pending = f.order(s, c, ["D-PAM-S"], paid_days_ago=1)
        (item,) = aftersales_items(session=s, customer_id=c.id, order_no=pending.order_no, now=NOW)
        assert (item.order_status, item.delivered, item.exchange_open, item.exchange_window_ends) == \
            ("shipped", False, False, None)
        with pytest.raises(UnknownOrder):
            aftersales_items(session=s, customer_id=other.id, order_no=pending.order_no, now=NOW)
        with pytest.raises(UnknownOrder):
            aftersales_items(session=s, customer_id=c.id, order_no="999999999999", now=NOW)


def test_recent_orders_newest_first_up_to_the_limit_and_not_in_the_future(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        old = f.order(s, c, ["A-MIDEA-AC"], paid_days_ago=30, delivered_days_ago=28)
        new = f.order(s, c, ["P-MI14", "T-MATEPAD"], paid_days_ago=3, delivered_days_ago=1)
        f.order(s, c, ["L-MBA"], paid_at=NOW + timedelta(hours=1))
        items = aftersales_items(session=s, customer_id=c.id, now=NOW)
        assert [(i.order_no, i.sku_name) for i in items] == [
            (new.order_no, "小米14 12GB+256GB 白色"), (new.order_no, "华为MatePad 11.5英寸平板电脑"),
            (old.order_no, "美的 1.5匹 新一级能效 变频空调挂机")]
        assert {i.order_no for i in aftersales_items(session=s, customer_id=c.id, limit=1,
                                                     now=NOW)} == {new.order_no}
