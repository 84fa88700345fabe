"""The agent desk and the shopper's web chat: one small aiohttp app on 127.0.0.1:DESK_PORT.

Pages (static files in ``bot/desk/static``, no CDN): ``/desk`` for agents, ``/chat`` for shoppers.

Agent API (JSON; every route needs an agent session: the ``desk_session`` cookie set by login, or
``Authorization: Bearer <token>``):

    POST /desk/api/login                {"login", "password"} -> the agent, and the session cookie
    POST /desk/api/logout
    GET  /desk/api/me
    GET  /desk/api/queue                open tickets of the agent's team (a supervisor: all), by
                                        team and priority, with queue position and wait
    GET  /desk/api/tickets/{id}         the ticket, its notes, the whole transcript (from Rasa's
                                        tracker API) and the shopper's orders, claims and tickets
    POST /desk/api/tickets/{id}/claim   claim it (one agent only); the assistant falls silent
                                        (``pause``) and the shopper sees the agent join
    POST /desk/api/tickets/{id}/reply   {"text"}: reaches the shopper's chat at once
    POST /desk/api/tickets/{id}/notes   {"text"}: an internal note
    POST /desk/api/tickets/{id}/resolve hand back to the assistant (``resume``), close the ticket

Shopper API: ``/chat/api/{conversations,message,history,stream}`` pass through to the web chat
channel inside Rasa (``bot.webchat``); ``GET /chat/api/customers`` and ``POST /chat/api/sign-in``
sign in as a demo customer (a signed ``customer_token``; off with ``DEMO_SIGN_IN=0``).

Errors are JSON ``{"error", "message"}``: 400 malformed, 401 not signed in, 403 another team's
ticket, 404 unknown, 409 the ticket's state changed (already claimed...), 502 Rasa unreachable.
Ledger work runs in a thread, one short transaction each.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any, Callable

import aiohttp
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.desk.auth import COOKIE, SESSION_TTL_SECONDS, InvalidSession, issue_agent_token, \
    verify_agent_token
from bot.desk.rasa import RasaClient, RasaUnavailable, agent_message, notice, session_start
from bot.desk.texts import response_text
from bot.desk.transcript import conversation_facts, desk_transcript

__all__ = ["create_app", "STATIC", "MAX_TEXT_CHARS"]

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
MAX_TEXT_CHARS = 2000
MAX_TICKET_ID = 2**31 - 1
CHAT_ROUTES = {"conversations": "POST", "message": "POST", "history": "GET", "stream": "GET"}

RASA = web.AppKey("rasa", RasaClient) if hasattr(web, "AppKey") else "rasa"
CONFIG = web.AppKey("config", dict) if hasattr(web, "AppKey") else "config"


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _json_error(status: int, error: str, message: str) -> web.Response:
    return web.json_response({"error": error, "message": message}, status=status)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _ok(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status, dumps=_dumps)


_LEDGER_STATUS = {"not_found": 404, "unknown_customer": 404, "unknown_order": 404,
                  "invalid_request": 400, "conflict": 409, "forbidden": 403}


@web.middleware
async def errors(request: web.Request, handler: Callable) -> web.StreamResponse:
    from bot.ledger.errors import LedgerError
    try:
        response = await handler(request)
    except ApiError as exc:
        return _json_error(exc.status, exc.error, exc.message)
    except LedgerError as exc:
        status = _LEDGER_STATUS.get(exc.code)
        if status is None:
            log.exception("ledger error on %s %s", request.method, request.path)
            return _json_error(503, "ledger_unavailable", "the ledger could not do this now")
        return _json_error(status, exc.code, str(exc))
    except RasaUnavailable as exc:
        return _json_error(502, "rasa_unavailable", str(exc))
    except SQLAlchemyError:
        log.exception("the ledger failed on %s %s", request.method, request.path)
        return _json_error(503, "ledger_unavailable", "the ledger is not available right now")
    except web.HTTPException as exc:
        if exc.status >= 400:
            reason = {404: "no such page or API route", 405: "method not allowed here",
                      413: "the request is too large"}.get(exc.status, exc.reason)
            return _json_error(exc.status, exc.reason.lower().replace(" ", "_"), reason)
        raise
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - never a bare 500 page
        log.exception("unexpected error on %s %s", request.method, request.path)
        return _json_error(500, "internal_error", "something went wrong; it has been logged")
    if request.path.startswith(("/desk", "/chat")) and not response.prepared:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cache-Control", "no-store")
        if response.content_type == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                "frame-ancestors 'none'; base-uri 'none'")
    return response


async def _body(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        if required:
            raise ApiError(400, "bad_request", "send a JSON object in the body")
        return {}
    if request.content_type != "application/json":
        raise ApiError(400, "bad_request", "the body must be JSON (Content-Type: application/json)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object")
    return data


def _text(data: dict[str, Any], key: str = "text") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "bad_request", f"`{key}` must be a non-empty string")
    if len(value) > MAX_TEXT_CHARS:
        raise ApiError(400, "bad_request", f"`{key}` may be at most {MAX_TEXT_CHARS} characters")
    return value.strip()


def _ticket_id(request: web.Request) -> int:
    try:
        value = int(request.match_info["ticket_id"])
    except (KeyError, ValueError):
        raise ApiError(404, "not_found", "no such ticket") from None
    if not 0 < value <= MAX_TICKET_ID:
        raise ApiError(404, "not_found", "no such ticket")
    return value


class Desk:
    """The handlers, bound to a ledger sessionmaker and the server secret."""

    def __init__(self, sessions, secret: str, demo_sign_in: bool) -> None:
        self.sessions = sessions
        self.secret = secret
        self.demo_sign_in = demo_sign_in

    async def ledger(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(session)`` in one short transaction, in a thread."""
        def run():
            with self.sessions.begin() as session:
                return work(session)
        return await asyncio.to_thread(run)

    # -- agents -------------------------------------------------------------------------------

    @staticmethod
    def _agent_record(agent, team_name: str | None = None) -> dict[str, Any]:
        return {"id": agent.id, "login": agent.login, "name": agent.name, "team": agent.team,
                "team_name": team_name or agent.team, "role": agent.role}

    async def agent(self, request: web.Request) -> dict[str, Any]:
        """The signed-in agent, re-read from the ledger; 401 otherwise."""
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else \
            request.cookies.get(COOKIE)
        if not token:
            raise ApiError(401, "unauthorized", "sign in as an agent first")
        try:
            agent_id = verify_agent_token(token, secret=self.secret)
        except InvalidSession:
            raise ApiError(401, "unauthorized", "the agent session is invalid or expired; "
                                                "sign in again") from None

        def load(session):
            from bot.ledger.tables import Agent, Team
            agent = session.get(Agent, agent_id)
            if agent is None:
                return None
            team = session.get(Team, agent.team)
            return self._agent_record(agent, team.name if team else None)
        agent = await self.ledger(load)
        if agent is None:
            raise ApiError(401, "unauthorized", "this agent no longer exists; sign in again")
        return agent

    async def login(self, request: web.Request) -> web.Response:
        data = await _body(request)
        login, password = data.get("login"), data.get("password")
        if not isinstance(login, str) or not login.strip() or len(login) > 64:
            raise ApiError(400, "bad_request", "`login` must be a non-empty string")
        if not isinstance(password, str) or not password or len(password) > 256:
            raise ApiError(400, "bad_request", "`password` must be a non-empty string")

        def check(session):
            from bot.ledger.services import authenticate_agent
            from bot.ledger.tables import Team
            agent = authenticate_agent(session=session, login=login.strip(), password=password)
            if agent is None:
                return None
            team = session.get(Team, agent.team)
            return self._agent_record(agent, team.name if team else None)
        agent = await self.ledger(check)
        if agent is None:
            raise ApiError(401, "unauthorized", "wrong login or password")
        token = issue_agent_token(agent["id"], secret=self.secret)
        response = _ok({"agent": agent, "token": token})
        response.set_cookie(COOKIE, token, max_age=SESSION_TTL_SECONDS, httponly=True,
                            samesite="Strict", path="/")
        return response

    async def logout(self, request: web.Request) -> web.Response:
        response = _ok({"signed_out": True})
        response.del_cookie(COOKIE, path="/")
        return response

    async def me(self, request: web.Request) -> web.Response:
        return _ok({"agent": await self.agent(request)})

    # -- the queue and tickets -----------------------------------------------------------------

    async def queue(self, request: web.Request) -> web.Response:
        agent = await self.agent(request)

        def read(session):
            from bot.ledger.services.desk import desk_queue
            return desk_queue(session=session, agent_id=agent["id"])
        return _ok({"agent": agent, **await self.ledger(read)})

    async def ticket(self, request: web.Request) -> web.Response:
        agent, ticket_id = await self.agent(request), _ticket_id(request)

        def read(session):
            from bot.ledger import clock
            from bot.ledger.services.desk import get_agent, ticket_notes, ticket_record, \
                visible_ticket
            ticket = visible_ticket(session, get_agent(session, agent["id"]), ticket_id)
            return ticket_record(session, ticket, clock.now()), ticket_notes(session, ticket.id)
        record, notes = await self.ledger(read)
        try:
            tracker = await request.app[RASA].tracker(record["conversation_id"])
            conversation = conversation_facts(tracker)
            transcript = desk_transcript(tracker.get("events") or []) \
                if conversation["exists"] else []
        except RasaUnavailable as exc:
            tracker, transcript = None, []
            conversation = {**conversation_facts(None), "error": str(exc)}
        customer_id = (record["customer"] or {}).get("id") or conversation.get("owner")
        customer = await self.ledger(lambda s: self._customer(s, customer_id))
        return _ok({"ticket": record, "notes": notes, "conversation": conversation,
                    "transcript": transcript, "customer": customer})

    @staticmethod
    def _customer(session, customer_id) -> dict[str, Any] | None:
        """The shopper's orders, claims and tickets (as ``bot ledger show`` prints them)."""
        if customer_id in (None, ""):
            return None
        from bot.ledger.errors import NotFound
        from bot.ledger.views import customer_view
        try:
            view = customer_view(session=session, customer_id=int(customer_id))
        except (NotFound, ValueError, TypeError):
            return None
        view["orders"] = sorted(view["orders"], key=lambda o: o.get("paid_at") or "",
                                reverse=True)[:30]
        return view

    async def claim(self, request: web.Request) -> web.Response:
        agent, ticket_id = await self.agent(request), _ticket_id(request)
        await _body(request, required=False)

        def take(session):
            from bot.ledger.services import claim_ticket
            from bot.ledger.services.desk import get_agent, visible_ticket
            visible_ticket(session, get_agent(session, agent["id"]), ticket_id)
            ticket = claim_ticket(session=session, ticket_id=ticket_id, agent_id=agent["id"])
            return ticket.conversation_id
        conversation_id = await self.ledger(take)
        rasa: RasaClient = request.app[RASA]
        try:
            facts = conversation_facts(await rasa.tracker(conversation_id))
            text = response_text("utter_agent_joined", script=facts["script"], agent=agent["name"])
            # a conversation Rasa has not seen yet starts its first session here, explicitly:
            # otherwise Rasa starts it after stamping these events, and its store, which reads
            # a tracker from the latest session start on, would drop the pause
            start = [] if facts["exists"] else session_start()
            await rasa.append(conversation_id, start + [
                {"event": "pause", "timestamp": time.time()},
                notice(text, kind="agent_joined", agent_name=agent["name"], ticket_id=ticket_id)])
        except Exception:
            def release(session):
                from bot.ledger.services.desk import release_claim
                release_claim(session=session, ticket_id=ticket_id, agent_id=agent["id"])
            await self.ledger(release)
            raise
        return _ok({"ticket": await self._record(ticket_id), "paused": True})

    async def reply(self, request: web.Request) -> web.Response:
        agent, ticket_id = await self.agent(request), _ticket_id(request)
        text = _text(await _body(request))
        conversation_id = await self.ledger(lambda s: self._held(s, agent, ticket_id))
        event = agent_message(text, agent_name=agent["name"], agent_id=agent["id"],
                              ticket_id=ticket_id)
        state = await request.app[RASA].append(conversation_id, [event])
        return _ok({"sent": True, "timestamp": event["timestamp"],
                    "channel": state.get("latest_input_channel")})

    @staticmethod
    def _held(session, agent: dict, ticket_id: int, *, supervisor_may: bool = False) -> str:
        from bot.ledger.errors import Conflict, Forbidden
        from bot.ledger.services.desk import get_agent, visible_ticket
        ticket = visible_ticket(session, get_agent(session, agent["id"]), ticket_id)
        if ticket.status == "resolved":
            raise Conflict("the ticket is already resolved")
        if ticket.status != "claimed":
            raise Conflict("claim the ticket first")
        if ticket.agent_id != agent["id"] and not (supervisor_may and agent["role"] == "supervisor"):
            raise Forbidden("another agent holds this ticket")
        return ticket.conversation_id

    async def note(self, request: web.Request) -> web.Response:
        agent, ticket_id = await self.agent(request), _ticket_id(request)
        text = _text(await _body(request))

        def write(session):
            from bot.ledger.services.desk import add_note
            return add_note(session=session, ticket_id=ticket_id, agent_id=agent["id"], body=text)
        return _ok({"note": await self.ledger(write)}, status=201)

    async def resolve(self, request: web.Request) -> web.Response:
        agent, ticket_id = await self.agent(request), _ticket_id(request)
        await _body(request, required=False)
        conversation_id = await self.ledger(
            lambda s: self._held(s, agent, ticket_id, supervisor_may=True))
        rasa: RasaClient = request.app[RASA]
        script = await self._script(rasa, conversation_id)
        text = response_text("utter_agent_left", script=script, agent=agent["name"])
        await rasa.append(conversation_id, [
            notice(text, kind="agent_left", agent_name=agent["name"], ticket_id=ticket_id),
            {"event": "resume", "timestamp": time.time()}])

        def close(session):
            from bot.ledger.services import resolve_ticket
            resolve_ticket(session=session, ticket_id=ticket_id, agent_id=agent["id"])
        await self.ledger(close)
        return _ok({"ticket": await self._record(ticket_id), "resumed": True})

    async def _record(self, ticket_id: int) -> dict[str, Any]:
        def read(session):
            from bot.ledger import clock
            from bot.ledger.services.desk import ticket_record
            from bot.ledger.tables import HandoffTicket
            return ticket_record(session, session.get(HandoffTicket, ticket_id), clock.now())
        return await self.ledger(read)

    @staticmethod
    async def _script(rasa: RasaClient, conversation_id: str) -> str:
        try:
            return conversation_facts(await rasa.tracker(conversation_id))["script"]
        except RasaUnavailable:
            return "simplified"

    # -- the shopper's side ------------------------------------------------------------------

    async def demo_customers(self, request: web.Request) -> web.Response:
        if not self.demo_sign_in:
            raise ApiError(404, "not_found", "demo sign-in is turned off")

        def read(session):
            from sqlalchemy import select
            from bot.ledger.seed import SCRIPTED
            from bot.ledger.tables import Customer
            ids = [row[0] for row in SCRIPTED]
            rows = session.execute(select(Customer).where(Customer.id.in_(ids))
                                   .order_by(Customer.id)).scalars()
            return [{"id": c.id, "name": c.name, "city": c.city, "district": c.district}
                    for c in rows]
        return _ok({"customers": await self.ledger(read)})

    async def sign_in(self, request: web.Request) -> web.Response:
        if not self.demo_sign_in:
            raise ApiError(404, "not_found", "demo sign-in is turned off")
        data = await _body(request)
        cid = data.get("customer_id")
        if isinstance(cid, bool) or not isinstance(cid, (int, str)):
            raise ApiError(400, "bad_request", "`customer_id` must be a demo customer's id")
        try:
            cid = int(cid)
        except ValueError:
            raise ApiError(400, "bad_request", "`customer_id` must be a number") from None

        def read(session):
            from bot.ledger.seed import SCRIPTED
            from bot.ledger.tables import Customer
            if cid not in {row[0] for row in SCRIPTED}:
                return None
            customer = session.get(Customer, cid)
            return {"id": customer.id, "name": customer.name} if customer else None
        customer = await self.ledger(read)
        if customer is None:
            raise ApiError(404, "not_found", "no such demo customer")
        from bot.identity import issue_token
        return _ok({"customer": customer,
                    "customer_token": issue_token(cid, secret=self.secret)})


async def chat_proxy(request: web.Request) -> web.StreamResponse:
    """Pass a web chat call through to the channel inside Rasa (the stream too, chunk by chunk)."""
    tail = request.match_info["tail"]
    method = CHAT_ROUTES.get(tail)
    if method is None:
        raise ApiError(404, "not_found", "no such chat API route")
    if request.method != method:
        raise ApiError(405, "method_not_allowed", f"use {method} for /chat/api/{tail}")
    rasa: RasaClient = request.app[RASA]
    url = f"{rasa.base_url}/webhooks/webchat/{tail}"
    body = await request.read() if method == "POST" else None
    stream = tail == "stream"
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=5, sock_read=60) if stream else \
        aiohttp.ClientTimeout(total=120)
    try:
        async with rasa.session().request(method, url, params=request.query, data=body,
                                          timeout=timeout,
                                          headers={"Content-Type": "application/json"}) as up:
            if not stream or up.status != 200:
                return web.Response(body=await up.read(), status=up.status,
                                    content_type=up.content_type or "application/json")
            out = web.StreamResponse(status=200, headers={
                "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no"})
            await out.prepare(request)
            try:
                async for chunk in up.content.iter_any():
                    await out.write(chunk)
            except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionResetError):
                pass        # the browser reconnects and re-reads the history
            return out
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise ApiError(502, "rasa_unavailable", "the assistant is not reachable right now") from None


def _page(name: str):
    async def handler(_: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers={"Content-Type": "text/html; charset=utf-8"})
    return handler


async def health(_: web.Request) -> web.Response:
    return _ok({"status": "ok"})


async def home(_: web.Request) -> web.Response:
    raise web.HTTPFound("/chat")


async def no_icon(_: web.Request) -> web.Response:
    return web.Response(status=204)


def create_app(*, rasa_url: str, api_token: str, secret: str, sessions=None,
               demo_sign_in: bool = True) -> web.Application:
    if sessions is None:
        from bot.ledger.db import default_sessionmaker
        sessions = default_sessionmaker()
    desk = Desk(sessions, secret, demo_sign_in)
    app = web.Application(middlewares=[errors], client_max_size=256 * 1024)
    app[RASA] = RasaClient(rasa_url, api_token)

    async def close(app_: web.Application) -> None:
        await app_[RASA].close()
    app.on_cleanup.append(close)
    r = app.router
    r.add_get("/", home)
    r.add_get("/health", health)
    r.add_get("/favicon.ico", no_icon)
    r.add_get("/desk", _page("desk.html"))
    r.add_get("/chat", _page("chat.html"))
    r.add_static("/static/", STATIC)
    r.add_post("/desk/api/login", desk.login)
    r.add_post("/desk/api/logout", desk.logout)
    r.add_get("/desk/api/me", desk.me)
    r.add_get("/desk/api/queue", desk.queue)
    r.add_get(r"/desk/api/tickets/{ticket_id:\d+}", desk.ticket)
    r.add_post(r"/desk/api/tickets/{ticket_id:\d+}/claim", desk.claim)
    r.add_post(r"/desk/api/tickets/{ticket_id:\d+}/reply", desk.reply)
    r.add_post(r"/desk/api/tickets/{ticket_id:\d+}/notes", desk.note)
    r.add_post(r"/desk/api/tickets/{ticket_id:\d+}/resolve", desk.resolve)
    r.add_get("/chat/api/customers", desk.demo_customers)
    r.add_post("/chat/api/sign-in", desk.sign_in)
    r.add_route("*", "/chat/api/{tail}", chat_proxy)
    return app
