"""人工客服 (human agents): routing, queue, waits, claiming, callbacks; SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from bot.ledger import services as sv
from bot.ledger.errors import Conflict, Forbidden, InvalidRequest, NotFound
from bot.ledger.seed import DEMO_AGENT_PASSWORD
from bot.ledger.tables import Agent, HandoffTicket
from tests.conftest import NOW


def beijing(hour, minute=0, day=18):
    return datetime(2026, 6, day, hour, minute, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def agent(s, login) -> int:
    return s.execute(select(Agent.id).where(Agent.login == login)).scalar_one()


def tickets(s):
    return list(s.execute(select(HandoffTicket).order_by(HandoffTicket.id)).scalars())


def test_daytime_topics_route_to_the_specialist_team(ledger):
    with ledger.Session.begin() as s:
        out = sv.open_handoff(session=s, conversation_id="c-med", topic="medication_question", customer_id=None,
                              now=NOW)
        assert (out.team, out.wanted_team, out.routed_to_general, out.priority, out.status) == \
            ("pharmacy", "pharmacy", False, 2, "queued")
        assert (out.position, out.agents_on_duty, out.wait_minutes, out.created) == (1, 1, 6, True)
        pets = sv.open_handoff(session=s, conversation_id="c-pet", topic="pet_food_advice", now=NOW)
        assert (pets.team, pets.routed_to_general) == ("pets", False)
        other = sv.open_handoff(session=s, conversation_id="c-x", topic="something_else", now=NOW)
        assert (other.team, other.wanted_team, other.routed_to_general) == ("general", "general", False)


def test_at_3am_specialist_topics_go_to_the_general_team(ledger):
    cases = [("medication_question", "pharmacy"), ("pet_food_advice", "pets"), ("trade_in", "phones_digital"),
             ("diaper_size_exchange", "baby")]
    with ledger.Session.begin() as s:
        for n, (topic, wanted) in enumerate(cases):
            out = sv.open_handoff(session=s, conversation_id=f"night-{n}", topic=topic, now=beijing(3))
            assert (out.team, out.wanted_team, out.routed_to_general) == ("general", wanted, True), topic
            assert (out.agents_on_duty, out.position, out.wait_minutes) == (1, n + 1, 6 * (n + 1))
        assert {t.team for t in tickets(s)} == {"general"}


def test_a_night_shift_past_midnight_keeps_the_pharmacist_on_duty(ledger):
    with ledger.Session.begin() as s:
        at_one = sv.open_handoff(session=s, conversation_id="a", topic="medication_question", now=beijing(1, 30))
        at_two = sv.open_handoff(session=s, conversation_id="b", topic="medication_question", now=beijing(2, 0))
        assert (at_one.team, at_one.agents_on_duty) == ("pharmacy", 1)
        assert (at_two.team, at_two.routed_to_general) == ("general", True)
        assert [a.login for a in sv.agents_on_duty(s, "pharmacy", beijing(23))] == ["pharmacy02"]
        assert [a.login for a in sv.agents_on_duty(s, "general", NOW)] == ["general02", "general04", "supervisor01"]


def test_queue_order_is_emergency_then_complaint_then_the_rest(ledger):
    with ledger.Session.begin() as s:
        made = {}
        for n, (name, topic, priority) in enumerate([
                ("first", "order_status", "normal"), ("second", "invoice", "normal"),
                ("complaint", "complaint", "complaint"), ("crisis", "self_harm", "emergency"),
                ("last", "refund_status", "normal")]):
            made[name] = sv.open_handoff(session=s, conversation_id=f"q-{name}", topic=topic, priority=priority,
                                         now=NOW + timedelta(minutes=n))
        # as each one was queued: general has 3 agents on duty, 6 minutes a conversation
        assert [(o.position, o.wait_minutes) for o in made.values()] == [(1, 6), (2, 6), (1, 6), (1, 6), (5, 12)]
        rows = {t.conversation_id: t for t in tickets(s)}
        positions = {name: sv.queue_position(s, rows[f"q-{name}"]) for name in made}
        assert positions == {"crisis": 1, "complaint": 2, "first": 3, "second": 4, "last": 5}
        assert [rows[f"q-{n}"].priority for n in ("crisis", "complaint", "first")] == [0, 1, 2]
        sv.claim_ticket(session=s, ticket_id=made["crisis"].ticket_id, agent_id=agent(s, "general02"), now=NOW)
        assert sv.queue_position(s, rows["q-crisis"]) == 0
        assert sv.queue_position(s, rows["q-first"]) == 2


def test_wait_estimate_uses_the_agents_on_duty(ledger):
    with ledger.Session.begin() as s:
        outs = [sv.open_handoff(session=s, conversation_id=f"n{i}", topic="order_status", now=beijing(3, i))
                for i in range(3)]
        assert [(o.position, o.agents_on_duty, o.wait_minutes) for o in outs] == [(1, 1, 6), (2, 1, 12), (3, 1, 18)]


def test_an_open_ticket_is_returned_and_raised_in_priority(ledger):
    with ledger.Session.begin() as s:
        sv.open_handoff(session=s, conversation_id="other", topic="complaint", priority="complaint", now=NOW)
        first = sv.open_handoff(session=s, conversation_id="c1", topic="order_status", summary={"order": "1"},
                                now=NOW + timedelta(minutes=1))
        assert (first.created, first.priority, first.position) == (True, 2, 2)
        raised = sv.open_handoff(session=s, conversation_id="c1", topic="complaint", priority="complaint",
                                 summary={"why": "late"}, now=NOW + timedelta(minutes=2))
        assert (raised.created, raised.ticket_id, raised.priority, raised.position) == \
            (False, first.ticket_id, 1, 2)
        top = sv.open_handoff(session=s, conversation_id="c1", topic="self_harm", priority="emergency",
                              now=NOW + timedelta(minutes=3))
        assert (top.created, top.ticket_id, top.priority, top.position) == (False, first.ticket_id, 0, 1)
        calmer = sv.open_handoff(session=s, conversation_id="c1", topic="order_status",
                                 now=NOW + timedelta(minutes=4))
        assert (calmer.ticket_id, calmer.priority) == (first.ticket_id, 0)
        row = s.get(HandoffTicket, first.ticket_id)
        assert (row.topic, row.priority, row.summary) == ("self_harm", 0, {"order": "1", "why": "late"})
        assert len(tickets(s)) == 2


def test_a_resolved_ticket_is_not_reused(ledger):
    with ledger.Session.begin() as s:
        first = sv.open_handoff(session=s, conversation_id="c1", topic="order_status", now=NOW)
        g2 = agent(s, "general02")
        sv.claim_ticket(session=s, ticket_id=first.ticket_id, agent_id=g2, now=NOW)
        sv.resolve_ticket(session=s, ticket_id=first.ticket_id, agent_id=g2, now=NOW)
        again = sv.open_handoff(session=s, conversation_id="c1", topic="order_status", now=NOW)
        assert again.created and again.ticket_id != first.ticket_id


def test_two_agents_claiming_the_same_ticket_one_gets_conflict(ledger):
    with ledger.Session.begin() as s:
        out = sv.open_handoff(session=s, conversation_id="c1", topic="order_status", now=NOW)
        g2, g4 = agent(s, "general02"), agent(s, "general04")
    with ledger.Session.begin() as s:
        claimed = sv.claim_ticket(session=s, ticket_id=out.ticket_id, agent_id=g2, now=NOW)
        assert (claimed.status, claimed.agent_id) == ("claimed", g2)
    with ledger.Session.begin() as s:
        with pytest.raises(Conflict):
            sv.claim_ticket(session=s, ticket_id=out.ticket_id, agent_id=g4, now=NOW + timedelta(seconds=1))
    with ledger.Session() as s:
        row = s.get(HandoffTicket, out.ticket_id)
        assert (row.status, row.agent_id) == ("claimed", g2)


def test_an_agent_of_another_team_is_forbidden_a_supervisor_may_claim_any(ledger):
    with ledger.Session.begin() as s:
        general = sv.open_handoff(session=s, conversation_id="g", topic="order_status", now=NOW)
        pharmacy = sv.open_handoff(session=s, conversation_id="p", topic="medication_question", now=NOW)
        with pytest.raises(Forbidden):
            sv.claim_ticket(session=s, ticket_id=general.ticket_id, agent_id=agent(s, "pharmacy01"), now=NOW)
        with pytest.raises(Forbidden):
            sv.claim_ticket(session=s, ticket_id=pharmacy.ticket_id, agent_id=agent(s, "general02"), now=NOW)
        assert s.get(HandoffTicket, general.ticket_id).status == "queued"
        boss = agent(s, "supervisor01")
        t = sv.claim_ticket(session=s, ticket_id=pharmacy.ticket_id, agent_id=boss, now=NOW)
        assert (t.status, t.agent_id, t.team) == ("claimed", boss, "pharmacy")
        with pytest.raises(NotFound):
            sv.claim_ticket(session=s, ticket_id=987654, agent_id=boss, now=NOW)


def test_only_the_holder_or_a_supervisor_resolves(ledger):
    with ledger.Session.begin() as s:
        out = sv.open_handoff(session=s, conversation_id="c", topic="order_status", now=NOW)
        g2, g4, boss = agent(s, "general02"), agent(s, "general04"), agent(s, "supervisor01")
        sv.claim_ticket(session=s, ticket_id=out.ticket_id, agent_id=g2, now=NOW)
        with pytest.raises(Forbidden):
            sv.resolve_ticket(session=s, ticket_id=out.ticket_id, agent_id=g4, now=NOW)
        done = sv.resolve_ticket(session=s, ticket_id=out.ticket_id, agent_id=boss, now=NOW + timedelta(minutes=5))
        assert done.status == "resolved"
        again = sv.resolve_ticket(session=s, ticket_id=out.ticket_id, agent_id=g4, now=NOW + timedelta(minutes=9))
        assert again.status == "resolved"


def test_callback_is_promised_after_the_specialists_next_shift_starts(ledger):
    with ledger.Session.begin() as s:
        night = sv.open_handoff(session=s, conversation_id="pet", topic="pet_food_advice", now=beijing(3))
        assert night.team == "general"
        out = sv.request_callback(session=s, ticket_id=night.ticket_id, now=beijing(3, 5))
        # pets01 starts at 10:00, callback within 120 minutes of that
        assert (out.status, out.team, out.callback_by) == ("callback", "pets", beijing(12, 0))
        day = sv.open_handoff(session=s, conversation_id="pet2", topic="pet_food_advice", now=NOW)
        out = sv.request_callback(session=s, ticket_id=day.ticket_id, now=NOW)
        assert out.callback_by == NOW + timedelta(minutes=120)
        claimed = sv.claim_ticket(session=s, ticket_id=night.ticket_id, agent_id=agent(s, "pets01"), now=NOW)
        assert claimed.status == "claimed"
        with pytest.raises(Conflict):
            sv.request_callback(session=s, ticket_id=night.ticket_id, now=NOW)


@pytest.mark.parametrize("when", [NOW, beijing(3)])
def test_an_emergency_never_gets_a_callback(ledger, when):
    with ledger.Session.begin() as s:
        out = sv.open_handoff(session=s, conversation_id="sos", topic="medical_emergency", priority="emergency",
                              now=when)
        assert (out.priority, out.position) == (0, 1)
        with pytest.raises(Conflict):
            sv.request_callback(session=s, ticket_id=out.ticket_id, now=when)
        assert s.get(HandoffTicket, out.ticket_id).status == "queued"


def test_bad_handoff_requests_raise(ledger):
    with ledger.Session.begin() as s:
        with pytest.raises(InvalidRequest):
            sv.open_handoff(session=s, conversation_id="c", topic="order_status", priority="urgent", now=NOW)
        with pytest.raises(InvalidRequest):
            sv.open_handoff(session=s, conversation_id="  ", topic="order_status", now=NOW)
        with pytest.raises(NotFound):
            sv.request_callback(session=s, ticket_id=987654, now=NOW)
        assert tickets(s) == []


def test_agent_login(ledger):
    with ledger.Session() as s:
        assert sv.authenticate_agent(session=s, login="general02", password=DEMO_AGENT_PASSWORD).login == "general02"
        assert sv.authenticate_agent(session=s, login="general02", password="wrong") is None
        assert sv.authenticate_agent(session=s, login="nobody", password=DEMO_AGENT_PASSWORD) is None


def test_an_emergency_while_waiting_for_a_callback_requeues_that_ticket(ledger):
    with ledger.Session.begin() as s:
        first = sv.open_handoff(session=s, conversation_id="c1", topic="pet_food_advice", now=beijing(3))
        sv.request_callback(session=s, ticket_id=first.ticket_id, now=beijing(3))
        sos = sv.open_handoff(session=s, conversation_id="c1", topic="medical_emergency", priority="emergency",
                              now=beijing(3, 10))
        assert (sos.created, sos.ticket_id, sos.priority, sos.status) == (False, first.ticket_id, 0, "queued")
        assert len(tickets(s)) == 1
