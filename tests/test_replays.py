"""Conversation replays (tests/conversations/replays): every recorded conversation, replayed
against one live stack started with the test switch on (the real action server and ledger; a
fresh seeded ledger and the file's pinned clock per conversation), runs the same actions and
utters the same responses, turn by turn, with the same ledger effects. Also: concurrent replays
lose and cross nothing, `bot export` round-trips, `bot replay` fails on a regression.

A regression prints the turn table. If a change of behaviour is intended (new forms, a retrained
model), re-record: scripts/record-replays.
"""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml

from bot.replay.files import REPLAY_DIR, load, replay_files
from bot.replay.runner import (DEFAULT_NOW, format_result, format_summary, replay_one,
                               run_replays, start_test_stack)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "product.tar.gz"
FILES = replay_files()
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    assert MODEL.exists(), "no trained model: `make test` trains it before the tests"
    now = load(FILES[0]).now if FILES else DEFAULT_NOW
    stack, target = start_test_stack(tmp_path_factory.mktemp("replay-var"), now=now)
    try:
        yield target
    finally:
        stack.stop()


def _all_turns():
    return [(f, t) for f in FILES for t in load(f).turns]


def test_the_set_spans_the_services_bad_input_and_both_scripts():
    from bot.nlu.text import detect_script
    assert len(FILES) >= 30, f"only {len(FILES)} replay files"
    turns = _all_turns()
    actions = {a for _, t in turns for a in t.actions}
    for needed in ("action_price_guarantee", "action_coupon_refund", "action_order_status",
                   "action_delivery_time", "action_refund_status", "action_human_handoff",
                   "action_complaint", "action_escalate_emergency"):
        assert needed in actions, f"no replay runs {needed}"
    users = [t.user for _, t in turns]
    assert "" in users, "no empty message"
    assert any(len(u) >= 20_000 for u in users), "no 20,000-character message"
    assert any(u and all(ord(ch) > 0x1F000 for ch in u) for u in users), "no emoji-only message"
    assert any(detect_script(u) == "traditional" for u in users), "no Traditional-script turn"
    assert any(t.metadata.get("token") == "forged" for _, t in turns), "no forged token"
    assert sum(len(load(f).turns) > 2 for f in FILES) >= 3, "too few multi-turn conversations"


def test_replay_files_hold_no_tokens():
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert "customer_token" not in text and "eyJ" not in text, path


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_replay(target, path):
    result = replay_one(load(path), target, f"{path.stem}-{RUN}")
    assert result.ok, "\n" + format_result(result)


def test_concurrent_replays_lose_and_cross_nothing(target):
    report = run_replays([load(f) for f in FILES], target, concurrency=8, run_id=f"c{RUN}")
    failed = [r for r in report.results if not r.ok]
    assert not failed, format_summary(report) + "\n" + "\n".join(format_result(r) for r in failed)


def _env(target) -> dict:
    return {**os.environ, "BOT_VAR_DIR": str(target.var), "BOT_SECRET": target.secret,
            "RASA_API_TOKEN": target.api_token, "TRACKER_URL": f"sqlite:///{target.var}/tracker.db"}


def test_export_round_trips_a_replayed_conversation(target, tmp_path):
    path = REPLAY_DIR / "price-guarantee-twice.yml"
    original = load(path)
    cid = f"roundtrip-{RUN}"
    assert replay_one(original, target, cid, keep_ledger=True).ok
    out = subprocess.run([BIN / "bot", "export", cid, "--out", str(tmp_path)], env=_env(target),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    exported = load(tmp_path / f"{cid}.yml")
    assert [(t.user, t.metadata, t.actions, t.responses) for t in exported.turns] == \
        [(t.user, t.metadata, t.actions, t.responses) for t in original.turns]
    assert exported.now == original.now
    assert exported.ledger == original.ledger and exported.ledger["claims"]
    assert "customer_token" not in (tmp_path / f"{cid}.yml").read_text(encoding="utf-8")


def test_bot_replay_exits_1_on_a_regression_with_a_table(target, tmp_path):
    raw = yaml.safe_load((REPLAY_DIR / "order-status.yml").read_text(encoding="utf-8"))
    raw["turns"][0]["responses"] = ["utter_greet"]
    tampered = tmp_path / "tampered.yml"
    tampered.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    ok = subprocess.run([BIN / "bot", "replay", "--url", target.url,
                         str(REPLAY_DIR / "order-status.yml")], env=_env(target),
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run([BIN / "bot", "replay", "--url", target.url, str(tampered)],
                         env=_env(target), capture_output=True, text=True)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL" in bad.stdout and "✗" in bad.stdout and "utter_greet" in bad.stdout


def test_bad_arguments_exit_2_without_a_traceback(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("turns: 5\n", encoding="utf-8")
    for args in (["replay", str(tmp_path / "missing.yml")], ["replay", str(broken)],
                 ["replay", "--concurrency", "0"], ["export"],
                 ["export", "x", "--since", "2026-01-01"], ["export", "--since", "yesterday"]):
        out = subprocess.run([BIN / "bot", *args], capture_output=True, text=True)
        assert out.returncode == 2, (args, out.stderr)
        assert "Traceback" not in out.stderr
