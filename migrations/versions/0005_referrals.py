"""Referrals and their journey history; bookings and messages may belong to a referral.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "referrals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("patient_name", sa.String(200), nullable=False),
        sa.Column("patient_birth_date", sa.Date, nullable=False),
        sa.Column("patient_email", sa.String(254), nullable=False),
        sa.Column("patient_phone", sa.String(32), nullable=False),
        sa.Column("home_label", sa.String(300), nullable=False),
        sa.Column("home_lat", sa.Float, nullable=True),
        sa.Column("home_lon", sa.Float, nullable=True),
        sa.Column("home_precision", sa.String(8), nullable=False),
        sa.Column("indication", sa.String(16), nullable=False),
        sa.Column("product", sa.String(40), nullable=True),
        sa.Column("rule_id", sa.String(20), nullable=False),
        sa.Column("planned_infusion", sa.Date, nullable=True),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("stage_since", sa.Date, nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("updated_at", INSTANT, nullable=False),
    )
    op.create_index("ix_referrals_provider_id", "referrals", ["provider_id"])
    op.create_index("ix_referrals_center_id", "referrals", ["center_id"])
    op.create_index("ix_referrals_stage", "referrals", ["stage"])
    op.create_table(
        "referral_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("referral_id", sa.Integer, sa.ForeignKey("referrals.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("at", sa.Date, nullable=False),
        sa.Column("by_user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("recorded_at", INSTANT, nullable=False),
        sa.Column("correction_of", sa.Integer, nullable=True),
        sa.UniqueConstraint("referral_id", "position", name="uq_referral_events_pos"),
    )
    op.create_index("ix_referral_events_referral_id", "referral_events", ["referral_id"])
    with op.batch_alter_table("bookings") as table:
        table.add_column(sa.Column("referral_id", sa.Integer, nullable=True))
        table.create_foreign_key("fk_bookings_referral", "referrals", ["referral_id"], ["id"])
        table.create_index("ix_bookings_referral_id", ["referral_id"])
    with op.batch_alter_table("reminders") as table:
        table.alter_column("booking_id", existing_type=sa.Integer, nullable=True)
        table.alter_column("slot_id", existing_type=sa.Integer, nullable=True)
        table.add_column(sa.Column("referral_id", sa.Integer, nullable=True))
        table.add_column(sa.Column("referral_event_id", sa.Integer, nullable=True))
        table.create_foreign_key("fk_reminders_referral", "referrals", ["referral_id"], ["id"])
        table.create_foreign_key(
            "fk_reminders_referral_event", "referral_events", ["referral_event_id"], ["id"]
        )
        table.create_index("ix_reminders_referral_id", ["referral_id"])


def downgrade() -> None:
    with op.batch_alter_table("reminders") as table:
        table.drop_index("ix_reminders_referral_id")
        table.drop_constraint("fk_reminders_referral_event", type_="foreignkey")
        table.drop_constraint("fk_reminders_referral", type_="foreignkey")
        table.drop_column("referral_event_id")
        table.drop_column("referral_id")
    with op.batch_alter_table("bookings") as table:
        table.drop_index("ix_bookings_referral_id")
        table.drop_constraint("fk_bookings_referral", type_="foreignkey")
        table.drop_column("referral_id")
    op.drop_table("referral_events")
    op.drop_table("referrals")
