"""Personal data out of what trainers read: documents, phones, e-mails and names become
placeholders ("me llamo <NOMBRE>, cc <DOCUMENTO>"), in a message and in exported examples."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from mara.text.emails import _EMAIL_CANDIDATE_RE
from mara.text.extract import extract_person_data

DOCUMENT = "<DOCUMENTO>"
PHONE = "<TELEFONO>"
EMAIL = "<CORREO>"
NAME = "<NOMBRE>"
PLACEHOLDERS = (DOCUMENT, PHONE, EMAIL, NAME)

# Digit runs people write with spaces, dots or dashes inside ("1.094.123.456", "310 123 4567").
_NUMBER_RE = re.compile(r"\+?\(?\d[\d\s.'’\-()]*\d")  # 41'935.122: the apostrophe of millions
# Radicados are ours, not the person's, and trainers need them ("cómo va PQRS-2026-000123").
_RADICADO_RE = re.compile(r"pqrs[\s\-]*\d{4}[\s\-]*\d{1,6}", re.IGNORECASE)
_MIN_DIGITS = 5
_NAME_PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "da", "do", "van", "von"})
_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


@dataclass(frozen=True)
class KnownPersonalData:
    """What the conversation is known to contain: names, document numbers, phones, e-mails
    (from tickets, requesters, the WhatsApp profile and the messages themselves)."""

    names: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()  # digits only: documents and phones
    emails: frozenset[str] = frozenset()

    def merge(self, other: KnownPersonalData) -> KnownPersonalData:
        return KnownPersonalData(
            self.names | other.names, self.numbers | other.numbers, self.emails | other.emails
        )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def known_from(
    names: Iterable[str | None] = (),
    numbers: Iterable[str | None] = (),
    emails: Iterable[str | None] = (),
    texts: Iterable[str | None] = (),
) -> KnownPersonalData:
    """Known data from stored values plus whatever the person's own messages give away."""
    name_set = {n for n in names if n and n.strip()}
    number_set = {_digits(n) for n in numbers if n and len(_digits(n)) >= _MIN_DIGITS}
    email_set = {e.strip().lower() for e in emails if e and "@" in e}
    for text in texts:
        if not text:
            continue
        # A radicado's digits are not a document, nor the words before it a name.
        found = extract_person_data(_RADICADO_RE.sub(" ", text))
        if found.full_name:
            name_set.add(found.full_name)
        for value in (found.document_number, found.phone):
            if value and len(_digits(value)) >= _MIN_DIGITS:
                number_set.add(_digits(value))
        if found.email:
            email_set.add(found.email.lower())
        name_set.update(_names_after_labels(text))
    return KnownPersonalData(frozenset(name_set), frozenset(number_set), frozenset(email_set))


# "me llamo Ana y quiero…": the words after these labels are a name, even a single one and
# even when the sentence goes on (where extract_person_data wants a name that validates).
_NAME_LABEL_RE = re.compile(
    r"(?<![^\W\d_])(?:me\s+llamo|mi\s+nombre(?:\s+completo)?\s+es|nombre\s*:|(?P<soy>soy))\s+",
    re.IGNORECASE,
)
_NOT_NAME = frozenset(
    {
        *("y", "e", "o", "a", "en", "con", "mi", "mis", "para", "por", "porque", "que", "q"),
        *("xq", "pero", "estoy", "me", "le", "les", "el", "un", "una", "su", "quiero"),
        *("necesito", "tengo", "vivo", "trabajo", "afiliado", "afiliada", "usuario"),
        *("usuaria", "cliente", "pensionado", "pensionada", "muy", "bien", "mal", "hola"),
        *("buenas", "gracias", "cc", "ce", "ti", "cedula", "documento", "cel", "celular"),
    }
)
_PARTICLE_WORDS = frozenset({"de", "del", "la", "las", "los"})


def _names_after_labels(text: str) -> set[str]:
    names = set()
    for label in _NAME_LABEL_RE.finditer(text):
        words: list[str] = []
        end = label.end()
        for match in _WORD_RE.finditer(text, label.end()):
            if text[end : match.start()].strip():
                break  # a comma, a number, an e-mail: the name ended
            word = match.group(0)
            folded = _fold(word)
            if words and folded in _PARTICLE_WORDS:
                words.append(word)
            elif folded in _NOT_NAME or folded in _PARTICLE_WORDS or len(words) >= 6:
                break
            else:
                words.append(word)
            end = match.end()
        while words and _fold(words[-1]) in _PARTICLE_WORDS:
            words.pop()
        # "soy de Armenia", "soy pensionado": after "soy" only a capitalised word is a name.
        if words and (not label.group("soy") or words[0][:1].isupper()):
            names.add(" ".join(words))
    return names


def _name_words(names: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for name in names:
        for word in _WORD_RE.findall(_fold(name)):
            if word not in _NAME_PARTICLES and len(word) >= 3:
                words.add(word)
    return words


def _number_placeholder(raw: str, digits: str, known_phones: frozenset[str]) -> str:
    national = digits[2:] if digits.startswith("57") and len(digits) == 12 else digits
    if national in known_phones or digits in known_phones:
        return PHONE
    if len(national) == 10 and national.startswith("3"):
        return PHONE
    if len(national) == 10 and national.startswith("60"):  # landlines: (606) 7314001
        return PHONE
    if raw.startswith("+"):
        return PHONE
    return DOCUMENT


def mask_personal_data(text: str, known: KnownPersonalData | None = None) -> str:
    """`text` with every document, phone, e-mail and name replaced by its placeholder.

    Besides the known data, anything shaped like personal data is masked too (an e-mail,
    a run of five or more digits, a name after "me llamo"/"soy"): better a masked amount
    than a leaked cédula.
    """
    known = (known or KnownPersonalData()).merge(known_from(texts=[text]))
    phones = frozenset(
        n[2:] if n.startswith("57") and len(n) == 12 else n
        for n in known.numbers
        if len(n) >= 10 and (n.startswith("3") or n.startswith("573") or n.startswith("60"))
    )
    # E-mails first: their dots and digits must not be read as anything else.
    masked = _EMAIL_CANDIDATE_RE.sub(
        lambda m: EMAIL if "@" in m.group(0) and len(m.group(0)) > 1 else m.group(0), text
    )
    for email in known.emails:
        masked = re.sub(re.escape(email), EMAIL, masked, flags=re.IGNORECASE)

    kept: dict[str, str] = {}

    def keep(match: re.Match[str]) -> str:
        key = f"\x00{len(kept)}\x00"
        kept[key] = match.group(0)
        return key

    masked = _RADICADO_RE.sub(keep, masked)

    def number(match: re.Match[str]) -> str:
        raw = match.group(0)
        digits = _digits(raw)
        start = match.start()
        if len(digits) < _MIN_DIGITS or (start > 0 and masked[start - 1] == "$"):
            return raw
        return _number_placeholder(raw, digits, phones)

    masked = _NUMBER_RE.sub(number, masked)
    for key, value in kept.items():
        masked = masked.replace(key, value)

    words = _name_words(known.names)
    if words:

        def name(match: re.Match[str]) -> str:
            return NAME if _fold(match.group(0)) in words else match.group(0)

        masked = _WORD_RE.sub(name, masked)
        # "<NOMBRE> <NOMBRE> de <NOMBRE>" reads as one name.
        particles = "|".join(sorted(_NAME_PARTICLES))
        masked = re.sub(
            rf"{re.escape(NAME)}(?:\s+(?:(?:{particles})\s+)*{re.escape(NAME)})+",
            NAME,
            masked,
            flags=re.IGNORECASE,
        )
    return masked
