"""Training the Rasa model only when its inputs changed (a fingerprint names the model)."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from mara.settings import ROOT

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS = ROOT / "models"
INPUTS = ("domain.yml", "config.yml", "data", "nlu", "requirements/rasa.lock.txt")


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".pyc" or not f.exists():
                continue
            digest.update(str(f.relative_to(root)).encode())
            digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def current_model(root: Path = ROOT) -> Path | None:
    path = root / "models" / f"mara-{fingerprint(root)}.tar.gz"
    return path if path.exists() else None


def latest_model(root: Path = ROOT) -> Path | None:
    models = sorted((root / "models").glob("mara-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def train(force: bool = False, root: Path = ROOT) -> Path:
    existing = current_model(root)
    if existing and not force:
        return existing
    name = f"mara-{fingerprint(root)}"
    subprocess.run(
        [
            str(RASA),
            "train",
            "--fixed-model-name",
            name,
            "--out",
            "models",
            "--domain",
            "domain.yml",
            "--config",
            "config.yml",
            "--data",
            "data",
        ],
        cwd=root,
        check=True,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )
    model = root / "models" / f"{name}.tar.gz"
    for old in (root / "models").glob("mara-*.tar.gz"):
        if old != model:
            old.unlink()
    return model
