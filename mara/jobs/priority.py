"""Lower a process's CPU priority so that, when the CPUs are full, people's webhooks and the
Rasa server run first (the supervisor's children, and a worker started on its own)."""

from __future__ import annotations

import os
from pathlib import Path


def renice(pid: int, nice: int) -> None:
    """Make `pid` (0: this process) `nice` steps nicer than the caller, for the process and
    for its session's scheduling group. Where the kernel groups each session for the
    scheduler (autogroup, on by default in most distributions), a process's nice only ranks
    it inside its session, and every session weighs the same: a child started in its own
    session, or a worker started from its own shell, would otherwise compete with Rasa at
    full weight whatever its nice. Only a session's leader changes its session's group.
    Raising either needs no privilege; without autogroup (or under systemd's cgroups, where
    CPUWeight= does this job) the second part does nothing."""
    if nice <= 0:
        return
    os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + nice)
    if os.getsid(pid) != (pid or os.getpid()):
        return  # not its own session's leader: leave the rest of the session (a shell) alone
    group = Path(f"/proc/{pid or 'self'}/autogroup")
    try:
        # "/autogroup-85 nice 0"; empty where the process's CPU group is a cgroup.
        _, found, current = group.read_text().partition(" nice ")
        if found:
            group.write_text(f"{min(19, int(current) + nice)}\n")
    except (OSError, ValueError):
        pass
