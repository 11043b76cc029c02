"""Radicado numbers as people type them ("pqrs 2026 123", "el 123")."""

from __future__ import annotations

import re

from mara.domain.tickets import format_radicado
from mara.text.normalize import _tokens, normalize_text

_RADICADO_PATTERNS = (
    # (pattern, group of the year, group of the sequence); tried in order.
    (re.compile(r"\bpqrs\s*[-_/#.:]?\s*(20\d{2})\s*[-_/#.:]?\s*(\d{1,6})(?!\d)"), 1, 2),
    (re.compile(r"(?<!\d)(20\d{2})(?:\s*[-_/.]\s*|\s+)(\d{1,6})(?!\d)"), 1, 2),
    (
        re.compile(
            r"(?<!\d)(\d{1,6})(?:\s*[-/]\s*|\s+(?:del?\s+)?(?:(?:del\s+)?ano\s+)?)(20\d{2})(?!\d)"
        ),
        2,
        1,
    ),
    (re.compile(r"(?<!\d)(20\d{2})(\d{6})(?!\d)"), 1, 2),
)


# Words around a bare sequence number: "radicado 123", "mi número es el 123".
_RADICADO_FILLER = frozenset(
    {
        "radicado",
        "radicacion",
        "numero",
        "num",
        "nro",
        "no",
        "n",
        "mi",
        "el",
        "es",
        "la",
        "de",
        "del",
        "pqrs",
        "caso",
        "solicitud",
        "codigo",
        "seria",
    }
)


def _format_radicado(year: int, sequence: int) -> str | None:
    """The canonical radicado, or None for a year or sequence no radicado can have."""
    if not 2000 <= year <= 2099 or not 1 <= sequence <= 999_999:
        return None
    return format_radicado(year, sequence)


def parse_radicado(text: str, default_year: int | None = None) -> str | None:
    """The canonical radicado ("PQRS-2026-000123") in "pqrs 2026 123", "123/2026"...; or None."""
    normalized = normalize_text(text)
    for pattern, year_group, sequence_group in _RADICADO_PATTERNS:
        match = pattern.search(normalized)
        if match:
            return _format_radicado(int(match.group(year_group)), int(match.group(sequence_group)))
    if default_year is None:
        return None
    words = [word for word in _tokens(normalized) if word not in _RADICADO_FILLER]
    if len(words) == 1 and re.fullmatch(r"\d{1,6}", words[0]):
        return _format_radicado(default_year, int(words[0]))
    return None
