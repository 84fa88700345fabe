"""``bot export`` and ``bot replay`` (wired into ``bot.cli``). Neither imports Rasa."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

__all__ = ["add_parsers", "cmd_export", "cmd_replay"]


def _usage(message: str):
    from bot.cli import UsageError
    return UsageError(message)


def cmd_export(args) -> int:
    from bot.ledger.clock import parse_instant
    from bot.replay.export import conversation_ids, export
    from bot.settings import get_settings
    settings = get_settings()
    tracker = args.tracker or settings.tracker_url
    if bool(args.conversation_ids) == bool(args.since):
        raise _usage("give CONVERSATION_ID... or --since DATE (one of the two)")
    if args.since:
        try:
            since = parse_instant(args.since)
        except ValueError:
            raise _usage(f"--since must be an ISO-8601 date or time such as 2026-06-18, "
                         f"not {args.since!r}") from None
        ids = conversation_ids(tracker, since=since)
    else:
        known = set(conversation_ids(tracker))
        missing = [c for c in args.conversation_ids if c not in known]
        if missing:
            raise _usage(f"no conversation {', '.join(map(repr, missing))} in the tracker store "
                         f"({tracker.split('://')[0]})")
        ids = list(args.conversation_ids)
    written = export(ids, tracker_url=tracker, out_dir=Path(args.out), secret=settings.secret,
                     var=settings.var_dir)
    for path in written:
        print(path)
    print(f"{len(written)} replay file(s) written to {args.out}", file=sys.stderr)
    return 0


def cmd_replay(args) -> int:
    from bot.replay.files import ReplayFileError, load, replay_files
    from bot.replay.runner import Target, format_result, format_summary, run_replays
    if args.concurrency < 1 or args.repeat < 1:
        raise _usage("--concurrency and --repeat must be at least 1")
    files = replay_files(args.files)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise _usage(f"no such replay file: {', '.join(missing)}")
    if not files:
        raise _usage("no replay files to run")
    try:
        replays = [load(f) for f in files]
    except ReplayFileError as exc:
        raise _usage(str(exc)) from None
    stack = work = None
    if args.url:
        from urllib.parse import urlparse

        from bot.replay.bench import pids_listening
        from bot.settings import get_settings
        settings = get_settings()
        pids = {}
        for name, port in (("rasa", urlparse(args.url).port), ("actions", settings.actions_port)):
            pid = pids_listening(port) if port else None
            if pid:
                pids[name] = pid
        target = Target(url=args.url.rstrip("/"), api_token=settings.api_token,
                        secret=settings.secret, var=settings.var_dir, pids=pids)
    else:
        from bot.replay.runner import start_test_stack
        print("starting a test stack (BOT_TEST_SWITCHES=1, loading the model takes a little "
              "while) ...", file=sys.stderr, flush=True)
        work = Path(tempfile.mkdtemp(prefix="replay-"))
        try:
            stack, target = start_test_stack(work, now=replays[0].now)
        except (FileNotFoundError, RuntimeError, TimeoutError) as exc:
            print(f"bot: {exc} (logs: {work / 'logs'})", file=sys.stderr)
            return 1
    from bot.replay.bench import MemorySampler
    try:
        with MemorySampler(target.pids) as memory:
            report = run_replays(replays, target, concurrency=args.concurrency,
                                 repeat=args.repeat, keep_ledgers=args.keep_ledgers,
                                 on_result=lambda r: print(format_result(r, verbose=args.verbose),
                                                           flush=True))
    finally:
        if stack is not None:
            stack.stop()
        if work is not None and not args.keep_ledgers:
            import shutil
            shutil.rmtree(work, ignore_errors=True)
        elif work is not None:
            print(f"kept the test stack's var dir (tracker store, ledgers, logs): {work}",
                  file=sys.stderr)
    print(format_summary(report))
    turns = len(report.latencies)
    if report.seconds:
        print(f"throughput {turns / report.seconds:.2f} turns/s, "
              f"{len(report.results) / report.seconds:.2f} conversations/s; peak RSS "
              + (", ".join(f"{k} {v} MB" for k, v in memory.peak_mb().items()) or "n/a"))
    if args.json:
        import json
        Path(args.json).write_text(json.dumps(
            {"ok": report.ok, "seconds": report.seconds, "peak_rss_mb": memory.peak_mb(),
             "results": [{"name": r.name, "conversation_id": r.conversation_id, "ok": r.ok,
                          "problems": r.problems, "transcript": r.transcript,
                          "latencies": r.latencies,
                          "turns": [{"turn": t.index, "ok": t.ok,
                                     "expected": [t.expected_actions, t.expected_responses],
                                     "actual": [t.actual_actions, t.actual_responses]}
                                    for t in r.turns]} for r in report.results]},
            ensure_ascii=False, indent=1), encoding="utf-8")
    return 0 if report.ok else 1


def add_parsers(sub) -> None:
    export = sub.add_parser("export", help="turn stored conversations into replay files")
    export.add_argument("conversation_ids", nargs="*", metavar="CONVERSATION_ID")
    export.add_argument("--since", metavar="DATE",
                        help="every conversation with a message at or after DATE")
    export.add_argument("--tracker", metavar="URL",
                        help="the tracker store (default: TRACKER_URL / var/tracker.db)")
    export.add_argument("--out", default="tests/conversations/replays", metavar="DIR",
                        help="where the YAML files go (default tests/conversations/replays)")
    export.set_defaults(func=cmd_export)
    replay = sub.add_parser("replay", help="replay conversations against a live stack and "
                                           "report regressions (exit 1 on any)")
    replay.add_argument("files", nargs="*", metavar="FILE",
                        help="replay files or folders (default: tests/conversations/replays)")
    replay.add_argument("--url", help="a running stack started with BOT_TEST_SWITCHES=1 "
                                      "(default: start one for this run)")
    replay.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="conversations at once (default 1)")
    replay.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="replay every file K times (default 1)")
    replay.add_argument("--verbose", "-v", action="store_true",
                        help="print every file's turn table, not only regressions")
    replay.add_argument("--keep-ledgers", action="store_true",
                        help="keep each conversation's sandbox ledger (<var>/replay/ledgers) and, "
                             "for a stack started here, its var dir")
    replay.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    replay.set_defaults(func=cmd_replay)
