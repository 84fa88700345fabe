"""物流 / 配送时效 (order status and delivery): status, carrier, tracking events and the promised
delivery time of the shopper's own orders."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.services.common import Record, get_customer, own_order
from bot.ledger.tables import Order

__all__ = ["TrackingView", "ShipmentView", "OrderView", "order_status"]


@dataclass
class TrackingView(Record):
    at: datetime
    location: str
    description: str


@dataclass
class ShipmentView(Record):
    carrier: str
    tracking_no: str
    status: str
    events: list[TrackingView] = field(default_factory=list)


@dataclass
class OrderView(Record):
    order_no: str
    channel: str
    status: str
    paid_at: datetime
    promised_at: datetime
    delivered_at: datetime | None
    city: str
    district: str
    items: list[dict] = field(default_factory=list)
    shipments: list[ShipmentView] = field(default_factory=list)
    late: bool = False


def _view(order: Order, now: datetime | None) -> OrderView:
    from bot.ledger.clock import as_utc
    from bot.money import yuan
    view = OrderView(order.order_no, order.channel, order.status, order.paid_at, order.promised_at,
                     order.delivered_at, order.city, order.district)
    view.items = [{"item_id": i.id, "sku": i.product.sku, "sku_name": i.product.name,
                   "category": i.product.category_code, "quantity": i.quantity,
                   "quantity_returned": i.quantity_returned,
                   "unit_price": yuan(i.unit_price_fen), "price_kind": i.price_kind}
                  for i in order.items]
    for shipment in order.shipments:
        view.shipments.append(ShipmentView(shipment.carrier, shipment.tracking_no, shipment.status,
                                           [TrackingView(e.at, e.location, e.description)
                                            for e in shipment.events]))
    if now is not None and order.delivered_at is None and order.status != "cancelled":
        view.late = as_utc(order.promised_at) < now
    return view


def order_status(*, session: Session, customer_id: int, order_no: str | None = None,
                 limit: int = 5, now: datetime | None = None) -> list[OrderView]:
    """One order of the customer, or their most recent ones (newest first)."""
    from bot.ledger.services.common import resolve_now
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    if order_no is not None:
        return [_view(own_order(session, customer.id, order_no), now)]
    orders = session.execute(select(Order).where(Order.customer_id == customer.id,
                                                 Order.paid_at <= now)
                             .order_by(Order.paid_at.desc()).limit(limit)).scalars()
    return [_view(o, now) for o in orders]
