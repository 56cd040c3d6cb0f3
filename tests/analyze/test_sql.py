"""Compiled SQL: every analysis compiles for DuckDB and Spark; features read the orders once."""

from __future__ import annotations

import re

import ibis
import pytest

from patron.analyze import engine, lifecycle, loyalty, segments
from patron.analyze.features import btyd_statistics, customer_features

from .factories import dressed_orders, side_tables


@pytest.fixture(scope="module", autouse=True)
def pyspark_options():
    """The PySpark compiler reads options the PySpark backend registers on import."""
    pytest.importorskip("pyspark")
    assert ibis.pyspark is not None  # touching the entry point registers its options


@pytest.fixture(scope="module")
def expressions(cdnow_sample):
    orders = dressed_orders(cdnow_sample.head(200))
    frames = {"orders": orders, **side_tables(orders)}
    # Unbound tables with the real schemas: SQL compiles without any engine or data.
    t = {n: ibis.table(engine.read_table(f).schema(), name=n) for n, f in frames.items()}
    o = t["orders"]
    feats = customer_features(
        o,
        order_lines=t["order_lines"],
        complaints=t["complaints"],
        interactions=t["interactions"],
        as_of="1998-06-30",
    )
    responses = t["survey_responses"]
    scores = segments.rfm(feats)
    return {
        "btyd": btyd_statistics(o),
        "features": feats,
        "rfm": scores,
        "cutoffs": segments.rfm_cutoffs(scores),
        "tiers": segments.value_tiers(feats),
        "pareto": segments.pareto_summary(feats),
        "curve": segments.pareto_curve(feats),
        "deciles": segments.profit_deciles(feats),
        "losers": segments.money_losers(feats),
        "stages": lifecycle.stage_at(o, "1998-01-01"),
        "transitions": lifecycle.transition_matrix(o, "1997-06-30", "1998-01-01"),
        "cohorts": lifecycle.cohort_retention(o, period="Q"),
        "scorecard": loyalty.scorecard(o, responses=responses),
        "loyalty": loyalty.loyalty_types(feats, attachment_table=loyalty.attachment(responses)),
    }


@pytest.mark.parametrize("dialect", ["duckdb", "pyspark"])
def test_every_analysis_compiles(expressions, dialect: str) -> None:
    for name, expr in expressions.items():
        sql = ibis.to_sql(expr, dialect=dialect)
        assert "SELECT" in sql, name


def test_features_scan_the_orders_once(cdnow_sample) -> None:
    schema = engine.read_table(dressed_orders(cdnow_sample.head(50))).schema()
    expr = customer_features(ibis.table(schema, name="orders"), as_of="1998-06-30")
    # One reference to the input table: per-customer totals, purchase days and channel /
    # location concentration all aggregate the same shared CTE.
    for dialect, quote in (("duckdb", '"'), ("pyspark", "`")):
        sql = ibis.to_sql(expr, dialect=dialect)
        assert len(re.findall(f"FROM {quote}orders{quote}", sql)) == 1, dialect
    assert sql.startswith("WITH ")
