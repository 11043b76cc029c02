"""Near-duplicate messages ("hola buenas" / "Hola, buenas!!"): one label for the whole group."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from mara.text.normalize import normalize_text

_PLACEHOLDER_RE = re.compile(r"<[A-Z]+>")
_TOKEN_RE = re.compile(r"[a-z0-9]+")


def similarity_key(text: str) -> str:
    """Lowercase, no accents or punctuation, repeated letters folded ("holaaa" = "hola")."""
    folded = normalize_text(_PLACEHOLDER_RE.sub(" ", text))
    folded = re.sub(r"(.)\1+", r"\1", folded)
    return " ".join(_TOKEN_RE.findall(folded))


def token_set_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two keys' word sets (1.0 = the same words)."""
    left, right = set(a.split()), set(b.split())
    if not left and not right:
        return 1.0
    return len(left & right) / len(left | right)


# Below this length one letter changes the meaning ("hola" / "hora"): words only.
_MIN_CHARS_FOR_SPELLING = 12


def similarity(a: str, b: str) -> float:
    """How alike two keys are: the same words, or the same letters with typos ("q" = "que")."""
    words = token_set_similarity(a, b)
    if min(len(a), len(b)) < _MIN_CHARS_FOR_SPELLING:
        return words
    return max(words, SequenceMatcher(None, a, b, autojunk=False).ratio())


def group_similar(texts: list[str], threshold: float = 0.8) -> list[list[int]]:
    """Indexes of `texts` grouped greedily: a text joins the first group whose first text is
    at least `threshold` alike; groups keep the order of their first text."""
    groups: list[tuple[str, list[int]]] = []
    for index, text in enumerate(texts):
        key = similarity_key(text)
        for head, members in groups:
            if key == head or similarity(key, head) >= threshold:
                members.append(index)
                break
        else:
            groups.append((key, [index]))
    return [members for _, members in groups]
