"""csi programme: PDCA improvement plans per unit (item, target, owner, due date)

Revision ID: 0004_programme
Revises: 0002
Create Date: 2026-12-03

A branch off 0002 (the store upgrades to ``heads``), independent of the other rooms'.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_programme"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "csi_plans",
        sa.Column("id", BigId, nullable=False),
        sa.Column("unit_pk", BigId, nullable=False),
        sa.Column("item_code", sa.String(length=60), nullable=False),
        sa.Column("baseline_period", sa.String(length=16), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="open", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["unit_pk"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_csi_plans_unit_pk", "csi_plans", ["unit_pk"])


def downgrade() -> None:
    op.drop_index("ix_csi_plans_unit_pk", table_name="csi_plans")
    op.drop_table("csi_plans")
