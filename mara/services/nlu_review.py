"""Trainers' review of real messages: what the NLU understood of each one, the messages worth
a look (not understood, unsure, reclassified), labels with who and when, and the export of the
labelled ones (masked) as Rasa training data."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import cast

import yaml
from sqlalchemy import Table, bindparam, func, select
from sqlalchemy import text as sql_text

from mara.clock import utcnow
from mara.db.models import InboundMessage, InboundNlu, NluLabel, Requester, Ticket
from mara.db.unit_of_work import UnitOfWork
from mara.domain.tickets import PqrsType
from mara.settings import ROOT
from mara.text.mask import KnownPersonalData, known_from, mask_personal_data
from mara.text.similar import group_similar, similarity_key

# Below this confidence a message is worth a look even when the bot acted on it.
LOW_CONFIDENCE = 0.6
NOT_UNDERSTOOD = frozenset({"nlu_fallback", "out_of_scope"})
# Buttons and keywords that skip the NLU (`/intent` payloads) are not examples.
_PAYLOAD_RE = re.compile(r"^/\w+")
RANKING_KEPT = 10

REVIEWED_FILE = ROOT / "data" / "nlu" / "reviewed.yml"


class UnknownIntent(ValueError):
    """The label is not an intent of domain.yml."""


_NLU_COLUMNS = [
    "inbound_id",
    "wa_id",
    "intent",
    "confidence",
    "pqrs_type",
    "entities",
    "ranking",
    "parsed_at",
    "personal_answer",
]
_NLU_TYPES = cast(Table, InboundNlu.__table__).c
# One statement a turn (a retried turn's replaces it). Written out (PostgreSQL
# and SQLite ≥ 3.24 read it alike): SQLAlchemy does not cache its ON CONFLICT constructs.
_UPSERT_NLU = sql_text(
    f"INSERT INTO inbound_nlu ({', '.join(_NLU_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _NLU_COLUMNS)}) "
    "ON CONFLICT (inbound_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _NLU_COLUMNS[2:])
).bindparams(
    *(bindparam(c, type_=_NLU_TYPES[c].type) for c in _NLU_COLUMNS[3:]),
)


@lru_cache(maxsize=1)
def domain_intents(root: Path = ROOT) -> frozenset[str]:
    data = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
    return frozenset(i if isinstance(i, str) else next(iter(i)) for i in data.get("intents", []))


def record_nlu(
    uow: UnitOfWork,
    inbound_id: int,
    parse: dict | None,
    wa_id: str | None = None,
    personal_answer: bool = False,
) -> None:
    """Keep what the NLU understood of this inbound message (the caller commits).
    `personal_answer`: the text answered a question for personal data (never reviewed)."""
    if not parse:
        return
    text = parse.get("text") or ""
    if _PAYLOAD_RE.match(text):
        return
    intent = parse.get("intent") or {}
    name = intent.get("name")
    ranking = [
        {"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0.0), 4)}
        for r in (parse.get("intent_ranking") or [])[:RANKING_KEPT]
    ]
    pqrs = PqrsType.from_intent(name)
    if pqrs is None and name == "nlu_fallback" and ranking:
        # Unsure: the type it leaned to is still what trainers want to see.
        pqrs = PqrsType.from_intent(ranking[1]["name"] if len(ranking) > 1 else None)
    if wa_id is None:
        wa_id = uow.session.scalar(
            select(InboundMessage.wa_id).where(InboundMessage.id == inbound_id)
        )
        if wa_id is None:
            return
    uow.session.execute(
        _UPSERT_NLU,
        {
            "inbound_id": inbound_id,
            "wa_id": wa_id,
            "intent": name,
            "confidence": None if intent.get("confidence") is None else float(intent["confidence"]),
            "pqrs_type": pqrs.value if pqrs else None,
            "entities": [
                {k: e.get(k) for k in ("entity", "value", "start", "end")}
                for e in parse.get("entities") or []
            ],
            "ranking": ranking,
            "parsed_at": utcnow(),
            "personal_answer": personal_answer,
        },
    )


@dataclass(frozen=True)
class ReviewItem:
    inbound_id: int
    text: str  # masked
    received_at: datetime
    intent: str | None
    confidence: float | None
    pqrs_type: str | None
    ranking: tuple[tuple[str, float], ...]
    entities: tuple[str, ...]  # entity names only: their values may be personal data
    reasons: tuple[str, ...]  # not_understood | low_confidence | reclassified
    suggested_intent: str | None = None  # the type AU decided, for a reclassified ticket
    radicado: str | None = None
    label: str | None = None
    noise: bool = False
    labelled_by: str | None = None
    labelled_at: datetime | None = None


@dataclass(frozen=True)
class ReviewGroup:
    key: str
    items: tuple[ReviewItem, ...]

    @property
    def inbound_ids(self) -> list[int]:
        return [i.inbound_id for i in self.items]


def known_data(uow: UnitOfWork, wa_id: str) -> KnownPersonalData:
    """Everything the conversation of `wa_id` is known to contain, for masking it."""
    session = uow.session
    names: list[str | None] = []
    numbers: list[str | None] = [wa_id]
    emails: list[str | None] = []
    requesters = session.scalars(
        select(Requester).where(
            (Requester.wa_id == wa_id)
            | Requester.id.in_(select(Ticket.requester_id).where(Ticket.wa_id == wa_id))
        )
    )
    for r in requesters:
        names.append(r.full_name)
        numbers += [r.document_number, r.phone]
        emails.append(r.email)
    rows = session.execute(
        select(InboundMessage.body, InboundMessage.profile_name).where(
            InboundMessage.wa_id == wa_id
        )
    ).all()
    names += [row.profile_name for row in rows]
    return known_from(names=names, numbers=numbers, emails=emails, texts=[r.body for r in rows])


def _latest_labels(uow: UnitOfWork, inbound_ids: list[int] | None = None) -> dict[int, NluLabel]:
    latest = select(func.max(NluLabel.id)).group_by(NluLabel.inbound_id)
    if inbound_ids is not None:
        latest = latest.where(NluLabel.inbound_id.in_(inbound_ids))
    rows = uow.session.scalars(select(NluLabel).where(NluLabel.id.in_(latest)))
    return {row.inbound_id: row for row in rows}


def _reclassified(uow: UnitOfWork) -> dict[int, tuple[str, str]]:
    """inbound id → (intent AU decided, radicado) for tickets whose type differs from the
    bot's proposal: the message the proposal came from is the latest one of that person,
    before the ticket, that the NLU read as the proposed type."""
    session = uow.session
    found: dict[int, tuple[str, str]] = {}
    tickets = session.execute(
        select(
            Ticket.wa_id, Ticket.proposed_type, Ticket.pqrs_type, Ticket.radicado, Ticket.created_at
        )
        .where(Ticket.proposed_type.is_not(None), Ticket.proposed_type != Ticket.pqrs_type)
        .where(Ticket.wa_id.is_not(None))
    ).all()
    for t in tickets:
        inbound_id = session.scalar(
            select(InboundNlu.inbound_id)
            .where(
                InboundNlu.wa_id == t.wa_id,
                InboundNlu.pqrs_type == t.proposed_type,
                InboundNlu.parsed_at <= t.created_at,
            )
            .order_by(InboundNlu.inbound_id.desc())
            .limit(1)
        )
        if inbound_id is not None:
            found[inbound_id] = (f"pqrs_{t.pqrs_type}", t.radicado)
    return found


def review_inbox(
    uow: UnitOfWork,
    *,
    include_labelled: bool = False,
    low_confidence: float = LOW_CONFIDENCE,
    limit: int = 500,
) -> list[ReviewItem]:
    """Messages to review, newest first, masked: not understood, unsure, or reclassified."""
    session = uow.session
    reclassified = _reclassified(uow)
    condition = (
        InboundNlu.intent.in_(NOT_UNDERSTOOD)
        | InboundNlu.intent.is_(None)
        | (InboundNlu.confidence < low_confidence)
    )
    if reclassified:
        condition = condition | InboundNlu.inbound_id.in_(list(reclassified))
    if not include_labelled:
        condition = condition & InboundNlu.inbound_id.not_in(select(NluLabel.inbound_id))
    # A name, document, phone or e-mail typed as a form's answer is data, not phrasing: a bare
    # name has nothing a mask could recognise, so it is never shown at all.
    condition = condition & InboundNlu.personal_answer.is_(False)
    rows = session.execute(
        select(InboundNlu, InboundMessage.body, InboundMessage.received_at)
        .join(InboundMessage, InboundMessage.id == InboundNlu.inbound_id)
        .where(condition)
        .order_by(InboundNlu.inbound_id.desc())
        .limit(limit)
    ).all()
    labels = _latest_labels(uow, [r.InboundNlu.inbound_id for r in rows])
    known: dict[str, KnownPersonalData] = {}
    items: list[ReviewItem] = []
    for row in rows:
        nlu = row.InboundNlu
        label = labels.get(nlu.inbound_id)
        if nlu.wa_id not in known:
            known[nlu.wa_id] = known_data(uow, nlu.wa_id)
        reasons = []
        if nlu.intent in NOT_UNDERSTOOD or nlu.intent is None:
            reasons.append("not_understood")
        elif nlu.confidence is not None and nlu.confidence < low_confidence:
            reasons.append("low_confidence")
        suggested, radicado = reclassified.get(nlu.inbound_id, (None, None))
        if suggested:
            reasons.append("reclassified")
        items.append(
            ReviewItem(
                inbound_id=nlu.inbound_id,
                text=mask_personal_data(row.body, known[nlu.wa_id]),
                received_at=row.received_at,
                intent=nlu.intent,
                confidence=nlu.confidence,
                pqrs_type=nlu.pqrs_type,
                ranking=tuple((r["name"], r["confidence"]) for r in nlu.ranking or []),
                entities=tuple(e.get("entity") for e in nlu.entities or []),
                reasons=tuple(reasons),
                suggested_intent=suggested,
                radicado=radicado,
                label=label.intent if label else None,
                noise=bool(label and label.noise),
                labelled_by=label.labelled_by if label else None,
                labelled_at=label.labelled_at if label else None,
            )
        )
    return items


def group_items(items: list[ReviewItem], threshold: float = 0.8) -> list[ReviewGroup]:
    """Near-duplicates together (largest groups first), so one label covers them all."""
    groups = [
        ReviewGroup(similarity_key(items[m[0]].text), tuple(items[i] for i in m))
        for m in group_similar([i.text for i in items], threshold)
    ]
    return sorted(groups, key=lambda g: -len(g.items))


def label_messages(
    uow: UnitOfWork,
    inbound_ids: list[int],
    intent: str | None,
    labelled_by: str,
    *,
    noise: bool = False,
    intents: frozenset[str] | None = None,
) -> int:
    """Label messages with an intent, or as noise (intent None); the caller commits."""
    if noise:
        intent = None
    elif intent not in (intents if intents is not None else domain_intents()):
        raise UnknownIntent(intent)
    existing = set(
        uow.session.scalars(
            select(InboundNlu.inbound_id).where(InboundNlu.inbound_id.in_(inbound_ids))
        )
    )
    now = utcnow()
    for inbound_id in inbound_ids:
        if inbound_id in existing:
            uow.session.add(
                NluLabel(
                    inbound_id=inbound_id,
                    intent=intent,
                    noise=noise,
                    labelled_by=labelled_by,
                    labelled_at=now,
                )
            )
    return len(existing)


@dataclass(frozen=True)
class LabelEvent:
    intent: str | None
    noise: bool
    labelled_by: str
    labelled_at: datetime


def label_history(uow: UnitOfWork, inbound_id: int) -> list[LabelEvent]:
    rows = uow.session.scalars(
        select(NluLabel).where(NluLabel.inbound_id == inbound_id).order_by(NluLabel.id)
    )
    return [LabelEvent(r.intent, r.noise, r.labelled_by, r.labelled_at) for r in rows]


def labelled_examples(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(intent, masked text) of every message whose latest label is an intent."""
    labels = _latest_labels(uow)
    wanted = [i for i, label in labels.items() if label.intent and not label.noise]
    if not wanted:
        return []
    personal = select(InboundNlu.inbound_id).where(InboundNlu.personal_answer.is_(True))
    rows = uow.session.execute(
        select(InboundMessage.id, InboundMessage.wa_id, InboundMessage.body)
        .where(InboundMessage.id.in_(wanted), InboundMessage.id.not_in(personal))
        .order_by(InboundMessage.id)
    ).all()
    known: dict[str, KnownPersonalData] = {}
    examples: list[tuple[str, str]] = []
    for row in rows:
        if row.wa_id not in known:
            known[row.wa_id] = known_data(uow, row.wa_id)
        intent = labels[row.id].intent or ""  # `wanted` holds labelled intents only
        examples.append((intent, mask_personal_data(row.body, known[row.wa_id])))
    return examples


@dataclass(frozen=True)
class ExportResult:
    path: Path
    written: dict[str, int]
    skipped_held_out: int = 0
    skipped_existing: int = 0
    examples: tuple[tuple[str, str], ...] = field(default=())


def _example_line(text: str) -> str:
    # One line each; brackets would read as entity annotations ("[x](entity)").
    line = " ".join(text.split())
    return line.replace("[", "(").replace("]", ")")


def yaml_examples(root: Path, folder: str, skip: Path | None = None) -> set[str]:
    """The similarity keys of every example in the Rasa NLU files under `folder`."""
    keys: set[str] = set()
    for path in sorted((root / folder).glob("**/*.yml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
                if text:
                    keys.add(similarity_key(text))
    return keys


def render_reviewed(examples: dict[str, list[str]]) -> str:
    lines = [
        "# Real messages labelled by trainers (`mara nlu review export`; masked: <NOMBRE>,",
        "# <DOCUMENTO>, <TELEFONO>, <CORREO> stand for personal data). Regenerated on export:",
        "# label in the trainer workspace rather than editing here.",
        'version: "3.1"',
        "nlu:" if examples else "nlu: []",
    ]
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        for text in examples[intent]:
            lines.append(f"    - {text}")
    return "\n".join(lines) + "\n"


def export_reviewed(uow: UnitOfWork, path: Path = REVIEWED_FILE, root: Path = ROOT) -> ExportResult:
    """Write the labelled examples to data/nlu/reviewed.yml; an example already in the
    training data is left out, and one of the held-out set (tests/nlu) is never written."""
    held_out = yaml_examples(root, "tests/nlu")
    existing = yaml_examples(root, "data/nlu", skip=path)
    by_intent: dict[str, list[str]] = defaultdict(list)
    seen: set[str] = set()
    skipped_held_out = skipped_existing = 0
    written: list[tuple[str, str]] = []
    for intent, text in labelled_examples(uow):
        line = _example_line(text)
        key = similarity_key(line)
        if not key or key in seen:
            continue
        seen.add(key)
        if key in held_out:
            skipped_held_out += 1
            continue
        if key in existing:
            skipped_existing += 1
            continue
        by_intent[intent].append(line)
        written.append((intent, line))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_reviewed(by_intent), encoding="utf-8")
    return ExportResult(
        path,
        {k: len(v) for k, v in sorted(by_intent.items())},
        skipped_held_out,
        skipped_existing,
        tuple(written),
    )
