"""MARA's Rasa input channel: Rasa's REST channel that also returns what the NLU understood.

Runs in .venv-rasa (registered in credentials.yml as `nlu.channels.MaraRestInput`); no
application imports. `POST /webhooks/mara/webhook` takes the REST channel's body
(`sender`, `message`, `metadata`) and answers
`{"messages": [<the REST channel's bot messages>], "nlu": <the user message's parse_data>}`,
so the worker stores the NLU result of every message without a second call. A turn that
cannot reach the action server is abandoned, nothing of it saved, and answered 503 (the
worker retries it; nlu/strict_actions.py).
"""

from __future__ import annotations

import copy
import inspect
import logging
import os
from asyncio import CancelledError
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from nlu import speedups, strict_actions

logger = logging.getLogger(__name__)
# A turn of this channel that cannot reach the action server is abandoned, not saved
# without the actions' events (nlu/strict_actions.py): the worker retries it.
strict_actions.install()
# MARA_RASA_SPEEDUPS=0 runs Rasa as shipped (to measure what the speedups are worth).
if os.environ.get("MARA_RASA_SPEEDUPS", "1") != "0":
    speedups.install()

# What is kept of Rasa's parse_data: enough for trainers, without the model's internals.
NLU_KEYS = ("text", "intent", "entities", "intent_ranking")
RANKING_KEPT = 10


def summary(parse_data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not parse_data:
        return None
    kept = {key: copy.deepcopy(parse_data.get(key)) for key in NLU_KEYS}
    kept["intent_ranking"] = (kept.get("intent_ranking") or [])[:RANKING_KEPT]
    kept["entities"] = [
        {k: v for k, v in e.items() if k in ("entity", "value", "start", "end", "extractor")}
        for e in kept.get("entities") or []
    ]
    return kept


class MaraRestInput(RestInput):
    """The REST channel, parsing the message first so its result travels back in the answer.

    The parse is done once: Rasa's processor takes a `UserMessage` that already carries
    `parse_data` as it is (MessageProcessor._handle_message_with_tracker), exactly as it
    would have parsed it itself (the NLU graph does not read the tracker).
    """

    @classmethod
    def name(cls) -> str:
        return "mara"

    def blueprint(self, on_new_message) -> Blueprint:
        module = inspect.getmodule(self)
        webhook = Blueprint(
            f"custom_webhook_{type(self).__name__}", module.__name__ if module else None
        )

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            sender_id = await self._extract_sender(request)
            text = self._extract_message(request)
            input_channel = self._extract_input_channel(request)
            metadata = self.get_metadata(request)
            agent = request.app.ctx.agent
            collector = CollectingOutputChannel()
            parse_data = None
            try:
                if agent is not None and agent.is_ready():
                    parse_data = await agent.processor.parse_message(
                        UserMessage(text, sender_id=sender_id, metadata=metadata)
                    )
                with strict_actions.strict():
                    await on_new_message(
                        UserMessage(
                            text,
                            collector,
                            sender_id,
                            parse_data=parse_data,
                            input_channel=input_channel,
                            metadata=metadata,
                        )
                    )
            except strict_actions.ActionServerUnreachable as exc:
                # Nothing of the turn was saved: the worker retries it later.
                logger.warning("mara channel: turn abandoned, %s", exc)
                return response.json({"error": "action server unreachable"}, status=503)
            except CancelledError:
                logger.error("mara channel: the turn timed out")
                return response.json({"error": "timeout"}, status=503)
            except Exception:
                # Unlike the REST channel, a failed turn is an error: the worker retries it.
                logger.exception("mara channel: the turn failed")
                return response.json({"error": "turn failed"}, status=500)
            return response.json({"messages": collector.messages, "nlu": summary(parse_data)})

        return webhook
