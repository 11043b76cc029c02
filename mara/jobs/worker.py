"""The RQ worker class MARA runs: RQ's forking worker, with the job modules imported once
in the parent so each forked job starts warm instead of importing the stack again."""

from __future__ import annotations

from rq.worker import Worker

import mara.jobs.messages  # noqa: F401  (imported for the forks to inherit)


class MaraWorker(Worker):
    def __init__(self, *args, **kwargs):
        from mara.logs import configure_logging

        # JSON lines with personal data masked, in the worker and every job it forks.
        configure_logging("worker")
        super().__init__(*args, **kwargs)
