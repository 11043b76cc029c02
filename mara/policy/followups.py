"""Loads config/followups.yml: the Spanish e-mails of SLA follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mara.policy import CONFIG_DIR

DEFAULT_FOLLOWUPS_PATH = CONFIG_DIR / "followups.yml"


@dataclass(frozen=True)
class MailText:
    subject: str
    body: str


@dataclass(frozen=True)
class FollowUpTexts:
    mail: dict[str, MailText]
    no_area: str


@cache
def _load(path: Path) -> FollowUpTexts:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    mail = {
        kind: MailText(subject=str(raw["subject"]), body=str(raw["body"]))
        for kind, raw in (data.get("mail") or {}).items()
    }
    return FollowUpTexts(mail=mail, no_area=str(data.get("no_area") or ""))


def followup_texts(path: Path | None = None) -> FollowUpTexts:
    return _load(Path(path or DEFAULT_FOLLOWUPS_PATH).resolve())
