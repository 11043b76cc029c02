"""Everything MARA writes under var/ is its owner's only: 0600 files, 0700 directories."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

from mara.settings import ROOT

SCRIPT = """
import os, time
from pathlib import Path
from redis import Redis
from mara.ops import embedded_redis
from mara.ops.cli import db_upgrade
from mara.ops.supervisor import Child, Supervisor
from mara.settings import load_settings, var_dir

settings = load_settings()                # secrets generated, umask set
db_upgrade(settings.database_url, quiet=True)   # the SQLite file
(var_dir() / "media").mkdir(exist_ok=True)
(var_dir() / "media" / "photo.jpg").write_bytes(b"x")
process, url = embedded_redis.start(var_dir() / "redis")
for _ in range(100):
    try:
        Redis.from_url(url).save()
        break
    except Exception:
        time.sleep(0.1)
process.terminate(); process.wait(10)
supervisor = Supervisor(settings, model=None, log_dir=var_dir() / "log")
supervisor.env = dict(os.environ)
child = Child("web", ["true"])
supervisor._spawn(child); child.process.wait()
"""


def test_var_files_are_private(tmp_path):
    var = tmp_path / "var"
    env = {**os.environ, "MARA_VAR_DIR": str(var)}
    for key in ("DATABASE_URL", "REDIS_URL", "MARA_SECRET_KEY", "MARA_ACTIONS_TOKEN"):
        env.pop(key, None)
    # A permissive umask in the caller, as a shell or a service manager may leave it.
    subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022); exec({SCRIPT!r})"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    expected = {
        "mara.db",
        "secret-key",
        "actions-token",
        "twilio-auth-token",
        "media/photo.jpg",
        "redis/dump.rdb",
        "redis/redis.log",
        "log/web.log",
    }
    found = {str(p.relative_to(var)) for p in var.rglob("*") if p.is_file()}
    assert expected <= found, expected - found
    loose = []
    for path in [var, *var.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            loose.append(f"{path.relative_to(tmp_path)} {oct(mode)}")
    print(f"\nvar/ file modes: tried {len(found) + 1} / held {len(found) + 1 - len(loose)}")
    assert not loose
