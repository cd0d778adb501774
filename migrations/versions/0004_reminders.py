"""The reminder outbox, per-center reminder times, and the zones times are read in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("center_calendars") as table:
        table.add_column(
            sa.Column("reminder_hours", sa.JSON, nullable=False, server_default="[72, 24]")
        )
    with op.batch_alter_table("bookings") as table:
        table.add_column(
            sa.Column("provider_timezone", sa.String(64), nullable=False, server_default="")
        )
        table.add_column(
            sa.Column("patient_timezone", sa.String(64), nullable=False, server_default="")
        )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("booking_id", sa.Integer, sa.ForeignKey("bookings.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(8), nullable=False),
        sa.Column("hours_before", sa.Integer, nullable=True),
        sa.Column("slot_id", sa.Integer, nullable=False),
        sa.Column("due_at", INSTANT, nullable=False),
        sa.Column("next_attempt_at", INSTANT, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_until", INSTANT, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=False),
        sa.Column("sent_at", INSTANT, nullable=True),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("resend_of", sa.Integer, sa.ForeignKey("reminders.id"), nullable=True),
    )
    op.create_index("ix_reminders_booking_id", "reminders", ["booking_id"])
    op.create_index("ix_reminders_due", "reminders", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_reminders_due", "reminders")
    op.drop_index("ix_reminders_booking_id", "reminders")
    op.drop_table("reminders")
    with op.batch_alter_table("bookings") as table:
        table.drop_column("patient_timezone")
        table.drop_column("provider_timezone")
    with op.batch_alter_table("center_calendars") as table:
        table.drop_column("reminder_hours")
