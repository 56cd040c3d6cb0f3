"""Where a job's inputs meet: workspace, scope, engine, vocabulary, as-of date and progress.

An :class:`AnalysisContext` is opened once per command, request, report or demo step
and handed to the jobs. It computes the shared inputs once (the as-of date, the
customer features with the workspace's cost and time-unit settings, the customer
history for churn and linkage), so that every job counts the same purchases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from patron.analyze.reader import WarehouseReader
from patron.collect.units import Scope
from patron.core.progress import ProgressCallback, as_callback
from patron.core.vocabulary import Vocabulary
from patron.exceptions import InputError


@dataclass
class AnalysisContext:
    """The inputs of every analysis job.

    Build it with :meth:`open` (a workspace) or :meth:`from_tables` (tables given
    directly, e.g. a file of orders).
    """

    reader: WarehouseReader
    as_of_given: date | None = None
    progress: ProgressCallback = field(default=as_callback(None))
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def open(
        cls,
        workspace: Any,
        *,
        unit: str | Scope | None = None,
        engine: Any = None,
        as_of: date | str | None = None,
        progress: Any = None,
    ) -> AnalysisContext:
        reader = WarehouseReader(workspace, unit=unit, con=engine)
        return cls(reader, _as_date(as_of), as_callback(progress))

    @classmethod
    def from_file(
        cls,
        path: str,
        *,
        mapping: dict[str, str] | None = None,
        date_format: str | None = None,
        engine: Any = None,
        as_of: date | str | None = None,
        workspace: Any = None,
        progress: Any = None,
    ) -> AnalysisContext:
        """Orders from a Parquet/CSV file (or glob) instead of a workspace's warehouse;
        the workspace, when given, lends its vocabulary."""
        from patron.analyze import engine as engines
        from patron.core.vocabulary import vocabulary_of

        con = engines.connect(engine)
        orders = engines.read_table(path, mapping, con=con)
        if "ordered_at" in orders.columns and not orders.ordered_at.type().is_temporal():
            orders = engines.read_table(orders, timestamps=["ordered_at"], date_format=date_format)
        return cls.from_tables(
            {"orders": orders},
            engine=con,
            as_of=as_of,
            vocabulary=vocabulary_of(workspace),
            progress=progress,
        )

    def with_time_unit(self, time_unit: str | None) -> AnalysisContext:
        """The same context counting recency and tenure in ``time_unit`` (D, W, M, Y)."""
        if not time_unit:
            return self
        from patron.core.vocabulary import Vocabulary, unit_days

        unit_days(time_unit)  # an unknown unit is an error naming it
        vocabulary = Vocabulary.model_validate(
            {**self.vocabulary.model_dump(), "time_unit": str(time_unit).strip().upper()[:1]}
        )
        self.reader.vocabulary = vocabulary
        self._cache.pop("features", None)
        return self

    @classmethod
    def from_tables(
        cls,
        tables: dict[str, ir.Table],
        *,
        engine: Any = None,
        as_of: date | str | None = None,
        vocabulary: Vocabulary | None = None,
        progress: Any = None,
    ) -> AnalysisContext:
        reader = WarehouseReader.from_tables(tables, con=engine, vocabulary=vocabulary)
        return cls(reader, _as_date(as_of), as_callback(progress))

    # -- what every job shares ---------------------------------------------------------
    @property
    def workspace(self) -> Any:
        return self.reader.workspace

    @property
    def scope(self) -> Scope:
        return self.reader.scope

    @property
    def vocabulary(self) -> Vocabulary:
        return self.reader.vocabulary

    @property
    def con(self) -> Any:
        return self.reader.con

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        if self.workspace is None:
            return default
        return getattr(getattr(self.workspace.config, section), key, default)

    def run(self, expr: ir.Table) -> pd.DataFrame:
        """Execute an expression on the context's engine."""
        return self.reader.to_pandas(expr)

    @property
    def as_of(self) -> date:
        """The given date, else the day of the last sale in scope."""
        if self.as_of_given is not None:
            return self.as_of_given
        if "as_of" not in self._cache:
            sales = self.reader.sales()
            last = self.run(sales.aggregate(last=sales.ordered_at.max()))["last"].iloc[0]
            if last is None or pd.isna(last):
                raise self.reader.no_sales()
            self._cache["as_of"] = pd.Timestamp(last).date()
        return self._cache["as_of"]

    def features(self) -> ir.Table:
        """Per-customer facts (:func:`patron.analyze.features.customer_features`) with the
        workspace's vocabulary and costs, computed once and kept in the engine.

        Read from the customer state (:mod:`patron.analyze.customer_state`) when it is
        current, covers the scope (the whole organisation) and the as-of is on or after
        its last day; ``features_source`` says which path answered."""
        if "features" not in self._cache:
            import ibis

            from patron.analyze.engine import to_pyarrow
            from patron.analyze.features import customer_features

            r = self.reader
            costs = {
                "cost_per_complaint": float(self.setting("analytics", "cost_per_complaint", 0.0)),
                "cost_per_service_interaction": float(
                    self.setting("analytics", "cost_per_service_interaction", 0.0)
                ),
            }
            contacts = {
                "complaints": r.table("complaints", required=False),
                "interactions": r.table("interactions", required=False),
            }
            expr = None
            if self.workspace is not None and self.scope.is_everything:
                # The customer state `patron sync` keeps: the same table without a rescan,
                # when it is current and the as-of is on or after its last day.
                from patron.analyze.customer_state import state_features

                expr = state_features(
                    self.workspace,
                    as_of=self.as_of,
                    vocabulary=self.vocabulary,
                    con=self.con,
                    time_unit=self.vocabulary.time_unit,
                    **contacts,
                    **costs,
                )
            self._cache["features_source"] = "full" if expr is None else "state"
            if expr is None:
                expr = customer_features(
                    r.orders(),
                    order_lines=r.table("order_lines", required=False),
                    as_of=self.as_of,
                    time_unit=self.vocabulary.time_unit,
                    vocabulary=self.vocabulary,
                    **contacts,
                    **costs,
                )
            self._cache["features"] = ibis.memtable(to_pyarrow(expr, self.con))
        return self._cache["features"]

    @property
    def features_source(self) -> str:
        """``"state"`` or ``"full"``: where :meth:`features` came from."""
        self.features()
        return self._cache["features_source"]

    def history(self) -> Any:
        """The customer history churn and linkage read (sales by the vocabulary)."""
        if "history" not in self._cache:
            from patron.analyze.churn_data import CustomerHistory

            self._cache["history"] = CustomerHistory.from_reader(self.reader)
        return self._cache["history"]

    def cached(self, key: Any, compute: Any) -> Any:
        """``compute()`` once per context and ``key`` (a model run two report sections share)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def cli_args(self, *, as_of: bool = True) -> str:
        """The options that make a command see what this context sees."""
        parts = []
        if self.workspace is not None:
            parts.append(f"--workspace {self.workspace.root}")
        parts.append(f"--unit {self.scope.code or 'all'}")
        if as_of:
            parts.append(f"--as-of {self.as_of.isoformat()}")
        return " ".join(parts)


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        from patron.core.i18n import _

        raise InputError(
            _("{value!r} is not a date: write YYYY-MM-DD").format(value=value)
        ) from None
