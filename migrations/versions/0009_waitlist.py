"""The waitlist: providers' requests for a consultation, and the freed places offered to them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("first_day", sa.Date, nullable=False),
        sa.Column("last_day", sa.Date, nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
    )
    op.create_index("ix_waitlist_center_id", "waitlist", ["center_id"])
    op.create_index("ix_waitlist_provider_id", "waitlist", ["provider_id"])
    op.create_index("ix_waitlist_status", "waitlist", ["status"])
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("request_id", sa.Integer, sa.ForeignKey("waitlist.id"), nullable=False),
        sa.Column(
            "slot_id", sa.Integer, sa.ForeignKey("slots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("hold_id", sa.String(32), nullable=False),
        sa.Column("offered_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.UniqueConstraint("request_id", "slot_id", name="uq_waitlist_offer_once"),
    )
    op.create_index("ix_waitlist_offers_request_id", "waitlist_offers", ["request_id"])
    op.create_index("ix_waitlist_offers_slot_id", "waitlist_offers", ["slot_id"])
    op.create_index("ix_waitlist_offers_expires_at", "waitlist_offers", ["expires_at"])
    op.create_index("ix_waitlist_offers_status", "waitlist_offers", ["status"])
    with op.batch_alter_table("reminders") as batch:
        batch.add_column(sa.Column("waitlist_offer_id", sa.Integer, nullable=True))
        batch.create_foreign_key(
            "fk_reminders_waitlist_offer_id", "waitlist_offers", ["waitlist_offer_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("reminders") as batch:
        batch.drop_constraint("fk_reminders_waitlist_offer_id", type_="foreignkey")
        batch.drop_column("waitlist_offer_id")
    op.drop_table("waitlist_offers")
    op.drop_table("waitlist")
