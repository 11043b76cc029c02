"""Talks to the Rasa servers' REST channel (and checks the action server is up), over one
pooled HTTP session per process so a turn does not pay a new connection."""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Sequence
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class RasaUnavailable(Exception):
    """Rasa or the action server could not take the turn; the job retries."""


def pooled_session(connections: int = 32) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class RasaClient:
    """One or more Rasa servers sharing the tracker and lock stores. A person always goes to
    the same server (their turns stay in one server's queue); any server could answer."""

    def __init__(
        self,
        rasa_urls: Sequence[str],
        action_server_url: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        actions_check_every: float = 0.0,
    ):
        if not rasa_urls:
            raise ValueError("at least one Rasa URL is needed")
        self.rasa_urls = tuple(u.rstrip("/") for u in rasa_urls)
        self.action_server_url = action_server_url.rstrip("/")
        self.session = session or pooled_session()
        self.timeout = timeout
        self._actions_check_every = actions_check_every
        self._actions_ok_at = float("-inf")
        self._lock = threading.Lock()

    def server_for(self, sender: str) -> str:
        return self.rasa_urls[zlib.crc32(sender.encode()) % len(self.rasa_urls)]

    def check_action_server(self) -> None:
        """Raises RasaUnavailable when the action server is down: Rasa would otherwise run the
        turn, lose the actions' events without saying so (a confirmed request never filed),
        and answer as if all went well. Checked before every turn by default (one local GET);
        `actions_check_every` trusts a success for that many seconds."""
        if time.monotonic() - self._actions_ok_at < self._actions_check_every:
            return
        try:
            self.session.get(f"{self.action_server_url}/health", timeout=3).raise_for_status()
        except requests.RequestException as exc:
            raise RasaUnavailable(f"action server: {type(exc).__name__}") from exc
        with self._lock:
            self._actions_ok_at = time.monotonic()

    def forget_action_server(self) -> None:
        """Check again on the next turn (after a failure)."""
        with self._lock:
            self._actions_ok_at = float("-inf")

    def _post(self, sender: str, channel: str, text: str, metadata: dict) -> Any:
        """One user turn posted to a Rasa channel; Rasa down or failing is RasaUnavailable."""
        try:
            response = self.session.post(
                f"{self.server_for(sender)}/webhooks/{channel}/webhook",
                json={"sender": sender, "message": text, "metadata": metadata},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            self.forget_action_server()
            raise RasaUnavailable(f"rasa: {type(exc).__name__}") from exc
        if response.status_code >= 500:
            self.forget_action_server()
            raise RasaUnavailable(f"rasa answered {response.status_code}")
        response.raise_for_status()
        return response.json()

    def converse(self, sender: str, text: str, metadata: dict) -> list[str]:
        """One user turn; returns the bot's texts in order."""
        return [
            item["text"] for item in self._post(sender, "rest", text, metadata) if item.get("text")
        ]

    def converse_with_nlu(
        self, sender: str, text: str, metadata: dict
    ) -> tuple[list[str], dict | None]:
        """One user turn through MARA's channel (nlu/channels.py): the bot's texts in order
        and what the NLU understood of the message (intent, entities, ranking), in one call."""
        body = self._post(sender, "mara", text, metadata)
        texts = [item["text"] for item in body.get("messages") or [] if item.get("text")]
        return texts, body.get("nlu")
