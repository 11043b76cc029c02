"""A new Rasa session keeps a filing paused for a human adviser for 24 h, form and all."""

from __future__ import annotations

import pytest

from actions.session import ActionSessionStart
from tests.unit.actions.conftest import FRIDAY_10, run_action, tracker_from

PAUSED_SLOTS = {
    "requested_slot": "document_type",
    "full_name": "Ana María Giraldo",
    "form_paused": FRIDAY_10,  # paused on Friday 10:00
    "preferential": True,
}


def session_start(monkeypatch, instant: str, **slots):
    monkeypatch.setenv("MARA_CLOCK", instant)
    tracker = tracker_from("pqrs_form_personal", slots={**PAUSED_SLOTS, **slots})
    return run_action(ActionSessionStart(), tracker, {})


def kinds(outcome) -> list[str]:
    return [e["event"] for e in outcome.events]


@pytest.mark.parametrize("later", ["2026-12-04T13:00:00-05:00", "2026-12-05T09:59:00-05:00"])
def test_a_filing_paused_for_a_human_less_than_a_day_ago_goes_on(monkeypatch, later):
    outcome = session_start(monkeypatch, later)
    assert kinds(outcome)[0] == "session_started" and kinds(outcome)[-1] == "action"
    assert outcome.events[-1]["name"] == "action_listen"
    assert [e["name"] for e in outcome.events if e["event"] == "active_loop"] == ["pqrs_form"]
    slots = outcome.slots
    assert slots["requested_slot"] == "document_type"  # the next message answers it
    assert slots["full_name"] == "Ana María Giraldo" and slots["pqrs_type"] == "queja"
    assert slots["consent_id"] == 1 and slots["preferential"] is True


def test_a_paused_filing_is_dropped_after_a_day(monkeypatch):
    outcome = session_start(monkeypatch, "2026-12-05T10:01:00-05:00")
    assert "active_loop" not in kinds(outcome)
    assert outcome.slots == {"preferential": True}  # what is not the filing's is kept
    assert outcome.events[-1]["name"] == "action_listen"


def test_a_filing_left_half_way_without_a_human_starts_afresh(monkeypatch):
    outcome = session_start(monkeypatch, "2026-12-04T11:30:00-05:00", form_paused=None)
    assert "active_loop" not in kinds(outcome)
    assert outcome.slots == {"preferential": True}
