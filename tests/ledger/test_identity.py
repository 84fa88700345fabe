"""Signed, expiring customer tokens (bot.identity)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from bot.identity import InvalidToken, issue_token, verify_token

SECRET = "test-secret-0123456789"
T0 = 1_781_748_000          # 2026-06-18 02:00 UTC, in unix seconds


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signed(payload: bytes, secret: str = SECRET) -> str:
    """A token with a valid signature over an arbitrary payload."""
    return f"{b64(payload)}.{b64(hmac.new(secret.encode(), payload, hashlib.sha256).digest())}"


def test_round_trip():
    token = issue_token(1001, ttl_seconds=3600, secret=SECRET, now=T0)
    assert verify_token(token, secret=SECRET, now=T0) == 1001
    assert verify_token(token, secret=SECRET, now=T0 + 3599) == 1001
    body = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert body == {"cid": 1001, "iat": T0, "exp": T0 + 3600}


def test_customer_id_given_as_text_is_stored_as_a_number():
    assert verify_token(issue_token("1007", ttl_seconds=60, secret=SECRET, now=T0), secret=SECRET, now=T0) == 1007


@pytest.mark.parametrize("later", [3600, 3601, 10 ** 6])
def test_expired_from_the_expiry_second_on(later):
    token = issue_token(1001, ttl_seconds=3600, secret=SECRET, now=T0)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(token, secret=SECRET, now=T0 + later)


def test_zero_ttl_is_expired_at_once():
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(issue_token(1, ttl_seconds=0, secret=SECRET, now=T0), secret=SECRET, now=T0)


def test_defaults_come_from_the_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("BOT_SECRET", SECRET)
    monkeypatch.setenv("BOT_TOKEN_TTL", "120")
    token = issue_token(5, now=T0)
    assert verify_token(token, now=T0 + 119) == 5
    assert verify_token(token, secret=SECRET, now=T0 + 119) == 5
    with pytest.raises(InvalidToken):
        verify_token(token, now=T0 + 120)
    monkeypatch.setenv("BOT_SECRET", "another-secret")
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(token, now=T0)


def test_a_secret_is_created_once_in_the_var_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("BOT_SECRET", raising=False)
    token = issue_token(9, ttl_seconds=60, now=T0)
    assert len((tmp_path / "secret").read_text().strip()) == 64
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600
    assert verify_token(token, now=T0) == 9
    assert verify_token(token, secret=(tmp_path / "secret").read_text().strip(), now=T0) == 9


def test_tampered_payload_is_refused():
    token = issue_token(1001, ttl_seconds=3600, secret=SECRET, now=T0)
    body, signature = token.split(".")
    forged = b64(json.dumps({"cid": 1002, "iat": T0, "exp": T0 + 3600}, separators=(",", ":")).encode())
    longer = b64(json.dumps({"cid": 1001, "iat": T0, "exp": T0 + 10 ** 8}, separators=(",", ":")).encode())
    for bad in (f"{forged}.{signature}", f"{longer}.{signature}"):
        with pytest.raises(InvalidToken, match="signature"):
            verify_token(bad, secret=SECRET, now=T0)


def test_tampered_or_foreign_signature_is_refused():
    token = issue_token(1001, ttl_seconds=3600, secret=SECRET, now=T0)
    body, signature = token.split(".")
    other = issue_token(1002, ttl_seconds=3600, secret=SECRET, now=T0).split(".")[1]
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for bad in (f"{body}.{other}", f"{body}.{flipped}", f"{body}.{signature[:-4]}", f"{body}."):
        with pytest.raises(InvalidToken):
            verify_token(bad, secret=SECRET, now=T0)
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(token, secret="wrong-secret", now=T0)
    with pytest.raises(InvalidToken, match="signature"):
        verify_token(issue_token(1001, ttl_seconds=3600, secret="wrong-secret", now=T0), secret=SECRET, now=T0)


@pytest.mark.parametrize("token", [
    None, 1001, b"a.b", ["a", "b"], "", ".", "abc", "a.b.c", "x" * 600 + "." + "y" * 600,
    "令牌.签名", "a.b", "!!!.###", "eyJjaWQiOjF9",
])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        verify_token(token, secret=SECRET, now=T0)


@pytest.mark.parametrize("payload", [
    b"not json", b"\xff\xfe", b"[1, 2]", b'"1001"', b"{}", b'{"cid": 1001}', b'{"exp": 1781751600}',
    b'{"cid": "abc", "exp": 1781751600}', b'{"cid": 1001, "exp": "soon"}', b'{"cid": null, "exp": 1781751600}',
])
def test_validly_signed_but_malformed_payloads_are_refused(payload):
    with pytest.raises(InvalidToken, match="malformed"):
        verify_token(signed(payload), secret=SECRET, now=T0)


def test_a_validly_signed_well_formed_payload_passes():
    assert verify_token(signed(b'{"cid": 7, "exp": 1781751600}'), secret=SECRET, now=T0) == 7
