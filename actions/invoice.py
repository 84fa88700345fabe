"""发票 (invoices): the shopper's own order, the title (a person, or a company with its unified
social credit code), the e-mail; ``request_invoice`` issues it, or corrects (re-issues) the
order's invoice when the details differ. The request key (conversation, order and details) makes
a retried submission answer with its first outcome."""
from __future__ import annotations

import re
from typing import Any

from rasa_sdk.events import SlotSet

from actions.base import LedgerAction
from actions.tradein import FormValidation, order_number
from bot.ledger.services import current_invoice, request_invoice
from bot.ledger.services.invoice import valid_email, valid_tax_id, valid_title

__all__ = ["ValidateInvoiceForm", "ActionRequestInvoice", "INVOICE_SLOTS"]

INVOICE_SLOTS = ("invoice_order", "invoice_title_type", "invoice_title", "invoice_tax_id",
                 "invoice_email")
# words that name the title type when the shopper types it
COMPANY_WORDS = ("单位", "公司", "企业", "集团", "机构", "专票", "增值税专用")
PERSONAL_WORDS = ("个人", "自己", "本人", "私人")
# how organisation names end: such a reply to "personal or company?" is the title itself
COMPANY_SUFFIXES = ("公司", "集团", "厂", "中心", "事务所", "研究院", "研究所", "学校", "大学", "医院",
                    "银行", "商行", "工作室", "合作社")
_TAX_ID = re.compile(r"[0-9A-Za-z]{18}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+")


def _tax_id_in(text: str) -> tuple[str | None, str]:
    """A valid unified social credit code in ``text``, and the text without it."""
    for found in _TAX_ID.finditer(text):
        code = valid_tax_id(found.group(0))
        if code:
            return code, (text[:found.start()] + text[found.end():]).strip(" ，,；;：:")
    return None, text


class ValidateInvoiceForm(FormValidation):
    owned_slots = INVOICE_SLOTS

    def name(self) -> str:
        return "validate_invoice_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        if tracker.get_slot("invoice_title_type") == "personal":
            return [s for s in domain_slots if s != "invoice_tax_id"]
        return domain_slots

    def validate_invoice_order(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        order_no = order_number(tracker, value)
        if order_no is None:
            dispatcher.utter_message(response="utter_invoice_order_unclear")
            return {"invoice_order": None}
        found, invoice = self.lookup_order(dispatcher, tracker, order_no, lookup=current_invoice)
        if not found:
            return {"invoice_order": None}
        if invoice is not None:
            dispatcher.utter_message(response="utter_invoice_current", order_no=order_no,
                                     title=invoice.title, email=invoice.email)
        return {"invoice_order": order_no}

    def validate_invoice_title_type(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        text = str(value or "").strip()
        if text in ("personal", "company"):
            return {"invoice_title_type": text}
        if len(text) >= 6 and text.endswith(COMPANY_SUFFIXES) and valid_title("company", text):
            return {"invoice_title_type": "company", **self._title("company", text, dispatcher)}
        if any(w in text for w in COMPANY_WORDS):
            return {"invoice_title_type": "company"}
        if any(w in text for w in PERSONAL_WORDS):
            return {"invoice_title_type": "personal"}
        dispatcher.utter_message(response="utter_invoice_title_type_unclear")
        return {"invoice_title_type": None}

    @staticmethod
    def _title(kind: str, text: str, dispatcher) -> dict[str, Any]:
        code, rest = _tax_id_in(text) if kind == "company" else (None, text)
        title = valid_title(kind, rest)
        if title is None:
            dispatcher.utter_message(response="utter_invoice_title_invalid")
            return {"invoice_title": None}
        return {"invoice_title": title, **({"invoice_tax_id": code} if code else {})}

    def validate_invoice_title(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        kind = tracker.get_slot("invoice_title_type") or "personal"
        return self._title(kind, str(value or ""), dispatcher)

    def validate_invoice_tax_id(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        code, _ = _tax_id_in(re.sub(r"[\s\-]", "", str(value or "")))
        if code is None:
            dispatcher.utter_message(response="utter_invoice_tax_id_invalid")
        return {"invoice_tax_id": code}

    def validate_invoice_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        found = _EMAIL.search(str(value or ""))
        email = valid_email(found.group(0).rstrip(".")) if found else None
        if email is None:
            dispatcher.utter_message(response="utter_invoice_email_invalid")
        return {"invoice_email": email}


class ActionRequestInvoice(LedgerAction):
    """Submit of ``invoice_form``: issue the invoice, or re-issue it with the corrected details."""

    def name(self) -> str:
        return "action_request_invoice"

    def serve(self, dispatcher, tracker, domain, customer_id) -> list[dict[str, Any]]:
        details = {"title_type": tracker.get_slot("invoice_title_type"),
                   "title": tracker.get_slot("invoice_title"),
                   "tax_id": tracker.get_slot("invoice_tax_id")
                   if tracker.get_slot("invoice_title_type") == "company" else None,
                   "email": tracker.get_slot("invoice_email")}
        order_no = tracker.get_slot("invoice_order")
        key = ":".join([tracker.sender_id, str(order_no)] + [str(v or "") for v in details.values()])
        reset = [SlotSet(slot, None) for slot in INVOICE_SLOTS]
        with self.sessions().begin() as session:
            out = request_invoice(session=session, customer_id=customer_id, order_no=order_no,
                                  request_key=key, **details)
        if out.status == "not_eligible":
            dispatcher.utter_message(response=f"utter_invoice_refused_{out.reason}",
                                     order_no=out.order_no)
            return reset
        invoice = out.invoice.to_dict()
        response = f"utter_invoice_{out.status}"
        if out.status != "already_issued" and invoice["title_type"] == "company":
            response += "_company"
        dispatcher.utter_message(response=response, order_no=out.order_no, title=invoice["title"],
                                 tax_id=invoice["tax_id"] or "", email=invoice["email"],
                                 amount=invoice["amount"],
                                 previous_title=out.previous.title if out.previous else "")
        return reset
