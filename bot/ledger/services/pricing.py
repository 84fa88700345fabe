"""一键价保 (price guarantee) and 领券价保 (coupon price guarantee).

Price guarantee refund for an item = (unit price paid - current lowest public price)
  x units not returned - what this item's earlier claims already paid (net of what later returns
  took back). Flash-sale and qualified (new-user) prices never count as the public price.
Coupon price guarantee: a public coupon for the item was claimable when the shopper paid, the
  line met its threshold, and no coupon was used: its value, once per order item.
Both only inside the category's window from payment. Paying is idempotent, enforced by the unique
``Claim.dedupe_key``; the item row is locked first so concurrent requests queue.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger import clock
from bot.ledger.services.common import (Record, get_customer, own_item, own_order, policy,
                                        resolve_now, within_days)
from bot.ledger.tables import Claim, Coupon, Order, OrderItem, Price, Refund, Return

__all__ = ["ItemClaimOutcome", "ClaimBatch", "lowest_prices", "assess_price_guarantee",
           "assess_coupon", "claim_price_guarantee", "claim_coupon_refund", "window_end"]


@dataclass
class ItemClaimOutcome(Record):
    order_no: str
    item_id: int
    sku_name: str
    kind: str                    # price_guarantee | coupon
    eligible: bool
    status: str                  # paid | rejected | already_claimed | not_eligible (assessment)
    reason: str | None           # why not: window_passed, flash_sale_price, ...
    refund_fen: int
    paid_price_fen: int
    current_price_fen: int | None
    window_ends: datetime
    arrives_by: datetime | None = None
    claim_id: int | None = None
    coupon_code: str | None = None


@dataclass
class ClaimBatch(Record):
    items: list[ItemClaimOutcome] = field(default_factory=list)
    total_refund_fen: int = 0

    @property
    def paid(self) -> list[ItemClaimOutcome]:
        return [i for i in self.items if i.status == "paid"]


def window_end(item: OrderItem) -> datetime:
    return clock.as_utc(item.order.paid_at) + timedelta(days=item.product.category.price_guarantee_days)


def lowest_prices(session: Session, product_id: int, now: datetime) -> dict[str, int]:
    """Lowest price of each kind (public, flash_sale, new_user) in force at ``now``."""
    rows = session.execute(
        select(Price.kind, func.min(Price.price_fen))
        .where(Price.product_id == product_id, Price.starts_at <= now,
               or_(Price.ends_at.is_(None), Price.ends_at > now))
        .group_by(Price.kind)).all()
    return {kind: low for kind, low in rows}


def _net_claims(session: Session, item: OrderItem) -> int:
    paid = session.execute(select(func.coalesce(func.sum(Claim.refund_fen), 0)).where(
        Claim.order_item_id == item.id, Claim.kind == "price_guarantee",
        Claim.status == "paid")).scalar_one()
    deducted = session.execute(select(func.coalesce(func.sum(Return.price_claims_deducted_fen), 0))
                               .where(Return.order_item_id == item.id)).scalar_one()
    return int(paid) - int(deducted)


def assess_price_guarantee(session: Session, item: OrderItem, now: datetime) -> ItemClaimOutcome:
    """What a price-guarantee claim on this item would pay now (reads only)."""
    ends = window_end(item)
    prices = lowest_prices(session, item.product_id, now)
    public = prices.get("public")

    def out(reason, refund=0, current=public):
        return ItemClaimOutcome(order_no=item.order.order_no, item_id=item.id,
                                sku_name=item.product.name, kind="price_guarantee",
                                eligible=reason is None, status="eligible" if reason is None
                                else "not_eligible", reason=reason, refund_fen=refund,
                                paid_price_fen=item.unit_price_fen, current_price_fen=current,
                                window_ends=ends)

    units = item.quantity - item.quantity_returned
    if item.order.status == "cancelled":
        return out("cancelled")
    if units <= 0:
        return out("returned")
    if item.price_kind == "flash_sale":
        return out("flash_sale_purchase")
    if not within_days(item.order.paid_at, item.product.category.price_guarantee_days, now):
        return out("window_passed")
    if public is None or public >= item.unit_price_fen:
        for kind, reason in (("flash_sale", "flash_sale_price"), ("new_user", "qualified_price")):
            if prices.get(kind) is not None and prices[kind] < item.unit_price_fen:
                return out(reason, current=prices[kind])
        return out("no_price_drop")
    refund = (item.unit_price_fen - public) * units - _net_claims(session, item)
    if refund <= 0:
        return out("already_claimed")
    return out(None, refund)


def _eligible_coupons(session: Session, item: OrderItem) -> list[Coupon]:
    paid_at = item.order.paid_at
    line_total = item.unit_price_fen * item.quantity
    return list(session.execute(
        select(Coupon).where(Coupon.product_id == item.product_id, Coupon.kind == "public",
                             Coupon.claimable_from <= paid_at, Coupon.claimable_until >= paid_at,
                             Coupon.threshold_fen <= line_total)
        .order_by(Coupon.value_fen.desc(), Coupon.id)).scalars())


def assess_coupon(session: Session, item: OrderItem, now: datetime) -> ItemClaimOutcome:
    ends = window_end(item)
    coupons = _eligible_coupons(session, item)
    best = coupons[0] if coupons else None

    def out(reason, refund=0):
        return ItemClaimOutcome(order_no=item.order.order_no, item_id=item.id,
                                sku_name=item.product.name, kind="coupon", eligible=reason is None,
                                status="eligible" if reason is None else "not_eligible",
                                reason=reason, refund_fen=refund,
                                paid_price_fen=item.unit_price_fen, current_price_fen=None,
                                window_ends=ends, coupon_code=best.code if best else None)

    if item.order.status == "cancelled":
        return out("cancelled")
    if item.quantity_returned >= item.quantity:
        return out("returned")
    if item.coupon_id is not None:
        return out("coupon_used")
    if not within_days(item.order.paid_at, item.product.category.price_guarantee_days, now):
        return out("window_passed")
    if best is None:
        return out("no_coupon")
    already = session.execute(select(Claim.id).where(
        Claim.order_item_id == item.id, Claim.kind == "coupon", Claim.status == "paid")).first()
    if already:
        return out("already_claimed")
    return out(None, best.value_fen)


def _recent_items(session: Session, customer_id: int, order_no: str | None,
                  now: datetime) -> list[OrderItem]:
    if order_no is not None:
        return list(own_order(session, customer_id, order_no).items)
    longest = policy(session, "price_guarantee_max_days")
    since = now - timedelta(days=longest)
    return list(session.execute(
        select(OrderItem).join(Order).where(Order.customer_id == customer_id,
                                            Order.paid_at >= since, Order.paid_at <= now)
        .order_by(Order.paid_at, OrderItem.id)).scalars())


def _pay(session: Session, customer_id: int, outcome: ItemClaimOutcome, dedupe_key: str,
         now: datetime, coupon_id: int | None = None) -> ItemClaimOutcome:
    arrives = now + timedelta(hours=policy(session, "claim_refund_hours"))
    try:
        with session.begin_nested():
            claim = Claim(order_item_id=outcome.item_id, customer_id=customer_id,
                          kind=outcome.kind, status="paid", refund_fen=outcome.refund_fen,
                          reference_price_fen=outcome.current_price_fen, coupon_id=coupon_id,
                          dedupe_key=dedupe_key, created_at=now)
            session.add(claim)
            session.flush()
            session.add(Refund(customer_id=customer_id, claim_id=claim.id, kind="claim",
                               amount_fen=outcome.refund_fen, status="paid", created_at=now,
                               paid_at=now, expected_by=arrives))
            session.flush()
    except IntegrityError:
        outcome.eligible, outcome.status, outcome.reason = False, "already_claimed", "already_claimed"
        outcome.refund_fen = 0
        return outcome
    outcome.status, outcome.claim_id, outcome.arrives_by = "paid", claim.id, arrives
    return outcome


def _reject(session: Session, customer_id: int, outcome: ItemClaimOutcome, now: datetime) -> None:
    """Record a concrete refusal once (repeats at the same price do not pile up)."""
    key = f"x:{outcome.kind}:{outcome.item_id}:{outcome.reason}:{outcome.current_price_fen}"
    try:
        with session.begin_nested():
            session.add(Claim(order_item_id=outcome.item_id, customer_id=customer_id,
                              kind=outcome.kind, status="rejected", reason=outcome.reason,
                              refund_fen=0, reference_price_fen=outcome.current_price_fen,
                              dedupe_key=key, created_at=now))
            session.flush()
    except IntegrityError:
        pass
    outcome.status = "rejected"


def _claim(session, customer_id, order_no, now, assess, key_of) -> ClaimBatch:
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    batch = ClaimBatch()
    for candidate in _recent_items(session, customer.id, order_no, now):
        item = own_item(session, customer.id, candidate.id, lock=True)
        session.refresh(item)
        outcome = assess(session, item, now)
        if outcome.eligible:
            coupon = _eligible_coupons(session, item)[0] if outcome.kind == "coupon" else None
            _pay(session, customer.id, outcome, key_of(item, outcome), now,
                 coupon.id if coupon else None)
        elif outcome.reason not in ("no_price_drop", "no_coupon", "cancelled", "already_claimed"):
            if order_no is not None or outcome.reason in ("flash_sale_price", "qualified_price",
                                                          "flash_sale_purchase", "coupon_used"):
                _reject(session, customer.id, outcome, now)
        batch.items.append(outcome)
    batch.total_refund_fen = sum(i.refund_fen for i in batch.items if i.status == "paid")
    return batch


def claim_price_guarantee(*, session: Session, customer_id: int, order_no: str | None = None,
                          now: datetime | None = None) -> ClaimBatch:
    """One-click price guarantee over the customer's recent orders, or over one named order."""
    return _claim(session, customer_id, order_no, now, assess_price_guarantee,
                  lambda item, o: f"pg:{item.id}:{o.current_price_fen}")


def claim_coupon_refund(*, session: Session, customer_id: int, order_no: str | None = None,
                        now: datetime | None = None) -> ClaimBatch:
    """Coupon price guarantee over recent orders, or one named order: once per order item."""
    return _claim(session, customer_id, order_no, now, assess_coupon,
                  lambda item, o: f"coupon:{item.id}")
