"""The base of every ledger action: the verified customer and one short ledger transaction.

rasa-sdk registers every subclass of ``Action`` it can instantiate, so the base inherits
``abc.ABC`` and leaves ``name`` abstract.
"""
from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker

from bot.identity import InvalidToken, verify_token
from bot.ledger.db import default_sessionmaker

__all__ = ["LedgerAction", "customer_id_from"]

log = logging.getLogger(__name__)


def customer_id_from(tracker: Tracker) -> int | None:
    """The customer id inside the latest message's signed ``customer_token``, or None."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("customer_token") if isinstance(metadata, dict) else None
    if not token:
        return None
    try:
        return verify_token(token)
    except InvalidToken as exc:
        log.info("rejected a customer token: %s", exc)   # the token itself is never logged
        return None


class LedgerAction(Action, abc.ABC):
    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @staticmethod
    def sessions():
        return default_sessionmaker()

    @staticmethod
    def customer(tracker: Tracker) -> int | None:
        return customer_id_from(tracker)

    @staticmethod
    def entity(tracker: Tracker, name: str) -> Any:
        return next(tracker.get_latest_entity_values(name), None)
