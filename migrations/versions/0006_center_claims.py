"""Centers keep their own profile: product claims with status and source, referral intake,
languages, the fields the center confirmed, and the history of its changes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

INSTANT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("centers") as table:
        table.add_column(sa.Column("accepting_referrals", sa.Boolean, nullable=True))
        table.add_column(
            sa.Column("referral_phone", sa.String(20), nullable=False, server_default="")
        )
        table.add_column(sa.Column("referral_fax", sa.String(20), nullable=False, server_default=""))
        table.add_column(
            sa.Column("referral_email", sa.String(254), nullable=False, server_default="")
        )
        table.add_column(sa.Column("outpatient", sa.Boolean, nullable=True))
        table.add_column(sa.Column("languages", sa.JSON, nullable=False, server_default="[]"))
        table.add_column(sa.Column("confirmed", sa.JSON, nullable=False, server_default="{}"))
    op.create_table(
        "center_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("product", sa.String(40), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("checked_on", sa.Date, nullable=True),
        sa.UniqueConstraint("center_id", "product", name="uq_center_claims"),
    )
    op.create_index("ix_center_claims_center_id", "center_claims", ["center_id"])
    op.create_table(
        "center_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("center_id", sa.String(80), sa.ForeignKey("centers.id"), nullable=False),
        sa.Column("at", INSTANT, nullable=False),
        sa.Column("actor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor_email", sa.String(254), nullable=False),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("claims_before", sa.JSON, nullable=True),
        sa.Column("revert_of", sa.Integer, nullable=True),
        sa.Column("reverted_by", sa.Integer, nullable=True),
    )
    op.create_index("ix_center_changes_center_id", "center_changes", ["center_id"])


def downgrade() -> None:
    op.drop_index("ix_center_changes_center_id", "center_changes")
    op.drop_table("center_changes")
    op.drop_index("ix_center_claims_center_id", "center_claims")
    op.drop_table("center_claims")
    with op.batch_alter_table("centers") as table:
        for name in (
            "confirmed",
            "languages",
            "outpatient",
            "referral_email",
            "referral_fax",
            "referral_phone",
            "accepting_referrals",
        ):
            table.drop_column(name)
