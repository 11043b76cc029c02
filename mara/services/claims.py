"""Claims on stored messages: a job moves a person's oldest pending ones to `sending` (a
lease: only one job ever wins a message, so it is sent once), and records what Twilio
answered for them, or gives back those it never tried."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from mara.clock import utcnow
from mara.db.models import DeliveryEvent, OutboundMessage
from mara.db.unit_of_work import UnitOfWork
from mara.domain.messages import STATUS_RANK, UNCONFIRMED, OutboundView

# A claimed message not finished by then was interrupted (worker killed): the sweep takes it.
SENDING_LEASE = timedelta(minutes=2)

# The worker's statements on this table are Core, built once (bind parameters): a send pays
# neither the ORM's per-statement work nor the construction of its statements.
_OUTBOUND = cast(Table, OutboundMessage.__table__)
_C = _OUTBOUND.c
# The row's status as its rank (STATUS_RANK), in SQL.
_row_rank = case(
    # Literals, not bind parameters: the same SQL text, no parameters to send.
    *(
        (_C.status == literal_column(f"'{name}'"), literal_column(str(rank)))
        for name, rank in STATUS_RANK.items()
    ),
    else_=literal_column("0"),
)


def _claim_statement(which: ColumnElement[bool]) -> Any:
    """Move the pending messages `which` selects to `sending`, as a lease until
    :lease_until (not finished by then, the recovery sweep takes them, unconfirmed)."""
    return (
        update(_OUTBOUND)
        .where(which, _C.status == "pending")
        .values(
            status="sending", attempts=_C.attempts + 1, next_attempt_at=bindparam("lease_until")
        )
        .returning(
            _C.id,
            _C.to_address,
            _C.body,
            _C.content_sid,
            _C.content_variables,
            _C.error_message,
            _C.created_at,
        )
    )


def _claim(uow: UnitOfWork, statement: Any, params: dict[str, Any]) -> list[OutboundView]:
    """Run a claim: one statement, so only one job ever wins a message and it is sent once.
    Oldest first; [] when nothing was pending."""
    rows = uow.session.execute(statement, {**params, "lease_until": utcnow() + SENDING_LEASE}).all()
    return [
        OutboundView(
            id=row.id,
            to_address=row.to_address,
            body=row.body,
            status="sending",
            content_sid=row.content_sid,
            content_variables=row.content_variables,
            unconfirmed_since=(
                row.created_at if (row.error_message or "").startswith(UNCONFIRMED) else None
            ),
        )
        # RETURNING keeps no order.
        for row in sorted(rows, key=lambda r: r.id)
    ]


# A turn's replies are claimed together, sent in order and finished in one statement. Few
# enough that their sends (each bounded by the sender's timeout) fit in the lease.
CLAIM_BATCH = 4


@cache
def _claim_next_statement(limit: int) -> Any:
    oldest = (
        select(_C.id)
        .where(
            _C.wa_id == bindparam("person"),
            _C.status == "pending",
            _C.id <= bindparam("up_to_id"),
        )
        .order_by(_C.id)
        .limit(limit)
    )
    return _claim_statement(_C.id.in_(oldest))


def claim_next_outbound(
    uow: UnitOfWork, wa_id: str, up_to_id: int, limit: int = CLAIM_BATCH
) -> list[OutboundView]:
    """Claim (pending → sending) the person's oldest unsent messages up to `up_to_id`, at
    most `limit`, oldest first, in one statement; [] when there is none. Only one job ever
    wins a message: it is sent once. The claim is a lease: not finished by then, the
    recovery sweep takes them (unconfirmed)."""
    return _claim(uow, _claim_next_statement(limit), {"person": wa_id, "up_to_id": up_to_id})


_UNCLAIM = (
    update(_OUTBOUND)
    .where(_C.id.in_(bindparam("ids", expanding=True)), _C.status == "sending")
    .values(status="pending", attempts=_C.attempts - 1)
)


def unclaim_outbound(uow: UnitOfWork, outbound_ids: list[int]) -> None:
    """Claimed messages never tried (an earlier one of their batch failed): back to pending,
    the attempt not counted. Their lease stays: the retry of the failed one sends them after
    it, and the recovery sweep leaves them to that job until then."""
    if outbound_ids:
        uow.session.execute(_UNCLAIM, {"ids": outbound_ids})


@cache
def _finish_statement(count: int) -> Any:
    """Finish `count` messages in one statement: :id_N gets :status_N, and :sid_N and
    :sent_at_N where not null; a status a callback already moved past :rank_N (Twilio's
    callback can come before its answer to the send is recorded) stays, with its error."""
    ids = [bindparam(f"id_{n}", type_=Integer) for n in range(count)]

    def each(value: Callable[[int], Any]) -> Any:
        return case(*((_C.id == ids[n], value(n)) for n in range(count)))

    def unless_ahead(n: int, kept: Any, new: Any) -> Any:
        return case((_row_rank > bindparam(f"rank_{n}", type_=Integer), kept), else_=new)

    return (
        update(_OUTBOUND)
        .where(_C.id.in_(ids))
        .values(
            status=each(
                lambda n: unless_ahead(n, _C.status, bindparam(f"status_{n}", type_=_C.status.type))
            ),
            provider_sid=each(
                lambda n: func.coalesce(
                    bindparam(f"sid_{n}", type_=_C.provider_sid.type), _C.provider_sid
                )
            ),
            sent_at=each(
                lambda n: func.coalesce(
                    bindparam(f"sent_at_{n}", type_=_C.sent_at.type), _C.sent_at
                )
            ),
            error_code=each(lambda n: unless_ahead(n, _C.error_code, None)),
            error_message=each(lambda n: unless_ahead(n, _C.error_message, None)),
        )
    )


def finish_sent(uow: UnitOfWork, outcomes: list[tuple[int, str, str | None]]) -> None:
    """Record what Twilio answered for messages sent (id, status, provider sid), all in one
    statement; each as `outbox.finish_outbound` does for one."""
    if not outcomes:
        return
    now = utcnow()
    params: dict[str, Any] = {}
    for n, (outbound_id, status, sid) in enumerate(outcomes):
        params[f"id_{n}"] = outbound_id
        params[f"status_{n}"] = status
        params[f"rank_{n}"] = STATUS_RANK.get(status, 0)
        params[f"sid_{n}"] = sid or None
        params[f"sent_at_{n}"] = None if status in ("failed", "undelivered") else now
    uow.session.execute(_finish_statement(len(outcomes)), params)


# A status callback: the event kept, and the message's status moved forward only. The
# message is found by MARA's id (the callback URL's `o`) unless it has another attempt's
# sid, or, for a callback without one, by Twilio's sid.
_EVENT = insert(cast(Table, DeliveryEvent.__table__)).values(
    provider_sid=bindparam("sid"),
    status=bindparam("status"),
    error_code=bindparam("error_code"),
    received_at=bindparam("at"),
)


def _status_update(by_id: bool) -> Any:
    which = (
        and_(
            _C.id == bindparam("outbound_id", type_=Integer),
            or_(_C.provider_sid.is_(None), _C.provider_sid == bindparam("sid")),
        )
        if by_id
        else _C.provider_sid == bindparam("sid")
    )
    return (
        update(_OUTBOUND)
        .where(which, _row_rank <= bindparam("rank", type_=Integer))
        .values(
            status=bindparam("status"),
            error_code=func.coalesce(
                bindparam("error_code", type_=_C.error_code.type), _C.error_code
            ),
        )
    )


_STATUS_UPDATE = {by_id: _status_update(by_id) for by_id in (True, False)}
# PostgreSQL runs both in one statement (a data-modifying WITH); SQLite cannot.
_STATUS_UPDATE_WITH_EVENT = {
    by_id: statement.add_cte(_EVENT.cte("event")) for by_id, statement in _STATUS_UPDATE.items()
}


def record_status(
    uow: UnitOfWork,
    outbound_id: int | None,
    sid: str,
    status: str,
    error_code: str | None,
    at: datetime,
) -> None:
    """A Twilio status callback, as `outbox.record_delivery_status` says."""
    params = {
        "outbound_id": outbound_id,
        "sid": sid,
        "status": status,
        "rank": STATUS_RANK.get(status, 0),
        "error_code": error_code,
        "at": at,
    }
    by_id = outbound_id is not None
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(_STATUS_UPDATE_WITH_EVENT[by_id], params)
    else:
        uow.session.execute(_EVENT, params)
        uow.session.execute(_STATUS_UPDATE[by_id], params)


@dataclass(frozen=True)
class EarlierAttempt:
    """An earlier send whose answer never came (a read timeout, a worker killed mid-send):
    Twilio may have it. `known_sids` are the person's messages already recorded as ours."""

    created_at: datetime
    known_sids: frozenset[str]


def known_sids(uow: UnitOfWork, wa_id: str) -> frozenset[str]:
    """The person's messages already recorded as ours at Twilio (read with a claim that has
    an unconfirmed attempt, before the caller commits it: no transaction stays open while
    Twilio answers)."""
    return frozenset(
        s
        for s in uow.session.scalars(
            select(OutboundMessage.provider_sid).where(
                OutboundMessage.wa_id == wa_id, OutboundMessage.provider_sid.is_not(None)
            )
        )
        if s
    )


def lease_owed(
    uow: UnitOfWork, model: Any, stale_after: timedelta, lease: timedelta, interrupted: str
) -> list[int]:
    """The recovery sweeps' lease over a table of things to send (`status`,
    `next_attempt_at`, `created_at`): `sending` rows whose claim ran out go back to pending
    with `interrupted` as their error (their sender died); then the pending rows nobody
    took (older than `stale_after`, or whose retry is due) are leased to the caller for
    `lease`, so the next sweeps leave them to the job it queues. Returns their ids."""
    session = uow.session
    now = utcnow()
    session.execute(
        update(model)
        .where(model.status == "sending", model.next_attempt_at < now)
        .values(status="pending", error_message=interrupted)
    )
    due = (model.next_attempt_at <= now) | (
        model.next_attempt_at.is_(None) & (model.created_at < now - stale_after)
    )
    ids = list(
        session.scalars(select(model.id).where(model.status == "pending", due).order_by(model.id))
    )
    if ids:
        session.execute(update(model).where(model.id.in_(ids)).values(next_attempt_at=now + lease))
    return ids
