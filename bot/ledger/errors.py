"""Errors the ledger raises when a rule is broken or a request makes no sense.

    LedgerError
    ├── NotFound            the thing does not exist, or is not the caller's to see
    │   ├── UnknownCustomer
    │   └── UnknownOrder    (another shopper's order is reported exactly like a missing one)
    ├── InvalidRequest      the request itself is malformed (negative quantity, unknown grade...)
    ├── Conflict            the state changed under the request (ticket already claimed...)
    ├── Forbidden           the caller may not do this (an agent outside the ticket's team)
    └── PolicyMissing       a policy number the rule needs is not in the ledger

Rules that simply do not apply (window passed, flash-sale price) are not errors: the service
returns an outcome record saying so, with the concrete reason.
"""
from __future__ import annotations

__all__ = ["LedgerError", "NotFound", "UnknownCustomer", "UnknownOrder", "InvalidRequest",
           "Conflict", "Forbidden", "PolicyMissing"]


class LedgerError(Exception):
    """Base class of every error the ledger raises on purpose."""

    code = "ledger_error"


class NotFound(LedgerError):
    code = "not_found"


class UnknownCustomer(NotFound):
    code = "unknown_customer"


class UnknownOrder(NotFound):
    code = "unknown_order"


class InvalidRequest(LedgerError):
    code = "invalid_request"


class Conflict(LedgerError):
    code = "conflict"


class Forbidden(LedgerError):
    code = "forbidden"


class PolicyMissing(LedgerError):
    code = "policy_missing"
