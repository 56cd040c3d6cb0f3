"""customer units: which units each customer belongs to, kept by the database itself

Revision ID: 0005_customer_units
Revises: 0002
Create Date: 2026-12-03

A customer belongs to a unit when assigned to it or when they have an order, a contact,
a complaint or a survey answer there (``patron.collect.units.MEMBERSHIP_TABLES``).
Asking that of the fact tables on every staff page meant a union over ten million orders
per request; ``customer_units`` holds the pairs instead, one row per (customer, unit).
Triggers keep it exact, whatever wrote the row (the web, the API, the importers,
``COPY``): an insert adds its pair; a change of ``customer_pk`` or ``unit_pk`` (a merge,
a record moved to another unit) or a delete removes the old pair unless another row still
makes it, and adds the new one. On PostgreSQL the triggers run once per statement over
its transition tables, so a bulk load pays once per batch, not once per row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_customer_units"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# table -> its customer column (customers carry their own unit on ``id``)
SOURCES = {
    "customers": "id",
    "orders": "customer_pk",
    "interactions": "customer_pk",
    "complaints": "customer_pk",
    "survey_responses": "customer_pk",
}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "customer_units",
        sa.Column("customer_pk", BigId, nullable=False),
        sa.Column("unit_pk", BigId, nullable=False),
        sa.ForeignKeyConstraint(["customer_pk"], ["customers.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_pk"], ["units.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("customer_pk", "unit_pk"),
    )
    op.create_index("ix_customer_units_unit", "customer_units", ["unit_pk", "customer_pk"])
    # The live customers' ids alone: a list's bounded count ("more than 10 000") joins it
    # with customer_units from the two indexes, never touching the customers' rows.
    op.create_index(
        "ix_customers_live",
        "customers",
        ["id"],
        postgresql_where=sa.text("merged_into_id IS NULL AND erased_at IS NULL"),
        sqlite_where=sa.text("merged_into_id IS NULL AND erased_at IS NULL"),
    )
    if bind.dialect.name == "postgresql":
        # "Birthdays this week" asks a month and a day (patron.collect.worklist.month_day)
        op.execute(
            "CREATE INDEX ix_customers_birthday_month_day ON customers "
            "((EXTRACT(month FROM birthday) * 100 + EXTRACT(day FROM birthday)))"
        )
    for table, customer in SOURCES.items():
        postgres = bind.dialect.name == "postgresql"
        op.execute(
            ("INSERT" if postgres else "INSERT OR IGNORE")
            + f" INTO customer_units (customer_pk, unit_pk) SELECT DISTINCT {customer}, unit_pk"
            f" FROM {table} WHERE unit_pk IS NOT NULL AND {customer} IS NOT NULL"
            + (" ON CONFLICT DO NOTHING" if postgres else "")
        )
        if bind.dialect.name == "postgresql":
            _postgres_triggers(table, customer)
        else:
            _sqlite_triggers(table, customer)


def _still_served(customer: str, unit: str) -> str:
    """SQL: some source row still puts ``customer`` in ``unit`` (the pair must stay)."""
    return " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} s WHERE s.{column} = {customer} AND s.unit_pk = {unit})"
        for table, column in SOURCES.items()
    )


def _postgres_triggers(table: str, customer: str) -> None:
    # SET search_path FROM CURRENT: the functions find this store's tables even when the
    # store lives in its own schema.
    add = f"""
            INSERT INTO customer_units (customer_pk, unit_pk)
            SELECT DISTINCT {customer}, unit_pk FROM new_rows
            WHERE unit_pk IS NOT NULL AND {customer} IS NOT NULL
            ON CONFLICT DO NOTHING;"""
    drop = f"""
            DELETE FROM customer_units cu
            USING (SELECT DISTINCT {customer} AS c, unit_pk AS u FROM old_rows
                   WHERE unit_pk IS NOT NULL AND {customer} IS NOT NULL) o
            WHERE cu.customer_pk = o.c AND cu.unit_pk = o.u
              AND NOT ({_still_served("o.c", "o.u")});"""
    bodies = {"insert": add, "update": drop + add, "delete": drop}
    referencing = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for event, body in bodies.items():
        name = f"patron_customer_units_{table}_{event}"
        op.execute(
            f"""
            CREATE FUNCTION {name}() RETURNS trigger
            LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
            BEGIN{body}
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER {table}_customer_units_{event} AFTER {event.upper()} ON {table} "
            f"REFERENCING {referencing[event]} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _sqlite_triggers(table: str, customer: str) -> None:
    add = (
        "INSERT OR IGNORE INTO customer_units (customer_pk, unit_pk) "
        f"SELECT NEW.{customer}, NEW.unit_pk WHERE NEW.unit_pk IS NOT NULL "
        f"AND NEW.{customer} IS NOT NULL;"
    )
    drop = (
        f"DELETE FROM customer_units WHERE customer_pk = OLD.{customer} "
        f"AND unit_pk = OLD.unit_pk AND NOT ({_still_served(f'OLD.{customer}', 'OLD.unit_pk')});"
    )
    op.execute(
        f"CREATE TRIGGER {table}_customer_units_insert AFTER INSERT ON {table} BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_customer_units_update AFTER UPDATE OF {customer}, unit_pk "
        f"ON {table} BEGIN {drop} {add} END"
    )
    op.execute(
        f"CREATE TRIGGER {table}_customer_units_delete AFTER DELETE ON {table} BEGIN {drop} END"
    )


def downgrade() -> None:
    bind = op.get_bind()
    for table in SOURCES:
        for event in ("insert", "update", "delete"):
            on = f" ON {table}" if bind.dialect.name == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_customer_units_{event}{on}")
            if bind.dialect.name == "postgresql":
                op.execute(f"DROP FUNCTION IF EXISTS patron_customer_units_{table}_{event}()")
    if bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_birthday_month_day")
    op.drop_index("ix_customers_live", table_name="customers")
    op.drop_index("ix_customer_units_unit", table_name="customer_units")
    op.drop_table("customer_units")
