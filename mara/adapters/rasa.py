"""Talks to the Rasa servers' REST channel (and checks the action server is up), and to
their HTTP API for what a turn left undone (run an action again, append events), over one
urllib3 connection pool per process: a turn pays no new connection, and none of requests'
per-call preparation (about half the client CPU of a local call; benchmarks/README)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import urllib3
from urllib3.exceptions import HTTPError as TransportError

from mara.domain.messages import SIGNAL_KEY


class RasaUnavailable(Exception):
    """Rasa or the action server could not take the turn; the job retries."""


def pooled_http(connections: int = 32) -> urllib3.PoolManager:
    """Keep-alive connections to each Rasa server and the action server; no automatic
    retries (the job's retries decide, and a turn must never be posted twice by itself)."""
    return urllib3.PoolManager(num_pools=8, maxsize=connections, retries=False)


def _texts(messages: list[dict] | None) -> list[str]:
    """The bot's texts among the messages Rasa collected, in order."""
    return [item["text"] for item in messages or [] if item.get("text")]


class RasaClient:
    """One or more Rasa servers sharing the tracker and lock stores. A person always goes to
    the same server (their turns stay in one server's queue); any server could answer."""

    def __init__(
        self,
        rasa_urls: Sequence[str],
        action_server_url: str,
        http: urllib3.PoolManager | None = None,
        timeout: float = 30.0,
        api_token: str | None = None,
    ):
        if not rasa_urls:
            raise ValueError("at least one Rasa URL is needed")
        self.rasa_urls = tuple(u.rstrip("/") for u in rasa_urls)
        self.action_server_url = action_server_url.rstrip("/")
        self.http = http or pooled_http()
        self.timeout = timeout
        self.api_token = api_token

    def server_for(self, sender: str) -> str:
        return self.rasa_urls[zlib.crc32(sender.encode()) % len(self.rasa_urls)]

    def check_action_server(self) -> None:
        """Raises RasaUnavailable when the action server is down, before a call to Rasa's HTTP
        API (run an action again): there Rasa would run the action against a dead server,
        lose its events without saying so and answer as if all went well. A turn needs no
        check: MARA's channel abandons a turn that cannot reach the action server and answers
        503 (nlu/strict_actions.py)."""
        try:
            status = self.http.request(
                "GET", f"{self.action_server_url}/health", timeout=3.0
            ).status
        except TransportError as exc:
            raise RasaUnavailable(f"action server: {type(exc).__name__}") from exc
        if status != 200:
            raise RasaUnavailable(f"action server answered {status}")

    def _post(self, sender: str, channel: str, text: str, metadata: dict) -> Any:
        """One user turn posted to a Rasa channel; Rasa down or failing is RasaUnavailable."""
        try:
            response = self.http.request(
                "POST",
                f"{self.server_for(sender)}/webhooks/{channel}/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self.timeout,
            )
        except TransportError as exc:
            raise RasaUnavailable(f"rasa: {type(exc).__name__}") from exc
        if response.status >= 500:
            raise RasaUnavailable(f"rasa answered {response.status}")
        if response.status >= 400:
            raise RuntimeError(f"rasa refused the turn ({response.status})")
        return response.json()

    def converse(self, sender: str, text: str, metadata: dict) -> list[str]:
        """One user turn; returns the bot's texts in order. Through MARA's channel, as every
        turn: one that cannot reach the action server is abandoned, not taken half."""
        return _texts(self._post(sender, "mara", text, metadata).get("messages"))

    def converse_with_nlu(
        self, sender: str, text: str, metadata: dict
    ) -> tuple[list[str], dict | None, frozenset[str]]:
        """One user turn through MARA's channel (nlu/channels.py): the bot's texts in order,
        what the NLU understood of the message (intent, entities, ranking) and the actions'
        signals (custom messages {SIGNAL_KEY: name}), in one call."""
        body = self._post(sender, "mara", text, metadata)
        messages = body.get("messages") or []
        signals = frozenset(
            item["custom"][SIGNAL_KEY]
            for item in messages
            if isinstance(item.get("custom"), dict) and SIGNAL_KEY in item["custom"]
        )
        return _texts(messages), body.get("nlu"), signals

    def _api(self, sender: str, path: str, body: Any) -> Any:
        """One call to Rasa's HTTP API (`rasa run --enable-api`) about this person's
        conversation; Rasa down or failing is RasaUnavailable."""
        query = urlencode({"token": self.api_token or "", "include_events": "NONE"})
        try:
            response = self.http.request(
                "POST",
                f"{self.server_for(sender)}/conversations/{quote(sender)}/{path}?{query}",
                json=body,
                timeout=self.timeout,
            )
        except TransportError as exc:
            raise RasaUnavailable(f"rasa api: {type(exc).__name__}") from exc
        if response.status >= 400:
            raise RasaUnavailable(f"rasa api answered {response.status}")
        return response.json()

    def run_action(self, sender: str, name: str) -> list[str]:
        """Run one action in the person's conversation again (a submit whose events were
        lost), then listen as after any turn; returns the bot's texts. An action that fails
        again is not an error here: Rasa keeps going, the caller checks what it left."""
        body = self._api(sender, "execute", {"name": name})
        self._api(sender, "execute", {"name": "action_listen"})
        return _texts(body.get("messages"))

    def record_outcome(self, sender: str, text: str, slot: str, form: str | None = None) -> None:
        """Record in the conversation a text the bot said outside a turn, with `slot`
        cleared; with `form`, the conversation is back at that form's question `slot` (its
        other answers kept), so the person's next answer goes to it."""
        reopen = [
            {"event": "active_loop", "name": form},
            {"event": "slot", "name": "requested_slot", "value": slot},
        ]
        self._api(
            sender,
            "tracker/events",
            [
                {"event": "slot", "name": slot, "value": None},
                *(reopen if form else []),
                {"event": "bot", "text": text},
                {"event": "action", "name": "action_listen"},
            ],
        )
