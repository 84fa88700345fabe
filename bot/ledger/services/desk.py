"""The agent desk's view of the handoff tickets: the queue an agent may see, one ticket in full,
internal notes, and a conversation's open ticket (for the callback action).

Visibility: an agent sees the tickets of their own team; a supervisor sees every team. Claiming,
resolving, routing and wait estimates are the rules of :mod:`bot.ledger.services.handoff`; this
module only reads them, adds notes, and can hand an unfinished claim back to the queue.
"""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc
from bot.ledger.errors import Conflict, Forbidden, InvalidRequest, NotFound
from bot.ledger.services.common import policy, resolve_now
from bot.ledger.services.handoff import OPEN, PRIORITY, agents_on_duty, queue_position
from bot.ledger.tables import Agent, Customer, HandoffNote, HandoffTicket, Team

__all__ = ["MAX_NOTE_CHARS", "get_agent", "visible_teams", "visible_ticket", "desk_queue",
           "ticket_record", "ticket_notes", "add_note", "release_claim", "open_ticket_for"]

MAX_NOTE_CHARS = 2000
PRIORITY_NAMES = {level: name for name, level in PRIORITY.items()}


def _t(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _summary(summary: dict | None) -> dict:
    """The ticket's summary without session metadata (it may carry the shopper's token)."""
    out = dict(summary or {})
    if isinstance(out.get("slots"), dict):
        out["slots"] = {k: v for k, v in out["slots"].items() if k != "session_started_metadata"}
    return out


def get_agent(session: Session, agent_id: int) -> Agent:
    agent = session.get(Agent, int(agent_id))
    if agent is None:
        raise NotFound("no such agent")
    return agent


def visible_teams(session: Session, agent: Agent) -> list[str]:
    """The team codes whose tickets this agent may see: their own, or all for a supervisor."""
    if agent.role == "supervisor":
        return list(session.execute(select(Team.code).order_by(Team.code)).scalars())
    return [agent.team]


def visible_ticket(session: Session, agent: Agent, ticket_id: int) -> HandoffTicket:
    ticket = session.get(HandoffTicket, int(ticket_id))
    if ticket is None:
        raise NotFound("no such ticket")
    if agent.role != "supervisor" and ticket.team != agent.team:
        raise Forbidden("this ticket belongs to another team")
    return ticket


def ticket_record(session: Session, ticket: HandoffTicket, now: datetime,
                  on_duty: dict[str, int] | None = None) -> dict:
    """What the desk shows of a ticket: routing, priority, summary, who holds it, and for a
    waiting ticket its queue position and the honest wait estimate."""
    team = session.get(Team, ticket.team)
    if on_duty is None or ticket.team not in on_duty:
        count = len(agents_on_duty(session, ticket.team, now))
        if on_duty is not None:
            on_duty[ticket.team] = count
    else:
        count = on_duty[ticket.team]
    position = queue_position(session, ticket)
    wait = (math.ceil(position / max(count, 1)) * policy(session, "handoff_avg_minutes")
            if position else 0)
    customer = session.get(Customer, ticket.customer_id) if ticket.customer_id else None
    agent = session.get(Agent, ticket.agent_id) if ticket.agent_id else None
    return {
        "id": ticket.id, "conversation_id": ticket.conversation_id,
        "customer": {"id": customer.id, "name": customer.name} if customer else None,
        "team": ticket.team, "team_name": team.name if team else ticket.team,
        "topic": ticket.topic, "priority": ticket.priority,
        "priority_name": PRIORITY_NAMES.get(ticket.priority, "normal"),
        "status": ticket.status, "summary": _summary(ticket.summary),
        "agent": {"id": agent.id, "name": agent.name, "login": agent.login} if agent else None,
        "created_at": _t(ticket.created_at), "claimed_at": _t(ticket.claimed_at),
        "resolved_at": _t(ticket.resolved_at), "callback_by": _t(ticket.callback_by),
        "position": position, "agents_on_duty": count, "wait_minutes": wait,
    }


def desk_queue(*, session: Session, agent_id: int, now: datetime | None = None) -> dict:
    """The open tickets this agent may see, by team then priority then age, with each team's
    agents on duty."""
    now = resolve_now(now)
    agent = get_agent(session, agent_id)
    teams = visible_teams(session, agent)
    tickets = session.execute(
        select(HandoffTicket).where(HandoffTicket.team.in_(teams), HandoffTicket.status.in_(OPEN))
        .order_by(HandoffTicket.team, HandoffTicket.priority, HandoffTicket.created_at,
                  HandoffTicket.id)).scalars().all()
    on_duty: dict[str, int] = {}
    records = [ticket_record(session, t, now, on_duty) for t in tickets]
    names = dict(session.execute(select(Team.code, Team.name).where(Team.code.in_(teams))).all())
    return {"teams": [{"code": code, "name": names.get(code, code),
                       "agents_on_duty": on_duty.get(code) if code in on_duty
                       else len(agents_on_duty(session, code, now)),
                       "waiting": sum(1 for r in records if r["team"] == code
                                      and r["status"] != "claimed")} for code in teams],
            "tickets": records}


def ticket_notes(session: Session, ticket_id: int) -> list[dict]:
    notes = session.execute(select(HandoffNote).where(HandoffNote.ticket_id == int(ticket_id))
                            .order_by(HandoffNote.created_at, HandoffNote.id)).scalars()
    return [{"id": n.id, "agent": n.agent.name, "agent_id": n.agent_id, "body": n.body,
             "created_at": _t(n.created_at)} for n in notes]


def add_note(*, session: Session, ticket_id: int, agent_id: int, body: str,
             now: datetime | None = None) -> dict:
    """An internal note by an agent who may see the ticket (never shown to the shopper)."""
    now = resolve_now(now)
    if not isinstance(body, str) or not body.strip():
        raise InvalidRequest("a note needs some text")
    if len(body) > MAX_NOTE_CHARS:
        raise InvalidRequest(f"a note may be at most {MAX_NOTE_CHARS} characters")
    agent = get_agent(session, agent_id)
    ticket = visible_ticket(session, agent, ticket_id)
    note = HandoffNote(ticket_id=ticket.id, agent_id=agent.id, body=body.strip(), created_at=now)
    session.add(note)
    session.flush()
    return {"id": note.id, "agent": agent.name, "agent_id": agent.id, "body": note.body,
            "created_at": _t(note.created_at)}


def release_claim(*, session: Session, ticket_id: int, agent_id: int) -> None:
    """Put a ticket this agent has just claimed back in the queue (the conversation could not be
    taken over). A single conditional UPDATE: nothing happens unless this agent holds it."""
    result = session.execute(update(HandoffTicket)
                             .where(HandoffTicket.id == int(ticket_id),
                                    HandoffTicket.agent_id == int(agent_id),
                                    HandoffTicket.status == "claimed")
                             .values(status="queued", agent_id=None, claimed_at=None)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("the ticket is not held by this agent")


def open_ticket_for(*, session: Session, conversation_id: str) -> HandoffTicket | None:
    """The conversation's open ticket (queued, claimed or waiting for a callback), if any."""
    return session.execute(select(HandoffTicket).where(
        HandoffTicket.conversation_id == str(conversation_id), HandoffTicket.status.in_(OPEN))
        .order_by(HandoffTicket.id)).scalars().first()
