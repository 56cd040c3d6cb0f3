"""organisation units: the unit hierarchy and the unit every record belongs to

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Tables whose rows belong to a unit.
UNIT_TABLES = (
    "customers",
    "interactions",
    "orders",
    "complaints",
    "survey_invitations",
    "survey_responses",
    "users",
    "campaigns",
)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=True),
        sa.Column("kind", sa.String(length=40), server_default="unit", nullable=False),
        sa.Column("parent_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["parent_pk"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index("ix_units_parent_pk", "units", ["parent_pk"])
    op.create_index("ix_units_path", "units", ["path"])
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in UNIT_TABLES:
        if sqlite:
            # SQLite adds a column with its reference in place (no copy of a large table).
            op.execute(f"ALTER TABLE {table} ADD COLUMN unit_pk INTEGER REFERENCES units(id)")
        else:
            op.add_column(table, sa.Column("unit_pk", sa.BigInteger(), nullable=True))
            op.create_foreign_key(f"fk_{table}_unit_pk", table, "units", ["unit_pk"], ["id"])
        op.create_index(f"ix_{table}_unit_pk", table, ["unit_pk"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in reversed(UNIT_TABLES):
        op.drop_index(f"ix_{table}_unit_pk", table_name=table)
        if sqlite:
            with op.batch_alter_table(table) as batch:
                batch.drop_column("unit_pk")
        else:
            op.drop_constraint(f"fk_{table}_unit_pk", table, type_="foreignkey")
            op.drop_column(table, "unit_pk")
    op.drop_index("ix_units_path", table_name="units")
    op.drop_index("ix_units_parent_pk", table_name="units")
    op.drop_table("units")
