"""物流 / 配送时效 (order status and delivery) and the customer view, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.ledger import services as sv
from bot.ledger.clock import as_utc
from bot.ledger.errors import UnknownCustomer, UnknownOrder
from bot.ledger.views import customer_view
from tests import factories as f
from tests.conftest import NOW


def _tracked(s, c):
    o = f.order(s, c, [f.line("L-MB14", 1), f.line("X-LINING-RUN", 2)], paid_days_ago=2,
                channel="jd_daojia", promised_at=NOW + timedelta(hours=6))
    # inserted out of order: the view lists them by time
    f.shipment(s, o, [(f.days_ago(1), "北京分拣中心", "快件已到达分拣中心"),
                      (f.days_ago(2, hours=-2), "北京亚洲一号仓", "您的订单已出库"),
                      (f.days_ago(0, hours=3), "北京朝阳区营业部", "配送员正在为您派送")])
    return o


def test_order_status_with_items_shipment_and_tracking_events(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = _tracked(s, c)
        (view,) = sv.order_status(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (view.order_no, view.channel, view.status, view.late) == (o.order_no, "jd_daojia", "shipped", False)
        assert as_utc(view.promised_at) == NOW + timedelta(hours=6)
        assert view.delivered_at is None
        assert [(i["sku"], i["quantity"], i["unit_price"], i["price_kind"]) for i in view.items] == [
            ("L-MB14", 1, "5999.00", "public"), ("X-LINING-RUN", 2, "299.00", "public")]
        (ship,) = view.shipments
        assert (ship.carrier, ship.status) == ("京东物流", "in_transit")
        assert [(as_utc(e.at), e.location) for e in ship.events] == [
            (f.days_ago(2, hours=-2), "北京亚洲一号仓"), (f.days_ago(1), "北京分拣中心"),
            (f.days_ago(0, hours=3), "北京朝阳区营业部")]
        public = view.to_dict()
        assert public["paid_at"] == f.days_ago(2).isoformat()
        assert public["shipments"][0]["events"][2] == {
            "at": f.days_ago(0, hours=3).isoformat(), "location": "北京朝阳区营业部",
            "description": "配送员正在为您派送"}


def test_an_undelivered_order_past_its_promise_is_late(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        late = f.order(s, c, ["X-LINING-RUN"], paid_days_ago=3, promised_at=NOW - timedelta(minutes=1))
        delivered = f.order(s, c, ["X-LINING-RUN"], paid_days_ago=3, promised_at=f.days_ago(1),
                            delivered_days_ago=0.5)
        cancelled = f.order(s, c, ["X-LINING-RUN"], paid_days_ago=3, promised_at=f.days_ago(1), status="cancelled")
        got = {v.order_no: v.late for v in sv.order_status(session=s, customer_id=c.id, now=NOW)}
        assert got == {late.order_no: True, delivered.order_no: False, cancelled.order_no: False}


def test_recent_orders_newest_first_only_the_customers_own(ledger):
    with ledger.Session.begin() as s:
        c, other = f.customer(s), f.customer(s)
        mine = [f.order(s, c, ["X-LINING-RUN"], paid_days_ago=d) for d in (9, 1, 5, 3, 7, 2)]
        f.order(s, other, ["X-LINING-RUN"], paid_days_ago=0.5)
        f.order(s, c, ["X-LINING-RUN"], paid_at=NOW + timedelta(hours=1))     # not yet at NOW
        views = sv.order_status(session=s, customer_id=c.id, now=NOW)
        by_age = sorted(mine, key=lambda o: as_utc(o.paid_at), reverse=True)
        assert [v.order_no for v in views] == [o.order_no for o in by_age[:5]]
        assert [v.order_no for v in sv.order_status(session=s, customer_id=c.id, limit=2, now=NOW)] == \
            [o.order_no for o in by_age[:2]]


def test_another_customers_order_is_not_visible(ledger):
    with ledger.Session.begin() as s:
        owner, other = f.customer(s), f.customer(s)
        o = _tracked(s, owner)
        with pytest.raises(UnknownOrder) as theirs:
            sv.order_status(session=s, customer_id=other.id, order_no=o.order_no, now=NOW)
        with pytest.raises(UnknownOrder) as missing:
            sv.order_status(session=s, customer_id=other.id, order_no="900000000999", now=NOW)
        assert (type(theirs.value), str(theirs.value)) == (type(missing.value), str(missing.value))
        assert sv.order_status(session=s, customer_id=other.id, now=NOW) == []
        assert sv.order_status(session=s, customer_id=owner.id, order_no=f" {o.order_no} ", now=NOW)[0].order_no \
            == o.order_no
        for bad in (424242, "abc", None):
            with pytest.raises(UnknownCustomer):
                sv.order_status(session=s, customer_id=bad, now=NOW)


def test_customer_view_lists_claims_refunds_returns_quotes_and_tickets(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=650)
        laptop = f.order(s, c, ["L-MB14"], paid_days_ago=5, delivered_days_ago=4)
        pump = f.order(s, c, ["B-PIGEON-PUMP"], paid_days_ago=30, delivered_days_ago=28)
        f.set_public_price(s, "L-MB14", 549900)
        sv.claim_price_guarantee(session=s, customer_id=c.id, now=NOW)
        sv.request_return(session=s, customer_id=c.id, order_no=laptop.order_no, now=NOW)
        sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)
        sv.report_fault(session=s, customer_id=c.id, order_no=pump.order_no, now=NOW)
        view = customer_view(session=s, customer_id=c.id, now=NOW)
        assert view["customer"]["trust_score"] == 650
        assert {o["order_no"] for o in view["orders"]} == {laptop.order_no, pump.order_no}
        assert [(x["order_no"], x["kind"], x["status"], x["refund_amount"]) for x in view["claims"]] == \
            [(laptop.order_no, "price_guarantee", "paid", "500.00")]
        assert [(x["order_no"], x["quantity"], x["status"], x["refund_amount"]) for x in view["returns"]] == \
            [(laptop.order_no, 1, "awaiting_pickup", "5499.00")]
        assert sorted((x["source"], x["kind"], x["status"], x["amount"]) for x in view["refunds"]) == [
            ("price_guarantee", "claim", "paid", "500.00"), ("return", "standard", "pending", "5499.00")]
        assert [(q["status"], q["total"], q["items"]) for q in view["quotes"]] == \
            [("quoted", "1440.00", [{"device_model": "iPhone 12", "grade": "B", "value": "1440.00"}])]
        assert [(t["kind"], t["status"], t["order_no"]) for t in view["tickets"]] == \
            [("onsite_replacement", "open", pump.order_no)]


def test_outcome_records_carry_timezone_aware_times(ledger, request):
    """DESIGN.md: times are timezone-aware. On SQLite the records pass the database's naive values on."""
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = _tracked(s, c)
        pump = f.order(s, c, ["B-PIGEON-PUMP"], paid_days_ago=30, delivered_days_ago=28)
        shoes = f.order(s, c, ["X-LINING-RUN"], paid_days_ago=3, delivered_days_ago=2)
        q = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)
        sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id, pickup_at=NOW + timedelta(days=1), now=NOW)
        sv.report_fault(session=s, customer_id=c.id, order_no=pump.order_no, now=NOW)
        sv.request_return(session=s, customer_id=c.id, order_no=shoes.order_no, request_id="r1", now=NOW)
    with ledger.Session.begin() as s:
        (view,) = sv.order_status(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        times = [view.paid_at, view.promised_at, *(e.at for e in view.shipments[0].events)]
        times.append(sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id,
                                      pickup_at=NOW + timedelta(days=2), now=NOW).pickup_at)
        times.append(sv.report_fault(session=s, customer_id=c.id, order_no=pump.order_no, now=NOW).visit_by)
        times.append(sv.request_return(session=s, customer_id=c.id, order_no=shoes.order_no, request_id="r1",
                                       now=NOW).refund_expected_by)
        assert [t.tzinfo is not None for t in times] == [True] * len(times)
