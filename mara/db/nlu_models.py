"""The trainers' tables: what the NLU understood of each message, trainers' labels, training
runs and model publications (mara.services.nlu_review, nlu_training)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mara.db.base import Base, UTCDateTime


class InboundNlu(Base):
    """What the model understood of one inbound message (intent, PQRS type, entities, ranking)."""

    __tablename__ = "inbound_nlu"

    inbound_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_messages.id"), primary_key=True, autoincrement=False
    )
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    intent: Mapped[str | None] = mapped_column(String(64), index=True)
    confidence: Mapped[float | None] = mapped_column(Float)
    pqrs_type: Mapped[str | None] = mapped_column(String(16))
    entities: Mapped[list] = mapped_column(JSON, default=list)
    ranking: Mapped[list] = mapped_column(JSON, default=list)
    parsed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The text answered a form's question for personal data: never shown to trainers.
    personal_answer: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class NluLabel(Base):
    """A trainer's decision on an inbound message: its intent, or noise. Never updated: the
    latest row of a message is its label, the earlier ones are the audit trail."""

    __tablename__ = "nlu_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    intent: Mapped[str | None] = mapped_column(String(64))
    noise: Mapped[bool] = mapped_column(Boolean, default=False)
    labelled_by: Mapped[str] = mapped_column(String(120))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrainingRun(Base):
    """One validate → train → evaluate run, polled by the trainer's page for its progress."""

    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # queued -> running -> succeeded | failed
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    step: Mapped[str] = mapped_column(String(16), default="queued")
    percent: Mapped[int] = mapped_column(Integer, default=0)
    log_tail: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidate_model: Mapped[str | None] = mapped_column(String(500))
    live_model: Mapped[str | None] = mapped_column(String(500))
    # {"candidate": report, "live": report}; a report has per-intent scores, macro F1, errors.
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class ModelPublication(Base):
    """A model put live (publish) or back (rollback), with the gate's figures and who did it."""

    __tablename__ = "model_publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # publish | rollback
    model: Mapped[str] = mapped_column(String(500))
    previous_model: Mapped[str | None] = mapped_column(String(500))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("training_runs.id"))
    candidate_macro_f1: Mapped[float | None] = mapped_column(Float)
    live_macro_f1: Mapped[float | None] = mapped_column(Float)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
