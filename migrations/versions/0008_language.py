"""A booking's and a referral's language: their messages are written in it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("bookings", "referrals"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("language", sa.String(8), nullable=False, server_default="en")
            )


def downgrade() -> None:
    for table in ("bookings", "referrals"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("language")
