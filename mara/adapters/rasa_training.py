"""Training the Rasa model only when its inputs changed (a fingerprint names the model)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mara.policy.staff_texts import staff_text
from mara.settings import ROOT, _generated_secret

RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
MODELS = ROOT / "models"
INPUTS = ("domain.yml", "config.yml", "data", "nlu", "requirements/rasa.lock.txt")
# Code in nlu/ that a trained model does not contain (the server's channel, tools).
NOT_MODEL_INPUTS = frozenset({"nlu/channels.py", "nlu/plot.py"})


def fingerprint(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            if f.suffix == ".pyc" or not f.exists():
                continue
            if str(f.relative_to(root)) in NOT_MODEL_INPUTS:
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


# --- Trainer workspace: candidate models, the held-out comparison, publish and rollback ---

CANDIDATES = "models/candidates"
PUBLISHED = "models/published"
LIVE_POINTER = "models/LIVE"
HELD_OUT = "tests/nlu"
_EPOCHS_RE = re.compile(r"Epochs:\s+(\d+)%")

Progress = Callable[[str, int, str], None]


class TrainingFailed(Exception):
    """A pipeline step failed; the message ends with the step's last log lines."""


class PublishFailed(Exception):
    """Rasa did not load the model; the live model is unchanged."""


def rasa_api_token() -> str:
    """The token of Rasa's HTTP API (`rasa run --enable-api --auth-token`), shared by
    `mara serve` and whoever publishes a model: MARA_RASA_TOKEN or one kept in var/."""
    return os.environ.get("MARA_RASA_TOKEN") or _generated_secret("rasa-api-token")


def live_model(root: Path = ROOT) -> Path | None:
    """The model Rasa serves: the one last published or rolled back to, unless `mara train`
    trained the current data since (a changed domain needs its own model); else the newest."""
    pointer = root / LIVE_POINTER
    current = current_model(root)
    if pointer.exists():
        path = root / pointer.read_text(encoding="utf-8").strip()
        if path.exists() and (
            current is None or pointer.stat().st_mtime >= current.stat().st_mtime
        ):
            return path
    return current or latest_model(root)


def _set_live(model: Path, root: Path) -> None:
    pointer = root / LIVE_POINTER
    pointer.parent.mkdir(parents=True, exist_ok=True)
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(str(model.resolve().relative_to(root.resolve())) + "\n", encoding="utf-8")
    tmp.replace(pointer)


def _stream(argv: list[str], root: Path, on_line: Callable[[str], None]) -> int:
    """Run a Rasa command, handing each output line (tqdm's \\r updates too) to `on_line`."""
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "3",
        # Our NLU components (nlu/) load from the code, whatever folder holds the data.
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    pending = b""
    while chunk := process.stdout.read1(4096):  # type: ignore[attr-defined]
        pending += chunk
        *lines, pending = re.split(rb"[\r\n]", pending)
        for line in lines:
            if line.strip():
                on_line(line.decode("utf-8", "replace"))
    if pending.strip():
        on_line(pending.decode("utf-8", "replace"))
    return process.wait()


@dataclass(frozen=True)
class PipelineConfig:
    """What a run trains on; tests point it at a tiny config and data in a temp folder."""

    root: Path = ROOT
    config: str = "config.yml"
    domain: str = "domain.yml"
    data: str = "data"
    held_out: str = HELD_OUT
    nlu_only: bool = False
    out_dir: str = CANDIDATES


@dataclass(frozen=True)
class PipelineResult:
    candidate: Path
    live: Path | None
    report: dict


def run_pipeline(
    name: str, progress: Progress, cfg: PipelineConfig = PipelineConfig()
) -> PipelineResult:
    """validate → train a candidate → evaluate it and the live model on the held-out set."""
    from mara.adapters import rasa_evaluation as evaluation

    root = cfg.root
    tail: list[str] = []

    def logger(step: str, low: int, high: int) -> Callable[[str], None]:
        def on_line(line: str) -> None:
            tail.append(line)
            del tail[:-40]
            epochs = _EPOCHS_RE.search(line)
            percent = low + (high - low) * int(epochs.group(1)) // 100 if epochs else low
            progress(step, percent, line + "\n")

        return on_line

    def check(code: int, step: str) -> None:
        if code != 0:
            raise TrainingFailed(f"{step} failed (exit {code}):\n" + "\n".join(tail[-15:]))

    rasa = (
        str(root / ".venv-rasa" / "bin" / "rasa") if (root / ".venv-rasa").exists() else str(RASA)
    )
    progress("validate", 2, "rasa data validate\n")
    validate = [rasa, "data", "validate", "--domain", cfg.domain, "--data", cfg.data]
    check(_stream([*validate, "--config", cfg.config], root, logger("validate", 2, 10)), "validate")

    # The full model of the project's own inputs is also what `mara train` would build.
    own_inputs = not cfg.nlu_only and cfg == PipelineConfig(root=root)
    trained_fingerprint = fingerprint(root) if own_inputs else None
    progress("train", 10, "rasa train\n")
    out = root / cfg.out_dir
    out.mkdir(parents=True, exist_ok=True)
    train = [rasa, "train", "nlu", "--nlu", cfg.data] if cfg.nlu_only else [rasa, "train"]
    train += ["--config", cfg.config, "--domain", cfg.domain, "--out", str(out)]
    train += ["--fixed-model-name", name]
    if not cfg.nlu_only:
        train += ["--data", cfg.data]
    check(_stream(train, root, logger("train", 10, 70)), "train")
    candidate = out / f"{name}.tar.gz"
    if not candidate.exists():
        raise TrainingFailed(f"train wrote no {candidate.name}")

    progress("evaluate", 70, "evaluating the candidate on the held-out set\n")
    held_out = root / cfg.held_out
    report: dict[str, Any] = {
        "candidate": evaluation.evaluate(
            candidate,
            held_out,
            out / f"{name}-confusion.png",
            staff_text("training.candidate_matrix", model=name),
        )
    }
    live = live_model(root)
    if live is not None and live.resolve() != candidate.resolve():
        progress("evaluate", 85, "evaluating the live model on the held-out set\n")
        report["live"] = evaluation.evaluate(
            live,
            held_out,
            out / f"{name}-live-confusion.png",
            staff_text("training.live_matrix", model=live.name),
        )
    if trained_fingerprint:
        report["fingerprint"] = trained_fingerprint
    progress("done", 100, "done\n")
    return PipelineResult(candidate, live, report)


def push_to_rasa(rasa_url: str, model: Path, token: str, timeout: float = 600) -> None:
    """Make the running Rasa serve `model` without a restart (`PUT /model`)."""
    try:
        response = requests.put(
            f"{rasa_url}/model",
            params={"token": token},
            json={"model_file": str(model.resolve())},
            timeout=timeout,
        )
    except requests.ConnectionError as exc:
        raise PublishFailed("Rasa is not running; start it (mara serve) and try again") from exc
    if response.status_code != 204:
        raise PublishFailed(f"Rasa answered {response.status_code}: {response.text[:300]}")


def rasa_model_file(rasa_url: str, token: str) -> str | None:
    """The model file the running Rasa serves (`GET /status`), None when it is not up."""
    try:
        response = requests.get(f"{rasa_url}/status", params={"token": token}, timeout=10)
    except requests.RequestException:
        return None
    return response.json().get("model_file") if response.ok else None


def publish_model(rasa_url: str, candidate: Path, root: Path = ROOT, push: bool = True) -> Path:
    """Copy the candidate among the published models, load it in Rasa, then point LIVE at it
    (Rasa first: a model Rasa refused never becomes live)."""
    published = root / PUBLISHED
    published.mkdir(parents=True, exist_ok=True)
    target = published / candidate.name
    if candidate.resolve() != target.resolve():
        shutil.copy2(candidate, target)
    if push:
        push_to_rasa(rasa_url, target, rasa_api_token())
    _set_live(target, root)
    return target


def restore_model(rasa_url: str, model: Path, root: Path = ROOT, push: bool = True) -> Path:
    if not model.exists():
        raise PublishFailed(f"{model.name} is no longer on disk")
    if push:
        push_to_rasa(rasa_url, model, rasa_api_token())
    _set_live(model, root)
    return model
