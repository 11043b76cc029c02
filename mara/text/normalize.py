"""Normalising what people type: accents, case, stray symbols; alias tables for choices."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Invalid:
    """Why a value was rejected, as a short machine key the bot maps to a message.

    Keys: "empty", "too_short", "too_long", "not_a_name", "unknown_type", "missing",
    "multiple", "digits_only", "length", "needs_digit", "not_colombian", "not_mobile",
    "no_wa_number", "invalid", "typo_domain", "out_of_range", "ambiguous", "no_choice".
    """

    reason: str


def _is_edge_junk(ch: str) -> bool:
    # Punctuation, symbols (emoji included), separators and format characters
    # such as the zero-width joiner that WhatsApp emoji carry.
    return unicodedata.category(ch)[0] in "PSZC"


def normalize_text(text: str) -> str:
    """Lowercase, without accents, single-spaced, without punctuation at the ends."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # Mn drops accents and the emoji variation selector; Me drops the keycap of "3️⃣".
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Me"))
    collapsed = " ".join(bare.split())
    start, end = 0, len(collapsed)
    while start < end and _is_edge_junk(collapsed[start]):
        start += 1
    while end > start and _is_edge_junk(collapsed[end - 1]):
        end -= 1
    return collapsed[start:end]


# "c.c." -> "cc", "t. i" -> "ti": initials typed with dots must match the codes.
_INITIALS_RE = re.compile(r"\b([a-z])\.\s?(?=[a-z]\b)")


def _tokens(normalized: str) -> list[str]:
    compacted = _INITIALS_RE.sub(r"\1", normalized)
    return re.findall(r"[a-z0-9]+", compacted)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Matches `phrase` (space-joined tokens) as whole words, allowing a plural."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?:s|es)?(?![a-z0-9])")


# (alias length, alias pattern, key) rows, built once per config file.
_AliasTable = tuple[tuple[int, re.Pattern[str], str], ...]


def _alias_table(rows: list[tuple[str, str]]) -> _AliasTable:
    table = {}
    for alias, key in rows:
        phrase = " ".join(_tokens(normalize_text(alias)))
        if phrase:
            table[(phrase, key)] = (len(phrase), _phrase_pattern(phrase), key)
    return tuple(table.values())


def _best_alias(text: str, table: _AliasTable) -> str | Invalid | None:
    """The key whose alias is the longest match in `text`; ambiguous on a tie."""
    joined = " ".join(_tokens(normalize_text(text)))
    best_length = 0
    best_keys: set[str] = set()
    for length, pattern, key in table:
        if length < best_length or not pattern.search(joined):
            continue
        if length > best_length:
            best_length, best_keys = length, set()
        best_keys.add(key)
    if not best_keys:
        return None
    if len(best_keys) > 1:
        return Invalid("ambiguous")
    return next(iter(best_keys))
