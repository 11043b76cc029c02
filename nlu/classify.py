"""Classify texts with the trained model: one text per stdin line → one JSON line each.

Runs in .venv-rasa (`mara nlu classify` calls it). A PQRS intent is `pqrs_<type>`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys

PQRS_TYPES = {"peticion", "queja", "reclamo", "sugerencia", "felicitacion", "informacion"}


def pqrs_type(intent: str | None) -> str | None:
    if intent and intent.startswith("pqrs_") and intent[5:] in PQRS_TYPES:
        return intent[5:]
    return None


async def classify(model_path: str, lines: list[str], out) -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    for line in lines:
        text = line.rstrip("\n")
        if not text.strip():
            result = {"text": text, "pqrs_type": None, "confidence": 0.0, "intent": None}
        else:
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            name = intent.get("name")
            confidence = float(intent.get("confidence") or 0.0)
            # Below the fallback threshold the model is not sure: not reported as a PQRS.
            result = {
                "text": text,
                "pqrs_type": pqrs_type(name),
                "confidence": round(confidence, 4),
                "intent": name,
            }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
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
