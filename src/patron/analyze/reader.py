"""The one way analyses read the warehouse: Ibis tables on the configured engine, scoped to a unit.

Every room (features, segments, lifecycle, loyalty, CLV, churn, linkage, CSI, the
report) asks a :class:`WarehouseReader` for its tables; none opens Parquet files itself.
The reader applies the analysis scope (a unit and everything below it) and the
workspace's vocabulary (what a sale is), on DuckDB by default or on Spark.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
from ibis.backends import BaseBackend

from patron.analyze import engine
from patron.collect.units import EVERYTHING, MEMBERSHIP_TABLES, Scope, resolve_scope
from patron.collect.warehouse import table_path
from patron.core.i18n import _
from patron.core.vocabulary import Vocabulary, vocabulary_of
from patron.exceptions import InputError

#: Tables whose rows carry the unit they belong to.
UNIT_TABLES = frozenset({"orders", "order_lines", "interactions", "complaints", "survey_responses"})
#: Tables of a customer's own (no unit): in scope when their customer is.
CUSTOMER_TABLES = frozenset({"customers", "preferences", "important_dates", "score_snapshots"})
#: Tables that belong to the whole organisation (never filtered).
SHARED_TABLES = frozenset({"units", "survey_items"})


class WarehouseReader:
    """Scoped, engine-neutral access to a workspace's warehouse.

    Parameters
    ----------
    workspace : Workspace
        The workspace whose ``warehouse/`` ``patron sync`` wrote.
    unit : str or Scope, default=None
        Unit code (``"all"`` for everything) or a resolved scope; ``None`` takes the
        workspace's ``[analytics] default_unit``.
    con : ibis backend or str, default=None
        Engine: ``"duckdb"``, ``"spark"`` or a connected backend (default ``PATRON_ENGINE``).
    """

    def __init__(
        self,
        workspace: Any,
        *,
        unit: str | Scope | None = None,
        con: BaseBackend | str | None = None,
    ) -> None:
        self.workspace = workspace
        self.scope = unit if isinstance(unit, Scope) else resolve_scope(workspace, unit)
        self.con = engine.connect(con)
        self.vocabulary: Vocabulary = vocabulary_of(workspace)
        self._cache: dict[str, ir.Table] = {}
        self._given: dict[str, ir.Table] | None = None

    @classmethod
    def from_tables(
        cls,
        tables: dict[str, ir.Table],
        *,
        con: BaseBackend | str | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> WarehouseReader:
        """A reader over tables given directly (a file of orders, a test's frames): the
        same interface, no workspace, no scope."""
        reader = cls.__new__(cls)
        reader.workspace = None
        reader.scope = EVERYTHING
        reader.con = engine.connect(con)
        reader.vocabulary = vocabulary or vocabulary_of(None)
        reader._cache = {}
        reader._given = dict(tables)
        return reader

    # -- raw tables --------------------------------------------------------------------
    def has(self, name: str) -> bool:
        if self._given is not None:
            return name in self._given
        return bool(glob.glob(table_path(self.workspace, name)))

    def _raw(self, name: str) -> ir.Table:
        if self._given is not None:
            return self._given[name]
        if name not in self._cache:
            self._cache[name] = engine.read_table(table_path(self.workspace, name), con=self.con)
        return self._cache[name]

    def table(self, name: str, *, required: bool = True) -> ir.Table | None:
        """The warehouse table ``name`` within the scope (``None`` when absent and not
        required; absent and required is an error telling to run ``patron sync``)."""
        if not self.has(name):
            if required and self._given is not None:
                raise InputError(_("no {table} given").format(table=name))
            if required:
                raise InputError(
                    _("no {table} in the warehouse of {path}: run `patron sync` first").format(
                        table=name, path=self.workspace.root
                    )
                )
            return None
        table = self._raw(name)
        if self.scope.is_everything or name in SHARED_TABLES:
            return table
        if name in UNIT_TABLES:
            return table.filter(table.unit_pk.isin(list(self.scope.unit_pks)))
        if name in CUSTOMER_TABLES:
            return table.semi_join(self.customer_ids(), "customer_id")
        return table

    def tables(self, names: Iterable[str]) -> dict[str, ir.Table]:
        """Several scoped tables by name; absent ones are left out."""
        out = {}
        for name in names:
            table = self.table(name, required=False)
            if table is not None:
                out[name] = table
        return out

    # -- the vocabulary's views -------------------------------------------------------
    def orders(self) -> ir.Table:
        """Every order in scope, sales and not (returns are counted from these)."""
        return self.table("orders")

    def sales(self) -> ir.Table:
        """The orders in scope that are sales by the workspace's vocabulary."""
        return self.vocabulary.sales(self.orders())

    def no_sales(self) -> InputError:
        """The error for a scope without a single sale (nothing to analyse)."""
        return InputError(
            _("no sales in {scope}: nothing to analyse").format(scope=self.scope.label())
        )

    def customer_ids(self) -> ir.Table:
        """One column ``customer_id``: the customers in scope — those assigned to a unit in
        it, or with an order, contact, complaint or answer there."""
        if "_ids" in self._cache:
            return self._cache["_ids"]
        pks = list(self.scope.unit_pks or ())
        parts = []
        if self.has("customers"):
            customers = self._raw("customers")
            parts.append(customers.filter(customers.unit_pk.isin(pks)).select("customer_id"))
        for name in MEMBERSHIP_TABLES:
            if self.has(name):
                t = self._raw(name)
                parts.append(
                    t.filter(t.unit_pk.isin(pks) & t.customer_id.notnull()).select("customer_id")
                )
        if not parts:
            ids = ibis.memtable(pd.DataFrame({"customer_id": pd.Series([], dtype=str)}))
        else:
            ids = (
                parts[0].union(*parts[1:], distinct=True) if len(parts) > 1 else parts[0].distinct()
            )
        self._cache["_ids"] = ids
        return ids

    def customers(self) -> ir.Table:
        return self.table("customers")

    # -- execution ---------------------------------------------------------------------
    def to_pandas(self, expr: ir.Table) -> pd.DataFrame:
        return engine.to_pandas(expr, self.con)

    def describe(self) -> dict[str, Any]:
        """What the output should say about where its numbers come from."""
        return {**self.scope.to_dict(), "engine": engine.engine_name(self.con)}


__all__ = ["EVERYTHING", "Scope", "WarehouseReader"]
