"""The ``bot`` command line, run as a real process against a temporary SQLite ledger."""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.identity import verify_token
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PINNED = "2026-06-18T10:00:00+08:00"          # = tests.conftest.NOW
KINDS = {"price_drop", "coupon_missed", "lightning_refund", "standard_refund", "trade_in",
         "baby_appliance_fault", "diaper_exchange", "pet_owner", "medicine_buyer"}


def environment(var: Path, db: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_SECRET", "LEDGER_URL", "LEDGER_NOW", "BOT_VAR_DIR", "BOT_TOKEN_TTL")}
    env.update(BOT_VAR_DIR=str(var), LEDGER_URL=f"sqlite:///{db}", LEDGER_NOW=PINNED,
               RASA_TELEMETRY_ENABLED="false", PYTHONIOENCODING="utf-8")
    return env


class Cli:
    def __init__(self, var: Path, db: Path):
        self.var, self.db, self.env = var, db, environment(var, db)

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(BIN / "bot"), *args], env=self.env, capture_output=True, text=True,
                              timeout=120, cwd=self.var)
        assert "Traceback" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, (args, done.returncode, done.stderr)
        return done

    def python(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "python"), *args], env=self.env, capture_output=True, text=True,
                              timeout=120, cwd=self.var)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """A demo ledger seeded by ``bot ledger seed --now`` (read-only for the tests using it)."""
    var = tmp_path_factory.mktemp("bot-var")
    cli = Cli(var, var / "ledger.db")
    done = cli("ledger", "seed", "--now", PINNED)
    assert done.stdout.startswith(f"demo ledger seeded, dated from {NOW.isoformat()} (sqlite:///")
    return cli


@pytest.fixture
def scratch(seeded, tmp_path):
    """A private copy of the seeded ledger that a test may change."""
    for path in seeded.var.glob("ledger.db*"):
        shutil.copy(path, tmp_path / path.name)
    shutil.copy(seeded.var / "secret", tmp_path / "secret")
    return Cli(tmp_path, tmp_path / "ledger.db")


@pytest.fixture(scope="module")
def demo(seeded):
    return json.loads(seeded("demo", "--json").stdout)


def test_demo_json_shape_and_every_kind(demo):
    assert demo["now"] == NOW.isoformat()
    assert [c["id"] for c in demo["customers"]] == list(range(1001, 1011))
    for c in demo["customers"]:
        assert isinstance(c["id"], int) and c["name"] and c["scenarios"]
        for s in c["scenarios"]:
            assert {"kind", "order_no", "sku_name", "expected_refund"} <= set(s), s
            assert re.fullmatch(r"\d{12}", s["order_no"]), s["order_no"]
            assert s["expected_refund"] is None or re.fullmatch(r"\d+\.\d\d", s["expected_refund"])
    assert KINDS <= {s["kind"] for c in demo["customers"] for s in c["scenarios"]}


def test_demo_json_figures(demo):
    figures = {(c["id"], s["kind"]): s["expected_refund"] for c in demo["customers"] for s in c["scenarios"]
               if s["expected_refund"] is not None}
    assert figures == {(1001, "price_drop"): "500.00", (1001, "coupon_missed"): "200.00",
                       (1001, "lightning_refund"): "299.00", (1002, "standard_refund"): "1080.00",
                       (1007, "price_drop"): "200.00", (1008, "lightning_refund"): "1999.00",
                       (1009, "standard_refund"): "399.00", (1010, "standard_refund"): "2899.00"}


def test_demo_text(seeded, demo):
    out = seeded("demo").stdout
    assert "#1001 张伟" in out and "price_drop" in out and "500.00" in out
    for c in demo["customers"]:
        for s in c["scenarios"]:
            assert s["order_no"] in out


def test_demo_leaves_the_ledger_unchanged(scratch):
    first = scratch("demo", "--json").stdout
    assert scratch("demo", "--json").stdout == first
    view = json.loads(scratch("ledger", "show", "1001", "--json").stdout)
    assert (view["claims"], view["refunds"], view["returns"], view["quotes"], view["tickets"]) == ([], [], [], [], [])


def test_ledger_show_json_after_the_shopper_claims(scratch, demo):
    from bot.ledger import services as sv
    from bot.ledger.db import make_engine, make_sessionmaker
    drop = next(s for c in demo["customers"] if c["id"] == 1001 for s in c["scenarios"] if s["kind"] == "price_drop")
    shoes = next(s for c in demo["customers"] if c["id"] == 1001 for s in c["scenarios"]
                 if s["kind"] == "lightning_refund")
    engine = make_engine(scratch.url)
    try:
        with make_sessionmaker(engine).begin() as s:
            assert sv.claim_price_guarantee(session=s, customer_id=1001, order_no=drop["order_no"],
                                            now=NOW).total_refund_fen == 50000
            assert sv.request_return(session=s, customer_id=1001, order_no=shoes["order_no"], now=NOW).status == "accepted"
    finally:
        engine.dispose()
    view = json.loads(scratch("ledger", "show", "1001", "--json").stdout)
    assert {"orders", "claims", "refunds", "returns", "quotes", "tickets"} <= set(view)
    assert view["customer"]["id"] == 1001 and view["customer"]["name"] == "张伟"
    assert drop["order_no"] in {o["order_no"] for o in view["orders"]}
    assert [{k: c[k] for k in ("order_no", "kind", "status", "refund_amount")} for c in view["claims"]] == \
        [{"order_no": drop["order_no"], "kind": "price_guarantee", "status": "paid", "refund_amount": "500.00"}]
    assert sorted((r["source"], r["kind"], r["amount"]) for r in view["refunds"]) == \
        [("price_guarantee", "claim", "500.00"), ("return", "lightning", "299.00")]
    assert [(r["order_no"], r["refund_amount"]) for r in view["returns"]] == [(shoes["order_no"], "299.00")]
    # the demo now reports the claim as made
    after = json.loads(scratch("demo", "--json").stdout)
    again = next(s for c in after["customers"] if c["id"] == 1001 for s in c["scenarios"] if s["kind"] == "price_drop")
    assert (again["expected_refund"], again["status"], again["reason"]) == (None, "not_eligible", "already_claimed")
    text = scratch("ledger", "show", "1001").stdout
    assert text.startswith("张伟 (#1001) trust 820 plus 北京朝阳区") and "claims (1):" in text


def test_token_is_signed_with_the_var_secret(seeded):
    token = seeded("token", "1001").stdout.strip()
    secret = (seeded.var / "secret").read_text().strip()
    assert verify_token(token, secret=secret) == 1001
    short = seeded("token", "1003", "--ttl", "60").stdout.strip()
    body = json.loads(base64.urlsafe_b64decode(short.split(".")[0] + "=="))
    assert (body["cid"], body["exp"] - body["iat"]) == (1003, 60)
    assert verify_token(short, secret=secret) == 1003


@pytest.mark.parametrize("args", [
    [], ["nonsense"], ["demo", "--jsn"], ["ledger"], ["ledger", "drop"], ["token"], ["token", "abc"],
    ["token", "0"], ["token", "-5"], ["token", "999999"], ["token", "1001", "--ttl", "0"],
    ["token", "1001", "--ttl", "soon"], ["ledger", "show"], ["ledger", "show", "abc"], ["ledger", "show", "999999"],
    ["ledger", "seed", "--now", "yesterday"],
])
def test_bad_arguments_exit_2_without_a_traceback(seeded, args):
    done = seeded(*args, check=False)
    assert done.returncode == 2, (args, done.stdout, done.stderr)
    assert done.stdout == ""
    assert re.search(r"^(usage: bot|bot: )", done.stderr, re.MULTILINE), done.stderr


def test_an_empty_ledger_is_reported_not_a_traceback(tmp_path):
    cli = Cli(tmp_path, tmp_path / "empty.db")
    for args in (["ledger", "show", "1001"], ["demo", "--json"], ["token", "1001"]):
        done = cli(*args, check=False)
        assert done.returncode == 1, (args, done.stderr)
        assert "bot: the ledger is not ready" in done.stderr
    assert re.match(r"ledger schema at revision \d{4}\b", cli("ledger", "init").stdout)
    done = cli("token", "1001", check=False)
    assert (done.returncode, done.stderr.strip()) == (2, "bot: no customer 1001 in the ledger (see `bot demo`)")


def test_seed_without_now_follows_the_ledger_clock(tmp_path):
    cli = Cli(tmp_path, tmp_path / "ledger.db")
    assert cli("ledger", "seed").stdout.startswith(f"demo ledger seeded, dated from {NOW.isoformat()}")


RASA_CHECK = ("import sys, bot.cli\n"
              "rc = bot.cli.main({argv!r})\n"
              "loaded = sorted(m for m in sys.modules if m == 'rasa' or m.startswith(('rasa.', 'rasa_sdk', 'tensorflow')))\n"
              "assert not loaded, loaded\n"
              "sys.exit(rc)\n")


@pytest.mark.parametrize("argv", [["demo", "--json"], ["demo"], ["ledger", "show", "1001", "--json"],
                                  ["token", "1001"]])
def test_commands_that_do_not_need_rasa_never_import_it(seeded, argv):
    done = seeded.python("-c", RASA_CHECK.format(argv=argv))
    assert done.returncode == 0, done.stderr[-2000:]


def test_bot_demo_import_time_shows_no_rasa(seeded):
    done = seeded.python("-X", "importtime", str(BIN / "bot"), "demo", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "bot.ledger.demo" in imported and "sqlalchemy" in imported
    assert not [m for m in imported if m == "rasa" or m.startswith(("rasa.", "rasa_sdk", "tensorflow"))]
    assert json.loads(done.stdout)["customers"][0]["id"] == 1001
