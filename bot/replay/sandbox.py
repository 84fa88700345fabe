"""Per-conversation ledgers for replays: a fresh seeded SQLite copy for every replayed conversation.

A *template* is the demo ledger seeded at one pinned instant (``seed.seed(session, now)``), kept
under ``<var>/replay/templates/``, named by the instant and a fingerprint of the seed code and the
migrations (a changed seed makes a new template). A conversation's *sandbox* is a copy of the
template under ``<var>/replay/ledgers/<conversation id>.db``, made the first time anything needs
it (the action server through :mod:`bot.replay.switch`, or the runner). Copies are created with
``os.link`` so two processes racing to create one never clobber each other; templates are seeded
under a file lock.

:func:`effects` lists what a conversation did to its sandbox: the rows added since the template
(claims, returns, refunds, trade-in quotes, service tickets, consultations, handoff tickets),
with the fields that do not depend on the run (no ids, times or conversation ids).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path

__all__ = ["template_path", "ensure_template", "ledger_path", "ensure_ledger", "effects",
           "valid_key", "discard"]

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")

#: what a conversation may add to the ledger, and the run-independent fields of each row
_EFFECTS = {
    "claims": """SELECT c.id, c.customer_id AS customer, o.order_no, c.kind, c.status,
                        c.reason, c.refund_fen AS refund
                 FROM claims c JOIN order_items i ON i.id = c.order_item_id
                 JOIN orders o ON o.id = i.order_id""",
    "returns": """SELECT r.id, r.customer_id AS customer, o.order_no, r.quantity, r.reason,
                         r.status, r.refund_fen AS refund
                  FROM returns r JOIN order_items i ON i.id = r.order_item_id
                  JOIN orders o ON o.id = i.order_id""",
    "refunds": """SELECT id, customer_id AS customer, kind, status, amount_fen AS amount
                  FROM refunds""",
    "trade_in_quotes": """SELECT id, customer_id AS customer, status, value_fen AS value,
                                 subsidy_fen AS subsidy FROM trade_in_quotes""",
    "service_tickets": """SELECT t.id, t.customer_id AS customer, o.order_no, t.kind, t.status
                          FROM service_tickets t JOIN order_items i ON i.id = t.order_item_id
                          JOIN orders o ON o.id = i.order_id""",
    "consultations": "SELECT id, customer_id AS customer, department, status FROM consultations",
    "handoff_tickets": """SELECT id, customer_id AS customer, team, topic, priority, status
                          FROM handoff_tickets""",
}
_MONEY = {"refund", "amount", "value", "subsidy"}


def valid_key(key: object) -> bool:
    return isinstance(key, str) and bool(_KEY.match(key))


@lru_cache(maxsize=1)
def _fingerprint() -> str:
    """The seed code and the migrations: a change makes new templates."""
    from bot.ledger import catalogue, seed
    from bot.ledger.schema import MIGRATIONS
    digest = hashlib.sha256()
    for path in [Path(seed.__file__), Path(catalogue.__file__),
                 *sorted((MIGRATIONS / "versions").glob("*.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _root(var: Path) -> Path:
    return Path(var) / "replay"


def template_path(var: Path, now: datetime) -> Path:
    from bot.ledger.clock import as_utc
    stamp = as_utc(now).strftime("%Y%m%dT%H%M%SZ")
    return _root(var) / "templates" / f"{stamp}-{_fingerprint()}.db"


def ensure_template(var: Path, now: datetime) -> Path:
    """The demo ledger seeded at ``now`` (created once, under a lock)."""
    path = template_path(var, now)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(_root(var) / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():
            return path
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".seeding-", suffix=".db")
        os.close(fd)
        try:
            _seed(Path(tmp), now)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return path


def _seed(path: Path, now: datetime) -> None:
    from bot.ledger import schema, seed
    from bot.ledger.db import make_engine, make_sessionmaker
    engine = make_engine(f"sqlite:///{path}")
    try:
        schema.upgrade(engine)
        with make_sessionmaker(engine).begin() as session:
            seed.seed(session, now)
    finally:
        engine.dispose()
    # one self-contained file (no WAL beside it), so a plain copy is a complete ledger
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=DELETE")
    finally:
        connection.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def ledger_path(var: Path, key: str) -> Path:
    if not valid_key(key):
        raise ValueError(f"not a usable conversation id for a sandbox ledger: {key!r}")
    return _root(var) / "ledgers" / f"{key}.db"


def ensure_ledger(var: Path, key: str, now: datetime) -> Path:
    """The sandbox ledger of conversation ``key``: a fresh copy of the template at ``now``."""
    path = ledger_path(var, key)
    if path.exists():
        return path
    template = ensure_template(var, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".copy-", suffix=".db")
    os.close(fd)
    try:
        shutil.copyfile(template, tmp)
        try:
            os.link(tmp, path)          # fails if another process made it first: keep theirs
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    return path


def discard(var: Path, key: str) -> None:
    path = ledger_path(var, key)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)


def _rows(path: Path) -> dict[str, list[dict]]:
    connection = sqlite3.connect(path, timeout=30)
    connection.row_factory = sqlite3.Row
    try:
        return {table: [dict(r) for r in connection.execute(sql + " ORDER BY 1")]
                for table, sql in _EFFECTS.items()}
    finally:
        connection.close()


def effects(ledger: Path, template: Path) -> dict[str, list[dict]]:
    """Rows the conversation added to its sandbox, by table (tables with none are left out)."""
    from bot.money import yuan
    before = {t: max((r["id"] for r in rows), default=0) for t, rows in _rows(template).items()}
    out: dict[str, list[dict]] = {}
    for table, rows in _rows(ledger).items():
        added = []
        for row in rows:
            if row["id"] <= before[table]:
                continue
            row.pop("id")
            added.append({k: (yuan(int(v)) if k in _MONEY and v is not None else v)
                          for k, v in row.items()})
        if added:
            out[table] = added
    return out
