"""One service function per rule of DOMAIN.md. Each takes ``*, session`` (the caller owns the
transaction; services never commit), returns an outcome record (eligible with the amount, or not
eligible with the concrete reason) and raises :mod:`bot.ledger.errors` for broken requests."""
from bot.ledger.services.aftersales import (advise_diaper_size, close_ticket, exchange_diapers,
                                            report_fault)
from bot.ledger.services.handoff import (agents_on_duty, authenticate_agent, claim_ticket,
                                         open_handoff, queue_position, request_callback,
                                         resolve_ticket, team_for_topic)
from bot.ledger.services.invoice import current_invoice, request_invoice
from bot.ledger.services.medicine import (book_consultation, find_drug, find_pharmacies,
                                          medication_answer)
from bot.ledger.services.orders import order_status
from bot.ledger.services.pets import recommend_pet_food
from bot.ledger.services.pricing import (assess_coupon, assess_price_guarantee,
                                         claim_coupon_refund, claim_price_guarantee)
from bot.ledger.services.returns import (assess_return, receive_return, refund_status,
                                         request_return)
from bot.ledger.services.tradein import book_trade_in, quote_trade_in

__all__ = [
    "claim_price_guarantee", "claim_coupon_refund", "assess_price_guarantee", "assess_coupon",
    "request_return", "assess_return", "receive_return", "refund_status",
    "quote_trade_in", "book_trade_in", "report_fault", "advise_diaper_size", "exchange_diapers",
    "close_ticket", "recommend_pet_food", "medication_answer", "find_drug", "find_pharmacies",
    "book_consultation", "order_status", "open_handoff", "queue_position", "claim_ticket",
    "resolve_ticket", "request_callback", "team_for_topic", "agents_on_duty",
    "authenticate_agent", "request_invoice", "current_invoice",
]
