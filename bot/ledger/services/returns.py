"""退货 (returns), 闪电退款 (lightning refund) and refund status.

Returns: within the category's window from delivery without a reason (7 days by default);
medicine only for a quality problem; opened diapers and opened pet food are not returnable.
The refund is the price paid for the returned units less their share of the item's earlier
price-guarantee and coupon refunds. Lightning: trust score >= 700 and refund <= 2,000 yuan is paid
at once, before the item travels back; otherwise the refund waits for the warehouse
(pickup, then 1-3 days). A retried request (same ``request_id``) returns the first outcome.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound
from bot.ledger.services.common import (Record, get_customer, own_item, own_order, policy,
                                        positive_int, resolve_now, within_days)
from bot.ledger.tables import Claim, OrderItem, Refund, Return

__all__ = ["ReturnOutcome", "RefundView", "request_return", "receive_return", "refund_status",
           "assess_return", "RETURN_REASONS"]

RETURN_REASONS = ("no_reason", "quality")


@dataclass
class ReturnOutcome(Record):
    order_no: str
    item_id: int
    sku_name: str
    eligible: bool
    status: str               # accepted | already_requested | not_eligible | eligible (assessment)
    reason: str | None        # not_delivered, window_passed, opened, quality_only, nothing_to_return
    quantity: int
    refund_fen: int
    refund_kind: str | None = None          # lightning | standard
    refund_status: str | None = None        # paid | pending
    refund_expected_by: datetime | None = None
    window_ends: datetime | None = None
    return_id: int | None = None


@dataclass
class RefundView(Record):
    refund_id: int
    order_no: str
    sku_name: str
    source: str               # return | price_guarantee | coupon
    kind: str                 # lightning | standard | claim
    status: str               # paid | pending
    amount_fen: int
    created_at: datetime
    expected_by: datetime
    paid_at: datetime | None = None


def _claims_share(session: Session, item: OrderItem, kind: str, column, units: int,
                  remaining: int) -> int:
    paid = session.execute(select(func.coalesce(func.sum(Claim.refund_fen), 0)).where(
        Claim.order_item_id == item.id, Claim.kind == kind, Claim.status == "paid")).scalar_one()
    taken = session.execute(select(func.coalesce(func.sum(column), 0))
                            .where(Return.order_item_id == item.id)).scalar_one()
    left = int(paid) - int(taken)
    return left if units >= remaining else left * units // remaining


def assess_return(session: Session, item: OrderItem, *, quantity: int | None = None,
                  reason: str = "no_reason", opened: bool = False,
                  now: datetime) -> ReturnOutcome:
    """Whether these units may be returned now and what the refund would be (reads only)."""
    if reason not in RETURN_REASONS:
        raise InvalidRequest(f"reason must be one of {RETURN_REASONS}")
    category = item.product.category
    remaining = item.quantity - item.quantity_returned
    units = remaining if quantity is None else positive_int(quantity, "quantity")
    if remaining > 0 and units > remaining:
        raise InvalidRequest(f"only {remaining} unit(s) of this item can still be returned")
    days = category.return_days if reason == "no_reason" else policy(session, "quality_return_days")
    delivered = item.order.delivered_at
    ends = as_utc(delivered) + timedelta(days=days) if delivered else None

    def out(why, refund=0):
        return ReturnOutcome(order_no=item.order.order_no, item_id=item.id,
                             sku_name=item.product.name, eligible=why is None,
                             status="eligible" if why is None else "not_eligible", reason=why,
                             quantity=units, refund_fen=refund, window_ends=ends)

    if remaining <= 0:
        return out("nothing_to_return")
    if item.order.status == "cancelled":
        return out("cancelled")
    if delivered is None:
        return out("not_delivered")
    if category.return_rule == "quality_only" and reason != "quality":
        return out("quality_only")
    if opened and not category.opened_returnable:
        return out("opened")
    if not within_days(delivered, days, now):
        return out("window_passed")
    refund = item.unit_price_fen * units
    refund -= _claims_share(session, item, "price_guarantee", Return.price_claims_deducted_fen,
                            units, remaining)
    refund -= _claims_share(session, item, "coupon", Return.coupon_claims_deducted_fen,
                            units, remaining)
    return out(None, refund)


def _existing(session: Session, ret: Return) -> ReturnOutcome:
    # a return whose refund came to 0.00 (earlier claims covered the price) has no refund row
    refund = session.execute(select(Refund).where(Refund.return_id == ret.id)).scalar_one_or_none()
    item = ret.order_item
    return ReturnOutcome(order_no=item.order.order_no, item_id=item.id, sku_name=item.product.name,
                         eligible=True, status="already_requested", reason=None,
                         quantity=ret.quantity, refund_fen=ret.refund_fen,
                         refund_kind=refund.kind if refund else None,
                         refund_status=refund.status if refund else None,
                         refund_expected_by=refund.expected_by if refund else None, return_id=ret.id)


def request_return(*, session: Session, customer_id: int, order_no: str, item_id: int | None = None,
                   quantity: int | None = None, reason: str = "no_reason", opened: bool = False,
                   request_id: str | None = None, now: datetime | None = None) -> ReturnOutcome:
    """Return units of one item of the customer's order and start its refund.

    ``item_id`` may be left out when the order has a single item. A request repeated with the
    same ``request_id``, or repeated after every unit was already returned, answers with the
    first outcome and pays nothing more.
    """
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    order = own_order(session, customer.id, order_no)
    request_key = f"ret:req:{customer.id}:{request_id}" if request_id else None
    if item_id is None:
        if len(order.items) != 1:
            raise InvalidRequest("the order has several items: say which one")
        item_id = order.items[0].id
    if int(item_id) not in {i.id for i in order.items}:
        raise NotFound("no such order item")
    item = own_item(session, customer.id, item_id, lock=True)
    session.refresh(item)
    if request_key:   # checked under the item's lock, so a concurrent retry sees the first
        done = session.execute(select(Return).where(Return.dedupe_key == request_key)
                               ).scalar_one_or_none()
        if done is not None:
            return _existing(session, done)
    outcome = assess_return(session, item, quantity=quantity, reason=reason, opened=opened, now=now)
    if outcome.reason == "nothing_to_return":
        last = session.execute(select(Return).where(Return.order_item_id == item.id)
                               .order_by(Return.id.desc())).scalars().first()
        if last is not None:
            return _existing(session, last)
    if not outcome.eligible:
        return outcome
    remaining = item.quantity - item.quantity_returned
    price_share = _claims_share(session, item, "price_guarantee", Return.price_claims_deducted_fen,
                                outcome.quantity, remaining)
    coupon_share = _claims_share(session, item, "coupon", Return.coupon_claims_deducted_fen,
                                 outcome.quantity, remaining)
    key = request_key or f"ret:{item.id}:{item.quantity_returned}"
    ret = Return(order_item_id=item.id, customer_id=customer.id, quantity=outcome.quantity,
                 reason=reason, opened=bool(opened), status="awaiting_pickup",
                 refund_fen=outcome.refund_fen, price_claims_deducted_fen=price_share,
                 coupon_claims_deducted_fen=coupon_share, dedupe_key=key, created_at=now)
    try:
        with session.begin_nested():
            session.add(ret)
            session.flush()
    except IntegrityError:   # the same request, committed by another transaction meanwhile
        done = session.execute(select(Return).where(Return.dedupe_key == key)).scalar_one()
        return _existing(session, done)
    item.quantity_returned += outcome.quantity
    session.flush()
    lightning = (customer.trust_score >= policy(session, "lightning_min_trust")
                 and outcome.refund_fen <= policy(session, "lightning_max_fen"))
    if lightning:
        refund = Refund(customer_id=customer.id, return_id=ret.id, kind="lightning",
                        amount_fen=outcome.refund_fen, status="paid", created_at=now, paid_at=now,
                        expected_by=now + timedelta(seconds=policy(session, "lightning_seconds")))
    else:
        hours = policy(session, "return_pickup_hours") + 24 * policy(session, "warehouse_max_days")
        refund = Refund(customer_id=customer.id, return_id=ret.id, kind="standard",
                        amount_fen=outcome.refund_fen, status="pending", created_at=now,
                        expected_by=now + timedelta(hours=hours))
    if outcome.refund_fen > 0:
        session.add(refund)
    session.flush()
    outcome.status, outcome.return_id = "accepted", ret.id
    outcome.refund_kind, outcome.refund_status = refund.kind, refund.status
    outcome.refund_expected_by = refund.expected_by
    return outcome


def receive_return(*, session: Session, return_id: int, now: datetime | None = None) -> Return:
    """The warehouse received the goods: a standard refund is paid now (idempotent)."""
    now = resolve_now(now)
    ret = session.get(Return, int(return_id))
    if ret is None:
        raise NotFound("no such return")
    if ret.received_at is None:
        ret.received_at, ret.status = now, "received"
    refund = session.execute(select(Refund).where(Refund.return_id == ret.id)).scalar_one_or_none()
    if refund is not None and refund.status == "pending":
        refund.status, refund.paid_at = "paid", now
    ret.status = "refunded"
    session.flush()
    return ret


def refund_status(*, session: Session, customer_id: int, order_no: str | None = None) -> list[RefundView]:
    """The customer's refunds, newest first; one order's when ``order_no`` is given."""
    customer = get_customer(session, customer_id)
    if order_no is not None:
        own_order(session, customer.id, order_no)
    views = []
    refunds = session.execute(select(Refund).where(Refund.customer_id == customer.id)
                              .order_by(Refund.created_at.desc(), Refund.id.desc())).scalars()
    for refund in refunds:
        if refund.return_id is not None:
            ret = session.get(Return, refund.return_id)
            item, source = ret.order_item, "return"
        else:
            claim = session.get(Claim, refund.claim_id)
            item, source = claim.order_item, claim.kind
        if order_no is not None and item.order.order_no != str(order_no).strip():
            continue
        views.append(RefundView(refund_id=refund.id, order_no=item.order.order_no,
                                sku_name=item.product.name, source=source, kind=refund.kind,
                                status=refund.status, amount_fen=refund.amount_fen,
                                created_at=refund.created_at, expected_by=refund.expected_by,
                                paid_at=refund.paid_at))
    return views


