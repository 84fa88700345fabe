"""售后 as conversations (Rasa forms): 上门以换代修 / 维修 and 纸尿裤尺码随心换 here, 退货 with
闪电退款 in :mod:`actions.returns`; what the three forms share lives here too.

Each form asks for the shopper's order (recent orders offered as buttons), then the item when the
order holds several, then what its service needs. ``validate_<form>`` checks every answer against
the ledger for the verified customer: another shopper's order is answered exactly like an unknown
one, implausible weights and counts are asked again, and a refusal the ledger's facts already
decide (not delivered, window passed, the advised size is the current one) ends the form early
with its reason. The submit action then makes one ledger call in one short transaction, picks the
response by the outcome and resets the form's slots; when the form ended early it only resets.

How a validation action ends the form: a ``validate_<slot>`` method returns ``STOP`` among its
slot values (``requested_slot`` set to None), which Rasa's form takes as "done"; the submit rule
runs next and, seeing the form incomplete, says nothing more.

Values left behind by a form that did not finish (cancelled, an emergency, a human) are dropped
when a form starts again: at activation only values from the message that started it count.
"""
from __future__ import annotations

import abc
import json
import logging
from typing import Any, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions.base import OWNER_SLOT, LedgerAction
from actions.orders import when
from bot.ledger.clock import local
from bot.ledger.errors import InvalidRequest, LedgerError, NotFound
from bot.ledger.services import advise_diaper_size, exchange_diapers, report_fault
from bot.ledger.services.aftersales import ItemTerms, aftersales_items, parse_weight_kg

__all__ = ["ORDER_SLOT", "ITEM_SLOT", "STOP", "AftersalesValidation", "AftersalesSubmit",
           "ValidateRepairForm", "ActionSubmitRepair", "ValidateDiaperExchangeForm",
           "ActionSubmitDiaperExchange", "ActionAskAftersalesOrder", "ActionAskAftersalesItem",
           "ActionAskUnopenedPacks", "day", "match_item"]

log = logging.getLogger(__name__)

ORDER_SLOT = "aftersales_order"
ITEM_SLOT = "aftersales_item"
STOP = {REQUESTED_SLOT: None}
# intents whose words are never taken as an answer (the domain's mappings say the same)
NOT_AN_ANSWER = {"medical_emergency", "self_harm", "human_handoff", "complaint", "cancel", "faq",
                 "order_status", "delivery_time", "refund_status", "bot_challenge"}
RECENT_ORDERS = 8        # orders read to offer as buttons
OFFERED = 4              # order buttons at most
NUMBER_BUTTONS = 6       # count buttons at most

_FORMS: dict[str, type["AftersalesValidation"]] = {}


def day(value) -> str:
    return local(value).strftime("%Y-%m-%d") if value else ""


def _norm(text: Any) -> str:
    return "".join(str(text or "").split()).lower()


def _common(a: str, b: str) -> int:
    """The length of the longest common substring."""
    best, row = 0, [0] * (len(b) + 1)
    for ca in a:
        prev, row = row, [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                row[j] = prev[j - 1] + 1
                best = max(best, row[j])
    return best


def match_item(items: list[ItemTerms], value: Any) -> ItemTerms | None:
    """The one item ``value`` names: its id, its name, or a part of its name no other item
    shares as much of (at least two characters)."""
    text = _norm(value)
    if not text:
        return None
    for item in items:
        if str(item.item_id) == text or _norm(item.sku_name) == text:
            return item
    scored = sorted(((_common(text, _norm(i.sku_name)), n) for n, i in enumerate(items)),
                    reverse=True)
    if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return items[scored[0][1]]


def _payload(intent: str, **entities: Any) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}"


def whole_number(value: Any) -> int | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return int(number) if number == int(number) else None


def _read(call: Callable[[Any], Any]):
    """One short read-only ledger transaction."""
    with LedgerAction.sessions().begin() as session:
        return call(session)


def _fresh_slots(tracker: Tracker) -> set[str]:
    """Slots set since the shopper's latest message, before the form's own candidate block."""
    events = tracker.events
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    last_action = max((i for i, e in enumerate(events) if e.get("event") == "action"),
                      default=len(events))
    return {e.get("name") for e in events[last_user + 1:last_action] if e.get("event") == "slot"}


def _before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the shopper's latest message (and the slots read from it)."""
    events = tracker.events
    user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return next((e.get("value") for e in reversed(events[:user])
                 if e.get("event") == "slot" and e.get("name") == slot), None)


class AftersalesValidation(FormValidationAction, abc.ABC):
    """``validate_<form>`` of an after-sales form: the verified customer, the order and the item."""

    form: str = ""
    slots: tuple[str, ...] = ()            # the form's slots, in the domain's order
    ask_order_response = "utter_ask_order_number"
    no_items_response = "utter_item_not_in_order"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.form:
            _FORMS[cls.form] = cls

    @abc.abstractmethod
    def name(self) -> str:
        """``validate_<form>`` (abstract here, so rasa-sdk registers only the real forms)."""

    # -- what each service decides ------------------------------------------------------------
    @staticmethod
    def candidates(items: list[ItemTerms]) -> list[ItemTerms]:
        """The items of an order this service may apply to."""
        return [i for i in items if i.units > 0]

    @staticmethod
    def offered(item: ItemTerms) -> bool:
        """Worth offering among the recent orders."""
        return item.delivered and item.units > 0

    @staticmethod
    def pick(candidates: list[ItemTerms]) -> ItemTerms | None:
        return candidates[0] if len(candidates) == 1 else None

    def check_order(self, items: list[ItemTerms], dispatcher) -> dict | None:
        """A refusal the order's facts already decide (ends the form), or None."""
        return None

    def on_item(self, item: ItemTerms, dispatcher, tracker: Tracker) -> dict:
        """Slot values that follow from the item (or a refusal ending the form)."""
        return {}

    # -- the shared machinery -----------------------------------------------------------------
    @staticmethod
    def customer_id(tracker: Tracker) -> int | None:
        return LedgerAction.identify(tracker).id

    def items_of(self, tracker: Tracker, order_no: str) -> list[ItemTerms]:
        cid = self.customer_id(tracker)
        return _read(lambda s: aftersales_items(session=s, customer_id=cid, order_no=order_no))

    def item_of(self, tracker: Tracker) -> ItemTerms | None:
        """The resolved item of the form's order (None while unknown)."""
        order_no, item_id = tracker.get_slot(ORDER_SLOT), tracker.get_slot(ITEM_SLOT)
        if not order_no or not item_id:
            return None
        try:
            items = self.candidates(self.items_of(tracker, order_no))
        except LedgerError:
            return None
        return next((i for i in items if str(i.item_id) == str(item_id)), None)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        who = LedgerAction.identify(tracker)
        activating = tracker.get_slot(REQUESTED_SLOT) is None
        candidates = [k for k in tracker.slots_to_validate() if k in self.slots]
        stale = set(candidates) - _fresh_slots(tracker) if activating else set()
        self._arrange(tracker, stale)
        candidates = [k for k in candidates if k not in stale]
        if who.id is None:
            if not (activating or candidates):
                return []            # nothing answered: let the form reject this turn
            dispatcher.utter_message(response="utter_not_your_conversation" if who.foreign
                                     or tracker.get_slot(OWNER_SLOT) else "utter_ask_login")
            return [SlotSet(s, None) for s in self.slots] + [SlotSet(REQUESTED_SLOT, None)]
        events = await super().run(dispatcher, tracker, domain)
        if not (activating or events):
            return []                # nothing answered: let the form reject this turn
        if tracker.get_slot(OWNER_SLOT) is None:
            events.insert(0, SlotSet(OWNER_SLOT, str(who.id)))
        return [SlotSet(s, None) for s in sorted(stale)] + events

    def _arrange(self, tracker: Tracker, stale: set[str]) -> None:
        """The candidates Rasa appended, in the form's order (the order first, then the item,
        then the rest), without stale values; stale values leave the slots too."""
        events = tracker.events
        count = 0
        for event in reversed(events):
            if event.get("event") != "slot":
                break
            count += 1
        head, block = events[:len(events) - count], events[len(events) - count:]
        rank = {name: n for n, name in enumerate(self.slots)}
        block = sorted((e for e in block if e.get("name") not in stale),
                       key=lambda e: rank.get(e.get("name"), len(rank)))
        tracker.events = head + block
        for name in stale:
            tracker.slots[name] = None

    def _ledger_failed(self, dispatcher, exc: Exception) -> None:
        if isinstance(exc, NotFound):
            dispatcher.utter_message(response="utter_unknown_order")
        else:
            log.exception("%s: ledger read failed", self.name())
            dispatcher.utter_message(response="utter_service_unavailable")

    def validate_aftersales_order(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        order_no = str(value or "").strip()
        try:
            items = self.items_of(tracker, order_no)
        except LedgerError as exc:
            self._ledger_failed(dispatcher, exc)
            return {ORDER_SLOT: None, ITEM_SLOT: None}
        stop = self.check_order(items, dispatcher)
        if stop is not None:
            return {ORDER_SLOT: None, ITEM_SLOT: None, **stop}
        candidates = self.candidates(items)
        if not candidates:
            dispatcher.utter_message(response=self.no_items_response, order_no=order_no)
            return {ORDER_SLOT: None, ITEM_SLOT: None}
        item = match_item(candidates, tracker.get_slot(ITEM_SLOT)) or self.pick(candidates)
        if item is None:
            return {ORDER_SLOT: order_no, ITEM_SLOT: None}
        tracker.slots[ORDER_SLOT] = order_no
        return {ORDER_SLOT: order_no, ITEM_SLOT: str(item.item_id),
                **self.on_item(item, dispatcher, tracker)}

    def validate_aftersales_item(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        order_no = tracker.get_slot(ORDER_SLOT)
        if not order_no:
            return {ITEM_SLOT: value}            # a hint, resolved once the order is known
        try:
            candidates = self.candidates(self.items_of(tracker, order_no))
        except LedgerError as exc:
            self._ledger_failed(dispatcher, exc)
            return {ITEM_SLOT: None}
        item = match_item(candidates, value)
        if item is None:
            dispatcher.utter_message(response="utter_item_not_in_order", order_no=order_no)
            return {ITEM_SLOT: None}
        if tracker.get_slot(ITEM_SLOT) == str(item.item_id):   # resolved with the order, this turn
            return {ITEM_SLOT: str(item.item_id)}
        tracker.slots[ITEM_SLOT] = str(item.item_id)
        return {ITEM_SLOT: str(item.item_id), **self.on_item(item, dispatcher, tracker)}

    def extract_aftersales_item(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict[str, Any]) -> dict[str, Any]:
        """The item named in words (no product entity): matched against the order's items."""
        if tracker.get_slot(REQUESTED_SLOT) != ITEM_SLOT or tracker.get_slot(ITEM_SLOT):
            return {}
        if tracker.get_intent_of_latest_message() in NOT_AN_ANSWER:
            return {}
        if next(tracker.get_latest_entity_values("product"), None) is not None:
            return {}
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        order_no = tracker.get_slot(ORDER_SLOT)
        if not text or text.startswith("/") or not order_no:
            return {}
        try:
            item = match_item(self.candidates(self.items_of(tracker, order_no)), text)
        except LedgerError:
            return {}
        return {ITEM_SLOT: item.sku_name} if item else {}


class AftersalesSubmit(LedgerAction, abc.ABC):
    """The submit action of an after-sales form: one ledger call, a response by the outcome,
    the form's slots reset. A form that ended early (its validation said why) only resets."""

    slots: tuple[str, ...] = ()

    def reset(self) -> list[dict[str, Any]]:
        return [SlotSet(s, None) for s in self.slots]

    def complete(self, tracker: Tracker) -> bool:
        return (all(tracker.get_slot(s) is not None for s in self.slots)
                and str(tracker.get_slot(ITEM_SLOT)).isdigit())

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.complete(tracker):
            return self.reset()
        return await super().run(dispatcher, tracker, domain) + self.reset()

    @staticmethod
    def request_key(tracker: Tracker, *parts: Any) -> str:
        """Stable across retries of the same request: the conversation and what was asked."""
        return ":".join([tracker.sender_id, *(str(p) for p in parts)])[:200]


# ------------------------------------------------------------------------ asking, with buttons

class AskAction(LedgerAction, abc.ABC):
    def form_class(self, tracker: Tracker) -> type[AftersalesValidation] | None:
        return _FORMS.get(tracker.active_loop_name or "")

    def current_item(self, tracker: Tracker, customer_id: int) -> ItemTerms | None:
        form = self.form_class(tracker)
        order_no, item_id = tracker.get_slot(ORDER_SLOT), tracker.get_slot(ITEM_SLOT)
        if form is None or not order_no:
            return None
        items = _read(lambda s: aftersales_items(session=s, customer_id=customer_id,
                                                 order_no=order_no))
        return next((i for i in form.candidates(items) if str(i.item_id) == str(item_id)), None)


class ActionAskAftersalesOrder(AskAction):
    """Which order: the shopper's recent orders this service applies to, as buttons."""

    def name(self) -> str:
        return "action_ask_aftersales_order"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        form = self.form_class(tracker)
        limit = RECENT_ORDERS * 4 if tracker.get_slot(ITEM_SLOT) else RECENT_ORDERS
        items = _read(lambda s: aftersales_items(session=s, customer_id=customer_id, limit=limit))
        offered = [i for i in items if form is not None and form.candidates([i]) and form.offered(i)]
        hint = tracker.get_slot(ITEM_SLOT)          # a product named before the order was known
        named = {i.order_no for i in offered if match_item([i], hint)} if hint else set()
        orders: dict[str, list[str]] = {}
        for item in offered:
            if not named or item.order_no in named:
                orders.setdefault(item.order_no, []).append(item.sku_name)
        buttons = [{"title": f"{no} {'、'.join(names)}"[:40],
                    "payload": _payload("inform", order_no=no)}
                   for no, names in list(orders.items())[:OFFERED]]
        if form is None or not buttons:
            dispatcher.utter_message(response="utter_ask_order_number")
        else:
            dispatcher.utter_message(response=form.ask_order_response, buttons=buttons)
        return []


class ActionAskAftersalesItem(AskAction):
    """Which item of the order: its items this service applies to, as buttons."""

    def name(self) -> str:
        return "action_ask_aftersales_item"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        form = self.form_class(tracker)
        order_no = tracker.get_slot(ORDER_SLOT)
        items = _read(lambda s: aftersales_items(session=s, customer_id=customer_id,
                                                 order_no=order_no)) if order_no else []
        candidates = form.candidates(items) if form else items
        buttons = [{"title": i.sku_name, "payload": _payload("inform", product=i.sku_name)}
                   for i in candidates]
        dispatcher.utter_message(response="utter_ask_aftersales_item", order_no=order_no or "",
                                 buttons=buttons)
        return []


def number_buttons(units: int, start: int = 1) -> list[dict[str, str]]:
    return [{"title": str(n), "payload": _payload("inform", quantity=str(n))}
            for n in range(start, min(units, NUMBER_BUTTONS) + 1)]


# ------------------------------------------------------------------ 上门以换代修 / 维修 (repair)

REPAIR_SLOTS = (ORDER_SLOT, ITEM_SLOT, "fault_description")


class ValidateRepairForm(AftersalesValidation):
    form = "repair_form"
    slots = REPAIR_SLOTS

    def name(self) -> str:
        return "validate_repair_form"
    ask_order_response = "utter_ask_order_repair"
    no_items_response = "utter_repair_refused_returned_order"

    @staticmethod
    def pick(candidates: list[ItemTerms]) -> ItemTerms | None:
        """The only item, else the only baby appliance (as the ledger's own rule picks)."""
        if len(candidates) == 1:
            return candidates[0]
        appliances = [i for i in candidates if i.baby_appliance]
        return appliances[0] if len(appliances) == 1 else None

    def check_order(self, items, dispatcher) -> dict | None:
        if items and not any(i.delivered for i in items):
            dispatcher.utter_message(response="utter_repair_refused_not_delivered",
                                     order_no=items[0].order_no, sku_name=items[0].sku_name)
            return STOP
        return None

    def validate_aftersales_item(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        """One candidate item is the item, whatever words came with it; a product word outside
        the item question (充电的时候手机充不进去) only picks among several items it matches,
        else the item stays as it was, silently."""
        order_no = tracker.get_slot(ORDER_SLOT)
        asked = tracker.get_slot(REQUESTED_SLOT) == ITEM_SLOT
        if order_no:
            try:
                candidates = self.candidates(self.items_of(tracker, order_no))
            except LedgerError:
                candidates = []
            if len(candidates) == 1:
                return {ITEM_SLOT: str(candidates[0].item_id)}
            if candidates and not asked and match_item(candidates, value) is None:
                current = tracker.get_slot(ITEM_SLOT)
                return {ITEM_SLOT: current if current != value else _before_this_turn(tracker, ITEM_SLOT)}
        return super().validate_aftersales_item(value, dispatcher, tracker, domain)

    def validate_fault_description(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        text = " ".join(str(value or "").split())[:500]
        if text.startswith("/"):                 # a button's payload, not words
            text = ""
        if tracker.get_slot(REQUESTED_SLOT) is None:
            # the message that started the form describes the fault only if it names the thing
            named = next(tracker.get_latest_entity_values("product"), None) is not None
            return {"fault_description": text if named and len(text) >= 4 else None}
        if len(text) < 2:
            dispatcher.utter_message(response="utter_fault_description_too_short")
            return {"fault_description": None}
        return {"fault_description": text}


class ActionSubmitRepair(AftersalesSubmit):
    slots = REPAIR_SLOTS

    def name(self) -> str:
        return "action_submit_repair"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        with self.sessions().begin() as session:
            out = report_fault(session=session, customer_id=customer_id,
                               order_no=tracker.get_slot(ORDER_SLOT),
                               item_id=int(tracker.get_slot(ITEM_SLOT)),
                               description=tracker.get_slot("fault_description") or "")
        args = dict(sku_name=out.sku_name, order_no=out.order_no, ticket_id=out.ticket_id or "",
                    visit_by=when(out.visit_by.isoformat()) if out.visit_by else "",
                    window_ends=day(out.window_ends))
        if out.status == "not_eligible":
            response = f"utter_repair_refused_{out.reason}"
        elif out.kind == "onsite_replacement":
            response = f"utter_repair_onsite_{out.status}"
        elif out.reason == "replace_window_passed":
            response = f"utter_repair_{out.status}_replace_window_passed"
        else:
            response = f"utter_repair_{out.status}"
        dispatcher.utter_message(response=response, **args)
        return []


# ------------------------------------------------------------ 纸尿裤尺码随心换 (diaper exchange)

DIAPER_SLOTS = (ORDER_SLOT, ITEM_SLOT, "baby_weight", "unopened_packs")


class ValidateDiaperExchangeForm(AftersalesValidation):
    form = "diaper_exchange_form"
    slots = DIAPER_SLOTS

    def name(self) -> str:
        return "validate_diaper_exchange_form"
    ask_order_response = "utter_ask_order_diaper"
    no_items_response = "utter_exchange_refused_not_diapers"

    @staticmethod
    def candidates(items: list[ItemTerms]) -> list[ItemTerms]:
        return [i for i in items if i.line and i.units > 0]

    @staticmethod
    def offered(item: ItemTerms) -> bool:
        return item.exchange_open and item.units > 0

    def check_order(self, items, dispatcher) -> dict | None:
        diapers = self.candidates(items)
        if diapers and not any(i.delivered for i in diapers):
            dispatcher.utter_message(response="utter_exchange_refused_not_delivered",
                                     order_no=diapers[0].order_no, sku_name=diapers[0].sku_name)
            return STOP
        return None

    def on_item(self, item, dispatcher, tracker) -> dict:
        if not item.exchange_open:
            dispatcher.utter_message(response="utter_exchange_refused_exchange_window_passed",
                                     order_no=item.order_no, sku_name=item.sku_name,
                                     window_ends=day(item.exchange_window_ends))
            return {ORDER_SLOT: None, ITEM_SLOT: None, **STOP}
        out: dict[str, Any] = {}
        later = tracker.slots_to_validate()          # validated after this, in this same turn
        packs = whole_number(tracker.get_slot("unopened_packs"))
        if "unopened_packs" not in later and packs is not None and packs > item.units:
            out["unopened_packs"] = None
        weight = tracker.get_slot("baby_weight")
        if weight and "baby_weight" not in later:
            out.update(self.advise(item, weight, dispatcher))
        return out

    def advise(self, item: ItemTerms, weight: Any, dispatcher) -> dict:
        """The size for the baby's weight from the line's own chart; the same size, or none on
        the chart, ends the form with the reason."""
        try:
            advice = _read(lambda s: advise_diaper_size(session=s, line=item.line, weight_kg=weight))
        except InvalidRequest:
            dispatcher.utter_message(response="utter_weight_implausible")
            return {"baby_weight": None}
        except LedgerError as exc:
            self._ledger_failed(dispatcher, exc)
            return {"baby_weight": None}
        args = dict(weight=advice.weight_kg, line=item.line, sku_name=item.sku_name,
                    order_no=item.order_no, current=item.size or "")
        if advice.size is None:
            dispatcher.utter_message(response="utter_exchange_refused_weight_outside_chart", **args)
            return {ORDER_SLOT: None, ITEM_SLOT: None, "baby_weight": None, **STOP}
        if advice.size == item.size:
            dispatcher.utter_message(response="utter_exchange_refused_same_size", size=advice.size,
                                     **args)
            return {ORDER_SLOT: None, ITEM_SLOT: None, "baby_weight": None, **STOP}
        low, high = advice.chart.get(advice.size, ("", ""))
        dispatcher.utter_message(response="utter_diaper_size_advice", size=advice.size,
                                 low=str(low), high=str(high), **args)
        return {"baby_weight": advice.weight_kg}

    def validate_baby_weight(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        try:
            weight = str(parse_weight_kg(value))
        except InvalidRequest:
            dispatcher.utter_message(response="utter_weight_implausible")
            return {"baby_weight": None}
        item = self.item_of(tracker)
        if item is None:
            return {"baby_weight": weight}       # advised once the item is known
        return self.advise(item, weight, dispatcher)

    def validate_unopened_packs(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        packs = whole_number(value)
        if packs is None or packs < 0:
            dispatcher.utter_message(response="utter_unopened_packs_invalid")
            return {"unopened_packs": None}
        item = self.item_of(tracker)
        if item is not None and packs > item.units:
            dispatcher.utter_message(response="utter_unopened_packs_too_many", units=item.units,
                                     sku_name=item.sku_name)
            return {"unopened_packs": None}
        return {"unopened_packs": str(packs)}


class AskUnitCount(AskAction, abc.ABC):
    """How many units of the chosen item: the question with one button per possible count."""
    response = ""

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        item = self.current_item(tracker, customer_id)
        units = item.units if item else 0
        dispatcher.utter_message(response=self.response, sku_name=item.sku_name if item else "",
                                 units=units, buttons=number_buttons(units))
        return []


class ActionAskUnopenedPacks(AskUnitCount):
    response = "utter_ask_unopened_packs"

    def name(self) -> str:
        return "action_ask_unopened_packs"


class ActionSubmitDiaperExchange(AftersalesSubmit):
    slots = DIAPER_SLOTS

    def name(self) -> str:
        return "action_submit_diaper_exchange"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        with self.sessions().begin() as session:
            out = exchange_diapers(session=session, customer_id=customer_id,
                                   order_no=tracker.get_slot(ORDER_SLOT),
                                   item_id=int(tracker.get_slot(ITEM_SLOT)),
                                   unopened_packs=whole_number(tracker.get_slot("unopened_packs")),
                                   weight_kg=tracker.get_slot("baby_weight"))
        args = dict(sku_name=out.sku_name, order_no=out.order_no, ticket_id=out.ticket_id or "",
                    from_size=out.from_size or "", to_size=out.to_size or "",
                    size=out.to_size or "", packs=out.packs if out.packs is not None else "",
                    window_ends=day(out.window_ends), weight=tracker.get_slot("baby_weight"))
        if out.status == "not_eligible":
            dispatcher.utter_message(response=f"utter_exchange_refused_{out.reason}", **args)
        else:
            dispatcher.utter_message(response=f"utter_exchange_{out.status}", **args)
        return []

