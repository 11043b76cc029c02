"""Through MARA's channel, a turn that cannot reach the action server is not taken.

Rasa 3.6 runs a turn whose custom action cannot connect to the action server, logs the
error, drops that action's events and goes on: the conversation is saved without them (a
session never started, a form's answer never validated, a confirmed request never filed)
and the person is answered as if all went well. MARA's worker used to ask the action server
for /health before every turn to avoid that: a round trip per turn for both processes,
and still a window between the check and the turn.

Here the turn itself says so. Rasa saves a conversation only at the end of
`MessageProcessor.handle_message`, so an exception that its `except Exception` clauses let
through leaves the conversation exactly as it was. Inside MARA's channel (a context
variable: the REST channel and the HTTP API keep Rasa's behaviour), `RemoteAction.run`
turns "could not connect" (refused, reset, disconnected: `aiohttp.ClientConnectionError`)
into `ActionServerUnreachable`, a BaseException as asyncio's CancelledError is; Rasa's
lock on the conversation is released on the way out, and the channel answers 503. The
worker's job retries the message later, as when Rasa itself is down.

An action server that answers with an error is not this case: Rasa handles that as it
always has (the filing action reports its own failures in its events).

Installed when Rasa loads MARA's channel. Runs in .venv-rasa; no application imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.shared.exceptions import RasaException

_rasa_run = RemoteAction.run
_strict: ContextVar[bool] = ContextVar("mara_strict_actions", default=False)


class ActionServerUnreachable(BaseException):
    """The action server could not be reached during a strict turn: abandon the turn.
    Deliberately not an Exception: Rasa's processor catches those and carries on."""

    def __init__(self, action_name: str):
        super().__init__(f"action server unreachable (running {action_name})")
        self.action_name = action_name


def _could_not_connect(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, aiohttp.ClientConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _run(self: RemoteAction, *args: Any, **kwargs: Any) -> Any:
    try:
        return await _rasa_run(self, *args, **kwargs)
    except RasaException as exc:
        if _strict.get() and _could_not_connect(exc):
            raise ActionServerUnreachable(self.name()) from exc
        raise


@contextmanager
def strict() -> Iterator[None]:
    """Within this block (this task and the tasks it starts), an unreachable action server
    abandons the turn."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


def install() -> None:
    """Idempotent."""
    RemoteAction.run = _run  # type: ignore[method-assign]
