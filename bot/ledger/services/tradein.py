"""以旧换新 (trade-in): quote = base value x condition grade, plus a subsidy per old item when
the shopper's new order holds a new item of the same kind; several old items in one quote; a
quote holds 7 days, then it must be quoted again."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc
from bot.ledger.errors import InvalidRequest, NotFound
from bot.ledger.services.common import Record, get_customer, own_order, policy, resolve_now
from bot.ledger.tables import TradeInModel, TradeInQuote, TradeInQuoteItem

__all__ = ["QuoteLine", "QuoteOutcome", "BookingOutcome", "find_model", "quote_trade_in",
           "book_trade_in", "GRADES"]

GRADES = ("A", "B", "C", "D")


@dataclass
class QuoteLine(Record):
    device_model: str
    grade: str
    category: str | None
    value_fen: int
    subsidy_fen: int = 0
    reason: str | None = None          # unknown_model


@dataclass
class QuoteOutcome(Record):
    quote_id: int | None
    lines: list[QuoteLine] = field(default_factory=list)
    value_fen: int = 0
    subsidy_fen: int = 0
    total_fen: int = 0
    valid_until: datetime | None = None
    reason: str | None = None          # no_known_model


@dataclass
class BookingOutcome(Record):
    quote_id: int
    status: str                        # booked | already_booked | expired
    pickup_at: datetime | None
    total_fen: int


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", str(text)).lower()


def find_model(session: Session, text: str) -> TradeInModel | None:
    wanted = _norm(text)
    if not wanted:
        return None
    for model in session.execute(select(TradeInModel).order_by(TradeInModel.id)).scalars():
        names = [model.device_model, *(model.aliases or [])]
        if any(_norm(n) == wanted for n in names):
            return model
    return None


def _grade_pct(session: Session, grade: str) -> int:
    grade = str(grade).strip().upper()
    if grade not in GRADES:
        raise InvalidRequest(f"condition grade must be one of {GRADES}")
    return policy(session, f"trade_in_grade_{grade}_pct")


def quote_trade_in(*, session: Session, customer_id: int, items: list[tuple[str, str]],
                   order_no: str | None = None, now: datetime | None = None) -> QuoteOutcome:
    """Quote ``items`` (device model, grade A-D). With ``order_no`` (the shopper's new order)
    each old item of a kind the order also buys new earns that kind's subsidy."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    if not items:
        raise InvalidRequest("name at least one old device")
    if len(items) > policy(session, "trade_in_max_items"):
        raise InvalidRequest("too many devices in one trade-in")
    new_units: dict[str, list[int]] = {}
    if order_no is not None:
        order = own_order(session, customer.id, order_no)
        for item in order.items:
            category = item.product.category
            if category.trade_in_kind:
                units = new_units.setdefault(category.trade_in_kind, [])
                units.extend([category.trade_in_subsidy_fen] * (item.quantity - item.quantity_returned))
    outcome = QuoteOutcome(quote_id=None)
    known = []
    for device, grade in items:
        pct = _grade_pct(session, grade)
        model = find_model(session, device)
        if model is None:
            outcome.lines.append(QuoteLine(device_model=str(device), grade=str(grade).upper(),
                                           category=None, value_fen=0, reason="unknown_model"))
            continue
        value = model.base_value_fen * pct // 100
        subsidy = new_units[model.category].pop(0) if new_units.get(model.category) else 0
        line = QuoteLine(device_model=model.device_model, grade=str(grade).strip().upper(),
                         category=model.category, value_fen=value, subsidy_fen=subsidy)
        outcome.lines.append(line)
        known.append((model, line))
    if not known:
        outcome.reason = "no_known_model"
        return outcome
    outcome.value_fen = sum(line.value_fen for _, line in known)
    outcome.subsidy_fen = sum(line.subsidy_fen for _, line in known)
    outcome.total_fen = outcome.value_fen + outcome.subsidy_fen
    outcome.valid_until = now + timedelta(days=policy(session, "trade_in_quote_valid_days"))
    quote = TradeInQuote(customer_id=customer.id, order_id=order.id if order_no else None,
                         status="quoted", value_fen=outcome.value_fen,
                         subsidy_fen=outcome.subsidy_fen, valid_until=outcome.valid_until,
                         created_at=now)
    session.add(quote)
    session.flush()
    for model, line in known:
        session.add(TradeInQuoteItem(quote_id=quote.id, model_id=model.id, grade=line.grade,
                                     value_fen=line.value_fen + line.subsidy_fen))
    session.flush()
    outcome.quote_id = quote.id
    return outcome


def book_trade_in(*, session: Session, customer_id: int, quote_id: int, pickup_at: datetime,
                  now: datetime | None = None) -> BookingOutcome:
    """Book the pickup of a quote while it holds; booking twice keeps the first booking."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    quote = session.execute(select(TradeInQuote).where(
        TradeInQuote.id == int(quote_id), TradeInQuote.customer_id == customer.id)
        .with_for_update()).scalar_one_or_none()
    if quote is None:
        raise NotFound("no such quote")
    total = quote.value_fen + quote.subsidy_fen
    if quote.status == "booked":
        return BookingOutcome(quote.id, "already_booked", quote.pickup_at, total)
    if as_utc(quote.valid_until) < now:
        return BookingOutcome(quote.id, "expired", None, total)
    pickup_at = as_utc(pickup_at)
    if pickup_at < now:
        raise InvalidRequest("the pickup time has passed")
    quote.status, quote.booked_at, quote.pickup_at = "booked", now, pickup_at
    session.flush()
    return BookingOutcome(quote.id, "booked", pickup_at, total)
