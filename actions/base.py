"""The base of every ledger action: the verified customer, the conversation's owner, and one
short ledger transaction; errors become polite replies, never silence.

rasa-sdk registers every subclass of ``Action`` it can instantiate, so the base inherits
``abc.ABC`` and leaves ``name`` abstract.

Identity: the customer id only arrives inside the signed ``customer_token`` of the latest
message's metadata, verified on every use. The first verified customer owns the conversation
(slot ``conversation_owner``); a message under the same sender id with another token, or none,
cannot read or act in it. Tokens are never logged.
"""
from __future__ import annotations

import abc
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.identity import InvalidToken, verify_token
from bot.ledger.db import default_sessionmaker
from bot.ledger.errors import InvalidRequest, LedgerError, NotFound

__all__ = ["LedgerAction", "Customer", "customer_id_from", "OWNER_SLOT"]

log = logging.getLogger(__name__)
OWNER_SLOT = "conversation_owner"

# test stacks only (BOT_TEST_SWITCHES=1): each replayed conversation gets its own ledger and clock
from bot.replay.switch import install_if_enabled  # noqa: E402

install_if_enabled()


def customer_id_from(tracker: Tracker) -> int | None:
    """The customer id inside the latest message's signed ``customer_token``, or None."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    token = metadata.get("customer_token") if isinstance(metadata, dict) else None
    if not token:
        return None
    try:
        return verify_token(token)
    except InvalidToken as exc:
        log.info("rejected a customer token (%s) in conversation %s", exc, tracker.sender_id)
        return None


class Customer:
    """Who is asking: ``id`` when signed in and the conversation is theirs."""

    def __init__(self, customer_id: int | None, *, foreign: bool = False):
        self.id = customer_id
        self.foreign = foreign          # signed in, but the conversation belongs to another


class LedgerAction(Action, abc.ABC):
    #: actions that need a signed-in customer (account questions)
    needs_customer = True

    @abc.abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""

    @staticmethod
    def sessions():
        return default_sessionmaker()

    @staticmethod
    def identify(tracker: Tracker) -> Customer:
        cid = customer_id_from(tracker)
        owner = tracker.get_slot(OWNER_SLOT)
        if owner is not None and (cid is None or str(cid) != str(owner)):
            return Customer(None, foreign=cid is not None)
        return Customer(cid)

    @staticmethod
    def entity(tracker: Tracker, name: str) -> Any:
        return next(tracker.get_latest_entity_values(name), None)

    @staticmethod
    def entities(tracker: Tracker, name: str) -> list[Any]:
        return list(dict.fromkeys(tracker.get_latest_entity_values(name)))

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        who = self.identify(tracker)
        events: list[dict[str, Any]] = []
        if self.needs_customer and who.id is None:
            dispatcher.utter_message(response="utter_not_your_conversation" if who.foreign
                                     or tracker.get_slot(OWNER_SLOT) else "utter_ask_login")
            return []
        if who.id is not None and tracker.get_slot(OWNER_SLOT) is None:
            events.append(SlotSet(OWNER_SLOT, str(who.id)))
        try:
            events += self.serve(dispatcher, tracker, domain, who.id) or []
        except NotFound:
            dispatcher.utter_message(response="utter_unknown_order")
            events.append(SlotSet("order_no", None))
        except InvalidRequest as exc:
            log.info("%s: invalid request in %s: %s", self.name(), tracker.sender_id, exc)
            dispatcher.utter_message(response="utter_request_invalid")
        except LedgerError:
            log.exception("%s failed in %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response="utter_service_unavailable")
        return events

    @abc.abstractmethod
    def serve(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any],
              customer_id: int | None) -> list[dict[str, Any]]:
        """Do the work in one short ledger transaction; return the events."""
