"""Action tests without a model: trackers from JSON fixtures, rasa-sdk's CollectingDispatcher,
domain.yml as Rasa sends it, a real SQLite database where an action touches one."""

from __future__ import annotations

import asyncio
import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from mara.domain.messages import SIGNAL_KEY
from mara.settings import ROOT
from tests.conftest import make_database

FIXTURES = Path(__file__).parent / "fixtures"
# Friday 2026-12-04 10:00 in Bogotá (advisers at work); Saturday 10:00 (advisers away).
FRIDAY_10 = "2026-12-04T10:00:00-05:00"
SATURDAY_10 = "2026-12-05T10:00:00-05:00"


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker_from(
    fixture: str,
    text: str | None = None,
    intent: str = "inform",
    confidence: float = 0.99,
    slots: dict[str, Any] | None = None,
    candidate: bool = True,
    metadata: dict[str, Any] | None = None,
) -> Tracker:
    """The fixture's tracker; with `text`, the person's latest message (with the NLU's
    intent), and — when a form asks a slot — that text as the slot's candidate, as Rasa's
    form action sends it to the validator."""
    state = json.loads((FIXTURES / f"{fixture}.json").read_text(encoding="utf-8"))
    state.pop("_comment", None)
    state["slots"] = {**state["slots"], **(slots or {})}
    events = copy.deepcopy(state["events"])
    latest = {"text": "", "intent": {}, "entities": [], "metadata": metadata or {}}
    if text is not None:
        latest = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [],
            "metadata": {"message_sid": "SM" + "0" * 32, **(metadata or {})},
        }
        events.append({"event": "user", "text": text, "parse_data": latest})
        requested = state["slots"].get("requested_slot")
        if candidate and requested and state.get("active_loop", {}).get("name"):
            events.append({"event": "action", "name": state["active_loop"]["name"]})
            events.append({"event": "slot", "name": requested, "value": text})
            state["slots"][requested] = text
    state["events"] = events
    state["latest_message"] = latest
    return Tracker.from_dict(state)


@dataclass
class Outcome:
    events: list[dict[str, Any]]
    messages: list[dict[str, Any]] = field(default_factory=list)  # what the person reads
    signals: list[str] = field(default_factory=list)  # what the actions told the worker

    @property
    def responses(self) -> list[str]:
        # utter_as_data sends finished text and names its response in `rendered_from`.
        return [m["response"] or m.get("rendered_from") for m in self.messages]

    @property
    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e["event"] == "slot"}

    @property
    def rejected(self) -> bool:
        """The form's turn handed to the rules (the loop Rasa marks as rejected)."""
        names = [e["name"] for e in self.events if e["event"] == "action_execution_rejected"]
        assert names in ([], ["pqrs_form"], ["status_form"]), names
        return bool(names)


def run_action(action: Action, tracker: Tracker, domain: dict[str, Any]) -> Outcome:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    signals = [(m.get("custom") or {}).get(SIGNAL_KEY) for m in dispatcher.messages]
    return Outcome(
        events=list(events),
        messages=[m for m, s in zip(dispatcher.messages, signals, strict=True) if s is None],
        signals=[s for s in signals if s is not None],
    )


def rendered(outcome: Outcome, domain: dict[str, Any]) -> str:
    """The Spanish text Rasa would send for the outcome's responses (for fact checks)."""
    texts = []
    for message in outcome.messages:
        if not message["response"]:
            texts.append(message["text"])
            continue
        template = domain["responses"][message["response"]][0]["text"]
        texts.append(template.format(**message))
    return "\n".join(texts)


@pytest.fixture(scope="session")
def actions_database(tmp_path_factory) -> str:
    url, _ = make_database("sqlite", tmp_path_factory.mktemp("actions-db"))
    return url


@pytest.fixture
def db(actions_database, monkeypatch) -> str:
    """A real, migrated SQLite database, emptied for each test; the actions find it in
    DATABASE_URL as the action server does."""
    from mara.db.engine import get_engine
    from mara.db.models import Base

    with get_engine(actions_database).begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    monkeypatch.setenv("DATABASE_URL", actions_database)
    monkeypatch.setenv("MARA_CLOCK", FRIDAY_10)
    return actions_database
