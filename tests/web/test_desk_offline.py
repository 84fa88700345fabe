"""The desk without Rasa behind it (an in-process server over a real ledger copy): a claim that
cannot pause the conversation is handed back to the queue and reported as 502; demo sign-in can
be turned off; the ledger being unavailable is a 503, not a 500."""
from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.pg import free_port

PASSWORD = "desk-demo-618"


def _serve(scenario, **options):
    from bot.desk.app import create_app
    from bot.ledger.db import default_sessionmaker

    async def main():
        app = create_app(rasa_url=f"http://127.0.0.1:{free_port()}", api_token="t",
                         secret="offline-secret", sessions=options.pop("sessions", None)
                         or default_sessionmaker(), **options)
        async with TestClient(TestServer(app)) as client:
            return await scenario(client)
    return asyncio.run(main())


async def _login(client, login="general02"):
    r = await client.post("/desk/api/login", json={"login": login, "password": PASSWORD})
    assert r.status == 200, await r.text()
    return {"Authorization": f"Bearer {(await r.json())['token']}"}


def test_a_claim_rasa_cannot_take_goes_back_to_the_queue(ledger_env):
    from bot.ledger.db import default_sessionmaker
    from bot.ledger.services import open_handoff
    from bot.ledger.tables import HandoffTicket
    with default_sessionmaker().begin() as s:
        ticket = open_handoff(session=s, conversation_id="offline-1", topic="order_status").ticket_id

    async def scenario(client):
        auth = await _login(client)
        r = await client.post(f"/desk/api/tickets/{ticket}/claim", headers=auth)
        return r.status, await r.json()
    status, answer = _serve(scenario)
    assert status == 502 and answer["error"] == "rasa_unavailable"
    with default_sessionmaker()() as s:
        row = s.get(HandoffTicket, ticket)
        assert (row.status, row.agent_id) == ("queued", None)


def test_the_cookie_session_works_and_logout_ends_it(ledger_env):
    async def scenario(client):
        r = await client.post("/desk/api/login", json={"login": "general02", "password": PASSWORD})
        cookie = r.cookies["desk_session"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict"
        me = await client.get("/desk/api/me")
        await client.post("/desk/api/logout")
        after = await client.get("/desk/api/me")
        return me.status, (await me.json())["agent"]["login"], after.status
    assert _serve(scenario) == (200, "general02", 401)


def test_pages_are_served_with_a_strict_policy(ledger_env):
    async def scenario(client):
        out = {}
        for path in ("/chat", "/desk", "/static/chat.js", "/static/app.css"):
            r = await client.get(path)
            out[path] = (r.status, r.headers.get("Content-Security-Policy", ""), await r.text())
        root = await client.get("/", allow_redirects=False)
        return out, root.status, root.headers.get("Location")
    pages, status, location = _serve(scenario)
    assert all(status == 200 for status, _, _ in pages.values())
    assert "default-src 'self'" in pages["/chat"][1] and "客服" in pages["/desk"][2]
    assert (status, location) == (302, "/chat")


def test_demo_sign_in_can_be_turned_off(ledger_env):
    async def scenario(client):
        a = await client.get("/chat/api/customers")
        b = await client.post("/chat/api/sign-in", json={"customer_id": 1001})
        return a.status, b.status
    assert _serve(scenario, demo_sign_in=False) == (404, 404)


def test_a_missing_ledger_is_a_503_not_a_500(tmp_path):
    from bot.ledger.db import make_engine, make_sessionmaker
    broken = make_sessionmaker(make_engine(f"sqlite:///{tmp_path}/nothing-here.db"))

    async def scenario(client):
        r = await client.post("/desk/api/login", json={"login": "general02", "password": PASSWORD})
        return r.status, await r.json()
    status, answer = _serve(scenario, sessions=broken)
    assert status == 503 and answer["message"]


@pytest.mark.parametrize("path", ["/desk/api/login", "/chat/api/message"])
def test_oversized_bodies_are_a_413(ledger_env, path):
    async def scenario(client):
        r = await client.post(path, data=b"x" * (300 * 1024),
                              headers={"Content-Type": "application/json"})
        return r.status, await r.json()
    status, answer = _serve(scenario)
    assert status == 413 and answer["message"]
