"""What the warehouse holds: each store table it copies, its columns and Arrow types, and where.

``patron.collect.warehouse.sync`` keeps these copies up to date; readers find a table's
Parquet parts with ``table_path``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from patron.core.workspace import Workspace

TS = pa.timestamp("us", tz="UTC")
STR, I64, F64, BOOL, DATE = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()


@dataclass(frozen=True)
class TableCopy:
    """How one store table is copied: its query, column types, and whether rows change."""

    name: str
    select: str  # SELECT … FROM … ; ``{where}`` is replaced by the id condition
    columns: tuple[tuple[str, pa.DataType], ...]
    signature: str  # aggregates that change when any copied row changes
    mutable: bool
    alias: str = "t"

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([pa.field(n, t) for n, t in self.columns])


def _exact_sum(column: str, places: int) -> str:
    """SQL: the sum of a float column as an integer of ``places`` decimals.

    A float sum depends on the order it is added in, and PostgreSQL's parallel plans add
    in varying order: the signature changed with nothing changed, and each sync copied
    ten million orders afresh. Rounded to integers first, the sum is exact; a change
    smaller than the last place (for money, a cent) goes unseen.
    """
    return f"sum(CAST(round(coalesce({column}, 0) * {10**places}) AS BIGINT))"


def _copy(
    name: str, select: str, columns: list[tuple[str, pa.DataType]], signature: str, mutable: bool
) -> TableCopy:
    return TableCopy(name, select, tuple(columns), signature, mutable)


TABLES: tuple[TableCopy, ...] = (
    _copy(
        "units",
        "SELECT t.id, t.code, t.name, t.name_zh, t.kind, t.parent_pk, t.path FROM units t"
        " {where} ORDER BY t.id",
        [
            ("id", I64),
            ("code", STR),
            ("name", STR),
            ("name_zh", STR),
            ("kind", STR),
            ("parent_pk", I64),
            ("path", STR),
        ],
        "count(*), max(t.id), max(t.updated_at), sum(length(t.path) + length(t.code)"
        " + length(t.name) + length(coalesce(t.name_zh, '')) + length(t.kind))",
        True,
    ),
    _copy(
        "customers",
        "SELECT t.id, t.id, t.customer_id, t.name, t.email, t.phone, t.birthday, t.gender, t.city,"
        " t.region, t.country, t.language, t.acquired_at, t.acquisition_channel, t.consent_email,"
        " t.consent_sms, t.consent_phone, t.consent_analytics, t.attributes, t.attributes,"
        " t.merged_into_id, t.erased_at, t.created_at, t.updated_at, t.version, t.unit_pk"
        " FROM customers t {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("name", STR),
            ("email", STR),
            ("phone", STR),
            ("birthday", DATE),
            ("gender", STR),
            ("city", STR),
            ("region", STR),
            ("country", STR),
            ("language", STR),
            ("acquired_at", DATE),
            ("acquisition_channel", STR),
            ("consent_email", BOOL),
            ("consent_sms", BOOL),
            ("consent_phone", BOOL),
            ("consent_analytics", BOOL),
            ("dataset", STR),
            ("attributes", STR),
            ("merged_into_pk", I64),
            ("erased_at", TS),
            ("created_at", TS),
            ("updated_at", TS),
            ("version", I64),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(t.version), max(t.updated_at), sum(coalesce(t.unit_pk, 0))",
        True,
    ),
    _copy(
        "preferences",
        "SELECT t.id, t.customer_pk, c.customer_id, t.key, t.value, t.observed_at, t.source,"
        " t.times_observed FROM preferences t JOIN customers c ON c.id = t.customer_pk"
        " {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("key", STR),
            ("value", STR),
            ("observed_at", TS),
            ("source", STR),
            ("times_observed", I64),
        ],
        "count(*), max(t.id), sum(t.times_observed), max(t.observed_at)",
        True,
    ),
    _copy(
        "important_dates",
        "SELECT t.id, t.customer_pk, c.customer_id, t.kind, t.date, t.label, t.recurring"
        " FROM important_dates t JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("kind", STR),
            ("date", DATE),
            ("label", STR),
            ("recurring", BOOL),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.label, '')))",
        False,
    ),
    _copy(
        "interactions",
        "SELECT t.id, t.interaction_id, t.customer_pk, c.customer_id, t.occurred_at, t.channel,"
        " t.kind, t.is_service, t.summary, t.staff, t.unit_pk FROM interactions t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("interaction_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("occurred_at", TS),
            ("channel", STR),
            ("kind", STR),
            ("is_service", BOOL),
            ("summary", STR),
            ("staff", STR),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.summary, ''))), sum(length(coalesce(t.staff, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "orders",
        "SELECT t.id, t.order_id, t.customer_pk, c.customer_id, t.ordered_at, t.amount, t.cost,"
        " t.discount, t.quantity, t.channel, t.location, t.status, t.unit_pk FROM orders t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("order_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("ordered_at", TS),
            ("amount", F64),
            ("cost", F64),
            ("discount", F64),
            ("quantity", F64),
            ("channel", STR),
            ("location", STR),
            ("status", STR),
            ("unit_pk", I64),
        ],
        f"count(*), max(t.id), {_exact_sum('t.amount', 2)}, count(t.status),"
        " sum(length(coalesce(t.status, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "order_lines",
        "SELECT t.id, t.order_pk, o.order_id, o.customer_pk, c.customer_id, o.ordered_at,"
        " t.line_no, t.product, t.category, t.quantity, t.amount, t.cost, t.discount, o.unit_pk"
        " FROM order_lines t JOIN orders o ON o.id = t.order_pk"
        " JOIN customers c ON c.id = o.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("order_pk", I64),
            ("order_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("ordered_at", TS),
            ("line_no", I64),
            ("product", STR),
            ("category", STR),
            ("quantity", F64),
            ("amount", F64),
            ("cost", F64),
            ("discount", F64),
            ("unit_pk", I64),
        ],
        f"count(*), max(t.id), {_exact_sum('t.amount', 2)}, {_exact_sum('t.quantity', 4)}",
        False,
    ),
    _copy(
        "complaints",
        "SELECT t.id, t.complaint_id, t.customer_pk, c.customer_id, t.opened_at, t.channel,"
        " t.category, t.severity, t.status, t.description, t.assigned_to, t.sla_due_at,"
        " t.escalation_level, t.escalated_at, t.resolved_at, t.resolution, t.outcome,"
        " t.created_at, t.updated_at, t.version, t.unit_pk FROM complaints t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("complaint_id", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("opened_at", TS),
            ("channel", STR),
            ("category", STR),
            ("severity", STR),
            ("status", STR),
            ("description", STR),
            ("assigned_to", STR),
            ("sla_due_at", TS),
            ("escalation_level", I64),
            ("escalated_at", TS),
            ("resolved_at", TS),
            ("resolution", STR),
            ("outcome", STR),
            ("created_at", TS),
            ("updated_at", TS),
            ("version", I64),
            ("unit_pk", I64),
        ],
        "count(*), max(t.id), sum(t.version), max(t.updated_at)",
        True,
    ),
    _copy(
        "survey_items",
        "SELECT t.id, t.survey_pk, s.code, t.code, t.construct, t.text_en, t.text_zh,"
        " t.scale_min, t.scale_max, t.position FROM survey_items t"
        " JOIN surveys s ON s.id = t.survey_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("survey_pk", I64),
            ("survey_code", STR),
            ("code", STR),
            ("construct", STR),
            ("text_en", STR),
            ("text_zh", STR),
            ("scale_min", F64),
            ("scale_max", F64),
            ("position", I64),
        ],
        "count(*), max(t.id), sum(length(coalesce(t.construct, '')) + length(t.code)"
        " + length(coalesce(t.text_en, '')) + length(coalesce(t.text_zh, ''))),"
        " sum(t.scale_min + t.scale_max + t.position)",
        True,
    ),
    _copy(
        "survey_responses",
        "SELECT t.id, t.response_id, t.survey_pk, s.code, t.customer_pk, c.customer_id,"
        " t.responded_at, t.item_code, i.construct, t.value, t.text_value, t.source, t.unit_pk"
        " FROM survey_responses t LEFT JOIN surveys s ON s.id = t.survey_pk"
        " LEFT JOIN survey_items i ON i.survey_pk = t.survey_pk AND i.code = t.item_code"
        " LEFT JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("response_id", STR),
            ("survey_pk", I64),
            ("survey_code", STR),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("responded_at", TS),
            ("item_code", STR),
            ("construct", STR),
            ("value", F64),
            ("text_value", STR),
            ("source", STR),
            ("unit_pk", I64),
        ],
        f"count(*), max(t.id), {_exact_sum('t.value', 6)}, sum(length(coalesce(t.text_value, ''))),"
        " sum(coalesce(t.unit_pk, 0))",
        False,
    ),
    _copy(
        "score_snapshots",
        "SELECT t.id, t.customer_pk, c.customer_id, t.metric, t.value, t.label, t.as_of,"
        " t.model, t.detail, t.computed_at FROM score_snapshots t"
        " JOIN customers c ON c.id = t.customer_pk {where} ORDER BY t.id",
        [
            ("id", I64),
            ("customer_pk", I64),
            ("customer_id", STR),
            ("metric", STR),
            ("value", F64),
            ("label", STR),
            ("as_of", DATE),
            ("model", STR),
            ("detail", STR),
            ("computed_at", TS),
        ],
        f"count(*), max(t.id), max(t.computed_at), {_exact_sum('t.value', 6)},"
        " sum(length(coalesce(t.label, '')))",
        True,
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)


def table_path(workspace: Workspace | str | os.PathLike[str], name: str) -> str:
    """The glob readers (DuckDB, Ibis, Spark) pass to read table ``name``'s Parquet parts."""
    root = (
        workspace.warehouse if isinstance(workspace, Workspace) else Path(workspace) / "warehouse"
    )
    return str(Path(root) / name / "*.parquet")
