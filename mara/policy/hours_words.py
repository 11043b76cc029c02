"""The words people use to name channels and to ask about hours (config/hours_questions.yml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_PATH = CONFIG_DIR / "hours_questions.yml"


@dataclass(frozen=True)
class HoursVocabulary:
    channel_aliases: tuple[tuple[str, tuple[str, ...]], ...]
    until: tuple[str, ...]
    everything: tuple[str, ...]
    past_event: tuple[str, ...]
    towns_without_office: tuple[str, ...] = ()


def _phrases(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(p, str | int) for p in raw):
        raise ValueError(f"{where} must be a list of phrases")
    return tuple(str(p) for p in raw)


@cache
def _load(path: Path) -> HoursVocabulary:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    aliases = raw.get("channel_aliases") or {}
    if not isinstance(aliases, dict):
        raise ValueError(f"channel_aliases in {path} must map channel keys to phrases")
    return HoursVocabulary(
        channel_aliases=tuple(
            (str(key), _phrases(phrases, f"channel_aliases.{key}"))
            for key, phrases in aliases.items()
        ),
        until=_phrases(raw.get("until") or [], "until"),
        everything=_phrases(raw.get("everything") or [], "everything"),
        past_event=_phrases(raw.get("past_event") or [], "past_event"),
        towns_without_office=_phrases(
            raw.get("towns_without_office") or [], "towns_without_office"
        ),
    )


def hours_vocabulary(path: Path | None = None) -> HoursVocabulary:
    return _load(Path(path or DEFAULT_PATH).resolve())
