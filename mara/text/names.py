"""People's full names as they write them on WhatsApp."""

from __future__ import annotations

import re
import unicodedata

from mara.text.normalize import Invalid, normalize_text

# Words before the name that are no part of it: greetings and acknowledgements ("ok,",
# "listo", "sí claro.", "sí señora,"), removed one after the other.
_FILLER_RE = re.compile(
    r"^(?:hola|buen[oa]s(?:\s+(?:d[ií]as|tardes|noches))?|ok(?:ay|ey|a)?|listo|bueno|dale"
    r"|vale|perfecto|de\s+una|claro(?:\s+que\s+s[ií])?|(?:con\s+)?(?:mucho\s+)?gusto"
    r"|s[ií](?:\s+claro)?|(?:s[ií]\s+)?se[ñn]or(?:a|ita)?(?=\s*[,.!:])|perd[oó]n|disculpa"
    r"|(?:el\s+nombre\s+)?est[aá]\s+mal|no\s+es\s+as[ií])(?![^\W_])[\s,.!¡:;]*",
    re.IGNORECASE,
)


# What introduces the name: "mi nombre es", "me llamo", "soy", "nombre:", "a nombre de",
# "habla", "con" (to "¿con quién hablo?"), "es".
_INTRO_RE = re.compile(
    r"^(?:(?:yo\s+)?(?:mi\s+nombre(?:\s+completo)?\s+es|me\s+llamo|soy)(?![^\W_])"
    r"|(?:(?:el|mi)\s+)?nombre(?:\s+completo)?(?:\s+es(?![^\W_])|\s*:)"
    r"|a\s+nombre\s+de(?![^\W_])|(?:le\s+|te\s+)?habla(?![^\W_])|con(?![^\W_])|es(?![^\W_]))"
    r"[\s:,\-]*",
    re.IGNORECASE,
)


# Courtesy titles before a name ("Sr. Carlos Gómez", "la señora Rosa Cardona"): not part of it.
_TITLE_RE = re.compile(
    r"^(?:(?:la|el)\s+)?(?:(?:sr|sra|srta|dr|dra)\.?|don|doña|dona|se[ñn]or(?:a|ita)?"
    r"|doctor(?:a)?)\s+",
    re.IGNORECASE,
)


_NAME_SUFFIX_RE = re.compile(
    r"[\s,.!]*(?:muchas\s+gracias|gracias|mucho\s+gusto)?[\s.!]*$", re.IGNORECASE
)


# Letters (any script, accents and ñ included) joined by apostrophes or hyphens.
_NAME_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y"})


# Abbreviated given names written with a dot ("Ma. Eugenia"): a name word, not an initial.
_ABBREVIATIONS = frozenset({"ma", "fco", "gmo"})


# Spanish words of one letter: never an initial unless written with a dot.
_ONE_LETTER_WORDS = frozenset("aeouy")


# Words that start what people add after their name (compared without accents): "…, cc
# 1094…", "… y mi correo es…", "… para servirle", "… de parte de mi mamá", "… afiliada".
_CLAUSE_WORDS = frozenset(
    {
        "cc", "ce", "ti", "cedula", "documento", "identificacion", "identificado",
        "identificada", "celular", "cel", "telefono", "tel", "correo", "email", "mail",
        "whatsapp", "para", "parte", "con", "afiliado", "afiliada", "afiliados", "desde",
        "mi", "mis", "soy", "tengo", "quiero", "necesito", "estoy", "en", "por", "porque",
        "pero", "que", "aqui", "aca", "hablando", "escribiendo",
    }
)  # fmt: skip


# Words that show the reply is a sentence, not a name (compared without accents).
_NOT_NAME_WORDS = _CLAUSE_WORDS | frozenset(
    {
        "hola", "gracias", "no", "si", "queja", "reclamo", "peticion", "sugerencia", "favor",
        "buenas", "buenos", "dias", "tardes", "noches", "nombre", "ninguno", "prefiero",
        "decir", "ayuda", "me", "le", "lo", "se", "su", "sus", "tu", "yo", "usted", "el",
        "es", "un", "una", "ok", "a",
    }
)  # fmt: skip


_NAME_MIN_CHARS = 5


_NAME_MAX_CHARS = 120


# Long Colombian names have about four given names and surnames; six leaves room.
_NAME_MAX_WORDS = 6


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


def _strip_before(text: str) -> str | None:
    """Without greetings, acknowledgements, the words that introduce the name and a title;
    None when nothing but greetings and acknowledgements was written ("hola buenas tardes")."""
    for _ in range(4):
        shorter = _FILLER_RE.sub("", text, count=1)
        if shorter == text:
            break
        if not shorter.strip():
            return None
        text = shorter
    text = _INTRO_RE.sub("", text, count=1)
    return _TITLE_RE.sub("", text.strip(), count=1)


def _cut_after(words: list[str]) -> tuple[list[str], bool]:
    """The words up to what is added after the name (a comma, a number, an e-mail, "cc",
    "y mi correo…"), and whether anything was cut."""
    kept: list[str] = []
    for index, word in enumerate(words):
        bare = normalize_text(word)
        following = normalize_text(words[index + 1]) if index + 1 < len(words) else ""
        if any(ch.isdigit() for ch in word) or "@" in word:
            return kept, True
        if (
            kept
            and not _is_initial(word, False)
            and (
                bare in _CLAUSE_WORDS
                or (bare in {"y", "de"} and (following in _NOT_NAME_WORDS or following == "parte"))
            )
        ):
            return kept, True
        kept.append(word)
        ends_clause = word[-1] in ",;" or (
            word.endswith(".")
            and not _is_initial(word, False)
            and normalize_text(word) not in _ABBREVIATIONS
        )
        if ends_clause and index + 1 < len(words):
            kept[-1] = word.rstrip(",;.")
            return kept, True
    return kept, False


def _capitalize_name_word(word: str) -> str:
    # "o'neill" -> "O'Neill", "pérez-gómez" -> "Pérez-Gómez".
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[:1].upper() + m.group(0)[1:], word)


def parse_full_name(text: str) -> str | Invalid:
    """A full name, title-cased with lowercase particles ("María de los Ángeles López"),
    taken from what people write around it ("sí claro, mi nombre es …, cc …")."""
    if "?" in text or "¿" in text:
        return Invalid("not_a_name")
    cleaned = unicodedata.normalize("NFC", text).replace("’", "'").replace("´", "'")
    # Emoji and their joiners ("Yeison Muñoz 🙏") say nothing of the name.
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) not in _SYMBOLS)
    stripped = _strip_before(cleaned)
    if stripped is None:
        return Invalid("not_a_name")
    written, cut = _cut_after(_NAME_SUFFIX_RE.sub("", stripped, count=1).split())
    while cut and written and written[-1].lower() in _NAME_PARTICLES:
        written.pop()
    name = _parse_words(written)
    return Invalid("not_a_name") if cut and isinstance(name, Invalid) else name


def _parse_words(written: list[str]) -> str | Invalid:
    cleaned = " ".join(written).strip(" ,;:!¡'\"-")
    if not cleaned.rstrip("."):
        return Invalid("empty")
    written = cleaned.split(" ")
    # An initial ("Juan P López", "Luz Dary Ramírez O.", whose dot the suffix took) is kept,
    # but is not a name word; "a", "o", "e", "u", "y" inside are words ("a qué hora abren").
    last = len(written) - 1 if len(written) >= 3 else None
    initials = {i for i, word in enumerate(written) if _is_initial(word, i == last)}
    shortened = {
        i
        for i, word in enumerate(written)
        if normalize_text(word) in _ABBREVIATIONS and word.endswith(".")
    }
    words = [
        word.rstrip(".") if i in initials | shortened else word
        for i, word in enumerate(cleaned.lower().split(" "))
    ]
    if not all(_NAME_WORD_RE.fullmatch(word) for word in words):
        return Invalid("not_a_name")
    if any(normalize_text(w) in _NOT_NAME_WORDS for i, w in enumerate(words) if i not in initials):
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
        else _capitalize_name_word(word) + ("." if index in shortened else "")
        for index, word in enumerate(words)
    )
