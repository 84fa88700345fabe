"""``make bench``: the replay files as load, at several concurrencies, against the product stack and
a bare Rasa baseline in the same run. Not part of ``make test``.

For each concurrency level (default 1, 10 and 50) every replay file is replayed ``repeat`` times
(more when needed, so that a level always has at least twice as many conversations as it runs at
once), each as its own conversation. Measured per level: per-turn latency p50/p95/p99, throughput
(turns and conversations per second), errors (requests that failed), regressions (turns whose
action or response names differ from the recording, e.g. under time-outs), conversations whose
stored transcript is not exactly what was sent and answered (lost or crossed messages: must be 0),
and the peak resident memory of the Rasa server and of the action server (sampled, with their
child processes).

The baseline is bare Rasa: the same NLU pipeline (``config.yml``) and NLU data, a domain of the
same intents and responses but no custom actions, slots or forms, one rule per intent answering
with a response, the stock REST channel and the in-memory tracker store. It is trained by the
bench itself into ``.baseline/replay/`` (never ``models/``), again only when its inputs change.

Results: ``reports/bench.json``, ``reports/bench.md`` and ``reports/bench.png`` (latency against
concurrency, both stacks).

    .venv/bin/python -m bot.replay.bench [--levels 1,10,50] [--repeat K] [FILES...]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT

__all__ = ["MemorySampler", "pids_listening", "run_level", "train_baseline", "main"]

BASELINE_DIR = PROJECT_ROOT / ".baseline" / "replay"
BASELINE_MODEL = BASELINE_DIR / "models" / "baseline.tar.gz"
REPORTS = PROJECT_ROOT / "reports"
LEVELS = (1, 10, 50)


# ---------------------------------------------------------------------------------------------
# memory

def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def _tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and its descendants; 0 if it is gone."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        todo += _children(p)
    return total


class MemorySampler:
    """Samples the resident memory of some processes in a thread; ``peak`` per name, in bytes."""

    def __init__(self, pids: dict[str, int], interval: float = 0.2):
        self.pids, self.interval = dict(pids), interval
        self.peak = {name: 0 for name in self.pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self):
        for name, pid in self.pids.items():
            self.peak[name] = max(self.peak[name], _tree_rss(pid))

    def __enter__(self):
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()

    def peak_mb(self) -> dict[str, float]:
        return {name: round(value / 2**20, 1) for name, value in self.peak.items()}


def pids_listening(port: int) -> int | None:
    """The process listening on 127.0.0.1:``port`` (Linux /proc), for a stack given by URL."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    for fd_dir in Path("/proc").glob("[0-9]*/fd"):
        try:
            for fd in fd_dir.iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(fd_dir.parent.name)
        except OSError:
            continue
    return None


# ---------------------------------------------------------------------------------------------
# one level of load

def _ms(value):
    return None if value is None else round(value * 1000, 1)


def run_level(replays, target, *, concurrency: int, repeat: int, compare: bool = True) -> dict:
    from bot.replay.runner import percentile, run_replays
    repeat = max(repeat, math.ceil(2 * concurrency / max(1, len(replays))))
    with MemorySampler(target.pids) as memory:
        report = run_replays(replays, target, concurrency=concurrency, repeat=repeat)
    lat = report.latencies
    regressions = [r for r in report.results if not all(t.ok for t in r.turns)]
    transcript = [r for r in report.results if r.transcript]
    ledger = [r for r in report.results if any(p.startswith("ledger") for p in r.problems)]
    return {
        "concurrency": concurrency, "repeat": repeat,
        "conversations": len(report.results), "turns": len(lat),
        "seconds": round(report.seconds, 2),
        "throughput_turns_per_s": round(len(lat) / report.seconds, 2) if report.seconds else None,
        "throughput_conversations_per_s": (round(len(report.results) / report.seconds, 3)
                                           if report.seconds else None),
        "latency_ms": {"p50": _ms(percentile(lat, 50)), "p95": _ms(percentile(lat, 95)),
                       "p99": _ms(percentile(lat, 99)),
                       "max": _ms(max(lat) if lat else None)},
        "errors": report.errors,
        "regressions": len(regressions) if compare else None,
        "regressed": sorted({r.name for r in regressions})[:20] if compare else None,
        "ledger_mismatches": len(ledger) if compare else None,
        "lost_or_crossed": len(transcript),
        "lost_or_crossed_examples": [p for r in transcript for p in r.transcript][:5],
        "peak_rss_mb": memory.peak_mb(),
    }


# ---------------------------------------------------------------------------------------------
# the bare Rasa baseline

def _baseline_project() -> dict[str, str]:
    """The baseline's domain, rules and config (YAML texts), built from the product's."""
    import yaml
    intents, entities, responses, session = [], [], {}, None
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        part = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for intent in part.get("intents") or []:
            name = intent if isinstance(intent, str) else next(iter(intent))
            if name not in intents:
                intents.append(name)
        for entity in part.get("entities") or []:
            name = entity if isinstance(entity, str) else next(iter(entity))
            if name not in entities:
                entities.append(name)
        responses.update(part.get("responses") or {})
        session = part.get("session_config") or session
    # responses only: drop conditional variations and channels that refer to slots we do not have
    plain = {}
    for name, variations in responses.items():
        kept = [{k: v for k, v in var.items() if k not in ("condition", "channel")}
                for var in variations or [] if isinstance(var, dict)]
        if kept:
            plain[name] = kept
    fallback = "utter_default" if "utter_default" in plain else next(iter(plain))
    aliases = {"medical_emergency": "utter_emergency", "bot_challenge": "utter_iamabot",
               "cancel": "utter_cancelled", "human_handoff": "utter_handoff_queued",
               "complaint": "utter_complaint_logged", "faq": "utter_faq"}
    rules = []
    for intent in intents + ["nlu_fallback"]:
        action = f"utter_{intent}" if f"utter_{intent}" in plain else fallback
        if aliases.get(intent) in plain or intent == "faq":
            action = aliases[intent]
        rules.append({"rule": f"answer {intent}", "steps": [{"intent": intent},
                                                            {"action": action}]})
    domain = {"version": "3.1", "intents": intents, "entities": entities, "responses": plain}
    if session:
        domain["session_config"] = session
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    config["assistant_id"] = "bare-replay-baseline"
    config["policies"] = [{"name": "RulePolicy",
                           "core_fallback_action_name": "action_default_fallback",
                           "core_fallback_threshold": 0.3}]
    dump = lambda data: yaml.safe_dump(data, allow_unicode=True, sort_keys=False)  # noqa: E731
    return {"domain.yml": dump(domain), "rules.yml": dump({"version": "3.1", "rules": rules}),
            "config.yml": dump(config), "credentials.yml": "rest:\n"}


def _baseline_fingerprint(files: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(files[name].encode())
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")) + \
            sorted((PROJECT_ROOT / "data" / "jieba").rglob("*")) + \
            sorted((PROJECT_ROOT / "bot" / "nlu").glob("*.py")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_baseline(*, force: bool = False) -> dict:
    """Train the baseline into ``.baseline/replay/`` when its inputs changed; returns what
    happened and how long it took."""
    files = _baseline_project()
    stamp = _baseline_fingerprint(files)
    marker = BASELINE_DIR / "fingerprint"
    if not force and BASELINE_MODEL.exists() and marker.exists() and \
            marker.read_text().strip() == stamp:
        return {"trained": False, "seconds": None, "fingerprint": stamp}
    BASELINE_DIR.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (BASELINE_DIR / name).write_text(text, encoding="utf-8")
    bindir = Path(sys.executable).parent
    started = time.monotonic()
    subprocess.run([str(bindir / "rasa"), "train", "--config", str(BASELINE_DIR / "config.yml"),
                    "--domain", str(BASELINE_DIR / "domain.yml"),
                    "--data", str(PROJECT_ROOT / "data" / "nlu"), str(BASELINE_DIR / "rules.yml"),
                    "--out", str(BASELINE_MODEL.parent), "--fixed-model-name", "baseline",
                    "--quiet"], cwd=PROJECT_ROOT, check=True,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    seconds = round(time.monotonic() - started, 1)
    marker.write_text(stamp)
    return {"trained": True, "seconds": seconds, "fingerprint": stamp}


class BaselineServer:
    """``rasa run`` with the baseline model: stock REST channel, HTTP API, in-memory trackers."""

    def __init__(self, var: Path, now: str):
        from bot.replay.runner import _free_port
        self.port, self.token, self.var, self.now = _free_port(), secrets.token_hex(16), var, now
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300) -> "BaselineServer":
        import urllib.request
        self.var.mkdir(parents=True, exist_ok=True)
        log = open(self.var / "baseline.log", "ab")
        bindir = Path(sys.executable).parent
        self.proc = subprocess.Popen(
            [str(bindir / "rasa"), "run", "--enable-api", "--auth-token", self.token,
             "-i", "127.0.0.1", "-p", str(self.port), "--model", str(BASELINE_MODEL),
             "--credentials", str(BASELINE_DIR / "credentials.yml")],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "LEDGER_NOW": self.now,
                 "BOT_VAR_DIR": str(self.var)})
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the baseline server exited; see {self.var / 'baseline.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/status?token={self.token}",
                                            timeout=2) as r:
                    if b"model_file" in r.read():
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the baseline server was not ready in time")
            time.sleep(0.5)

    def stop(self) -> None:
        import signal
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# ---------------------------------------------------------------------------------------------
# the report

def _ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def ratios(product: list[dict], baseline: list[dict]) -> list[dict]:
    out = []
    for p in product:
        b = next((x for x in baseline if x["concurrency"] == p["concurrency"]), None)
        if b is None:
            continue
        out.append({"concurrency": p["concurrency"],
                    "p50": _ratio(p["latency_ms"]["p50"], b["latency_ms"]["p50"]),
                    "p95": _ratio(p["latency_ms"]["p95"], b["latency_ms"]["p95"]),
                    "p99": _ratio(p["latency_ms"]["p99"], b["latency_ms"]["p99"]),
                    "throughput": _ratio(p["throughput_turns_per_s"],
                                         b["throughput_turns_per_s"])})
    return out


def _end_load(report: dict) -> str:
    end = report.get("load_average_at_end")
    return "" if end is None else f", load {end} at the end"


def markdown(report: dict) -> str:
    lines = ["# Replay load benchmark", "",
             f"{report['files']} replay files; run {report['started']} on {report['machine']}"
             f"{_end_load(report)}. "
             f"Product = the full stack (NLU, dialogue, action server, ledger sandboxes, SQL "
             f"tracker store, guarded REST channel); baseline = bare Rasa with the same NLU "
             f"pipeline, responses only (no custom actions), stock REST channel, in-memory "
             f"trackers. Ratio = product / baseline (latency: >1 is slower; throughput: <1 is "
             f"fewer turns per second).", "",
             "| stack | conc. | conversations | turns | p50 ms | p95 ms | p99 ms | turns/s | "
             "errors | regressions | lost/crossed | peak RSS Rasa MB | peak RSS actions MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for stack in ("product", "baseline"):
        for row in report[stack]:
            lat, mem = row["latency_ms"], row["peak_rss_mb"]
            lines.append(f"| {stack} | {row['concurrency']} | {row['conversations']} | "
                         f"{row['turns']} | {lat['p50']} | {lat['p95']} | {lat['p99']} | "
                         f"{row['throughput_turns_per_s']} | {row['errors']} | "
                         f"{'-' if row['regressions'] is None else row['regressions']} | "
                         f"{row['lost_or_crossed']} | {mem.get('rasa', '-')} | "
                         f"{mem.get('actions', '-')} |")
    if report.get("ratio"):
        lines += ["", "| conc. | p50 ratio | p95 ratio | p99 ratio | throughput ratio |",
                  "|---|---|---|---|---|"]
        for r in report["ratio"]:
            lines.append(f"| {r['concurrency']} | {r['p50']} | {r['p95']} | {r['p99']} | "
                         f"{r['throughput']} |")
    b = report.get("baseline_training")
    if b:
        lines += ["", f"Baseline model: `{b.get('model')}` "
                  + (f"(trained in this run in {b['seconds']} s)" if b.get("trained")
                     else "(reused from an earlier run: its inputs did not change)")]
    lines += ["", "Latency is per turn (one REST request); throughput counts every turn of the "
              "level over its wall time, including each conversation's tracker read-back. "
              "Lost/crossed: conversations whose stored transcript is not exactly what was sent "
              "and answered.", "", "![latency against concurrency](bench.png)", ""]
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    styles = {"product": "-", "baseline": "--"}
    colours = {"p50": "tab:blue", "p95": "tab:orange", "p99": "tab:red"}
    levels = set()
    for stack in ("product", "baseline"):
        rows = report.get(stack) or []
        xs = [r["concurrency"] for r in rows]
        levels.update(xs)
        for q, marker in (("p50", "o"), ("p95", "s"), ("p99", "^")):
            if rows:
                ax.plot(xs, [r["latency_ms"][q] for r in rows], styles[stack], marker=marker,
                        color=colours[q], label=f"{stack} {q}")
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sorted(levels))
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(ScalarFormatter())
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("concurrent conversations")
    ax.set_ylabel("per-turn latency (ms)")
    ax.set_title("Replay load: latency against concurrency")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# ---------------------------------------------------------------------------------------------

def bench(files: list[Path], *, levels=LEVELS, repeat: int = 1, baseline: bool = True,
          out_dir: Path = REPORTS, log=print) -> dict:
    import platform
    from bot.replay.files import load
    from bot.replay.runner import DEFAULT_NOW, Target, start_test_stack
    replays = [load(f) for f in files]
    now = replays[0].now if replays else DEFAULT_NOW
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": len(replays),
              "machine": f"{platform.node()} ({os.cpu_count()} CPUs, load "
                         f"{os.getloadavg()[0]:.1f})",
              "levels": list(levels), "repeat": repeat, "product": [], "baseline": []}
    if baseline:
        log("baseline: training it if its inputs changed (NLU training takes minutes) ...")
        report["baseline_training"] = {**train_baseline(), "model": str(
            BASELINE_MODEL.relative_to(PROJECT_ROOT))}
        log(f"baseline: {report['baseline_training']}")
    work = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    try:
        log("product: starting a test stack ...")
        stack, target = start_test_stack(work / "product", now=now)
        try:
            for level in levels:
                row = run_level(replays, target, concurrency=level, repeat=repeat)
                report["product"].append(row)
                log(f"product  c={level:<3} {_line(row)}")
        finally:
            stack.stop()
        if baseline:
            log("baseline: starting bare Rasa ...")
            server = BaselineServer(work / "baseline", now).start()
            try:
                target = Target(url=server.url, api_token=server.token, secret="unused",
                                var=None, pids={"rasa": server.proc.pid})
                for level in levels:
                    row = run_level(replays, target, concurrency=level, repeat=repeat,
                                    compare=False)
                    report["baseline"].append(row)
                    log(f"baseline c={level:<3} {_line(row)}")
            finally:
                server.stop()
            report["ratio"] = ratios(report["product"], report["baseline"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["load_average_at_end"] = round(os.getloadavg()[0], 1)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    (out_dir / "bench.md").write_text(markdown(report), encoding="utf-8")
    plot(report, out_dir / "bench.png")
    log(f"wrote {out_dir / 'bench.json'}, {out_dir / 'bench.md'}, {out_dir / 'bench.png'}")
    return report


def _line(row: dict) -> str:
    lat = row["latency_ms"]
    return (f"{row['conversations']} conversations, {row['turns']} turns: p50 {lat['p50']} ms, "
            f"p95 {lat['p95']} ms, p99 {lat['p99']} ms, {row['throughput_turns_per_s']} turns/s, "
            f"errors {row['errors']}, regressions {row['regressions']}, "
            f"lost/crossed {row['lost_or_crossed']}, peak RSS {row['peak_rss_mb']} MB")


def main(argv: list[str] | None = None) -> int:
    from bot.replay.files import ReplayFileError, replay_files
    parser = argparse.ArgumentParser(prog="python -m bot.replay.bench",
                                     description="replay load benchmark (see the module doc)")
    parser.add_argument("files", nargs="*", help="replay files or folders (default: all)")
    parser.add_argument("--levels", default=",".join(map(str, LEVELS)),
                        help="concurrency levels, comma-separated (default 1,10,50)")
    parser.add_argument("--repeat", type=int, default=1, help="replays of each file per level")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare Rasa baseline")
    parser.add_argument("--out", default=str(REPORTS), help="report folder (default reports/)")
    args = parser.parse_args(argv)
    try:
        levels = [int(x) for x in args.levels.split(",") if x.strip()]
        if not levels or min(levels) < 1 or args.repeat < 1:
            raise ValueError
    except ValueError:
        parser.error("--levels takes positive numbers such as 1,10,50; --repeat at least 1")
    files = replay_files(args.files)
    if not files:
        parser.error("no replay files")
    try:
        report = bench(files, levels=levels, repeat=args.repeat, baseline=not args.no_baseline,
                       out_dir=Path(args.out), log=lambda m: print(m, flush=True))
    except ReplayFileError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    bad = [r for r in report["product"] if r["lost_or_crossed"] or r["errors"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
