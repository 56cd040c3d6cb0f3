"""How each customer's facts stay current from the new transactions only: the customer state.

``patron sync`` appends the new orders to the warehouse as a part; this module turns
that part into additive partials and folds them into
``warehouse/_customer_state/``:

* ``daily/`` — per customer and day: sales, returns, their amounts, cost, cost of the
  sales, discount (whole cents; a return is an order the vocabulary does not call a
  sale), one part per absorbed batch, summed by key when read;
* ``channel/``, ``location/``, ``category/`` — orders per customer and channel, location
  and (order lines) category, likewise;
* ``customers-<n>.parquet`` — one row per customer: the sums, first and last purchase
  day, purchase days, total and first-day spend, concentration counts.

Partials are sums, so a late return or an order that arrives out of order is simply
added to its key: the state stays exact. A merge recomputes the rows of the customers
the batch touched (from all their partials) and keeps every other row as it was. When
the warehouse rewrote orders or order lines (rows changed in place or erased), when the
vocabulary changed, or when asked, the state is rebuilt from all transactions.

:func:`state_features` publishes :func:`patron.analyze.features.customer_features`'s
table from the state through the same shared pieces (only the as-of dependent columns
— ``T``, ``days_since_last``, ``tenure_days`` — and complaints and service interactions
are computed when read), for any as-of on or after the state's high-water mark (the
last day of any absorbed order or line). Anything else falls back to the full
computation. The state covers the whole organisation: a unit scope reads the full path.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis import _

from patron.analyze import engine
from patron.analyze.features import (
    as_day,
    attach_contacts,
    btyd_from_purchase_days,
    concentration_of,
    day_literal,
    finish_features,
    order_facts,
    purchase_days_per_customer,
)
from patron.collect.warehouse import table_parts
from patron.core.i18n import format_date, format_number, gettext
from patron.core.progress import ProgressCallback, as_callback
from patron.core.vocabulary import DEFAULT_VOCABULARY, Vocabulary, unit_days

STATE_DIR = "_customer_state"
STATE_FILE = "_state.json"
#: Bumped whenever the layout or a partial's meaning changes: an older state is rebuilt.
VERSION = 1
#: A kind with more parts than this is compacted to one part (summed by key) on merge.
MAX_PARTS = 32

I64 = "int64"
DAILY_SUMS = (
    "_sales",
    "_returns",
    "_amount",
    "_sale_amount",
    "_return_amount",
    "_cost",
    "_sale_cost",
    "_discount",
)
#: kind -> the column it counts orders (or lines) by.
PAIRS = {"channel": "channel", "location": "location", "category": "category"}
KINDS = ("daily", *PAIRS)


@dataclass
class StateUpdate:
    """What one update of the customer state did."""

    action: str  # built / merged / unchanged / removed
    orders_absorbed: int = 0
    customers_touched: int = 0
    customers: int = 0
    high_water: str | None = None
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def note(self) -> str:
        """One sentence for the sync summary."""
        day = format_date(date.fromisoformat(self.high_water)) if self.high_water else "-"
        if self.action == "removed":
            return gettext("Customer state: no orders in the warehouse, no state kept.")
        if self.action == "unchanged":
            return gettext("Customer state: up to date ({n} customers, last day {day}).").format(
                n=format_number(self.customers), day=day
            )
        text = (
            gettext("Customer state rebuilt from {orders} orders: {n} customers, last day {day}.")
            if self.action == "built"
            else gettext(
                "Customer state: {orders} new orders merged, {touched} customers recomputed"
                " of {n}, last day {day}."
            )
        )
        return text.format(
            orders=format_number(self.orders_absorbed),
            touched=format_number(self.customers_touched),
            n=format_number(self.customers),
            day=day,
        )


# -- where the state lives ---------------------------------------------------------------


def _warehouse(where: Any) -> Path:
    return Path(where.warehouse) if hasattr(where, "warehouse") else Path(where)


def state_folder(where: Any) -> Path:
    """``warehouse/_customer_state`` of a workspace (or of a warehouse folder)."""
    return _warehouse(where) / STATE_DIR


def _fingerprints(parts: list[Path]) -> list[list[Any]]:
    """Name, size and modification time of each part: a rewritten part differs."""
    out = []
    for part in parts:
        stat = part.stat()
        out.append([part.name, stat.st_size, stat.st_mtime_ns])
    return out


def _read_state(folder: Path) -> dict[str, Any] | None:
    path = folder / STATE_FILE
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    return state if state.get("version") == VERSION else None


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    tmp.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
    os.replace(tmp, folder / STATE_FILE)


def _sources(warehouse: Path) -> dict[str, list[Path]]:
    return {name: table_parts(warehouse, name) for name in ("orders", "order_lines")}


def _current(state: dict[str, Any], sources: dict[str, list[Path]], vocabulary: Vocabulary) -> bool:
    return state.get("vocabulary") == list(vocabulary.not_sale_statuses) and state["sources"] == {
        k: _fingerprints(v) for k, v in sources.items()
    }


# -- partials ----------------------------------------------------------------------------


def _read(paths: list[Path], con: Any) -> ir.Table:
    tables = [engine.read_table(str(p), con=con) for p in paths]
    return tables[0] if len(tables) == 1 else tables[0].union(*tables[1:])


def _daily_partials(facts: ir.Table) -> ir.Table:
    o = facts
    kept = ~o._returned
    return o.group_by(["customer_id", "_day"]).aggregate(
        _sales=o.count(where=kept).cast(I64),
        _returns=o.count(where=o._returned).cast(I64),
        _amount=o._amount.sum().cast(I64),
        _sale_amount=o._amount.sum(where=kept).cast(I64),
        _return_amount=o._amount.sum(where=o._returned).cast(I64),
        _cost=o._cost.sum().cast(I64),
        _sale_cost=o._cost.sum(where=kept).cast(I64),
        _discount=o._discount.sum().cast(I64),
    )


def _pair_partials(table: ir.Table, column: str, *, last_day: bool = False) -> ir.Table:
    aggs = {"_k": table.count().cast(I64)}
    if last_day:  # order lines: their last day counts towards the high-water mark
        aggs["_last"] = table._day.max()
    counts = table.group_by(["customer_id", column]).aggregate(**aggs)
    return counts.filter(counts[column].notnull())


def _batch_partials(
    orders: ir.Table | None, lines: ir.Table | None, vocabulary: Vocabulary
) -> dict[str, ir.Table]:
    """The partials of one batch of orders and order lines, by kind."""
    out = {}
    if orders is not None:
        facts = order_facts(orders, vocabulary=vocabulary)
        missing = {
            "_cost": ibis.literal(0, type=I64),
            "_discount": ibis.literal(0, type=I64),
            "_returned": ibis.literal(False),
            "channel": ibis.null("string"),
            "location": ibis.null("string"),
        }
        facts = facts.mutate(**{k: v for k, v in missing.items() if k not in facts.columns})
        out["daily"] = _daily_partials(facts)
        out["channel"] = _pair_partials(facts, "channel")
        out["location"] = _pair_partials(facts, "location")
    if lines is not None and "category" in lines.columns:
        day = as_day(lines.ordered_at) if "ordered_at" in lines.columns else ibis.null("date")
        lines = lines.select(
            customer_id=lines.customer_id.cast("string"), category=lines.category, _day=day
        )
        out["category"] = _pair_partials(lines, "category", last_day=True)
    return out


def _merged(parts: list[Path], kind: str, con: Any, touched: ir.Table | None) -> ir.Table:
    """All partials of ``kind`` summed by key (only the ``touched`` customers')."""
    table = _read(parts, con)
    if touched is not None:
        table = table.semi_join(touched, "customer_id")
    if len(parts) == 1:  # one part holds each key once already
        return table
    if kind == "daily":
        return table.group_by(["customer_id", "_day"]).aggregate(
            **{c: table[c].sum().cast(I64) for c in DAILY_SUMS}
        )
    column = PAIRS[kind]
    aggs = {"_k": table._k.sum().cast(I64)}
    if "_last" in table.columns:
        aggs["_last"] = table._last.max()
    return table.group_by(["customer_id", column]).aggregate(**aggs)


def _customer_rows(merged: dict[str, ir.Table]) -> ir.Table:
    """One row per customer from merged partials: what :func:`state_features` reads."""
    d = merged["daily"]
    rows = d.group_by("customer_id").aggregate(
        orders=d._sales.sum().cast(I64),
        _kept_orders=d._sales.sum().cast(I64),
        returns=d._returns.sum().cast(I64),
        _gross=d._amount.sum().cast(I64),
        revenue=d._sale_amount.sum().cast(I64),
        returned_value=d._return_amount.sum().cast(I64),
        cost=d._cost.sum().cast(I64),
        _kept_cost=d._sale_cost.sum().cast(I64),
        discount=d._discount.sum().cast(I64),
    )
    # A purchase day is a day with a sale; its spend is what the sales of that day came to.
    sold = d.filter(d._sales > 0)
    sold = sold.select("customer_id", "_day", _spend=sold._sale_amount.cast("float64"))
    rows = rows.left_join(purchase_days_per_customer(sold), "customer_id").drop("customer_id_right")
    for kind in ("channel", "location"):
        if kind in merged:
            conc = concentration_of(merged[kind], PAIRS[kind], kind)
            rows = rows.left_join(conc, "customer_id").drop("customer_id_right")
        else:  # no orders with this column yet: what customer_features says without it
            rows = rows.mutate(
                **{f"{kind}s": ibis.null(I64)},
                **{f"_{kind}_{s}": ibis.null(I64) for s in ("top", "sq", "n")},
            )
    if "category" in merged:
        cats = merged["category"].group_by("customer_id").aggregate(categories=_.count())
        rows = rows.left_join(cats, "customer_id").drop("customer_id_right")
    else:
        rows = rows.mutate(categories=ibis.null(I64))
    return rows.mutate(
        _total=rows._total.cast("float64"),
        _first_spend=rows._first_spend.cast("float64"),
        _n=rows._n.cast(I64),
        **{
            c: rows[c].cast(I64)
            for c in (
                "channels",
                "_channel_top",
                "_channel_sq",
                "_channel_n",
                "locations",
                "_location_top",
                "_location_sq",
                "_location_n",
                "categories",
            )
        },
    )


SUM_COLUMNS = (
    "orders",
    "_kept_orders",
    "returns",
    "_gross",
    "revenue",
    "returned_value",
    "cost",
    "_kept_cost",
    "discount",
)


def _add(a: ir.Value, b: ir.Value) -> ir.Value:
    """a + b as SQL's sum adds up: a missing side leaves the other (both missing: missing)."""
    return ibis.coalesce(a + b, a, b)


def _merge_rows(
    old: ir.Table,
    batch: ir.Table,
    category: ir.Table | None,
    parts: dict[str, list[Path]],
    con: Any,
) -> ir.Table:
    """The customer rows after a batch, computed from the old rows and the batch alone.

    Sums add up, first and last purchase day are a min and a max, the first day's spend
    adds when the batch sold on that same day. A batch sale day is a new purchase day
    unless it lies strictly between the customer's first and last purchase day and an
    earlier part already holds a sale on it (looked up, in that day range only).
    Concentration and category counts of the touched customers are recounted from
    their (small) pair partials. ``batch`` holds the batch's daily partials; ``parts``
    every part per kind, the batch's last.
    """
    b = _customer_rows({"daily": batch}).select(
        "customer_id",
        *SUM_COLUMNS,
        "first_purchase",
        "last_purchase",
        "_n",
        "_total",
        "_first_spend",
    )
    ids = b.select("customer_id")
    if category is not None:
        ids = ids.union(old.semi_join(category, "customer_id").select("customer_id"))
    ids = ids.distinct()
    o = old.select("customer_id", **{f"o{c}": old[c] for c in old.columns if c != "customer_id"})
    # Batch sale days that may already be purchase days: strictly inside [first, last].
    sold = batch.filter(batch._sales > 0).select("customer_id", "_day")
    sold = sold.left_join(
        o.select("customer_id", "ofirst_purchase", "olast_purchase"), "customer_id"
    ).drop("customer_id_right")
    inside = (sold._day > sold.ofirst_purchase) & (sold._day < sold.olast_purchase)
    outside = (
        sold.ofirst_purchase.isnull()
        | (sold._day < sold.ofirst_purchase)
        | (sold._day > sold.olast_purchase)
    )
    new_days = sold.filter(outside).select("customer_id", "_day")
    candidates = sold.filter(inside).select("customer_id", "_day")
    span = con.execute(candidates.aggregate(lo=candidates._day.min(), hi=candidates._day.max()))
    lo, hi = span["lo"].iloc[0], span["hi"].iloc[0]
    if lo is not None and lo == lo and parts["daily"][:-1]:
        earlier = _read(parts["daily"][:-1], con)
        earlier = earlier.filter(
            (earlier._sales > 0)
            & (earlier._day >= day_literal(lo))
            & (earlier._day <= day_literal(hi))
        ).select("customer_id", "_day")
        new_days = new_days.union(candidates.anti_join(earlier, ["customer_id", "_day"]))
    elif lo is not None and lo == lo:
        new_days = new_days.union(candidates)
    added = new_days.group_by("customer_id").aggregate(_n_add=_.count().cast(I64))

    t = ids.left_join(o, "customer_id").drop("customer_id_right")
    t = t.left_join(b, "customer_id").drop("customer_id_right")
    t = t.left_join(added, "customer_id").drop("customer_id_right")
    first = ibis.coalesce(
        ibis.least(t.ofirst_purchase, t.first_purchase), t.ofirst_purchase, t.first_purchase
    )
    last = ibis.coalesce(
        ibis.greatest(t.olast_purchase, t.last_purchase), t.olast_purchase, t.last_purchase
    )
    first_spend = ibis.cases(
        (t.ofirst_purchase.isnull(), t._first_spend),
        (t.first_purchase.isnull(), t.o_first_spend),
        (t.first_purchase < t.ofirst_purchase, t._first_spend),
        (t.first_purchase == t.ofirst_purchase, _add(t.o_first_spend, t._first_spend)),
        else_=t.o_first_spend,
    )
    n = ibis.ifelse(first.isnull(), ibis.null(I64), t.o_n.fill_null(0) + t._n_add.fill_null(0))
    rows = t.select(
        "customer_id",
        **{c: _add(t[f"o{c}"], t[c]).cast(I64) for c in SUM_COLUMNS},
        first_purchase=first,
        last_purchase=last,
        _n=n.cast(I64),
        _total=_add(t.o_total, t._total).cast("float64"),
        _first_spend=first_spend.cast("float64"),
    )
    touched = rows.select("customer_id")
    for kind in ("channel", "location"):
        if parts[kind]:
            pairs = _merged(parts[kind], kind, con, touched)
            rows = rows.left_join(concentration_of(pairs, PAIRS[kind], kind), "customer_id")
            rows = rows.drop("customer_id_right")
        else:
            rows = rows.mutate(
                **{f"{kind}s": ibis.null(I64)},
                **{f"_{kind}_{s}": ibis.null(I64) for s in ("top", "sq", "n")},
            )
    if parts["category"]:
        pairs = _merged(parts["category"], "category", con, touched)
        cats = pairs.group_by("customer_id").aggregate(categories=_.count())
        rows = rows.left_join(cats, "customer_id").drop("customer_id_right")
    else:
        rows = rows.mutate(categories=ibis.null(I64))
    rows = rows.select(*old.columns).cast(old.schema())
    return old.anti_join(ids, "customer_id").union(rows)


# -- maintenance -------------------------------------------------------------------------


def update_customer_state(
    where: Any,
    *,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    con: Any = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
) -> StateUpdate:
    """Fold the orders and order lines the warehouse gained since the last update into
    the customer state of ``where`` (a workspace or its warehouse folder).

    The state is rebuilt from all transactions when there is none yet, when ``rebuild``
    is true, when the vocabulary's sale definition changed, or when a part it absorbed
    was rewritten or removed (the warehouse copies a table afresh when rows it already
    copied changed or were erased).
    """
    started = time.perf_counter()
    report = as_callback(progress)
    warehouse = _warehouse(where)
    folder = warehouse / STATE_DIR
    sources = _sources(warehouse)
    if not sources["orders"]:
        shutil.rmtree(folder, ignore_errors=True)
        return StateUpdate("removed", elapsed_s=time.perf_counter() - started)
    state = None if rebuild else _read_state(folder)
    if state is not None and _current(state, sources, vocabulary):
        return StateUpdate(
            "unchanged",
            customers=state["customers"],
            high_water=state["high_water"],
            elapsed_s=time.perf_counter() - started,
        )
    new = _new_parts(state, sources, vocabulary)
    con = engine.connect(con)
    task = gettext("Updating the customer state")
    report(task, 0, 3)
    if new is None:  # a full build
        shutil.rmtree(folder, ignore_errors=True)
        new = sources
        state = {"parts": {k: [] for k in KINDS}, "customers_file": None, "high_water": None}
    folder.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(folder, state)
    parts: dict[str, list[str]] = {k: list(v) for k, v in state["parts"].items()}
    orders = _read(new["orders"], con) if new["orders"] else None
    lines = _read(new["order_lines"], con) if new["order_lines"] else None
    absorbed = sum(pq.read_metadata(path).num_rows for path in new["orders"])
    batch = _batch_partials(orders, lines, vocabulary)
    written: dict[str, Path] = {}
    for kind in KINDS:
        if kind in batch:
            path = folder / kind / f"part-{_next_number(parts[kind]):06d}.parquet"
            written[kind] = engine.write_parquet(batch[kind], path, con)
            parts[kind].append(path.name)
    report(task, 1, 3)
    # The batch's partials are small: their last day and customers are read directly.
    full = state["customers_file"] is None
    high = [state["high_water"]] if state["high_water"] else []
    ids: set[str] = set()
    for kind, path in written.items():
        if not full:
            ids.update(pq.read_table(path, columns=["customer_id"])[0].to_pylist())
        if kind in ("daily", "category"):
            column = "_day" if kind == "daily" else "_last"
            last = pc.max(pq.read_table(path, columns=[column])[0])
            if last.is_valid:
                high.append(last.as_py().isoformat())
    high_water = max(high) if high else None
    touched = None if full else _customer_table(sorted(ids))
    paths = {kind: [folder / kind / p for p in parts[kind]] for kind in KINDS}
    if full:
        rows = _customer_rows(
            {kind: _merged(paths[kind], kind, con, None) for kind in KINDS if parts[kind]}
        )
    elif "daily" in written:
        old = engine.read_table(str(folder / state["customers_file"]), con=con)
        category = (
            engine.read_table(str(written["category"]), con=con) if "category" in written else None
        )
        batch_daily = engine.read_table(str(written["daily"]), con=con)
        rows = _merge_rows(old, batch_daily, category, paths, con)
    else:  # order lines without new orders: recount the touched customers from all parts
        old = engine.read_table(str(folder / state["customers_file"]), con=con)
        recounted = _customer_rows(
            {kind: _merged(paths[kind], kind, con, touched) for kind in KINDS if parts[kind]}
        )
        rows = old.anti_join(touched, "customer_id").union(recounted.select(*old.columns))
    name = f"customers-{_next_number([state['customers_file'] or 'customers--1']):06d}.parquet"
    path = engine.write_parquet(rows, folder / name, con)
    stale = _compact(folder, parts, con)
    report(task, 2, 3)
    n_customers = pq.read_metadata(path).num_rows
    n_touched = n_customers if touched is None else len(ids)
    _write_state(
        folder,
        {
            "version": VERSION,
            "vocabulary": list(vocabulary.not_sale_statuses),
            "sources": {k: _fingerprints(v) for k, v in sources.items()},
            "parts": parts,
            "customers_file": name,
            "customers": n_customers,
            "high_water": high_water,
        },
    )
    if state["customers_file"]:
        (folder / state["customers_file"]).unlink(missing_ok=True)
    for old_part in stale:
        old_part.unlink(missing_ok=True)
    report(task, 3, 3)
    return StateUpdate(
        "built" if full else "merged",
        orders_absorbed=absorbed,
        customers_touched=n_touched,
        customers=n_customers,
        high_water=high_water,
        elapsed_s=time.perf_counter() - started,
    )


def _new_parts(
    state: dict[str, Any] | None, sources: dict[str, list[Path]], vocabulary: Vocabulary
) -> dict[str, list[Path]] | None:
    """The parts added since the state was written, or ``None`` when it must be rebuilt."""
    if state is None or state.get("vocabulary") != list(vocabulary.not_sale_statuses):
        return None
    new = {}
    for name, paths in sources.items():
        recorded = state["sources"].get(name, [])
        if _fingerprints(paths[: len(recorded)]) != recorded:
            return None  # a part it absorbed was rewritten or removed
        new[name] = paths[len(recorded) :]
    return new


def _remove_leftovers(folder: Path, state: dict[str, Any]) -> None:
    """Files an interrupted update wrote but never recorded."""
    for kind in KINDS:
        listed = set(state["parts"].get(kind, []))
        for path in (folder / kind).glob("*.parquet"):
            if path.name not in listed:
                path.unlink()
    for path in folder.glob("customers-*.parquet"):
        if path.name != state.get("customers_file"):
            path.unlink()


def _next_number(names: list[str]) -> int:
    numbers = [int(n.rsplit("-", 1)[1].split(".")[0]) for n in names]
    return max(numbers, default=-1) + 1


def _customer_table(ids: list[str]) -> ir.Table:
    """The customers a batch has partials for (their rows are recomputed), as a table."""
    return ibis.memtable(pa.table({"customer_id": pa.array(ids, type=pa.string())}))


def _compact(folder: Path, parts: dict[str, list[str]], con: Any) -> list[Path]:
    """Sum a kind's parts into one when there are too many; returns the parts replaced."""
    stale = []
    for kind, names in parts.items():
        if len(names) <= MAX_PARTS:
            continue
        paths = [folder / kind / n for n in names]
        path = folder / kind / f"part-{_next_number(names):06d}.parquet"
        engine.write_parquet(_merged(paths, kind, con, None), path, con)
        parts[kind] = [path.name]
        stale.extend(paths)
    return stale


# -- reading -----------------------------------------------------------------------------


def state_features(
    where: Any,
    *,
    as_of: date | str,
    vocabulary: Vocabulary = DEFAULT_VOCABULARY,
    con: Any = None,
    complaints: ir.Table | None = None,
    interactions: ir.Table | None = None,
    time_unit: str | None = None,
    cost_per_complaint: float = 0.0,
    cost_per_service_interaction: float = 0.0,
) -> ir.Table | None:
    """:func:`patron.analyze.features.customer_features` of the whole warehouse as of
    ``as_of``, read from the customer state; ``None`` when the state cannot answer
    (missing, behind the warehouse, another vocabulary, or ``as_of`` before its
    high-water mark) and the full computation must."""
    folder = state_folder(where)
    state = _read_state(folder)
    if state is None or not _current(state, _sources(_warehouse(where)), vocabulary):
        return None
    as_of = day_value(as_of)
    if state["high_water"] is None or as_of < date.fromisoformat(state["high_water"]):
        return None
    rows = engine.read_table(str(folder / state["customers_file"]), con=engine.connect(con))
    rows = rows.filter(rows.first_purchase.notnull())
    days = unit_days(time_unit or vocabulary.time_unit)
    end = day_literal(as_of)
    kept = tuple(c for c in rows.columns if c not in _PURCHASE_DAY_COLUMNS)
    table = btyd_from_purchase_days(rows, end=end, days=days, with_money=True, keep=kept)
    table = table.mutate(purchase_days=table.frequency + 1)
    table = attach_contacts(table, complaints, interactions, as_of=as_of)
    return finish_features(
        table,
        end=end,
        days=days,
        cost_per_complaint=cost_per_complaint,
        cost_per_service_interaction=cost_per_service_interaction,
    )


_PURCHASE_DAY_COLUMNS = frozenset(
    {"customer_id", "first_purchase", "last_purchase", "_n", "_total", "_first_spend"}
)


def day_value(value: date | str) -> date:
    """A date from a date, datetime, pandas Timestamp or ISO string."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value
