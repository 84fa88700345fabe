"""The web chat channel on a live stack (through the desk's /chat/api and directly in Rasa):
conversation keys, bad payloads, replies with timestamps, history, the live push of agent
messages, the pause, emergencies while paused, and the pause surviving a new session."""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse

import pytest

from tests.web.conftest import wait_for

pytestmark = pytest.mark.timeout(300)


def _texts(messages) -> str:
    return " ".join(m.get("text", "") for m in messages)


class Stream:
    """Reads a Server-Sent Events stream in a thread; ``messages`` collects the data events."""

    def __init__(self, base: str, chat: dict) -> None:
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        query = urllib.parse.urlencode(chat)
        self.conn.request("GET", f"{url.path}/stream?{query}")
        self.response = self.conn.getresponse()
        self.messages: list[dict] = []
        self.status = self.response.status
        self.content_type = self.response.getheader("Content-Type", "")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while True:
                line = self.response.fp.readline()
                if not line:
                    return
                if line.startswith(b"data: "):
                    self.messages.append(json.loads(line[6:]))
        except (OSError, ValueError, AttributeError):   # AttributeError: closed meanwhile
            return

    def close(self) -> None:
        self.conn.close()


def _chat_api(live):
    return f"{live.desk}/chat/api"


def _rasa_chat(live):
    return f"{live.rasa}/webhooks/webchat"


def test_conversations_are_minted_and_keyed(live):
    one, two = live.new_chat(), live.new_chat()
    assert one["conversation_id"] != two["conversation_id"]
    assert one["conversation_id"].startswith("wc-") and len(one["conversation_id"]) >= 23
    forged = {"conversation_id": one["conversation_id"], "key": two["key"]}
    for base in (_chat_api(live), _rasa_chat(live)):
        status, answer = live.request("POST", f"{base}/message", {**forged, "message": "你好"})
        assert status == 403 and answer["message"]
        status, answer = live.request(
            "GET", f"{base}/history?{urllib.parse.urlencode(forged)}")
        assert status == 403


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'{"message": "hi"}',
                                 b'{"conversation_id": "me", "key": "x", "message": "hi"}',
                                 b'{"conversation_id": 5, "key": "x"}'])
def test_bad_payloads_get_a_clear_400(live, raw):
    for base in (_chat_api(live), _rasa_chat(live)):
        status, answer = live.request("POST", f"{base}/message", raw=raw)
        assert status == 400, (base, raw, answer)
        assert answer["message"]


@pytest.mark.parametrize("field, value", [("message", 5), ("message", ["hi"]), ("metadata", []),
                                          ("metadata", "token")])
def test_bad_fields_get_a_clear_400(live, field, value):
    chat = live.new_chat()
    status, answer = live.request("POST", f"{_chat_api(live)}/message",
                                  {**chat, "message": "你好", field: value})
    assert status == 400 and field in answer["message"]


def test_unknown_chat_routes_are_404_and_wrong_methods_405(live):
    assert live.request("GET", f"{_chat_api(live)}/elsewhere")[0] == 404
    assert live.request("GET", f"{_chat_api(live)}/message")[0] == 405
    assert live.request("GET", f"{_chat_api(live)}/stream")[0] == 400      # no conversation


def test_a_turn_returns_the_replies_with_timestamps_and_history_replays_them(live):
    chat = live.new_chat()
    turn = live.say(chat, "你好")
    assert turn["user"]["text"] == "你好" and turn["paused"] is False
    assert "京东" in _texts(turn["messages"])
    assert all(isinstance(m["timestamp"], float) and m["role"] == "bot" for m in turn["messages"])
    status, history = live.request("GET", f"{_chat_api(live)}/history?"
                                   + urllib.parse.urlencode(chat))
    assert status == 200
    assert [m["text"] for m in history["messages"]] == ["你好"] + [m["text"] for m in turn["messages"]]


def test_signed_in_shopper_gets_their_orders(live):
    status, customers = live.request("GET", f"{_chat_api(live)}/customers")
    assert status == 200 and 1001 in [c["id"] for c in customers["customers"]]
    status, signed = live.request("POST", f"{_chat_api(live)}/sign-in", {"customer_id": 1001})
    assert status == 200 and signed["customer"]["name"]
    chat = live.new_chat()
    turn = live.say(chat, "我的订单到哪了", signed["customer_token"])
    assert "登录" not in _texts(turn["messages"]) and any(ch.isdigit() for ch in _texts(turn["messages"]))


@pytest.mark.parametrize("body, status", [({"customer_id": 999999}, 404), ({"customer_id": "abc"}, 400),
                                          ({"customer_id": True}, 400), ({}, 400),
                                          ({"customer_id": 1011}, 404)])
def test_demo_sign_in_only_for_demo_customers(live, body, status):
    got, answer = live.request("POST", f"{_chat_api(live)}/sign-in", body)
    assert got == status, answer


def test_agent_messages_reach_an_open_stream_at_once(live):
    chat = live.new_chat()
    live.say(chat, "你好")
    for base in (_chat_api(live), _rasa_chat(live)):
        stream = Stream(base, chat)
        try:
            assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
            time.sleep(0.3)
            status, _ = live.rasa_api(
                "POST", f"conversations/{chat['conversation_id']}/tracker/events",
                {"event": "bot", "text": f"人工消息 {base[-6:]}",
                 "metadata": {"role": "agent", "agent_name": "测试客服"}},
                output_channel="latest", execute_side_effects="true")
            assert status == 200
            got = wait_for(lambda: stream.messages, timeout=10)
            assert got[0]["role"] == "agent" and got[0]["text"] == f"人工消息 {base[-6:]}"
            assert got[0]["agent_name"] == "测试客服" and got[0]["timestamp"]
        finally:
            stream.close()


def test_paused_conversations_are_silent_but_emergencies_still_get_120(live):
    chat = live.new_chat()
    conversation = chat["conversation_id"]
    live.say(chat, "转人工")
    ticket = wait_for(lambda: _ticket_of(live, conversation))
    token = live.login("general02")
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=token)[0] == 200
    turn = live.say(chat, "我想问问退货")
    assert turn["messages"] == [] and turn["paused"] is True
    turn = live.say(chat, "我吃了一整瓶安眠药")
    assert "120" in _texts(turn["messages"])
    row = live.ticket_row(ticket)
    assert (row.priority, row.status) == (0, "claimed")          # raised, still with the agent
    assert live.tracker(conversation)["paused"] is True
    assert live.say(chat, "好的")["messages"] == []              # and still silent after it
    assert live.desk_call("POST", f"tickets/{ticket}/resolve", token=token)[0] == 200


def test_the_pause_survives_a_new_session(live):
    chat = live.new_chat()
    conversation = chat["conversation_id"]
    live.say(chat, "转人工")
    ticket = wait_for(lambda: _ticket_of(live, conversation))
    token = live.login("general02")
    assert live.desk_call("POST", f"tickets/{ticket}/claim", token=token)[0] == 200
    live.age_conversation(conversation, 2 * 3600)                # the session expires (60 min)
    turn = live.say(chat, "你好")
    assert turn["messages"] == [] and turn["paused"] is True
    events = live.tracker(conversation)["events"]
    assert [e["event"] for e in events].count("session_started") == 2
    turn = live.say(chat, "孩子误吞了纽扣电池")                     # an emergency still gets 120
    assert "120" in _texts(turn["messages"])
    assert live.desk_call("POST", f"tickets/{ticket}/resolve", token=token)[0] == 200
    live.age_conversation(conversation, 2 * 3600)                # handed back: a new session
    assert "京东" in _texts(live.say(chat, "你好")["messages"])   # starts unpaused


def _ticket_of(live, conversation_id):
    from sqlalchemy import select
    from bot.ledger.tables import HandoffTicket
    with live.sessions()() as s:
        return s.execute(select(HandoffTicket.id).where(
            HandoffTicket.conversation_id == conversation_id)
            .order_by(HandoffTicket.id.desc())).scalars().first()
