"""Run a script in Rasa's own environment (.venv-rasa), as Rasa would import our nlu/ code."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from mara.settings import ROOT


def run_in_rasa(script: str, *args: str) -> Any:
    """Run `script` with `.venv-rasa`'s Python from the repository root and return the JSON
    its last line of output prints."""
    result = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), "-c", script, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
