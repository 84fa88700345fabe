"""Re-record the replay set (``scripts/record-replays``): drive a fresh test stack with the
scripted conversations of ``tests/conversations/replays/_scenarios.yml``, export each one with
``bot export``'s code, then replay every new file once against the same stack to make sure it is
stable (a conversation whose names differ between two runs would make a flaky test).

Scenario format (a list):

```yaml
- name: price-guarantee-paid           # the conversation id and the file's stem
  description: what it shows
  customer: 1001                       # default for every turn (omit: not signed in)
  turns:
    - 帮我申请一下价保                  # a plain message
    - {text: "订单{order:1001:price_drop}申请价保", customer: 1002}   # per-turn customer
    - {text: 我的订单到哪了, token: forged}                           # forged | expired token
    - {repeat: 价, times: 20000}                                      # a long message
```

``{order:CID:KIND}`` and ``{sku:CID:KIND}`` are the order number and product name of that demo
customer's scenario of that kind (``bot demo``), taken from the ledger seeded at the pinned clock.

    scripts/record-replays [--only NAME,...] [--now ISO] [--out DIR] [--no-check]
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import urllib.request
from pathlib import Path

from bot.replay.files import REPLAY_DIR

__all__ = ["load_scenarios", "resolve", "record", "main"]

SCENARIOS = REPLAY_DIR / "_scenarios.yml"
_PLACEHOLDER = re.compile(r"\{(order|sku):(\d+):([a-z_]+)\}")


def load_scenarios(path: Path = SCENARIOS) -> list[dict]:
    import yaml
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: a list of scenarios")
    names = set()
    for s in raw:
        if not isinstance(s, dict) or not s.get("name") or not isinstance(s.get("turns"), list):
            raise ValueError(f"{path}: every scenario needs `name` and `turns`: {s!r}")
        if s["name"] in names:
            raise ValueError(f"{path}: scenario {s['name']!r} appears twice")
        names.add(s["name"])
    return raw


def _demo(var: Path, now) -> dict:
    """The demo guide of the ledger seeded at ``now`` (computed on a throw-away copy)."""
    from bot.ledger.db import make_engine, make_sessionmaker
    from bot.ledger.demo import demo_guide
    from bot.replay import sandbox
    template = sandbox.ensure_template(var, now)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "demo.db"
        shutil.copyfile(template, copy)
        engine = make_engine(f"sqlite:///{copy}")
        try:
            with make_sessionmaker(engine)() as session:
                return demo_guide(session=session, now=now)
        finally:
            engine.dispose()


def resolve(text: str, guide: dict) -> str:
    def one(m):
        field, cid, kind = m.group(1), int(m.group(2)), m.group(3)
        for c in guide["customers"]:
            for s in c["scenarios"] if c["id"] == cid else []:
                if s["kind"] == kind:
                    return s["order_no"] if field == "order" else s["sku_name"]
        raise ValueError(f"no demo scenario {kind!r} for customer {cid} (see `bot demo`)")
    return _PLACEHOLDER.sub(one, text)


def _turns(scenario: dict, guide: dict) -> list[tuple[str, dict]]:
    out = []
    for raw in scenario["turns"]:
        turn = raw if isinstance(raw, dict) else {"text": "" if raw is None else str(raw)}
        if "repeat" in turn:
            text = str(turn["repeat"]) * int(turn.get("times", 1))
        else:
            text = resolve(str(turn.get("text") or ""), guide)
        metadata = {}
        customer = turn.get("customer", scenario.get("customer"))
        if customer is not None:
            metadata["customer"] = int(customer)
        if turn.get("token"):
            metadata["token"] = turn["token"]
        out.append((text, metadata))
    return out


def _post(url: str, body: dict) -> list:
    req = urllib.request.Request(url, json.dumps(body, ensure_ascii=False).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


def record(scenarios: list[dict], target, *, now: str, out_dir: Path, log=print) -> list[Path]:
    from bot.ledger.clock import parse_instant
    from bot.replay.export import export
    from bot.replay.runner import sent_metadata
    guide = _demo(target.var, parse_instant(now))
    for scenario in scenarios:
        for text, metadata in _turns(scenario, guide):
            _post(f"{target.url}/webhooks/rest/webhook",
                  {"sender": scenario["name"], "message": text,
                   "metadata": sent_metadata(metadata, secret=target.secret, now=now)})
        log(f"recorded {scenario['name']}")
    tracker = f"sqlite:///{target.var / 'tracker.db'}"
    return export([s["name"] for s in scenarios], tracker_url=tracker, out_dir=out_dir,
                  secret=target.secret, var=target.var,
                  descriptions={s["name"]: s.get("description", "") for s in scenarios})


def main(argv: list[str] | None = None) -> int:
    from bot.replay.files import load
    from bot.replay.runner import (DEFAULT_NOW, format_result, run_replays, start_test_stack)
    parser = argparse.ArgumentParser(prog="scripts/record-replays",
                                     description="re-record the replay files from the scenarios")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument("--now", default=DEFAULT_NOW, help=f"pinned clock (default {DEFAULT_NOW})")
    parser.add_argument("--out", default=str(REPLAY_DIR), help="where the files go")
    parser.add_argument("--scenarios", default=str(SCENARIOS), help="the scenario file")
    parser.add_argument("--no-check", action="store_true",
                        help="do not replay the new files once to check they are stable")
    args = parser.parse_args(argv)
    try:
        scenarios = load_scenarios(Path(args.scenarios))
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    if args.only:
        wanted = {n.strip() for n in args.only.split(",") if n.strip()}
        unknown = wanted - {s["name"] for s in scenarios}
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        scenarios = [s for s in scenarios if s["name"] in wanted]
    work = Path(tempfile.mkdtemp(prefix="record-replays-"))
    print("starting a test stack (loading the model takes a little while) ...", flush=True)
    try:
        stack, target = start_test_stack(work, now=args.now)
    except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
        print(f"record-replays: {exc} (logs: {work / 'logs'})", file=sys.stderr)
        return 1
    try:
        written = record(scenarios, target, now=args.now, out_dir=Path(args.out),
                         log=lambda m: print(m, flush=True))
        print(f"{len(written)} replay files written to {args.out}")
        if args.no_check:
            return 0
        report = run_replays([load(p) for p in written], target, run_id="check")
        unstable = [r for r in report.results if not r.ok]
        for r in unstable:
            print(format_result(r))
        print(f"stability check: {len(report.results) - len(unstable)}/{len(report.results)} "
              f"replay the same way a second time")
        return 1 if unstable else 0
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
