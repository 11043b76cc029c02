"""Identity documents: the type ("cc", "cédula", "TI"…) and the number, as people type them."""

from __future__ import annotations

import re
from functools import cache

from mara.policy.catalogs import DocumentType, document_types
from mara.text.choices import _choice_number
from mara.text.normalize import (
    Invalid,
    _alias_table,
    _AliasTable,
    _best_alias,
    _tokens,
    normalize_text,
)


@cache
def _document_alias_table() -> _AliasTable:
    return _alias_table(
        [
            (alias, doc.code)
            for doc in document_types()
            for alias in (doc.code, doc.name, *doc.aliases)
        ]
    )


def parse_document_type(text: str) -> str | Invalid:
    """The document code for a menu number ("1", "la 2"), a code ("C.C.") or an alias."""
    number = _choice_number(text)
    if number is not None:
        for doc in document_types():
            if doc.menu == number:
                return doc.code
        return Invalid("out_of_range")
    found = _best_alias(text, _document_alias_table())
    return Invalid("unknown_type") if found is None else found


# Thousands separators and spacing people put inside a number: "1.094.887.654".
_DIGIT_SEPARATORS_RE = re.compile(r"(?<=\d)[\s.,'’\-]+(?=\d)")


# A passport may carry dots or dashes between its characters: "AB-123456".
_ALNUM_SEPARATORS_RE = re.compile(r"(?<=[a-z0-9])[.\-](?=[a-z0-9])")


# The code glued to the number: "cc1094887654".
_GLUED_CODE_RE = re.compile(r"\b(cc|ce|ti|ppt)(?=\d)")


# Words before a passport number that are not part of it: "mi pasaporte es AB123456".
_PASSPORT_FILLER = frozenset(
    {
        "mi",
        "su",
        "el",
        "la",
        "es",
        "de",
        "del",
        "numero",
        "num",
        "nro",
        "no",
        "n",
        "documento",
        "doc",
        "pasaporte",
        "passport",
        "pa",
        "seria",
        "tengo",
        "con",
        "este",
        "aqui",
        "identificacion",
        "id",
    }
)


def _document_by_code(code: str) -> DocumentType | None:
    wanted = code.strip().upper()
    return next((doc for doc in document_types() if doc.code == wanted), None)


def _number_tokens(text: str) -> list[str]:
    prepared = _DIGIT_SEPARATORS_RE.sub("", normalize_text(text))
    prepared = _ALNUM_SEPARATORS_RE.sub("", prepared)
    return _tokens(_GLUED_CODE_RE.sub(r"\1 ", prepared))


def _passport_candidate(tokens: list[str]) -> str | Invalid:
    with_digits = [index for index, token in enumerate(tokens) if any(c.isdigit() for c in token)]
    if not with_digits:
        words = [token for token in tokens if token not in _PASSPORT_FILLER]
        # A lone word like "ABCDEF" is a passport typed without its digits.
        return Invalid("needs_digit") if len(words) == 1 else Invalid("missing")
    if len(with_digits) > 1:
        return Invalid("multiple")
    index = with_digits[0]
    candidate = tokens[index]
    previous = tokens[index - 1] if index > 0 else ""
    # "AB 123456": a short letter prefix typed apart from the digits.
    if previous.isalpha() and len(previous) <= 3 and previous not in _PASSPORT_FILLER:
        candidate = previous + candidate
    return candidate


def parse_document_number(text: str, doc_type: str) -> str | Invalid:
    """The document number without dots, spaces or dashes, validated for `doc_type`."""
    doc = _document_by_code(doc_type)
    if doc is None:
        return Invalid("unknown_type")
    tokens = _number_tokens(text)
    if doc.charset == "alphanumeric":
        candidate = _passport_candidate(tokens)
        if isinstance(candidate, Invalid):
            return candidate
        candidate = candidate.upper()
    else:
        with_digits = [token for token in tokens if any(c.isdigit() for c in token)]
        if not with_digits:
            return Invalid("missing")
        if len(with_digits) > 1:
            return Invalid("multiple")
        candidate = with_digits[0]
        if not candidate.isdigit():
            return Invalid("digits_only")
    if not doc.min_length <= len(candidate) <= doc.max_length:
        return Invalid("length")
    if doc.require_digit and not any(c.isdigit() for c in candidate):
        return Invalid("needs_digit")
    return candidate


# A number alone, before its type is known, is kept if it could be any document.
_LOOSE_NUMBER_RE = re.compile(r"\d{5,12}")


def parse_document(text: str) -> tuple[str | None, str | None]:
    """("CC", "1094887654") from "cc 1094887654"; (None, number) or (code, None) when partial."""
    found = _best_alias(re.sub(r"\d", " ", text), _document_alias_table())
    code = found if isinstance(found, str) else None
    if code is not None:
        number = parse_document_number(text, code)
        return code, number if isinstance(number, str) else None
    numbers = [token for token in _number_tokens(text) if any(c.isdigit() for c in token)]
    if len(numbers) == 1 and _LOOSE_NUMBER_RE.fullmatch(numbers[0]):
        return None, numbers[0]
    return None, None


def bare_cedula(text: str) -> str | None:
    """The cédula number of an answer that is a number alone ("1.094.887.890"): six or more
    digits and no letters is no menu choice, and most people hold a cédula. None otherwise."""
    text = text.strip()
    if sum(c.isdigit() for c in text) < 6 or any(c.isalpha() for c in text):
        return None
    number = parse_document_number(text, "CC")
    return None if isinstance(number, Invalid) else number


def mask_document(number: str) -> str:
    """The tail of a document number for messages: "1094887654" -> "terminada en 7654"."""
    # Shows at most four characters and always hides at least four (or all but one).
    compact = re.sub(r"[^0-9A-Za-z]", "", number).upper()
    if not compact:
        return ""
    visible = min(4, max(len(compact) - 4, 1))
    return f"terminada en {compact[-visible:]}"
