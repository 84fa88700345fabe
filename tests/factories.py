"""Small builders for ledger tests: customers, orders, price changes and coupons.

Every builder takes the caller's session first, adds rows, flushes and returns them; the caller
owns the transaction (``with ledger.Session.begin() as s:``). Times default to offsets from
``tests.conftest.NOW`` and are always stored as UTC. Products come from the reference catalogue
(``bot/ledger/catalogue.py``) by SKU; their public price has held since ``NOW - 400 days``.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.ledger.clock import as_utc
from bot.ledger.tables import (Coupon, Customer, Order, OrderItem, Price, Product, Shipment,
                               TrackingEvent)
from tests.conftest import NOW

__all__ = ["NOW", "line", "Line", "product", "public_price", "customer", "order", "set_public_price",
           "special_price", "coupon", "shipment", "days_ago"]

_customer_ids = itertools.count(5001)
_order_nos = itertools.count(1)
_codes = itertools.count(1)
_tracking = itertools.count(1)


def days_ago(days: float, *, hours: float = 0, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days, hours=hours)


def product(session, sku: str) -> Product:
    found = session.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
    if found is None:
        raise LookupError(f"no product {sku!r} in the reference catalogue")
    return found


def public_price(session, sku: str, at: datetime = NOW) -> int:
    """The lowest public price of ``sku`` in force at ``at``, in fen (before the catalogue's first
    price, 400 days before NOW, that first price)."""
    p = product(session, sku)
    rows = list(session.execute(select(Price).where(Price.product_id == p.id, Price.kind == "public")
                                .order_by(Price.starts_at, Price.id)).scalars())
    live = [r.price_fen for r in rows
            if as_utc(r.starts_at) <= at and (r.ends_at is None or as_utc(r.ends_at) > at)]
    return min(live) if live else rows[0].price_fen


def customer(session, *, trust_score: int = 750, name: str | None = None, city: str = "北京",
             district: str = "朝阳区", membership: str = "regular", id: int | None = None) -> Customer:
    cid = id if id is not None else next(_customer_ids)
    row = Customer(id=cid, name=name or f"测试顾客{cid}", phone=f"138{cid:08d}",
                   trust_score=trust_score, membership=membership, city=city, district=district,
                   created_at=NOW - timedelta(days=500))
    session.add(row)
    session.flush()
    return row


@dataclass
class Line:
    sku: str
    quantity: int = 1
    unit_price_fen: int | None = None       # None: the public price when the order was paid
    price_kind: str = "public"              # public | flash_sale | new_user
    coupon: Coupon | None = None            # the coupon the shopper used
    quantity_returned: int = 0


def line(sku: str, quantity: int = 1, unit_price_fen: int | None = None, *,
         price_kind: str = "public", coupon: Coupon | None = None,
         quantity_returned: int = 0) -> Line:
    return Line(sku, quantity, unit_price_fen, price_kind, coupon, quantity_returned)


def order(session, customer: Customer, lines, *, paid_days_ago: float = 1,
          paid_at: datetime | None = None, delivered_days_ago: float | None = None,
          delivered_at: datetime | None = None, channel: str = "app", status: str | None = None,
          promised_at: datetime | None = None, order_no: str | None = None) -> Order:
    """An order of ``customer``. ``lines``: :class:`Line` objects, SKUs, or (sku, quantity) pairs.

    Status defaults to ``delivered`` when a delivery time is given, else ``shipped``.
    """
    paid = as_utc(paid_at) if paid_at is not None else days_ago(paid_days_ago)
    if delivered_at is None and delivered_days_ago is not None:
        delivered_at = days_ago(delivered_days_ago)
    delivered = as_utc(delivered_at) if delivered_at is not None else None
    if status is None:
        status = "delivered" if delivered is not None else "shipped"
    row = Order(order_no=order_no or f"9{next(_order_nos):011d}", customer_id=customer.id,
                channel=channel, status=status, paid_at=paid,
                promised_at=as_utc(promised_at) if promised_at else paid + timedelta(days=2),
                delivered_at=delivered, city=customer.city, district=customer.district)
    session.add(row)
    session.flush()
    for spec in lines:
        if isinstance(spec, str):
            spec = Line(spec)
        elif isinstance(spec, tuple):
            spec = Line(*spec)
        unit = spec.unit_price_fen if spec.unit_price_fen is not None else public_price(session, spec.sku, paid)
        session.add(OrderItem(order_id=row.id, product_id=product(session, spec.sku).id,
                              quantity=spec.quantity, unit_price_fen=unit,
                              price_kind=spec.price_kind,
                              coupon_id=spec.coupon.id if spec.coupon is not None else None,
                              quantity_returned=spec.quantity_returned))
    session.flush()
    session.refresh(row)
    row.items                        # loaded now, so tests may read them after the session ends
    return row


def set_public_price(session, sku: str, price_fen: int, *, at: datetime | None = None) -> Price:
    """End the open public price of ``sku`` at ``at`` (default a day before NOW) and start a new one."""
    when = as_utc(at) if at is not None else days_ago(1)
    p = product(session, sku)
    for row in session.execute(select(Price).where(Price.product_id == p.id, Price.kind == "public",
                                                   Price.ends_at.is_(None))).scalars():
        row.ends_at = when
    new = Price(product_id=p.id, kind="public", price_fen=price_fen, starts_at=when)
    session.add(new)
    session.flush()
    return new


def special_price(session, sku: str, kind: str, price_fen: int, *, starts_at: datetime | None = None,
                  ends_at: datetime | None = None) -> Price:
    """A flash_sale or new_user (qualified) price alongside the public one (default: a day ago
    until a day from NOW)."""
    assert kind in ("flash_sale", "new_user")
    row = Price(product_id=product(session, sku).id, kind=kind, price_fen=price_fen,
                starts_at=as_utc(starts_at) if starts_at else days_ago(1),
                ends_at=as_utc(ends_at) if ends_at else NOW + timedelta(days=1))
    session.add(row)
    session.flush()
    return row


def coupon(session, sku: str, *, value_fen: int, threshold_fen: int = 0, kind: str = "public",
           claimable_from: datetime | None = None, claimable_until: datetime | None = None,
           code: str | None = None) -> Coupon:
    """A coupon for ``sku``, claimable by default from 60 days before NOW until 30 days after."""
    row = Coupon(code=code or f"T-CPN-{next(_codes)}", product_id=product(session, sku).id, kind=kind,
                 value_fen=value_fen, threshold_fen=threshold_fen,
                 claimable_from=as_utc(claimable_from) if claimable_from else days_ago(60),
                 claimable_until=as_utc(claimable_until) if claimable_until else NOW + timedelta(days=30))
    session.add(row)
    session.flush()
    return row


def shipment(session, order: Order, events: list[tuple[datetime, str, str]], *,
             carrier: str = "京东物流", status: str = "in_transit") -> Shipment:
    """A shipment of ``order`` with tracking events given as (at, location, description)."""
    row = Shipment(order_id=order.id, carrier=carrier, tracking_no=f"JDT{next(_tracking):012d}",
                   status=status)
    session.add(row)
    session.flush()
    for at, where, text in events:
        session.add(TrackingEvent(shipment_id=row.id, at=as_utc(at), location=where, description=text))
    session.flush()
    return row
