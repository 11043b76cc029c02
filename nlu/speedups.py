"""Rasa 3.6's costliest avoidable step, made cheap: checking each action server response.

`RemoteAction._validate_action_result` calls `jsonschema.validate` with a schema built anew
on every call, so every custom action (several per turn) first validates Rasa's own schema
against JSON Schema's metaschema, then the response: about a quarter of the Rasa server's CPU
per turn in `benchmarks/pipeline_vs_rasa.py --py-spy`. Here the validator is built and the
schema checked once per process; a response it accepts is accepted at once, and anything
else goes to Rasa's own method, which raises exactly the error it always did.

Installed when Rasa loads MARA's channel (nlu/channels.py, listed in credentials.yml), so
every Rasa server of `mara serve` has it. Runs in .venv-rasa; no application imports.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jsonschema import validators
from rasa.core.actions.action import RemoteAction

_rasa_validate = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    if response_validator().is_valid(result):
        return True
    return _rasa_validate(self, result)


def install() -> None:
    """Idempotent."""
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
