"""Custom Rasa 3.6 graph components (registered with the default recipe).

Pipeline order (config.yml): ChineseNormaliser -> LedgerJiebaTokenizer -> featurisers -> DIET
-> LedgerEntityExtractor -> ResponseSelector -> FallbackClassifier -> SafetyDetector.
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import MAX_NLU_CHARS, normalise

__all__ = ["ChineseNormaliser", "LedgerJiebaTokenizer", "LedgerEntityExtractor",
           "FaqResponseSelector", "SafetyDetector"]

log = logging.getLogger(__name__)

ORIGINAL_TEXT = "original_text"
SCRIPT = "script"
SAFETY = "safety"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class ChineseNormaliser(GraphComponent):
    """Traditional -> Simplified (OpenCC t2s, same length), full-width -> half-width, the text
    capped at 512 characters for NLU. Keeps the original text and its script in the parse data.
    Registered as a featuriser so that it also runs over the training data, before the
    tokenizer."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": MAX_NLU_CHARS}

    def __init__(self, config: dict[str, Any]):
        self.max_chars = int(config.get("max_chars", MAX_NLU_CHARS))

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "ChineseNormaliser":
        return cls(config)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The NLU code itself: a change to these components retrains the NLU model."""
        digest = hashlib.sha256()
        for file in sorted(Path(__file__).parent.glob("*.py")):
            digest.update(file.read_bytes())
        return digest.hexdigest()[:16]

    def _normalise(self, message: Message, training: bool) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        if not training:
            message.set(ORIGINAL_TEXT, text, add_to_output=True)
        clean, script = normalise(text[: self.max_chars])
        message.set(TEXT, clean)
        if not training:
            message.set(SCRIPT, script, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalise(example, training=True)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalise(message, training=False)
        return messages


def _dir_digest(path: str | None) -> str | None:
    if not path or not Path(path).is_dir():
        return None
    digest = hashlib.sha256()
    for file in sorted(Path(path).glob("*")):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class LedgerJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer, plus: the user dictionary is part of the model's fingerprint (a
    changed dictionary retrains), and whitespace tokens are dropped (Rasa issue #7910)."""

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return _dir_digest(config.get("dictionary_path"))

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]


def _ledger_terms():
    from bot.ledger.db import default_sessionmaker
    from bot.nlu.lexicon import build_lexicon
    with default_sessionmaker()() as session:
        return build_lexicon(session)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LedgerEntityExtractor(GraphComponent):
    """Entities from a spaCy pipeline (blank ``zh``, jieba segmenter) whose entity ruler is built
    from the ledger at training time and stored in the model, plus pattern entities (order
    numbers, money, weights, ages, diaper sizes, dates, quantities). Values are normalised."""

    NAME = "ledger_entities"

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        from bot.nlu.lexicon import lexicon_fingerprint
        try:
            return lexicon_fingerprint(_ledger_terms())
        except Exception as exc:  # noqa: BLE001 - no ledger yet: training will say so clearly
            log.warning("could not read the ledger for the entity lexicon: %s", exc)
            return None

    def __init__(self, config, model_storage: ModelStorage, resource: Resource, nlp=None):
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._nlp = nlp
        self._fallback = None

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "LedgerEntityExtractor":
        return cls(config, model_storage, resource)

    @staticmethod
    def _blank():
        import spacy
        return spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

    def train(self, training_data: TrainingData) -> Resource:
        import jieba
        terms = _ledger_terms()
        if not terms:
            raise RuntimeError("the ledger holds no catalogue: run `bot ledger seed` before training")
        for term in terms:
            if " " not in term.text:
                jieba.add_word(term.text, 20000)
        nlp = self._blank()
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER",
                                                     "overwrite_ents": True})
        ruler.add_patterns([{"label": t.label, "pattern": t.text, "id": t.value} for t in terms])
        with self._storage.write_to(self._resource) as directory:
            nlp.to_disk(Path(directory) / "spacy")
        self._nlp = nlp
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "LedgerEntityExtractor":
        import jieba
        import spacy
        try:
            with model_storage.read_from(resource) as directory:
                nlp = spacy.load(Path(directory) / "spacy")
        except ValueError:
            return cls(config, model_storage, resource)
        for pattern in nlp.get_pipe("entity_ruler").patterns:
            if " " not in pattern["pattern"]:
                jieba.add_word(pattern["pattern"], 20000)
        return cls(config, model_storage, resource, nlp)

    def _lexicon_regex(self):
        """Catches lexicon words that jieba split differently in context (longest first)."""
        if self._fallback is None:
            import re
            patterns = self._nlp.get_pipe("entity_ruler").patterns
            by_text = {p["pattern"].lower(): (p["label"], p["id"]) for p in patterns}
            words = sorted(by_text, key=len, reverse=True)
            rx = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None
            self._fallback = (rx, by_text)
        return self._fallback

    def extract(self, text: str) -> list[dict[str, Any]]:
        from bot.nlu.patterns import find_pattern_entities
        found: list[dict[str, Any]] = []

        def free(start, end):
            return not any(start < e["end"] and e["start"] < end for e in found)

        def add(entity, start, end, value):
            if free(start, end):
                found.append({"entity": entity, "start": start, "end": end, "value": value,
                              "confidence_entity": 1.0, "extractor": self.__class__.__name__})

        for p in find_pattern_entities(text):
            add(p.entity, p.start, p.end, p.value)
        if self._nlp is not None:
            for ent in self._nlp(text).ents:
                add(ent.label_, ent.start_char, ent.end_char, ent.ent_id_ or ent.text)
            rx, by_text = self._lexicon_regex()
            if rx is not None:
                for m in rx.finditer(text):
                    label, value = by_text[m.group(0).lower()]
                    add(label, m.start(), m.end(), value)
        return sorted(found, key=lambda e: e["start"])

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            mine = self.extract(text)
            others = [e for e in message.get(ENTITIES, []) or []
                      if not any(e["start"] < m["end"] and m["start"] < e["end"] for m in mine)]
            message.set(ENTITIES, sorted(others + mine, key=lambda e: e["start"]),
                        add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    """Rasa's ResponseSelector, run only for messages the classifier put in the retrieval
    intent: it is a second neural network, and most messages are not FAQs."""

    def process(self, messages: list[Message]) -> list[Message]:
        wanted = self.retrieval_intent
        chosen = [m for m in messages
                  if (m.get(INTENT) or {}).get("name") in ((wanted,) if wanted else ("faq",))]
        if chosen:
            super().process(chosen)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyDetector(GraphComponent):
    """Deterministic: emergencies and self-harm, in either script, override whatever intent DIET
    (or the fallback) chose. Runs last."""

    def __init__(self, config):
        self._config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "SafetyDetector":
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        from bot.nlu.safety import detect
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text:
                continue
            hit = detect(message.get(ORIGINAL_TEXT) or text)
            if hit is None:
                continue
            previous = message.get(INTENT) or {}
            message.set(INTENT, {"name": hit.intent, "confidence": 1.0}, add_to_output=True)
            ranking = [{"name": hit.intent, "confidence": 1.0}] + [
                r for r in (message.get(INTENT_RANKING_KEY) or []) if r.get("name") != hit.intent]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(SAFETY, {"intent": hit.intent, "rule": hit.rule,
                                 "overrode": previous.get("name")}, add_to_output=True)
        return messages
