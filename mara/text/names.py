"""People's full names as they write them on WhatsApp."""

from __future__ import annotations

import re
import unicodedata

from mara.text.normalize import Invalid, normalize_text

_NAME_PREFIX_RE = re.compile(
    r"^\s*(?:(?:hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?)\b[\s,.!¡]*)?"
    r"(?:(?:(?:mi\s+nombre(?:\s+completo)?\s+es|(?:yo\s+)?me\s+llamo|(?:yo\s+)?soy)\b"
    r"|(?:mi\s+)?nombre(?:\s+completo)?\s*:)[\s:,\-]*)?",
    re.IGNORECASE,
)


# Courtesy titles before a name ("Sr. Carlos Gómez", "doña Rosa Cardona"): not part of it.
_TITLE_RE = re.compile(
    r"^(?:(?:sr|sra|srta|dr|dra)\.?|don|doña|dona|señor|señora|senor|senora)\s+", re.IGNORECASE
)


_NAME_SUFFIX_RE = re.compile(
    r"[\s,.!]*(?:muchas\s+gracias|gracias|mucho\s+gusto)?[\s.!]*$", re.IGNORECASE
)


# Letters (any script, accents and ñ included) joined by apostrophes or hyphens.
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})


# Spanish words of one letter: never an initial unless written with a dot.
_ONE_LETTER_WORDS = frozenset("aeouy")


def _is_initial(word: str, last: bool) -> bool:
    """ "O.", "P" (a capital), or one letter closing a name of three words or more, whose
    dot the suffix took ("Luz Dary Ramírez O.")."""
    letter = word.removesuffix(".")
    if len(letter) != 1 or not letter.isalpha():
        return False
    return (
        word.endswith(".")
        or (last and letter.lower() != "y")
        or (letter.isupper() and letter.lower() not in _ONE_LETTER_WORDS)
    )


# Unicode categories of emoji, other symbols and the invisible joiners between them.
_SYMBOLS = frozenset({"So", "Sk", "Cf", "Mn"})


# Words that show the reply is a sentence, not a name (compared without accents).
_NOT_NAME_WORDS = frozenset(
    {
        "hola",
        "gracias",
        "no",
        "si",
        "quiero",
        "necesito",
        "tengo",
        "queja",
        "reclamo",
        "peticion",
        "sugerencia",
        "favor",
        "buenas",
        "buenos",
        "dias",
        "tardes",
        "noches",
        "nombre",
        "ninguno",
        "prefiero",
        "decir",
        "ayuda",
    }
)


_NAME_MIN_CHARS = 5


_NAME_MAX_CHARS = 120


# Long Colombian names have about four given names and surnames; six leaves room.
_NAME_MAX_WORDS = 6


def _capitalize_name_word(word: str) -> str:
    # "o'neill" -> "O'Neill", "pérez-gómez" -> "Pérez-Gómez".
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], word)


def parse_full_name(text: str) -> str | Invalid:
    """A full name, title-cased with lowercase particles ("María de los Ángeles López")."""
    cleaned = unicodedata.normalize("NFC", text).replace("’", "'").replace("´", "'")
    # Emoji and their joiners ("Yeison Muñoz 🙏") say nothing of the name.
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) not in _SYMBOLS)
    cleaned = _NAME_PREFIX_RE.sub("", cleaned, count=1)
    cleaned = _TITLE_RE.sub("", cleaned.strip(), count=1)
    cleaned = _NAME_SUFFIX_RE.sub("", cleaned, count=1)
    cleaned = " ".join(cleaned.split()).strip(" ,;:!¡?¿'\"-")
    if not cleaned.rstrip("."):
        return Invalid("empty")
    if any(ch.isdigit() for ch in cleaned) or "@" in cleaned or "?" in text or "¿" in text:
        return Invalid("not_a_name")
    # An initial ("Juan P López", "Luz Dary Ramírez O.", whose dot the suffix took) is kept,
    # but is not a name word; "a", "o", "e", "u", "y" inside are words ("a qué hora abren").
    written = cleaned.split(" ")
    last = len(written) - 1 if len(written) >= 3 else None
    initials = {i for i, word in enumerate(written) if _is_initial(word, i == last)}
    words = cleaned.lower().split(" ")
    words = [word.rstrip(".") if i in initials else word for i, word in enumerate(words)]
    if not all(_NAME_WORD_RE.fullmatch(word) for word in words):
        return Invalid("not_a_name")
    if any(normalize_text(word) in _NOT_NAME_WORDS for word in words):
        return Invalid("not_a_name")
    core = [w for i, w in enumerate(words) if w not in _NAME_PARTICLES and i not in initials]
    if len(core) > _NAME_MAX_WORDS:
        return Invalid("not_a_name")
    if len(core) < 2 or any(sum(ch.isalpha() for ch in word) < 2 for word in core):
        return Invalid("too_short")
    if len(cleaned) < _NAME_MIN_CHARS:
        return Invalid("too_short")
    if len(cleaned) > _NAME_MAX_CHARS:
        return Invalid("too_long")
    return " ".join(
        word.upper() + "."
        if index in initials
        else word
        if index > 0 and word in _NAME_PARTICLES
        else _capitalize_name_word(word)
        for index, word in enumerate(words)
    )
