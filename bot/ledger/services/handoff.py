"""人工客服 (human agents): routing, queue, wait estimates, claiming and resolving tickets.

Topics route to a specialist team; when none of its agents is on shift, to the general team,
which is staffed around the clock. Priority: 0 emergency, 1 complaint, 2 the rest. The wait
estimate is honest arithmetic: ceil(position / agents on duty) x the average handling time.
A non-urgent topic may instead take a callback with a promised window; an emergency never.
Claiming is a single conditional UPDATE, so two agents can never claim the same ticket.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.ledger.clock import as_utc, local
from bot.ledger.errors import Conflict, Forbidden, InvalidRequest, NotFound
from bot.ledger.services.common import Record, policy, resolve_now
from bot.ledger.tables import Agent, AgentShift, HandoffTicket, Team

__all__ = ["HandoffOutcome", "PRIORITY", "team_for_topic", "agents_on_duty", "open_handoff",
           "queue_position", "claim_ticket", "resolve_ticket", "request_callback",
           "hash_password", "check_password", "authenticate_agent"]

PRIORITY = {"emergency": 0, "complaint": 1, "normal": 2}
OPEN = ("queued", "claimed", "callback")


@dataclass
class HandoffOutcome(Record):
    ticket_id: int
    team: str
    wanted_team: str
    routed_to_general: bool
    priority: int
    status: str
    position: int
    agents_on_duty: int
    wait_minutes: int
    created: bool
    callback_by: datetime | None = None


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)
    return f"pbkdf2_sha256$100000${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, rounds, salt, digest = stored.split("$")
        mine = hashlib.pbkdf2_hmac("sha256", str(password).encode(), bytes.fromhex(salt), int(rounds))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(mine.hex(), digest)


def authenticate_agent(*, session: Session, login: str, password: str) -> Agent | None:
    agent = session.execute(select(Agent).where(Agent.login == str(login))).scalar_one_or_none()
    if agent is None or not check_password(password, agent.password_hash):
        return None
    return agent


def team_for_topic(session: Session, topic: str) -> Team:
    for team in session.execute(select(Team).order_by(Team.code)).scalars():
        if topic in (team.topics or []):
            return team
    return session.get(Team, "general")


def _on_shift(shift: AgentShift, minute: int) -> bool:
    if shift.start_minute <= shift.end_minute:
        return shift.start_minute <= minute < shift.end_minute
    return minute >= shift.start_minute or minute < shift.end_minute


def agents_on_duty(session: Session, team: str, now: datetime) -> list[Agent]:
    t = local(now)
    minute = t.hour * 60 + t.minute
    agents = session.execute(select(Agent).where(Agent.team == team).order_by(Agent.id)).scalars()
    return [a for a in agents if any(_on_shift(s, minute) for s in a.shifts)]


def queue_position(session: Session, ticket: HandoffTicket) -> int:
    if ticket.status != "queued":
        return 0
    ahead = session.execute(select(func.count(HandoffTicket.id)).where(
        HandoffTicket.team == ticket.team, HandoffTicket.status == "queued",
        HandoffTicket.id != ticket.id,
        or_(HandoffTicket.priority < ticket.priority,
            and_(HandoffTicket.priority == ticket.priority,
                 or_(HandoffTicket.created_at < ticket.created_at,
                     and_(HandoffTicket.created_at == ticket.created_at,
                          HandoffTicket.id < ticket.id)))))).scalar_one()
    return int(ahead) + 1


def _outcome(session, ticket, wanted, created, now) -> HandoffOutcome:
    on_duty = len(agents_on_duty(session, ticket.team, now))
    position = queue_position(session, ticket)
    wait = math.ceil(position / max(on_duty, 1)) * policy(session, "handoff_avg_minutes") if position else 0
    return HandoffOutcome(ticket.id, ticket.team, wanted, ticket.team != wanted, ticket.priority,
                          ticket.status, position, on_duty, wait, created, ticket.callback_by)


def open_handoff(*, session: Session, conversation_id: str, topic: str, priority: str = "normal",
                 customer_id: int | None = None, summary: dict | None = None,
                 now: datetime | None = None) -> HandoffOutcome:
    """Queue the conversation for a human (or return its open ticket, raised in priority when
    the new reason is more urgent)."""
    now = resolve_now(now)
    if priority not in PRIORITY:
        raise InvalidRequest(f"priority must be one of {tuple(PRIORITY)}")
    conversation_id = str(conversation_id or "").strip()
    if not conversation_id:
        raise InvalidRequest("a conversation id is needed")
    level = PRIORITY[priority]
    wanted = team_for_topic(session, topic)
    existing = session.execute(select(HandoffTicket).where(
        HandoffTicket.conversation_id == conversation_id, HandoffTicket.status.in_(OPEN))
        .order_by(HandoffTicket.id).with_for_update()).scalars().first()
    if existing is not None:
        if level < existing.priority:
            existing.priority, existing.topic = level, topic
            if existing.status in ("queued", "callback"):
                route = wanted
                if not wanted.around_the_clock and not agents_on_duty(session, wanted.code, now):
                    route = session.get(Team, "general")
                existing.team = route.code
            if existing.status == "callback":
                existing.status, existing.callback_by = "queued", None
        if summary:
            existing.summary = {**(existing.summary or {}), **summary}
        session.flush()
        return _outcome(session, existing, wanted.code, False, now)
    team = wanted
    if not wanted.around_the_clock and not agents_on_duty(session, wanted.code, now):
        team = session.get(Team, "general")
    ticket = HandoffTicket(conversation_id=conversation_id, customer_id=customer_id, team=team.code,
                           topic=topic, priority=level, summary=summary or {}, status="queued",
                           created_at=now)
    try:
        with session.begin_nested():
            session.add(ticket)
            session.flush()
    except IntegrityError:   # another request opened it at the same instant: use that one
        return open_handoff(session=session, conversation_id=conversation_id, topic=topic,
                            priority=priority, customer_id=customer_id, summary=summary, now=now)
    return _outcome(session, ticket, wanted.code, True, now)


def _next_shift_start(session: Session, team: str, now: datetime) -> datetime | None:
    starts = session.execute(select(AgentShift.start_minute).join(Agent)
                             .where(Agent.team == team)).scalars().all()
    if not starts:
        return None
    t = local(now)
    today = t.replace(hour=0, minute=0, second=0, microsecond=0)
    candidates = [today + timedelta(minutes=m, days=d) for m in starts for d in (0, 1)]
    return as_utc(min(c for c in candidates if c > t))


def request_callback(*, session: Session, ticket_id: int, now: datetime | None = None) -> HandoffOutcome:
    """Turn a queued non-urgent ticket into a callback by its specialist team, with a promised
    window (the team's next shift start plus the callback window)."""
    now = resolve_now(now)
    ticket = session.get(HandoffTicket, int(ticket_id))
    if ticket is None:
        raise NotFound("no such ticket")
    if ticket.priority == PRIORITY["emergency"]:
        raise Conflict("an emergency never waits for a callback")
    if ticket.status not in ("queued", "callback"):
        raise Conflict("the ticket is no longer waiting")
    wanted = team_for_topic(session, ticket.topic)
    start = now if agents_on_duty(session, wanted.code, now) else (_next_shift_start(session, wanted.code, now) or now)
    ticket.team, ticket.status = wanted.code, "callback"
    ticket.callback_by = start + timedelta(minutes=policy(session, "callback_window_minutes"))
    session.flush()
    return _outcome(session, ticket, wanted.code, False, now)


def claim_ticket(*, session: Session, ticket_id: int, agent_id: int,
                 now: datetime | None = None) -> HandoffTicket:
    now = resolve_now(now)
    agent = session.get(Agent, int(agent_id))
    ticket = session.get(HandoffTicket, int(ticket_id))
    if agent is None or ticket is None:
        raise NotFound("no such ticket")
    if agent.role != "supervisor" and agent.team != ticket.team:
        raise Forbidden("this ticket belongs to another team")
    result = session.execute(update(HandoffTicket)
                             .where(HandoffTicket.id == ticket.id,
                                    HandoffTicket.status.in_(("queued", "callback")))
                             .values(status="claimed", agent_id=agent.id, claimed_at=now)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict("the ticket was already claimed")
    session.refresh(ticket)
    return ticket


def resolve_ticket(*, session: Session, ticket_id: int, agent_id: int,
                   now: datetime | None = None) -> HandoffTicket:
    now = resolve_now(now)
    ticket = session.get(HandoffTicket, int(ticket_id))
    agent = session.get(Agent, int(agent_id))
    if ticket is None or agent is None:
        raise NotFound("no such ticket")
    if ticket.status == "resolved":
        return ticket
    if ticket.agent_id != agent.id and agent.role != "supervisor":
        raise Forbidden("only the agent holding the ticket can resolve it")
    ticket.status, ticket.resolved_at = "resolved", now
    session.flush()
    return ticket


