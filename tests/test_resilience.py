"""When the action server is down or slow, the shopper still gets an apology and a human offer
(not silence, not a 300 s wait), and the conversation goes on."""
from __future__ import annotations

import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.pg import free_port

MODEL = Path(__file__).resolve().parent.parent / "models" / "product.tar.gz"


def _post(url, payload, timeout=60):
    req = urllib.request.Request(url, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def rasa_only(tmp_path_factory):
    from bot.stack import Stack
    assert MODEL.exists(), "no trained model: `make test` trains it before the tests"
    var = tmp_path_factory.mktemp("var")
    stack = Stack(bot_port=free_port(), actions_port=free_port(), with_actions=False,
                  with_desk=False, log_dir=var, env={"BOT_VAR_DIR": str(var),
                                    "LEDGER_URL": f"sqlite:///{var}/ledger.db"})
    stack.start()
    yield stack
    stack.stop()


def _texts(answer):
    return " ".join(m.get("text", "") for m in answer)


def test_action_server_down_gets_an_apology_and_a_human_offer(rasa_only):
    url = f"{rasa_only.url}/webhooks/rest/webhook"
    answer = _post(url, {"sender": "down-1", "message": "帮我申请一下价保"})
    assert "系统暂时出了点问题" in _texts(answer)
    assert any(b.get("payload") == "/human_handoff" for m in answer for b in m.get("buttons", []))
    # the conversation goes on: a rule-only turn still works
    assert "120" in _texts(_post(url, {"sender": "down-1", "message": "我胸口好痛喘不上气"}))


def test_a_slow_action_server_is_cut_off_after_a_few_seconds(rasa_only):
    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            time.sleep(20)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", rasa_only.actions_port), Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        answer = _post(f"{rasa_only.url}/webhooks/rest/webhook",
                       {"sender": "slow-1", "message": "帮我申请一下价保"})
        elapsed = time.monotonic() - started
    finally:
        server.shutdown()
    assert "系统暂时出了点问题" in _texts(answer), (elapsed, answer)
    assert elapsed < 19, f"waited {elapsed:.1f} s for a dead action server"
