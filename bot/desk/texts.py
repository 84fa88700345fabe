"""The desk's words to the shopper (agent joined / left) are domain responses, like every reply
of the assistant: read from ``domain/*.yml``, filled in, and turned Traditional when the shopper
writes Traditional (the script the normaliser recorded on their latest message)."""
from __future__ import annotations

import random
from functools import lru_cache
from typing import Any

from bot.settings import PROJECT_ROOT

__all__ = ["response_text", "shopper_script"]


@lru_cache(maxsize=1)
def _responses() -> dict[str, list[dict[str, Any]]]:
    import yaml
    merged: dict[str, list[dict[str, Any]]] = {}
    for path in sorted((PROJECT_ROOT / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged.update(data.get("responses") or {})
    return merged


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def response_text(name: str, *, script: str = "simplified", **values: Any) -> str:
    variants = [v for v in _responses().get(name, []) if isinstance(v.get("text"), str)]
    if not variants:
        raise KeyError(f"no response {name!r} in the domain")
    text = random.choice(variants)["text"].format_map(_Blank({k: v for k, v in values.items()
                                                              if v is not None}))
    if script == "traditional":
        from bot.nlu.text import to_traditional
        text = to_traditional(text)
    return text


def shopper_script(tracker: dict[str, Any]) -> str:
    """The script of the shopper's latest message in a tracker (as JSON from Rasa's API)."""
    latest = (tracker or {}).get("latest_message") or {}
    return latest.get("script") or "simplified"
