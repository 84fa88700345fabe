"""Custom Rasa 3.6 graph components (registered with the default recipe).

Pipeline order (config.yml): ChineseNormaliser -> LedgerJiebaTokenizer -> featurisers -> DIET
-> LinearIntentEnsemble -> LedgerEntityExtractor -> ResponseSelector -> FallbackClassifier
-> AnswerDetector -> SafetyDetector.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.selectors.response_selector import ResponseSelector
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.text import MAX_NLU_CHARS, normalise

__all__ = ["ChineseNormaliser", "LedgerJiebaTokenizer", "LinearIntentEnsemble",
           "LedgerEntityExtractor", "AnswerDetector", "FaqResponseSelector", "SafetyDetector"]

log = logging.getLogger(__name__)

ORIGINAL_TEXT = "original_text"
SCRIPT = "script"
SAFETY = "safety"
LEXICON_SPANS = "lexicon_spans"


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


def _tokens(message: Message) -> list[str]:
    """The texts of the tokens the tokenizer left on a message."""
    return [t.text for t in message.get(TOKENS_NAMES[TEXT]) or []]


def _ledger_terms():
    from bot.ledger.db import default_sessionmaker
    from bot.nlu.lexicon import build_lexicon
    with default_sessionmaker()() as session:
        return build_lexicon(session)


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)   # İ -> i̇ is longer


class LookupMatcher:
    """Which lookup tables (``name``, ``elements``) a text mentions, case-insensitively.

    Words are bucketed by their first character, so a message costs a few dictionary lookups
    per character however long the tables are (a regex alternation of two thousand words costs
    far more)."""

    def __init__(self, tables: list[dict]):
        self.buckets: dict[str, list[tuple[str, str]]] = {}
        for table in tables:
            name, elements = table.get("name"), table.get("elements")
            if not name or not isinstance(elements, list):
                continue
            for element in elements:
                word = str(element).strip().lower()
                if word:
                    self.buckets.setdefault(word[0], []).append((word, name))
        for bucket in self.buckets.values():
            bucket.sort(key=lambda w: -len(w[0]))

    def spans(self, text: str, skip: tuple[str, ...] = ()) -> list[tuple[int, int, str]]:
        """(start, end, table) of the longest mention at each position, left to right, not
        overlapping; tables in ``skip`` ignored."""
        low = _lower_same_length(text)
        out: list[tuple[int, int, str]] = []
        i = 0
        while i < len(low):
            hit = next(((w, n) for w, n in self.buckets.get(low[i], ())
                        if n not in skip and low.startswith(w, i)), None)
            if hit:
                out.append((i, i + len(hit[0]), hit[1]))
                i += len(hit[0])
            else:
                i += 1
        return out

    def tables_in(self, text: str) -> list[str]:
        low = text.lower()
        found: list[str] = []
        for i, c in enumerate(low):
            for word, name in self.buckets.get(c, ()):
                if name not in found and low.startswith(word, i):
                    found.append(name)
        return sorted(found)


def _lexicon_dir(path: str | Path | None) -> Path | None:
    """The lexicon directory of a component's config, relative to the project root."""
    from bot.settings import PROJECT_ROOT
    return (Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path) if path else None


def load_lexicons(path: str | Path | None) -> list[dict]:
    """The lookup tables of the team-written lexicons (``bot/nlu/lexicons/*.yml``): kept out of
    ``data/`` so that no other component runs them (Rasa's RegexFeaturizer would run each as a
    regex alternation of hundreds of words on every message)."""
    from rasa.shared.nlu.training_data.loading import load_data
    tables: list[dict] = []
    path = _lexicon_dir(path)
    if path and path.is_dir():
        for file in sorted(Path(path).glob("*.yml")):
            tables += load_data(str(file)).lookup_tables
    return tables


_QUESTION = re.compile(r"[吗呢么嘛?]|怎么|为什么|啥|什么|多少|几|哪|能不能|可不可以|是不是")
_ASKING = re.compile(r"帮我|给我|我要|我想|想要|麻烦|请|可以|能不能|怎么办|咋办|咋整")


def shape_words(text: str) -> list[str]:
    """The form of a message as words: its length band, all Latin letters, all digits, no word
    characters at all, a question, an ask, mostly one repeated character. Noise (哈哈哈, asdf,
    2333, ...) and bare answers (an order number, a model) look alike by their words and differ
    by their form: +0.5 points of 5-fold CV for the linear model."""
    t = "".join(text.split())
    n = len(t)
    band = ("1" if n <= 1 else "2-3" if n <= 3 else "4-6" if n <= 6 else "7-12" if n <= 12
            else "13-25" if n <= 25 else "26+")
    out = [f"<len:{band}>"]
    if t and all(c.isascii() and c.isalpha() for c in t):
        out.append("<all_latin>")
    if any(c.isdigit() for c in t) and all(c.isdigit() or c in ".-" for c in t):
        out.append("<all_digits>")
    if t and not any(c.isalnum() for c in t):
        out.append("<no_words>")
    if _QUESTION.search(t):
        out.append("<question>")
    if _ASKING.search(t):
        out.append("<ask>")
    if n >= 3 and len(set(t)) <= max(1, n // 3):
        out.append("<repetitive>")
    return out


class LinearModel:
    """TF-IDF character 1..n-grams of the text, TF-IDF jieba words (plus a ``<lookup:NAME>`` word
    per lookup table the text mentions, a ``<regex:NAME>`` word per matching regex of the data and
    the ``shape_words`` of its form) and (weighted) TF-IDF pinyin syllables and syllable bigrams
    (``bot.nlu.pinyin``: homophone typos, typed pinyin), into a linear SVM.

    Fitted with scikit-learn; scoring is a few dictionary lookups and one small matrix product
    in numpy (scikit-learn's transform costs over a millisecond per single message). The model
    keeps only vocabularies, idf weights and the SVM's coefficients."""

    def __init__(self, classes, char_vocab, word_vocab, coef, intercept, max_n,
                 sound_vocab=None, sound_weight=0.0, lookups=None, regexes=None, shape=False):
        self.classes = list(classes)
        self.shape = shape                # add shape_words()
        self.lookups = lookups            # LookupMatcher or None
        self.regexes = regexes or []      # (name, compiled pattern): the data's regex features
        self.char_vocab = char_vocab      # n-gram -> (column, idf)
        self.word_vocab = word_vocab      # word -> (column, idf)
        self.sound_vocab = sound_vocab or {}   # pinyin syllable (bigram) -> (column, idf)
        self.sound_weight = sound_weight
        self.coef = coef                  # (classes, columns) float32
        self.intercept = intercept
        self.max_n = max_n

    @staticmethod
    def char_ngrams(text: str, max_n: int) -> list[str]:
        text = " ".join(text.lower().split())
        return [text[i:i + n] for n in range(1, max_n + 1) for i in range(len(text) - n + 1)]

    @staticmethod
    def words(tokens: list[str]) -> list[str]:
        return [w.lower() for w in tokens if w and not w.isspace()]

    def with_lookups(self, text: str, tokens: list[str]) -> list[str]:
        """The tokens plus one ``<lookup:NAME>`` word per lookup table the text mentions (a
        product, a district, a drug, another company's platform) and one ``<regex:NAME>`` per
        regex of the training data that matches (an order number, a weight, an age, a size):
        the model generalises from the names it saw in training to every name in the table."""
        matcher = getattr(self, "lookups", None)
        extra = [f"<lookup:{name}>" for name in matcher.tables_in(text)] if matcher else []
        extra += [f"<regex:{name}>" for name, pattern in getattr(self, "regexes", ())
                  if pattern.search(text)]
        if getattr(self, "shape", False):
            extra += shape_words(text)
        return list(tokens) + extra

    @classmethod
    def fit(cls, texts: list[str], tokens: list[list[str]], labels: list[str], *, C: float,
            max_n: int, sound_weight: float = 0.0,
            lookup_tables: list[dict] | None = None,
            regex_features: list[dict] | None = None, shape: bool = False) -> "LinearModel":
        import numpy as np
        from scipy.sparse import hstack
        from sklearn.svm import LinearSVC
        lookups = LookupMatcher(lookup_tables or [])
        regexes = [(r["name"], re.compile(r["pattern"], re.IGNORECASE))
                   for r in regex_features or [] if r.get("name") and r.get("pattern")]
        probe = cls([], {}, {}, None, None, max_n, lookups=lookups, regexes=regexes, shape=shape)
        tokens = [probe.with_lookups(t, toks) for t, toks in zip(texts, tokens)]
        blocks = cls.vectorisers(max_n)
        parts = [blocks[0].fit_transform(texts), blocks[1].fit_transform(tokens)]
        if sound_weight:
            parts.append(sound_weight * blocks[2].fit_transform(texts))
        svm = LinearSVC(C=C, random_state=618).fit(hstack(parts).tocsr(), labels)
        offset, out = 0, []
        for vectoriser in blocks[:len(parts)]:
            out.append({g: (offset + i, float(vectoriser.idf_[i]))
                        for g, i in vectoriser.vocabulary_.items()})
            offset += len(vectoriser.vocabulary_)
        return cls(svm.classes_, out[0], out[1], svm.coef_.astype(np.float32),
                   svm.intercept_.astype(np.float32), max_n,
                   out[2] if sound_weight else None, sound_weight, lookups, regexes, shape)

    @classmethod
    def vectorisers(cls, max_n: int):
        """The scikit-learn vectorisers of the three blocks (for fitting, and for tests)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from bot.nlu.pinyin import features
        chars = TfidfVectorizer(analyzer=lambda t: cls.char_ngrams(t, max_n), sublinear_tf=True)
        words = TfidfVectorizer(analyzer=cls.words, sublinear_tf=True)
        sound = TfidfVectorizer(analyzer=features, sublinear_tf=True)
        return chars, words, sound

    @staticmethod
    def _block(grams: list[str], vocab: dict) -> tuple[list[int], list[float]]:
        import math
        counts: dict[str, int] = {}
        for g in grams:
            if g in vocab:
                counts[g] = counts.get(g, 0) + 1
        cols, vals = [], []
        for g, c in counts.items():
            col, idf = vocab[g]
            cols.append(col)
            vals.append((1.0 + math.log(c)) * idf)
        norm = math.sqrt(sum(v * v for v in vals)) or 1.0
        return cols, [v / norm for v in vals]

    def margins(self, text: str, tokens: list[str]):
        import numpy as np
        c1, v1 = self._block(self.char_ngrams(text, self.max_n), self.char_vocab)
        c2, v2 = self._block(self.words(self.with_lookups(text, tokens)), self.word_vocab)
        cols, vals = c1 + c2, v1 + v2
        if getattr(self, "sound_weight", 0.0):
            from bot.nlu.pinyin import features
            c3, v3 = self._block(features(text), self.sound_vocab)
            cols += c3
            vals += [self.sound_weight * v for v in v3]
        if not cols:
            margins = self.intercept.copy()
        else:
            # an elementwise product and a sum, not a BLAS call: beside TensorFlow, waking the
            # BLAS threads for a (classes x ~100) product cost ten times the arithmetic
            margins = (self.coef[:, cols] * np.asarray(vals, dtype=np.float32)).sum(axis=1) + self.intercept
        if len(self.classes) == 2 and len(margins) == 1:
            margins = np.concatenate([-margins, margins])   # a binary SVM keeps one row
        return margins

    def probabilities(self, text: str, tokens: list[str], temperature: float):
        """The margins softmaxed at ``temperature``, in the order of ``classes``."""
        import numpy as np
        margins = self.margins(text, tokens)
        z = np.exp((margins - margins.max()) / float(temperature))
        return z / z.sum()

    def warm(self) -> "LinearModel":
        """Build the pinyin table at model load, not on the first messages."""
        if getattr(self, "sound_weight", 0.0):
            from bot.nlu.pinyin import table
            table()
        return self

    def knows(self, text: str) -> bool:
        """Whether any character n-gram of the text was seen in training."""
        return any(g in self.char_vocab for g in self.char_ngrams(text, self.max_n))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentEnsemble(GraphComponent):
    """A linear SVM over TF-IDF character 1-3-grams, jieba words, pinyin, lookup/regex matches and
    the message's form (``shape_words``), blended with DIET's ranking.

    On short Chinese messages a sparse linear model generalises better than DIET from the same
    data, and its mistakes are different ones: the blend (``weight`` of the SVM's softmaxed
    margins at ``temperature``) beats either alone. It trains in seconds and adds a fraction of
    a millisecond per message. Runs right after DIET, so the fallback, the FAQ selector and the
    safety detector see the blended intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 1.0, "temperature": 0.15, "weight": 0.7, "max_char_ngram": 3,
                "sound_weight": 1.0, "shape_words": True, "lexicons": "bot/nlu/lexicons",
                "ranking_length": 10}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        path = _lexicon_dir(config.get("lexicons", cls.get_default_config()["lexicons"]))
        return _dir_digest(str(path)) if path else None

    def __init__(self, config, model_storage: ModelStorage, resource: Resource, model=None):
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._model: LinearModel | None = model

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "LinearIntentEnsemble":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        import pickle
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            return self._resource
        self._model = LinearModel.fit([m.get(TEXT) for m in examples],
                                      [_tokens(m) for m in examples], labels,
                                      C=float(self._config["C"]),
                                      max_n=int(self._config["max_char_ngram"]),
                                      sound_weight=float(self._config["sound_weight"]),
                                      lookup_tables=list(training_data.lookup_tables)
                                      + load_lexicons(self._config["lexicons"]),
                                      regex_features=list(training_data.regex_features),
                                      shape=bool(self._config["shape_words"]))
        with self._storage.write_to(self._resource) as directory:
            (Path(directory) / "linear.pkl").write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "LinearIntentEnsemble":
        import pickle
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((Path(directory) / "linear.pkl").read_bytes())
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model.warm() if model is not None else None)

    def blend(self, text: str, tokens: list[str], diet_ranking: list[dict]) -> list[dict]:
        linear = self._model.probabilities(text, tokens, self._config["temperature"])
        w = float(self._config["weight"])
        diet = {r["name"]: r["confidence"] for r in diet_ranking}
        blended = {name: w * float(p) + (1 - w) * diet.get(name, 0.0)
                   for name, p in zip(self._model.classes, linear)}
        return sorted(({"name": k, "confidence": v} for k, v in blended.items()),
                      key=lambda r: -r["confidence"])[: int(self._config["ranking_length"])]

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not text.strip():
                continue
            ranking = self.blend(text, _tokens(message), message.get(INTENT_RANKING_KEY) or [])
            message.set(INTENT, dict(ranking[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            matcher = getattr(self._model, "lookups", None)
            if matcher is not None:
                # names the lexicons know (a drug, a breed, a place, a model) for AnswerDetector;
                # another company's name alone is no answer to any question of ours
                message.set(LEXICON_SPANS, [(a, b) for a, b, _ in
                                            matcher.spans(text, skip=("other_platform",))])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class LedgerEntityExtractor(GraphComponent):
    """Entities from a spaCy pipeline (blank ``zh``, jieba segmenter) whose entity ruler is built
    from the ledger at training time and stored in the model (plus the drug names of the team's
    lexicon that the shop does not sell), plus pattern entities (order numbers, money, weights,
    ages, diaper sizes, dates, quantities). Values are normalised."""

    NAME = "ledger_entities"

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        from bot.nlu.lexicon import lexicon_fingerprint
        path = _lexicon_dir(config.get("lexicons", cls.get_default_config()["lexicons"]))
        lexicons = _dir_digest(str(path)) if path else None
        try:
            return f"{lexicon_fingerprint(_ledger_terms())}-{lexicons}"
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

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # team-written lexicon tables whose names become entities (label, table) beside the
        # ledger's: a drug the shop does not sell is still a drug ("we have no label facts")
        return {"lexicons": "bot/nlu/lexicons", "lexicon_entities": {"drug": "drug_name"}}

    def _lexicon_terms(self, ledger_terms) -> list:
        from bot.nlu.lexicon import Term
        config = {**self.get_default_config(), **(self._config or {})}
        known = {t.text.lower() for t in ledger_terms}
        tables = {t["name"]: t["elements"] for t in load_lexicons(config["lexicons"])}
        out = []
        ledger_words = sorted(known, key=len, reverse=True)
        for label, table in (config["lexicon_entities"] or {}).items():
            for word in tables.get(table, []):
                word = str(word).strip()
                # three characters at least (快克 hides in 很快克服), and never a longer name
                # around the ledger's own term (三九感冒灵 must keep the shop's 感冒灵 value)
                if (len(word) >= 3 and word.lower() not in known
                        and not any(k in word.lower() for k in ledger_words)):
                    known.add(word.lower())
                    out.append(Term(label, word, word))
        return out

    def train(self, training_data: TrainingData) -> Resource:
        import jieba
        terms = _ledger_terms()
        if not terms:
            raise RuntimeError("the ledger holds no catalogue: run `bot ledger seed` before training")
        ledger_words = sorted({t.text for t in terms if " " not in t.text})
        terms = list(terms) + self._lexicon_terms(terms)
        # only the ledger's words join jieba (they are in the tokenizer's user dictionary too):
        # a word added here after the training data was tokenized would split the same text
        # differently at serving time
        for word in ledger_words:
            jieba.add_word(word, 20000)
        nlp = self._blank()
        ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER",
                                                     "overwrite_ents": True})
        ruler.add_patterns([{"label": t.label, "pattern": t.text, "id": t.value} for t in terms])
        with self._storage.write_to(self._resource) as directory:
            nlp.to_disk(Path(directory) / "spacy")
            (Path(directory) / "jieba_words.json").write_text(json.dumps(ledger_words, ensure_ascii=False))
        self._nlp = nlp
        return self._resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "LedgerEntityExtractor":
        import jieba
        import spacy
        try:
            with model_storage.read_from(resource) as directory:
                nlp = spacy.load(Path(directory) / "spacy")
                words_file = Path(directory) / "jieba_words.json"
                words = (json.loads(words_file.read_text()) if words_file.exists() else
                         [p["pattern"] for p in nlp.get_pipe("entity_ruler").patterns
                          if " " not in p["pattern"]])
        except ValueError:
            return cls(config, model_storage, resource)
        for word in words:
            jieba.add_word(word, 20000)
        return cls(config, model_storage, resource, nlp)

    def _lexicon_matcher(self):
        """Catches lexicon words that jieba split differently in context (leftmost, longest):
        a LookupMatcher whose table names are the words, with their (label, value)."""
        if self._fallback is None:
            patterns = self._nlp.get_pipe("entity_ruler").patterns
            by_text = {p["pattern"].lower(): (p["label"], p["id"]) for p in patterns}
            self._fallback = (LookupMatcher([{"name": w, "elements": [w]} for w in by_text]),
                              by_text)
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
            matcher, by_text = self._lexicon_matcher()
            hits = matcher.spans(text)
            # the ruler matches whole tokens of lexicon terms, so it can only find something
            # where the substring search did: most messages name no product and skip spaCy
            if hits:
                for ent in self._nlp(text).ents:
                    add(ent.label_, ent.start_char, ent.end_char, ent.ent_id_ or ent.text)
            for start, end, word in hits:
                label, value = by_text[word]
                add(label, start, end, value)
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


# What may surround the entities of a bare answer: punctuation, and a few leading or trailing
# filler words (是, 就是, 应该是, 我家的, 养的, 单号是 ... 的/了/吧/啊). A question (吗) is not an answer.
_ANSWER_FILLER = re.compile(
    r"[\s,，.。!！~、…:：;；\-—]+"
    r"|^(?:就是|应该是|大概是|可能是|是|就|我的|我家的?|我们家的?|家里的?|养的|养了|一只|一条|有个|这个|那个|"
    r"要|买的|订单号?是?|单号是?|在|住在|嗯|哦|额)"
    r"|(?:的|了|吧|呢|啊|哦|呀|哈|那边|这边|附近)$")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class AnswerDetector(GraphComponent):
    """A message that is nothing but entities (an order number, a district, a weight, a drug or
    product name, a size...) or names the lexicons know (``LinearIntentEnsemble`` leaves their
    spans on the message) with at most some filler words is an answer to the assistant's
    question: ``inform``, whatever the classifiers guessed from a two-word text. Runs after the
    fallback: forcing ``inform`` before it left the classifiers' confident second guess within
    the ambiguity margin of ``inform``, and the bare answer fell back."""

    def __init__(self, config):
        self._config = config

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "AnswerDetector":
        return cls(config)

    @staticmethod
    def is_bare_answer(text: str, entities: list[dict[str, Any]]) -> bool:
        if not entities or not text:
            return False
        chars = list(text)
        for e in entities:
            start, end = e.get("start"), e.get("end")
            if start is None or end is None:
                continue
            for i in range(max(start, 0), min(end, len(chars))):
                chars[i] = " "
        rest, previous = "".join(chars), None
        while rest != previous:
            previous, rest = rest, _ANSWER_FILLER.sub("", rest.strip())
        return rest == ""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            spans = list(message.get(ENTITIES) or []) + [
                {"start": a, "end": b} for a, b in message.get(LEXICON_SPANS) or []]
            if intent == "inform" or not self.is_bare_answer(message.get(TEXT) or "", spans):
                continue
            ranking = [{"name": "inform", "confidence": 1.0}] + [
                r for r in (message.get(INTENT_RANKING_KEY) or [])
                if r.get("name") not in ("inform", "nlu_fallback")]
            message.set(INTENT, {"name": "inform", "confidence": 1.0}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqResponseSelector(ResponseSelector):
    """Rasa's ResponseSelector, run only for messages the classifier put in the retrieval
    intent (it is a second neural network, and most messages are not FAQs), behind a linear
    model over the response keys (``LinearModel``, trained alongside it): where the linear
    model is sure (softmax at ``linear_temperature`` >= ``linear_gate``) its answer stands and
    the network does not run; otherwise the network decides. On 5-fold CV over the FAQ
    examples the linear model alone picks the right answer for 97.9% (the network: 87%), and at
    the 0.8 gate covers 97% of them at 99.4%."""

    LINEAR_FILE = "faq_linear.pkl"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**ResponseSelector.get_default_config(), "linear_gate": 0.8,
                "linear_temperature": 0.15}

    def _wanted(self) -> str:
        return self.retrieval_intent or "faq"

    def train(self, training_data: TrainingData) -> Resource:
        import pickle
        from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY
        resource = super().train(training_data)
        examples = [m for m in training_data.intent_examples
                    if m.get(INTENT) == self._wanted() and m.get(INTENT_RESPONSE_KEY) and m.get(TEXT)]
        keys = [m.get(INTENT_RESPONSE_KEY) for m in examples]
        if len(set(keys)) >= 2:
            linear = LinearModel.fit([m.get(TEXT) for m in examples],
                                     [_tokens(m) for m in examples],
                                     keys, C=1.0, max_n=3, sound_weight=1.0, shape=True)
            with self._model_storage.write_to(self._resource) as directory:
                (Path(directory) / self.LINEAR_FILE).write_bytes(pickle.dumps(linear))
        return resource

    @classmethod
    def load(cls, config, model_storage, resource, execution_context, **kwargs) -> "FaqResponseSelector":
        import pickle
        model = super().load(config, model_storage, resource, execution_context, **kwargs)
        model._linear = None
        try:
            with model_storage.read_from(resource) as directory:
                path = Path(directory) / cls.LINEAR_FILE
                if path.exists():
                    model._linear = pickle.loads(path.read_bytes()).warm()
        except ValueError:
            pass
        return model

    def _linear_choice(self, message: Message) -> bool:
        """Set the selector's output from the linear model if it is sure; False otherwise."""
        import numpy as np
        from rasa.nlu.selectors.response_selector import (
            RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_RANKING_KEY,
            RESPONSE_SELECTOR_RESPONSES_KEY, RESPONSE_SELECTOR_UTTER_ACTION_KEY)
        from rasa.shared.nlu.constants import INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY
        from rasa.shared.nlu.training_data.util import intent_response_key_to_template_key
        linear = getattr(self, "_linear", None)
        text = message.get(TEXT)
        if linear is None or not isinstance(text, str) or not text.strip() or not linear.knows(text):
            return False
        config = {**self.get_default_config(), **self.component_config}
        probs = linear.probabilities(text, _tokens(message), config["linear_temperature"])
        order = [int(i) for i in np.argsort(-probs)]
        key = linear.classes[order[0]]
        responses = self.responses.get(intent_response_key_to_template_key(key))
        if probs[order[0]] < float(config["linear_gate"]) or not responses:
            return False
        ranking = [{"id": int(hashlib.md5(linear.classes[i].encode()).hexdigest()[:8], 16),
                    PREDICTED_CONFIDENCE_KEY: float(probs[i]),
                    INTENT_RESPONSE_KEY: linear.classes[i]}
                   for i in (order[: int(config["ranking_length"])]
                             if config.get("ranking_length") else order)]
        self._set_message_property(message, {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: responses,
                PREDICTED_CONFIDENCE_KEY: float(probs[order[0]]),
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: intent_response_key_to_template_key(key)},
            RESPONSE_SELECTOR_RANKING_KEY: ranking}, self.retrieval_intent or "default")
        return True

    def process(self, messages: list[Message]) -> list[Message]:
        chosen = [m for m in messages if (m.get(INTENT) or {}).get("name") == self._wanted()]
        rest = [m for m in chosen if not self._linear_choice(m)]
        if rest:
            super().process(rest)
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
