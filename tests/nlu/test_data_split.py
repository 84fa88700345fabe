"""The held-out split (eval/holdout/) stays unseen: no training text is a held-out text."""
from __future__ import annotations

import re

from bot.nlu.evaluate import HOLDOUT, load_examples
from bot.nlu.text import normalise
from bot.settings import PROJECT_ROOT


def _key(text: str) -> str:
    return re.sub(r"[\s,，.。!！?？~、…]+", "", normalise(text)[0].lower())


def test_no_training_example_is_a_held_out_example():
    held_out = {_key(e["text"]): e["text"] for e in load_examples(HOLDOUT)}
    training = load_examples(PROJECT_ROOT / "data" / "nlu")
    assert len(held_out) >= 0.15 * (len(held_out) + len(training))
    leaked = sorted({e["text"] for e in training if _key(e["text"]) in held_out})
    assert not leaked, f"{len(leaked)} training texts are held-out texts: {leaked[:20]}"
