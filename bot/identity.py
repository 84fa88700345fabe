"""Signed, expiring customer tokens: the only way a customer id reaches the actions.

A token is ``base64url(payload).base64url(HMAC-SHA256(secret, payload))`` where the payload is
``{"cid": <customer id>, "exp": <unix seconds>, "iat": <unix seconds>}``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

__all__ = ["issue_token", "verify_token", "InvalidToken"]


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _secret(secret: str | None) -> bytes:
    if secret is None:
        from bot.settings import get_settings
        secret = get_settings().secret
    return secret.encode()


def issue_token(customer_id: int, *, ttl_seconds: int | None = None, secret: str | None = None,
                now: float | None = None) -> str:
    if ttl_seconds is None:
        from bot.settings import get_settings
        ttl_seconds = get_settings().token_ttl_seconds
    issued = int(now if now is not None else time.time())
    payload = json.dumps({"cid": int(customer_id), "iat": issued, "exp": issued + int(ttl_seconds)},
                         separators=(",", ":")).encode()
    signature = hmac.new(_secret(secret), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def verify_token(token: object, *, secret: str | None = None, now: float | None = None) -> int:
    """The customer id inside a valid token; :class:`InvalidToken` otherwise."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 1024:
        raise InvalidToken("malformed token")
    body, signature = token.split(".")
    try:
        payload, given = _unb64(body), _unb64(signature)
    except (ValueError, TypeError):
        raise InvalidToken("malformed token") from None
    expected = hmac.new(_secret(secret), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, given):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(payload)
        customer_id, expires = int(claims["cid"]), int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        raise InvalidToken("malformed token") from None
    if (now if now is not None else time.time()) >= expires:
        raise InvalidToken("expired token")
    return customer_id
