"""上门以换代修 (replace instead of repair) and 纸尿裤尺码随心换 (diaper size exchange)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ledger import services as sv
from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound, UnknownOrder
from bot.ledger.tables import ServiceTicket
from tests import factories as f
from tests.conftest import NOW

MRS = "花王妙而舒纸尿裤"        # NB S M L XL
PAMPERS = "帮宝适一级帮纸尿裤"   # S M L XL (its chart also lists NB)
PULLUPS = "好奇铂金装拉拉裤"     # L XL XXL


def tickets(s):
    return list(s.execute(select(ServiceTicket).order_by(ServiceTicket.id)).scalars())


# --------------------------------------------------------------------------- faults

def test_baby_appliance_on_the_365th_day_is_replaced_at_home_within_48_hours(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for sku in ("B-PIGEON-PUMP", "B-BEAR-STER", "B-XINBEI-WARM", "B-BC-MAKER"):
            o = f.order(s, c, [sku], paid_days_ago=367, delivered_days_ago=365)
            out = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, description="不工作了", now=NOW)
            assert (out.kind, out.status, out.reason) == ("onsite_replacement", "created", None), sku
            assert out.visit_by == NOW + timedelta(hours=48)
            assert out.window_ends == f.days_ago(365) + timedelta(days=365)
            t = s.get(ServiceTicket, out.ticket_id)
            assert (t.kind, t.status, t.customer_id, t.order_item_id, t.detail) == \
                ("onsite_replacement", "open", c.id, o.items[0].id, {"fault": "不工作了"}), sku
        assert len(tickets(s)) == 4


def test_baby_appliance_on_the_366th_day_gets_a_repair_with_the_reason(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["B-PIGEON-PUMP"], paid_days_ago=368, delivered_days_ago=366)
        out = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, description="漏气", now=NOW)
        assert (out.kind, out.status, out.reason, out.visit_by) == \
            ("repair", "created", "replace_window_passed", None)
        (t,) = tickets(s)
        assert (t.kind, t.visit_by, t.detail) == \
            ("repair", None, {"fault": "漏气", "why_not_replaced": "replace_window_passed"})


def test_other_categories_get_a_standard_repair_ticket(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        for sku, delivered_days_ago in (("A-MIDEA-AC", 30), ("P-MI14", 100), ("A-HAIER-FR", 700)):
            o = f.order(s, c, [sku], paid_days_ago=delivered_days_ago + 2, delivered_days_ago=delivered_days_ago)
            out = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
            assert (out.kind, out.status, out.reason, out.visit_by) == ("repair", "created", None, None), sku
        assert [t.kind for t in tickets(s)] == ["repair"] * 3


def test_asking_twice_returns_the_open_ticket(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["B-BEAR-STER"], paid_days_ago=100, delivered_days_ago=98)
        first = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        again = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW + timedelta(hours=3))
        assert (again.status, again.ticket_id, again.kind) == ("already_open", first.ticket_id, "onsite_replacement")
        assert as_utc(again.visit_by) == NOW + timedelta(hours=48)
        assert len(tickets(s)) == 1
        sv.close_ticket(session=s, ticket_id=first.ticket_id)
        after = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW + timedelta(days=1))
        assert after.status == "created" and after.ticket_id != first.ticket_id
        assert [t.status for t in tickets(s)] == ["closed", "open"]


def test_the_baby_appliance_is_picked_from_a_mixed_order(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["B-BEAR-STER", f.line("F-FEIHE-1", 2)], paid_days_ago=60, delivered_days_ago=58)
        out = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
        assert (out.item_id, out.kind) == (o.items[0].id, "onsite_replacement")


def test_fault_on_an_undelivered_or_returned_item_or_someone_elses_order(ledger):
    with ledger.Session.begin() as s:
        c, other = f.customer(s), f.customer(s)
        pending = f.order(s, c, ["B-PIGEON-PUMP"], paid_days_ago=1)
        returned = f.order(s, c, [f.line("B-PIGEON-PUMP", 1, quantity_returned=1)], paid_days_ago=9,
                           delivered_days_ago=8)
        out = sv.report_fault(session=s, customer_id=c.id, order_no=pending.order_no, now=NOW)
        assert (out.status, out.reason, out.kind) == ("not_eligible", "not_delivered", None)
        out = sv.report_fault(session=s, customer_id=c.id, order_no=returned.order_no, now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "returned")
        with pytest.raises(UnknownOrder):
            sv.report_fault(session=s, customer_id=other.id, order_no=returned.order_no, now=NOW)
        assert tickets(s) == []


# --------------------------------------------------------------------------- diaper size advice

ADVICE = [
    (MRS, "3", "NB"), (MRS, "4", "S"), (MRS, "4.5", "S"), (MRS, "5", "S"), (MRS, "7", "M"),
    (MRS, "10.5", "L"), (MRS, "12", "XL"), (MRS, "17", "XL"), (MRS, "10.5kg", "L"), (MRS, "8公斤", "M"),
    (PULLUPS, "10", "L"), (PULLUPS, "13", "XL"), (PULLUPS, "15", "XXL"), (PULLUPS, "25", "XXL"),
]


def test_size_advice_from_the_products_own_chart_larger_size_on_overlap(ledger):
    with ledger.Session() as s:
        for line, weight, size in ADVICE:
            advice = sv.advise_diaper_size(session=s, line=line, weight_kg=weight)
            assert (advice.size, advice.reason) == (size, None), (line, weight)
            assert advice.sku == ("D-MRS-" if line == MRS else "U-HGS-") + size
            assert advice.sku_name.endswith(f" {size}码")


def test_weight_outside_the_chart_gets_no_size(ledger):
    with ledger.Session() as s:
        for line, weight in ((MRS, "18"), (PULLUPS, "8"), (PULLUPS, "26")):
            advice = sv.advise_diaper_size(session=s, line=line, weight_kg=weight)
            assert (advice.size, advice.sku, advice.reason) == (None, None, "weight_outside_chart"), (line, weight)


def test_implausible_weight_raises(ledger):
    with ledger.Session() as s:
        for weight in ("0.5", "41", "-3", "abc", "", "nan", "Infinity", None):
            with pytest.raises(InvalidRequest):
                sv.advise_diaper_size(session=s, line=MRS, weight_kg=weight)


def test_unknown_line_raises(ledger):
    with ledger.Session() as s:
        with pytest.raises(NotFound):
            sv.advise_diaper_size(session=s, line="不存在的纸尿裤", weight_kg="8")


# --------------------------------------------------------------------------- diaper exchange

def _diapers(s, *, sku="D-MRS-M", packs=3, delivered_days_ago=20, returned=0):
    c = f.customer(s)
    o = f.order(s, c, [f.line(sku, packs, quantity_returned=returned)], paid_days_ago=delivered_days_ago + 2,
                delivered_days_ago=delivered_days_ago, channel="jingxi_pinpin")
    return c, o


def test_exchange_unopened_packs_for_the_advised_size(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s)
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=2,
                                  weight_kg="10.5", now=NOW)
        assert (out.kind, out.status, out.from_size, out.to_size, out.packs) == \
            ("diaper_exchange", "created", "M", "L", 2)
        assert out.window_ends == f.days_ago(20) + timedelta(days=90)
        (t,) = tickets(s)
        assert (t.kind, t.detail) == ("diaper_exchange",
                                      {"from_size": "M", "to_size": "L", "packs": 2, "target_sku": "D-MRS-L"})
        again = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=2,
                                    to_size="L", now=NOW)
        assert (again.status, again.ticket_id, again.to_size) == ("already_open", out.ticket_id, "L")


def test_pullups_exchange_within_their_line(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s, sku="U-HGS-L", packs=2)
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                  to_size="xl", now=NOW)
        assert (out.status, out.from_size, out.to_size, out.packs) == ("created", "L", "XL", 1)


@pytest.mark.parametrize("delivered_days_ago, status", [(90, "created"), (91, "not_eligible")])
def test_exchange_within_90_days_of_delivery(ledger, delivered_days_ago, status):
    with ledger.Session.begin() as s:
        c, o = _diapers(s, delivered_days_ago=delivered_days_ago)
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                  to_size="L", now=NOW)
        assert out.status == status
        if status == "not_eligible":
            assert (out.reason, out.kind) == ("exchange_window_passed", None)
            assert tickets(s) == []


def test_opened_packs_are_not_exchanged(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s)
        for packs in (0, "0"):
            out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=packs,
                                      to_size="L", now=NOW)
            assert (out.status, out.reason) == ("not_eligible", "opened")
        assert tickets(s) == []


def test_more_packs_than_bought_raises(ledger):
    with ledger.Session.begin() as s:
        for packs, returned in ((4, 0), (2, 2), (-1, 0)):
            c, o = _diapers(s, packs=3, returned=returned)
            with pytest.raises(InvalidRequest):
                sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=packs,
                                    to_size="L", now=NOW)
        assert tickets(s) == []


def test_same_size_or_a_size_the_line_does_not_carry_is_refused(ledger):
    with ledger.Session.begin() as s:
        for sku, to_size, reason in (("D-MRS-M", "M", "same_size"), ("D-MRS-M", "m", "same_size"),
                                     ("D-MRS-M", "XXL", "size_not_in_line"), ("D-PAM-S", "NB", "size_not_in_line"),
                                     ("U-HGS-L", "M", "size_not_in_line")):
            c, o = _diapers(s, sku=sku)
            out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                      to_size=to_size, now=NOW)
            assert (out.status, out.reason, out.to_size) == ("not_eligible", reason, to_size.upper()), (sku, to_size)
        assert tickets(s) == []


def test_same_size_advised_from_weight_is_refused(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s, sku="D-MRS-M")
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                  weight_kg="8", now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "same_size")


def test_exchange_with_an_implausible_weight_raises(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s)
        for weight in ("0.2", "55", "很重"):
            with pytest.raises(InvalidRequest):
                sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                    weight_kg=weight, now=NOW)
        assert tickets(s) == []


def test_exchange_needs_a_size_or_a_weight_and_a_weight_on_the_chart(ledger):
    with ledger.Session.begin() as s:
        c, o = _diapers(s)
        with pytest.raises(InvalidRequest):
            sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1, now=NOW)
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                  weight_kg="20", now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "weight_outside_chart")


def test_only_diapers_and_pullups_are_exchanged(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["F-FEIHE-1"], paid_days_ago=5, delivered_days_ago=4)
        out = sv.exchange_diapers(session=s, customer_id=c.id, order_no=o.order_no, unopened_packs=1,
                                  to_size="L", now=NOW)
        assert (out.status, out.reason) == ("not_eligible", "not_diapers")
        other = f.customer(s)
        with pytest.raises(UnknownOrder):
            sv.exchange_diapers(session=s, customer_id=other.id, order_no=o.order_no, unopened_packs=1,
                                to_size="L", now=NOW)
