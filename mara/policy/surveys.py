"""Loads config/surveys.yml: the satisfaction survey's questions, scale, timing and texts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_SURVEYS_PATH = CONFIG_DIR / "surveys.yml"


@dataclass(frozen=True)
class Question:
    key: str
    indicator: str
    kind: str  # rating (Excelente…Deficiente) | score (0–10)
    text: str


@dataclass(frozen=True)
class SurveyConfig:
    start_business_days: int
    start_at: time
    remind_after_hours: int
    expire_after_hours: int
    max_days_after_close: int
    scale: dict[str, int]
    questions: tuple[Question, ...]
    texts: dict[str, str]

    def text(self, key: str, **values: str) -> str:
        return " ".join(self.texts[key].split()).format(**values)


@cache
def _load(path: Path) -> SurveyConfig:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    start = data.get("start") or {}
    hours, minutes = str(start.get("at", "10:00")).split(":")
    questions = tuple(
        Question(str(q["key"]), str(q["indicator"]), str(q["kind"]), str(q["text"]).strip())
        for q in data["questions"]
    )
    for q in questions:
        if q.kind not in ("rating", "score"):
            raise ValueError(f"{path}: question {q.key!r} has unknown kind {q.kind!r}")
    texts = {str(k): str(v) for k, v in (data.get("texts") or {}).items()}
    for key in ("intro", "reminder", "hint_rating", "hint_score", "thanks", "declined"):
        if key not in texts:
            raise ValueError(f"{path}: texts.{key} is missing")
    return SurveyConfig(
        start_business_days=int(start.get("business_days_after_close", 1)),
        start_at=time(int(hours), int(minutes)),
        remind_after_hours=int(data.get("remind_after_hours", 24)),
        expire_after_hours=int(data.get("expire_after_hours", 48)),
        max_days_after_close=int(data.get("max_days_after_close", 10)),
        scale={str(k): int(v) for k, v in data["scale"].items()},
        questions=questions,
        texts=texts,
    )


def survey_config(path: Path | None = None) -> SurveyConfig:
    return _load(Path(path or DEFAULT_SURVEYS_PATH).resolve())
