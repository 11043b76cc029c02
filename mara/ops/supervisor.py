"""`mara serve`: start web, worker, rasa, actions and the scheduler (and the embedded Redis),
and keep them running: a child that dies is restarted after a backoff (1 s, 2 s, 4 s… up
to a minute; reset once it has stayed up a minute) while the others go on. Ctrl-C or
SIGTERM stops them all."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import requests

from mara.adapters.rasa_training import rasa_api_token
from mara.jobs.priority import renice
from mara.ops import embedded_redis
from mara.settings import ROOT, Settings, embedded_redis_url_file, private_files, var_dir

VENV_BIN = Path(sys.executable).parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_LOGGING = ROOT / "mara" / "ops" / "rasa_logging.yml"

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
STABLE_AFTER = 60.0  # a child up this long has recovered: its next death waits 1 s again
STARTUP_FAILURES = 3  # deaths before readiness that mean a broken install, not bad luck


def backoff_delay(failures: int) -> float:
    """Seconds before the restart after `failures` quick deaths in a row (1, 2, 4… 60)."""
    return min(BACKOFF_FIRST * 2 ** max(failures - 1, 0), BACKOFF_MAX)


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
        # endpoints.yml sends it as `token=`; the action server refuses calls without it.
        "MARA_ACTIONS_TOKEN": settings.actions_token,
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
    env: dict[str, str] = field(default_factory=dict)
    # Lower CPU priority than the web tier's: when the CPUs are full, Twilio's webhooks are
    # acknowledged first (they time out), then Rasa's turns, then everything else.
    nice: int = 0
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.returncode


def rasa_command(model: Path, port: int) -> list[str]:
    return [
        str(RASA_BIN),
        "run",
        "--model",
        str(model),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "--port",
        str(port),
        "--interface",
        "127.0.0.1",
        "--logging-config-file",
        str(RASA_LOGGING),
        # `mara model publish/rollback` swap the model in place (PUT /model).
        "--enable-api",
        "--auth-token",
        rasa_api_token(),
    ]


def web_command(settings: Settings) -> list[str]:
    """gunicorn serving the web tier: Twilio's webhooks, the staff pages and the API."""
    return [
        str(VENV_BIN / "gunicorn"),
        "--bind",
        f"{os.environ.get('MARA_BIND', '127.0.0.1')}:{settings.port}",
        "--workers",
        os.environ.get("MARA_WEB_WORKERS", "2"),
        # Threads overlap a webhook's database and Redis waits (bursts of webhooks).
        "--threads",
        os.environ.get("MARA_WEB_THREADS", "4"),
        "--access-logfile",
        "-",
        # key=value: a status and a size never read as one long (masked) number.
        "--access-logformat",
        '"%(r)s" status=%(s)s bytes=%(B)s duration_ms=%(M)s',
        # Without the line of each recorded delivery-status callback (mara.web.access_log).
        "--logger-class",
        "mara.web.access_log.AccessLogger",
        "webhook:create_app()",
    ]


RASA_NICE = 2
TRAINING_NICE = 10


def commands(settings: Settings, model: Path, workers: int | None = None) -> list[Child]:
    """The children: actions, one Rasa server per RASA_URL entry (they share the tracker and
    lock stores), web, one pool of `workers` worker processes (MARA_WORKERS), the scheduler
    and the trainer's worker (the mara-training queue)."""
    rasa_urls = settings.rasa_urls or (settings.rasa_url,)
    children = [
        Child(
            "actions",
            [
                str(VENV_BIN / "python"),
                "-m",
                "mara.ops.action_server",
                "--actions",
                "actions",
                "--port",
                str(settings.action_server_port),
            ],
        ),
        *(
            Child(
                "rasa" if i == 0 else f"rasa{i + 1}",
                rasa_command(model, urlsplit(url).port or 5005),
                # mara.logs (standard library only) masks personal data in Rasa's logs.
                env={"PYTHONPATH": str(ROOT)},
                nice=RASA_NICE,
            )
            for i, url in enumerate(rasa_urls)
        ),
        Child("web", web_command(settings)),
        Child(
            "worker",
            [
                str(VENV_BIN / "python"),
                "-m",
                "mara.jobs.worker",
                "--processes",
                str(workers or settings.workers),
            ],
        ),
    ]
    children.append(
        Child(
            "scheduler",
            [str(VENV_BIN / "python"), "-m", "mara.jobs.schedule", "--loop"],
            nice=settings.worker_nice,
        )
    )
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
            # Minutes of CPU: never at the expense of a person waiting for an answer.
            nice=TRAINING_NICE,
        )
    )
    return children


class Supervisor:
    """Runs the children in the foreground and restarts any that dies, with backoff."""

    def __init__(
        self,
        settings: Settings,
        model: Path,
        workers: int | None = None,
        log_dir: Path | None = None,
    ):
        self.settings = settings
        self.model = model
        self.workers = workers
        self.log_dir = log_dir
        self.children: list[Child] = []
        self.redis_process: subprocess.Popen | None = None
        self.redis_port: int | None = None
        self.env: dict[str, str] = {}

    def start(self) -> Settings:
        private_files()
        _tighten(var_dir())
        settings = self.settings
        if not settings.redis_url:
            self._start_redis()
            url = f"redis://127.0.0.1:{self.redis_port}/0"
            embedded_redis_url_file().write_text(url)
            os.environ["REDIS_URL"] = url
            settings = replace(settings, redis_url=url)
            self.settings = settings
            _wait_for_redis(url)
        self.env = {
            **os.environ,
            **rasa_environment(settings),
            "REDIS_URL": settings.redis_url or "",
        }
        for child in commands(settings, self.model, self.workers):
            self.children.append(child)
            self._spawn(child)
        return settings

    def _start_redis(self) -> None:
        self.redis_process, url = embedded_redis.start(var_dir() / "redis", port=self.redis_port)
        self.redis_port = urlsplit(url).port

    def _spawn(self, child: Child) -> None:
        out = None
        if self.log_dir:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{child.name}.log", "ab")  # noqa: SIM115
        child.process = subprocess.Popen(
            child.argv,
            cwd=ROOT,
            env={**self.env, **child.env},
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        # Set from here (no preexec_fn: unsafe with threads); what it forks later inherits.
        renice(child.process.pid, child.nice)
        if out:
            out.close()  # the child has its own descriptor
        child.started_at = time.monotonic()
        child.restart_at = None

    def tick(self, now: float | None = None) -> None:
        """Restart what died, each after its backoff; the others keep running meanwhile."""
        now = time.monotonic() if now is None else now
        if self.redis_process and self.redis_process.poll() is not None:
            _say(f"embedded redis exited with {self.redis_process.returncode}; restarting")
            self._start_redis()
        for child in self.children:
            process = child.process
            if process is None or process.poll() is None:
                continue
            if child.restart_at is None:
                if now - child.started_at >= STABLE_AFTER:
                    child.failures = 0
                child.failures += 1
                delay = backoff_delay(child.failures)
                child.restart_at = now + delay
                # Its process group too: a dead RQ worker must not leave a work-horse behind.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                _say(f"{child.name} exited with {process.returncode}; restarting in {delay:g} s")
            elif now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)
                _say(f"{child.name} restarted (restart {child.restarts})")

    def wait_ready(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.settings.port}/readyz"
        while time.monotonic() < deadline:
            self.tick()
            broken = next((c for c in self.children if c.failures >= STARTUP_FAILURES), None)
            if broken:
                raise RuntimeError(f"{broken.name} keeps exiting (last status {broken.exit_code})")
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError("MARA did not become ready in time (see /readyz)")

    def watch(self) -> int:
        """Keep the children running until Ctrl-C/SIGTERM/SIGHUP; then 0."""
        try:
            while True:
                self.tick()
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0

    def stop(self) -> None:
        """SIGTERM the children (SIGKILL after 15 s), then the embedded Redis they used."""
        _terminate([c.process for c in self.children if c.process])
        if self.redis_process:
            _terminate([self.redis_process])
            embedded_redis_url_file().unlink(missing_ok=True)


def _tighten(directory: Path) -> None:
    """Files an older version left readable by others (0644) become the owner's only."""
    for path in [directory, *directory.rglob("*")]:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode
            if mode & 0o077:
                path.chmod(mode & 0o700)


def _say(text: str) -> None:
    print(f"mara: {text}", file=sys.stderr, flush=True)


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
