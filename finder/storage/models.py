"""The tables."""

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: aware UTC in, aware UTC out, also on SQLite which keeps no offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("instants must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class CenterRow(Base):
    """An authorized treatment center; rows are never deleted, only deactivated."""

    __tablename__ = "centers"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    street: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2), index=True)
    zip: Mapped[str] = mapped_column(String(5))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    phone: Mapped[str] = mapped_column(String(20), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    products: Mapped[list[str]] = mapped_column(JSON, default=list)
    indications: Mapped[list[str]] = mapped_column(JSON, default=list)
    populations: Mapped[list[str]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text)
    verified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The profile the center's staff keep in the app.
    accepting_referrals: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    referral_phone: Mapped[str] = mapped_column(String(20), default="")
    referral_fax: Mapped[str] = mapped_column(String(20), default="")
    referral_email: Mapped[str] = mapped_column(String(254), default="")
    outpatient: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Each field the staff confirmed, with the value they confirmed: a load leaves it alone.
    confirmed: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class CenterClaimRow(Base):
    """That a center gives a product: confirmed, published or reported, with its source."""

    __tablename__ = "center_claims"
    __table_args__ = (UniqueConstraint("center_id", "product", name="uq_center_claims"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    product: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(Text)
    checked_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class CenterChangeRow(Base):
    """One field of a center's profile changed in the app: who, when, before and after."""

    __tablename__ = "center_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    field: Mapped[str] = mapped_column(String(40))
    before: Mapped[object] = mapped_column(JSON, nullable=True)
    after: Mapped[object] = mapped_column(JSON, nullable=True)
    # For a change of products: the claims before it, so a revert restores their sources.
    claims_before: Mapped[list[dict[str, object]] | None] = mapped_column(JSON, nullable=True)
    revert_of: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reverted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class CatalogRevision(Base):
    """One row counting loads of the centers, so each process knows when to rebuild its index."""

    __tablename__ = "catalog_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    loaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UserRow(Base):
    """An account; never deleted, only deactivated, so the audit trail keeps its actors."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    practice: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    centers: Mapped[list["UserCenterRow"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def center_ids(self) -> frozenset[str]:
        return frozenset(link.center_id for link in self.centers)


class UserCenterRow(Base):
    """A staff member's center."""

    __tablename__ = "user_centers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), primary_key=True)


class CredentialRow(Base):
    """A web session or an API token: only the SHA-256 of its secret is kept."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))  # session | token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OneTimeLinkRow(Base):
    """A password-reset or invitation link: single use, expiring, stored as a hash."""

    __tablename__ = "one_time_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))  # reset | invite
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SignInThrottleRow(Base):
    """Failed sign-ins per email hash, whether or not such an account exists."""

    __tablename__ = "sign_in_throttle"

    email_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AuditEventRow(Base):
    """Who did what to which record, when and from where; never the health information."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    actor_role: Mapped[str] = mapped_column(String(16), default="")
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(24), default="")
    target_id: Mapped[str] = mapped_column(String(80), default="")
    center_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    outcome: Mapped[str] = mapped_column(String(40), default="ok")
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


class CalendarRow(Base):
    """A center's consultation hours (local wall-clock times) and how slots are cut from them."""

    __tablename__ = "center_calendars"

    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), primary_key=True)
    weekly: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    buffer_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    min_notice_hours: Mapped[int] = mapped_column(Integer)
    horizon_days: Mapped[int] = mapped_column(Integer)
    # Hours before each consultation that reminders go out, largest first.
    reminder_hours: Mapped[list[int]] = mapped_column(JSON, default=lambda: [72, 24])
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ClosureRow(Base):
    """Local dates, start to end inclusive, on which a center sees nobody."""

    __tablename__ = "closures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class SlotRow(Base):
    """One consultation slot. `booked` only changes by a conditional update (see booking)."""

    __tablename__ = "slots"
    __table_args__ = (
        UniqueConstraint("center_id", "start_at", "end_at", name="uq_slots_center_time"),
        CheckConstraint("booked >= 0", name="ck_slots_booked_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str] = mapped_column(String(200), default="")
    # No longer offered: outside the current hours or on a closed date. Kept while bookings
    # point at it, so staff see them and decide; never bookable.
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class HoldRow(Base):
    """A place in a slot kept for one provider while they fill in the booking form; it counts
    against the slot's capacity until it expires, is released, or becomes a booking."""

    __tablename__ = "holds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, unguessable
    # A slot the center no longer offers goes with its holds (see calendar.refresh_slots).
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class WaitlistRow(Base):
    """A provider's request to be offered a consultation at a center within local dates.
    `reference` is the patient's initials or the provider's own reference: never a name."""

    __tablename__ = "waitlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(10), index=True)  # waiting|offered|booked|withdrawn
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WaitlistOfferRow(Base):
    """A freed place offered to one request: held for its provider until `expires_at`. A slot
    is offered to a request at most once."""

    __tablename__ = "waitlist_offers"
    __table_args__ = (UniqueConstraint("request_id", "slot_id", name="uq_waitlist_offer_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("waitlist.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id", ondelete="CASCADE"), index=True)
    hold_id: Mapped[str] = mapped_column(String(32))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | booked | lapsed


class BookingRow(Base):
    """A consultation booked by a referring provider for a patient: health information."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(80), unique=True)  # the calendar invite's UID
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # booked | cancelled | completed | no_show
    patient_name: Mapped[str] = mapped_column(String(200))
    patient_birth_date: Mapped[date] = mapped_column(Date)
    patient_email: Mapped[str] = mapped_column(String(254), default="")
    patient_phone: Mapped[str] = mapped_column(String(32), default="")
    indication: Mapped[str] = mapped_column(String(16))
    product: Mapped[str | None] = mapped_column(String(40), nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # the invite's SEQUENCE
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status_reason: Mapped[str] = mapped_column(String(200), default="")
    # The zones the provider and the patient read times in; "" means the center's.
    provider_timezone: Mapped[str] = mapped_column(String(64), default="")
    patient_timezone: Mapped[str] = mapped_column(String(64), default="")
    # The language the booking was made in ("en" or "es"): its messages are written in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # The patient's referral to this center, made with the first booking.
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id"), nullable=True, index=True
    )
    slot: Mapped[SlotRow] = relationship(lazy="joined")


class IdempotencyKeyRow(Base):
    """A provider's Idempotency-Key and the booking its first request created."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReminderRow(Base):
    """One message a booking owes someone: the outbox the scheduler drains.

    Written in the booking's own transaction, so a booking never exists without its
    reminders and a cancelled one never keeps them. The content is composed when it is sent,
    from the booking as it is then; the row holds no patient details.
    """

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A booking's message, or (kind stage_changed) a referral's.
    booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id"), nullable=True, index=True
    )
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id"), nullable=True, index=True
    )
    referral_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_events.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # confirmation | reminder | rescheduled | …
    recipient: Mapped[str] = mapped_column(String(8))  # provider | patient
    hours_before: Mapped[int | None] = mapped_column(Integer, nullable=True)
    slot_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # planned for this slot
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10))  # pending | sent | failed | cancelled
    detail: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A dispatcher holds the row until then while sending it; after a crash another takes it.
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resend_of: Mapped[int | None] = mapped_column(ForeignKey("reminders.id"), nullable=True)
    # A waitlist offer's message (kind waitlist_offer) to the provider the place is held for.
    waitlist_offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("waitlist_offers.id"), nullable=True
    )
    # A staff notice's recipient (recipient "staff"): the account it goes to.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class ReferralRow(Base):
    """A patient referred by a provider to a center: health information, and where they stand.

    `stage` and `stage_since` repeat what the history says, for listing and filtering; they
    change only together with a new history entry.
    """

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    center_id: Mapped[str] = mapped_column(ForeignKey("centers.id"), index=True)
    patient_name: Mapped[str] = mapped_column(String(200))
    patient_birth_date: Mapped[date] = mapped_column(Date)
    patient_email: Mapped[str] = mapped_column(String(254), default="")
    patient_phone: Mapped[str] = mapped_column(String(32), default="")
    # Home as geocoded at referral, at the precision given (a ZIP stays a ZIP's centre).
    home_label: Mapped[str] = mapped_column(String(300), default="")
    home_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_precision: Mapped[str] = mapped_column(String(8), default="")
    indication: Mapped[str] = mapped_column(String(16), default="")
    product: Mapped[str | None] = mapped_column(String(40), nullable=True)
    rule_id: Mapped[str] = mapped_column(String(20))
    planned_infusion: Mapped[date | None] = mapped_column(Date, nullable=True)
    stage: Mapped[str] = mapped_column(String(20), index=True)
    stage_since: Mapped[date] = mapped_column(Date)
    # The language the referral was made in ("en" or "es"): its notices are written in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    events: Mapped[list["ReferralEventRow"]] = relationship(
        order_by="ReferralEventRow.position", lazy="selectin"
    )


class ReferralEventRow(Base):
    """One entry of a referral's history; never changed once written (corrections are new ones)."""

    __tablename__ = "referral_events"
    __table_args__ = (UniqueConstraint("referral_id", "position", name="uq_referral_events_pos"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0, 1, 2… in the order recorded
    stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[date] = mapped_column(Date)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    correction_of: Mapped[int | None] = mapped_column(Integer, nullable=True)  # a position


class UserSettingRow(Base):
    """An account's own choices: the zone, language and clock its pages and mails use, and (for
    staff) which changes at their centers they are mailed about, at once or in a daily digest."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="")  # "" = the center's
    language: Mapped[str] = mapped_column(String(8), default="")  # "" = the browser's
    hour_cycle: Mapped[str] = mapped_column(String(2), default="")  # "12" | "24" | "" = locale's
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)  # booked, moved, …
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
