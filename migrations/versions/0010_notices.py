"""Staff notices and account settings: which changes each staff member is mailed about, the
account's time zone, language and 12/24-hour clock, and the outbox row's staff recipient.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_settings",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=False, server_default=""),
        sa.Column("language", sa.String(8), nullable=False, server_default=""),
        sa.Column("hour_cycle", sa.String(2), nullable=False, server_default=""),
        sa.Column("notices", sa.JSON, nullable=False, server_default="[]"),
        sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("reminders") as table:
        table.add_column(
            sa.Column(
                "user_id",
                sa.Integer,
                sa.ForeignKey("users.id", name="fk_reminders_user_id"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("reminders") as table:
        table.drop_column("user_id")
    op.drop_table("user_settings")
