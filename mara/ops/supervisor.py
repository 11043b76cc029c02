"""`mara serve`: start web, worker, rasa and actions (and the embedded Redis) and watch them."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests

from mara.ops import embedded_redis
from mara.ops.training import rasa_api_token
from mara.settings import ROOT, Settings, embedded_redis_url_file, var_dir

VENV_BIN = Path(sys.executable).parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


def rasa_environment(settings: Settings) -> dict[str, str]:
    """The variables endpoints.yml reads, derived from the application's settings."""
    db = settings.database_url
    if db.startswith("sqlite"):
        path = Path(db.split(":///", 1)[1])
        if not path.is_absolute():
            path = (Path.cwd() / path).resolve()
        dialect, tracker_url = "sqlite", f"sqlite:///{path}"
    else:
        # Rasa's own environment talks to PostgreSQL through psycopg2.
        scheme, rest = db.split("://", 1)
        dialect, tracker_url = "postgresql", f"postgresql://{rest}"
        if not scheme.startswith("postgresql"):
            raise ValueError("DATABASE_URL must be SQLite or PostgreSQL")
    redis = urlsplit(settings.redis_url or "")
    return {
        # Rasa must not phone home (telemetry, error reports): the network is the Caja's.
        "RASA_TELEMETRY_ENABLED": "false",
        "MARA_ACTION_ENDPOINT": f"{settings.action_server_url}/webhook",
        "MARA_TRACKER_DIALECT": dialect,
        "MARA_TRACKER_URL": tracker_url,
        "MARA_REDIS_HOST": redis.hostname or "127.0.0.1",
        "MARA_REDIS_PORT": str(redis.port or 6379),
        "MARA_REDIS_DB": (redis.path or "/0").lstrip("/") or "0",
        "MARA_REDIS_PASSWORD": redis.password or "",
    }


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None


def commands(settings: Settings, model: Path, workers: int = 1) -> list[Child]:
    rasa_port = urlsplit(settings.rasa_url).port or 5005
    children = [
        Child(
            "actions",
            [
                str(VENV_BIN / "python"),
                "-m",
                "rasa_sdk",
                "--actions",
                "actions",
                "--port",
                str(settings.action_server_port),
            ],
        ),
        Child(
            "rasa",
            [
                str(RASA_BIN),
                "run",
                "--model",
                str(model),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "--port",
                str(rasa_port),
                "--interface",
                "127.0.0.1",
                # `mara model publish/rollback` swap the model in place (PUT /model).
                "--enable-api",
                "--auth-token",
                rasa_api_token(),
            ],
        ),
        Child(
            "web",
            [
                str(VENV_BIN / "gunicorn"),
                "--bind",
                f"{os.environ.get('MARA_BIND', '127.0.0.1')}:{settings.port}",
                "--workers",
                os.environ.get("MARA_WEB_WORKERS", "2"),
                "--access-logfile",
                "-",
                "webhook:create_app()",
            ],
        ),
    ]
    # Trainers' "Entrenar" runs for minutes: its own worker, so replies never wait behind it.
    children.append(
        Child(
            "trainer",
            [
                str(VENV_BIN / "rq"),
                "worker",
                "--url",
                settings.redis_url or "",
                f"{settings.queue_name}-training",
            ],
        )
    )
    for i in range(workers):
        children.append(
            Child(
                f"worker{i + 1}" if workers > 1 else "worker",
                [
                    str(VENV_BIN / "rq"),
                    "worker",
                    "--with-scheduler",
                    "--worker-class",
                    "mara.jobs.worker.MaraWorker",
                    "--url",
                    settings.redis_url or "",
                    settings.queue_name,
                ],
            )
        )
    return children


class Supervisor:
    """Runs the children in the foreground; one crash stops them all with a non-zero status."""

    def __init__(
        self, settings: Settings, model: Path, workers: int = 1, log_dir: Path | None = None
    ):
        self.settings = settings
        self.model = model
        self.workers = workers
        self.log_dir = log_dir
        self.children: list[Child] = []
        self.redis_process: subprocess.Popen | None = None

    def start(self) -> Settings:
        settings = self.settings
        if not settings.redis_url:
            self.redis_process, url = embedded_redis.start(var_dir() / "redis")
            embedded_redis_url_file().write_text(url)
            os.environ["REDIS_URL"] = url
            settings = replace(settings, redis_url=url)
            self.settings = settings
            _wait_for_redis(url)
        env = {**os.environ, **rasa_environment(settings), "REDIS_URL": settings.redis_url or ""}
        for child in commands(settings, self.model, self.workers):
            out = None
            if self.log_dir:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                out = open(self.log_dir / f"{child.name}.log", "ab")  # noqa: SIM115
            child.process = subprocess.Popen(
                child.argv,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT if out else None,
                start_new_session=True,
            )
            self.children.append(child)
        return settings

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.settings.port}/readyz"
        while time.monotonic() < deadline:
            crashed = self.crashed()
            if crashed:
                raise RuntimeError(f"{crashed.name} exited with {crashed.process.returncode}")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError("MARA did not become ready in time (see /readyz)")

    def crashed(self) -> Child | None:
        for child in self.children:
            if child.process and child.process.poll() is not None:
                return child
        return None

    def watch(self) -> int:
        """Block until Ctrl-C/SIGTERM/SIGHUP (0) or a child's exit (1)."""
        try:
            while True:
                crashed = self.crashed()
                if crashed:
                    print(
                        f"mara: {crashed.name} stopped unexpectedly "
                        f"(exit {crashed.process.returncode}); stopping everything",
                        file=sys.stderr,
                    )
                    return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0

    def stop(self) -> None:
        """SIGTERM the children (SIGKILL after 15 s), then the embedded Redis they used."""
        _terminate([c.process for c in self.children if c.process])
        if self.redis_process:
            _terminate([self.redis_process])
            embedded_redis_url_file().unlink(missing_ok=True)


def _terminate(processes: list[subprocess.Popen], grace: float = 15) -> None:
    for p in processes:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def stop_on_signals() -> None:
    """SIGTERM (systemd, docker) and SIGHUP (a closed terminal) stop MARA like Ctrl-C does,
    so the children are never left running without their supervisor."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def _wait_for_redis(url: str, timeout: float = 10) -> None:
    from redis import Redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            Redis.from_url(url).ping()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
