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
           "RASA_TELEMETRY_ENABLED": "false"}
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
    for port in (stack["env"]["BOT_PORT"], stack["env"]["ACTIONS_PORT"]):
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


def test_ctrl_c_stops_both_servers(stack):
    proc, env = stack["proc"], stack["env"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (_listening(int(env["BOT_PORT"]))
                                           or _listening(int(env["ACTIONS_PORT"]))):
        time.sleep(0.5)
    assert not _listening(int(env["BOT_PORT"]))
    assert not _listening(int(env["ACTIONS_PORT"]))
