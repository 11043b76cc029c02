"""The ORM tables of MARA (SQLite or PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mara.db.base import Base, UTCDateTime


class InboundMessage(Base):
    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    from_address: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(64))
    profile_name: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    button_payload: Mapped[str | None] = mapped_column(String(256))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # pending -> processed | failed (failed ones wait for `mara replay`)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A failed message is retried by the recovery sweep (mara.jobs.schedule) from then on.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a job first gave it to the dialogue engine: a later job must ask Rasa's tracker
    # whether the turn was taken before sending the text again (mara.db.rasa_tracker).
    dialogue_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    media: Mapped[list[InboundMedia]] = relationship(
        back_populates="message", order_by="InboundMedia.position", cascade="all, delete-orphan"
    )


class InboundMedia(Base):
    __tablename__ = "inbound_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str | None] = mapped_column(String(128))

    message: Mapped[InboundMessage] = relationship(back_populates="media")


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One row per message the person must receive once: the key makes re-storing a no-op.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    to_address: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="reply")
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # pending -> sending -> sent | console | failed; then Twilio's statuses via callback
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(500))
    # An approved template (Twilio Content API) for messages outside the 24-hour window.
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict | None] = mapped_column(JSON)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # After the job's quick retries, a long outage is retried by the recovery sweep on a
    # longer schedule (minutes to hours): not before this instant.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffAlert(Base):
    """Something staff must see and act on, e.g. `delivery_failed`: a message MARA could
    not deliver after every retry (outbound_id says which; the person's chat has it)."""

    __tablename__ = "staff_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # One alert per fact: raising it again is a no-op.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    wa_id: Mapped[str | None] = mapped_column(String(32))
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"))
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    detail: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(120))


class DeliveryEvent(Base):
    __tablename__ = "delivery_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    """Proof of a yes or no to the privacy notice (Ley 1581 de 2012): when, which, how."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(32))
    message_sid: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # How it was given when not on WhatsApp (staff registering a paper or phone request).
    given_via: Mapped[str | None] = mapped_column(String(32))
    recorded_by: Mapped[str | None] = mapped_column(String(160))


class Requester(Base):
    __tablename__ = "requesters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_id: Mapped[str | None] = mapped_column(String(32), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    document_type: Mapped[str] = mapped_column(String(8))
    document_number: Mapped[str] = mapped_column(String(20), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RadicadoCounter(Base):
    """The last radicado sequence of each year; incremented under a row lock."""

    __tablename__ = "radicado_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_tickets_year_sequence"),
        # The staff list: open requests by due date, per status and per area.
        Index("ix_tickets_status_answer_due", "status", "answer_due_on", "area_due_on", "id"),
        Index("ix_tickets_requester_id", "requester_id"),
        Index("ix_tickets_area_status_due", "area_slug", "status", "area_due_on"),
        Index("ix_tickets_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    radicado: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    proposed_type: Mapped[str | None] = mapped_column(String(16))
    proposed_confidence: Mapped[float | None] = mapped_column(Float)
    pqrs_type: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), default="recibido", index=True)
    channel: Mapped[str] = mapped_column(String(16), default="whatsapp")
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("requesters.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    description: Mapped[str] = mapped_column(Text)
    service: Mapped[str | None] = mapped_column(String(32))
    preferential: Mapped[bool] = mapped_column(Boolean, default=False)
    wa_id: Mapped[str | None] = mapped_column(String(32), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_on: Mapped[date] = mapped_column(Date)
    area_due_on: Mapped[date] = mapped_column(Date)
    answer_due_on: Mapped[date] = mapped_column(Date)
    legal_due_on: Mapped[date] = mapped_column(Date)
    legal_term_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_summary: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The conversation turn that confirmed it: a retried action does not file twice.
    source_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    # The staff desk: AU's classification beside the bot's proposal, routing, answers.
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    classified_by: Mapped[str | None] = mapped_column(String(160))
    area_slug: Mapped[str | None] = mapped_column(ForeignKey("areas.slug"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    area_answer: Mapped[str | None] = mapped_column(Text)
    area_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    area_answered_by: Mapped[str | None] = mapped_column(String(160))
    final_answer: Mapped[str | None] = mapped_column(Text)
    # {"calidad": true, "claridad": true, ...}: the five criteria AU checked.
    review: Mapped[dict | None] = mapped_column(JSON)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(160))
    resarcimiento: Mapped[dict | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: every staff change bumps it; a stale form changes nothing.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    requester: Mapped[Requester | None] = relationship()
    area: Mapped[Area | None] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship()
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketAttachment.id"
    )


class TicketAttachment(Base):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str | None] = mapped_column(String(128))
    # Set once the file is downloaded under MARA_MEDIA_DIR (Twilio media URLs need auth).
    stored_path: Mapped[str | None] = mapped_column(String(500))

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class ContactPreference(Base):
    """Opt-out of proactive messages (BAJA/STOP); the person can still write and be answered."""

    __tablename__ = "contact_preferences"

    wa_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    message_sid: Mapped[str | None] = mapped_column(String(64))


class Handoff(Base):
    """A conversation waiting for a human adviser: the bot stays silent while it is open."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[str | None] = mapped_column(String(120))


class StatusLookupFailure(Base):
    """A failed radicado lookup; three in an hour pause lookups from that number."""

    __tablename__ = "status_lookup_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Area(Base):
    """A service area of the Caja that answers the requests AU routes to it."""

    __tablename__ = "areas"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffUser(Base):
    """A person of the Caja who signs in to the staff web (role au, area, trainer, admin)."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    area_slug: Mapped[str | None] = mapped_column(ForeignKey("areas.slug"))
    password_hash: Mapped[str] = mapped_column(String(256))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TicketEvent(Base):
    """The audit trail of a request: who did what, when, with the details."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class ApiToken(Base):
    """A token of another system of the Caja for /api; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailMessage(Base):
    """An e-mail to a person or to staff; stored first, sent when SMTP is configured."""

    __tablename__ = "email_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    # pending -> sent | failed; stored when SMTP_URL is unset
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_message: Mapped[str | None] = mapped_column(String(500))
    # A claim's lease (`sending` until then), or when a sweep's job has it: a sender that
    # died leaves the e-mail to the recovery sweep (mara.jobs.schedule, resend-email).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FollowUp(Base):
    """An SLA reminder, escalation or overdue mark of a request: recorded once per kind."""

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", name="uq_followups_ticket_kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    due_on: Mapped[date] = mapped_column(Date)
    # "au" or "area:<slug>"; the address is looked up when the e-mail goes out.
    recipient: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # waiting (for business hours) -> sending -> sent | stored (no SMTP) | failed
    mail_status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A staff member marked it as handled: it leaves the pending list.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[str | None] = mapped_column(String(120))


class Survey(Base):
    """The satisfaction survey of one closed request, asked on WhatsApp one question at a time."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    wa_id: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # scheduled -> invited (template) | asking -> completed | declined | expired;
    # held (no template configured, staff told), opted_out (BAJA)
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    question: Mapped[int] = mapped_column(Integer, default=0)
    hinted: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SurveyResponse(Base):
    """One answer (or skip) to one survey question; the free text itself is not kept here."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("survey_id", "question", name="uq_survey_responses_question"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    question: Mapped[str] = mapped_column(String(32))
    # rating questions: excelente|bueno|regular|deficiente; recommendation: 0-10
    rating: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[int | None] = mapped_column(Integer)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


# The trainers' tables live in their own module; imported here so that every table is on
# Base.metadata whenever the models are (migrations, tests).
from mara.db.nlu_models import InboundNlu, ModelPublication, NluLabel, TrainingRun  # noqa: E402

__all__ = ["Base", "InboundNlu", "ModelPublication", "NluLabel", "TrainingRun", "UTCDateTime"]
