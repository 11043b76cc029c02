"""The supervisor restarts a dead child after a growing backoff and leaves the others alone."""

from __future__ import annotations

import os
import sys
import time

from mara.ops.supervisor import STABLE_AFTER, Child, Supervisor, backoff_delay


def test_backoff_doubles_from_one_second_up_to_a_minute():
    assert [backoff_delay(n) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def _wait_dead(child: Child) -> None:
    deadline = time.monotonic() + 10
    while child.process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_dead_child_is_restarted_after_its_backoff_and_the_others_keep_running(tmp_path):
    supervisor = Supervisor(settings=None, model=None, log_dir=tmp_path)  # type: ignore[arg-type]
    supervisor.env = dict(os.environ)
    dies = Child("dies", [sys.executable, "-c", "raise SystemExit(3)"])
    lives = Child("lives", [sys.executable, "-c", "import time; time.sleep(60)"])
    supervisor.children = [dies, lives]
    for child in supervisor.children:
        supervisor._spawn(child)
    steady = lives.process.pid
    try:
        _wait_dead(dies)
        t0 = time.monotonic()
        supervisor.tick(t0)
        assert dies.restart_at == t0 + 1 and dies.restarts == 0
        supervisor.tick(t0 + 0.5)
        assert dies.restarts == 0
        supervisor.tick(t0 + 1.0)
        assert dies.restarts == 1
        _wait_dead(dies)
        t1 = time.monotonic()
        supervisor.tick(t1)
        assert dies.restart_at == t1 + 2  # died again at once: twice the wait
        supervisor.tick(t1 + 2)
        _wait_dead(dies)
        supervisor.tick(t1 + 3)
        assert dies.restart_at == t1 + 3 + 4
        # Up for a minute before dying: the wait starts again at one second.
        dies.started_at = t1 + 3 - STABLE_AFTER
        dies.restart_at = None
        supervisor.tick(t1 + 3)
        assert dies.restart_at == t1 + 3 + 1
        assert lives.process.pid == steady and lives.process.poll() is None
        assert lives.restarts == 0
    finally:
        supervisor.stop()
    assert lives.process.poll() is not None
