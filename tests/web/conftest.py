"""A live stack for the web tests: the action server, Rasa (REST and web chat channels, HTTP API
with its token) and the agent desk, each on a free port on 127.0.0.1, over a private copy of the
demo ledger with the clock pinned at ``NOW`` (10:00 in Beijing: the general team and most
specialists on shift), and a private tracker store. Stopped at the end of the run.

``BOT_TEST_MODEL`` may point at another trained model (default ``models/product.tar.gz``).
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.actions.conftest import demo_sqlite, ledger_env  # noqa: F401 - fixtures used here
from tests.conftest import NOW
from tests.pg import free_port

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
MODEL = Path(os.environ.get("BOT_TEST_MODEL") or ROOT / "models" / "product.tar.gz")
SECRET = "web-test-secret"
PASSWORD = "desk-demo-618"
SCREENSHOTS = ROOT / "reports" / "screenshots"


@dataclass
class Live:
    rasa: str
    desk: str
    api_token: str
    var: Path
    env: dict
    ledger_url: str
    stack: object

    # -- plain HTTP helpers (urllib: no extra client library) ---------------------------------

    def request(self, method: str, url: str, body=None, *, headers=None, raw: bytes | None = None,
                timeout: float = 60) -> tuple[int, dict | list | None]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                status = r.status
        except urllib.error.HTTPError as err:
            text, status = err.read(), err.code
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, {"raw": text.decode(errors="replace")}

    def desk_call(self, method: str, path: str, body=None, *, token: str | None = None, **kw):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        headers.update(kw.pop("headers", {}))
        return self.request(method, f"{self.desk}/desk/api/{path}", body, headers=headers, **kw)

    def login(self, login: str) -> str:
        status, body = self.desk_call("POST", "login", {"login": login, "password": PASSWORD})
        assert status == 200, body
        return body["token"]

    def rasa_api(self, method: str, path: str, body=None, **params):
        query = "&".join([f"token={self.api_token}"] + [f"{k}={v}" for k, v in params.items()])
        return self.request(method, f"{self.rasa}/{path}?{query}", body)

    def tracker(self, conversation_id: str) -> dict:
        status, body = self.rasa_api("GET", f"conversations/{conversation_id}/tracker",
                                     include_events="ALL")
        assert status == 200, body
        return body

    def new_chat(self) -> dict:
        status, body = self.request("POST", f"{self.desk}/chat/api/conversations", {})
        assert status == 200, body
        return body

    def say(self, chat: dict, text: str, token: str | None = None) -> dict:
        metadata = {"customer_token": token} if token else {}
        status, body = self.request("POST", f"{self.desk}/chat/api/message",
                                    {**chat, "message": text, "metadata": metadata})
        assert status == 200, body
        return body

    def sessions(self):
        from bot.ledger.db import make_engine, make_sessionmaker
        return make_sessionmaker(make_engine(self.ledger_url))

    def open_ticket(self, conversation_id: str, topic: str = "human_handoff",
                    priority: str = "normal", customer_id: int | None = None) -> int:
        from bot.ledger.services import open_handoff
        with self.sessions().begin() as s:
            return open_handoff(session=s, conversation_id=conversation_id, topic=topic,
                                priority=priority, customer_id=customer_id,
                                summary={"intents": ["human_handoff"]}, now=NOW).ticket_id

    def ticket_row(self, ticket_id: int):
        from bot.ledger.tables import HandoffTicket
        with self.sessions()() as s:
            return s.get(HandoffTicket, ticket_id)

    def customer_token(self, customer_id: int) -> str:
        from bot.identity import issue_token
        return issue_token(customer_id, ttl_seconds=3600, secret=SECRET)

    def age_conversation(self, conversation_id: str, seconds: float) -> None:
        """Move every event of the conversation ``seconds`` into the past (in the tracker store),
        so the next message starts a new session."""
        db = sqlite3.connect(self.var / "tracker.db")
        try:
            rows = db.execute("SELECT id, timestamp, data FROM events WHERE sender_id = ?",
                              (conversation_id,)).fetchall()
            for row_id, stamp, data in rows:
                event = json.loads(data)
                event["timestamp"] = event.get("timestamp", stamp) - seconds
                db.execute("UPDATE events SET timestamp = ?, data = ? WHERE id = ?",
                           (stamp - seconds, json.dumps(event), row_id))
            db.commit()
        finally:
            db.close()


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    from bot.stack import Stack
    assert MODEL.exists(), f"no trained model at {MODEL}: `make test` trains it before the tests"
    var = tmp_path_factory.mktemp("web-var")
    ledger_url = f"sqlite:///{var}/ledger.db"
    env = {"BOT_VAR_DIR": str(var), "LEDGER_URL": ledger_url, "LEDGER_NOW": NOW.isoformat(),
           "BOT_SECRET": SECRET, "TRACKER_URL": f"sqlite:///{var}/tracker.db",
           "RASA_TELEMETRY_ENABLED": "false", "DEMO_SIGN_IN": "1"}
    subprocess.run([BIN / "bot", "ledger", "seed"], env={**os.environ, **env}, check=True,
                   capture_output=True)
    stack = Stack(bot_port=free_port(), actions_port=free_port(), desk_port=free_port(),
                  env=env, model=MODEL, log_dir=var)
    stack.start()
    try:
        yield Live(stack.url, stack.desk_url, stack.api_token, var, {**stack.env}, ledger_url,
                   stack)
    finally:
        stack.stop()


def wait_for(check, timeout: float = 15, interval: float = 0.2):
    """Poll ``check()`` until it returns something truthy; that value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(interval)
