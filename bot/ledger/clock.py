"""The ledger's clock: real UTC time, or a pinned instant (``LEDGER_NOW``) for tests and replays.

``LEDGER_NOW`` takes an ISO-8601 instant (``2026-06-18T10:00:00+08:00``; a naive value is UTC).
"""
from __future__ import annotations

import os
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

__all__ = ["now", "parse_instant", "as_utc", "local", "LOCAL_TZ"]

LOCAL_TZ = ZoneInfo(os.environ.get("LEDGER_TZ", "Asia/Shanghai"))


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return as_utc(value)


def as_utc(value: datetime) -> datetime:
    """Timezone-aware UTC; a naive value (as SQLite returns them) is taken to be UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def now() -> datetime:
    pinned = os.environ.get("LEDGER_NOW")
    if pinned:
        return parse_instant(pinned)
    return datetime.now(timezone.utc)


def local(value: datetime) -> datetime:
    """The instant in the retailer's local time (China Standard Time by default)."""
    return as_utc(value).astimezone(LOCAL_TZ)
