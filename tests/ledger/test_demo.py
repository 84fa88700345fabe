"""The demo guide's figures are what the services then really do for the shopper."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.ledger import services as sv
from bot.ledger.clock import as_utc
from bot.ledger.demo import demo_guide
from bot.ledger.tables import (Claim, Consultation, HandoffTicket, OrderItem, Refund, Return, ServiceTicket,
                               TradeInQuote)
from bot.money import yuan
from tests.conftest import NOW

KINDS = {"price_drop", "price_drop_refused", "coupon_missed", "lightning_refund", "standard_refund", "trade_in",
         "baby_appliance_fault", "diaper_exchange", "pet_owner", "medicine_buyer"}


def scenarios(guide):
    return {(c["id"], s["kind"], s["sku_name"]): s for c in guide["customers"] for s in c["scenarios"]}


def counts(s):
    return [s.execute(select(func.count(t.id))).scalar_one()
            for t in (Claim, Refund, Return, TradeInQuote, ServiceTicket, Consultation, HandoffTicket)]


def test_demo_guide_figures_and_it_changes_nothing(demo_ledger):
    with demo_ledger.Session.begin() as s:
        before = counts(s)
        guide = demo_guide(session=s, now=NOW)
        assert counts(s) == before == [0] * 7
    assert guide["now"] == NOW.isoformat()
    assert [c["id"] for c in guide["customers"]] == list(range(1001, 1011))
    sc = scenarios(guide)
    assert {k for _, k, _ in sc} == KINDS
    got = {(cid, kind): (x["expected_refund"], x.get("refund_kind"), x.get("reason"))
           for (cid, kind, _), x in sc.items() if kind not in ("price_drop_refused",)}
    assert {k: v for k, v in got.items() if v[0] is not None} == {
        (1001, "price_drop"): ("500.00", None, None),
        (1007, "price_drop"): ("200.00", None, None),
        (1001, "coupon_missed"): ("200.00", None, None),
        (1001, "lightning_refund"): ("299.00", "lightning", None),
        (1008, "lightning_refund"): ("1999.00", "lightning", None),
        (1002, "standard_refund"): ("1080.00", "standard", None),
        (1009, "standard_refund"): ("399.00", "standard", None),
        (1010, "standard_refund"): ("2899.00", "standard", None),
    }
    refused = {(cid, sku): (x["expected_refund"], x["status"], x["reason"])
               for (cid, kind, sku), x in sc.items() if kind == "price_drop_refused"}
    assert refused == {
        (1002, "Apple iPhone 15 128GB 黑色"): (None, "rejected", "window_passed"),
        (1007, "小米 米家扫拖机器人 2"): (None, "rejected", "flash_sale_purchase"),
        (1007, "雅诗兰黛 特润修护肌活精华露 小棕瓶 50ml"): (None, "rejected", "qualified_price"),
    }
    trade = next(x for (_, kind, _), x in sc.items() if kind == "trade_in")
    assert (trade["expected_quote"], trade["more_devices"][0]["expected_quote"], trade["expected_total"]) == \
        ("1740.00", "495.00", "2235.00")
    fault = next(x for (_, kind, _), x in sc.items() if kind == "baby_appliance_fault")
    assert (fault["ticket_kind"], fault["visit_by"]) == ("onsite_replacement", (NOW + timedelta(hours=48)).isoformat())
    diaper = next(x for (_, kind, _), x in sc.items() if kind == "diaper_exchange")
    assert (diaper["current_size"], diaper["advised_size"], diaper["status"]) == ("M", "L", "created")
    pets = next(x for (_, kind, _), x in sc.items() if kind == "pet_owner")
    assert (pets["life_stage"], pets["vet_advised_for"]) == ("senior", ["kidney"])
    assert pets["expected_picks"] == ["网易严选 全价老年猫粮 1.8kg", "冠能 敏感肠胃 成猫粮 2.5kg", "渴望 六种鱼 无谷全猫粮 1.8kg"]
    med = next(x for (_, kind, _), x in sc.items() if kind == "medicine_buyer")
    assert (med["night"], med["expected_pharmacies"]) == (False, ["京东大药房（望京店）", "同仁堂药店（朝阳门店）"])


def test_the_services_pay_what_the_demo_says(demo_ledger):
    with demo_ledger.Session.begin() as s:
        sc = scenarios(demo_guide(session=s, now=NOW))
    later = NOW + timedelta(minutes=5)
    for (cid, kind, sku_name), x in sc.items():
        order_no = x["order_no"]
        with demo_ledger.Session.begin() as s:
            if kind in ("price_drop", "price_drop_refused", "coupon_missed"):
                claim = sv.claim_coupon_refund if kind == "coupon_missed" else sv.claim_price_guarantee
                (first,) = [i for i in claim(session=s, customer_id=cid, order_no=order_no, now=later).items
                            if i.sku_name == sku_name]
                (again,) = [i for i in claim(session=s, customer_id=cid, order_no=order_no, now=later).items
                            if i.sku_name == sku_name]
                if x["expected_refund"] is None:
                    assert (first.status, first.reason, first.refund_fen) == ("rejected", x["reason"], 0), sku_name
                else:
                    assert (first.status, yuan(first.refund_fen)) == ("paid", x["expected_refund"]), sku_name
                    assert (again.reason, again.refund_fen) == ("already_claimed", 0), sku_name
            elif kind in ("lightning_refund", "standard_refund"):
                out = sv.request_return(session=s, customer_id=cid, order_no=order_no, request_id=f"demo-{cid}",
                                        now=later)
                assert (out.status, yuan(out.refund_fen), out.refund_kind, out.refund_status) == \
                    ("accepted", x["expected_refund"], x["refund_kind"], x["refund_status"])
                again = sv.request_return(session=s, customer_id=cid, order_no=order_no, request_id=f"demo-{cid}",
                                          now=later)
                assert (again.status, again.return_id) == ("already_requested", out.return_id)
            elif kind == "trade_in":
                q = sv.quote_trade_in(session=s, customer_id=cid, order_no=order_no, now=later,
                                      items=[(x["device_model"], x["grade"])] +
                                      [(d["device_model"], d["grade"]) for d in x["more_devices"]])
                assert [yuan(l.value_fen + l.subsidy_fen) for l in q.lines] == \
                    [x["expected_quote"], x["more_devices"][0]["expected_quote"]]
                assert yuan(q.total_fen) == x["expected_total"]
            elif kind == "baby_appliance_fault":
                out = sv.report_fault(session=s, customer_id=cid, order_no=order_no, now=NOW)
                assert (out.kind, out.status, out.visit_by.isoformat()) == (x["ticket_kind"], "created", x["visit_by"])
            elif kind == "diaper_exchange":
                out = sv.exchange_diapers(session=s, customer_id=cid, order_no=order_no,
                                          unopened_packs=x["unopened_packs"], weight_kg=x["baby_weight_kg"], now=later)
                assert (out.status, out.from_size, out.to_size) == (x["status"], x["current_size"], x["advised_size"])
            elif kind == "pet_owner":
                advice = sv.recommend_pet_food(session=s, species=x["species"], age_months=x["age_months"],
                                               weight_kg=x["weight_kg"], needs=x["needs"], now=later)
                assert [p.name for p in advice.picks] == x["expected_picks"]
            elif kind == "medicine_buyer":
                found = sv.find_pharmacies(session=s, drug=x["drug"], district=x["district"], now=later)
                assert [o.name for o in found.options] == x["expected_pharmacies"]
    with demo_ledger.Session() as s:
        paid = dict(s.execute(select(Claim.customer_id, func.sum(Claim.refund_fen))
                              .where(Claim.status == "paid").group_by(Claim.customer_id)).all())
        assert {k: int(v) for k, v in paid.items()} == {1001: 50000 + 20000, 1007: 20000}


def test_one_click_for_the_price_drop_customer_pays_the_demo_figure_once(demo_ledger):
    with demo_ledger.Session.begin() as s:
        sc = scenarios(demo_guide(session=s, now=NOW))
    drop = next(x for (cid, kind, _), x in sc.items() if (cid, kind) == (1001, "price_drop"))
    with demo_ledger.Session.begin() as s:
        first = sv.claim_price_guarantee(session=s, customer_id=1001, now=NOW)
    with demo_ledger.Session.begin() as s:
        again = sv.claim_price_guarantee(session=s, customer_id=1001, now=NOW)
    assert [(i.order_no, yuan(i.refund_fen)) for i in first.paid] == [(drop["order_no"], drop["expected_refund"])]
    assert yuan(first.total_refund_fen) == "500.00"
    assert (again.paid, again.total_refund_fen) == ([], 0)
    with demo_ledger.Session() as s:
        refunds = s.execute(select(Refund.amount_fen, Refund.expected_by).where(Refund.customer_id == 1001)).all()
        assert [(a, as_utc(e)) for a, e in refunds] == [(50000, NOW + timedelta(hours=24))]
        assert s.execute(select(func.sum(OrderItem.quantity_returned))).scalar_one() == 0
