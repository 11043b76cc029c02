"""A whitespace tokenizer for Spanish WhatsApp text: token features ignore accents and
letter stretching ("menú" = "menu", "holaaaa" = "hola"), while the message text and the
token offsets stay untouched (forms and entities read the original words)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")


def fold(word: str) -> str:
    """Lowercase, drop accents (ñ becomes n too) and squeeze 3+ repeated letters to one."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _STRETCHED.sub(r"\1", plain)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class SpanishWhatsAppTokenizer(WhitespaceTokenizer):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return WhitespaceTokenizer.get_default_config()

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        tokens = super().tokenize(message, attribute)
        for token in tokens:
            folded = fold(token.text)
            token.text = folded
            token.lemma = folded
        return tokens
