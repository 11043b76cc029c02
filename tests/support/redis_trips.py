"""A Redis client that counts its round trips: single commands and executed pipelines."""

from __future__ import annotations

from redis import Redis


class CountingRedis(Redis):
    round_trips = 0  # on the class: RQ builds pipelines and queues from this client

    def execute_command(self, *args, **options):
        type(self).round_trips += 1
        return super().execute_command(*args, **options)

    def pipeline(self, transaction=True, shard_hint=None):
        pipe = super().pipeline(transaction, shard_hint)
        execute = pipe.execute

        def counted(raise_on_error=True):
            type(self).round_trips += 1
            return execute(raise_on_error)

        pipe.execute = counted
        return pipe
