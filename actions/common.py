"""What every action shares: the database session, the clock and the sender's number."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

import yaml
from rasa_sdk import Tracker

from mara.db.unit_of_work import UnitOfWork
from mara.settings import ROOT, load_settings


def uow() -> UnitOfWork:
    return UnitOfWork(load_settings().database_url)


def wa_id(tracker: Tracker) -> str:
    """The conversation id is the person's WaId (digits of their WhatsApp number)."""
    return tracker.sender_id


def message_sid(tracker: Tracker) -> str | None:
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    return metadata.get("message_sid")


def latest_media(tracker: Tracker) -> list[dict[str, Any]]:
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    return list(metadata.get("media") or [])


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def skip_cleared(validate: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Slots an action just cleared reach the form's validator as None: that is no answer,
    so nothing is checked, counted or said."""
    slot = validate.__name__.removeprefix("validate_")

    @wraps(validate)
    def wrapper(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        if value is None:
            return {slot: None}
        return validate(self, value, dispatcher, tracker, domain)

    return wrapper


@lru_cache(maxsize=1)
def _responses() -> dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)["responses"]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def utter_as_data(dispatcher, response: str, **values: Any) -> None:
    """Say a domain.yml response with `values` inserted as plain data.

    Rasa's own interpolation gives up and sends the raw template, placeholders and all,
    when an inserted value contains "0[" (its escaping trick), and it fills any `{slot}`
    from the tracker: so texts that carry people's or staff's words are rendered here,
    with str.format_map on our own template, and sent as finished text."""
    template = _responses()[response][0]["text"]
    dispatcher.utter_message(text=template.format_map(_Blank(values)))
