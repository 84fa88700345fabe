"""The ``bot`` command line. Commands that do not need Rasa never import it (it costs seconds).

    bot ledger init                  create or upgrade the ledger schema (Alembic head)
    bot ledger seed [--now ISO]      empty the ledger and load the demo data, dated from the clock
    bot ledger show ID [--json]      a customer's orders, claims, refunds, returns, quotes, tickets
    bot demo [--json]                the demo customers and what each one shows
    bot token ID [--ttl SECONDS]     a signed, expiring customer token for the web chat or REST
    bot run                          the action server, Rasa and the agent desk, until Ctrl-C
    bot nlu dictionary [--check]     write (or check) the jieba dictionary and lookup tables
    bot export ID... | --since DATE  stored conversations -> replay files (tests/conversations/replays)
    bot replay [FILE...] [--url URL] [--concurrency N] [--repeat K]   replay them; exit 1 on a regression
"""
from __future__ import annotations

import argparse
import json
import sys

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own behaviour, but with a hint
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n(try `{self.prog} --help`)\n")


class UsageError(Exception):
    """A bad argument: printed, exit status 2."""


def _sessions():
    from bot.ledger.db import default_sessionmaker
    return default_sessionmaker()


def _customer_id(text: str) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UsageError(f"customer id must be a number, not {text!r} (see `bot demo`)") from None
    if value <= 0:
        raise UsageError(f"customer id must be positive, not {text!r}")
    return value


def cmd_ledger_init(args) -> int:
    from bot.ledger import schema
    from bot.ledger.db import default_engine
    engine = default_engine()
    schema.upgrade(engine)
    print(f"ledger schema at revision {schema.current_revision(engine)} ({_where(engine)})")
    return 0


def _where(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _now(args):
    from bot.ledger import clock
    if getattr(args, "now", None):
        try:
            return clock.parse_instant(args.now)
        except ValueError:
            raise UsageError(f"--now must be an ISO-8601 time such as 2026-06-18T10:00:00+08:00, "
                             f"not {args.now!r}") from None
    return clock.now()


def cmd_ledger_seed(args) -> int:
    from bot.ledger import schema, seed
    from bot.ledger.db import default_engine
    now = _now(args)
    engine = default_engine()
    schema.upgrade(engine)
    with _sessions().begin() as session:
        seed.seed(session, now)
    print(f"demo ledger seeded, dated from {now.isoformat()} ({_where(engine)})")
    return 0


def cmd_ledger_show(args) -> int:
    from bot.ledger.errors import UnknownCustomer
    from bot.ledger.views import customer_view
    cid = _customer_id(args.customer_id)
    with _sessions()() as session:
        try:
            view = customer_view(session=session, customer_id=cid)
        except UnknownCustomer:
            raise UsageError(f"no customer {cid} in the ledger (see `bot demo` for demo customers)") from None
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
        return 0
    c = view["customer"]
    print(f"{c['name']} (#{c['id']}) trust {c['trust_score']} {c['membership']} "
          f"{c['city']}{c['district']} channels: {', '.join(c['channels'])}")
    print(f"\norders ({len(view['orders'])}):")
    for o in view["orders"]:
        items = "; ".join(f"{i['sku_name']} x{i['quantity']} @{i['unit_price']}" for i in o["items"])
        print(f"  {o['order_no']}  {o['paid_at'][:10]}  {o['channel']:<13} {o['status']:<9} {items}")
    for key in ("claims", "refunds", "returns", "quotes", "tickets", "consultations", "handoffs"):
        rows = view[key]
        print(f"\n{key} ({len(rows)}):")
        for row in rows:
            print("  " + json.dumps(row, ensure_ascii=False))
    return 0


def cmd_demo(args) -> int:
    from bot.ledger.demo import demo_guide
    with _sessions()() as session:
        guide = demo_guide(session=session)
    if args.json:
        print(json.dumps(guide, ensure_ascii=False, indent=2))
        return 0
    from bot.identity import issue_token
    print(f"Demo customers (ledger clock {guide['now']}). Chat as one with its token "
          f"(`bot token ID`).\n")
    for c in guide["customers"]:
        print(f"#{c['id']} {c['name']}  trust {c['trust_score']}  {c['city']}{c['district']}")
        for s in c["scenarios"]:
            figure = s.get("expected_refund") or s.get("expected_quote") or s.get("advised_size") or ""
            extra = f" -> {figure}" if figure else ""
            print(f"   {s['kind']:<20} order {s['order_no']}  {s['sku_name']}{extra}")
            print(f"   {'':<20} try: {s.get('try_saying', '')}")
    _ = issue_token
    from bot.ledger.seed import DEMO_AGENT_PASSWORD
    print(f"\nAgent desk logins: general01 ... supervisor01 (see `bot ledger` agents), "
          f"password {DEMO_AGENT_PASSWORD!r}")
    return 0


def cmd_token(args) -> int:
    from bot.identity import issue_token
    from bot.ledger.errors import UnknownCustomer
    from bot.ledger.services.common import get_customer
    cid = _customer_id(args.customer_id)
    if args.ttl is not None and args.ttl <= 0:
        raise UsageError("--ttl must be a positive number of seconds")
    with _sessions()() as session:
        try:
            get_customer(session, cid)
        except UnknownCustomer:
            raise UsageError(f"no customer {cid} in the ledger (see `bot demo`)") from None
    print(issue_token(cid, ttl_seconds=args.ttl))
    return 0


def cmd_nlu_dictionary(args) -> int:
    from bot.nlu.lexicon import (DICTIONARY_PATH, LOOKUP_PATH, build_lexicon, dictionary_lines,
                                 lookup_yaml)
    with _sessions()() as session:
        terms = build_lexicon(session)
    if not terms:
        raise UsageError("the ledger holds no catalogue: run `bot ledger seed` first")
    wanted = {DICTIONARY_PATH: "\n".join(dictionary_lines(terms)) + "\n",
              LOOKUP_PATH: lookup_yaml(terms)}
    stale = [p for p, text in wanted.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        if stale:
            print(f"bot: out of date with the ledger catalogue: {', '.join(map(str, stale))}; "
                  f"run `bot nlu dictionary`", file=sys.stderr)
            return 1
        print(f"jieba dictionary and lookup tables are up to date ({len(terms)} terms)")
        return 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
    print(f"{len(terms)} terms: {DICTIONARY_PATH}, {LOOKUP_PATH}")
    return 0


def cmd_run(args) -> int:
    from bot.stack import Stack
    stack = Stack()
    print(f"starting the action server on 127.0.0.1:{stack.actions_port}, Rasa on "
          f"127.0.0.1:{stack.bot_port} and the agent desk on 127.0.0.1:{stack.desk_port} "
          f"(loading the model takes a little while)...", flush=True)
    try:
        stack.start()
    except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 1
    print(f"ready. REST channel: POST {stack.url}/webhooks/rest/webhook "
          f'{{"sender": "me", "message": "你好", "metadata": {{"customer_token": "..."}}}}\n'
          f"Web chat: {stack.desk_url}/chat   Agent desk: {stack.desk_url}/desk "
          f"(demo agents: `bot demo`)\n"
          f"HTTP API token: var/secret (first 32 characters). Ctrl-C stops every server.", flush=True)
    return stack.serve_forever()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bot", description="JD-style customer-service assistant: ledger and tools")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    ledger = sub.add_parser("ledger", help="the service ledger")
    lsub = ledger.add_subparsers(dest="ledger_command", metavar="init|seed|show", parser_class=_Parser)
    lsub.required = True
    lsub.add_parser("init", help="create or upgrade the schema").set_defaults(func=cmd_ledger_init)
    seed = lsub.add_parser("seed", help="empty the ledger and load the demo data")
    seed.add_argument("--now", help="date the demo from this instant (default: the ledger clock)")
    seed.set_defaults(func=cmd_ledger_seed)
    show = lsub.add_parser("show", help="a customer's orders, claims, refunds, returns, quotes, tickets")
    show.add_argument("customer_id", metavar="CUSTOMER_ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=cmd_ledger_show)
    demo = sub.add_parser("demo", help="the demo customers and what each one shows")
    demo.add_argument("--json", action="store_true", help="print JSON")
    demo.set_defaults(func=cmd_demo)
    token = sub.add_parser("token", help="a signed, expiring customer token")
    token.add_argument("customer_id", metavar="CUSTOMER_ID")
    token.add_argument("--ttl", type=int, default=None, help="seconds until it expires (default 24h)")
    token.set_defaults(func=cmd_token)
    nlu = sub.add_parser("nlu", help="NLU resources")
    nsub = nlu.add_subparsers(dest="nlu_command", metavar="dictionary", parser_class=_Parser)
    nsub.required = True
    dictionary = nsub.add_parser("dictionary", help="write the jieba user dictionary from the ledger")
    dictionary.add_argument("--check", action="store_true", help="only check that it is current")
    dictionary.set_defaults(func=cmd_nlu_dictionary)
    sub.add_parser("run", help="run the action server and the Rasa server until Ctrl-C"
                   ).set_defaults(func=cmd_run)
    from bot.replay.cli import add_parsers as add_replay_parsers
    add_replay_parsers(sub)                     # export, replay
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence: no tracebacks
        from sqlalchemy.exc import OperationalError, ProgrammingError
        if isinstance(exc, (OperationalError, ProgrammingError)):
            print(f"bot: the ledger is not ready ({exc.orig}); run `bot ledger init` and "
                  f"`bot ledger seed` (or `make run`)", file=sys.stderr)
            return 1
        print(f"bot: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
