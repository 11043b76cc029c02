"""Classify texts with the trained model: one text per stdin line → one JSON line each.

Runs in .venv-rasa (`mara nlu classify` calls it). A PQRS intent is `pqrs_<type>`;
`ask_service` (a question about a service) counts as `informacion`.

Each line: {"text", "pqrs_type", "confidence", "intent", "sure"}
- "intent": the model's top intent, `nlu_fallback` when the fallback fired.
- "pqrs_type": the type of the best real intent of the ranking (the fallback left
  aside) when that intent is a PQRS one, else null; so a message the model is unsure
  about still gets the type AU would most likely give it.
- "confidence": the confidence of that best real intent.
- "sure": whether the top intent cleared the fallback (threshold and ambiguity).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from typing import Any

PQRS_TYPES = {"peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"}
FALLBACK = "nlu_fallback"
# A question about a service is a "solicitud de información" in AU's terms: the bot answers
# it where config/services.yml knows, and files it as one otherwise (actions/offers.py).
SERVICE_QUESTION = "ask_service"


def pqrs_type(intent: str | None) -> str | None:
    if intent == SERVICE_QUESTION:
        return "informacion"
    if intent and intent.startswith("pqrs_") and intent[5:] in PQRS_TYPES:
        return intent[5:]
    return None


def best_intent(parsed: dict[str, Any]) -> tuple[str | None, float]:
    """The best intent of the ranking that is not the fallback, with its confidence."""
    ranking = parsed.get("intent_ranking") or []
    for item in ranking:
        if item.get("name") and item["name"] != FALLBACK:
            return item["name"], float(item.get("confidence") or 0.0)
    top = parsed.get("intent") or {}
    if top.get("name") and top["name"] != FALLBACK:
        return top["name"], float(top.get("confidence") or 0.0)
    return None, 0.0


def row(text: str, parsed: dict[str, Any] | None) -> dict[str, Any]:
    """One output line for a text and Rasa's parse of it (None for a blank line)."""
    if parsed is None:
        return {"text": text, "pqrs_type": None, "confidence": 0.0, "intent": None, "sure": False}
    top = (parsed.get("intent") or {}).get("name")
    name, confidence = best_intent(parsed)
    return {
        "text": text,
        "pqrs_type": pqrs_type(name),
        "confidence": round(min(max(confidence, 0.0), 1.0), 4),
        "intent": top,
        "sure": top is not None and top != FALLBACK,
    }


async def classify(model_path: str, lines: list[str], out) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for line in lines:
        text = line.rstrip("\n")
        parsed = await agent.parse_message(text) if text.strip() else None
        out.write(json.dumps(row(text, parsed), ensure_ascii=False) + "\n")
        out.flush()


def main() -> int:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)
    model_path = sys.argv[1]
    # Rasa's logs print to stdout; stdout must carry only the JSON lines.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(classify(model_path, sys.stdin.readlines(), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
