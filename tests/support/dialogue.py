"""A dialogue engine for the worker's tests: answers at once (or slowly, or not at all)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from mara.adapters.rasa import RasaUnavailable


class ScriptedDialogue:
    """Answers "eco: <text>"; can be slow or down."""

    def __init__(self, delay: float = 0.0, down: bool = False):
        self.delay = delay
        self.down = down
        self.seen: list[str] = []
        self.active = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def check_action_server(self) -> None:
        if self.down:
            raise RasaUnavailable("action server: ConnectionError")

    def converse(self, sender: str, text: str, metadata: dict) -> list[str]:
        if self.down:  # as RasaClient when Rasa is away or refuses the turn (503)
            raise RasaUnavailable("rasa answered 503")
        with self._lock:
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        time.sleep(self.delay)
        with self._lock:
            self.active -= 1
            self.seen.append(text)
        return [f"eco: {text[:20]}"]

    def converse_with_nlu(self, sender: str, text: str, metadata: dict):
        nlu = {"text": text, "intent": {"name": "eco"}}
        return self.converse(sender, text, metadata), nlu, frozenset()


def with_dialogue(runtime, dialogue):
    return replace(runtime, conversation=replace(runtime.conversation, dialogue=dialogue))
