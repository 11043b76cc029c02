"""E-mail addresses (or "no tengo") as people type them, with common domain typos caught."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from mara.text.normalize import Invalid, normalize_text

_NO_EMAIL_FIRST_WORDS = frozenset(
    {"no", "nop", "ninguno", "ninguna", "sin", "nada", "tampoco", "negativo"}
)


_NO_EMAIL_ANSWERS = frozenset({"n/a", "na", "no aplica"})


_EMAIL_CANDIDATE_RE = re.compile(r"[^\s<>()\[\],;:\"'¿?¡!]*@[^\s<>()\[\],;:\"'¿?¡!]*")


# Misspelt big providers, and what was meant: the address would be valid but nobody would
# read it.
TYPO_FIXES = {
    "gmial.com": "gmail.com",
    "gmal.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gmail.con": "gmail.com",
    "gmail.cm": "gmail.com",
    "gmail.om": "gmail.com",
    "gmail.co": "gmail.com",
    "gmail.com.co": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmail.con": "hotmail.com",
    "hotmail.cm": "hotmail.com",
    "hotmail.om": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "outlok.com": "outlook.com",
    "outlook.con": "outlook.com",
    "yahoo.con": "yahoo.com",
    "yaho.com": "yahoo.com",
    "yahooo.com": "yahoo.com",
}
TYPO_DOMAINS = frozenset(TYPO_FIXES)


# Words people put before their address ("es luz@…", "correo: luz@…").
_LEAD_WORDS = frozenset(
    {"es", "mi", "el", "a", "al", "correo", "email", "e-mail", "mail", "gmail", "seria", "este"}
)


def split_address(text: str, start: int) -> bool:
    """ "luz dary@gmail.com", "luz. dary@gmail.com": a word typed (or autocorrected) into the
    address before the "@" reads as an address of its own, someone else's perhaps."""
    before = text[:start]
    if not before or not before[-1].isspace():
        return False
    words = before.split()
    glued = words[-1] if words else ""
    if glued[-1:] in (".", "_", "-"):
        return True
    return len(words) == 1 and normalize_text(glued).strip(":") not in _LEAD_WORDS


def parse_email(text: str) -> str | None | Invalid:
    """The normalized e-mail in `text`; None when the person has none ("no tengo")."""
    text = re.sub(r"\s*@\s*", "@", text)  # "luz.dary @ gmail.com"
    if "@" not in text:
        normalized = normalize_text(text)
        words = normalized.split()
        if normalized in _NO_EMAIL_ANSWERS or (words and words[0] in _NO_EMAIL_FIRST_WORDS):
            return None
        return Invalid("invalid")
    text = text.replace("mailto:", " ")
    match = _EMAIL_CANDIDATE_RE.search(text)
    if match is None or split_address(text, match.start()):
        return Invalid("invalid")
    candidate = match.group(0).strip(".")
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return Invalid("invalid")
    if validated.domain.lower() in TYPO_DOMAINS:
        return Invalid("typo_domain")
    return validated.normalized


_ENDINGS = r"(com|co|es|net|org|edu\.co|gov\.co)\b"


def _repaired(text: str) -> str:
    """The address with the slips of a phone keyboard mended: "gmail,com", "gmail .com",
    "gmailcom"."""
    text = re.sub(r"\s*@\s*", "@", text)
    text = re.sub(rf"(@[\w-]+)\s*[,;]\s*{_ENDINGS}", r"\1.\2", text)
    text = re.sub(rf"(@[\w-]+)\s+\.\s*{_ENDINGS}", r"\1.\2", text)
    return re.sub(rf"(@(?:gmail|hotmail|yahoo|outlook|live|icloud))\.?{_ENDINGS}", r"\1.\2", text)


def corrected(text: str) -> str | None:
    """The address `text` meant when its domain is a known misspelling ("luz@hotmial.com"
    → "luz@hotmail.com") or a keyboard slip ("luz@gmail,com"); None otherwise."""
    repaired = _repaired(text)
    match = _EMAIL_CANDIDATE_RE.search(repaired)
    if match is None:
        return None
    local, _, domain = match.group(0).strip(".").rpartition("@")
    fixed = TYPO_FIXES.get(domain.lower())
    if fixed is None and repaired != re.sub(r"\s*@\s*", "@", text):
        fixed = domain  # mended, and otherwise well written
    if not local or fixed is None:
        return None
    try:
        return validate_email(f"{local}@{fixed}", check_deliverability=False).normalized
    except EmailNotValidError:
        return None
