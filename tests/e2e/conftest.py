"""The whole MARA: real Rasa model, action server, web, workers, Redis and the Twilio API."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from mara.adapters import rasa_training as training
from mara.ops.chat import inbound_form, signed_post, wait_for_replies
from mara.ops.embedded_redis import free_port
from mara.ops.supervisor import commands, rasa_environment
from mara.settings import ROOT, load_settings
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, make_database


def e2e_redis_url(redis_url: str) -> str:
    """The session's Redis server, the database number after the integration tests' one."""
    base, db = redis_url.rsplit("/", 1)
    return f"{base}/{int(db) + 1}"


def service_env(database_url: str, redis_url: str, twilio_base: str, tmp: Path) -> dict:
    """The environment variables of README's Configuration for one MARA on free local ports."""
    port = free_port()
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "MARA_PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "ACTION_SERVER_PORT": str(free_port()),
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886",
        "TWILIO_API_BASE_URL": twilio_base,
        "MARA_VAR_DIR": str(tmp / "var"),
    }


class Stack:
    """web + a pool of 2 workers + rasa + actions as real processes, each stoppable alone."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.settings = None
        self.processes: dict[str, subprocess.Popen] = {}
        self.argv: dict[str, list[str]] = {}
        self.child_env: dict[str, dict[str, str]] = {}

    def start_all(self, model: Path) -> None:
        self.settings = load_settings({**os.environ, **self.env})
        self.env.update(rasa_environment(self.settings))
        for child in commands(self.settings, model, workers=2):
            self.argv[child.name] = child.argv
            self.child_env[child.name] = child.env
            self.start(child.name)
        self.wait_ready()

    def start(self, name: str) -> None:
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            self.argv[name],
            cwd=ROOT,
            env={**os.environ, **self.env, **self.child_env.get(name, {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, name: str) -> None:
        """As `mara serve` stops a child: its whole process group (each child runs in a
        session of its own), so nothing it forked (a worker, RQ's scheduler) outlives it."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # whatever is left of the group
        process.wait()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def wait_ready(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.settings.port}/readyz"
        last = None
        while time.monotonic() < deadline:
            for name, p in self.processes.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited; see {self.log_dir / (name + '.log')}")
            try:
                last = requests.get(url, timeout=2)
                if last.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"stack not ready: {last.text if last is not None else 'no answer'}")

    def post(self, form: dict[str, str], signature_settings=None) -> requests.Response:
        return signed_post(
            signature_settings or self.settings,
            "/twilio/whatsapp",
            form,
            base_url=f"http://127.0.0.1:{self.settings.port}",
        )

    def send(self, wa_number: str, body: str, **extra: str) -> dict[str, str]:
        form = inbound_form(f"whatsapp:+{wa_number}", body)
        form.update(extra)
        response = self.post(form)
        assert response.status_code == 200, response.text
        return form

    def turn(self, wa_number: str, body: str, timeout: float = 60, **extra: str) -> list[str]:
        """Send one message and return MARA's replies to it, once all are sent."""
        form = self.send(wa_number, body, **extra)
        return wait_for_replies(self.settings, form["MessageSid"], timeout)

    def conversation(self, wa_number: str, *messages: str) -> list[list[str]]:
        return [self.turn(wa_number, m) for m in messages]

    def set_clock(self, instant: str) -> None:
        """Restart the action server with another MARA_CLOCK (the instant domain rules use)."""
        self.env["MARA_CLOCK"] = instant
        self.stop("actions")
        self.start("actions")
        self.wait_ready()

    def forged_settings(self):
        return replace(self.settings, twilio_auth_token="not-the-token")


@pytest.fixture(scope="session")
def model() -> Path:
    """The trained model (make test trains it; trained here when run alone)."""
    return training.train()


@pytest.fixture(scope="session")
def stack(model, redis_url, twilio_api, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    database_url, _ = make_database("sqlite", tmp)
    env = {
        **service_env(database_url, e2e_redis_url(redis_url), twilio_api.base_url, tmp),
        "MARA_RETRY_INTERVALS": "1,2,2",
        # A killed job's person lock expires in 3 s (test_spine kills a worker mid-turn).
        "MARA_LOCK_TTL": "3",
        "MARA_WEB_WORKERS": "2",
        # Friday 2026-12-04 10:00 in Bogotá: the deadline example of the calendar tests.
        "MARA_CLOCK": "2026-12-04T10:00:00-05:00",
    }
    from redis import Redis

    Redis.from_url(env["REDIS_URL"]).flushdb()
    log_dir = tmp / "logs"
    log_dir.mkdir()
    stack = Stack(env, log_dir)
    try:
        stack.start_all(model)
        yield stack
    finally:
        stack.stop_all()
