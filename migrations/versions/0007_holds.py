"""Holds: a place in a slot kept for one provider while they book it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "holds",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "slot_id", sa.Integer, sa.ForeignKey("slots.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", INSTANT, nullable=False),
        sa.Column("expires_at", INSTANT, nullable=False),
    )
    op.create_index("ix_holds_slot_id", "holds", ["slot_id"])
    op.create_index("ix_holds_provider_id", "holds", ["provider_id"])
    op.create_index("ix_holds_expires_at", "holds", ["expires_at"])


def downgrade() -> None:
    op.drop_table("holds")
