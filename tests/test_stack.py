"""`bot run` (what `make run` starts): the action server and the Rasa server on localhost, the
REST channel answering from the ledger, and Ctrl-C stopping both."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "product.tar.gz"


def _post(url: str, payload: dict) -> list[dict]:
    req = urllib.request.Request(url, json.dumps(payload).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.load(r)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    assert MODEL.exists(), "no trained model: `make test` trains it before the tests"
    var = tmp_path_factory.mktemp("var")
    env = {**os.environ, "BOT_VAR_DIR": str(var), "LEDGER_URL": f"sqlite:///{var}/ledger.db",
           "BOT_PORT": str(free_port()), "ACTIONS_PORT": str(free_port()),
           "DESK_PORT": str(free_port()),
           "RASA_TELEMETRY_ENABLED": "false", "LEDGER_NOW": "2026-06-18T02:00:00+00:00"}
    subprocess.run([BIN / "bot", "ledger", "seed"], env=env, check=True, capture_output=True)
    log = open(var / "run.log", "wb")
    proc = subprocess.Popen([BIN / "bot", "run"], env=env, cwd=ROOT, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['BOT_PORT']}"
    deadline = time.monotonic() + 240
    while b"ready." not in (var / "run.log").read_bytes():
        assert proc.poll() is None, (var / "run.log").read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "the stack did not start in 240 s"
        time.sleep(0.5)
    yield {"proc": proc, "env": env, "url": url, "var": var}
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def _token(stack, customer_id: int) -> str:
    out = subprocess.run([BIN / "bot", "token", str(customer_id)], env=stack["env"], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def test_servers_listen_on_localhost_only(stack):
    for port in (stack["env"]["BOT_PORT"], stack["env"]["ACTIONS_PORT"], stack["env"]["DESK_PORT"]):
        out = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True)
        if out.returncode != 0:
            pytest.skip("ss is not available")  # iproute2 is part of Debian's base system
        assert out.stdout.strip(), f"nothing listens on {port}"
        assert all("127.0.0.1:" in line for line in out.stdout.splitlines()), out.stdout


def test_rest_channel_answers_a_greeting(stack):
    answer = _post(f"{stack['url']}/webhooks/rest/webhook", {"sender": "smoke-1", "message": "你好"})
    assert answer and "京东" in answer[0]["text"]


def test_order_status_comes_from_the_ledger_for_the_signed_in_customer(stack):
    shown = json.loads(subprocess.run([BIN / "bot", "ledger", "show", "1001", "--json"],
                                      env=stack["env"], check=True, capture_output=True,
                                      text=True).stdout)
    newest = max(shown["orders"], key=lambda o: o["paid_at"])["order_no"]
    answer = _post(f"{stack['url']}/webhooks/rest/webhook",
                   {"sender": "smoke-2", "message": "我的订单到哪了",
                    "metadata": {"customer_token": _token(stack, 1001)}})
    texts = " ".join(m.get("text", "") for m in answer)
    assert newest in texts


def test_without_a_token_account_questions_ask_to_sign_in(stack):
    answer = _post(f"{stack['url']}/webhooks/rest/webhook",
                   {"sender": "smoke-3", "message": "我的订单到哪了"})
    texts = " ".join(m.get("text", "") for m in answer)
    assert "登录" in texts
    assert not any(ch.isdigit() for ch in texts), "no order number may leak without sign-in"


def test_a_forged_token_is_treated_as_no_token(stack):
    forged = _token(stack, 1001)[:-3] + "AAA"
    answer = _post(f"{stack['url']}/webhooks/rest/webhook",
                   {"sender": "smoke-4", "message": "我的订单到哪了",
                    "metadata": {"customer_token": forged}})
    assert "登录" in " ".join(m.get("text", "") for m in answer)


def test_http_api_needs_the_token(stack):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{stack['url']}/conversations/smoke-1/tracker", timeout=10)
    assert err.value.code in (401, 403)


def _texts(answer) -> str:
    return " ".join(m.get("text", "") for m in answer)


def _demo(stack) -> dict:
    return json.loads(subprocess.run([BIN / "bot", "demo", "--json"], env=stack["env"], check=True,
                                     capture_output=True, text=True).stdout)


def test_price_guarantee_pays_the_demo_amount_and_asking_twice_pays_once(stack):
    scenario = next(s for c in _demo(stack)["customers"] if c["id"] == 1007
                    for s in c["scenarios"] if s["kind"] == "price_drop")
    url, token = f"{stack['url']}/webhooks/rest/webhook", _token(stack, 1007)
    first = _post(url, {"sender": "pg-1", "message": "帮我申请一下价保",
                        "metadata": {"customer_token": token}})
    assert f"¥{scenario['expected_refund']}" in _texts(first)
    second = _post(url, {"sender": "pg-1", "message": "再帮我申请一次价保",
                         "metadata": {"customer_token": token}})
    assert f"退还差价 ¥{scenario['expected_refund']}" not in _texts(second)
    shown = json.loads(subprocess.run([BIN / "bot", "ledger", "show", "1007", "--json"],
                                      env=stack["env"], check=True, capture_output=True,
                                      text=True).stdout)
    paid = [c for c in shown["claims"] if c["status"] == "paid" and c["kind"] == "price_guarantee"]
    assert [c["refund_amount"] for c in paid] == [scenario["expected_refund"]]


def test_a_strangers_order_number_leaks_nothing(stack):
    scenario = next(s for c in _demo(stack)["customers"] if c["id"] == 1001
                    for s in c["scenarios"] if s["kind"] == "price_drop")
    url, token = f"{stack['url']}/webhooks/rest/webhook", _token(stack, 1002)
    theirs = _post(url, {"sender": "stranger-1", "message": f"订单{scenario['order_no']}申请价保",
                         "metadata": {"customer_token": token}})
    unknown = _post(url, {"sender": "stranger-2", "message": "订单999999999999申请价保",
                          "metadata": {"customer_token": token}})
    assert _texts(theirs) == _texts(unknown)
    assert scenario["sku_name"] not in _texts(theirs)


def test_an_emergency_gets_120_first(stack):
    answer = _post(f"{stack['url']}/webhooks/rest/webhook",
                   {"sender": "sos-1", "message": "孩子刚刚误吞了一颗纽扣电池"})
    assert "120" in answer[0]["text"]


def test_traditional_in_traditional_out(stack):
    answer = _post(f"{stack['url']}/webhooks/rest/webhook",
                   {"sender": "trad-1", "message": "我的訂單到哪了"})
    text = _texts(answer)
    assert "登錄" in text or "訂單" in text, text
    assert "登录" not in text


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"message": "hi"}',
                                  b'{"sender": 5, "message": "hi"}',
                                  b'{"sender": "x", "message": 5}',
                                  b'{"sender": "x", "message": "hi", "metadata": []}'])
def test_malformed_requests_get_a_clear_400(stack, body):
    req = urllib.request.Request(f"{stack['url']}/webhooks/rest/webhook", body,
                                 {"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 400
    assert json.loads(err.value.read())["message"]


@pytest.mark.parametrize("message", ["", "😀😀😀", "价" * 20_000])
def test_odd_messages_get_a_reply(stack, message):
    answer = _post(f"{stack['url']}/webhooks/rest/webhook", {"sender": "odd-1", "message": message})
    assert answer and _texts(answer)


def test_ctrl_c_stops_both_servers(stack):
    proc, env = stack["proc"], stack["env"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    deadline = time.monotonic() + 20
    ports = [int(env[name]) for name in ("BOT_PORT", "ACTIONS_PORT", "DESK_PORT")]
    while time.monotonic() < deadline and any(_listening(port) for port in ports):
        time.sleep(0.5)
    assert not any(_listening(port) for port in ports)
