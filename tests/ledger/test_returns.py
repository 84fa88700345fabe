"""退货 (returns), 闪电退款 (lightning refund) and refund status, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.ledger import services as sv
from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound, UnknownOrder
from bot.ledger.tables import OrderItem, Refund, Return
from tests import factories as f
from tests.conftest import NOW

SHOES = "X-LINING-RUN"     # sports, 299.00
LAPTOP = "L-MB14"          # 5999.00
AC = "A-MIDEA-AC"          # 2699.00
DYSON = "A-DYSON-V12"      # 3990.00

LIGHTNING_BY = NOW + timedelta(seconds=60)
STANDARD_BY = NOW + timedelta(hours=24 + 3 * 24)


def refunds(s):
    return list(s.execute(select(Refund).order_by(Refund.id)).scalars())


def returns(s):
    return list(s.execute(select(Return).order_by(Return.id)).scalars())


def total_refunded(s) -> int:
    return int(s.execute(select(func.coalesce(func.sum(Refund.amount_fen), 0))).scalar_one())


@pytest.mark.parametrize("trust, kind", [(699, "standard"), (700, "lightning")])
def test_lightning_needs_a_trust_score_of_700(ledger, trust, kind):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=trust)
        o = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.status, out.eligible, out.quantity, out.refund_fen) == ("accepted", True, 1, 29900)
        assert out.refund_kind == kind
        (refund,) = refunds(s)
        assert (refund.kind, refund.amount_fen, refund.return_id) == (kind, 29900, out.return_id)
        if kind == "lightning":
            assert (out.refund_status, refund.status) == ("paid", "paid")
            assert as_utc(refund.paid_at) == NOW
            assert out.refund_expected_by == LIGHTNING_BY
        else:
            assert (out.refund_status, refund.status, refund.paid_at) == ("pending", "pending", None)
            assert out.refund_expected_by == STANDARD_BY


@pytest.mark.parametrize("price_fen, kind", [(200000, "lightning"), (200001, "standard")])
def test_lightning_only_up_to_2000_yuan(ledger, price_fen, kind):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=900)
        f.set_public_price(s, AC, price_fen, at=f.days_ago(10))
        o = f.order(s, c, [AC], paid_days_ago=3, delivered_days_ago=2)
        assert o.items[0].unit_price_fen == price_fen
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.refund_fen, out.refund_kind) == (price_fen, kind)
        assert [(r.kind, r.amount_fen) for r in refunds(s)] == [(kind, price_fen)]


def test_lightning_limit_applies_to_the_refund_after_earlier_claims(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=900)
        f.set_public_price(s, AC, 200001, at=f.days_ago(10))
        o = f.order(s, c, [AC], paid_days_ago=3, delivered_days_ago=2)
        f.set_public_price(s, AC, 200000, at=f.days_ago(1))
        assert sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW).total_refund_fen == 1
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.refund_fen, out.refund_kind, out.refund_status) == (200000, "lightning", "paid")


@pytest.mark.parametrize("delivered_days_ago, accepted", [(7, True), (8, False)])
def test_seven_days_without_reason_counted_from_delivery(ledger, delivered_days_ago, accepted):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [SHOES], paid_days_ago=20, delivered_days_ago=delivered_days_ago)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert out.window_ends == f.days_ago(delivered_days_ago) + timedelta(days=7)
        if accepted:
            assert (out.status, out.refund_fen) == ("accepted", 29900)
        else:
            assert (out.status, out.eligible, out.reason, out.refund_fen) == \
                ("not_eligible", False, "window_passed", 0)
            assert returns(s) == [] and refunds(s) == []


def test_an_undelivered_order_cannot_be_returned_yet(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [SHOES], paid_days_ago=1)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "not_delivered")
        assert returns(s) == []


@pytest.mark.parametrize("sku", ["M-FENBID", "R-AMOX"])
def test_medicine_only_for_a_quality_problem(ledger, sku):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [sku], paid_days_ago=3, delivered_days_ago=2)
        price = o.items[0].unit_price_fen
        refused = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (refused.status, refused.reason, refused.refund_fen) == ("not_eligible", "quality_only", 0)
        assert returns(s) == []
        ok = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, reason="quality", now=NOW)
        assert (ok.status, ok.refund_fen, ok.refund_kind) == ("accepted", price, "lightning")
        assert [(r.reason, r.quantity) for r in returns(s)] == [("quality", 1)]


@pytest.mark.parametrize("delivered_days_ago, accepted", [(15, True), (16, False)])
def test_quality_returns_of_medicine_within_15_days_of_delivery(ledger, delivered_days_ago, accepted):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["M-SMECTA"], paid_days_ago=20, delivered_days_ago=delivered_days_ago)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, reason="quality", now=NOW)
        assert (out.status, out.reason) == (("accepted", None) if accepted else ("not_eligible", "window_passed"))


def test_opened_diapers_and_pet_food_are_not_returnable(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for sku in ("D-MRS-M", "U-HGS-L", "PF-RC-INDOOR"):
            o = f.order(s, c, [f.line(sku, 2)], paid_days_ago=3, delivered_days_ago=2)
            opened = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1,
                                       opened=True, now=NOW)
            assert (opened.status, opened.reason, opened.refund_fen) == ("not_eligible", "opened", 0), sku
            assert returns(s) == []
        sealed = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW)
        assert (sealed.status, sealed.refund_fen) == ("accepted", o.items[0].unit_price_fen)


def test_opened_goods_of_other_categories_are_returnable(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for sku in ("F-FEIHE-1", LAPTOP, "S-LANCOME"):
            o = f.order(s, c, [sku], paid_days_ago=3, delivered_days_ago=2)
            out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, opened=True, now=NOW)
            assert (out.status, out.refund_fen) == ("accepted", o.items[0].unit_price_fen), sku


def test_partial_returns_track_the_units_returned(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [f.line(SHOES, 3)], paid_days_ago=3, delivered_days_ago=2)
        item_id = o.items[0].id
        one = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW)
        assert (one.status, one.quantity, one.refund_fen) == ("accepted", 1, 29900)
        with pytest.raises(InvalidRequest):
            sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=3, now=NOW)
        rest = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (rest.status, rest.quantity, rest.refund_fen) == ("accepted", 2, 59800)
        assert s.get(OrderItem, item_id).quantity_returned == 3
        again = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW)
        assert (again.status, again.return_id, again.quantity) == ("already_requested", rest.return_id, 2)
        assert [r.quantity for r in returns(s)] == [1, 2]
        assert total_refunded(s) == 3 * 29900


def test_cannot_return_more_units_than_bought_or_a_nonsense_quantity(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line(SHOES, 3)], paid_days_ago=3, delivered_days_ago=2)
        for quantity in (4, 0, -1, "two"):
            with pytest.raises(InvalidRequest):
                sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=quantity, now=NOW)
        with pytest.raises(InvalidRequest):
            sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, reason="changed_mind", now=NOW)
        assert returns(s) == [] and refunds(s) == []


def test_a_later_return_refunds_the_price_less_the_price_guarantee_already_paid(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=600)
        o = f.order(s, c, [f.line(LAPTOP, 2)], paid_days_ago=5, delivered_days_ago=4)
        f.set_public_price(s, LAPTOP, 549900)
        assert sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW).total_refund_fen == 100000
        first = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW)
        second = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW)
        assert (first.refund_fen, second.refund_fen) == (549900, 549900)
        assert [(r.price_claims_deducted_fen, r.coupon_claims_deducted_fen) for r in returns(s)] == \
            [(50000, 0), (50000, 0)]
        # everything back, never more than was paid
        assert total_refunded(s) == 2 * 599900


def test_a_later_return_refunds_the_price_less_the_coupon_refund(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        f.coupon(s, DYSON, value_fen=20000, threshold_fen=0, claimable_from=f.days_ago(10),
                 claimable_until=f.days_ago(1))
        o = f.order(s, c, [f.line(DYSON, 3)], paid_days_ago=5, delivered_days_ago=4)
        assert sv.claim_coupon_refund(session=s, customer_id=c.id, now=NOW).total_refund_fen == 20000
        got = [sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1, now=NOW).refund_fen
               for _ in range(3)]
        # 200.00 shared over three units: 66.66, then 66.67 and 66.67 of what is left
        assert got == [399000 - 6666, 399000 - 6667, 399000 - 6667]
        assert total_refunded(s) == 3 * 399000


def test_a_retried_request_with_the_same_request_id_pays_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [f.line(SHOES, 3)], paid_days_ago=3, delivered_days_ago=2)
    outs = []
    for minute in range(3):
        with ledger.Session.begin() as s:
            outs.append(sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1,
                                          request_id="req-7", now=NOW + timedelta(minutes=minute)))
    assert [o_.status for o_ in outs] == ["accepted", "already_requested", "already_requested"]
    assert {o_.return_id for o_ in outs} == {outs[0].return_id}
    assert {(o_.quantity, o_.refund_fen, o_.refund_kind) for o_ in outs} == {(1, 29900, "lightning")}
    with ledger.Session() as s:
        assert len(returns(s)) == 1 and total_refunded(s) == 29900
        assert s.get(OrderItem, o.items[0].id).quantity_returned == 1
        # a new request (another id) returns another unit
    with ledger.Session.begin() as s:
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1,
                                request_id="req-8", now=NOW)
        assert (out.status, out.refund_fen) == ("accepted", 29900)


def test_receive_return_pays_a_standard_refund_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=650)
        o = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.refund_kind, out.refund_status) == ("standard", "pending")
    first, second = NOW + timedelta(days=2), NOW + timedelta(days=3)
    with ledger.Session.begin() as s:
        ret = sv.receive_return(session=s, return_id=out.return_id, now=first)
        assert (ret.status, as_utc(ret.received_at)) == ("refunded", first)
    with ledger.Session.begin() as s:
        ret = sv.receive_return(session=s, return_id=out.return_id, now=second)
        assert as_utc(ret.received_at) == first
    with ledger.Session() as s:
        (refund,) = refunds(s)
        assert (refund.kind, refund.status, refund.amount_fen, as_utc(refund.paid_at)) == \
            ("standard", "paid", 29900, first)
        (view,) = sv.refund_status(session=s, customer_id=c.id)
        assert (view.source, view.kind, view.status, view.to_dict()["amount"]) == \
            ("return", "standard", "paid", "299.00")
        with pytest.raises(NotFound):
            sv.receive_return(session=s, return_id=987654, now=second)


def test_receiving_a_lightning_return_leaves_its_refund_alone(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        sv.receive_return(session=s, return_id=out.return_id, now=NOW + timedelta(days=2))
        (refund,) = refunds(s)
        assert (refund.kind, refund.status, as_utc(refund.paid_at), refund.amount_fen) == \
            ("lightning", "paid", NOW, 29900)


def test_several_items_need_the_item_named(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [SHOES, "X-DECATHLON-TENT"], paid_days_ago=3, delivered_days_ago=2)
        other = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        with pytest.raises(InvalidRequest):
            sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        with pytest.raises(NotFound):
            sv.request_return(session=s, customer_id=c.id, order_no=o.order_no,
                              item_id=other.items[0].id, now=NOW)
        tent = o.items[1]
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, item_id=tent.id, now=NOW)
        assert (out.item_id, out.sku_name, out.refund_fen) == (tent.id, "迪卡侬 速开帐篷 2人", 39900)


def test_another_customers_order_cannot_be_returned(ledger):
    with ledger.Session.begin() as s:
        owner, other = f.customer(s), f.customer(s)
        o = f.order(s, owner, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        with pytest.raises(UnknownOrder) as theirs:
            sv.request_return(session=s, customer_id=other.id, order_no=o.order_no, now=NOW)
        with pytest.raises(UnknownOrder) as missing:
            sv.request_return(session=s, customer_id=other.id, order_no="999999999999", now=NOW)
        assert str(theirs.value) == str(missing.value)
        with pytest.raises(UnknownOrder):
            sv.refund_status(session=s, customer_id=other.id, order_no=o.order_no)
        assert returns(s) == []


def test_cancelled_order_cannot_be_returned(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2, status="cancelled")
        out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "cancelled")


def test_refund_status_lists_claims_and_returns_newest_first(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=650)
        laptop = f.order(s, c, [LAPTOP], paid_days_ago=5, delivered_days_ago=4)
        shoes = f.order(s, c, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        f.set_public_price(s, LAPTOP, 549900, at=f.days_ago(2))
        sv.claim_price_guarantee(session=s, customer_id=c.id, now=f.days_ago(1))
        sv.request_return(session=s, customer_id=c.id, order_no=shoes.order_no, now=NOW)
        views = sv.refund_status(session=s, customer_id=c.id)
        assert [(v.order_no, v.source, v.kind, v.status, v.amount_fen) for v in views] == [
            (shoes.order_no, "return", "standard", "pending", 29900),
            (laptop.order_no, "price_guarantee", "claim", "paid", 50000)]
        only = sv.refund_status(session=s, customer_id=c.id, order_no=laptop.order_no)
        assert [v.order_no for v in only] == [laptop.order_no]


def test_request_ids_of_different_customers_do_not_collide(ledger):
    from sqlalchemy.exc import IntegrityError
    with ledger.Session.begin() as s:
        a, b = f.customer(s), f.customer(s)
        oa = f.order(s, a, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        ob = f.order(s, b, [SHOES], paid_days_ago=3, delivered_days_ago=2)
        assert sv.request_return(session=s, customer_id=a.id, order_no=oa.order_no, request_id="1",
                                 now=NOW).status == "accepted"
    try:
        with ledger.Session.begin() as s:
            out = sv.request_return(session=s, customer_id=b.id, order_no=ob.order_no, request_id="1", now=NOW)
    except IntegrityError as exc:
        raise AssertionError(f"customer b's return failed: {exc.orig}") from None
    assert (out.status, out.refund_fen) == ("accepted", 29900)
