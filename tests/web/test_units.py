"""Pieces of the desk and the web chat that need no server: agent sessions, transcripts, the
push hub, and the pages' independence from the internet."""
from __future__ import annotations

import asyncio
import re

import pytest

from bot.desk.app import STATIC
from bot.desk.auth import InvalidSession, issue_agent_token, verify_agent_token
from bot.desk.texts import response_text
from bot.desk.transcript import chat_messages, conversation_facts, desk_transcript
from bot.identity import issue_token


def test_agent_sessions_round_trip_and_expire():
    token = issue_agent_token(7, secret="s", now=1000, ttl_seconds=60)
    assert verify_agent_token(token, secret="s", now=1059) == 7
    with pytest.raises(InvalidSession):
        verify_agent_token(token, secret="s", now=1060)
    with pytest.raises(InvalidSession):
        verify_agent_token(token, secret="other", now=1000)


@pytest.mark.parametrize("token", [None, "", "abc", "a.b.c", "!!!.???", 5, "x" * 600])
def test_malformed_sessions_are_refused(token):
    with pytest.raises(InvalidSession):
        verify_agent_token(token, secret="s")


def test_a_customer_token_never_opens_the_desk():
    customer = issue_token(1001, secret="s", ttl_seconds=60)
    with pytest.raises(InvalidSession):
        verify_agent_token(customer, secret="s")


def _events():
    return [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started", "timestamp": 1.0},
        {"event": "user", "text": "转人工", "timestamp": 2.0, "input_channel": "webchat",
         "parse_data": {"intent": {"name": "human_handoff", "confidence": 0.99}},
         "metadata": {"customer_token": "SECRET-TOKEN"}},
        {"event": "action", "name": "action_human_handoff"},
        {"event": "bot", "text": "已为您转接", "timestamp": 3.0,
         "data": {"buttons": [{"title": "预约回电", "payload": "/request_callback"}]}},
        {"event": "user", "text": "/request_callback", "timestamp": 4.0},
        {"event": "pause", "timestamp": 5.0},
        {"event": "bot", "text": "客服已接入", "timestamp": 6.0,
         "metadata": {"kind": "agent_joined", "agent_name": "王强"}},
        {"event": "bot", "text": "您好", "timestamp": 7.0,
         "metadata": {"role": "agent", "agent_name": "王强"}},
        {"event": "restart", "timestamp": 8.0},
    ]


def test_the_chat_shows_titles_for_payloads_and_tells_agents_from_the_bot():
    shown = chat_messages(_events())
    assert [(m["role"], m["text"]) for m in shown] == [
        ("user", "转人工"), ("bot", "已为您转接"), ("user", "预约回电"),
        ("notice", "客服已接入"), ("agent", "您好")]
    assert shown[1]["buttons"] == [{"title": "预约回电", "payload": "/request_callback"}]
    assert shown[4]["agent_name"] == "王强" and shown[4]["timestamp"] == 7.0
    assert [m["text"] for m in chat_messages(_events(), since=5)] == ["预约回电", "客服已接入", "您好"]


def test_the_desk_transcript_has_intents_and_system_events_but_no_token():
    transcript = desk_transcript(_events())
    assert transcript[1] == {"role": "shopper", "text": "转人工", "intent": "human_handoff",
                             "confidence": 0.99, "channel": "webchat", "timestamp": 2.0}
    assert [m["kind"] for m in transcript if m["role"] == "system"] == [
        "session_started", "paused", "restarted"]
    assert "SECRET-TOKEN" not in str(transcript)


def test_conversation_facts():
    facts = conversation_facts({"events": _events(), "paused": True, "latest_input_channel": "webchat",
                                "slots": {"conversation_owner": "1001"},
                                "latest_message": {"script": "traditional"}})
    assert facts == {"exists": True, "paused": True, "channel": "webchat", "owner": "1001",
                     "restarted_since_ticket": True, "script": "traditional"}
    assert conversation_facts(None)["exists"] is False
    assert conversation_facts({"events": _events()[:6]})["restarted_since_ticket"] is False


def test_notices_are_domain_responses_in_the_shoppers_script():
    simplified = response_text("utter_agent_joined", agent="王强")
    assert "王强" in simplified and "{" not in simplified
    assert response_text("utter_agent_left", script="traditional", agent="王强") != \
        response_text("utter_agent_left", agent="王强")
    with pytest.raises(KeyError):
        response_text("utter_no_such_thing")


def test_the_hub_fans_out_and_forgets_closed_streams():
    from bot.webchat import Hub, WebChatOutput

    async def scenario():
        hub = Hub()
        one, two = hub.subscribe("c"), hub.subscribe("c")
        await WebChatOutput(hub).send_response("c", {"text": "hi", "role": "agent",
                                                     "agent_name": "王强", "timestamp": 1.5})
        got = [one.get_nowait(), two.get_nowait()]
        hub.unsubscribe("c", one)
        hub.unsubscribe("c", two)
        return got, hub.listeners("c"), hub.publish("c", {"text": "lost"})
    got, listeners, delivered = asyncio.run(scenario())
    assert got[0] == got[1] == {"role": "agent", "text": "hi", "timestamp": 1.5,
                                "agent_name": "王强"}
    assert (listeners, delivered) == (0, 0)


def test_the_pages_need_no_internet_and_run_no_inline_script():
    for page in STATIC.glob("*.*"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), page.name
        assert "url(http" not in text and "@import" not in text, page.name
        if page.suffix == ".html":
            assert re.search(r"<script>", text) is None, page.name   # CSP: scripts from files only
            assert 'lang="zh-CN"' in text and 'name="viewport"' in text
