"""The replay file format: one recorded conversation in YAML under ``tests/conversations/replays/``.

```yaml
name: price-guarantee-paid          # the file's stem
description: what the conversation shows (optional)
recorded_from: price-guarantee-paid # the conversation id it was exported from
now: "2026-06-18T02:00:00+00:00"    # the pinned ledger clock of the replay
turns:
  - user: 帮我申请一下价保            # or `user_repeat: {text: 价, times: 20000}` for long inputs
    metadata: {customer: 1007}      # sent with fresh tokens: `customer` mints one for that id;
                                    # `token: forged|expired` sends a bad one for it instead
    actions: [action_price_guarantee]          # every action the turn ran (not action_listen)
    responses: [utter_price_guarantee_paid]    # the response names the turn uttered, in order
ledger:                             # optional: the rows the conversation added to its ledger
  claims: [{customer: 1007, order_no: "...", kind: price_guarantee, status: paid, refund: "12.30"}]
```

Without ``ledger`` the ledger is not checked; ``ledger: {}`` means the conversation adds nothing.
Texts are not compared (responses vary at random); names are. Files whose name starts with ``_``
in that folder are not replays (the recording scenarios live in ``_scenarios.yml``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import PROJECT_ROOT

__all__ = ["Turn", "Replay", "ReplayFileError", "load", "dump", "replay_files", "REPLAY_DIR",
           "LONG_TEXT"]

REPLAY_DIR = PROJECT_ROOT / "tests" / "conversations" / "replays"
LONG_TEXT = 2000          # longer user texts made of one repeated piece are written compactly
TOKEN_KINDS = ("forged", "expired")


class ReplayFileError(ValueError):
    """A replay file that cannot be read: the message names the file and the problem."""


@dataclass
class Turn:
    user: str
    metadata: dict = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    responses: list[str | None] = field(default_factory=list)

    def to_yaml(self) -> dict:
        out: dict[str, Any] = {}
        unit = _repeated_unit(self.user)
        if unit is not None:
            out["user_repeat"] = {"text": unit, "times": len(self.user) // len(unit)}
        else:
            out["user"] = self.user
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        out["actions"] = list(self.actions)
        out["responses"] = list(self.responses)
        return out


@dataclass
class Replay:
    name: str
    now: str
    turns: list[Turn]
    description: str = ""
    recorded_from: str = ""
    ledger: dict[str, list[dict]] | None = None
    path: Path | None = None

    def customers(self) -> list[int]:
        return sorted({int(t.metadata["customer"]) for t in self.turns
                       if t.metadata.get("customer") is not None})

    def to_yaml(self) -> dict:
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        if self.recorded_from:
            out["recorded_from"] = self.recorded_from
        out["now"] = self.now
        out["turns"] = [t.to_yaml() for t in self.turns]
        if self.ledger is not None:
            out["ledger"] = self.ledger
        return out


def _repeated_unit(text: str) -> str | None:
    if len(text) < LONG_TEXT:
        return None
    for size in range(1, 33):
        unit = text[:size]
        if len(text) % size == 0 and unit * (len(text) // size) == text:
            return unit
    return None


HEADER = ("# A recorded conversation replayed as a test (`bot replay`); exported by `bot export`.\n"
          "# Re-record the whole set with scripts/record-replays (see bot/replay/files.py).\n")


def dump(replay: Replay, path: Path) -> Path:
    import yaml
    text = yaml.safe_dump(replay.to_yaml(), allow_unicode=True, sort_keys=False, width=100,
                          default_flow_style=None)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def _fail(path, message: str):
    raise ReplayFileError(f"{path}: {message}")


def _turn(path, n: int, raw: Any) -> Turn:
    if not isinstance(raw, dict):
        _fail(path, f"turn {n} must be a mapping")
    if "user_repeat" in raw:
        rep = raw["user_repeat"]
        if not (isinstance(rep, dict) and isinstance(rep.get("text"), str)
                and isinstance(rep.get("times"), int) and rep["times"] > 0):
            _fail(path, f"turn {n}: user_repeat needs `text` (a string) and `times` (> 0)")
        text = rep["text"] * rep["times"]
    else:
        text = raw.get("user", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            _fail(path, f"turn {n}: `user` must be a string")
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, dict):
        _fail(path, f"turn {n}: `metadata` must be a mapping")
    if metadata.get("customer") is not None and not isinstance(metadata["customer"], int):
        _fail(path, f"turn {n}: `metadata.customer` must be a customer id (a number)")
    if metadata.get("token") is not None and metadata["token"] not in TOKEN_KINDS:
        _fail(path, f"turn {n}: `metadata.token` must be one of {', '.join(TOKEN_KINDS)}")
    lists = {}
    for key in ("actions", "responses"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
            _fail(path, f"turn {n}: `{key}` must be a list of names")
        lists[key] = value
    return Turn(user=text, metadata=metadata, **lists)


def load(path: Path) -> Replay:
    import yaml
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayFileError(f"{path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ReplayFileError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(raw, dict):
        _fail(path, "a replay file is a mapping with `name`, `now` and `turns`")
    turns = raw.get("turns")
    if not isinstance(turns, list) or not turns:
        _fail(path, "`turns` must be a non-empty list")
    now = raw.get("now")
    if not isinstance(now, str):
        _fail(path, "`now` must be an ISO-8601 instant (quoted)")
    from bot.ledger.clock import parse_instant
    try:
        parse_instant(now)
    except ValueError:
        _fail(path, f"`now` is not an ISO-8601 instant: {now!r}")
    ledger = raw.get("ledger")
    if ledger is not None and not (isinstance(ledger, dict)
                                   and all(isinstance(v, list) for v in ledger.values())):
        _fail(path, "`ledger` must map table names to lists of rows")
    return Replay(name=str(raw.get("name") or path.stem), now=now,
                  turns=[_turn(path, n, t) for n, t in enumerate(turns, 1)],
                  description=str(raw.get("description") or ""),
                  recorded_from=str(raw.get("recorded_from") or ""), ledger=ledger, path=path)


def replay_files(paths: list[str | Path] | None = None) -> list[Path]:
    """The replay files named (folders expand to their ``*.yml``), or the whole set."""
    found: list[Path] = []
    for p in (paths or [REPLAY_DIR]):
        p = Path(p)
        if p.is_dir():
            found += sorted(f for f in p.glob("*.yml") if not f.name.startswith("_"))
        else:
            found.append(p)
    return found
