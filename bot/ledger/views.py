"""Read-only public views of the ledger: what ``bot ledger show --json`` prints."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc
from bot.ledger.services.common import get_customer
from bot.ledger.services.orders import order_status
from bot.ledger.services.returns import refund_status
from bot.ledger.tables import (Claim, ChannelIdentity, Consultation, HandoffTicket, Return,
                               ServiceTicket, TradeInQuote)
from bot.money import yuan

__all__ = ["customer_view"]


def _t(value):
    return as_utc(value).isoformat() if value is not None else None


def customer_view(*, session: Session, customer_id: int, now=None) -> dict:
    customer = get_customer(session, customer_id)
    cid = customer.id
    orders = order_status(session=session, customer_id=cid, limit=10_000, now=now)
    claims = session.execute(select(Claim).where(Claim.customer_id == cid)
                             .order_by(Claim.id)).scalars()
    returns = session.execute(select(Return).where(Return.customer_id == cid)
                              .order_by(Return.id)).scalars()
    quotes = session.execute(select(TradeInQuote).where(TradeInQuote.customer_id == cid)
                             .order_by(TradeInQuote.id)).scalars()
    tickets = session.execute(select(ServiceTicket).where(ServiceTicket.customer_id == cid)
                              .order_by(ServiceTicket.id)).scalars()
    consults = session.execute(select(Consultation).where(Consultation.customer_id == cid)
                               .order_by(Consultation.id)).scalars()
    handoffs = session.execute(select(HandoffTicket).where(HandoffTicket.customer_id == cid)
                               .order_by(HandoffTicket.id)).scalars()
    channels = session.execute(select(ChannelIdentity).where(ChannelIdentity.customer_id == cid)
                               .order_by(ChannelIdentity.id)).scalars()
    return {
        "customer": {"id": cid, "name": customer.name, "trust_score": customer.trust_score,
                     "membership": customer.membership, "city": customer.city,
                     "district": customer.district,
                     "channels": [c.channel for c in channels]},
        "orders": [o.to_dict() for o in orders],
        "claims": [{"claim_id": c.id, "order_no": c.order_item.order.order_no,
                    "item_id": c.order_item_id, "sku_name": c.order_item.product.name,
                    "kind": c.kind, "status": c.status, "reason": c.reason,
                    "refund_amount": yuan(c.refund_fen), "created_at": _t(c.created_at)}
                   for c in claims],
        "refunds": [r.to_dict() for r in refund_status(session=session, customer_id=cid)],
        "returns": [{"return_id": r.id, "order_no": r.order_item.order.order_no,
                     "sku_name": r.order_item.product.name, "quantity": r.quantity,
                     "reason": r.reason, "status": r.status, "refund_amount": yuan(r.refund_fen),
                     "created_at": _t(r.created_at)} for r in returns],
        "quotes": [{"quote_id": q.id, "status": q.status, "value": yuan(q.value_fen),
                    "subsidy": yuan(q.subsidy_fen), "total": yuan(q.value_fen + q.subsidy_fen),
                    "valid_until": _t(q.valid_until), "pickup_at": _t(q.pickup_at),
                    "items": [{"device_model": i.model.device_model, "grade": i.grade,
                               "value": yuan(i.value_fen)} for i in q.items]} for q in quotes],
        "tickets": [{"ticket_id": t.id, "kind": t.kind, "status": t.status,
                     "order_no": t.order_item.order.order_no, "sku_name": t.order_item.product.name,
                     "detail": t.detail, "visit_by": _t(t.visit_by), "created_at": _t(t.created_at)}
                    for t in tickets],
        "consultations": [{"consultation_id": c.id, "department": c.department,
                           "status": c.status, "scheduled_at": _t(c.scheduled_at)} for c in consults],
        "handoffs": [{"ticket_id": h.id, "team": h.team, "priority": h.priority, "status": h.status,
                      "topic": h.topic, "created_at": _t(h.created_at)} for h in handoffs],
    }
