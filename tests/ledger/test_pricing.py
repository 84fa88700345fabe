"""一键价保 (price guarantee) and 领券价保 (coupon price guarantee), on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.ledger import services as sv
from bot.ledger.errors import UnknownCustomer, UnknownOrder
from bot.ledger.tables import CHANNELS, Claim, Refund
from tests import factories as f
from tests.conftest import NOW

LAPTOP = "L-MB14"          # laptops: 30-day window, public 5999.00 since NOW - 400 days
PHONE = "P-MI14"           # phones: 15-day window, public 3999.00
TABLET = "T-MATEPAD"       # tablets: 30 days, 1999.00
DYSON = "A-DYSON-V12"      # appliances: 30 days, 3990.00


def outcome(batch, item_id):
    found = [o for o in batch.items if o.item_id == item_id]
    assert len(found) == 1, batch.items
    return found[0]


def claims(s, kind=None, status=None):
    stmt = select(Claim).order_by(Claim.id)
    if kind:
        stmt = stmt.where(Claim.kind == kind)
    if status:
        stmt = stmt.where(Claim.status == status)
    return list(s.execute(stmt).scalars())


def refunded(s) -> int:
    return int(s.execute(select(func.coalesce(func.sum(Refund.amount_fen), 0))).scalar_one())


# --------------------------------------------------------------------------- price guarantee

def test_refund_is_price_difference_times_units(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line(LAPTOP, 2)], paid_days_ago=5, delivered_days_ago=3)
        item_id = o.items[0].id
        assert o.items[0].unit_price_fen == 599900
        f.set_public_price(s, LAPTOP, 549900)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        out = outcome(batch, item_id)
        assert (out.status, out.eligible, out.reason) == ("paid", True, None)
        assert out.refund_fen == 2 * 50000
        assert (out.paid_price_fen, out.current_price_fen) == (599900, 549900)
        assert out.window_ends == f.days_ago(5) + timedelta(days=30)
        assert out.arrives_by == NOW + timedelta(hours=24)
        assert batch.total_refund_fen == 100000
        assert batch.to_dict()["total_refund"] == "1000.00"
        assert batch.to_dict()["items"][0]["refund"] == "1000.00"
    with ledger.Session() as s:
        (claim,) = claims(s)
        assert (claim.kind, claim.status, claim.refund_fen, claim.reference_price_fen) == \
            ("price_guarantee", "paid", 100000, 549900)
        refund = s.execute(select(Refund)).scalar_one()
        assert (refund.claim_id, refund.kind, refund.amount_fen, refund.status) == \
            (claim.id, "claim", 100000, "paid")


@pytest.mark.parametrize("sku, days, paid", [
    (LAPTOP, 30, True),        # the last moment of a 30-day window
    (LAPTOP, 31, False),       # the day after
    (PHONE, 15, True),         # phones: 15 days
    (PHONE, 16, False),
])
def test_window_from_payment_last_day_and_day_after(ledger, sku, days, paid):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [sku], paid_days_ago=days, delivered_days_ago=days - 2)
        item_id = o.items[0].id
        before = o.items[0].unit_price_fen
        f.set_public_price(s, sku, before - 30000)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), item_id)
        assert out.window_ends == f.days_ago(days) + timedelta(days=15 if sku == PHONE else 30)
        if paid:
            assert (out.status, out.refund_fen) == ("paid", 30000)
        else:
            assert (out.status, out.reason, out.refund_fen) == ("rejected", "window_passed", 0)
            (claim,) = claims(s)
            assert (claim.status, claim.reason, claim.refund_fen) == ("rejected", "window_passed", 0)
            assert refunded(s) == 0


@pytest.mark.parametrize("sku, days", [(LAPTOP, 30), (PHONE, 15)])
def test_one_click_includes_an_order_on_the_last_day_of_its_window(ledger, sku, days):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [sku], paid_days_ago=days, delivered_days_ago=days - 1)
        f.set_public_price(s, sku, o.items[0].unit_price_fen - 10000)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        assert [(i.order_no, i.status, i.refund_fen) for i in batch.items] == [(o.order_no, "paid", 10000)]


def test_phone_one_click_after_its_15_day_window_pays_nothing(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [PHONE], paid_days_ago=16, delivered_days_ago=15)
        f.set_public_price(s, PHONE, 369900)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        assert [(i.order_no, i.reason, i.refund_fen) for i in batch.items] == [(o.order_no, "window_passed", 0)]
        assert batch.total_refund_fen == 0
        assert refunded(s) == 0


def test_asking_twice_at_the_same_price_pays_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        item_id = o.items[0].id
        f.set_public_price(s, LAPTOP, 549900)
    with ledger.Session.begin() as s:
        first = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
    with ledger.Session.begin() as s:
        again = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                         now=NOW + timedelta(hours=1))
        one_click = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW + timedelta(hours=2))
    assert (first.total_refund_fen, outcome(first, item_id).status) == (50000, "paid")
    for batch in (again, one_click):
        out = outcome(batch, item_id)
        assert (out.status, out.eligible, out.reason, out.refund_fen) == \
            ("not_eligible", False, "already_claimed", 0)
        assert batch.total_refund_fen == 0
    with ledger.Session() as s:
        assert [(cl.status, cl.refund_fen) for cl in claims(s)] == [("paid", 50000)]
        assert refunded(s) == 50000


def test_a_further_drop_pays_only_the_new_difference(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line(LAPTOP, 2)], paid_days_ago=10)
        item_id = o.items[0].id
        f.set_public_price(s, LAPTOP, 549900, at=f.days_ago(5))
        first = sv.claim_price_guarantee(session=s, customer_id=c.id, now=f.days_ago(4))
        f.set_public_price(s, LAPTOP, 529900, at=f.days_ago(2))
        second = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        third = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        assert outcome(first, item_id).refund_fen == 2 * 50000
        assert (outcome(second, item_id).status, outcome(second, item_id).refund_fen) == ("paid", 2 * 20000)
        assert outcome(third, item_id).reason == "already_claimed"
        # in all: exactly (paid - lowest) x units
        assert refunded(s) == (599900 - 529900) * 2
        assert [cl.reference_price_fen for cl in claims(s)] == [549900, 529900]


def test_a_price_back_up_then_down_to_an_already_claimed_level_pays_nothing(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=10)
        f.set_public_price(s, LAPTOP, 549900, at=f.days_ago(6))
        sv.claim_price_guarantee(session=s, customer_id=c.id, now=f.days_ago(5))
        f.set_public_price(s, LAPTOP, 599900, at=f.days_ago(4))
        f.set_public_price(s, LAPTOP, 559900, at=f.days_ago(2))
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.reason, out.refund_fen) == ("already_claimed", 0)
        assert refunded(s) == 50000


def test_flash_sale_purchase_is_not_eligible(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line(LAPTOP, 1, 499900, price_kind="flash_sale")], paid_days_ago=5)
        f.set_public_price(s, LAPTOP, 459900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.eligible, out.reason, out.refund_fen) == \
            ("rejected", False, "flash_sale_purchase", 0)
        (claim,) = claims(s)
        assert (claim.status, claim.reason) == ("rejected", "flash_sale_purchase")
        assert refunded(s) == 0


def test_flash_sale_current_price_is_not_eligible(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        f.special_price(s, LAPTOP, "flash_sale", 499900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.reason, out.refund_fen, out.current_price_fen) == \
            ("rejected", "flash_sale_price", 0, 499900)
        assert refunded(s) == 0


def test_public_drop_below_paid_pays_against_public_even_during_a_lower_flash_sale(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        f.set_public_price(s, LAPTOP, 579900)
        f.special_price(s, LAPTOP, "flash_sale", 499900)
        f.special_price(s, LAPTOP, "new_user", 489900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.refund_fen, out.current_price_fen) == ("paid", 20000, 579900)


def test_new_user_qualified_price_is_not_eligible(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        f.special_price(s, LAPTOP, "new_user", 509900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.reason, out.refund_fen, out.current_price_fen) == \
            ("rejected", "qualified_price", 0, 509900)


def test_an_expired_special_price_no_longer_blocks_nor_counts(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        f.special_price(s, LAPTOP, "flash_sale", 399900, starts_at=f.days_ago(3), ends_at=f.days_ago(2))
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.reason) == ("not_eligible", "no_price_drop")
        assert claims(s) == []


def test_fully_returned_item_is_not_eligible(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line(LAPTOP, 2, quantity_returned=2)], paid_days_ago=5, delivered_days_ago=4)
        f.set_public_price(s, LAPTOP, 549900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.reason, out.refund_fen) == ("rejected", "returned", 0)
        assert refunded(s) == 0


def test_partly_returned_item_pays_for_the_units_kept(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [f.line(LAPTOP, 3)], paid_days_ago=5, delivered_days_ago=4)
        ret = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=f.days_ago(2))
        assert ret.refund_fen == 599900
        f.set_public_price(s, LAPTOP, 549900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.status, out.refund_fen) == ("paid", 2 * 50000)


def test_claims_after_a_partial_return_count_what_the_return_took_back(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [f.line(LAPTOP, 2)], paid_days_ago=6, delivered_days_ago=5)
        item_id = o.items[0].id
        f.set_public_price(s, LAPTOP, 549900, at=f.days_ago(4))
        assert sv.claim_price_guarantee(session=s, customer_id=c.id, now=f.days_ago(3)).total_refund_fen == 100000
        ret = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=f.days_ago(2))
        assert ret.refund_fen == 599900 - 50000
        # the kept unit has had its 500.00: the same price pays nothing more
        same = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                                now=f.days_ago(1)), item_id)
        assert (same.reason, same.refund_fen) == ("already_claimed", 0)
        f.set_public_price(s, LAPTOP, 529900, at=f.days_ago(1))
        more = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                                now=NOW), item_id)
        assert (more.status, more.refund_fen) == ("paid", 20000)
        # the shopper kept one unit and paid 5999.00 - 500.00 - 200.00 = 5299.00 for it
        assert refunded(s) == 100000 + 549900 + 20000


def test_cancelled_order_is_not_eligible(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5, status="cancelled")
        f.set_public_price(s, LAPTOP, 549900)
        out = outcome(sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no,
                                               now=NOW), o.items[0].id)
        assert (out.reason, out.refund_fen) == ("cancelled", 0)
        assert refunded(s) == 0


def test_one_click_checks_every_recent_order(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        laptop = f.order(s, c, [LAPTOP], paid_days_ago=5)
        mixed = f.order(s, c, [f.line(TABLET, 2), "X-LINING-RUN"], paid_days_ago=10, channel="jd_live")
        old = f.order(s, c, [LAPTOP], paid_days_ago=40)           # outside every window
        f.set_public_price(s, LAPTOP, 549900)
        f.set_public_price(s, TABLET, 189900)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        got = {(i.order_no, i.sku_name): (i.status, i.reason, i.refund_fen) for i in batch.items}
        assert got == {
            (mixed.order_no, "华为MatePad 11.5英寸平板电脑"): ("paid", None, 2 * 10000),
            (mixed.order_no, "李宁 赤兔6 PRO 跑步鞋"): ("not_eligible", "no_price_drop", 0),
            (laptop.order_no, "华为MateBook 14 2024 轻薄笔记本"): ("paid", None, 50000),
        }
        assert old.order_no not in {i.order_no for i in batch.items}
        assert batch.total_refund_fen == 70000
        assert refunded(s) == 70000
        # nothing is recorded for items that simply had no drop
        assert [(cl.status, cl.order_item.order.order_no) for cl in claims(s)] == \
            [("paid", mixed.order_no), ("paid", laptop.order_no)]


def test_named_order_claims_only_that_order(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        first = f.order(s, c, [LAPTOP], paid_days_ago=5)
        second = f.order(s, c, [f.line(LAPTOP, 1)], paid_days_ago=3)
        f.set_public_price(s, LAPTOP, 549900)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=second.order_no, now=NOW)
        assert [(i.order_no, i.refund_fen) for i in batch.items] == [(second.order_no, 50000)]
        rest = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        assert {(i.order_no, i.status, i.refund_fen) for i in rest.items} == {
            (first.order_no, "paid", 50000), (second.order_no, "not_eligible", 0)}
        assert refunded(s) == 100000


def test_every_channel_gets_the_same_price_guarantee(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        orders = [f.order(s, c, [LAPTOP], paid_days_ago=5 + n, channel=ch) for n, ch in enumerate(CHANNELS)]
        f.set_public_price(s, LAPTOP, 549900)
        batch = sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        assert sorted((i.order_no, i.refund_fen) for i in batch.items) == \
            sorted((o.order_no, 50000) for o in orders)


@pytest.mark.parametrize("claim", [sv.claim_price_guarantee, sv.claim_coupon_refund])
def test_another_customers_order_is_reported_like_a_missing_one(ledger, claim):
    with ledger.Session.begin() as s:
        owner, other = f.customer(s), f.customer(s)
        o = f.order(s, owner, [LAPTOP], paid_days_ago=5)
        f.set_public_price(s, LAPTOP, 549900)
    with ledger.Session.begin() as s:
        with pytest.raises(UnknownOrder) as theirs:
            claim(session=s, customer_id=other.id, order_no=o.order_no, now=NOW)
        with pytest.raises(UnknownOrder) as missing:
            claim(session=s, customer_id=other.id, order_no="900000000000", now=NOW)
        assert str(theirs.value) == str(missing.value)
        assert theirs.value.code == missing.value.code == "unknown_order"
        with pytest.raises(UnknownCustomer):
            claim(session=s, customer_id=424242, now=NOW)
    with ledger.Session() as s:
        assert claims(s) == [] and refunded(s) == 0


def test_assessment_reads_only(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [LAPTOP], paid_days_ago=5)
        f.set_public_price(s, LAPTOP, 549900)
        out = sv.assess_price_guarantee(s, o.items[0], NOW)
        assert (out.status, out.eligible, out.refund_fen) == ("eligible", True, 50000)
        assert claims(s) == [] and refunded(s) == 0


# --------------------------------------------------------------------------- coupons

def _coupon_order(s, *, threshold_fen=300000, value_fen=20000, kind="public", paid_days_ago=5,
                  used=False, quantity=1, claimable_from=None, claimable_until=None):
    c = f.customer(s)
    cpn = f.coupon(s, DYSON, value_fen=value_fen, threshold_fen=threshold_fen, kind=kind,
                   claimable_from=claimable_from or f.days_ago(7),
                   claimable_until=claimable_until or f.days_ago(2))
    o = f.order(s, c, [f.line(DYSON, quantity, coupon=cpn if used else None)], paid_days_ago=paid_days_ago)
    return c, cpn, o


def test_coupon_missed_is_refunded(ledger):
    with ledger.Session.begin() as s:
        c, cpn, o = _coupon_order(s)
        batch = sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        out = outcome(batch, o.items[0].id)
        assert (out.kind, out.status, out.refund_fen, out.coupon_code) == ("coupon", "paid", 20000, cpn.code)
        (claim,) = claims(s)
        assert (claim.kind, claim.status, claim.refund_fen, claim.coupon_id) == ("coupon", "paid", 20000, cpn.id)
        assert refunded(s) == 20000


@pytest.mark.parametrize("threshold, paid", [(399000, True), (399001, False)])
def test_coupon_threshold_must_be_met(ledger, threshold, paid):
    with ledger.Session.begin() as s:
        c, _, o = _coupon_order(s, threshold_fen=threshold)
        out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                      o.items[0].id)
        assert (out.status, out.reason, out.refund_fen) == \
            (("paid", None, 20000) if paid else ("not_eligible", "no_coupon", 0))


def test_coupon_already_used_is_not_refunded(ledger):
    with ledger.Session.begin() as s:
        c, _, o = _coupon_order(s, used=True)
        out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                      o.items[0].id)
        assert (out.status, out.reason, out.refund_fen) == ("rejected", "coupon_used", 0)
        assert [(cl.status, cl.reason) for cl in claims(s)] == [("rejected", "coupon_used")]
        assert refunded(s) == 0


def test_personal_coupon_does_not_count(ledger):
    with ledger.Session.begin() as s:
        c, _, o = _coupon_order(s, kind="personal", threshold_fen=0)
        out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                      o.items[0].id)
        assert (out.reason, out.refund_fen, out.coupon_code) == ("no_coupon", 0, None)
        assert refunded(s) == 0


def test_coupon_refund_once_per_order_item(ledger):
    with ledger.Session.begin() as s:
        c, cpn, o = _coupon_order(s, quantity=2)
        other = f.order(s, c, [DYSON], paid_days_ago=4)
        first = sv.claim_coupon_refund(session=s, customer_id=c.id, now=NOW)
        again = sv.claim_coupon_refund(session=s, customer_id=c.id, now=NOW + timedelta(minutes=5))
        assert sorted((i.order_no, i.status, i.refund_fen) for i in first.items) == \
            sorted([(o.order_no, "paid", 20000), (other.order_no, "paid", 20000)])
        assert [(i.status, i.reason, i.refund_fen) for i in again.items] == \
            [("not_eligible", "already_claimed", 0)] * 2
        assert refunded(s) == 40000
        assert len(claims(s, kind="coupon")) == 2


def test_coupon_must_be_claimable_when_the_shopper_paid(ledger):
    start, end = f.days_ago(7), f.days_ago(2)
    cases = [(start, "paid"), (end, "paid"), (start - timedelta(seconds=1), "no_coupon"),
             (end + timedelta(seconds=1), "no_coupon")]
    with ledger.Session.begin() as s:
        c = f.customer(s)
        f.coupon(s, DYSON, value_fen=20000, threshold_fen=300000, claimable_from=start, claimable_until=end)
        for paid_at, expected in cases:
            o = f.order(s, c, [DYSON], paid_at=paid_at)
            out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                          o.items[0].id)
            if expected == "paid":
                assert (out.status, out.refund_fen) == ("paid", 20000), paid_at
            else:
                assert (out.status, out.reason, out.refund_fen) == ("not_eligible", "no_coupon", 0), paid_at
        assert refunded(s) == 40000


@pytest.mark.parametrize("days, paid", [(30, True), (31, False)])
def test_coupon_refund_only_inside_the_price_guarantee_window(ledger, days, paid):
    with ledger.Session.begin() as s:
        c, _, o = _coupon_order(s, paid_days_ago=days, claimable_from=f.days_ago(40),
                                claimable_until=f.days_ago(20))
        out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                      o.items[0].id)
        if paid:
            assert (out.status, out.refund_fen) == ("paid", 20000)
        else:
            assert (out.status, out.reason, out.refund_fen) == ("rejected", "window_passed", 0)


def test_the_best_public_coupon_is_refunded(ledger):
    with ledger.Session.begin() as s:
        c, _, o = _coupon_order(s, value_fen=20000)
        big = f.coupon(s, DYSON, value_fen=35000, threshold_fen=390000,
                       claimable_from=f.days_ago(7), claimable_until=f.days_ago(2))
        f.coupon(s, DYSON, value_fen=50000, threshold_fen=500000,
                 claimable_from=f.days_ago(7), claimable_until=f.days_ago(2))
        out = outcome(sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW),
                      o.items[0].id)
        assert (out.refund_fen, out.coupon_code) == (35000, big.code)
