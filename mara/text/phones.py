"""Phone numbers as people type them, or "el mismo" for their WhatsApp number."""

from __future__ import annotations

import re

import phonenumbers

from mara.text.normalize import Invalid, _phrase_pattern, _tokens, normalize_text

_SAME_NUMBER_PHRASES = (
    "mismo",
    "misma",
    "este numero",
    "este celular",
    "este telefono",
    "este whatsapp",
    "este chat",
    "el de whatsapp",
    "whatsapp",
    "wasap",
    "wpp",
    "wsp",
    "este de aqui",
    "el de aqui",
    "al que escribo",
    "desde el que escribo",
    "desde el que le escribo",
    "desde el que les escribo",
)


_PHONE_CANDIDATE_RE = re.compile(r"\+?\(?\d(?:[\d\s().\-]*\d)?")


_ACCEPTED_PHONE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }
)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wa_number_e164(wa_number: str) -> str | Invalid:
    raw = wa_number.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :]
    raw = raw.strip()
    if not raw.startswith("+"):
        # Twilio and WhatsApp ids carry the country code without the plus.
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return Invalid("invalid")
    return _e164(parsed) if phonenumbers.is_valid_number(parsed) else Invalid("invalid")


_SAME_NUMBER_PATTERNS = tuple(_phrase_pattern(phrase) for phrase in _SAME_NUMBER_PHRASES)


# "no es el mismo", "es otro": the person is about to give a different number.
_OTHER_NUMBER_WORDS = frozenset({"no", "otro", "otra", "diferente", "distinto"})


def _means_same_number(normalized: str) -> bool:
    if normalized in ("este", "ese"):
        return True
    words = _tokens(normalized)
    if _OTHER_NUMBER_WORDS.intersection(words):
        return False
    joined = " ".join(words)
    return any(pattern.search(joined) for pattern in _SAME_NUMBER_PATTERNS)


def parse_phone(text: str, wa_number: str | None = None) -> str | Invalid:
    """A Colombian mobile or landline number in E.164, or the WhatsApp number for "este mismo"."""
    candidates = _PHONE_CANDIDATE_RE.findall(text)
    if not candidates:
        if _means_same_number(normalize_text(text)):
            return Invalid("no_wa_number") if wa_number is None else wa_number_e164(wa_number)
        return Invalid("missing")
    # The first candidate long enough to be a phone; a stray "1" or "2" before it is noise.
    candidate = next(
        (c for c in candidates if sum(ch.isdigit() for ch in c) >= 7),
        candidates[0],
    )
    try:
        parsed = phonenumbers.parse(candidate, "CO")
    except phonenumbers.NumberParseException:
        return Invalid("invalid")
    if not phonenumbers.is_valid_number(parsed):
        return Invalid("invalid")
    if phonenumbers.region_code_for_number(parsed) != "CO":
        return Invalid("not_colombian")
    if phonenumbers.number_type(parsed) not in _ACCEPTED_PHONE_TYPES:
        # Toll-free and premium lines cannot reach a person.
        return Invalid("not_mobile")
    return _e164(parsed)


def format_phone_es(e164: str) -> str:
    """A stored number as people write it in Colombia: "310 123 4567", "(606) 741 2345"."""
    try:
        parsed = phonenumbers.parse(e164, "CO")
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) != "CO":
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = str(parsed.national_number)
    if len(national) == 10 and national.startswith("3"):
        return f"{national[:3]} {national[3:6]} {national[6:]}"
    if len(national) == 10 and national.startswith("60"):
        return f"({national[:3]}) {national[3:6]} {national[6:]}"
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
