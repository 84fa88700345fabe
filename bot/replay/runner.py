"""``bot replay``: drive a live stack through the REST channel with recorded conversations and
compare every turn's action and response names with the tracker's.

The stack must have the test switch on (``BOT_TEST_SWITCHES=1``, :mod:`bot.replay.switch`): each
replayed conversation then runs on its own fresh seeded ledger at the file's pinned clock. The
runner starts such a stack itself (free ports, a private var dir, no agent desk) unless given
``--url``; with ``--url`` it uses the secret, API token and var dir of its own settings (the same
machine, e.g. a stack started with ``BOT_TEST_SWITCHES=1 bot run``).

Per file, the conversation id is ``<file stem>-<run id>-<repeat>``, unique per run, so concurrent
replays never share a tracker or a ledger. A file passes when, turn by turn, the tracker shows
the expected action and response names, the stored transcript is exactly what was sent and
answered (texts, in order, nothing lost or crossed), every request got an answer, and (when the
file says) the ledger gained exactly the expected rows.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
import unicodedata
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Callable

from bot.replay.files import Replay
from bot.replay.turns import split_turns

__all__ = ["Target", "TurnResult", "ReplayResult", "RunReport", "replay_one", "run_replays",
           "format_result", "format_summary", "start_test_stack", "sent_metadata",
           "DEFAULT_NOW", "REQUEST_TIMEOUT"]

DEFAULT_NOW = "2026-06-18T02:00:00+00:00"     # 10:00 in Beijing, a Thursday: specialists on shift
REQUEST_TIMEOUT = 120


@dataclass
class Target:
    """A live stack: its URL, the HTTP API token, the token secret and (same machine) var dir."""
    url: str
    api_token: str
    secret: str
    var: Path | None = None
    pids: dict[str, int] = field(default_factory=dict)    # "rasa" / "actions" -> pid, if known


@dataclass
class TurnResult:
    index: int
    user: str
    expected_actions: list[str]
    actual_actions: list[str]
    expected_responses: list[str | None]
    actual_responses: list[str | None]
    latency: float | None = None

    @property
    def ok(self) -> bool:
        return (self.expected_actions == self.actual_actions
                and self.expected_responses == self.actual_responses)


@dataclass
class ReplayResult:
    name: str
    conversation_id: str
    turns: list[TurnResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)     # failed requests, ledger effects
    transcript: list[str] = field(default_factory=list)   # lost or crossed messages
    latencies: list[float] = field(default_factory=list)
    errors: int = 0                                       # requests that failed outright
    ledger_expected: dict | None = None
    ledger_actual: dict | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.transcript and all(t.ok for t in self.turns)


@dataclass
class RunReport:
    results: list[ReplayResult]
    seconds: float
    concurrency: int
    repeat: int

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def latencies(self) -> list[float]:
        return [x for r in self.results for x in r.latencies]

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)


# ---------------------------------------------------------------------------------------------
# talking to the stack

def _request(url: str, body: dict | None = None, timeout: float = REQUEST_TIMEOUT):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    req = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def _forge(token: str) -> str:
    body, signature = token.split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    return f"{body}.{flipped}"


def sent_metadata(turn_metadata: dict, *, secret: str, now: str) -> dict:
    """The metadata a replayed turn sends: a freshly minted token for ``customer`` (or a forged or
    expired one when the file says ``token``), the other keys as recorded, and the replay marker
    that the test switch honours."""
    from bot.identity import issue_token
    out = {k: v for k, v in turn_metadata.items() if k not in ("customer", "token")}
    cid = turn_metadata.get("customer")
    kind = turn_metadata.get("token")
    if cid is not None:
        if kind == "expired":
            out["customer_token"] = issue_token(cid, ttl_seconds=60, secret=secret,
                                                now=time.time() - 7200)
        else:
            token = issue_token(cid, ttl_seconds=3600, secret=secret)
            out["customer_token"] = _forge(token) if kind == "forged" else token
    elif kind is not None:
        out["customer_token"] = "not-a-token"
    out["replay"] = {"now": now}
    return out


def _tracker(target: Target, conversation_id: str) -> dict:
    quoted = urllib.parse.quote(conversation_id, safe="")
    return _request(f"{target.url}/conversations/{quoted}/tracker?"
                    + urllib.parse.urlencode({"token": target.api_token,
                                              "include_events": "ALL"}))


# ---------------------------------------------------------------------------------------------
# one file

def replay_one(replay: Replay, target: Target, conversation_id: str, *,
               check_ledger: bool = True, keep_ledger: bool = False) -> ReplayResult:
    result = ReplayResult(name=replay.name, conversation_id=conversation_id,
                          ledger_expected=replay.ledger)
    started = time.monotonic()
    sent: list[str] = []
    answered: list[list[str]] = []
    webhook = f"{target.url}/webhooks/rest/webhook"
    for n, turn in enumerate(replay.turns, 1):
        body = {"sender": conversation_id, "message": turn.user,
                "metadata": sent_metadata(turn.metadata, secret=target.secret, now=replay.now)}
        t0 = time.monotonic()
        try:
            answer = _request(webhook, body)
        except (OSError, ValueError) as exc:
            result.errors += 1
            result.problems.append(f"turn {n}: the request failed ({type(exc).__name__}: {exc})")
            answer = None
        latency = time.monotonic() - t0
        result.latencies.append(latency)
        sent.append(turn.user)
        texts = []
        if isinstance(answer, list):
            for message in answer:
                if message.get("recipient_id") != conversation_id:
                    result.transcript.append(f"turn {n}: an answer addressed to "
                                           f"{message.get('recipient_id')!r} (crossed)")
                texts.append(message.get("text") or "")
        answered.append(texts)
    try:
        events = _tracker(target, conversation_id).get("events") or []
    except (OSError, ValueError) as exc:
        result.errors += 1
        result.problems.append(f"could not read the tracker ({type(exc).__name__}: {exc})")
        events = []
    recorded = split_turns(events)
    for n, turn in enumerate(replay.turns, 1):
        actual = recorded[n - 1] if n <= len(recorded) else None
        result.turns.append(TurnResult(
            index=n, user=turn.user, expected_actions=list(turn.actions),
            actual_actions=actual.actions if actual else [],
            expected_responses=list(turn.responses),
            actual_responses=actual.responses if actual else [],
            latency=result.latencies[n - 1] if n <= len(result.latencies) else None))
    result.transcript += _transcript_problems(sent, answered, recorded)
    if target.var is not None:
        _check_ledger(replay, target, conversation_id, result, check_ledger, keep_ledger)
    result.seconds = time.monotonic() - started
    return result


def _transcript_problems(sent: list[str], answered: list[list[str]], recorded) -> list[str]:
    """The stored transcript must be exactly what was sent and answered, turn by turn."""
    problems = []
    if len(recorded) != len(sent):
        problems.append(f"transcript: {len(sent)} messages sent, {len(recorded)} stored")
    for n, (text, replies, stored) in enumerate(zip(sent, answered, recorded), 1):
        if stored.text != text.strip():
            problems.append(f"turn {n}: transcript holds another message: {_short(stored.text)!r}"
                            f" instead of {_short(text)!r}")
        if stored.bot_texts != replies:
            problems.append(f"turn {n}: transcript replies differ from the answer "
                            f"({len(stored.bot_texts)} stored, {len(replies)} answered)")
    return problems


def _check_ledger(replay, target, conversation_id, result, check, keep) -> None:
    from bot.ledger.clock import parse_instant
    from bot.replay import sandbox
    ledger = sandbox.ledger_path(target.var, conversation_id)
    try:
        if check and replay.ledger is not None:
            template = sandbox.template_path(target.var, parse_instant(replay.now))
            actual = sandbox.effects(ledger, template) if ledger.exists() else {}
            result.ledger_actual = actual
            if _canonical(actual) != _canonical(replay.ledger):
                hint = "" if ledger.exists() else (
                    " (no sandbox ledger was made: is the stack running with "
                    "BOT_TEST_SWITCHES=1 and the same var dir?)")
                result.problems.append("ledger effects differ from the recording" + hint)
    finally:
        if not keep:
            sandbox.discard(target.var, conversation_id)


def _canonical(effects: dict) -> str:
    return json.dumps({k: v for k, v in (effects or {}).items() if v}, sort_keys=True,
                      ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# many files, concurrently

def run_replays(replays: list[Replay], target: Target, *, concurrency: int = 1, repeat: int = 1,
                run_id: str | None = None, keep_ledgers: bool = False,
                on_result: Callable[[ReplayResult], None] | None = None) -> RunReport:
    """Every file ``repeat`` times, ``concurrency`` conversations at a time."""
    from bot.ledger.clock import parse_instant
    run_id = run_id or uuid.uuid4().hex[:8]
    if target.var is not None:          # seed each pinned instant's template once, up front
        from bot.replay import sandbox
        for now in sorted({r.now for r in replays}):
            sandbox.ensure_template(target.var, parse_instant(now))
    jobs = [(replay, f"{replay.name}-{run_id}-{k}") for k in range(repeat) for replay in replays]
    lock = threading.Lock()
    results: list[ReplayResult] = []

    def job(item):
        replay, cid = item
        result = replay_one(replay, target, cid, keep_ledger=keep_ledgers)
        with lock:
            results.append(result)
            if on_result is not None:
                on_result(result)
        return result

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        list(pool.map(job, jobs))
    order = {cid: i for i, (_, cid) in enumerate(jobs)}
    results.sort(key=lambda r: order[r.conversation_id])
    return RunReport(results=results, seconds=time.monotonic() - started,
                     concurrency=concurrency, repeat=repeat)


# ---------------------------------------------------------------------------------------------
# the diff table

def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _short(text: str, limit: int = 18) -> str:
    text = " ".join(text.split())
    out, used = "", 0
    for ch in text:
        w = _width(ch)
        if used + w > limit - 1:
            return out + "…"
        out, used = out + ch, used + w
    return out if text else "(empty)"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _names(values) -> str:
    return ", ".join("(text)" if v is None else (v or "-") for v in values) or "-"


def format_result(result: ReplayResult, *, verbose: bool = False) -> str:
    """One line per file; for a regression (or with ``verbose``) a table of its turns."""
    status = "ok  " if result.ok else "FAIL"
    lines = [f"{status} {result.name}  ({len(result.turns)} turns, {result.seconds:.1f} s)"]
    if result.ok and not verbose:
        return lines[0]
    rows = [("turn", "user", "", "expected", "actual", "")]
    for t in result.turns:
        for label, exp, act in (("actions", t.expected_actions, t.actual_actions),
                                ("responses", t.expected_responses, t.actual_responses)):
            pairs = list(zip_longest(exp, act, fillvalue="")) or [("-", "-")]
            for i, (e, a) in enumerate(pairs):
                first = label == "actions" and i == 0
                rows.append((str(t.index) if first else "", _short(t.user) if first else "",
                             label if i == 0 else "", _names([e]), _names([a]),
                             "" if e == a else "✗"))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        lines.append("    " + "  ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip())
    for problem in result.problems + result.transcript:
        lines.append(f"    ! {problem}")
    if result.ledger_expected is not None and result.ledger_actual is not None and \
            _canonical(result.ledger_expected) != _canonical(result.ledger_actual):
        lines.append(f"    ledger expected: {_canonical(result.ledger_expected)}")
        lines.append(f"    ledger actual:   {_canonical(result.ledger_actual)}")
    return "\n".join(lines)


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[rank]


def format_summary(report: RunReport) -> str:
    failed = [r for r in report.results if not r.ok]
    turns = len(report.latencies)
    line = (f"{len(report.results) - len(failed)}/{len(report.results)} replays passed, "
            f"{turns} turns in {report.seconds:.1f} s "
            f"(concurrency {report.concurrency}, repeat {report.repeat}); "
            f"errors {report.errors}")
    if turns:
        line += (f"; turn latency p50 {percentile(report.latencies, 50) * 1000:.0f} ms, "
                 f"p95 {percentile(report.latencies, 95) * 1000:.0f} ms, "
                 f"p99 {percentile(report.latencies, 99) * 1000:.0f} ms")
    if failed:
        line += "\nregressions: " + ", ".join(r.conversation_id for r in failed)
    return line


# ---------------------------------------------------------------------------------------------
# a stack for tests

def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_test_stack(var: Path, *, now: str = DEFAULT_NOW, model: Path | None = None,
                     timeout: float = 300):
    """A stack with the test switch on: action server + Rasa (REST channel, HTTP API), free
    ports, a private var dir (tracker store, logs, sandbox ledgers), the ledger clock pinned.
    Returns ``(stack, target)``; stop it with ``stack.stop()``."""
    from bot.stack import Stack
    var = Path(var)
    var.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    env = {"BOT_VAR_DIR": str(var), "LEDGER_URL": f"sqlite:///{var / 'ledger.db'}",
           "TRACKER_URL": f"sqlite:///{var / 'tracker.db'}", "BOT_SECRET": secret,
           "BOT_TEST_SWITCHES": "1", "LEDGER_NOW": now, "RASA_TELEMETRY_ENABLED": "false"}
    stack = Stack(bot_port=_free_port(), actions_port=_free_port(), env=env, model=model,
                  log_dir=var / "logs", with_desk=False)
    stack.start(timeout=timeout)
    pids = {name: proc.pid for name, proc in zip(("actions", "rasa"), stack.procs)}
    return stack, Target(url=stack.url, api_token=stack.api_token, secret=secret, var=var,
                         pids=pids)
