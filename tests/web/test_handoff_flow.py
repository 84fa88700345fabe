"""The whole handoff as people see it: Playwright drives Debian's Chromium (headless) with a
shopper on a phone-width chat page and an agent on the desk, in two browser contexts.

Shopper asks for a human -> hears the queue position and wait -> the agent sees the ticket in
the queue, claims it -> the shopper sees the agent join -> the agent's reply arrives live ->
the shopper's next message reaches the desk and the assistant stays silent -> the agent writes
a note and hands back -> the shopper sees the agent leave and the assistant answers again.
Screenshots of both pages go to reports/screenshots/.
"""
from __future__ import annotations

import re

import pytest

from tests.web.conftest import PASSWORD, SCREENSHOTS

pytestmark = pytest.mark.timeout(300)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
WAIT = 30_000          # ms: generous, the machine is shared (two cores, models training)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    from pathlib import Path
    assert Path(CHROMIUM).exists(), "Chromium is missing: scripts/sysdeps installs it"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def test_a_whole_handoff_in_two_browsers(live, browser):
    from playwright.sync_api import expect
    shopper_ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                      has_touch=True)
    agent_ctx = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    shopper, agent = shopper_ctx.new_page(), agent_ctx.new_page()
    errors: list[str] = []
    for page in (shopper, agent):
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # the shopper signs in as a demo customer and asks for a human
        shopper.goto(f"{live.desk}/chat")
        expect(shopper.locator("#who option[value='1003']")).to_have_count(1, timeout=WAIT)
        shopper.select_option("#who", "1003")
        expect(shopper.locator(".msg.system").last).to_contain_text("李娜", timeout=WAIT)
        shopper.fill("#text", "转人工")
        shopper.click("#send")
        queued = shopper.locator(".msg.bot").last
        expect(queued).to_contain_text("综合客服", timeout=WAIT)
        expect(queued).to_contain_text(re.compile(r"\d+ 位"))          # queue position
        expect(queued).to_contain_text(re.compile(r"\d+ 分钟"))        # honest wait
        _shot(shopper, "chat-queued.png")

        # the agent signs in and sees the ticket in the general team's queue
        agent.goto(f"{live.desk}/desk")
        agent.fill("#login", "general02")
        agent.fill("#password", PASSWORD)
        agent.click("#login-form button")
        card = agent.locator(".tk").filter(has_text="李娜")
        expect(card).to_have_count(1, timeout=WAIT)
        expect(card).to_contain_text("排队中")
        _shot(agent, "desk-queue.png")
        card.click()
        expect(agent.locator("#transcript")).to_contain_text("转人工", timeout=WAIT)
        expect(agent.locator("#customer")).to_contain_text("订单", timeout=WAIT)

        # claim: the shopper sees the agent join; the agent replies and it arrives live
        agent.click("#claim")
        expect(shopper.locator(".msg.notice").last).to_contain_text("已接入", timeout=WAIT)
        expect(shopper.locator("#banner")).to_contain_text("王强", timeout=WAIT)
        expect(agent.locator("#reply")).to_be_enabled(timeout=WAIT)
        agent.fill("#reply", "您好，我是王强，请问有什么可以帮您？")
        agent.click("#reply-send")
        expect(shopper.locator(".msg.agent").last).to_contain_text("我是王强", timeout=WAIT)

        # the shopper answers: it reaches the desk, and the assistant stays silent
        bots_before = shopper.locator(".msg.bot").count()
        shopper.fill("#text", "我想问一下我的退款")
        shopper.click("#send")
        expect(agent.locator("#transcript")).to_contain_text("我想问一下我的退款", timeout=WAIT)
        expect(shopper.locator("#send")).to_be_enabled(timeout=WAIT)     # the turn is over
        assert shopper.locator(".msg.bot").count() == bots_before
        agent.fill("#note", "顾客问退款进度，已核对")
        agent.click("#note-form button")
        expect(agent.locator("#notes")).to_contain_text("顾客问退款进度", timeout=WAIT)
        _shot(shopper, "chat-agent.png")
        _shot(agent, "desk-ticket.png")

        # hand back: the shopper sees the agent leave, and the assistant answers again
        agent.click("#resolve")
        expect(shopper.locator(".msg.notice").last).to_contain_text("结束", timeout=WAIT)
        expect(shopper.locator("#banner")).to_be_hidden(timeout=WAIT)
        shopper.fill("#text", "你好")
        shopper.click("#send")
        expect(shopper.locator(".msg.bot").last).to_contain_text("京东", timeout=WAIT)
        expect(agent.locator("#ticket-badges")).to_contain_text("已解决", timeout=WAIT)
        _shot(shopper, "chat-handed-back.png")
        agent.set_viewport_size(PHONE)
        _shot(agent, "desk-phone.png")
    except Exception:
        _shot(shopper, "FAILED-chat.png")
        _shot(agent, "FAILED-desk.png")
        raise
    finally:
        shopper_ctx.close()
        agent_ctx.close()
    assert errors == []
    from sqlalchemy import select
    from bot.ledger.tables import HandoffTicket
    with live.sessions()() as s:
        tickets = s.execute(select(HandoffTicket).where(HandoffTicket.customer_id == 1003)).scalars().all()
    assert [t.status for t in tickets] == ["resolved"]


def test_the_chat_reloads_its_history_and_buttons_are_clickable(live, browser):
    from playwright.sync_api import expect
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(f"{live.desk}/chat")
        page.fill("#text", "你好")
        page.click("#send")
        expect(page.locator(".msg.bot").last).to_contain_text("京东", timeout=WAIT)
        page.reload()
        expect(page.locator(".msg.user").first).to_contain_text("你好", timeout=WAIT)
        expect(page.locator(".msg.bot")).to_have_count(1, timeout=WAIT)
        # a message with buttons (as the domain's responses carry them) arrives live; a click
        # sends the payload, shows the title, and the assistant acts on it
        conversation = page.evaluate("JSON.parse(localStorage.getItem('jd-webchat-v1'))"
                                     ".conversation.conversation_id")
        page.wait_for_timeout(500)                      # the stream is connected
        status, _ = live.rasa_api(
            "POST", f"conversations/{conversation}/tracker/events",
            {"event": "bot", "text": "需要为您转接人工客服吗？",
             "data": {"buttons": [{"title": "转人工", "payload": "/human_handoff"},
                                  {"title": "不用了", "payload": "/deny"}]}},
            output_channel="latest", execute_side_effects="true")
        assert status == 200
        button = page.locator(".choices button", has_text="转人工")
        expect(button).to_be_visible(timeout=WAIT)
        button.click()
        expect(page.locator(".msg.user").last).to_have_text("转人工", timeout=WAIT)
        expect(page.locator(".msg.bot").last).to_contain_text("综合客服", timeout=WAIT)
        _shot(page, "chat-buttons.png")
    finally:
        ctx.close()
