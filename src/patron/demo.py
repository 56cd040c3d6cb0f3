"""What ``patron demo`` builds: a workspace loaded with real CDNOW orders and a synthetic hotel.

The demo is a list of steps (``DEMO_STEPS``) run in order on one ``DemoContext``; each
step reads what earlier steps left in ``context.results`` and adds its own. Later
analyses (CLV, CSI, churn, the report …) join by appending a ``DemoStep``::

    from patron.demo import DEMO_STEPS, DemoStep
    DEMO_STEPS.append(DemoStep("clv", N_("Customer lifetime value"), run_clv))

Everything goes through the real front doors — the importers read CSV files written
into ``WORKSPACE/demo-data/`` and ``patron sync`` fills the warehouse — so the demo also
exercises the path a user's own data takes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from patron.collect.workspace_setup import init_workspace
from patron.core.csvsafe import safe_frame
from patron.core.i18n import N_, _
from patron.core.printer import Printer
from patron.core.progress import ProgressCallback, as_callback, no_progress
from patron.core.workspace import Workspace

__all__ = [
    "DEMO_STEPS",
    "DemoContext",
    "DemoResult",
    "DemoStep",
    "StepOutcome",
    "run_demo",
]

DEMO_DATA_DIR = "demo-data"
HOTEL_COST_TO_SERVE = {"cost_per_complaint": 250.0, "cost_per_service_interaction": 15.0}
# Tables counted in the summary, in the order people read them.
SUMMARY_TABLES = (
    "customers",
    "preferences",
    "important_dates",
    "orders",
    "order_lines",
    "interactions",
    "complaints",
    "survey_responses",
)


@dataclass
class DemoContext:
    """What the steps share: the workspace, the options, and each step's result."""

    workspace: Workspace
    n_guests: int = 3000
    seed: int = 7
    as_of: date = date(2026, 11, 1)
    cdnow_sample: bool = False
    progress: ProgressCallback = no_progress
    results: dict[str, Any] = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        """Where the demo writes the files it imports (kept, so users can look at them)."""
        return self.workspace.root / DEMO_DATA_DIR


@dataclass
class DemoStep:
    """One step: a machine name, a title (marked with ``N_``, shown translated) and a function.

    With ``show=True`` the step's result is printed after the demo's summary when it
    has a ``to_printer()`` (or ``print()``) method — the way analysis steps show results.
    """

    name: str
    title: str
    run: Callable[[DemoContext], Any]
    show: bool = False


@dataclass
class StepOutcome:
    name: str
    title: str
    elapsed_s: float
    result: Any
    show: bool = False


@dataclass
class DemoResult:
    """The finished demo: the workspace, each step's outcome, and the counts it loaded.

    ``counts`` has one row per table and data set (``table``, ``dataset``, ``rows``), read
    back from the warehouse after the sync.
    """

    workspace: Workspace
    steps: list[StepOutcome]
    counts: pd.DataFrame
    context: DemoContext | None = None

    @property
    def results(self) -> dict[str, Any]:
        return {step.name: step.result for step in self.steps}

    def count(self, table: str, dataset: str) -> int:
        """Rows of ``table`` that belong to ``dataset`` ("cdnow" or "hotel")."""
        rows = self.counts[(self.counts["table"] == table) & (self.counts["dataset"] == dataset)]
        return int(rows["rows"].sum())

    def to_printer(self) -> Printer:
        pivot = self.counts.pivot_table(
            index="table", columns="dataset", values="rows", aggfunc="sum", fill_value=0
        )
        pivot = pivot.reindex([t for t in SUMMARY_TABLES if t in pivot.index])
        pivot.columns.name = None
        pivot.index.name = _("table")
        pivot[_("total")] = pivot.sum(axis=1)
        timings = pd.DataFrame(
            {
                _("step"): [_(step.title) for step in self.steps],
                _("seconds"): [round(step.elapsed_s, 2) for step in self.steps],
            }
        )
        return Printer(
            title=_("Demo workspace {path}").format(path=self.workspace.root.resolve()),
            facts={
                _("store"): self.workspace.database_url,
                _("warehouse"): str(self.workspace.warehouse.resolve()),
                _("total time (s)"): round(sum(s.elapsed_s for s in self.steps), 1),
            },
            tables=[(_("Rows loaded per table and data set"), pivot), (_("Steps"), timings)],
            notes=[
                _(
                    "cdnow: real CD purchases 1997–1998 (Fader & Hardie, MIT licence); "
                    "hotel: SYNTHETIC guests, stays, complaints and surveys with planted effects."
                )
            ],
            decimals=2,
        )

    def print(self, console: Console | None = None) -> None:
        console = console or Console()
        self.to_printer().print(console)
        for step in self.steps:
            if not step.show:
                continue
            if hasattr(step.result, "to_printer"):
                step.result.to_printer().print(console)
            elif hasattr(step.result, "print"):
                step.result.print(console)


# --- the steps ----------------------------------------------------------------------------


def set_up_units(context: DemoContext) -> Any:
    """The organisation: CDNOW as one unit; the hotel group with one unit per property.

    The two never mix: every analysis is scoped to a unit, and the workspace's default
    scope is the hotel group (``[analytics] default_unit``), so the README tour's
    commands show hotel figures; CDNOW is analysed with ``--unit cdnow``.
    """
    from patron.collect.units import add_units, list_units
    from patron.data.hotel import hotel_units

    store = {"code": "cdnow", "name": "CDNOW", "name_zh": "CDNOW 唱片店", "kind": "store"}
    add_units(context.workspace, [store, *hotel_units()])
    if context.workspace.config.analytics.default_unit is None:
        context.workspace.update_settings("analytics", {"default_unit": "hotel"})
    return list_units(context.workspace)


def load_cdnow(context: DemoContext) -> dict[str, Any]:
    """CDNOW customers and orders through the importers (each row its own order)."""
    from patron.collect.importers import import_file
    from patron.data.cdnow import cdnow_customer_id, load_cdnow_transactions

    transactions = load_cdnow_transactions(sample=context.cdnow_sample)
    folder = context.data_dir / "cdnow"
    folder.mkdir(parents=True, exist_ok=True)
    customer_id = cdnow_customer_id(transactions["customer_id"])
    # Same customer, same day, same basket happens (255 exact repeats): the order id,
    # not the content, makes each row an order.
    sequence = transactions.groupby("customer_id").cumcount() + 1
    orders = pd.DataFrame(
        {
            "order_id": customer_id + "-" + sequence.astype(str).str.zfill(3),
            "customer_id": customer_id,
            "ordered_at": transactions["date"].dt.strftime("%Y-%m-%d"),
            "amount": transactions["dollars"],
            "quantity": transactions["cds"].astype(float),
            "channel": "online",
            "location": "CDNOW",
        }
    )
    customers = (
        orders.groupby("customer_id", sort=True)["ordered_at"]
        .min()
        .rename("acquired_at")
        .reset_index()
    )
    customers["acquisition_channel"] = "online"
    paths = {"customers": folder / "customers.csv", "orders": folder / "orders.csv"}
    safe_frame(customers).to_csv(paths["customers"], index=False)
    safe_frame(orders).to_csv(paths["orders"], index=False)
    return {
        kind: import_file(context.workspace, kind, path, progress=False, unit="cdnow")
        for kind, path in paths.items()
    }


def load_hotel(context: DemoContext) -> dict[str, Any]:
    """Generate the synthetic hotel, register its survey, and import every file."""
    from patron.collect.importers import import_file
    from patron.data.hotel import generate_hotel

    data = generate_hotel(seed=context.seed, n_guests=context.n_guests, as_of=context.as_of)
    # What a complaint and a service contact cost the hotel: gross margin counts them,
    # so the 20/80 view can show guests who lose money.
    context.workspace.update_settings("analytics", HOTEL_COST_TO_SERVE)
    context.results["hotel_data"] = data
    paths = data.write_csv(context.data_dir / "hotel")
    ensure_hotel_survey(context.workspace, data.survey_items)
    # Stays carry their property's unit; the rest belongs to the group.
    return {
        kind: import_file(context.workspace, kind, path, progress=False, unit="hotel")
        for kind, path in paths.items()
    }


def ensure_hotel_survey(workspace: Workspace, items: pd.DataFrame) -> None:
    """Create the ``acsi-hotel`` instrument once (a re-run of the demo keeps it)."""
    import sqlalchemy as sa

    from patron.collect.store.db import session_scope
    from patron.collect.store.models import Survey
    from patron.collect.surveys import create_survey
    from patron.collect.users import SYSTEM
    from patron.data.hotel_vocab import SURVEY_CODE, SURVEY_NAME

    with session_scope(workspace.database_url) as session:
        if session.scalar(sa.select(Survey.id).where(Survey.code == SURVEY_CODE)) is not None:
            return
        columns = ["code", "construct", "text_en", "text_zh", "scale_min", "scale_max"]
        create_survey(
            session,
            SYSTEM,
            code=SURVEY_CODE,
            name=SURVEY_NAME,
            kind="custom",
            items=items[columns].to_dict("records"),
            description="Synthetic demo survey: ACSI items CE, PQ, PV, SAT, CC, CL and NPS.",
        )


def sync_warehouse(context: DemoContext) -> Any:
    """Copy the store to the Parquet warehouse and update the customer state, as
    ``patron sync`` does."""
    from patron.analyze.customer_state import update_customer_state
    from patron.collect import warehouse
    from patron.core.vocabulary import vocabulary_of

    summary = warehouse.sync(context.workspace, progress=False)
    update_customer_state(context.workspace, vocabulary=vocabulary_of(context.workspace))
    return summary


def count_rows(context: DemoContext) -> pd.DataFrame:
    """Rows per warehouse table and top-level unit (``cdnow``, ``hotel``), read through the
    one warehouse reader: a unit's count includes everything below it."""
    from patron.analyze.reader import WarehouseReader
    from patron.collect.units import list_units

    units = list_units(context.workspace)
    rows = []
    for code in units.loc[units["depth"] == 0, "code"]:
        reader = WarehouseReader(context.workspace, unit=code)
        for table in SUMMARY_TABLES:
            found = reader.table(table, required=False)
            if found is None:
                continue
            n = int(reader.to_pandas(found.aggregate(n=found.count()))["n"].iloc[0])
            rows.append({"table": table, "dataset": code, "rows": n})
    if not rows:
        return pd.DataFrame({"table": [], "dataset": [], "rows": []})
    counts = pd.DataFrame(rows)
    counts["rows"] = counts["rows"].astype("int64")
    return counts.sort_values(["table", "dataset"], kind="stable").reset_index(drop=True)


def _analysis(context: DemoContext, unit: str = "hotel") -> Any:
    from patron.jobs.context import AnalysisContext

    return AnalysisContext.open(context.workspace, unit=unit, as_of=context.as_of)


def analyse_segments(context: DemoContext) -> Any:
    """RFM segments, layers and value tiers of the hotel's guests, written to their scores
    (``patron analyze segments --unit hotel --as-of … --write-back``)."""
    from patron.jobs import customers
    from patron.jobs.writeback import write_back

    result = customers.segments(_analysis(context))
    write_back(context.workspace, result)
    return result


def analyse_lifecycle(context: DemoContext) -> Any:
    """Lifecycle stage of every hotel guest at the as-of date
    (``patron analyze lifecycle --unit hotel --as-of … --write-back``)."""
    from patron.jobs import customers
    from patron.jobs.writeback import write_back

    result = customers.lifecycle(_analysis(context))
    write_back(context.workspace, result)
    return result


def analyse_loyalty(context: DemoContext) -> Any:
    """The five loyalty measures by year and a loyalty type per guest
    (``patron analyze loyalty --unit hotel --as-of … --period Y --write-back``)."""
    from patron.jobs import customers
    from patron.jobs.writeback import write_back

    result = customers.loyalty(_analysis(context), period="Y")
    write_back(context.workspace, result)
    return result


def analyse_clv(context: DemoContext) -> Any:
    """BG/NBD and Gamma-Gamma on CDNOW's sales: 39-week calibration, holdout to mid-1998,
    each customer's CLV, P(alive) and expected purchases written to their scores
    (``patron clv --unit cdnow --calibration-end 1997-09-30 --holdout-end 1998-06-30
    --write-back``)."""
    from patron.jobs import clv
    from patron.jobs.context import AnalysisContext

    ctx = AnalysisContext.open(context.workspace, unit="cdnow")
    result = clv.clv(ctx, calibration_end="1997-09-30", holdout_end="1998-06-30")
    clv.write_back(context.workspace, result)
    return result


def analyse_csi(context: DemoContext) -> Any:
    """The ACSI model on the hotel's survey answers, with a bootstrap, written to the
    guests' scores (``patron csi --unit hotel --model acsi --survey acsi-hotel
    --bootstrap 500 --seed 1 --as-of … --write-back``)."""
    from patron.data.hotel_vocab import SURVEY_CODE
    from patron.jobs import csi
    from patron.jobs.writeback import write_back

    result = csi.csi(_analysis(context), model="acsi", survey=SURVEY_CODE, bootstrap=500, seed=1)
    write_back(context.workspace, result)
    return result


def analyse_churn(context: DemoContext) -> Any:
    """Who among the active hotel guests will not stay again within a year, and why,
    written to their scores (``patron churn --unit hotel --as-of … --horizon 1y
    --write-back``)."""
    from patron.jobs import churn
    from patron.jobs.writeback import write_back

    result = churn.churn(_analysis(context), horizon="1y")
    write_back(context.workspace, result)
    return result


def write_report(context: DemoContext) -> Any:
    """The hotel report: every section above as one offline HTML file."""
    from patron.report import build_report

    return build_report(context.workspace, unit="hotel", as_of=context.as_of)


DEMO_STEPS: list[DemoStep] = [
    DemoStep("units", N_("Set up the organisation's units"), set_up_units),
    DemoStep("cdnow", N_("Load CDNOW purchases (real data)"), load_cdnow),
    DemoStep("hotel", N_("Generate and load the synthetic hotel"), load_hotel),
    DemoStep("sync", N_("Sync the warehouse"), sync_warehouse),
    DemoStep("counts", N_("Count what was loaded"), count_rows),
    DemoStep("segments", N_("Segments, layers and value tiers"), analyse_segments),
    DemoStep("lifecycle", N_("Lifecycle stages"), analyse_lifecycle),
    DemoStep("loyalty", N_("Loyalty scorecard and types"), analyse_loyalty),
    DemoStep("clv", N_("Customer lifetime value (CDNOW)"), analyse_clv),
    DemoStep("csi", N_("Customer satisfaction index (hotel)"), analyse_csi),
    DemoStep("churn", N_("Churn risk with reasons (hotel)"), analyse_churn),
    DemoStep("report", N_("Write the report (hotel)"), write_report, show=True),
]
# Steps that load data; tests and quick runs can stop after these.
LOAD_STEPS = ("units", "cdnow", "hotel", "sync", "counts")


def run_demo(
    directory: str | Path,
    *,
    n_guests: int = 3000,
    seed: int = 7,
    as_of: date = date(2026, 11, 1),
    cdnow_sample: bool = False,
    steps: list[DemoStep] | None = None,
    progress: Any = None,
) -> DemoResult:
    """Build (or refresh) a demo workspace in ``directory`` and run every demo step.

    Parameters
    ----------
    directory : path
        Workspace folder; created if missing. Re-running is safe: the imports are
        idempotent, so nothing is loaded twice.
    n_guests : int, default=3000
        Regular guests of the synthetic hotel (plus the Oriental guest).
    seed : int, default=7
        Seed of the hotel generator.
    as_of : date, default=2026-11-01
        The hotel data's "today".
    cdnow_sample : bool, default=False
        Load the 2,357-customer CDNOW sample instead of the 23,570-customer master file.
    steps : list of DemoStep, optional
        Steps to run (default ``DEMO_STEPS``).
    progress : callable, optional
        ``progress(task, done, total)`` before and after each step (see
        :mod:`patron.core.progress`); the CLI draws it as a bar.
    """
    report = as_callback(progress)
    workspace = init_workspace(directory)
    context = DemoContext(
        workspace=workspace,
        n_guests=n_guests,
        seed=seed,
        as_of=as_of,
        cdnow_sample=cdnow_sample,
        progress=report,
    )
    outcomes: list[StepOutcome] = []
    chosen = DEMO_STEPS if steps is None else steps
    for number, step in enumerate(chosen):
        title = _("Step {n}/{total}: {title}").format(
            n=number + 1, total=len(chosen), title=_(step.title)
        )
        report(title, number, len(chosen))
        started = time.perf_counter()
        result = step.run(context)
        context.results[step.name] = result
        elapsed = time.perf_counter() - started
        outcomes.append(StepOutcome(step.name, step.title, elapsed, result, step.show))
        report(title, number + 1, len(chosen))
    counts = context.results.get("counts")
    if not isinstance(counts, pd.DataFrame):
        counts = pd.DataFrame({"table": [], "dataset": [], "rows": []})
    return DemoResult(workspace=workspace, steps=outcomes, counts=counts, context=context)
