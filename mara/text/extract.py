"""Everything a person already gave in one message: "me llamo Ana María López cc 1094 123 456
cel 310 123 4567 correo ana@gmail.com" → name, document type and number, phone, e-mail."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mara.text.documents import parse_document
from mara.text.emails import _EMAIL_CANDIDATE_RE, parse_email, split_address
from mara.text.names import parse_full_name
from mara.text.normalize import Invalid
from mara.text.phones import parse_phone


@dataclass(frozen=True)
class PersonData:
    full_name: str | None = None
    document_type: str | None = None
    document_number: str | None = None
    phone: str | None = None
    email: str | None = None

    def given(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


# Labels people put before each piece, written without accents (matched on a folded copy).
_LABELS = {
    "name": r"me llamo|mi nombre(?: completo)? es|mi nombre|nombre(?: completo)?|soy",
    "document": (
        r"c\.? ?c\.?|cedula(?: de ciudadania| de extranjeria)?|c\.? ?e\.?|t\.? ?i\.?"
        r"|tarjeta de identidad|ppt|pep|pasaporte|documento(?: de identidad)?|doc|nit"
        r"|identificacion|numero de documento|nuip|registro civil"
    ),
    "phone": r"celular|cel|telefono|tel|movil|whatsapp|numero de contacto|contacto|numero",
    "email": r"correo(?: electronico)?|e-?mail|mail|gmail",
}
_LABEL_RE = re.compile(
    "|".join(
        rf"(?P<{kind}>(?<![a-z0-9])(?:{pattern})(?![a-z0-9]))" for kind, pattern in _LABELS.items()
    )
)
# Digits with the separators people type, the apostrophe of millions included (41'935.122).
_NUMBER_RE = re.compile(r"\+?\(?\d[\d .'’\-()]{4,}\d")
_SEPARATORS = " \t\n,;:.-()/"


def _fold(text: str) -> str:
    """Lowercase without accents, keeping every character's position."""
    return "".join(
        (unicodedata.normalize("NFKD", ch)[:1] or ch).lower() if ch.isalpha() else ch.lower()
        for ch in text
    )


def _clean_name(candidate: str) -> str | None:
    candidate = candidate.strip(_SEPARATORS + " ")
    while True:
        shorter = re.sub(r"\s+(?:y|con|mi|de mi|el|es)$", "", candidate, flags=re.IGNORECASE)
        if shorter == candidate:
            break
        candidate = shorter.strip(_SEPARATORS)
    if not candidate:
        return None
    parsed = parse_full_name(candidate)
    return None if isinstance(parsed, Invalid) else parsed


def extract_person_data(text: str, wa_number: str | None = None) -> PersonData:
    """The personal data found in `text`; a piece that does not validate is left out."""
    found: dict[str, str | None] = {}
    # E-mail first: its digits and dots must not be read as a phone or a document.
    email_match = _EMAIL_CANDIDATE_RE.search(text)
    if email_match and "@" in email_match.group(0):
        email = parse_email(email_match.group(0))
        if isinstance(email, str) and not split_address(text, email_match.start()):
            found["email"] = email
        text = (
            text[: email_match.start()]
            + " " * len(email_match.group(0))
            + text[email_match.end() :]
        )
    folded = _fold(text)
    labels = [(m.start(), m.end(), m.lastgroup or "") for m in _LABEL_RE.finditer(folded)]
    numbers = [(m.start(), m.end()) for m in _NUMBER_RE.finditer(text)]

    def label_before(position: int) -> tuple[int, int, str] | None:
        previous = [label for label in labels if label[1] <= position]
        if not previous:
            return None
        label = previous[-1]
        between = folded[label[1] : position]
        # Only filler may stand between a label and its number ("cc no. 1094…", "cel: 310…").
        return (
            label
            if re.fullmatch(r"[\s:.#=\-]*(?:n[ou]?\.?|numero|es)?[\s:.#=\-]*", between)
            else None
        )

    for start, end in numbers:
        if start > 0 and text[start - 1].isalpha():
            continue  # part of a code such as a passport number ("AB123456")
        raw = text[start:end]
        digits = re.sub(r"\D", "", raw)
        label = label_before(start)
        kind = label[2] if label else None
        if kind == "phone" or (kind is None and len(digits) == 10 and digits.startswith("3")):
            phone = parse_phone(raw, wa_number)
            if isinstance(phone, str) and "phone" not in found:
                found["phone"] = phone
                continue
        if kind in ("document", None) and "document_number" not in found:
            code, number = parse_document(text[label[0] : end] if label else raw)
            if number:
                found["document_number"] = number
                if code:
                    found["document_type"] = code
    if "document_number" not in found:
        # Passports carry letters ("pasaporte AB123456"): read the labelled stretch whole.
        for start, end, kind in labels:
            if kind != "document":
                continue
            stop = next((s for s, _, _ in labels if s >= end), len(text))
            code, number = parse_document(text[start:stop])
            if number:
                found["document_number"] = number
                if code:
                    found["document_type"] = code
                break
    # The name: after "me llamo"/"soy"/"nombre:", or the words the message starts with,
    # up to the next label, number or e-mail.
    stops = sorted([s for s, _, _ in labels] + [s for s, _ in numbers] + [len(text)])
    name_labels = [label for label in labels if label[2] == "name"]
    # Each label in turn: "el nombre es de mi mamá, yo soy Jorge Tabares" names the writer
    # after the second.
    starts = [label[1] for label in name_labels]
    # Unlabelled words count as a name only beside other data ("Ana López, cc 1094…"):
    # alone they are as likely a sentence as a name.
    leading_free = (not labels or labels[0][0] > 0) and (not numbers or numbers[0][0] > 0)
    if not starts and found and leading_free:
        starts = [0]
    for start in starts:
        end = next((s for s in stops if s > start), len(text))
        name = _clean_name(text[start:end])
        if name:
            found["full_name"] = name
            break
    return PersonData(**{k: v for k, v in found.items() if v is not None})


def says_own_name(text: str) -> bool:
    """Whether the text introduces the writer's name ("me llamo…", "mi nombre es…", "soy…"):
    in a story, unlabelled leading words are no name."""
    return any(m.lastgroup == "name" for m in _LABEL_RE.finditer(_fold(text)))
