"""The handoff actions on a real ledger: specialists off duty, callbacks (never for an
emergency), an emergency while an agent holds the conversation, two misses in a row."""
from __future__ import annotations

from sqlalchemy import select

from actions.fallback import ActionFallback
from actions.handoff import (ActionEscalateEmergency, ActionHumanHandoff, ActionRequestCallback,
                             summary_of)
from tests.actions.conftest import make_tracker, run

NIGHT = "2026-06-17T19:00:00+00:00"       # 03:00 in Beijing: only the general team is on shift


def names(messages):
    return [m["response"] for m in messages]


def _tickets(conversation_id):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.tables import HandoffTicket
    with default_sessionmaker()() as s:
        return s.execute(select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)
                         .order_by(HandoffTicket.id)).scalars().all()


def _claim(conversation_id, login="general02"):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.services import claim_ticket
    from bot.ledger.tables import Agent
    ticket_id = _tickets(conversation_id)[-1].id
    with default_sessionmaker().begin() as s:
        agent = s.execute(select(Agent).where(Agent.login == login)).scalar_one()
        claim_ticket(session=s, ticket_id=ticket_id, agent_id=agent.id)


def test_at_night_specialist_topics_go_to_general_with_a_callback_offer(ledger_env, monkeypatch):
    monkeypatch.setenv("LEDGER_NOW", NIGHT)
    earlier = [{"event": "user", "text": "猫粮推荐", "parse_data": {"intent": {"name": "pet_food_advice"}}}]
    _, said = run(ActionHumanHandoff(), make_tracker("转人工", "human_handoff", events=earlier,
                                                     sender="night-1"))
    assert names(said) == ["utter_handoff_queued", "utter_specialists_off_duty"]
    assert said[0]["team"] == "综合客服" and said[0]["position"] == 1 and said[0]["agents"] == 1
    [ticket] = _tickets("night-1")
    assert (ticket.team, ticket.topic, ticket.status) == ("general", "pet_food_advice", "queued")

    _, said = run(ActionRequestCallback(), make_tracker("/request_callback", "request_callback",
                                                        sender="night-1"))
    assert names(said) == ["utter_callback_booked"]
    # the pets team starts at 10:00; the ledger promises the call within 120 minutes of it
    assert said[0]["team"] == "宠物顾问" and said[0]["by"] == "06-18 12:00"
    [ticket] = _tickets("night-1")
    assert (ticket.team, ticket.status) == ("pets", "callback")


def test_an_emergency_never_waits_for_a_callback(ledger_env, monkeypatch):
    monkeypatch.setenv("LEDGER_NOW", NIGHT)
    run(ActionEscalateEmergency(), make_tracker("孩子误吞了药", "medical_emergency", sender="sos-cb"))
    _, said = run(ActionRequestCallback(), make_tracker("/request_callback", "request_callback",
                                                        sender="sos-cb"))
    assert names(said) == ["utter_callback_not_for_emergency"]
    [ticket] = _tickets("sos-cb")
    assert (ticket.priority, ticket.status) == (0, "queued")


def test_a_callback_is_not_needed_once_an_agent_has_the_conversation(ledger_env):
    run(ActionHumanHandoff(), make_tracker("转人工", "human_handoff", sender="held-cb"))
    _claim("held-cb")
    _, said = run(ActionRequestCallback(), make_tracker("/request_callback", "request_callback",
                                                        sender="held-cb"))
    assert names(said) == ["utter_callback_not_needed"]
    assert _tickets("held-cb")[-1].status == "claimed"


def test_a_callback_without_a_ticket_opens_one_first(ledger_env):
    _, said = run(ActionRequestCallback(), make_tracker("/request_callback", "request_callback",
                                                        sender="cb-new"))
    assert names(said) == ["utter_callback_booked"]
    assert [t.status for t in _tickets("cb-new")] == ["callback"]


def test_an_emergency_while_an_agent_holds_the_conversation_raises_it_in_place(ledger_env):
    run(ActionHumanHandoff(), make_tracker("转人工", "human_handoff", sender="held-sos"))
    _claim("held-sos")
    _, said = run(ActionEscalateEmergency(), make_tracker("我胸口好痛", "medical_emergency",
                                                          sender="held-sos"))
    assert names(said) == ["utter_emergency_agent_alerted"]
    [ticket] = _tickets("held-sos")
    assert (ticket.priority, ticket.status, ticket.team) == (0, "claimed", "general")


def test_two_misses_in_a_row_bring_in_a_human_with_a_summary(ledger_env):
    miss = {"event": "user", "text": "asdf", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    tracker = make_tracker("qwer", "nlu_fallback", events=[miss], customer=1001, sender="miss-2",
                           slots={"order_no": "123456789012"})
    events, said = run(ActionFallback(), tracker)
    assert names(said) == ["utter_fallback_handoff", "utter_handoff_queued"]
    [ticket] = _tickets("miss-2")
    assert ticket.customer_id == 1001 and ticket.summary["order_no"] == "123456789012"
    assert ticket.summary["intents"] == ["nlu_fallback", "nlu_fallback"]


def test_the_summary_never_carries_the_session_metadata():
    tracker = make_tracker("转人工", "human_handoff", slots={
        "session_started_metadata": {"customer_token": "SECRET"}, "order_no": "1"})
    assert "SECRET" not in str(summary_of(tracker))
