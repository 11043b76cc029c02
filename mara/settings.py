"""Runtime configuration read from the environment (the variables of README's Configuration)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


PRIVATE_UMASK = 0o077


def private_files() -> None:
    """Files this process creates are its owner's only (0600, directories 0700): the
    database, logs, media, secrets and Redis's dump hold personal data."""
    os.umask(PRIVATE_UMASK)


def var_dir(env: Mapping[str, str] | None = None) -> Path:
    private_files()
    path = Path((os.environ if env is None else env).get("MARA_VAR_DIR", ROOT / "var"))
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # someone else's directory: leave it
            path.chmod(0o700)
    return path


def _generated_secret(name: str, env: Mapping[str, str] | None = None) -> str:
    """A random secret kept under var/ so every process of one install shares it."""
    path = var_dir(env) / name
    if not path.exists():
        # O_EXCL: two processes starting together must not write two different secrets.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()


def embedded_redis_url_file(env: Mapping[str, str] | None = None) -> Path:
    return var_dir(env) / "redis.url"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    port: int
    public_url: str
    twilio_account_sid: str | None
    twilio_auth_token: str
    twilio_whatsapp_number: str | None
    twilio_api_base_url: str
    rasa_url: str
    action_server_port: int
    secret_key: str
    retry_intervals: tuple[int, ...]
    queue_name: str = "mara"
    smtp_url: str | None = None
    mail_from: str = "MARA <no-reply@comfenalcoquindio.co>"
    # Approved Content API templates for messages outside WhatsApp's 24-hour window.
    template_answer_sid: str | None = None
    template_survey_sid: str | None = None
    template_reminder_sid: str | None = None
    media_dir: str = ""
    # Shared by Rasa (endpoints.yml `token:`) and the action server (mara.ops.action_server).
    actions_token: str = ""
    # After a send job's quick retries: further tries at these offsets (seconds) from the
    # message's creation, by the recovery sweep; then it is failed and staff are alerted.
    long_retry_offsets: tuple[int, ...] = (60, 180, 480, 1080, 2280, 4680, 8280, 15480, 29880)
    twilio_timeout: float = 15.0
    # Throughput: worker processes, and how long a dead job's per-person lock can block.
    workers: int = 4
    # Workers run this much nicer than the web tier and Rasa: when the CPUs are full, acks
    # to Twilio and Rasa's turns go first, and the worker's own bookkeeping waits.
    worker_nice: int = 5
    lock_ttl: int = 10
    # NLU and dialogue see at most this much of a message; the full text stays stored.
    nlu_max_chars: int = 1000
    # RASA_URL may list several servers (comma-separated) sharing tracker and lock stores;
    # `rasa_url` is the first one.
    rasa_urls: tuple[str, ...] = ()
    # The Rasa project the trainer workspace exports to, trains in and publishes from
    # (domain.yml, config.yml, data/, tests/nlu/, models/).
    training_root: Path = ROOT

    @property
    def twilio_enabled(self) -> bool:
        """Real sending needs an account; the signing token alone is not enough."""
        return bool(self.twilio_account_sid and self.twilio_whatsapp_number)

    @property
    def action_server_url(self) -> str:
        return f"http://127.0.0.1:{self.action_server_port}"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, or from `env` (another process's environment)."""
    env = os.environ if env is None else env
    port = int(env.get("MARA_PORT", "5000"))
    redis_url = env.get("REDIS_URL")
    if not redis_url and embedded_redis_url_file(env).exists():
        redis_url = embedded_redis_url_file(env).read_text().strip() or None
    rasa_urls = tuple(
        u.strip().rstrip("/")
        for u in (env.get("RASA_URL") or "http://127.0.0.1:5005").split(",")
        if u.strip()
    )
    intervals = tuple(int(x) for x in env.get("MARA_RETRY_INTERVALS", "3,15,60").split(","))
    return Settings(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir(env) / 'mara.db'}",
        redis_url=redis_url,
        port=port,
        public_url=(env.get("PUBLIC_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
        twilio_account_sid=env.get("TWILIO_ACCOUNT_SID") or None,
        # Without a real token, requests are signed with a local one (mara chat/say use it).
        twilio_auth_token=env.get("TWILIO_AUTH_TOKEN")
        or _generated_secret("twilio-auth-token", env),
        twilio_whatsapp_number=env.get("TWILIO_WHATSAPP_NUMBER") or None,
        twilio_api_base_url=(env.get("TWILIO_API_BASE_URL") or "https://api.twilio.com").rstrip(
            "/"
        ),
        rasa_url=rasa_urls[0],
        rasa_urls=rasa_urls,
        action_server_port=int(env.get("ACTION_SERVER_PORT", "5055")),
        secret_key=env.get("MARA_SECRET_KEY") or _generated_secret("secret-key", env),
        retry_intervals=intervals,
        smtp_url=env.get("SMTP_URL") or None,
        mail_from=env.get("MARA_MAIL_FROM") or "MARA <no-reply@comfenalcoquindio.co>",
        template_answer_sid=env.get("TWILIO_TEMPLATE_ANSWER_SID") or None,
        template_survey_sid=env.get("TWILIO_TEMPLATE_SURVEY_SID") or None,
        template_reminder_sid=env.get("TWILIO_TEMPLATE_REMINDER_SID") or None,
        media_dir=env.get("MARA_MEDIA_DIR") or str(var_dir(env) / "media"),
        actions_token=env.get("MARA_ACTIONS_TOKEN") or _generated_secret("actions-token", env),
        long_retry_offsets=tuple(
            int(x)
            for x in env.get(
                "MARA_LONG_RETRY_OFFSETS", "60,180,480,1080,2280,4680,8280,15480,29880"
            ).split(",")
        ),
        twilio_timeout=float(env.get("MARA_TWILIO_TIMEOUT", "15")),
        workers=int(env.get("MARA_WORKERS") or default_workers()),
        worker_nice=int(env.get("MARA_WORKER_NICE", "5")),
        lock_ttl=int(env.get("MARA_LOCK_TTL", "10")),
        nlu_max_chars=int(env.get("MARA_NLU_MAX_CHARS", "1000")),
        training_root=Path(env.get("MARA_TRAINING_ROOT") or ROOT),
    )


def default_workers() -> int:
    """Workers mostly wait on Rasa and the network: two per core and one more keep Rasa's
    loop fed (on 2 cores, 5 workers did 0.79–0.86× of Rasa REST's turns/s where 4 did
    0.72–0.81×, three interleaved runs each; README, Benchmarks)."""
    return min(16, max(3, 2 * (os.cpu_count() or 1) + 1))
