"""mara.jobs.priority.renice: a child's priority counts against Rasa's even under autogroup."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mara.jobs.priority import renice


def _group_nice(pid: int) -> int | None:
    """The nice of `pid`'s scheduling group, None where the kernel has no autogroup or the
    process's CPU group is a cgroup (the kernel then prints nothing for it: CI's case)."""
    enabled = Path("/proc/sys/kernel/sched_autogroup_enabled")
    group = Path(f"/proc/{pid}/autogroup")
    if not enabled.exists() or enabled.read_text().strip() != "1" or not group.exists():
        return None
    _, found, nice = group.read_text().partition(" nice ")
    return int(nice) if found else None


@pytest.fixture
def sleeper():
    started = []

    def start(new_session: bool) -> subprocess.Popen:
        process = subprocess.Popen(["sleep", "60"], start_new_session=new_session)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()
        process.wait()


def test_a_child_in_its_own_session_gets_the_nice_for_its_group_too(sleeper):
    child = sleeper(new_session=True)
    before = _group_nice(child.pid)
    renice(child.pid, 3)
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 3
    if before is None:
        pytest.skip("no autogroup for this process: only the process's nice applies")
    assert _group_nice(child.pid) == min(19, before + 3)


def test_a_process_sharing_our_session_leaves_the_session_alone(sleeper):
    child = sleeper(new_session=False)
    before = _group_nice(os.getpid())
    renice(child.pid, 4)
    assert os.getpriority(os.PRIO_PROCESS, child.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 4
    assert _group_nice(os.getpid()) == before


def test_nothing_changes_for_zero(sleeper):
    child = sleeper(new_session=True)
    before = (os.getpriority(os.PRIO_PROCESS, child.pid), _group_nice(child.pid))
    renice(child.pid, 0)
    assert (os.getpriority(os.PRIO_PROCESS, child.pid), _group_nice(child.pid)) == before
