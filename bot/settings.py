"""The one place environment variables are read.

Every setting has a default that works on a fresh clone: an embedded SQLite ledger and tracker
store under ``var/``, Rasa on 5005, the action server on 5055, the agent desk and web chat on 5080.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "get_settings", "PROJECT_ROOT"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _var_dir() -> Path:
    path = Path(os.environ.get("BOT_VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret(var: Path) -> str:
    """``BOT_SECRET`` if set, else a random secret kept in ``var/secret`` (created once)."""
    value = os.environ.get("BOT_SECRET")
    if value:
        return value
    path = var / "secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    ledger_url: str
    tracker_url: str
    bot_port: int
    actions_port: int
    secret: str
    token_ttl_seconds: int
    pinned_now: str | None
    timezone: str
    api_token: str
    desk_port: int
    demo_sign_in: bool
    var_dir: Path = PROJECT_ROOT / "var"
    # BOT_TEST_SWITCHES=1 (test stacks only, never `make run`): replayed conversations get their
    # own fresh ledger and pinned clock (bot/replay/switch.py)
    test_switches: bool = False


def get_settings() -> Settings:
    var = _var_dir()
    return Settings(
        ledger_url=os.environ.get("LEDGER_URL", f"sqlite:///{var / 'ledger.db'}"),
        tracker_url=os.environ.get("TRACKER_URL", f"sqlite:///{var / 'tracker.db'}"),
        bot_port=int(os.environ.get("BOT_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
        secret=_secret(var),
        token_ttl_seconds=int(os.environ.get("BOT_TOKEN_TTL", str(24 * 3600))),
        pinned_now=os.environ.get("LEDGER_NOW") or None,
        timezone=os.environ.get("LEDGER_TZ", "Asia/Shanghai"),
        api_token=os.environ.get("RASA_API_TOKEN") or _secret(var)[:32],
        desk_port=int(os.environ.get("DESK_PORT", "5080")),
        # the web chat may sign in as any demo customer without a password (turn off outside demos)
        demo_sign_in=os.environ.get("DEMO_SIGN_IN", "1").lower() not in ("0", "false", "no", "off"),
        var_dir=var,
        test_switches=os.environ.get("BOT_TEST_SWITCHES", "") == "1",
    )
