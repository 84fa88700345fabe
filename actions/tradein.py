"""以旧换新 (trade-in): old devices one by one (model + condition grade A-D), "another one?",
the shopper's new order (for the subsidy), a quote from the ledger with its validity and subsidy,
then a pickup booking within the quote's validity.

``tradein_form`` collects the devices (``validate_tradein_form`` keeps the graded ones in
``tradein_items``), ``action_tradein_quote`` calls ``quote_trade_in``, then
``tradein_booking_form`` asks whether and when to pick up and ``action_tradein_book`` calls
``book_trade_in``. :class:`FormValidation` is the base of every form validation of the service
conversations (trade-in, pet food, invoices): the verified customer, and a fresh start.
"""
from __future__ import annotations

import abc
import logging
import re
from datetime import datetime, timedelta
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.base import OWNER_SLOT, LedgerAction
from bot.ledger import clock
from bot.ledger.errors import LedgerError, NotFound
from bot.ledger.services import book_trade_in, order_status, quote_trade_in
from bot.ledger.services.common import policy
from bot.ledger.services.tradein import GRADES, find_model
from bot.money import yuan
from bot.nlu.patterns import cn_number

__all__ = ["FormValidation", "ValidateTradeInForm", "ValidateTradeInBookingForm",
           "ActionTradeInQuote", "ActionTradeInBook", "parse_grade", "parse_pickup",
           "order_number", "TRADEIN_SLOTS", "BOOKING_SLOTS"]

log = logging.getLogger(__name__)

TRADEIN_SLOTS = ("tradein_device", "tradein_grade", "tradein_more", "tradein_order",
                 "tradein_items", "tradein_queue")
BOOKING_SLOTS = ("tradein_book", "tradein_pickup", "tradein_quote_id", "tradein_valid_until")
ORDER_NO = re.compile(r"(?<!\d)\d{10,14}(?!\d)")


def order_number(tracker: Tracker, value: Any) -> str | None:
    """The order number the shopper just gave: the ``order_no`` entity, or digits in the text."""
    entity = next(tracker.get_latest_entity_values("order_no"), None)
    if entity:
        return str(entity)
    found = ORDER_NO.search(str(value or ""))
    return found.group(0) if found else None


class FormValidation(FormValidationAction, abc.ABC):
    """``validate_<form>`` for a service conversation.

    - A fresh start: when the form is activated, slots it owns that hold values from an earlier,
      unfinished run (cancelled, or left for an emergency or a human) are cleared, so the shopper
      is asked again; values the activating message itself carried are kept.
    - The verified customer (``actions.base``): :meth:`customer` answers ``utter_ask_login`` (or
      ``utter_not_your_conversation``) and returns None when the account may not be used, so an
      order is never looked up for someone who is not signed in. The first verified customer
      becomes the conversation's owner, as in :class:`actions.base.LedgerAction`.
    """

    #: every slot this form fills or keeps, cleared when the form starts afresh
    owned_slots: tuple[str, ...] = ()

    @abc.abstractmethod
    def name(self) -> str:
        """``validate_<form name>``."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        tracker = tracker.copy()
        events: list[dict[str, Any]] = []
        who = LedgerAction.identify(tracker)
        if who.id is not None and tracker.get_slot(OWNER_SLOT) is None:
            events.append(SlotSet(OWNER_SLOT, str(who.id)))
            tracker.slots[OWNER_SLOT] = str(who.id)
        if self._starting(tracker):
            stale = self._forget_stale(tracker)
            events += [SlotSet(slot, None) for slot in stale]
        self._drop_empty_candidates(tracker)
        return events + await super().run(dispatcher, tracker, domain)

    @staticmethod
    def _drop_empty_candidates(tracker: Tracker) -> None:
        """A candidate without a value is no answer (Rasa also offers the slots an action of the
        same turn reset, e.g. the quote before the booking form starts): nothing to validate."""
        events = tracker.events
        action = max((i for i, e in enumerate(events) if e.get("event") == "action"), default=-1)
        tracker.events[:] = events[:action + 1] + [
            e for e in events[action + 1:] if not (e.get("event") == "slot" and e.get("value") is None)]

    def _starting(self, tracker: Tracker) -> bool:
        """The form was activated by the latest user message (an ``active_loop`` event for it
        follows that message)."""
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                return False
            if event.get("event") == "active_loop" and event.get("name") == self.form_name():
                return True
        return False

    def _forget_stale(self, tracker: Tracker) -> list[str]:
        """Clear owned slots not set since the latest user message (outside the candidates the
        form appends after its own ``action`` event); drop them from the candidates."""
        events = tracker.events
        user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
        action = max((i for i, e in enumerate(events) if e.get("event") == "action"), default=-1)
        fresh = {e.get("name") for e in events[user + 1:action] if e.get("event") == "slot"
                 and e.get("value") is not None}
        stale = [s for s in self.owned_slots if s not in fresh and tracker.get_slot(s) is not None]
        if stale:
            keep = events[:action + 1] + [e for e in events[action + 1:]
                                          if not (e.get("event") == "slot" and e.get("name") in stale)]
            tracker.events[:] = keep
            for slot in stale:
                tracker.slots[slot] = None
        return stale

    @staticmethod
    def customer(dispatcher: CollectingDispatcher, tracker: Tracker) -> int | None:
        who = LedgerAction.identify(tracker)
        if who.id is None:
            foreign = who.foreign or tracker.get_slot(OWNER_SLOT)
            dispatcher.utter_message(response="utter_not_your_conversation" if foreign
                                     else "utter_ask_login")
        return who.id

    @staticmethod
    def sessions():
        return LedgerAction.sessions()

    def lookup_order(self, dispatcher: CollectingDispatcher, tracker: Tracker, order_no: str,
                     lookup=order_status) -> tuple[bool, Any]:
        """``(True, lookup(...))`` for the verified customer's order (``lookup`` is a ledger read
        taking ``customer_id`` and ``order_no``), or ``(False, None)`` after telling the shopper
        why: not signed in, or an unknown order (another shopper's order gets exactly the answer
        an unknown one gets)."""
        customer_id = self.customer(dispatcher, tracker)
        if customer_id is None:
            return False, None
        try:
            with self.sessions().begin() as session:
                return True, lookup(session=session, customer_id=customer_id, order_no=order_no)
        except NotFound:
            dispatcher.utter_message(response="utter_unknown_order")
        except LedgerError:
            log.exception("%s: order look-up failed in %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(response="utter_service_unavailable")
        return False, None


# --------------------------------------------------------------------------- condition grades

# Plain words shoppers use for the condition, checked in this order (damage first; "没有划痕" before
# "划痕"). Letters A-D and the grade buttons are read first.
GRADE_WORDS = (
    ("D", ("碎", "裂", "开不了机", "无法开机", "不开机", "开不开机", "进水", "坏了", "故障", "不能用",
           "报废", "黑屏", "不亮")),
    ("A", ("全新", "99新", "九九新", "95新", "九五新", "完好", "无划痕", "没有划痕", "没划痕", "像新的",
           "没怎么用")),
    ("C", ("八成新", "8成新", "七成新", "7成新", "明显划痕", "划痕很多", "划痕比较多", "明显磨损",
           "磕碰", "掉漆", "电池不行", "电池老化", "一般", "锈")),
    ("B", ("九成新", "9成新", "轻微", "小划痕", "细微划痕", "划痕", "磨损", "使用痕迹", "还行", "还可以")),
)
GRADE_LETTER = re.compile(r"(?<![A-Za-z])([A-Da-d])(?![A-Za-z])")


def parse_grade(text: Any, entity: Any = None) -> str | None:
    """A-D from the grade button, a letter in the text, or the plain words above."""
    for value in (entity, text):
        if value and str(value).strip().upper() in GRADES:
            return str(value).strip().upper()
    text = str(text or "")
    letter = GRADE_LETTER.search(text)
    if letter:
        return letter.group(1).upper()
    for grade, words in GRADE_WORDS:
        if any(w in text for w in words):
            return grade
    return None


# --------------------------------------------------------------------------- pickup times

PICKUP_BUTTONS = {"tomorrow_am": (1, 10), "tomorrow_pm": (1, 15),
                  "day_after_am": (2, 10), "day_after_pm": (2, 15)}
PICKUP_HOURS = (8, 20)            # couriers pick up between 08:00 and 20:00 local time
DEFAULT_HOUR = 10
_DAYS = (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0),
         ("大前天", -3), ("前天", -2), ("昨天", -1))
_PARTS = (("上午", 10, False), ("早上", 9, False), ("早晨", 9, False), ("中午", 12, False),
          ("下午", 15, True), ("傍晚", 18, True), ("晚上", 19, True))
_WEEKDAY = re.compile(r"(下个?)?(?:周|星期|礼拜)([一二三四五六日天])")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?")
_MONTH_DAY = re.compile(r"(\d{1,2})月(\d{1,2})[日号]?")
_DAY_ONLY = re.compile(r"(?<![月\d])(\d{1,2})[日号]")
_HOUR = re.compile(r"([\d一二两三四五六七八九十]{1,3})\s*(?:点|时|:|：)\s*(半|\d{2})?")


def parse_pickup(text: Any, code: Any = None, *, now: datetime) -> datetime | None:
    """A pickup time in local time from a pickup button or words such as 明天下午, 6月20日上午,
    周六3点, 2026-06-20 14:00. None when no day or time of day can be read."""
    today = clock.local(now).replace(hour=0, minute=0, second=0, microsecond=0)
    if code in PICKUP_BUTTONS:
        days, hour = PICKUP_BUTTONS[code]
        return today + timedelta(days=days, hours=hour)
    text = str(text or "").strip()
    day, hour, minute = None, None, 0
    iso = _ISO.search(text)
    if iso:
        try:
            day = today.replace(year=int(iso.group(1)), month=int(iso.group(2)), day=int(iso.group(3)))
        except ValueError:
            return None
        if iso.group(4):
            hour, minute = int(iso.group(4)), int(iso.group(5))
    elif _MONTH_DAY.search(text):
        m = _MONTH_DAY.search(text)
        try:
            day = today.replace(month=int(m.group(1)), day=int(m.group(2)))
        except ValueError:
            return None
    elif _DAY_ONLY.search(text):
        try:
            day = today.replace(day=int(_DAY_ONLY.search(text).group(1)))
        except ValueError:
            return None
    elif _WEEKDAY.search(text):
        m = _WEEKDAY.search(text)
        wanted = min("一二三四五六日天".index(m.group(2)), 6)
        if m.group(1):                        # 下周X: X of next calendar week
            day = today + timedelta(days=7 - today.weekday() + wanted)
        else:                                 # 周X: the next X to come
            day = today + timedelta(days=(wanted - today.weekday()) % 7 or 7)
    else:
        day = next((today + timedelta(days=d) for word, d in _DAYS if word in text), None)
    part = next(((h, pm) for word, h, pm in _PARTS if word in text), None)
    if hour is None:
        found = _HOUR.search(text)
        if found:
            number = cn_number(found.group(1))
            if number is None or not 0 <= number <= 24:
                return None
            hour = int(number)
            minute = 30 if found.group(2) == "半" else int(found.group(2) or 0)
            if (part and part[1] or not part and 1 <= hour < PICKUP_HOURS[0]) and hour < 12:
                hour += 12                    # 下午3点; a bare 3点 is in the afternoon too
        elif part:
            hour = part[0]
    if day is None and hour is None:
        return None
    if day is None:
        day = today
    hour = DEFAULT_HOUR if hour is None else hour
    if minute >= 60 or hour > 23:
        return None
    return day + timedelta(hours=hour, minutes=minute)


def _local_text(value: datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- trade-in form

# a kind of device, not a model: the shopper is asked for the model, never told "no quote"
GENERIC_DEVICES = ("手机", "电脑", "笔记本", "平板", "家电", "电器", "设备")


def _generic(value: Any) -> bool:
    text = re.sub(r"[\s旧的台部个]", "", str(value or "")).lower()
    return bool(text) and len(text) <= 8 and text.endswith(GENERIC_DEVICES)


class ValidateTradeInForm(FormValidation):
    owned_slots = TRADEIN_SLOTS

    def name(self) -> str:
        return "validate_tradein_form"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        if self._starting(tracker) and LedgerAction.identify(tracker).id is None:
            dispatcher.utter_message(response="utter_tradein_sign_in_first")   # said once, up front
        return await super().run(dispatcher, tracker, domain)

    def _known(self, tracker: Tracker, value: Any) -> tuple[list[str], int]:
        """Known trade-in models the latest message names (entities first, then the text), and
        how many old devices one trade-in may hold."""
        names = [str(v) for v in tracker.get_latest_entity_values("product")] + [str(value or "")]
        models: list[str] = []
        with self.sessions().begin() as session:
            for name in names:
                model = find_model(session, name) if name.strip() else None
                if model is not None and model.device_model not in models:
                    models.append(model.device_model)
            most = policy(session, "trade_in_max_items")
        return models, most

    def _take(self, tracker: Tracker, models: list[str], most: int) -> dict[str, Any]:
        """The first model becomes the device to grade; the others wait in the queue."""
        room = most - len(tracker.get_slot("tradein_items") or [])
        queue = (list(tracker.get_slot("tradein_queue") or []) + models[1:])[:max(room - 1, 0)]
        return {"tradein_device": models[0], "tradein_queue": queue or None}

    def validate_tradein_device(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        models, most = self._known(tracker, value)
        if not models and _generic(value):       # 我有台旧手机: the form asks which model
            return {"tradein_device": None}
        if not models:
            dispatcher.utter_message(response="utter_tradein_unknown_model",
                                     device=str(value or "")[:30])
            return {"tradein_device": None}
        return self._take(tracker, models, most)

    def validate_tradein_grade(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        device = tracker.get_slot("tradein_device")
        if device is None:                        # graded before a device was named: ask again
            return {"tradein_grade": None}
        grade = parse_grade(value, next(tracker.get_latest_entity_values("condition_grade"), None))
        if grade is None:
            dispatcher.utter_message(response="utter_tradein_grade_unclear")
            return {"tradein_grade": None}
        items = list(tracker.get_slot("tradein_items") or []) + [{"model": device, "grade": grade}]
        queue = list(tracker.get_slot("tradein_queue") or [])
        if queue:                                 # the next device the shopper already named
            return {"tradein_items": items, "tradein_device": queue[0], "tradein_grade": None,
                    "tradein_queue": queue[1:] or None}
        with self.sessions().begin() as session:
            most = policy(session, "trade_in_max_items")
        if len(items) >= most:
            dispatcher.utter_message(response="utter_tradein_max_items", max=most)
            return {"tradein_items": items, "tradein_grade": grade, "tradein_more": "no"}
        return {"tradein_items": items, "tradein_grade": grade}

    def validate_tradein_more(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        models, most = self._known(tracker, value if value not in ("yes", "no") else None)
        if models:                                # "还有一台 iPad 9": yes, and which one
            return {"tradein_more": None, "tradein_grade": None, **self._take(tracker, models, most)}
        if value == "yes":
            return {"tradein_more": None, "tradein_device": None, "tradein_grade": None}
        if value == "no":
            return {"tradein_more": "no"}
        dispatcher.utter_message(response="utter_tradein_more_unclear")
        return {"tradein_more": None}

    def validate_tradein_order(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value == "none":
            return {"tradein_order": "none"}
        order_no = order_number(tracker, value)
        if order_no is None:
            dispatcher.utter_message(response="utter_tradein_order_unclear")
            return {"tradein_order": None}
        found, _ = self.lookup_order(dispatcher, tracker, order_no)
        if not found:
            return {"tradein_order": None}
        return {"tradein_order": order_no}


class ActionTradeInQuote(LedgerAction):
    """Submit of ``tradein_form``: one quote for every graded device, with the subsidy the new
    order earns; the form's slots are reset and the quote is kept for the booking."""

    def name(self) -> str:
        return "action_tradein_quote"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        items = [(i["model"], i["grade"]) for i in tracker.get_slot("tradein_items") or []]
        order = tracker.get_slot("tradein_order")
        order_no = order if order and order != "none" else None
        reset = [SlotSet(slot, None) for slot in TRADEIN_SLOTS]
        if not items:
            dispatcher.utter_message(response="utter_tradein_nothing_to_quote")
            return reset
        with self.sessions().begin() as session:
            quote = quote_trade_in(session=session, customer_id=customer_id, items=items,
                                   order_no=order_no)
        if quote.reason == "no_known_model":
            dispatcher.utter_message(response="utter_tradein_no_known_model")
            return reset
        for line in quote.lines:
            args = dict(device=line.device_model, grade=line.grade, value=yuan(line.value_fen),
                        subsidy=yuan(line.subsidy_fen))
            if line.reason == "unknown_model":
                dispatcher.utter_message(response="utter_tradein_quote_line_unknown", **args)
            elif line.subsidy_fen:
                dispatcher.utter_message(response="utter_tradein_quote_line_subsidy", **args)
            else:
                dispatcher.utter_message(response="utter_tradein_quote_line", **args)
        total = "utter_tradein_quote_total_subsidy" if quote.subsidy_fen else (
            "utter_tradein_quote_total_no_subsidy" if order_no else "utter_tradein_quote_total")
        dispatcher.utter_message(response=total, total=yuan(quote.total_fen),
                                 value=yuan(quote.value_fen), subsidy=yuan(quote.subsidy_fen),
                                 valid_until=_local_text(quote.valid_until), order_no=order_no or "")
        return reset + [SlotSet("tradein_quote_id", str(quote.quote_id)),
                        SlotSet("tradein_valid_until", quote.valid_until.isoformat()),
                        SlotSet("tradein_book", None), SlotSet("tradein_pickup", None)]


# --------------------------------------------------------------------------- booking

class ValidateTradeInBookingForm(FormValidation):
    """Whether and when to pick up; nothing to ask without a quote, nothing more after a no."""
    owned_slots = ("tradein_book", "tradein_pickup")

    def name(self) -> str:
        return "validate_tradein_booking_form"

    #: intents a pickup answer may be read as ("明天下午"); without a readable time they are a
    #: question for their own rule, so the form gives the turn away
    QUESTIONS = ("delivery_time",)

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        requested = tracker.get_slot("requested_slot")
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        answered = tracker.slots_to_validate().get(requested) is not None   # not on a resume
        if intent in self.QUESTIONS and answered and requested in self.owned_slots and parse_pickup(
                (tracker.latest_message or {}).get("text"),
                next(tracker.get_latest_entity_values("pickup_time"), None), now=clock.now()) is None:
            return [SlotSet(requested, None), ActionExecutionRejected(self.form_name())]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if not tracker.get_slot("tradein_quote_id"):
            return []
        if tracker.get_slot("tradein_book") == "no":
            return ["tradein_book"]
        return domain_slots

    def _pickup(self, dispatcher, tracker, text, code) -> str | None:
        now = clock.now()
        when = parse_pickup(text, code, now=now)
        if when is None:
            dispatcher.utter_message(response="utter_tradein_pickup_unclear")
            return None
        until = datetime.fromisoformat(tracker.get_slot("tradein_valid_until"))
        if when <= now:
            dispatcher.utter_message(response="utter_tradein_pickup_past")
            return None
        if when > until:
            dispatcher.utter_message(response="utter_tradein_pickup_after_validity",
                                     valid_until=_local_text(until))
            return None
        if not PICKUP_HOURS[0] <= when.hour + when.minute / 60 <= PICKUP_HOURS[1]:
            dispatcher.utter_message(response="utter_tradein_pickup_hours")
            return None
        return when.isoformat()

    def validate_tradein_book(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = next(tracker.get_latest_entity_values("pickup_time"), None)
        if value == "yes":             # "好，帮我预约明天上午来取": a yes that also says when
            text = (tracker.latest_message or {}).get("text")
            if parse_pickup(text, code, now=clock.now()) is not None:
                return {"tradein_book": "yes",
                        "tradein_pickup": self._pickup(dispatcher, tracker, text, code)}
        if value in ("yes", "no"):
            return {"tradein_book": value}
        if parse_pickup(value, code, now=clock.now()) is not None:   # "明天下午来取吧"
            pickup = self._pickup(dispatcher, tracker, value, code)
            return {"tradein_book": "yes", "tradein_pickup": pickup}
        return {"tradein_book": None}

    def validate_tradein_pickup(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code = next(tracker.get_latest_entity_values("pickup_time"), None) or value
        return {"tradein_pickup": self._pickup(dispatcher, tracker, value, code)}


class ActionTradeInBook(LedgerAction):
    """Submit of ``tradein_booking_form``: book the pickup of the quote (booking twice keeps the
    first booking). Without a quote the quote action has already said why: nothing to add."""

    def name(self) -> str:
        return "action_tradein_book"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        if not tracker.get_slot("tradein_quote_id"):
            return [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        return await super().run(dispatcher, tracker, domain)

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in BOOKING_SLOTS]
        until = datetime.fromisoformat(tracker.get_slot("tradein_valid_until"))
        if tracker.get_slot("tradein_book") != "yes" or not tracker.get_slot("tradein_pickup"):
            dispatcher.utter_message(response="utter_tradein_not_booked",
                                     valid_until=_local_text(until))
            return reset
        pickup = datetime.fromisoformat(tracker.get_slot("tradein_pickup"))
        with self.sessions().begin() as session:
            out = book_trade_in(session=session, customer_id=customer_id,
                                quote_id=int(tracker.get_slot("tradein_quote_id")), pickup_at=pickup)
        if out.status == "expired":
            dispatcher.utter_message(response="utter_tradein_quote_expired")
        else:
            dispatcher.utter_message(response=f"utter_tradein_{out.status}",
                                     pickup=_local_text(out.pickup_at), total=yuan(out.total_fen))
        return reset
