"""The demo guide: each scripted customer and what their ledger shows, with the figures computed
by the ledger's own services (run inside a transaction that is rolled back, so nothing changes).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger import services as sv
from bot.ledger.seed import SCRIPTED
from bot.ledger.services.common import resolve_now
from bot.ledger.tables import Customer, Order, OrderItem, Product
from bot.money import yuan

__all__ = ["demo_guide"]


def _item(session: Session, customer_id: int, sku: str) -> OrderItem:
    return session.execute(
        select(OrderItem).join(Order).join(Product)
        .where(Order.customer_id == customer_id, Product.sku == sku)
        .order_by(Order.paid_at.desc())).scalars().first()


def _scenario(kind: str, item: OrderItem, expected_refund, **extra) -> dict:
    return {"kind": kind, "order_no": item.order.order_no, "sku_name": item.product.name,
            "expected_refund": expected_refund, **extra}


def _claim(session, cid, item, fn, now) -> dict:
    batch = fn(session=session, customer_id=cid, order_no=item.order.order_no, now=now)
    out = next(o for o in batch.items if o.item_id == item.id)
    return out


def demo_guide(*, session: Session, now=None) -> dict:
    """Runs every scripted scenario through the services in a savepoint, then rolls it back."""
    now = resolve_now(now)
    customers = []
    nested = session.begin_nested()
    try:
        scen = _scenarios(session, now)
    finally:
        nested.rollback()
    for cid, name, trust, member, city, district in SCRIPTED:
        if cid in scen:
            customers.append({"id": cid, "name": name, "trust_score": trust, "membership": member,
                              "city": city, "district": district, "scenarios": scen[cid]})
    return {"now": now.isoformat(), "customers": customers}


def _scenarios(session: Session, now) -> dict[int, list[dict]]:
    s = session
    out: dict[int, list[dict]] = {}

    def add(cid, scenario):
        out.setdefault(cid, []).append(scenario)

    # price drops and refusals
    for cid, sku, kind in ((1001, "L-MB14", "price_drop"), (1007, "A-HAIER-FR", "price_drop"),
                           (1002, "P-IP15", "price_drop_refused"),
                           (1007, "A-MI-ROBOT", "price_drop_refused"),
                           (1007, "S-ESTEE", "price_drop_refused")):
        item = _item(s, cid, sku)
        res = _claim(s, cid, item, sv.claim_price_guarantee, now)
        add(cid, _scenario(kind, item, yuan(res.refund_fen) if res.status == "paid" else None,
                           status=res.status, reason=res.reason,
                           paid_price=yuan(res.paid_price_fen),
                           current_price=yuan(res.current_price_fen) if res.current_price_fen else None,
                           window_ends=res.window_ends.isoformat(),
                           try_saying="帮我申请一下价保"))
    item = _item(s, 1001, "A-DYSON-V12")
    res = _claim(s, 1001, item, sv.claim_coupon_refund, now)
    add(1001, _scenario("coupon_missed", item, yuan(res.refund_fen) if res.status == "paid" else None,
                        status=res.status, coupon_code=res.coupon_code,
                        try_saying="下单的时候忘了领券，能补吗"))
    for cid, sku in ((1001, "X-LINING-RUN"), (1008, "T-MATEPAD"), (1002, "S-LANCOME"),
                     (1009, "X-DECATHLON-TENT"), (1010, "A-GREE-AC")):
        item = _item(s, cid, sku)
        res = sv.request_return(session=s, customer_id=cid, order_no=item.order.order_no,
                                item_id=item.id, now=now)
        kind = "lightning_refund" if res.refund_kind == "lightning" else "standard_refund"
        add(cid, _scenario(kind, item, yuan(res.refund_fen) if res.eligible else None,
                           refund_kind=res.refund_kind, refund_status=res.refund_status,
                           refund_expected_by=res.refund_expected_by.isoformat()
                           if res.refund_expected_by else None,
                           trust_score=s.get(Customer, cid).trust_score,
                           try_saying="这个我想退货"))
    item = _item(s, 1004, "P-MI14")
    quote = sv.quote_trade_in(session=s, customer_id=1004, order_no=item.order.order_no,
                              items=[("iPhone 12", "B"), ("ThinkPad T480", "C")], now=now)
    add(1004, _scenario("trade_in", item, None, device_model="iPhone 12", grade="B",
                        expected_quote=yuan(quote.lines[0].value_fen + quote.lines[0].subsidy_fen),
                        more_devices=[{"device_model": "ThinkPad T480", "grade": "C",
                                       "expected_quote": yuan(quote.lines[1].value_fen)}],
                        expected_total=yuan(quote.total_fen),
                        valid_until=quote.valid_until.isoformat(),
                        try_saying="我想用旧的iPhone 12以旧换新"))
    item = _item(s, 1003, "B-PIGEON-PUMP")
    res = sv.report_fault(session=s, customer_id=1003, order_no=item.order.order_no,
                          item_id=item.id, description="吸奶器不工作了", now=now)
    add(1003, _scenario("baby_appliance_fault", item, None, ticket_kind=res.kind,
                        visit_by=res.visit_by.isoformat() if res.visit_by else None,
                        try_saying="吸奶器坏了，开不了机"))
    item = _item(s, 1003, "D-MRS-M")
    advice = sv.advise_diaper_size(session=s, line=item.product.line, weight_kg="10.5")
    res = sv.exchange_diapers(session=s, customer_id=1003, order_no=item.order.order_no,
                              item_id=item.id, unopened_packs=2, weight_kg="10.5", now=now)
    add(1003, _scenario("diaper_exchange", item, None, current_size=item.product.size,
                        baby_weight_kg="10.5", advised_size=advice.size, unopened_packs=2,
                        status=res.status, try_saying="纸尿裤买小了，能换大一码吗"))
    item = _item(s, 1005, "PF-RC-INDOOR")
    advice = sv.recommend_pet_food(session=s, species="cat", age_months=96, weight_kg="5",
                                   needs=["urinary"], now=now)
    add(1005, _scenario("pet_owner", item, None, species="cat", age_months=96, weight_kg="5",
                        needs=["urinary"], life_stage=advice.life_stage,
                        expected_picks=[p.name for p in advice.picks],
                        vet_advised_for=sv.recommend_pet_food(
                            session=s, species="cat", age_months=96, weight_kg="5",
                            needs=["kidney"], now=now).vet_needs,
                        try_saying="我家猫8岁了，5公斤，泌尿不太好，吃什么粮好"))
    item = _item(s, 1006, "M-FENBID")
    answer = sv.medication_answer(session=s, drug="布洛芬", topic="contraindications")
    delivery = sv.find_pharmacies(session=s, drug="布洛芬", district="朝阳区", now=now)
    add(1006, _scenario("medicine_buyer", item, None, drug="布洛芬", district="朝阳区",
                        label_contraindications=answer.answer,
                        night=delivery.night,
                        expected_pharmacies=[o.name for o in delivery.options],
                        try_saying="布洛芬有什么禁忌？能送到朝阳区吗"))
    return out
