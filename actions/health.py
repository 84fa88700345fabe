"""用药咨询, 药急送 and 在线问诊: three forms, each validated against the ledger, each ending in
one thin submit action.

- ``medication_form`` (drug, topic): the label fact for the topic, never a quantity. A child,
  a pregnancy or several drugs end the form at once and open a pharmacist handoff ticket.
- ``medicine_delivery_form`` (drug, district, and for an Rx drug whether the shopper holds a
  prescription): pharmacies of the district with the drug in stock and open now (at night only
  24-hour ones), fastest first, with their ETA.
- ``consultation_form`` (symptoms, confirmation): a consultation with the department the
  symptoms point to. It books for the verified customer, so it asks to sign in first.

Every validation action first steps aside for what ends a form (emergency, self-harm, a human,
a complaint, cancel): it returns nothing, the form is rejected, and the rules answer (the
emergency reply is a domain response). Another question (FAQ, order status, a greeting...) is
never read as free text either; the form is rejected unless the message also carried an entity
the form wants ("朝阳区" alone may be read as a FAQ). At activation the validation drops values
left over from an earlier, unfinished run of the same form, so a new question starts clean.
"""
from __future__ import annotations

import abc
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction

from actions.base import OWNER_SLOT, LedgerAction
from actions.handoff import summary_of
from bot.ledger.clock import local
from bot.ledger.db import default_sessionmaker
from bot.ledger.errors import NotFound
from bot.ledger.services import find_drug, find_pharmacies, medication_answer, open_handoff
from bot.ledger.services.medicine import (QUESTION_TOPICS, book_consultation_once,
                                          department_for, match_department,
                                          read_medication_question)
from bot.ledger.tables import Team

__all__ = ["ValidateMedicationForm", "ActionMedicationAnswer", "ValidateMedicineDeliveryForm",
           "ActionFindPharmacies", "ValidateConsultationForm", "ActionBookConsultation",
           "ENDS_FORM", "INTERRUPTIONS", "states_a_quantity"]

# Intents that end a form; no mapping takes anything from them (`*ends_form` in the domain).
ENDS_FORM = frozenset({"medical_emergency", "self_harm", "human_handoff", "complaint", "cancel"})
# ... and, with other questions, never read as free text (`*interruptions` in the domain).
INTERRUPTIONS = ENDS_FORM | {"faq", "order_status", "delivery_time", "refund_status",
                             "bot_challenge", "greet", "thank", "goodbye"}
# A drug quantity (a number with a dose unit): a label fact holding one is never repeated.
_QUANTITY = re.compile(r"(\d|[一二两三四五六七八九十半])\s*(片|粒|袋|颗|丸|滴|支|毫升|ml|mg|毫克|克|g|次)",
                       re.IGNORECASE)
_PHARMACIST_REASONS = ("child", "pregnancy", "several_drugs")
_DISTRICT_ENDINGS = ("区", "县", "市", "旗")
# a typed answer to "do you have a prescription?" that NLU did not read as affirm/deny (有处方)
_NO_MARKS, _YES_MARKS = ("没", "无", "不"), ("有",)
MAX_SYMPTOMS_CHARS = 500
MAX_ECHO_CHARS = 20         # a shopper's unrecognised word, echoed back at most this long


def states_a_quantity(text: str | None) -> bool:
    return bool(_QUANTITY.search(text or ""))


def _intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _text(tracker: Tracker) -> str:
    return str((tracker.latest_message or {}).get("text") or "")


def _entities(tracker: Tracker, name: str) -> list[Any]:
    return list(dict.fromkeys(v for v in tracker.get_latest_entity_values(name) if v))


def _before_this_turn(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


def _pack_free(name: str) -> str:
    """A product name without its trailing pack size ("芬必得 布洛芬缓释胶囊 24粒" -> without "24粒")."""
    return re.sub(r"\s+\S*\d\S*$", "", name or "").strip() or name


# ------------------------------------------------------------------------------ form validation

class _HealthForm(FormValidationAction, abc.ABC):
    """Steps aside for interruptions; drops stale values at activation; one ledger session per
    run, opened only when a slot needs the ledger."""

    @abc.abstractmethod
    def name(self) -> str:
        """validate_<form>"""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        if _intent(tracker) in ENDS_FORM:
            return []              # rejected: the rules answer and end the form
        events = [SlotSet(name, None) for name in self._drop_stale(tracker)]
        events += self.before(dispatcher, tracker, domain)
        return events + await super().run(dispatcher, tracker, domain)

    def before(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        """Events decided from the whole message before the slots are validated."""
        return []

    def _drop_stale(self, tracker: Tracker) -> list[str]:
        """At activation, Rasa offers every required slot that has a value, including values
        left by an earlier run of this form that was cancelled or interrupted; only values from
        this message count."""
        events = tracker.events
        last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
        form_run = max((i for i, e in enumerate(events) if i > last_user and e.get("event") == "action"
                        and e.get("name") == self.form_name()), default=None)
        if form_run is None or not any(
                e.get("event") == "active_loop" and e.get("name") == self.form_name()
                for e in events[last_user + 1:form_run]):
            return []              # not the activation
        fresh = {e.get("name") for e in events[last_user + 1:form_run] if e.get("event") == "slot"}
        stale = [e.get("name") for e in events[form_run + 1:] if e.get("event") == "slot"
                 and e.get("name") not in fresh and e.get("value") is not None]
        if stale:
            tracker.events = events[:form_run + 1] + [
                e for e in events[form_run + 1:]
                if not (e.get("event") == "slot" and e.get("name") in stale)]
            for name in stale:
                tracker.slots[name] = None
        return stale

    @staticmethod
    def requested(tracker: Tracker, slot: str) -> bool:
        return tracker.get_slot(REQUESTED_SLOT) == slot

    @staticmethod
    def sessions():
        return default_sessionmaker()


class ValidateMedicationForm(_HealthForm):
    def name(self) -> str:
        return "validate_medication_form"

    def before(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        """A child, a pregnancy, or a second drug anywhere in the message: a pharmacist's case."""
        reading = read_medication_question(_text(tracker),
                                           age_months=next(iter(_entities(tracker, "age")), None))
        events = []
        if reading.for_child and not tracker.get_slot("med_for_child"):
            events.append(SlotSet("med_for_child", True))
        if reading.pregnant and not tracker.get_slot("med_pregnant"):
            events.append(SlotSet("med_pregnant", True))
        named = _entities(tracker, "drug")
        earlier = _before_this_turn(tracker, "med_drug")
        if earlier and not self.requested(tracker, "med_drug"):
            main = earlier                  # asked about one drug, now another is named too
        else:
            main = named[-1] if named else None
        others = [d for d in named if d != main]
        if others:
            known = tracker.get_slot("med_other_drugs") or []
            events += [SlotSet("med_drug", main),
                       SlotSet("med_other_drugs", list(dict.fromkeys([*known, *others])))]
        for event in events:
            tracker.slots[event["name"]] = event["value"]
        return events

    @staticmethod
    def _for_pharmacist(tracker: Tracker) -> bool:
        return bool(tracker.get_slot("med_for_child") or tracker.get_slot("med_pregnant")
                    or tracker.get_slot("med_other_drugs"))

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if self._for_pharmacist(tracker):
            return []              # the form ends; action_medication_answer hands off
        return domain_slots

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        """A pharmacist's case skips the slots' validation, but the text Rasa offered as the
        topic (孩子5岁了能吃吗, asked at the topic question) is still read, silently: never kept raw."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        offered = tracker.slots_to_validate()
        if self._for_pharmacist(tracker) and "med_topic" in offered:
            value = offered["med_topic"]
            topic = (value if value in QUESTION_TOPICS
                     else read_medication_question(str(value or "")).topic)
            if topic != value:
                events.append(SlotSet("med_topic", topic))
        return events

    def extract_med_topic(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """The topic from the question itself (布洛芬孕妇能吃吗, 一次吃几粒), before it is asked."""
        if (self.requested(tracker, "med_topic") or tracker.get_slot("med_topic")
                or _intent(tracker) in INTERRUPTIONS):
            return {}
        topic = read_medication_question(_text(tracker)).topic
        return {"med_topic": topic} if topic else {}

    def validate_med_drug(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()
        with self.sessions()() as session:
            product = find_drug(session, text) if text else None
            generic = (product.attributes or {}).get("generic_name") if product else None
        if product is None:
            dispatcher.utter_message(response="utter_med_unknown_drug", drug=text[:MAX_ECHO_CHARS])
            return {"med_drug": None}
        return {"med_drug": generic or product.name}

    def validate_med_topic(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        topic = value if value in QUESTION_TOPICS else read_medication_question(str(value or "")).topic
        if topic is None and self.requested(tracker, "med_topic"):
            dispatcher.utter_message(response="utter_med_topic_unclear")
        return {"med_topic": topic}


class ValidateMedicineDeliveryForm(_HealthForm):
    def name(self) -> str:
        return "validate_medicine_delivery_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("delivery_rx"):
            return domain_slots
        return [s for s in domain_slots if s != "has_prescription"]     # OTC: no prescription

    def validate_delivery_drug(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()
        with self.sessions()() as session:
            product = find_drug(session, text) if text else None
            generic = (product.attributes or {}).get("generic_name") if product else None
            rx = product is not None and product.category_code == "medicine_rx"
        if product is None:
            dispatcher.utter_message(response="utter_delivery_unknown_drug", drug=text[:MAX_ECHO_CHARS])
            return {"delivery_drug": None, "delivery_rx": None}
        drug = generic or product.name
        out = {"delivery_drug": drug, "delivery_rx": rx}
        earlier = _before_this_turn(tracker, "delivery_drug")
        if earlier is not None and earlier != drug:
            out["has_prescription"] = None     # a prescription is for one drug
        return out

    def validate_delivery_district(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()
        if text in _entities(tracker, "district"):
            return {"delivery_district": text}
        if 2 <= len(text) <= 10 and text.endswith(_DISTRICT_ENDINGS):
            return {"delivery_district": text}
        dispatcher.utter_message(response="utter_delivery_district_unclear", district=text[:MAX_ECHO_CHARS])
        return {"delivery_district": None}

    def extract_has_prescription(self, dispatcher, tracker, domain) -> dict[str, Any]:
        """有处方 / 没有处方 typed, when NLU read it as neither affirm nor deny."""
        if (not self.requested(tracker, "has_prescription")
                or _intent(tracker) in INTERRUPTIONS | {"affirm", "deny"}):
            return {}
        text = _text(tracker)
        if any(mark in text for mark in _NO_MARKS):
            return {"has_prescription": False}
        if any(mark in text for mark in _YES_MARKS):
            return {"has_prescription": True}
        return {}

    def validate_has_prescription(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"has_prescription": value if isinstance(value, bool) else None}


class ValidateConsultationForm(_HealthForm):
    """Booking is for the verified customer: without one the form asks to sign in and ends."""

    def name(self) -> str:
        return "validate_consultation_form"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        if _intent(tracker) not in ENDS_FORM:
            who = LedgerAction.identify(tracker)
            if who.id is None:
                dispatcher.utter_message(response="utter_not_your_conversation" if who.foreign
                                         or tracker.get_slot(OWNER_SLOT) else "utter_ask_login")
                return [SlotSet("consultation_confirmed", None), SlotSet(REQUESTED_SLOT, None)]
        return await super().run(dispatcher, tracker, domain)

    def validate_symptoms(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()[:MAX_SYMPTOMS_CHARS]
        asked = self.requested(tracker, "symptoms")
        if len(text) < 2:
            if asked:
                dispatcher.utter_message(response="utter_symptoms_unclear")
            return {"symptoms": None if asked else _before_this_turn(tracker, "symptoms")}
        with self.sessions()() as session:
            department = match_department(session, text)
            if department is None and asked:     # described, but in no department's words
                department = department_for(session, text)
            found = (department.code, department.name) if department else None
        if found is None:    # an opening like 我想问问医生: ask for the symptoms
            return {"symptoms": _before_this_turn(tracker, "symptoms")}
        return {"symptoms": text, "consultation_department": found[0],
                "consultation_department_name": found[1]}

    def validate_consultation_confirmed(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return {"consultation_confirmed": value if isinstance(value, bool) else None}


# ------------------------------------------------------------------------------ submit actions

class _Submit(LedgerAction, abc.ABC):
    """A form's submit action: whatever the outcome, the form's slots are reset afterwards."""
    slots: tuple[str, ...] = ()

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        events = await super().run(dispatcher, tracker, domain)
        return events + [SlotSet(name, None) for name in self.slots]


class ActionMedicationAnswer(_Submit):
    needs_customer = False
    slots = ("med_drug", "med_topic", "med_for_child", "med_pregnant", "med_other_drugs")

    def name(self) -> str:
        return "action_medication_answer"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        named = tracker.get_slot("med_drug") or ""
        with self.sessions().begin() as session:
            topic = tracker.get_slot("med_topic")
            out = medication_answer(session=session, drug=named,
                                    topic=topic if topic in QUESTION_TOPICS else "indications",
                                    for_child=bool(tracker.get_slot("med_for_child")),
                                    pregnant=bool(tracker.get_slot("med_pregnant")),
                                    other_drugs=tracker.get_slot("med_other_drugs") or [])
            reason = next((r for r in out.reasons if r in _PHARMACIST_REASONS), None)
            if reason:
                ticket = open_handoff(session=session, conversation_id=tracker.sender_id,
                                      topic="pharmacist", customer_id=customer_id,
                                      summary=summary_of(tracker))
                team = session.get(Team, ticket.team).name
        drug = out.drug.generic_name or _pack_free(out.drug.name) if out.drug else named
        if reason:
            dispatcher.utter_message(response=f"utter_med_pharmacist_{reason}", drug=drug)
            dispatcher.utter_message(response="utter_handoff_queued", team=team,
                                     position=ticket.position, wait=ticket.wait_minutes,
                                     agents=ticket.agents_on_duty)
            if ticket.routed_to_general:
                dispatcher.utter_message(response="utter_specialists_off_duty")
        elif out.drug is None:
            dispatcher.utter_message(response="utter_med_unknown_drug", drug=named[:MAX_ECHO_CHARS])
        elif out.topic == "rx":
            dispatcher.utter_message(response="utter_med_rx_yes" if out.drug.rx else "utter_med_rx_no",
                                     drug=drug)
        elif not out.answer or states_a_quantity(out.answer):
            dispatcher.utter_message(response="utter_med_see_label", drug=drug)
        else:
            dispatcher.utter_message(response=f"utter_med_{out.topic}", drug=drug, fact=out.answer)
        return []


class ActionFindPharmacies(_Submit):
    needs_customer = False
    slots = ("delivery_drug", "delivery_district", "delivery_rx", "has_prescription")
    limit = 3              # pharmacies told at most, fastest first

    def name(self) -> str:
        return "action_find_pharmacies"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        named = tracker.get_slot("delivery_drug") or ""
        district = tracker.get_slot("delivery_district") or ""
        try:
            with self.sessions().begin() as session:
                out = find_pharmacies(session=session, drug=named, district=district,
                                      has_prescription=tracker.get_slot("has_prescription") is True)
        except NotFound:
            dispatcher.utter_message(response="utter_delivery_unknown_drug", drug=named[:MAX_ECHO_CHARS])
            return []
        drug = _pack_free(out.drug)
        if out.reason:
            night = "_night" if out.reason == "none_open_now" and out.night else ""
            dispatcher.utter_message(response=f"utter_delivery_refused_{out.reason}{night}",
                                     drug=drug, district=out.district)
            return []
        dispatcher.utter_message(response="utter_delivery_options_night" if out.night
                                 else "utter_delivery_options",
                                 drug=drug, district=out.district, count=len(out.options))
        for option in out.options[: self.limit]:
            dispatcher.utter_message(response="utter_delivery_pharmacy", name=option.name,
                                     address=option.address, minutes=option.delivery_minutes,
                                     eta=local(option.eta).strftime("%H:%M"))
        if out.rx:
            dispatcher.utter_message(response="utter_delivery_rx_upload")
        return []


class ActionBookConsultation(_Submit):
    slots = ("symptoms", "consultation_department", "consultation_department_name",
             "consultation_confirmed")

    def name(self) -> str:
        return "action_book_consultation"

    async def run(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        confirmed = tracker.get_slot("consultation_confirmed")
        if confirmed is not True:
            # declined; or None: the form ended asking the shopper to sign in
            if confirmed is False:
                dispatcher.utter_message(response="utter_consultation_declined")
            return [SlotSet(name, None) for name in self.slots]
        return await super().run(dispatcher, tracker, domain)

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        with self.sessions().begin() as session:
            out = book_consultation_once(session=session, customer_id=customer_id,
                                         symptoms=tracker.get_slot("symptoms") or "",
                                         department=tracker.get_slot("consultation_department"))
        dispatcher.utter_message(response="utter_consultation_booked", department=out.department_name,
                                 consultation_id=out.consultation_id,
                                 scheduled=local(out.scheduled_at).strftime("%H:%M"))
        return []
