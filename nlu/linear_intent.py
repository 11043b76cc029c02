"""A fast intent classifier for Spanish WhatsApp text: TF-IDF over folded words and
character n-grams, then a multinomial logistic regression with balanced class weights.

Why: on a few thousand examples a linear model over character n-grams is as accurate as
DIET, holds up better on misspellings and unseen wording, trains in seconds instead of
minutes on two cores and parses a message in about a millisecond.

It can also blend with an intent classifier that ran before it in the pipeline (e.g.
DIET): `blend_previous: w` gives w·previous + (1 − w)·linear over the full ranking
(the previous classifier must then report its full ranking, `ranking_length: 0`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from nlu.tokenizer import fold

logger = logging.getLogger(__name__)

_WORD = re.compile(r"[^\W\d_]+|\d+")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    # The text normalisation lives in the class so that Rasa's training cache, which
    # fingerprints the class source, retrains when it changes.

    # WhatsApp shorthand → the word it stands for, so word n-grams see one spelling.
    SHORTHAND = {
        "q": "que", "k": "que", "ke": "que", "qe": "que", "xq": "porque", "pq": "porque",
        "porq": "porque", "x": "por", "pa": "para", "pal": "para el", "d": "de", "dl": "del",
        "tb": "tambien", "tmb": "tambien", "tbn": "tambien", "porfa": "por favor",
        "porfavor": "por favor", "xfa": "por favor", "xfavor": "por favor", "plis": "por favor",
        "ud": "usted", "uds": "ustedes", "bn": "bien", "cel": "celular", "info": "informacion",
        "grax": "gracias", "grcs": "gracias", "gym": "gimnasio", "nunk": "nunca", "aki": "aqui",
        "sr": "senor", "sra": "senora", "srta": "senorita",
    }  # fmt: skip
    # Emoji carry tone; each group becomes one word.
    EMOJI = {
        "emoji_enojo": "😡😠🤬👎😤💩🙄😒😑",
        "emoji_triste": "😢😭😞😔☹🙁😩😫",
        "emoji_alegre": "😀😃😄😁😊🙂😍🥰😘❤💕💖👏👌🎉⭐🌟💯🤩",
        "emoji_gracias": "🙏",
        "emoji_ok": "👍",
        "emoji_duda": "🤔❓",
    }

    @staticmethod
    def number(digits: str) -> str:
        """A number by its size: an option (1-2 digits), a year or amount (3-4), an ID or
        phone (5+); the value itself says nothing about the intent."""
        if len(digits) <= 2:
            return "0"
        return "000" if len(digits) <= 4 else "00000"

    @classmethod
    def normalize(cls, text: str) -> str:
        """Folded words (no accents, no stretched letters), shorthand expanded, numbers by
        size, emoji as tone words, "@" as a word; other punctuation dropped."""
        emoji = {ch: word for word, chars in cls.EMOJI.items() for ch in chars}
        words: list[str] = []
        for chunk in fold(text).split():
            words += [emoji[ch] for ch in chunk if ch in emoji]
            if "@" in chunk:
                words.append("arroba")
            for word in _WORD.findall(chunk):
                words.append(cls.number(word) if word.isdigit() else cls.SHORTHAND.get(word, word))
        return " ".join(words)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "char_min_df": 2,
            "C": 10.0,
            "class_weight": "balanced",
            "max_iter": 2000,
            # Weight of an earlier intent classifier's ranking in the blend; 0 = ignore it.
            "blend_previous": 0.0,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: dict[str, Any] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def _features(self, texts: list[str]):
        return hstack(
            [self.model["words"].transform(texts), self.model["chars"].transform(texts)]
        ).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        texts = [self.normalize(e.get(TEXT)) for e in examples]
        labels = [e.get(INTENT) for e in examples]
        words = TfidfVectorizer(
            analyzer="word",
            token_pattern=r"\S+",
            ngram_range=tuple(self.config["word_ngrams"]),
            sublinear_tf=True,
        )
        chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.config["char_ngrams"]),
            min_df=self.config["char_min_df"],
            sublinear_tf=True,
        )
        words.fit(texts)
        chars.fit(texts)
        self.model = {"words": words, "chars": chars}
        classifier = LogisticRegression(
            C=self.config["C"],
            class_weight=self.config["class_weight"],
            max_iter=self.config["max_iter"],
        )
        classifier.fit(self._features(texts), labels)
        self.model["classifier"] = classifier
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self.model, directory / "linear_intent.joblib")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / "linear_intent.joblib")
        except (ValueError, FileNotFoundError):
            logger.debug("No trained LinearIntentClassifier in the model; it will predict nothing.")
            model = None
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        classifier = self.model["classifier"]
        labels = list(classifier.classes_)
        texts = [self.normalize(m.get(TEXT) or "") for m in messages]
        probabilities = classifier.predict_proba(self._features(texts))
        weight = float(self.config["blend_previous"])
        for message, row in zip(messages, probabilities, strict=True):
            if not (message.get(TEXT) or "").strip():
                continue
            scores = dict(zip(labels, row, strict=True))
            previous = message.get(INTENT_RANKING_KEY) or []
            if weight > 0 and previous:
                earlier = {item["name"]: float(item["confidence"]) for item in previous}
                scores = {
                    name: weight * earlier.get(name, 0.0) + (1 - weight) * scores.get(name, 0.0)
                    for name in set(scores) | set(earlier)
                }
            ranking = sorted(
                ({"name": name, "confidence": float(value)} for name, value in scores.items()),
                key=lambda item: -item["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            length = self.config["ranking_length"]
            message.set(
                INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True
            )
        return messages


normalize = LinearIntentClassifier.normalize
