"""staff workspace: Chinese names, tags, saved filters, survey skip logic, list indexes

Revision ID: 0004_staff
Revises: 0002
Create Date: 2026-12-03

Customers get ``name_zh`` (copied from the imported ``attributes`` where it was kept) and
tags; each user may save list filters; survey items get ``required`` and a simple skip
rule ("show only if item A ≤ n"); invitations remember reminders. The indexes serve the
staff lists' sorting and filters; on PostgreSQL, trigram indexes (when the ``pg_trgm``
extension is available) let name, e-mail and phone search stay fast at a million customers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_staff"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRIGRAM_COLUMNS = {
    "name": "lower(name)",
    "name_zh": "name_zh",
    "email": "lower(email)",
    "phone": "phone",
}


def _has_trigram(bind) -> bool:  # type: ignore[no-untyped-def]
    if bind.dialect.name != "postgresql":
        return False
    return bool(
        bind.execute(
            sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        ).scalar()
    )


def _trigram_schema(bind) -> str | None:  # type: ignore[no-untyped-def]
    """The schema holding ``pg_trgm``, installing it first where it is missing.

    An extension lives in one schema per database, which need not be on this store's
    ``search_path`` (a store kept in its own schema), so the operator class is named
    with its schema rather than found by the path.
    """
    query = sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    )
    # two stores migrating at once must not both try to install it
    bind.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('patron pg_trgm'))"))
    schema = bind.execute(query).scalar()
    if schema is None:
        has_public = bind.execute(
            sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")
        ).scalar()
        # in public where it exists, so dropping one store's schema never drops it
        try:
            with bind.begin_nested():
                bind.execute(
                    sa.text(
                        "CREATE EXTENSION IF NOT EXISTS pg_trgm"
                        + (" SCHEMA public" if has_public else "")
                    )
                )
        except sa.exc.DBAPIError:  # no right to install it: search works, only slower
            return None
        schema = bind.execute(query).scalar()
    return None if schema is None else str(schema)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("name_zh", sa.String(length=200), nullable=True))
    if bind.dialect.name == "sqlite":
        op.execute(
            "UPDATE customers SET name_zh = json_extract(attributes, '$.name_zh') "
            "WHERE attributes IS NOT NULL AND json_extract(attributes, '$.name_zh') IS NOT NULL"
        )
    else:
        op.execute(
            "UPDATE customers SET name_zh = attributes->>'name_zh' "
            "WHERE attributes IS NOT NULL AND attributes->>'name_zh' IS NOT NULL"
        )
    op.create_index("ix_customers_name_zh", "customers", ["name_zh"])
    op.create_index("ix_customers_created_at", "customers", ["created_at"])
    op.create_index("ix_complaints_status_due", "complaints", ["status", "sla_due_at"])
    op.create_index("ix_complaints_assigned_to", "complaints", ["assigned_to"])
    op.create_index("ix_complaints_sla_due_at", "complaints", ["sla_due_at"])
    op.create_index("ix_tasks_status_due", "tasks", ["status", "due_at"])
    if bind.dialect.name == "postgresql":  # "陈伟%" uses it whatever the collation
        op.execute(
            "CREATE INDEX ix_customers_name_zh_prefix ON customers (name_zh text_pattern_ops)"
        )
    trigram_schema = _trigram_schema(bind) if _has_trigram(bind) else None
    if trigram_schema is not None:
        opclass = f'"{trigram_schema}".gin_trgm_ops'
        for column, expression in TRIGRAM_COLUMNS.items():
            op.execute(
                f"CREATE INDEX ix_customers_{column}_trgm ON customers "
                f"USING gin ({expression} {opclass})"
            )
    op.create_table(
        "customer_tags",
        sa.Column("id", BigId, nullable=False),
        sa.Column("customer_pk", BigId, nullable=False),
        sa.Column("tag", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(["customer_pk"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_pk", "tag", name="uq_customer_tag"),
    )
    op.create_index("ix_customer_tags_tag", "customer_tags", ["tag"])
    op.create_table(
        "saved_filters",
        sa.Column("id", BigId, nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("list_name", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username", "list_name", "name", name="uq_saved_filter"),
    )
    with op.batch_alter_table("survey_items") as batch:
        batch.add_column(
            sa.Column("required", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("show_if_item", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("show_if_max", sa.Float(), nullable=True))
    with op.batch_alter_table("survey_invitations") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("reminders", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("survey_invitations") as batch:
        batch.drop_column("reminders")
        batch.drop_column("reminded_at")
    with op.batch_alter_table("survey_items") as batch:
        batch.drop_column("show_if_max")
        batch.drop_column("show_if_item")
        batch.drop_column("required")
    op.drop_table("saved_filters")
    op.drop_index("ix_customer_tags_tag", table_name="customer_tags")
    op.drop_table("customer_tags")
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_name_zh_prefix")
        for column in TRIGRAM_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_customers_{column}_trgm")
    op.drop_index("ix_tasks_status_due", table_name="tasks")
    op.drop_index("ix_complaints_sla_due_at", table_name="complaints")
    op.drop_index("ix_complaints_assigned_to", table_name="complaints")
    op.drop_index("ix_complaints_status_due", table_name="complaints")
    op.drop_index("ix_customers_created_at", table_name="customers")
    op.drop_index("ix_customers_name_zh", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("name_zh")
