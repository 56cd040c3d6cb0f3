"""The same analyses on DuckDB and on PySpark local mode return identical results."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from patron.analyze import engine, lifecycle, loyalty, segments
from patron.analyze.features import btyd_statistics, customer_features

from .factories import write_parquet_set

pytestmark = pytest.mark.spark

pyspark = pytest.importorskip("pyspark")


@pytest.fixture(scope="module")
def engines():
    if os.system("java -version >/dev/null 2>&1") != 0:  # noqa: S605 - fixed command
        pytest.skip("Java is not installed")
    duck = engine.connect("duckdb")
    spark = engine.connect("spark", threads=1)
    # Small data: one shuffle partition keeps Spark's per-query overhead down.
    session = engine.spark_session()
    session.conf.set("spark.sql.shuffle.partitions", "1")
    # On tiny data, compiling generated code costs more than it saves.
    session.conf.set("spark.sql.codegen.wholeStage", "false")
    session.conf.set("spark.sql.adaptive.enabled", "false")
    yield {"duckdb": duck, "spark": spark}
    engine.spark_session().stop()


def analyses(con, paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    """Every analysis of the module, computed on ``con`` from the Parquet files."""
    read = {name: engine.read_table(path, con=con) for name, path in paths.items()}
    orders = read["orders"]
    features = customer_features(
        orders,
        order_lines=read["order_lines"],
        complaints=read["complaints"],
        interactions=read["interactions"],
        as_of="1998-06-30",
        cost_per_complaint=12.5,
        cost_per_service_interaction=3.0,
    )
    if engine.engine_name(con) == "spark":
        features = features.cache()
    scores = segments.rfm(features)
    attach = loyalty.attachment(read["survey_responses"])
    exprs = {
        "btyd": btyd_statistics(orders, observation_end="1997-09-30"),
        "features": features,
        "rfm": scores,
        "cutoffs": segments.rfm_cutoffs(scores),
        "layers": segments.layers(scores),
        "tiers": segments.value_tiers(features),
        "pareto_curve": segments.pareto_curve(features, measure="gross_margin"),
        "pareto": segments.pareto_summary(features, top_shares=(0.2, 0.1)),
        "deciles": segments.profit_deciles(features),
        "losers": segments.money_losers(features),
        "stages": lifecycle.stage_at(orders, "1997-12-31"),
        "transitions": lifecycle.transition_matrix(orders, "1997-06-30", "1998-03-31"),
        "cohorts": lifecycle.cohort_retention(orders, period="M"),
        "scorecard": loyalty.scorecard(orders, responses=read["survey_responses"], period="Q"),
        "loyalty": loyalty.loyalty_types(features, attachment_table=attach),
    }
    out = {}
    for name, expr in exprs.items():
        frame = engine.to_pandas(expr, con)
        keys = [
            c
            for c in (
                "customer_id",
                "dimension",
                "score",
                "decile",
                "from_stage",
                "to_stage",
                "cohort",
                "period",
                "period_start",
                "position",
                "measure",
            )
            if c in frame.columns
        ]
        out[name] = frame.sort_values(keys).reset_index(drop=True) if keys else frame
    return out


def test_duckdb_and_spark_agree(engines, cdnow_sample, tmp_path: Path) -> None:
    # The first 600 sample customers (about 1,800 purchases) keep Spark quick.
    small = cdnow_sample[cdnow_sample["customer_id"].astype(int) <= 600]
    paths = write_parquet_set(small, tmp_path / "data")
    duck = analyses(engines["duckdb"], paths)
    spark = analyses(engines["spark"], paths)
    for name, left in duck.items():
        right = spark[name]
        assert list(left.columns) == list(right.columns), name
        assert len(left) == len(right) > 0, name
        for column in left.columns:
            a, b = left[column], right[column]
            if pd.api.types.is_float_dtype(a):
                # Money is in cents and shares are ratios of integers: engines agree to
                # the last bit except for float sums taken in a different order.
                pd.testing.assert_series_equal(a, b, check_dtype=False, rtol=1e-12, atol=1e-9)
            else:
                assert a.astype(str).tolist() == b.astype(str).tolist(), (name, column)
    # A customer whose every order was returned never bought: 14 of the 600 here.
    orders = pd.read_parquet(paths["orders"])
    buyers = orders.loc[orders["status"] != "returned", "customer_id"].nunique()
    assert len(duck["features"]) == buyers == 586
    # The complaints of those buyers (one of the 67 came from a customer who never bought).
    assert duck["features"]["complaints"].sum() == 66
