"""The words the staff pages show for stored codes (statuses, channels, SLA states, roles,
history events, delivery states, follow-ups, alerts): config/staff_texts.yml, one section
each, in the order the pages list them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from mara.policy.staff_texts import staff_text, staff_texts
from mara.services import answering


def _section(name: str) -> Mapping[str, str]:
    return MappingProxyType(staff_texts()[name])


STATUS = _section("status")
CHANNEL = _section("channel")
SLA = _section("sla")
CRITERIA = _section("criteria")
ROLE = _section("role")
ACTION = _section("event")
DELIVERY = _section("delivery")
FOLLOWUP = _section("followup")
ALERT = _section("alert")

# Reasons the services store in English on a message they could not send, and their words.
_STORED_ERRORS = {answering.TEMPLATE_SID_MISSING: "delivery_errors.template_sid_missing"}


def delivery_error(text: str | None) -> str:
    """A stored delivery error as staff read it: the services' own reasons in Spanish,
    Twilio's and the network's as they came."""
    if not text:
        return ""
    for stored, key in _STORED_ERRORS.items():
        text = text.replace(stored, staff_text(key))
    return text
