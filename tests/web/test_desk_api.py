"""The agent desk's API on a live stack: authentication, team visibility, double claims, bad
payloads, replies reaching the conversation, hand-back, and tickets whose conversation has
restarted (or never reached Rasa)."""
from __future__ import annotations

import subprocess
import threading
import uuid

import pytest

from tests.web.conftest import wait_for

pytestmark = pytest.mark.timeout(300)


def _conversation() -> str:
    return f"api-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def tokens(live):
    return {login: live.login(login) for login in
            ("general02", "general04", "baby01", "supervisor01")}


# -- authentication ------------------------------------------------------------------------------

ROUTES = [("GET", "me"), ("GET", "queue"), ("GET", "tickets/1"), ("POST", "tickets/1/claim"),
          ("POST", "tickets/1/reply"), ("POST", "tickets/1/notes"), ("POST", "tickets/1/resolve")]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_desk_route_needs_an_agent(live, method, path):
    body = {"text": "x"} if method == "POST" else None
    for headers in ({}, {"Authorization": "Bearer nonsense"},
                    {"Authorization": f"Bearer {live.customer_token(1001)}"},
                    {"Cookie": f"desk_session={live.customer_token(1001)}"}):
        status, answer = live.desk_call(method, path, body, headers=headers)
        assert status == 401, (headers, answer)
        assert answer["message"]


def test_login_checks_the_password_and_says_why_not(live):
    status, answer = live.desk_call("POST", "login", {"login": "general02", "password": "wrong"})
    assert (status, answer["error"]) == (401, "unauthorized")
    status, answer = live.desk_call("POST", "login", {"login": "nobody", "password": "desk-demo-618"})
    assert status == 401


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"login": 5, "password": "x"}',
                                 b'{"login": "general02"}', b'{"login": "", "password": "x"}',
                                 b'{"login": "general02", "password": ["desk-demo-618"]}', b""])
def test_login_rejects_bad_payloads_with_a_clear_400(live, raw):
    status, answer = live.desk_call("POST", "login", raw=raw)
    assert status == 400, answer
    assert answer["message"]


def test_unknown_routes_and_methods_are_json_4xx(live, tokens):
    status, answer = live.desk_call("GET", "nowhere", token=tokens["general02"])
    assert status == 404 and answer["message"]
    status, answer = live.desk_call("GET", "login")
    assert status == 405 and answer["message"]
    status, answer = live.desk_call("GET", "tickets/abc", token=tokens["general02"])
    assert status == 404
    status, answer = live.desk_call("GET", "tickets/99999999999999999999", token=tokens["general02"])
    assert status == 404 and answer["message"]


# -- visibility by team ------------------------------------------------------------------------

def test_agents_see_their_team_and_supervisors_see_every_team(live, tokens):
    general = live.open_ticket(_conversation(), topic="order_status")
    baby = live.open_ticket(_conversation(), topic="diaper_size_exchange")

    def ids(token):
        status, answer = live.desk_call("GET", "queue", token=token)
        assert status == 200, answer
        return {t["id"]: t for t in answer["tickets"]}, {t["code"] for t in answer["teams"]}

    seen, teams = ids(tokens["general02"])
    assert general in seen and baby not in seen and teams == {"general"}
    seen, teams = ids(tokens["baby01"])
    assert baby in seen and general not in seen and teams == {"baby"}
    seen, teams = ids(tokens["supervisor01"])
    assert {general, baby} <= set(seen) and {"general", "baby", "pharmacy"} <= teams
    assert seen[general]["position"] >= 1 and seen[general]["wait_minutes"] >= 1


def test_another_teams_ticket_is_forbidden(live, tokens):
    ticket = live.open_ticket(_conversation(), topic="order_status")
    for method, path, body in (("GET", f"tickets/{ticket}", None),
                               ("POST", f"tickets/{ticket}/claim", None),
                               ("POST", f"tickets/{ticket}/notes", {"text": "hi"}),
                               ("POST", f"tickets/{ticket}/reply", {"text": "hi"}),
                               ("POST", f"tickets/{ticket}/resolve", None)):
        status, answer = live.desk_call(method, path, body, token=tokens["baby01"])
        assert status == 403, (path, answer)
        assert "another team" in answer["message"]
    assert live.ticket_row(ticket).status == "queued"


# -- claiming ------------------------------------------------------------------------------------

def test_two_agents_never_claim_the_same_ticket(live, tokens):
    conversation = _conversation()
    ticket = live.open_ticket(conversation)
    results = []
    barrier = threading.Barrier(2)

    def claim(login):
        barrier.wait()
        results.append((login, *live.desk_call("POST", f"tickets/{ticket}/claim",
                                                token=tokens[login])))
    threads = [threading.Thread(target=claim, args=(login,)) for login in ("general02", "general04")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(status for _, status, _ in results)
    assert statuses == [200, 409], results
    winner = next(login for login, status, _ in results if status == 200)
    loser = next(answer for _, status, answer in results if status == 409)
    assert "already claimed" in loser["message"]
    row = live.ticket_row(ticket)
    assert row.status == "claimed"
    assert live.tracker(conversation)["paused"] is True
    # the loser's claim left no trace: exactly one join notice in the conversation
    notices = [e for e in live.tracker(conversation)["events"] if e["event"] == "bot"
               and (e.get("metadata") or {}).get("kind") == "agent_joined"]
    assert len(notices) == 1 and winner in ("general02", "general04")
    # a third try is refused the same way
    status, _ = live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["supervisor01"])
    assert status == 409


def test_reply_needs_the_claim_and_reaches_the_conversation(live, tokens):
    conversation = _conversation()
    ticket = live.open_ticket(conversation)
    status, answer = live.desk_call("POST", f"tickets/{ticket}/reply", {"text": "您好"},
                                    token=tokens["general02"])
    assert status == 409 and "claim" in answer["message"]
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["general02"])[0] == 200
    status, answer = live.desk_call("POST", f"tickets/{ticket}/reply", {"text": "您好"},
                                    token=tokens["general04"])
    assert status == 403 and "another agent" in answer["message"]
    status, answer = live.desk_call("POST", f"tickets/{ticket}/reply", {"text": "您好，我来帮您"},
                                    token=tokens["general02"])
    assert status == 200, answer
    said = [e for e in live.tracker(conversation)["events"] if e["event"] == "bot"
            and (e.get("metadata") or {}).get("role") == "agent"]
    assert [e["text"] for e in said] == ["您好，我来帮您"]
    assert said[0]["metadata"]["agent_name"]


@pytest.mark.parametrize("raw", [b"not json", b"[1]", b"{}", b'{"text": ""}', b'{"text": "   "}',
                                 b'{"text": 5}', b'{"text": null}',
                                 ('{"text": "' + "长" * 2001 + '"}').encode()])
def test_reply_and_notes_reject_bad_payloads(live, tokens, raw):
    ticket = live.open_ticket(_conversation())
    for path in (f"tickets/{ticket}/notes", f"tickets/{ticket}/reply"):
        status, answer = live.desk_call("POST", path, raw=raw, token=tokens["general02"])
        assert status == 400, (path, raw[:40], answer)
        assert answer["message"]


def test_unknown_ticket_is_404(live, tokens):
    for method, path in (("GET", "tickets/987654"), ("POST", "tickets/987654/claim"),
                         ("POST", "tickets/987654/resolve")):
        status, answer = live.desk_call(method, path, token=tokens["supervisor01"])
        assert status == 404, answer


def test_notes_are_internal(live, tokens):
    conversation = _conversation()
    ticket = live.open_ticket(conversation)
    status, answer = live.desk_call("POST", f"tickets/{ticket}/notes", {"text": "老顾客，语气要耐心"},
                                    token=tokens["general04"])
    assert status == 201, answer
    status, detail = live.desk_call("GET", f"tickets/{ticket}", token=tokens["general02"])
    assert [n["body"] for n in detail["notes"]] == ["老顾客，语气要耐心"]
    assert "老顾客" not in str(live.tracker(conversation)["events"])


# -- hand back -----------------------------------------------------------------------------------

def test_resolve_hands_back_to_the_bot_and_closes_the_ticket(live, tokens):
    chat = live.new_chat()
    conversation = chat["conversation_id"]
    ticket = live.open_ticket(conversation, customer_id=1001)
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["general02"])[0] == 200
    assert live.say(chat, "你好")["messages"] == []          # paused: the assistant is silent
    status, answer = live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["general04"])
    assert status == 403                                     # only the holder (or a supervisor)
    status, answer = live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["general02"])
    assert status == 200, answer
    assert answer["ticket"]["status"] == "resolved"
    row = live.ticket_row(ticket)
    assert row.status == "resolved" and row.resolved_at is not None
    assert live.tracker(conversation)["paused"] is False
    assert "京东" in " ".join(m["text"] for m in live.say(chat, "你好")["messages"])
    for path in (f"tickets/{ticket}/resolve", f"tickets/{ticket}/reply", f"tickets/{ticket}/claim"):
        status, answer = live.desk_call("POST", path, {"text": "x"}, token=tokens["general02"])
        assert status == 409, (path, answer)


def test_a_supervisor_may_hand_back_any_claimed_ticket(live, tokens):
    conversation = _conversation()
    ticket = live.open_ticket(conversation, topic="diaper_size_exchange")
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["baby01"])[0] == 200
    status, answer = live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["supervisor01"])
    assert status == 200, answer
    assert live.tracker(conversation)["paused"] is False


def test_ticket_detail_shows_transcript_customer_and_no_token(live, tokens):
    chat = live.new_chat()
    token = live.customer_token(1001)
    live.say(chat, "我的订单到哪了", token)
    turn = live.say(chat, "转人工", token)
    assert turn["messages"], turn
    row = wait_for(lambda: _ticket_of(live, chat["conversation_id"]))
    status, detail = live.desk_call("GET", f"tickets/{row}", token=tokens["general02"])
    assert status == 200, detail
    assert detail["ticket"]["customer"]["id"] == 1001
    texts = [m.get("text") for m in detail["transcript"]]
    assert "我的订单到哪了" in texts and "转人工" in texts
    assert detail["customer"]["orders"] and "claims" in detail["customer"]
    assert "tickets" in detail["customer"]
    assert detail["conversation"]["channel"] == "webchat"
    assert token not in str(detail)


def _ticket_of(live, conversation_id):
    from sqlalchemy import select
    from bot.ledger.tables import HandoffTicket
    with live.sessions()() as s:
        return s.execute(select(HandoffTicket.id).where(
            HandoffTicket.conversation_id == conversation_id)).scalar()


# -- conversations that restarted, or that Rasa never saw ----------------------------------------

def test_a_ticket_whose_conversation_restarted_can_still_be_taken_over(live, tokens):
    chat = live.new_chat()
    conversation = chat["conversation_id"]
    live.say(chat, "转人工")
    ticket = wait_for(lambda: _ticket_of(live, conversation))
    status, _ = live.rasa_api("POST", f"conversations/{conversation}/tracker/events",
                              {"event": "restart"})
    assert status == 200
    live.say(chat, "你好")                                    # the shopper carries on after it
    status, detail = live.desk_call("GET", f"tickets/{ticket}", token=tokens["general02"])
    assert status == 200, detail
    assert detail["conversation"]["restarted_since_ticket"] is True
    assert "转人工" in [m.get("text") for m in detail["transcript"]]   # history before the restart
    assert any(m.get("kind") == "restarted" for m in detail["transcript"])
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["general02"])[0] == 200
    assert live.tracker(conversation)["paused"] is True
    assert live.say(chat, "还在吗")["messages"] == []
    status, _ = live.desk_call("POST", f"tickets/{ticket}/reply", {"text": "我在"},
                               token=tokens["general02"])
    assert status == 200
    assert live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["general02"])[0] == 200
    assert live.tracker(conversation)["paused"] is False


def test_a_ticket_for_a_conversation_rasa_never_saw(live, tokens):
    conversation = _conversation()
    ticket = live.open_ticket(conversation)
    status, detail = live.desk_call("GET", f"tickets/{ticket}", token=tokens["general02"])
    assert status == 200 and detail["conversation"]["exists"] is False
    assert detail["transcript"] == []
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["general02"])[0] == 200
    assert live.tracker(conversation)["paused"] is True
    rest = f"{live.rasa}/webhooks/rest/webhook"
    assert live.request("POST", rest, {"sender": conversation, "message": "你好"}) == (200, [])
    assert live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["general02"])[0] == 200
    status, answer = live.request("POST", rest, {"sender": conversation, "message": "你好"})
    assert status == 200 and "京东" in answer[0]["text"]


# -- the servers ---------------------------------------------------------------------------------

def test_everything_listens_on_localhost_only(live):
    for url in (live.rasa, live.desk):
        port = url.rsplit(":", 1)[1]
        out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip("ss is not available")
        assert out.stdout.strip() and all("127.0.0.1:" in line for line in out.stdout.splitlines())


def test_rasas_http_api_needs_its_token(live):
    status, _ = live.request("GET", f"{live.rasa}/conversations/x/tracker")
    assert status in (401, 403)
    status, _ = live.request("POST", f"{live.rasa}/conversations/x/tracker/events",
                             {"event": "pause"},
                             headers={"Authorization": f"Bearer {live.customer_token(1001)}"})
    assert status in (401, 403)


def test_notices_follow_the_shoppers_script(live, tokens):
    conversation = _conversation()
    rest = f"{live.rasa}/webhooks/rest/webhook"
    assert live.request("POST", rest, {"sender": conversation, "message": "我的訂單到哪了"})[0] == 200
    ticket = live.open_ticket(conversation)
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=tokens["general02"])[0] == 200
    assert live.desk_call("POST", f"tickets/{ticket}/resolve", token=tokens["general02"])[0] == 200
    notices = [e["text"] for e in live.tracker(conversation)["events"] if e["event"] == "bot"
               and (e.get("metadata") or {}).get("kind") in ("agent_joined", "agent_left")]
    assert len(notices) == 2 and all("服務" in text for text in notices), notices
