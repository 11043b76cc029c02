"""No loops: the bot never asks the same thing a third time in a row. When a turn's replies
are exactly the previous two turns' replies (no progress), the person gets the way out
instead: the menu and a human."""

from __future__ import annotations

from itertools import groupby
from typing import cast

from sqlalchemy import Table, bindparam, select

from mara.db.models import OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import split_body
from mara.policy.messages import message

REPEATS_ALLOWED = 2


_OUTBOUND = cast(Table, OutboundMessage.__table__)
# The person's latest replies, newest first (built once: the worker reads it every turn).
_RECENT_REPLIES = (
    select(_OUTBOUND.c.in_reply_to_id, _OUTBOUND.c.body)
    .where(
        _OUTBOUND.c.wa_id == bindparam("wa_id"),
        _OUTBOUND.c.kind == "reply",
        _OUTBOUND.c.in_reply_to_id.is_not(None),
    )
    .order_by(_OUTBOUND.c.id.desc())
    .limit(10 * REPEATS_ALLOWED)
)


def without_loops(uow: UnitOfWork, wa_id: str, replies: list[str]) -> list[str]:
    """`replies`, or the loop-breaker message when they would repeat the last two turns."""
    if not replies:
        return replies
    parts = [p for r in replies for p in split_body(r)]
    rows = uow.session.execute(_RECENT_REPLIES, {"wa_id": wa_id}).all()
    turns = [[body for _, body in group] for _, group in groupby(rows, key=lambda r: r[0])]
    recent = [list(reversed(t)) for t in turns[:REPEATS_ALLOWED]]
    if len(recent) == REPEATS_ALLOWED and all(t == parts for t in recent):
        return [message("loop_breaker")]
    return replies
