"""Agent sessions for the desk: a signed, expiring token in an HttpOnly cookie (or a bearer
header for API clients).

The token is ``base64url(payload).base64url(HMAC-SHA256(key, payload))`` with the payload
``{"typ": "agent", "aid": <agent id>, "exp": <unix seconds>}``. The key is derived from the
server secret for this one purpose, so a shopper's ``customer_token`` (signed with the secret
itself, with another payload) never opens the desk. The agent is re-read from the ledger on every
request, so a removed agent or a changed team takes effect at once.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

__all__ = ["issue_agent_token", "verify_agent_token", "InvalidSession", "SESSION_TTL_SECONDS",
           "COOKIE"]

SESSION_TTL_SECONDS = 12 * 3600
COOKIE = "desk_session"


class InvalidSession(Exception):
    """The desk session token is missing, malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"agent-desk-session-v1", hashlib.sha256).digest()


def issue_agent_token(agent_id: int, *, secret: str, ttl_seconds: int = SESSION_TTL_SECONDS,
                      now: float | None = None) -> str:
    issued = int(now if now is not None else time.time())
    payload = json.dumps({"typ": "agent", "aid": int(agent_id), "exp": issued + int(ttl_seconds)},
                         separators=(",", ":")).encode()
    return f"{_b64(payload)}.{_b64(hmac.new(_key(secret), payload, hashlib.sha256).digest())}"


def verify_agent_token(token: object, *, secret: str, now: float | None = None) -> int:
    """The agent id inside a valid desk token; :class:`InvalidSession` otherwise."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 512:
        raise InvalidSession("malformed session")
    body, signature = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (ValueError, TypeError):
        raise InvalidSession("malformed session") from None
    if not hmac.compare_digest(hmac.new(_key(secret), payload, hashlib.sha256).digest(), given):
        raise InvalidSession("bad signature")
    try:
        claims = json.loads(payload)
        if claims.get("typ") != "agent":
            raise InvalidSession("not an agent session")
        agent_id, expires = int(claims["aid"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InvalidSession("malformed session") from None
    if (now if now is not None else time.time()) >= expires:
        raise InvalidSession("expired session")
    return agent_id
