"""What every action shares: the database session, the clock, the sender's number, the
latest message's parts, and replies filled with the Caja's facts from config/."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from mara import clock
from mara.db.unit_of_work import UnitOfWork
from mara.policy.channels import advisers_channel, business_calendar
from mara.policy.facts import facts
from mara.settings import ROOT, load_settings
from mara.text.hours import weekly_schedule_es


def uow() -> UnitOfWork:
    return UnitOfWork(load_settings().database_url)


def now() -> datetime:
    """The instant domain rules use (MARA_CLOCK honoured)."""
    return clock.now()


def wa_id(tracker: Tracker) -> str:
    """The conversation id is the person's WaId (digits of their WhatsApp number)."""
    return tracker.sender_id


def message_sid(tracker: Tracker) -> str | None:
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    return metadata.get("message_sid")


def latest_media(tracker: Tracker) -> list[dict[str, Any]]:
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    return list(metadata.get("media") or [])


def latest_text(tracker: Tracker) -> str:
    return str(tracker.latest_message.get("text") or "")


def previous_user_event(tracker: Tracker) -> dict[str, Any]:
    """The person's message before their latest one ({} if none)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    return users[-2] if len(users) > 1 else {}


def previous_text(tracker: Tracker) -> str:
    """What the person wrote before their latest message ("" if nothing)."""
    return str(previous_user_event(tracker).get("text") or "")


def latest_intent(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def entity(tracker: Tracker, name: str) -> str | None:
    return next(tracker.get_latest_entity_values(name), None)


def numbered(items: list[tuple[int, str]]) -> str:
    return "\n".join(f"{n}. {label}" for n, label in items)


def fact_values() -> dict[str, str]:
    """The Caja's facts from config/ as response variables, the advisers' hours in words."""
    calendar = business_calendar()
    advisers = calendar.channels[advisers_channel()]
    return {**facts(), "advisers_hours": "; ".join(weekly_schedule_es(advisers))}


def say(dispatcher: CollectingDispatcher, response: str, **values: Any) -> None:
    """Utter a domain.yml response; the Caja's facts (phones, e-mail, hours…) are always
    available to it as variables, so they are written once, in config/."""
    dispatcher.utter_message(response=response, **{**fact_values(), **values})


def response_text(domain: dict[str, Any], response: str, **values: Any) -> str:
    """A domain.yml response's text filled in here, for a piece of a larger reply."""
    return domain["responses"][response][0]["text"].format(**{**fact_values(), **values})


def phone_as_written(e164: str) -> str:
    """+573101234567 → "310 123 4567", +576067314001 → "(606) 7314001" (as people write)."""
    digits = e164.removeprefix("+57")
    if len(digits) == 10 and digits.isdigit():
        if digits.startswith("3"):
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        if digits.startswith("60"):
            return f"({digits[:3]}) {digits[3:]}"
    return e164


@lru_cache(maxsize=1)
def _responses() -> dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)["responses"]


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def utter_as_data(dispatcher: CollectingDispatcher, response: str, **values: Any) -> None:
    """Say a domain.yml response with `values` inserted as plain data.

    Rasa's own interpolation gives up and sends the raw template, placeholders and all,
    when an inserted value contains "0[" (its escaping trick), and it fills any `{slot}`
    from the tracker: so texts that carry people's or staff's words are rendered here,
    with str.format_map on our own template, and sent as finished text."""
    template = _responses()[response][0]["text"]
    text = template.format_map(_Blank({**fact_values(), **values}))
    # `rendered_from` names the response for tests and logs (Rasa keeps it as metadata).
    dispatcher.utter_message(text=text, rendered_from=response)


def bot_action_before(tracker: Tracker) -> str | None:
    """The bot's last action before the person's latest message."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    earlier = tracker.events[: users[-1]] if users else []
    return next(
        (
            e.get("name")
            for e in reversed(earlier)
            if e.get("event") == "action" and e.get("name") != "action_listen"
        ),
        None,
    )
