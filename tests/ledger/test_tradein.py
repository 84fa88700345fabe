"""以旧换新 (trade-in): quotes, subsidies and bookings, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ledger import services as sv
from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound, UnknownOrder
from bot.ledger.tables import TradeInQuote, TradeInQuoteItem
from tests import factories as f
from tests.conftest import NOW

IPHONE12 = 180000          # base values in fen (catalogue.TRADE_IN_MODELS)
T480 = 90000
IPAD9 = 110000
FRIDGE = 30000
AIRCON = 25000


def quotes(s):
    return list(s.execute(select(TradeInQuote).order_by(TradeInQuote.id)).scalars())


def test_quote_is_base_value_times_grade(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for grade, value in (("A", 180000), ("B", 144000), ("C", 99000), ("D", 54000), ("b", 144000)):
            out = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", grade)], now=NOW)
            (line,) = out.lines
            assert (line.device_model, line.grade, line.category, line.value_fen, line.subsidy_fen) == \
                ("iPhone 12", grade.upper(), "phone", value, 0), grade
            assert (out.value_fen, out.subsidy_fen, out.total_fen) == (value, 0, value)
            assert out.to_dict()["total"] == f"{value // 100}.00"


def test_models_are_found_by_alias(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        out = sv.quote_trade_in(session=s, customer_id=c.id, items=[("苹果12", "A"), ("thinkpad-t480", "A")],
                                now=NOW)
        assert [(l.device_model, l.value_fen) for l in out.lines] == [("iPhone 12", IPHONE12), ("ThinkPad T480", T480)]


def test_several_old_items_across_categories_in_one_quote(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        out = sv.quote_trade_in(session=s, customer_id=c.id, now=NOW, items=[
            ("iPhone 12", "B"), ("ThinkPad T480", "C"), ("iPad 第9代", "D"), ("旧冰箱", "A")])
        assert [(l.category, l.value_fen) for l in out.lines] == [
            ("phone", 144000), ("computer", 49500), ("tablet", 33000), ("appliance", 30000)]
        assert (out.value_fen, out.subsidy_fen, out.total_fen) == (256500, 0, 256500)
        assert out.valid_until == NOW + timedelta(days=7)
        (quote,) = quotes(s)
        assert (quote.id, quote.customer_id, quote.status, quote.value_fen, quote.subsidy_fen, quote.order_id) == \
            (out.quote_id, c.id, "quoted", 256500, 0, None)
        rows = s.execute(select(TradeInQuoteItem).where(TradeInQuoteItem.quote_id == quote.id)
                         .order_by(TradeInQuoteItem.id)).scalars()
        assert [(r.grade, r.value_fen) for r in rows] == [("B", 144000), ("C", 49500), ("D", 33000), ("A", 30000)]


def test_subsidy_only_for_a_new_item_of_the_same_kind_in_the_order(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["P-MI14", "A-MIDEA-AC"], paid_days_ago=1)
        out = sv.quote_trade_in(session=s, customer_id=c.id, order_no=o.order_no, now=NOW, items=[
            ("iPhone 12", "B"), ("旧空调", "B"), ("ThinkPad T480", "C")])
        assert [(l.device_model, l.value_fen, l.subsidy_fen) for l in out.lines] == [
            ("iPhone 12", 144000, 30000), ("旧空调（1.5匹）", 20000, 20000), ("ThinkPad T480", 49500, 0)]
        assert (out.value_fen, out.subsidy_fen, out.total_fen) == (213500, 50000, 263500)
        assert quotes(s)[0].order_id == o.id


def test_one_subsidy_per_new_unit(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        one = f.order(s, c, ["P-MI14"], paid_days_ago=1)
        two = f.order(s, c, [f.line("P-MI14", 2)], paid_days_ago=1)
        old = [("iPhone 12", "A"), ("小米 11", "A")]
        a = sv.quote_trade_in(session=s, customer_id=c.id, order_no=one.order_no, items=old, now=NOW)
        b = sv.quote_trade_in(session=s, customer_id=c.id, order_no=two.order_no, items=old, now=NOW)
        assert [l.subsidy_fen for l in a.lines] == [30000, 0]
        assert [l.subsidy_fen for l in b.lines] == [30000, 30000]


def test_no_subsidy_without_an_order_or_for_a_returned_new_item(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        returned = f.order(s, c, [f.line("P-MI14", 1, quantity_returned=1)], paid_days_ago=3)
        laptop_only = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        for order_no in (None, returned.order_no, laptop_only.order_no):
            out = sv.quote_trade_in(session=s, customer_id=c.id, order_no=order_no,
                                    items=[("iPhone 12", "A")], now=NOW)
            assert (out.subsidy_fen, out.total_fen) == (0, IPHONE12)


def test_another_customers_order_earns_nothing_and_is_unknown(ledger):
    with ledger.Session.begin() as s:
        owner, other = f.customer(s), f.customer(s)
        o = f.order(s, owner, ["P-MI14"], paid_days_ago=1)
        with pytest.raises(UnknownOrder):
            sv.quote_trade_in(session=s, customer_id=other.id, order_no=o.order_no,
                              items=[("iPhone 12", "A")], now=NOW)
        assert quotes(s) == []


def test_unknown_model_is_named_and_priced_at_nothing(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        out = sv.quote_trade_in(session=s, customer_id=c.id, items=[("诺基亚 3310", "A"), ("iPhone 12", "A")],
                                now=NOW)
        assert [(l.device_model, l.reason, l.value_fen) for l in out.lines] == [
            ("诺基亚 3310", "unknown_model", 0), ("iPhone 12", None, IPHONE12)]
        assert (out.total_fen, out.reason) == (IPHONE12, None)
        only_unknown = sv.quote_trade_in(session=s, customer_id=c.id, items=[("诺基亚 3310", "B")], now=NOW)
        assert (only_unknown.quote_id, only_unknown.reason, only_unknown.total_fen) == (None, "no_known_model", 0)
        assert len(quotes(s)) == 1


def test_invalid_grade_or_list_raises(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for items in ([("iPhone 12", "E")], [("iPhone 12", "")], [("诺基亚 3310", "Z")], [], [("iPhone 12", "A")] * 11):
            with pytest.raises(InvalidRequest):
                sv.quote_trade_in(session=s, customer_id=c.id, items=items, now=NOW)
        assert quotes(s) == []


@pytest.mark.parametrize("later, status", [(timedelta(days=7), "booked"),
                                           (timedelta(days=7, seconds=1), "expired")])
def test_a_quote_holds_seven_days(ledger, later, status):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        q = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)
    when = NOW + later
    with ledger.Session.begin() as s:
        out = sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id,
                               pickup_at=when + timedelta(days=1), now=when)
        assert (out.status, out.total_fen) == (status, 144000)
        quote = s.get(TradeInQuote, q.quote_id)
        if status == "booked":
            assert out.pickup_at == when + timedelta(days=1)
            assert quote.status == "booked"
        else:
            assert out.pickup_at is None
            assert (quote.status, quote.booked_at, quote.pickup_at) == ("quoted", None, None)


def test_booking_twice_keeps_the_first_booking(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        q = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)
        first_pickup = NOW + timedelta(days=1)
        first = sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id, pickup_at=first_pickup, now=NOW)
        second = sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id,
                                  pickup_at=NOW + timedelta(days=3), now=NOW + timedelta(hours=1))
        assert (first.status, first.pickup_at) == ("booked", first_pickup)
        assert (second.status, as_utc(second.pickup_at), second.total_fen) == \
            ("already_booked", first_pickup, 144000)


def test_booking_refuses_a_past_pickup_and_someone_elses_quote(ledger):
    with ledger.Session.begin() as s:
        c, other = f.customer(s), f.customer(s)
        q = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)
        with pytest.raises(InvalidRequest):
            sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id,
                             pickup_at=NOW - timedelta(hours=1), now=NOW)
        with pytest.raises(NotFound):
            sv.book_trade_in(session=s, customer_id=other.id, quote_id=q.quote_id,
                             pickup_at=NOW + timedelta(days=1), now=NOW)
        assert s.get(TradeInQuote, q.quote_id).status == "quoted"
