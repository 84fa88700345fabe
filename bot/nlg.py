"""Replies in the shopper's script: one NLG class instead of a second copy of every response.

Configured in ``endpoints.yml`` (``nlg: type: bot.nlg.ScriptAwareNLG``). It renders the domain's
responses exactly like Rasa's templated NLG, then converts the text, button titles and quick
replies to Traditional when the shopper's latest message was written in Traditional (the
normaliser records the script in the parse data).
"""
from __future__ import annotations

from typing import Any

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator

from bot.nlu.text import to_traditional

__all__ = ["ScriptAwareNLG", "shopper_script", "to_script"]


def shopper_script(tracker) -> str:
    """The script of the shopper's latest message (``simplified`` unless it said otherwise)."""
    latest = getattr(tracker, "latest_message", None)
    data = getattr(latest, "parse_data", None) or {}
    return data.get("script") or "simplified"


def to_script(message: dict[str, Any], script: str) -> dict[str, Any]:
    if script != "traditional" or not message:
        return message
    out = dict(message)
    if isinstance(out.get("text"), str):
        out["text"] = to_traditional(out["text"])
    for key in ("buttons", "quick_replies"):
        if isinstance(out.get(key), list):
            out[key] = [{**b, "title": to_traditional(b["title"])} if isinstance(b, dict)
                        and isinstance(b.get("title"), str) else b for b in out[key]]
    return out


class ScriptAwareNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config=None, domain=None, **_: Any) -> None:
        super().__init__(domain.responses if domain is not None else {})

    async def generate(self, utter_action: str, tracker, output_channel: str,
                       **kwargs: Any) -> dict[str, Any] | None:
        message = await super().generate(utter_action, tracker, output_channel, **kwargs)
        return to_script(message, shopper_script(tracker)) if message else message
