"""Rasa's own test stories (tests/stories/): NLU and dialogue predictions on new texts."""

from __future__ import annotations

import os
import subprocess

from mara.settings import ROOT


def test_rasa_test_stories_pass(model, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("# the stories need no action server, tracker or lock store\n")
    result = subprocess.run(
        [
            str(ROOT / ".venv-rasa/bin/rasa"),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/stories",
            "--endpoints",
            str(endpoints),
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    failed = tmp_path / "results" / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
