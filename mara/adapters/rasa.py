"""Talks to the Rasa server's REST channel (and checks the action server is up)."""

from __future__ import annotations

import requests


class RasaUnavailable(Exception):
    """Rasa or the action server could not take the turn; the job retries."""


def check_action_server(url: str, timeout: float = 3.0) -> None:
    try:
        requests.get(f"{url}/health", timeout=timeout).raise_for_status()
    except requests.RequestException as exc:
        raise RasaUnavailable(f"action server: {type(exc).__name__}") from exc


def converse(
    rasa_url: str, sender: str, text: str, metadata: dict, timeout: float = 30.0
) -> list[str]:
    """One user turn; returns the bot's texts in order."""
    try:
        response = requests.post(
            f"{rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise RasaUnavailable(f"rasa: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise RasaUnavailable(f"rasa answered {response.status_code}")
    response.raise_for_status()
    return [item["text"] for item in response.json() if item.get("text")]


def converse_with_nlu(
    rasa_url: str, sender: str, text: str, metadata: dict, timeout: float = 30.0
) -> tuple[list[str], dict | None]:
    """One user turn through MARA's channel (nlu/channels.py): the bot's texts in order and
    what the NLU understood of the message (intent, entities, ranking), in one call."""
    try:
        response = requests.post(
            f"{rasa_url}/webhooks/mara/webhook",
            json={"sender": sender, "message": text, "metadata": metadata},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise RasaUnavailable(f"rasa: {type(exc).__name__}") from exc
    if response.status_code >= 500:
        raise RasaUnavailable(f"rasa answered {response.status_code}")
    response.raise_for_status()
    body = response.json()
    texts = [item["text"] for item in body.get("messages") or [] if item.get("text")]
    return texts, body.get("nlu")
