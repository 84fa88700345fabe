"""发票 (invoices): an electronic invoice for the shopper's own order, requested or corrected.

An order has at most one live invoice. Requesting one issues it; asking again with other details
(title, tax id, e-mail) is a correction (换开): the live invoice is voided and a new one is issued
in its place. Asking again with the same details changes nothing. A retried request (same
``request_key``) answers with its first outcome and issues nothing more.

Invoices are ``service_tickets`` of kind ``invoice`` on the order's first item, status ``issued``
or ``voided``; the live one carries the unique ``dedupe_key`` ``inv:<order id>`` (one live invoice
per order, enforced by the database) and the item row is locked first, so two requests never
both issue. The amount is what the shopper finally paid for the order: the price of the units
kept, less the price-guarantee and coupon refunds not already kept back from a return.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.errors import InvalidRequest
from bot.ledger.services.common import Record, get_customer, own_item, own_order, resolve_now
from bot.ledger.tables import Claim, Order, Return, ServiceTicket

__all__ = ["InvoiceView", "InvoiceOutcome", "request_invoice", "current_invoice", "valid_tax_id",
           "valid_email", "valid_title", "TITLE_TYPES"]

TITLE_TYPES = ("personal", "company")
KIND = "invoice"

# 统一社会信用代码 (GB 32100-2015): 18 characters from this alphabet, the last a check character
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(rf"[{_USCC_ALPHABET}]{{18}}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


@dataclass
class InvoiceView(Record):
    ticket_id: int
    order_no: str
    status: str                  # issued | voided
    title_type: str              # personal | company
    title: str
    tax_id: str | None
    email: str
    amount_fen: int
    issued_at: datetime
    replaces: int | None = None  # the ticket of the invoice this one corrected


@dataclass
class InvoiceOutcome(Record):
    order_no: str
    status: str                  # issued | reissued | already_issued | not_eligible
    reason: str | None = None    # cancelled | nothing_paid
    invoice: InvoiceView | None = None
    previous: InvoiceView | None = None   # the invoice a correction voided


def valid_tax_id(text) -> str | None:
    """The unified social credit code in ``text`` (upper-cased), if its check character holds."""
    code = re.sub(r"[\s\-]", "", str(text or "")).upper()
    if not _USCC.fullmatch(code):
        return None
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(code, _USCC_WEIGHTS))
    return code if _USCC_ALPHABET[(31 - total % 31) % 31] == code[-1] else None


def valid_email(text) -> str | None:
    """The e-mail address ``text`` holds (trimmed), or None."""
    value = str(text or "").strip()
    return value if len(value) <= 254 and _EMAIL.fullmatch(value) else None


def valid_title(title_type: str, text) -> str | None:
    """An invoice title: a person's name (1-50 characters) or a company's (4-100), with
    whitespace collapsed; digits-only and e-mail-like titles are refused."""
    value = re.sub(r"\s+", " ", str(text or "")).strip()
    low, high = (1, 50) if title_type == "personal" else (4, 100)
    if not low <= len(value) <= high or value.isdigit() or "@" in value:
        return None
    return value


def _clean(title_type, title, tax_id, email) -> tuple[str, str, str | None, str]:
    kind = str(title_type or "").strip().lower()
    if kind not in TITLE_TYPES:
        raise InvalidRequest(f"title type must be one of {TITLE_TYPES}")
    name = valid_title(kind, title)
    if name is None:
        raise InvalidRequest("the invoice title is missing or malformed")
    code = None
    if kind == "company":
        code = valid_tax_id(tax_id)
        if code is None:
            raise InvalidRequest("a company invoice needs a valid unified social credit code")
    elif tax_id:
        raise InvalidRequest("a personal invoice carries no tax id")
    address = valid_email(email)
    if address is None:
        raise InvalidRequest("a valid e-mail address, please")
    return kind, name, code, address


def _amount(session: Session, order: Order) -> int:
    ids = [i.id for i in order.items]
    kept = sum(i.unit_price_fen * (i.quantity - i.quantity_returned) for i in order.items)
    claimed = session.execute(select(func.coalesce(func.sum(Claim.refund_fen), 0)).where(
        Claim.order_item_id.in_(ids), Claim.status == "paid")).scalar_one()
    kept_back = session.execute(select(func.coalesce(
        func.sum(Return.price_claims_deducted_fen + Return.coupon_claims_deducted_fen), 0))
        .where(Return.order_item_id.in_(ids))).scalar_one()
    return kept - (int(claimed) - int(kept_back))


def _view(order: Order, ticket: ServiceTicket) -> InvoiceView:
    d = ticket.detail or {}
    return InvoiceView(ticket_id=ticket.id, order_no=order.order_no, status=ticket.status,
                       title_type=d.get("title_type"), title=d.get("title"), tax_id=d.get("tax_id"),
                       email=d.get("email"), amount_fen=int(d.get("amount_fen", 0)),
                       issued_at=ticket.created_at, replaces=d.get("replaces"))


def _tickets(session: Session, order: Order) -> list[ServiceTicket]:
    return list(session.execute(select(ServiceTicket).where(
        ServiceTicket.order_item_id == order.items[0].id, ServiceTicket.kind == KIND)
        .order_by(ServiceTicket.id)).scalars())


def current_invoice(*, session: Session, customer_id: int, order_no: str) -> InvoiceView | None:
    """The live invoice of the customer's order, or None (another shopper's order is unknown)."""
    customer = get_customer(session, customer_id)
    order = own_order(session, customer.id, order_no)
    live = [t for t in _tickets(session, order) if t.status == "issued"] if order.items else []
    return _view(order, live[-1]) if live else None


def request_invoice(*, session: Session, customer_id: int, order_no: str, title_type: str,
                    title: str, email: str, tax_id: str | None = None,
                    request_key: str | None = None, now: datetime | None = None) -> InvoiceOutcome:
    """Issue the order's invoice, or correct it (void and re-issue) when the details differ."""
    now = resolve_now(now)
    customer = get_customer(session, customer_id)
    order = own_order(session, customer.id, order_no)
    kind, name, code, address = _clean(title_type, title, tax_id, email)
    if order.status == "cancelled" or not order.items:
        return InvoiceOutcome(order.order_no, "not_eligible", reason="cancelled")
    own_item(session, customer.id, order.items[0].id, lock=True)   # one request at a time
    tickets = _tickets(session, order)
    request = hashlib.sha256(str(request_key).encode()).hexdigest()[:24] if request_key else None
    done = [t for t in tickets if request and (t.detail or {}).get("request") == request]
    if done:   # a retry: the first outcome, nothing issued again
        first = done[-1]
        replaced = next((t for t in tickets if t.id == (first.detail or {}).get("replaces")), None)
        return InvoiceOutcome(order.order_no, first.detail.get("outcome", "issued"),
                              invoice=_view(order, first),
                              previous=_view(order, replaced) if replaced else None)
    live = next((t for t in reversed(tickets) if t.status == "issued"), None)
    wanted = {"title_type": kind, "title": name, "tax_id": code, "email": address}
    if live is not None and all((live.detail or {}).get(k) == v for k, v in wanted.items()):
        return InvoiceOutcome(order.order_no, "already_issued", invoice=_view(order, live))
    amount = _amount(session, order)
    if amount <= 0:
        return InvoiceOutcome(order.order_no, "not_eligible", reason="nothing_paid")
    previous = None
    if live is not None:
        live.status, live.dedupe_key = "voided", None
        session.flush()
        previous = _view(order, live)
    outcome = "reissued" if live is not None else "issued"
    ticket = ServiceTicket(customer_id=customer.id, order_item_id=order.items[0].id, kind=KIND,
                           status="issued", dedupe_key=f"inv:{order.id}", created_at=now,
                           detail={**wanted, "order_no": order.order_no, "amount_fen": amount,
                                   "replaces": live.id if live is not None else None,
                                   "outcome": outcome, "request": request})
    try:
        with session.begin_nested():
            session.add(ticket)
            session.flush()
    except IntegrityError:   # another transaction issued meanwhile: report the live invoice
        live = session.execute(select(ServiceTicket).where(
            ServiceTicket.dedupe_key == f"inv:{order.id}")).scalar_one()
        return InvoiceOutcome(order.order_no, "already_issued", invoice=_view(order, live))
    return InvoiceOutcome(order.order_no, outcome, invoice=_view(order, ticket), previous=previous)
