"""Consultation calendars, closures, slots, bookings and idempotency keys.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "center_calendars",
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), primary_key=True),
        sa.Column("weekly", sa.JSON, nullable=False),
        sa.Column("slot_minutes", sa.Integer, nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("min_notice_hours", sa.Integer, nullable=False),
        sa.Column("horizon_days", sa.Integer, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_closures_center_id", "closures", ["center_id"])
    op.create_table(
        "slots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("start_at", INSTANT, nullable=False),
        sa.Column("end_at", INSTANT, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("booked", sa.Integer, nullable=False),
        sa.Column("blocked", sa.Boolean, nullable=False),
        sa.Column("block_reason", sa.String(200), nullable=False),
        sa.Column("retired", sa.Boolean, nullable=False),
        sa.UniqueConstraint("center_id", "start_at", "end_at", name="uq_slots_center_time"),
        sa.CheckConstraint("booked >= 0", name="ck_slots_booked_not_negative"),
    )
    op.create_index("ix_slots_center_id", "slots", ["center_id"])
    op.create_index("ix_slots_start_at", "slots", ["start_at"])
    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(80), nullable=False, unique=True),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slots.id"), nullable=False),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("patient_birth_date", sa.Date, nullable=False),
        sa.Column("patient_email", sa.String(254), nullable=False),
        sa.Column("patient_phone", sa.String(32), nullable=False),
        sa.Column("indication", sa.String(16), nullable=False),
        sa.Column("product", sa.String(40), nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
        sa.Column("status_reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_bookings_slot_id", "bookings", ["slot_id"])
    op.create_index("ix_bookings_center_id", "bookings", ["center_id"])
    op.create_index("ix_bookings_provider_id", "bookings", ["provider_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
    )


def downgrade() -> None:
    for table in ("idempotency_keys", "bookings", "slots", "closures", "center_calendars"):
        op.drop_table(table)
