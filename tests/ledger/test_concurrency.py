"""Races: many sessions asking at the same instant, on SQLite and PostgreSQL.

Each thread has its own session and transaction; a barrier releases them together. The ledger
must pay once, whatever the interleaving.
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from bot.ledger import services as sv
from bot.ledger.errors import Conflict
from bot.ledger.tables import Agent, Claim, HandoffTicket, OrderItem, Refund, Return, ServiceTicket, TradeInQuote
from tests import factories as f
from tests.conftest import NOW

THREADS = 12


def race(n, work):
    """Run ``work(i)`` in ``n`` threads released together; return (results, errors)."""
    barrier = threading.Barrier(n)
    results, errors = [None] * n, [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return results, errors


def total(s, column, *where):
    return int(s.execute(select(func.coalesce(func.sum(column), 0)).where(*where)).scalar_one())


@pytest.mark.parametrize("named", [True, False], ids=["named_order", "one_click"])
def test_concurrent_price_guarantee_claims_pay_once(ledger, named):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, [f.line("L-MB14", 2)], paid_days_ago=5)
        f.set_public_price(s, "L-MB14", 549900)

    def claim(_):
        with ledger.Session.begin() as s:
            batch = sv.claim_price_guarantee(session=s, customer_id=c.id, order_no=o.order_no if named else None,
                                             now=NOW)
            return [(i.status, i.refund_fen) for i in batch.items]

    results, errors = race(THREADS, claim)
    assert errors == [None] * THREADS
    outcomes = sorted(r[0] for r in results)
    assert outcomes.count(("paid", 100000)) == 1
    assert outcomes.count(("not_eligible", 0)) == THREADS - 1
    with ledger.Session() as s:
        assert [(cl.status, cl.refund_fen) for cl in s.execute(select(Claim)).scalars()] == [("paid", 100000)]
        assert total(s, Refund.amount_fen) == 100000
        assert s.execute(select(func.count(Refund.id))).scalar_one() == 1


def test_concurrent_coupon_claims_pay_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        f.coupon(s, "A-DYSON-V12", value_fen=20000, threshold_fen=300000)
        o = f.order(s, c, ["A-DYSON-V12"], paid_days_ago=5)

    def claim(_):
        with ledger.Session.begin() as s:
            return sv.claim_coupon_refund(session=s, customer_id=c.id, order_no=o.order_no, now=NOW).total_refund_fen

    results, errors = race(THREADS, claim)
    assert errors == [None] * THREADS
    assert sorted(results) == [0] * (THREADS - 1) + [20000]
    with ledger.Session() as s:
        assert total(s, Refund.amount_fen) == 20000
        assert s.execute(select(func.count(Claim.id))).scalar_one() == 1


def test_a_return_retried_concurrently_with_the_same_request_id_refunds_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, ["X-LINING-RUN"], paid_days_ago=3, delivered_days_ago=2)

    def ask(_):
        with ledger.Session.begin() as s:
            out = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, request_id="tap-tap-tap",
                                    now=NOW)
            return out.status, out.return_id, out.refund_fen, out.refund_kind

    results, errors = race(THREADS, ask)
    assert errors == [None] * THREADS
    statuses = sorted(r[0] for r in results)
    assert statuses == ["accepted"] + ["already_requested"] * (THREADS - 1)
    assert len({r[1] for r in results}) == 1
    assert {r[2:] for r in results} == {(29900, "lightning")}
    with ledger.Session() as s:
        assert s.execute(select(func.count(Return.id))).scalar_one() == 1
        assert total(s, Refund.amount_fen) == 29900
        assert s.get(OrderItem, o.items[0].id).quantity_returned == 1


def _wait_until_blocked(ledger, timeout=10.0):
    """Until another session waits on a row lock (PostgreSQL); SQLite just serialises."""
    if ledger.kind != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    with ledger.engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar_one():
                return
            time.sleep(0.02)
    raise AssertionError("the retry never waited for the first request")


def test_a_partial_return_retried_while_the_first_request_is_still_open(ledger, request):
    with ledger.Session.begin() as s:
        c = f.customer(s, trust_score=800)
        o = f.order(s, c, [f.line("X-LINING-RUN", 3)], paid_days_ago=3, delivered_days_ago=2)
    first = ledger.Session()
    first.begin()
    out = sv.request_return(session=first, customer_id=c.id, order_no=o.order_no, quantity=1,
                            request_id="dup-1", now=NOW)
    assert out.status == "accepted"
    got = {}

    def retry():
        try:
            with ledger.Session.begin() as s:
                again = sv.request_return(session=s, customer_id=c.id, order_no=o.order_no, quantity=1,
                                          request_id="dup-1", now=NOW)
                got["out"] = (again.status, again.return_id, again.refund_fen)
        except Exception as exc:  # noqa: BLE001
            got["error"] = exc

    thread = threading.Thread(target=retry, daemon=True)
    thread.start()
    try:
        _wait_until_blocked(ledger)
    finally:
        first.commit()
        first.close()
    thread.join(timeout=60)
    assert "error" not in got, repr(got.get("error"))
    assert got["out"] == ("already_requested", out.return_id, 29900)
    with ledger.Session() as s:
        assert s.execute(select(func.count(Return.id))).scalar_one() == 1
        assert total(s, Refund.amount_fen) == 29900


def test_agents_claiming_the_same_ticket_at_once_exactly_one_wins(ledger):
    with ledger.Session.begin() as s:
        out = sv.open_handoff(session=s, conversation_id="c-race", topic="order_status", now=NOW)
        agents = s.execute(select(Agent.id).where(Agent.team == "general").order_by(Agent.id)).scalars().all()
    assert len(agents) == 5

    def claim(i):
        with ledger.Session.begin() as s:
            return sv.claim_ticket(session=s, ticket_id=out.ticket_id, agent_id=agents[i], now=NOW).agent_id

    results, errors = race(len(agents), claim)
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert sorted(type(e).__name__ for e in errors if e is not None) == ["Conflict"] * (len(agents) - 1)
    assert all(isinstance(e, Conflict) for e in errors if e is not None)
    with ledger.Session() as s:
        row = s.get(HandoffTicket, out.ticket_id)
        assert (row.status, row.agent_id) == ("claimed", winners[0])


def test_concurrent_fault_reports_open_one_ticket(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        o = f.order(s, c, ["B-PIGEON-PUMP"], paid_days_ago=30, delivered_days_ago=28)

    def report(_):
        with ledger.Session.begin() as s:
            r = sv.report_fault(session=s, customer_id=c.id, order_no=o.order_no, now=NOW)
            return r.status, r.ticket_id

    results, errors = race(8, report)
    assert errors == [None] * 8
    assert sorted(r[0] for r in results) == ["already_open"] * 7 + ["created"]
    assert len({r[1] for r in results}) == 1
    with ledger.Session() as s:
        assert s.execute(select(func.count(ServiceTicket.id))).scalar_one() == 1


def test_concurrent_bookings_of_one_quote_book_once(ledger):
    with ledger.Session.begin() as s:
        c = f.customer(s)
        q = sv.quote_trade_in(session=s, customer_id=c.id, items=[("iPhone 12", "B")], now=NOW)

    def book(i):
        with ledger.Session.begin() as s:
            return sv.book_trade_in(session=s, customer_id=c.id, quote_id=q.quote_id,
                                    pickup_at=NOW + timedelta(hours=i + 1), now=NOW).status

    results, errors = race(8, book)
    assert errors == [None] * 8
    assert sorted(results) == ["already_booked"] * 7 + ["booked"]
    with ledger.Session() as s:
        assert s.get(TradeInQuote, q.quote_id).status == "booked"
