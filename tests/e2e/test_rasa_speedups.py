"""nlu/speedups.py in Rasa's own environment: the action server's responses are judged exactly
as Rasa judges them (the same ones accepted, the same error raised for the others), with the
response schema checked once per process instead of on every action."""

from __future__ import annotations

import json

from tests.support.rasa_env import run_in_rasa

# Responses shaped like the action server's (every kind of event MARA's actions return) and
# responses Rasa refuses: events that are not a list, an event without its type, an unknown
# type, a slot event without a name, responses that are not a list.
CASES = {
    "valid": [
        {"events": [], "responses": []},
        {
            "events": [
                {"event": "slot", "name": "pqrs_type", "value": "queja", "timestamp": None},
                {"event": "active_loop", "name": "pqrs_form"},
                {"event": "slot", "name": "requested_slot", "value": None},
                {"event": "followup", "name": "action_listen"},
                {"event": "action_execution_rejected", "name": "pqrs_form"},
                {"event": "session_started"},
                {"event": "restart"},
                {"event": "reset_slots"},
            ],
            "responses": [
                {"text": "Tu radicado es PQRS-2026-000123.", "buttons": [], "custom": {}},
                {"custom": {"mara_signal": "submit_expected"}},
                {"response": "utter_ask_name", "template": "utter_ask_name"},
            ],
        },
        {"responses": [{"text": "Hola"}]},
    ],
    "invalid": [
        {"events": {"event": "slot"}, "responses": []},
        {"events": [{"name": "pqrs_type", "value": "queja"}], "responses": []},
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": [{"event": "slot", "value": "queja"}], "responses": []},
        {"events": [], "responses": {"text": "Hola"}},
        {"events": [], "responses": ["Hola"]},
    ],
}

SCRIPT = """
import json, sys
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction
from nlu import speedups

cases = json.loads(sys.argv[1])
spec = RemoteAction.action_response_format_spec()
action = RemoteAction("action_test", None)

def stock(result):
    try:
        validate(result, spec)
        return "ok"
    except ValidationError as e:
        return "refused"

def patched(result):
    try:
        action._validate_action_result(result)
        return "ok"
    except ValidationError as e:
        return "refused: " + e.message

assert RemoteAction._validate_action_result is not speedups._validate_action_result
speedups.install()
speedups.install()
assert RemoteAction._validate_action_result is speedups._validate_action_result
out = {kind: [[stock(r), patched(r)] for r in rs] for kind, rs in cases.items()}
out["schema_checks"] = speedups.response_validator.cache_info().misses
print(json.dumps(out))
"""


def test_action_responses_are_judged_as_rasa_does_with_the_schema_checked_once():
    verdicts = run_in_rasa(SCRIPT, json.dumps(CASES))
    for stock, patched in verdicts["valid"]:
        assert (stock, patched) == ("ok", "ok")
    for stock, patched in verdicts["invalid"]:
        assert stock == "refused"
        # Rasa's own method words the error, with its pointer to the docs.
        assert patched.startswith("refused: ") and "Failed to validate Action server" in patched
    # Nine responses judged, the schema built and checked once.
    assert verdicts["schema_checks"] == 1
