"""What every service shares: policy numbers, ownership checks, outcome records."""
from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger import clock
from bot.ledger.errors import InvalidRequest, PolicyMissing, UnknownCustomer, UnknownOrder
from bot.ledger.tables import Customer, Order, OrderItem, Policy
from bot.money import yuan

__all__ = ["policy", "get_customer", "own_order", "own_item", "within_days", "days_between", "positive_int",
           "Record", "resolve_now"]


def resolve_now(now: datetime | None) -> datetime:
    return clock.as_utc(now) if now is not None else clock.now()


def policy(session: Session, key: str) -> int:
    value = session.get(Policy, key)
    if value is None:
        raise PolicyMissing(f"policy number {key!r} is not in the ledger")
    return value.value


def get_customer(session: Session, customer_id: int) -> Customer:
    try:
        cid = int(customer_id)
    except (TypeError, ValueError):
        raise UnknownCustomer(f"no customer {customer_id!r}") from None
    customer = session.get(Customer, cid)
    if customer is None:
        raise UnknownCustomer(f"no customer {customer_id!r}")
    return customer


def own_order(session: Session, customer_id: int, order_no: str) -> Order:
    """The customer's order; another shopper's order is reported exactly like a missing one."""
    order_no = str(order_no or "").strip()
    order = session.execute(
        select(Order).where(Order.order_no == order_no, Order.customer_id == int(customer_id))
    ).scalar_one_or_none()
    if order is None:
        raise UnknownOrder("no such order")
    return order


def own_item(session: Session, customer_id: int, item_id: int, *, lock: bool = False) -> OrderItem:
    stmt = (select(OrderItem).join(Order)
            .where(OrderItem.id == int(item_id), Order.customer_id == int(customer_id)))
    if lock:
        stmt = stmt.with_for_update(of=OrderItem)
    item = session.execute(stmt).scalar_one_or_none()
    if item is None:
        raise UnknownOrder("no such order item")
    return item


def within_days(start: datetime, days: int, now: datetime) -> bool:
    """True through the last moment of the window: ``start + days`` inclusive."""
    return clock.as_utc(now) <= clock.as_utc(start) + timedelta(days=days)


def days_between(start: datetime, end: datetime) -> int:
    return (clock.as_utc(end) - clock.as_utc(start)).days


def positive_int(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(f"{what} must be a whole number") from None
    if number <= 0:
        raise InvalidRequest(f"{what} must be positive")
    return number


def _public(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if is_dataclass(value):
        return value.to_dict()
    if isinstance(value, (list, tuple)):
        return [_public(v) for v in value]
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items()}
    return value


@dataclass
class Record:
    """Base of the outcome records. ``to_dict`` turns ``*_fen`` fields into yuan strings."""

    def __post_init__(self) -> None:
        for f in fields(self):    # SQLite hands back naive datetimes: make every time UTC-aware
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                setattr(self, f.name, clock.as_utc(value))

    def to_dict(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_fen"):
                out[f.name[:-4]] = yuan(value) if isinstance(value, int) else None
            else:
                out[f.name] = _public(value)
        return out


