"""Survey answers in WhatsApp Spanish: a 4-step rating in numbers or words, a 0–10 score,
and "saltar" / "no sé" to skip."""

from __future__ import annotations

import re

from mara.text.normalize import normalize_text

RATINGS = ("excelente", "bueno", "regular", "deficiente")

# Words (normalized: lowercase, no accents) → rating; phrases are checked first.
_RATING_WORDS = {
    "excelente": [
        "excelente",
        "excelentes",
        "exelente",
        "buenisimo",
        "buenisima",
        "super",
        "perfecto",
        "perfecta",
        "genial",
        "espectacular",
    ],
    "bueno": ["bueno", "buena", "bien", "buen", "chevere"],
    "regular": ["regular", "maso", "normal", "aceptable"],
    "deficiente": [
        "deficiente",
        "malo",
        "mala",
        "mal",
        "pesimo",
        "pesima",
        "terrible",
        "horrible",
        "fatal",
        "nefasto",
        "nefasta",
    ],
}
_RATING_MULTI = {
    "muy bueno": "excelente",
    "muy buena": "excelente",
    "muy bien": "excelente",
    "lo maximo": "excelente",
    "mas o menos": "regular",
    "ni bien ni mal": "regular",
    "ni bueno ni malo": "regular",
    "muy malo": "deficiente",
    "muy mala": "deficiente",
    "muy mal": "deficiente",
    "no tan bien": "regular",
    "no muy bien": "regular",
    "no muy bueno": "regular",
}
_WORD_TO_RATING = {w: r for r, words in _RATING_WORDS.items() for w in words}

_NUMBER_WORDS = {
    "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
    "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
}  # fmt: skip

_SKIPS = {
    "saltar", "salta", "salto", "siguiente", "paso", "pasar", "omitir", "no se", "nose",
    "no sabria", "no lo se", "ns", "no aplica", "n/a", "na", "prefiero no responder",
    "prefiero no decir", "no responder", "no quiero responder",
}  # fmt: skip

_DECLINES = {
    "no", "no gracias", "no quiero", "ahora no", "no tengo tiempo", "no deseo", "nop", "nel",
}  # fmt: skip

# Filler around an answer: "diría que bueno", "un 8", "la 2", "opción 1", "8/10", "8 de 10".
_FILLER = re.compile(
    r"\b(diria que|creo que|yo diria|le doy|le pongo|le daria|opcion|numero|nota|"
    r"calificacion|califico|puntaje|es|fue|un|una|la|el|con|de 10|/10|sobre 10|puntos|"
    r"estrellas|gracias|pues|la verdad|si)\b"
)


def _clean(text: str) -> str:
    normalized = normalize_text(text)
    normalized = normalized.replace("/10", " de 10")
    normalized = _FILLER.sub(" ", normalized)
    return " ".join(re.sub(r"[^\w\s]", " ", normalized).split())


def is_skip(text: str) -> bool:
    return normalize_text(text).rstrip(".!") in _SKIPS


def is_decline(text: str) -> bool:
    return normalize_text(text).rstrip(".!") in _DECLINES


def parse_rating(text: str) -> str | None:
    """excelente | bueno | regular | deficiente from "1"–"4" (the list's order) or words."""
    plain = normalize_text(text)
    for phrase, rating in sorted(_RATING_MULTI.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{re.escape(phrase)}\b", plain):
            return rating
    cleaned = _clean(text)
    if not cleaned:
        return None
    numbers = re.findall(r"\b\d+\b", cleaned)
    words = {_WORD_TO_RATING[t] for t in cleaned.split() if t in _WORD_TO_RATING}
    if numbers and not words:
        if len(numbers) == 1 and 1 <= int(numbers[0]) <= 4:
            return RATINGS[int(numbers[0]) - 1]
        return None
    if cleaned in _NUMBER_WORDS and 1 <= _NUMBER_WORDS[cleaned] <= 4:
        return RATINGS[_NUMBER_WORDS[cleaned] - 1]
    if "no" in cleaned.split():
        return None  # "no fue bueno": too ambiguous to store as a rating
    return words.pop() if len(words) == 1 else None


def parse_score(text: str, low: int = 0, high: int = 10) -> int | None:
    """A number from `low` to `high` in digits or words ("8", "un 8", "8/10", "diez")."""
    cleaned = _clean(text)
    numbers = [int(n) for n in re.findall(r"\b\d+\b", cleaned)]
    numbers += [_NUMBER_WORDS[t] for t in cleaned.split() if t in _NUMBER_WORDS]
    if len(numbers) != 1:
        return None
    return numbers[0] if low <= numbers[0] <= high else None
