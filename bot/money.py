"""Money is integer fen inside the ledger and a two-place yuan string ("12.30") outside."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["yuan", "to_fen"]


def yuan(fen: int) -> str:
    """12300 -> "123.00"; -5 -> "-0.05"."""
    if not isinstance(fen, int):
        raise TypeError(f"fen must be an int, not {type(fen).__name__}")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


def to_fen(value: str | int | Decimal) -> int:
    """"12.3" -> 1230. Floats are refused: money is never a float."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    try:
        amount = Decimal(str(value).strip().replace("¥", "").replace("￥", "").replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount of money: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
