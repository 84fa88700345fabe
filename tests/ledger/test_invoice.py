"""发票 (invoices): requests, corrections (换开) and retries, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ledger import services as sv
from bot.ledger.errors import InvalidRequest, UnknownOrder
from bot.ledger.services.invoice import valid_email, valid_tax_id, valid_title
from bot.ledger.tables import Claim, ServiceTicket
from tests import factories as f
from tests.conftest import NOW

BOC = "91110000802100433B"          # real codes whose check character holds
OTHER = "91350100M000100Y43"
MAIL = "zhang.wei@example.com"


def invoices(s):
    return list(s.execute(select(ServiceTicket).where(ServiceTicket.kind == "invoice")
                          .order_by(ServiceTicket.id)).scalars())


def ask(s, c, o, **kw):
    args = dict(title_type="personal", title="张伟", email=MAIL)
    args.update(kw)
    return sv.request_invoice(session=s, customer_id=c.id, order_no=o.order_no, now=NOW, **args)


def test_formats_tax_id_email_and_title():
    assert valid_tax_id(BOC) == BOC
    assert valid_tax_id(" 91350100m000100y43 ") == OTHER
    assert valid_tax_id("91110000802100433A") is None          # wrong check character
    assert valid_tax_id("9111000080210043") is None            # too short
    assert valid_tax_id("91110000802100433I") is None          # I is not in the alphabet
    assert valid_email(" a.b+c@mail.example.cn ") == "a.b+c@mail.example.cn"
    for bad in ("abc", "a@b", "a@@b.com", "a b@c.com", "", None):
        assert valid_email(bad) is None, bad
    assert valid_title("personal", "  张  伟 ") == "张 伟"
    assert valid_title("company", "京东") is None               # too short for a company
    assert valid_title("company", "北京京东世纪贸易有限公司") == "北京京东世纪贸易有限公司"
    assert valid_title("personal", "12345") is None


def test_a_personal_invoice_for_the_order_total(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("P-MI14", 2), "A-MIDEA-AC"], paid_days_ago=3, delivered_days_ago=1)
        total = sum(i.unit_price_fen * i.quantity for i in o.items)
        out = ask(s, c, o)
        assert (out.status, out.reason, out.previous) == ("issued", None, None)
        inv = out.invoice
        assert (inv.order_no, inv.status, inv.title_type, inv.title, inv.tax_id, inv.email,
                inv.amount_fen, inv.issued_at, inv.replaces) == \
            (o.order_no, "issued", "personal", "张伟", None, MAIL, total, NOW, None)
        (t,) = invoices(s)
        assert (t.id, t.customer_id, t.order_item_id, t.status, t.dedupe_key) == \
            (inv.ticket_id, c.id, o.items[0].id, "issued", f"inv:{o.id}")
        assert out.to_dict()["invoice"]["amount"] == f"{total // 100}.{total % 100:02d}"
        assert sv.current_invoice(session=s, customer_id=c.id, order_no=o.order_no) == inv


def test_a_company_invoice_needs_a_valid_tax_id(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        for tax_id in (None, "", "91110000802100433A", "123456789012345"):
            with pytest.raises(InvalidRequest):
                ask(s, c, o, title_type="company", title="北京京东世纪贸易有限公司", tax_id=tax_id)
        out = ask(s, c, o, title_type="company", title="北京京东世纪贸易有限公司", tax_id=BOC.lower())
        assert (out.status, out.invoice.title_type, out.invoice.tax_id) == ("issued", "company", BOC)


def test_malformed_requests_raise_and_issue_nothing(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        for kw in (dict(title_type="vip"), dict(title=""), dict(email="not-an-email"),
                   dict(tax_id=BOC), dict(title_type="company", title="京东", tax_id=BOC)):
            with pytest.raises(InvalidRequest):
                ask(s, c, o, **kw)
        assert invoices(s) == []
        assert sv.current_invoice(session=s, customer_id=c.id, order_no=o.order_no) is None


def test_another_shoppers_order_is_unknown(ledger):
    with ledger.Session.begin() as s:
        owner, other = f.customer(s), f.customer(s)
        o = f.order(s, owner, ["L-MB14"], paid_days_ago=3)
        with pytest.raises(UnknownOrder):
            ask(s, other, o)
        with pytest.raises(UnknownOrder):
            sv.current_invoice(session=s, customer_id=other.id, order_no=o.order_no)
        with pytest.raises(UnknownOrder):
            sv.current_invoice(session=s, customer_id=other.id, order_no="999999999999")
        assert invoices(s) == []


def test_asking_again_with_the_same_details_changes_nothing(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        first = ask(s, c, o, request_key="conv-1:a")
        again = ask(s, c, o, request_key="conv-2:b")
        assert (again.status, again.invoice) == ("already_issued", first.invoice)
        assert len(invoices(s)) == 1


def test_a_correction_voids_the_live_invoice_and_issues_a_new_one(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        first = ask(s, c, o, request_key="k1")
        fixed = ask(s, c, o, title_type="company", title="北京京东世纪贸易有限公司", tax_id=BOC,
                    email="finance@example.com", request_key="k2")
        assert fixed.status == "reissued"
        assert (fixed.previous.ticket_id, fixed.previous.status, fixed.previous.title) == \
            (first.invoice.ticket_id, "voided", "张伟")
        assert (fixed.invoice.title, fixed.invoice.tax_id, fixed.invoice.email, fixed.invoice.replaces) == \
            ("北京京东世纪贸易有限公司", BOC, "finance@example.com", first.invoice.ticket_id)
        old, new = invoices(s)
        assert (old.status, old.dedupe_key, new.status, new.dedupe_key) == \
            ("voided", None, "issued", f"inv:{o.id}")
        assert sv.current_invoice(session=s, customer_id=c.id, order_no=o.order_no) == fixed.invoice
        back = ask(s, c, o, request_key="k3")            # and back to the personal title
        assert (back.status, back.previous.ticket_id) == ("reissued", new.id)
        assert [t.status for t in invoices(s)] == ["voided", "voided", "issued"]


def test_a_retried_request_answers_with_its_first_outcome(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        ask(s, c, o, request_key="k1")
        fixed = ask(s, c, o, email="new@example.com", request_key="k2")
        retried = ask(s, c, o, email="new@example.com", request_key="k2")
        assert (retried.status, retried.invoice, retried.previous) == \
            ("reissued", fixed.invoice, fixed.previous)
        late_first = ask(s, c, o, request_key="k1")      # a late retry never undoes the correction
        assert (late_first.status, late_first.invoice.status) == ("issued", "voided")
        assert len(invoices(s)) == 2
        assert sv.current_invoice(session=s, customer_id=c.id, order_no=o.order_no).email == "new@example.com"


def test_the_amount_leaves_out_returned_units_and_refunded_claims(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("P-MI14", 2, 400000, quantity_returned=1)], paid_days_ago=3)
        s.add(Claim(order_item_id=o.items[0].id, customer_id=c.id, kind="price_guarantee",
                    status="paid", refund_fen=10000, created_at=NOW - timedelta(days=1)))
        s.flush()
        assert ask(s, c, o).invoice.amount_fen == 400000 - 10000


def test_cancelled_or_fully_refunded_orders_get_no_invoice(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        cancelled = f.order(s, c, ["L-MB14"], paid_days_ago=3, status="cancelled")
        returned = f.order(s, c, [f.line("L-MB14", 1, quantity_returned=1)], paid_days_ago=3)
        assert (ask(s, c, cancelled).status, ask(s, c, cancelled).reason) == ("not_eligible", "cancelled")
        assert (ask(s, c, returned).status, ask(s, c, returned).reason) == ("not_eligible", "nothing_paid")
        assert invoices(s) == []


def test_invoices_appear_among_the_customers_tickets(ledger):
    from bot.ledger.views import customer_view
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)
        ask(s, c, o)
        (ticket,) = customer_view(session=s, customer_id=c.id, now=NOW)["tickets"]
        assert (ticket["kind"], ticket["status"], ticket["order_no"], ticket["detail"]["title"]) == \
            ("invoice", "issued", o.order_no, "张伟")


@pytest.mark.parametrize("same_key", [True, False], ids=["retries", "different_titles"])
def test_concurrent_requests_leave_one_live_invoice(ledger, same_key):
    from tests.ledger.test_concurrency import race
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["L-MB14"], paid_days_ago=3)

    def request(i):
        with ledger.Session.begin() as s:
            out = sv.request_invoice(session=s, customer_id=c.id, order_no=o.order_no, now=NOW,
                                     title_type="personal", title="张伟" if same_key else f"张伟{i}",
                                     email=MAIL, request_key="k" if same_key else f"k{i}")
            return out.status

    results, errors = race(8, request)
    assert errors == [None] * 8
    with ledger.Session() as s:
        live = [t for t in invoices(s) if t.status == "issued"]
        assert len(live) == 1
        if same_key:
            assert len(invoices(s)) == 1 and set(results) == {"issued"}
        else:
            assert sorted(results) == ["issued"] + ["reissued"] * 7
            assert len(invoices(s)) == 8
