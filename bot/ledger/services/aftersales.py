"""上门以换代修 (replace instead of repair, at home), repair tickets, and 纸尿裤尺码随心换
(diaper size exchange).

Baby appliances with a fault within the category's replace window (365 days) from delivery: a
technician visits within 48 hours with a new unit. Anything else: a repair ticket. Diapers and
pull-ups within 90 days of delivery: unopened packs exchange for another size of the same line,
the size advised from the baby's weight with the product's own size chart.
One open ticket per item and kind: asking again returns the open ticket.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound
from bot.ledger.services.common import (Record, get_customer, own_item, own_order, policy,
                                        positive_int, resolve_now, within_days)
from bot.ledger.tables import Order, OrderItem, Product, ServiceTicket

__all__ = ["ServiceOutcome", "SizeAdvice", "ItemTerms", "report_fault", "advise_diaper_size",
           "exchange_diapers", "parse_weight_kg", "close_ticket", "aftersales_items"]


@dataclass
class ServiceOutcome(Record):
    order_no: str
    item_id: int
    sku_name: str
    kind: str | None            # onsite_replacement | repair | diaper_exchange
    status: str                 # created | already_open | not_eligible
    reason: str | None = None   # replace_window_passed, exchange_window_passed, opened, ...
    ticket_id: int | None = None
    visit_by: datetime | None = None
    window_ends: datetime | None = None
    from_size: str | None = None
    to_size: str | None = None
    packs: int | None = None


@dataclass
class SizeAdvice(Record):
    line: str
    weight_kg: str
    size: str | None
    sku: str | None
    sku_name: str | None
    chart: dict
    reason: str | None = None   # weight_outside_chart


@dataclass
class ItemTerms(Record):
    """What the after-sales conversations need to know about one order item before asking the
    shopper anything: the facts the return, repair and size-exchange rules look at."""
    order_no: str
    order_status: str           # paid | shipped | delivered | cancelled
    item_id: int
    sku_name: str
    units: int                  # bought, less the units already returned
    delivered: bool
    return_rule: str            # no_reason | quality_only
    opened_returnable: bool
    baby_appliance: bool
    line: str | None            # the product line, when its sizes can be exchanged
    size: str | None
    exchange_window_ends: datetime | None = None
    exchange_open: bool = False   # within the size-exchange window now


def parse_weight_kg(value) -> Decimal:
    """A baby's weight in kg as a Decimal; implausible weights are refused."""
    try:
        weight = Decimal(str(value).strip().lower().replace("kg", "").replace("公斤", ""))
    except InvalidOperation:
        raise InvalidRequest("weight must be a number of kilograms") from None
    if not weight.is_finite() or not Decimal("1") <= weight <= Decimal("40"):
        raise InvalidRequest("a baby's weight between 1 and 40 kg, please")
    return weight


def _item(session, customer_id, order_no, item_id, pick) -> OrderItem:
    order = own_order(session, customer_id, order_no)
    if item_id is None:
        candidates = [i for i in order.items if pick(i)] or list(order.items)
        if len(candidates) != 1:
            raise InvalidRequest("the order has several items: say which one")
        item_id = candidates[0].id
    if int(item_id) not in {i.id for i in order.items}:
        raise NotFound("no such order item")
    return own_item(session, customer_id, item_id, lock=True)


def _open_ticket(session: Session, key: str) -> ServiceTicket | None:
    return session.execute(select(ServiceTicket).where(ServiceTicket.dedupe_key == key)
                           ).scalar_one_or_none()


def _outcome(item, ticket, status) -> ServiceOutcome:
    detail = ticket.detail or {}
    return ServiceOutcome(order_no=item.order.order_no, item_id=item.id, sku_name=item.product.name,
                          kind=ticket.kind, status=status, ticket_id=ticket.id,
                          visit_by=ticket.visit_by, from_size=detail.get("from_size"),
                          to_size=detail.get("to_size"), packs=detail.get("packs"))


def _create(session, item, customer_id, kind, detail, visit_by, now) -> ServiceOutcome:
    key = f"svc:{kind}:{item.id}"
    existing = _open_ticket(session, key)
    if existing is not None:
        return _outcome(item, existing, "already_open")
    try:
        with session.begin_nested():
            ticket = ServiceTicket(customer_id=customer_id, order_item_id=item.id, kind=kind,
                                   status="open", detail=detail, visit_by=visit_by,
                                   dedupe_key=key, created_at=now)
            session.add(ticket)
            session.flush()
    except IntegrityError:
        return _outcome(item, _open_ticket(session, key), "already_open")
    return _outcome(item, ticket, "created")


def report_fault(*, session: Session, customer_id: int, order_no: str, item_id: int | None = None,
                 description: str = "", now: datetime | None = None) -> ServiceOutcome:
    """A fault: on-site replacement for a baby appliance in its window, else a repair ticket."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    item = _item(session, customer.id, order_no, item_id, lambda i: i.product.is_baby_appliance)
    order, category = item.order, item.product.category
    description = str(description or "")[:500]
    if order.delivered_at is None:
        return ServiceOutcome(order.order_no, item.id, item.product.name, None, "not_eligible",
                              reason="not_delivered")
    if item.quantity_returned >= item.quantity:
        return ServiceOutcome(order.order_no, item.id, item.product.name, None, "not_eligible",
                              reason="returned")
    if item.product.is_baby_appliance and category.replace_days:
        ends = as_utc(order.delivered_at) + timedelta(days=category.replace_days)
        if within_days(order.delivered_at, category.replace_days, now):
            visit_by = now + timedelta(hours=policy(session, "replace_visit_hours"))
            out = _create(session, item, customer.id, "onsite_replacement",
                          {"fault": description}, visit_by, now)
            out.window_ends = ends
            return out
        out = _create(session, item, customer.id, "repair",
                      {"fault": description, "why_not_replaced": "replace_window_passed"}, None, now)
        out.reason, out.window_ends = "replace_window_passed", ends
        return out
    return _create(session, item, customer.id, "repair", {"fault": description}, None, now)


def _line_products(session: Session, line: str) -> list[Product]:
    return list(session.execute(select(Product).where(Product.line == line)
                                .order_by(Product.id)).scalars())


def advise_diaper_size(*, session: Session, line: str, weight_kg) -> SizeAdvice:
    """The size of ``line`` whose chart range holds the weight; in an overlap, the larger size
    (babies grow into it)."""
    weight = parse_weight_kg(weight_kg)
    products = _line_products(session, line)
    if not products:
        raise NotFound("no such product line")
    chart = products[0].attributes.get("size_chart") or {}
    fits = [size for size, (low, high) in chart.items()
            if Decimal(str(low)) <= weight <= Decimal(str(high))]
    size = fits[-1] if fits else None
    sku = next((p for p in products if p.size == size), None)
    return SizeAdvice(line=line, weight_kg=str(weight), size=size, sku=sku.sku if sku else None,
                      sku_name=sku.name if sku else None, chart=chart,
                      reason=None if size else "weight_outside_chart")


def exchange_diapers(*, session: Session, customer_id: int, order_no: str,
                     item_id: int | None = None, unopened_packs: int, to_size: str | None = None,
                     weight_kg=None, now: datetime | None = None) -> ServiceOutcome:
    """Exchange unopened packs for another size of the same line (``to_size``, or the size
    advised for ``weight_kg``)."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    item = _item(session, customer.id, order_no, item_id,
                 lambda i: i.product.category.exchange_days is not None)
    product, order = item.product, item.order
    base = dict(order_no=order.order_no, item_id=item.id, sku_name=product.name)
    days = product.category.exchange_days
    if days is None or not product.line:
        return ServiceOutcome(**base, kind=None, status="not_eligible", reason="not_diapers")
    if order.delivered_at is None:
        return ServiceOutcome(**base, kind=None, status="not_eligible", reason="not_delivered")
    ends = as_utc(order.delivered_at) + timedelta(days=days)
    packs = positive_int(unopened_packs, "unopened packs") if unopened_packs not in (0, "0") else 0
    if packs == 0:
        return ServiceOutcome(**base, kind=None, status="not_eligible", reason="opened",
                              window_ends=ends)
    if packs > item.quantity - item.quantity_returned:
        raise InvalidRequest("more packs than the order holds")
    if not within_days(order.delivered_at, days, now):
        return ServiceOutcome(**base, kind=None, status="not_eligible",
                              reason="exchange_window_passed", window_ends=ends)
    if to_size is None:
        if weight_kg is None:
            raise InvalidRequest("give the size wanted or the baby's weight")
        to_size = advise_diaper_size(session=session, line=product.line, weight_kg=weight_kg).size
        if to_size is None:
            return ServiceOutcome(**base, kind=None, status="not_eligible",
                                  reason="weight_outside_chart", window_ends=ends)
    to_size = str(to_size).strip().upper()
    target = next((p for p in _line_products(session, product.line) if p.size == to_size), None)
    if target is None:
        return ServiceOutcome(**base, kind=None, status="not_eligible", reason="size_not_in_line",
                              window_ends=ends, from_size=product.size, to_size=to_size)
    if target.id == product.id:
        return ServiceOutcome(**base, kind=None, status="not_eligible", reason="same_size",
                              window_ends=ends, from_size=product.size, to_size=to_size)
    out = _create(session, item, customer.id, "diaper_exchange",
                  {"from_size": product.size, "to_size": to_size, "packs": packs,
                   "target_sku": target.sku}, None, now)
    out.window_ends = ends
    return out


def _terms(item: OrderItem, now: datetime) -> ItemTerms:
    order, product, category = item.order, item.product, item.product.category
    exchangeable = category.exchange_days is not None and bool(product.line)
    ends = (as_utc(order.delivered_at) + timedelta(days=category.exchange_days)
            if exchangeable and order.delivered_at else None)
    return ItemTerms(order_no=order.order_no, order_status=order.status, item_id=item.id,
                     sku_name=product.name, units=item.quantity - item.quantity_returned,
                     delivered=order.delivered_at is not None, return_rule=category.return_rule,
                     opened_returnable=bool(category.opened_returnable),
                     baby_appliance=bool(product.is_baby_appliance),
                     line=product.line if exchangeable else None, size=product.size,
                     exchange_window_ends=ends,
                     exchange_open=ends is not None and within_days(order.delivered_at,
                                                                    category.exchange_days, now))


def aftersales_items(*, session: Session, customer_id: int, order_no: str | None = None,
                     limit: int = 8, now: datetime | None = None) -> list[ItemTerms]:
    """The items of one of the customer's orders (another shopper's order is reported exactly
    like a missing one), or of their ``limit`` most recent orders, newest first. Reads only."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    if order_no is not None:
        orders = [own_order(session, customer.id, order_no)]
    else:
        orders = session.execute(select(Order).where(Order.customer_id == customer.id,
                                                     Order.paid_at <= now)
                                 .order_by(Order.paid_at.desc(), Order.id.desc())
                                 .limit(positive_int(limit, "limit"))).scalars()
    return [_terms(item, now) for order in orders for item in order.items]


def close_ticket(*, session: Session, ticket_id: int) -> ServiceTicket:
    ticket = session.get(ServiceTicket, int(ticket_id))
    if ticket is None:
        raise NotFound("no such ticket")
    ticket.status, ticket.dedupe_key = "closed", None
    session.flush()
    return ticket
